#!/usr/bin/env python3
"""Lists public declarations in Sources/ without a `///` summary (STYLE.md: every public symbol has one).

Protocol requirements whose meaning is fixed by the protocol (Codable's init(from:) and
encode(to:), CustomStringConvertible's description, CodingKeys cases) are exempt.
Usage: python3 Scripts/check-doc-comments.py [DIR ...]   — exits 1 when something is undocumented.
"""
import re
import sys
from pathlib import Path

DECL = re.compile(r'^\s*(@\w+(\([^)]*\))?\s+)*public\s+(static\s+|final\s+|mutating\s+|nonisolated\s+|override\s+|indirect\s+|convenience\s+)*'
                  r'(func|var|let|struct|enum|class|protocol|init|typealias|case|subscript|actor)\b')
EXEMPT = re.compile(r'init\(from decoder|func encode\(to encoder|var description: String|var debugDescription')


def undocumented(path):
    lines = path.read_text(encoding='utf-8').split('\n')
    out = []
    in_coding_keys = False
    for i, line in enumerate(lines):
        if 'enum CodingKeys' in line:
            in_coding_keys = True
        elif in_coding_keys and line.strip() == '}':
            in_coding_keys = False
        if not DECL.match(line) or EXEMPT.search(line) or in_coding_keys:
            continue
        j = i - 1
        while j >= 0 and (lines[j].strip().startswith('@') or lines[j].strip() == ''):
            if lines[j].strip() == '':
                break
            j -= 1
        if j < 0 or not lines[j].strip().startswith('///'):
            out.append(f'{path}:{i + 1}: {line.strip()}')
    return out


def main():
    roots = [Path(a) for a in sys.argv[1:]] or [Path('Sources')]
    missing = [m for root in roots for p in sorted(root.rglob('*.swift')) for m in undocumented(p)]
    for m in missing:
        print(m)
    print(f'{len(missing)} public declarations without a /// summary', file=sys.stderr)
    return 1 if missing else 0


if __name__ == '__main__':
    sys.exit(main())
