#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The manual pages: every command `zjtx --help` lists has a page, no page
is left for a command that is gone, each command's page names every option
its --help prints, and every page renders without a warning from groff (as
`man --warnings`, which lintian runs too).

usage: test-man-pages.py ZJTX MAN_DIR

MAN_DIR holds the built pages (docs/man of the build directory).  Exit 77
(skipped) only for the rendering when neither man nor groff is installed;
the other checks need nothing but the pages.
"""
import os
import re
import shutil
import subprocess
import sys

failures = []


def expect(ok, what):
    if not ok:
        failures.append(what)
        print('FAIL: ' + what)


def help_text(zjtx, *args):
    env = dict(os.environ, LC_ALL='C.UTF-8', ASAN_OPTIONS='detect_leaks=0')
    return subprocess.run([zjtx, *args, '--help'], stdout=subprocess.PIPE, env=env, text=True, check=True).stdout


def listed_commands(text):
    """The commands under "commands:": lines indented by exactly two spaces."""
    block = text.split('\ncommands:\n', 1)[1].split('\n\n', 1)[0]
    return [m.group(1) for m in re.finditer(r'^  ([a-z][a-z-]*)\b', block, re.M)]


def render(page):
    """groff's warnings for PAGE (empty when clean), as man-db or groff prints them."""
    env = dict(os.environ, LC_ALL='C.UTF-8', MANROFFSEQ='', MANWIDTH='80')
    if shutil.which('man'):
        cmd = ['man', '--warnings', '-E', 'UTF-8', '-l', '-Tutf8', '-Z', page]
    else:
        cmd = ['groff', '-man', '-Tutf8', '-ww', '-z', page]
    p = subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env, text=True)
    return p.stderr + ('' if p.returncode == 0 else '%s exited %d' % (cmd[0], p.returncode))


def main():
    zjtx, man_dir = sys.argv[1], sys.argv[2]
    commands = listed_commands(help_text(zjtx))
    expect(len(commands) >= 8, 'zjtx --help lists %d commands: %s' % (len(commands), commands))
    pages = ['zjtx.1', 'zjtx-policy.5'] + ['zjtx-%s.1' % c for c in commands]
    for page in pages:
        expect(os.path.exists(os.path.join(man_dir, page)), 'no page %s (add it to docs/man/meson.build)' % page)
    for page in os.listdir(man_dir):
        m = re.fullmatch(r'zjtx-(.+)\.1', page)
        if m:
            expect(m.group(1) in commands, '%s is the page of a command zjtx --help does not list' % page)

    for command in commands:
        path = os.path.join(man_dir, 'zjtx-%s.1' % command)
        if not os.path.exists(path):
            continue
        with open(path, encoding='ascii') as f:
            roff = f.read()
        expect('.SH "NAME"\nzjtx\\-%s \\- ' % command.replace('-', '\\-') in roff, '%s: no NAME line' % path)
        for option in sorted(set(re.findall(r'^\s+(?:-\w, )?(--[\w-]+)', help_text(zjtx, command), re.M))):
            expect('\\fB' + option.replace('-', '\\-') + '\\fR' in roff,
                   'zjtx-%s.1 does not describe %s, which zjtx %s --help prints' % (command, option, command))

    if not shutil.which('man') and not shutil.which('groff'):
        print('SKIP: neither man nor groff is installed; the pages were not rendered')
        return 77 if not failures else 1
    for page in pages:
        path = os.path.join(man_dir, page)
        if os.path.exists(path):
            warnings = render(path)
            expect(warnings == '', '%s does not render cleanly:\n%s' % (page, warnings))
    print('%d pages checked, %d commands' % (len(pages), len(commands)))
    return 1 if failures else 0


if __name__ == '__main__':
    sys.exit(main())
