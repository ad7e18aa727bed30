#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""build-jar.py - compiles Java sources into one jar (meson's custom_target for the binding).

    build-jar.py JAVAC JAR OUT.jar CLASSPATH SOURCE...

CLASSPATH is ':'-separated (may be empty).  Sources are compiled for Java 17 as UTF-8 with
every lint warning an error, into a fresh directory next to OUT, then packed into OUT.
"""
import os
import shutil
import subprocess
import sys


def main():
    javac, jar, out, classpath = sys.argv[1:5]
    sources = sys.argv[5:]
    classes = out + '.classes'
    shutil.rmtree(classes, ignore_errors=True)
    os.makedirs(classes)
    cmd = [javac, '--release', '17', '-encoding', 'UTF-8', '-Xlint:all', '-Xlint:-options', '-Werror',
           '-d', classes]
    if classpath:
        cmd += ['-cp', classpath]
    subprocess.check_call(cmd + sources)
    # A fixed date keeps the jar the same from one build to the next.
    subprocess.check_call([jar, '--create', '--file', out, '--date', '2025-01-01T00:00:00Z', '-C', classes, '.'])
    shutil.rmtree(classes)


if __name__ == '__main__':
    main()
