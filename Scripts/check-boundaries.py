#!/usr/bin/env python3
"""Checks the module boundaries of Docs/Architecture.md:

- each target in Package.swift declares exactly the modules its Swift files import (system modules,
  Foundation, Testing and the like aside);
- unsafe code (Unsafe…, withUnsafe…, @unchecked Sendable) appears only in Tensors, _TensorsAVX512 and
  Networks.

Usage: python3 Scripts/check-boundaries.py — exits 1 and lists the differences when a check fails.
"""
import re
import sys
from pathlib import Path

SYSTEM = {'Foundation', 'FoundationXML', 'Dispatch', 'Glibc', 'Synchronization', 'Testing', 'XCTest', 'Darwin', 'Musl'}
UNSAFE_OK = {'Tensors', '_TensorsAVX512', 'Networks'}


def calls(text, start):
    """The text inside the parentheses that open at `start`, balanced."""
    depth = 0
    for i in range(start, len(text)):
        if text[i] == '(':
            depth += 1
        elif text[i] == ')':
            depth -= 1
            if depth == 0:
                return text[start + 1:i]
    raise ValueError('unbalanced Package.swift')


def targets(package):
    """name → (directory, declared dependencies) for every target of Package.swift."""
    out = {}
    for m in re.finditer(r'\.(target|testTarget|executableTarget)\(', package):
        body = calls(package, m.end() - 1)
        name = re.search(r'name:\s*"([^"]+)"', body).group(1)
        deps_text = re.search(r'dependencies:\s*\[', body)
        deps = set()
        if deps_text:
            depth, i = 1, deps_text.end()
            while depth:
                depth += {'[': 1, ']': -1}.get(body[i], 0)
                i += 1
            listed = re.sub(r'package:\s*"[^"]+"', '', body[deps_text.end():i - 1])
            deps = set(re.findall(r'"([^"]+)"', listed))
        path = re.search(r'path:\s*"([^"]+)"', body)
        base = 'Tests' if m.group(1) == 'testTarget' else 'Sources'
        out[name] = (Path(path.group(1)) if path else Path(base) / name, deps)
    return out


def main():
    problems = []
    for name, (directory, declared) in sorted(targets(Path('Package.swift').read_text()).items()):
        imported = set()
        for f in directory.rglob('*.swift'):
            for line in f.read_text(encoding='utf-8').split('\n'):
                m = re.match(r'\s*(?:@testable\s+|@_implementationOnly\s+|package\s+|public\s+)?import\s+(\w+)', line)
                if m and m.group(1) not in SYSTEM:
                    imported.add(m.group(1))
            if (name not in UNSAFE_OK and directory.parts[0] == 'Sources'
                    and re.search(r'Unsafe|withUnsafe|@unchecked', f.read_text(encoding='utf-8'))):
                problems.append(f'{f}: unsafe code outside the kernel layers ({", ".join(sorted(UNSAFE_OK))})')
        if imported != declared:
            extra, missing = sorted(declared - imported), sorted(imported - declared)
            problems.append(f'{name}: declared but not imported {extra}; imported but not declared {missing}')
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == '__main__':
    sys.exit(main())
