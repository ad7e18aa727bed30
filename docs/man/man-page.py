#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""man-page.py - writes a man page from a command's --help and a prose source.

    man-page.py --name zjtx-evaluate --section 1 --source 'zjtx 0.1.0'
                --include docs/man/zjtx-evaluate.1.txt --output zjtx-evaluate.1
                [-- zjtx evaluate --help]

The command after `--` is run and its output (GOption's layout: "Usage:",
a description, "Options:", headed blocks such as "Formats:", free
paragraphs, "Example(s):", "Exit status: ...") becomes SYNOPSIS,
DESCRIPTION, OPTIONS, EXAMPLES and EXIT STATUS, so the page says what the
binary says.  The source adds what --help has no room for (NAME, SEE ALSO,
more prose) in a small plain-text markup:

    [SECTION]           starts a section (NAME, DESCRIPTION, SEE ALSO, ...);
                        a generated section of that name is extended
    ## Title            a subsection
    text                a paragraph (lines are filled)
      indented text     a literal block, as written
    term                a definition: the term on its own line,
        its meaning     the meaning indented under it
    - item              a bullet list
    `code`, *word*      bold (what one types), italic (what one replaces)
    # comment           only before the first section

Without a command (zjtx-policy(5)), the page is the source alone.
Why not help2man: it expects "Usage: prog" on one line (GOption prints the
usage under "Usage:", so help2man makes no SYNOPSIS), fills the examples
into one paragraph, and would be one more build dependency.
"""
import argparse
import datetime
import os
import re
import subprocess
import sys

SECTION_ORDER = ['NAME', 'SYNOPSIS', 'DESCRIPTION', 'COMMANDS', 'OPTIONS', 'EXIT STATUS', 'ENVIRONMENT',
                 'FILES', 'EXAMPLES', 'NOTES', 'SEE ALSO']


def escape(text, code=False):
    """Roff-escapes TEXT; in CODE every '-' is a minus (so it can be copied)."""
    text = text.replace('\\', '\\e')
    if code:
        text = text.replace('-', '\\-')
    text = ''.join(c if ord(c) < 128 else '\\[u%04X]' % ord(c) for c in text)
    return text


def inline(text):
    """Prose: `code` bold, *word* italic, options and page references bold."""
    out = []
    pattern = re.compile(r'`([^`]+)`|\*(\S(?:[^*]*\S)?)\*|(?<![\w-])(--?[A-Za-z][\w-]*)'
                         r'|\b(zjtx(?:-[a-z]+)*)\((\d)\)')
    pos = 0
    for m in pattern.finditer(text):
        out.append(escape(text[pos:m.start()]))
        if m.group(1) is not None:
            out.append('\\fB' + escape(m.group(1), code=True) + '\\fR')
        elif m.group(2) is not None:
            out.append('\\fI' + escape(m.group(2)) + '\\fR')
        elif m.group(3) is not None:
            out.append('\\fB' + escape(m.group(3), code=True) + '\\fR')
        else:
            out.append('\\fB' + escape(m.group(4), code=True) + '\\fR(' + m.group(5) + ')')
        pos = m.end()
    out.append(escape(text[pos:]))
    return ''.join(out)


def roff_lines(lines):
    """Lines of filled text, each safe to start a roff line."""
    return [('\\&' + line) if line[:1] in ('.', "'") else line for line in lines]


def paragraph(text, split=False):
    """Filled text.  SPLIT: in --help a line after one that ends a sentence
    starts a new point, so it starts a new paragraph here too."""
    out, sentence = [], []
    for line in text.strip().splitlines():
        sentence.append(line.strip())
        if split and line.rstrip().endswith('.'):
            out += ['.PP'] + roff_lines([inline(' '.join(sentence))])
            sentence = []
    if sentence:
        out += ['.PP'] + roff_lines([inline(' '.join(sentence))])
    return out


def literal(lines):
    width = min(len(line) - len(line.lstrip()) for line in lines if line.strip())
    body = [escape(line[width:], code=True) for line in lines]
    return ['.PP', '.RS 4', '.nf'] + roff_lines(body) + ['.fi', '.RE']


def option_tag(term):
    """'-q, --quiet' or '--facts=FILE.json|DIR' -> bold option names, italic values."""
    parts = []
    for alias in term.split(', '):
        m = re.match(r'^(--?[\w-]+)([= ])?(.*)$', alias)
        if not m:
            parts.append('\\fB' + escape(alias, code=True) + '\\fR')
            continue
        tag = '\\fB' + escape(m.group(1), code=True) + '\\fR'
        if m.group(3):
            tag += escape(m.group(2)) + '\\fI' + escape(m.group(3)) + '\\fR'
        parts.append(tag)
    return ', '.join(parts)


def split_items(lines):
    """'  term   meaning' lines, continuation lines indented deeper -> [(term, meaning)]."""
    base = len(lines[0]) - len(lines[0].lstrip())
    items = []
    for line in lines:
        indent = len(line) - len(line.lstrip())
        if indent <= base:
            term, _, meaning = line.strip().partition('  ')
            items.append([term, [meaning.strip()] if meaning.strip() else []])
        else:
            items[-1][1].append(line.strip())
    return [(term, ' '.join(meaning)) for term, meaning in items]


def items(lines, tag=option_tag):
    out = []
    for term, meaning in split_items(lines):
        out += ['.TP', tag(term)] + roff_lines([inline(meaning)])
    return out


def command_items(lines):
    """The commands of `zjtx --help`: a synopsis (continued deeper), then its
    description at the indent of a paragraph, with option lines in it."""
    out = []
    i = 0
    while i < len(lines):
        synopsis = [lines[i].strip()]
        first_indent = len(lines[i]) - len(lines[i].lstrip())
        i += 1
        body = []
        while i < len(lines) and len(lines[i]) - len(lines[i].lstrip()) > first_indent:
            body.append(lines[i])
            i += 1
        # continuation lines of the synopsis are indented deeper than its description
        desc_indent = min(len(line) - len(line.lstrip()) for line in body)
        while body and len(body[0]) - len(body[0].lstrip()) > desc_indent:
            synopsis.append(body.pop(0).strip())
        name, _, rest = ' '.join(synopsis).partition(' ')
        out += ['.TP', '\\fB' + escape(name, code=True) + '\\fR ' + escape(rest, code=True)]
        out += described_block([line[desc_indent:] for line in body])
        out += ['.IP', 'See \\fBzjtx\\-' + escape(name, code=True) + '\\fR(1).']
    return out


def described_block(lines):
    """Prose lines, then '--option  meaning' lines (meaning continued deeper)."""
    out, prose, opts = [], [], []

    def flush():
        if prose:
            out.extend(roff_lines([inline(' '.join(prose))]))
            prose.clear()
        if opts:
            out.extend(['.RS'] + items(opts) + ['.RE'])
            opts.clear()

    for line in lines:
        if line.startswith('-') and re.search(r'\S  +\S', line):
            if prose:
                flush()
            opts.append(line)
        elif line.startswith(' ') and opts:
            opts.append(line)
        else:
            if opts:
                flush()
                out.append('.IP')
            prose.append(line.strip())
    flush()
    return out


def synopsis(usage):
    """'zjtx evaluate [OPTION…]' -> the command words bold, the rest as written."""
    words = usage.split(' ')
    n = 0
    while n < len(words) and re.fullmatch(r'[a-z][a-z0-9-]*', words[n]):
        n += 1
    return ['\\fB' + escape(' '.join(words[:n]), code=True) + '\\fR ' + escape(' '.join(words[n:]), code=True), '.br']


def parse_help(text, sections):
    """Sorts the blocks of a --help text into man sections (a dict of lists)."""
    blocks = [b for b in re.split(r'\n\s*\n', text.strip('\n')) if b.strip()]
    current = 'DESCRIPTION'
    for block in blocks:
        lines = block.split('\n')
        head = re.match(r'^([A-Za-z][A-Za-z ]*):\s*(.*)$', lines[0])
        if head and head.group(1).lower() == 'usage':
            usages = ([head.group(2)] if head.group(2) else []) + [line.strip() for line in lines[1:]]
            sections.setdefault('SYNOPSIS', []).extend(sum((synopsis(u) for u in usages), []))
            continue
        if head and not head.group(2) and len(lines) > 1:
            name = head.group(1).lower()
            if name == 'options':
                current = 'OPTIONS'
                sections.setdefault(current, []).extend(items(lines[1:]))
            elif name in ('example', 'examples'):
                sections.setdefault('EXAMPLES', []).extend(literal(lines[1:]))
            elif name == 'commands':
                current = 'COMMANDS'
                sections.setdefault(current, []).extend(command_items(lines[1:]))
            else:
                sections.setdefault(current, []).extend(
                    ['.SS ' + escape(head.group(1))] + items(lines[1:], tag=lambda t: '\\fB' + escape(t) + '\\fR'))
            continue
        if all(line.startswith(' ') for line in lines):
            sections.setdefault(current, []).extend(literal(lines))
            continue
        prose, _, status = block.partition('Exit status:')
        if prose.strip():
            sections.setdefault(current, []).extend(paragraph(prose, split=True))
        if status.strip():
            sections.setdefault('EXIT STATUS', []).extend(paragraph(status, split=True))


def parse_source(path, sections):
    """The prose source: [SECTION] headers and the markup of this file's comment."""
    with open(path, encoding='utf-8') as f:
        text = f.read()
    parts = re.split(r'^\[([A-Z][A-Z ]*)\]\s*$', text, flags=re.M)
    for name, body in zip(parts[1::2], parts[2::2]):
        out = []
        for block in [b for b in re.split(r'\n\s*\n', body.strip('\n')) if b.strip()]:
            out += source_block(name, block.split('\n'))
        if name == 'NAME':
            sections[name] = out
        else:
            sections.setdefault(name, []).extend(out)


def source_block(section, lines):
    if section == 'NAME':
        name, _, what = ' '.join(lines).partition(' - ')
        return [escape(name.strip(), code=True) + ' \\- ' + escape(what.strip())]
    out = []
    if lines[0].startswith('## '):
        out.append('.SS ' + escape(lines.pop(0)[3:].strip()))
        if not lines:
            return out
    if all(line.startswith(' ') for line in lines):
        return out + literal(lines)
    if lines[0].startswith('- '):
        for item in re.split(r'\n(?=- )', '\n'.join(lines)):
            out += ['.IP \\(bu 2'] + roff_lines([inline(' '.join(line.strip() for line in item[2:].split('\n')))])
        return out
    if len(lines) > 1 and lines[1].startswith(' '):
        for line in lines:
            if not line.startswith(' '):
                out += ['.TP', inline(line.strip())]
            else:
                out += roff_lines([inline(line.strip())])
        return out
    return out + paragraph('\n'.join(lines))


def page_date():
    epoch = int(os.environ.get('SOURCE_DATE_EPOCH', '0') or 0)
    moment = datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc) if epoch else datetime.datetime.now(
        datetime.timezone.utc)
    return moment.strftime('%Y-%m-%d')


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--name', required=True)
    ap.add_argument('--section', required=True)
    ap.add_argument('--source', required=True, help="the footer's left part: 'zjtx 0.1.0'")
    ap.add_argument('--include', required=True)
    ap.add_argument('--output', required=True)
    ap.add_argument('command', nargs='*')
    args = ap.parse_args()

    sections = {}
    if args.command:
        # C.UTF-8: the help is the same on every build machine; no leak report
        # from a sanitizer build's --help.
        env = dict(os.environ, LC_ALL='C.UTF-8', ASAN_OPTIONS='detect_leaks=0')
        run = subprocess.run(args.command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, check=False)
        if run.returncode != 0 or not run.stdout:
            sys.exit('man-page.py: %s printed no help (exit %d): %s' %
                     (' '.join(args.command), run.returncode, run.stderr.decode(errors='replace')))
        parse_help(run.stdout.decode('utf-8'), sections)
    parse_source(args.include, sections)
    if 'NAME' not in sections:
        sys.exit('man-page.py: %s has no [NAME]' % args.include)

    out = ['.\\" Generated by docs/man/man-page.py from %s%s; do not edit.' %
           (os.path.basename(args.include), ' and `%s`' % ' '.join(
               [os.path.basename(args.command[0])] + args.command[1:]) if args.command else ''),
           '.TH "%s" "%s" "%s" "%s" "zjtx manual"' % (escape(args.name.upper(), code=True), args.section, page_date(),
                                                      escape(args.source)),
           '.nh', '.ad l']
    # sections of the source's own (RULES, ...) come after the options, in its order
    extra = [s for s in sections if s not in SECTION_ORDER]
    at = SECTION_ORDER.index('EXIT STATUS')
    order = SECTION_ORDER[:at] + extra + SECTION_ORDER[at:]
    for name in order:
        if sections.get(name):
            out += ['.SH "%s"' % name] + sections[name]
    with open(args.output, 'w', encoding='ascii') as f:
        f.write('\n'.join(out) + '\n')


if __name__ == '__main__':
    main()
