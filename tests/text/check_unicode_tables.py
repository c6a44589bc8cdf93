#!/usr/bin/env python3
"""Compares the tokenizers' Unicode answers (unicode_dump's output on stdin) with Python's: \\p{L}, \\p{N}
(`regex` package), str.isspace(), regex \\s, str.lower() for every code point. Prints the differences, split
into code points Python knows (should be none) and ones unassigned in Python's Unicode version.

    build/tests/text/text_unicode_dump | python3 tests/text/check_unicode_tables.py
"""
import sys
import unicodedata

import regex


def main():
    known, unassigned = [], 0
    for line in sys.stdin:
        fields = line.split()
        cp, flags = int(fields[0], 16), fields[1]
        lower = fields[2] if len(fields) > 2 else ""
        ch = chr(cp)
        python = "".join("1" if x else "0" for x in (
            regex.match(r"\p{L}", ch), regex.match(r"\p{N}", ch), ch.isspace(), regex.match(r"\s", ch)))
        if python != flags or ch.lower().encode("utf-8").hex() != lower:
            if unicodedata.category(ch) == "Cn":
                unassigned += 1
            else:
                known.append(hex(cp))
    print(f"Python {sys.version.split()[0]}, Unicode {unicodedata.unidata_version}")
    print(f"differences on assigned code points: {len(known)} {known[:20]}")
    print(f"differences on code points Python calls unassigned: {unassigned}")
    return 1 if known else 0


if __name__ == "__main__":
    sys.exit(main())
