#!/usr/bin/env python3
"""Writes data/python_reference.jsonl: what Python (the language the reference tokenizers are written in)
answers for the text-handling steps the C++ tokenizers reproduce. Run from this folder with the `regex` package
installed; the output is committed so the tests need no Python.

Records (one JSON object a line, field "kind"):
  utf8         : hex -> bytes.fromhex(hex).decode("utf-8", errors="replace")
  html         : text -> html.unescape(text)
  clip         : text -> normalized (CLIP's clean-up without ftfy) and words (CLIP's pattern, IGNORECASE)
  gpt2         : text -> pieces (GPT-2's pattern)
"""
import html
import json

import regex

CLIP_PATTERN = regex.compile(
    r"""<\|startoftext\|>|<\|endoftext\|>|'s|'t|'re|'ve|'m|'ll|'d|[\p{L}]+|[\p{N}]|[^\s\p{L}\p{N}]+""",
    regex.IGNORECASE)
GPT2_PATTERN = regex.compile(r"""'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+""")


def clip_normalize(text):
    text = html.unescape(html.unescape(text)).strip()
    text = regex.sub(r"\s+", " ", text).strip()
    return text.lower()


UTF8 = [
    "c3", "e697", "f09f8e", "80", "bf80", "8080bf", "c080", "c1bf", "e08080", "e09fbf", "f0808080", "f08fbfbf",
    "eda080", "edbfbf", "f4908080", "f5808080", "ff", "fe", "e641", "f09f4142", "c3c3a9", "61c3a9e697a5f09f8eb8",
    "f4", "efbfbd", "f48fbfbf", "e0a080", "20c3", "c3a9c3",
]

HTML = [
    "&amp;", "&lt;b&gt;", "&AMP;", "&amp", "&ampx", "&amp;amp;", "&notit;", "&notin;", "&notin", "&eacute;",
    "&Eacute", "&#39;", "&#x27;", "&#X27", "&#0;", "&#128;", "&#x81;", "&#13;", "&#1;", "&#xD800;", "&#x110000;",
    "&#99999999999999999999;", "&#xFFFE;", "&#x1FFFF;", "&#xFDD0;", "&#11;", "&#127;", "&#", "&#x;", "&#xg;", "&;",
    "& ", "&&amp;", "&nbsp;", "&hellip;", "&mdash;", "&ndash;", "&rsquo;", "&ldquo;&rdquo;", "&quot;", "&apos;",
    "&copy;", "&COPY", "&reg;", "&trade;", "&euro;", "&alpha;&Omega;", "&" + "a" * 40 + ";", "&amp" + "x" * 40,
    "&ampxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx;", "&unknown;", "&zwj;", "&#x1F3B8;", "&#128512", "AT&T", "&le;&ge;",
    "&sup2;&frac12;", "&\u00e9;", "&lt", "&LT;", "&GT", "&quot", "&QUOT;", "&times;&divide;", "&deg;C", "&micro;",
    "&szlig;", "&yuml", "&thetasym;", "&lang;&rang;", "&#65;&#x42;&#X43", "a&#10;b", "&#x9;", "&amp;#39;",
    "&copy2024", "&reg\u00e9", "&aacuteb;", "&\r;", "&\t", "&#0065;", "&#x0000041;",
]

CLIP = [
    "\x1c a \x1cb\x1c", "a\u00a0b", "a\u3000b", "a\u2028b", "\u0085x", "\u000bx\u000c", "ΟΔΟΣ ΟΔΟΣ.", "İstanbul",
    "ſ's", "it'ſ", "ΣΑ", "Straße", "\ufb01", "Ⅷ", "ǅ", "Ａ", "٣", "x²", "a\u0345b", "&lt;|startoftext|&gt;",
    "&amp;lt;", "&amp;amp;", "<|ſtartoftext|>", "\U0001F468\u200d\U0001F469\u200d\U0001F467", "e\u0301", "\u212a",
    "\u2126", "ı", "\ufb13", "Ꭰ", "tabs\tand\nnew\r\nlines", "A&amp;B", "IT'S", "I'D", "'LL", "don\u2019t",
    "half&frac12;", "&nbsp;x&nbsp;", "x&#x2003;y", "&#x1c;x", "MIXED Ünïcödé ÀÉÎ", "ΣΣ Σ", "aΣ", "Σa",
    "ВОДКА Σ.", "Ǆ", "\U00010400", "3\u00bd", "<|endoftext|>x", "'", "''s", "x'", "\u0130\u0130",
]

GPT2 = [
    "Hello  world", "a\tb", "  x", "x  ", "   ", "a \n b", "don't", "DON'T", "it's'", "123abc", " 123", "\u2026",
    "a\u00a0b", "\x1c", "I'm  ", "日本 語", "🎸 🐶", "'", "''s", "x\n\n", "\n\nx", " \t x", "a  \u00a0b", "é\u0301",
    "they're", "'ve'll'd'm", "a1b2", " !!", "  !!", "x\r\ny", "\u3000x", "Ⅷ ½",
]


def main():
    with open("data/python_reference.jsonl", "w", encoding="utf-8") as out:
        def write(record):
            out.write(json.dumps(record, ensure_ascii=False) + "\n")
        for h in UTF8:
            write({"kind": "utf8", "hex": h, "decoded": bytes.fromhex(h).decode("utf-8", errors="replace")})
        for t in HTML:
            write({"kind": "html", "text": t, "unescaped": html.unescape(t)})
        for t in CLIP:
            normalized = clip_normalize(t)
            write({"kind": "clip", "text": t, "normalized": normalized, "words": CLIP_PATTERN.findall(normalized)})
        for t in GPT2:
            write({"kind": "gpt2", "text": t, "pieces": GPT2_PATTERN.findall(t)})


if __name__ == "__main__":
    main()
