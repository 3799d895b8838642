#!/usr/bin/env python3
"""pdf_pages.py PDF: the text of each page of a PDF that headless Chromium
(Skia) printed, one page per output block ("=== page N ===" then its lines),
for tests where poppler's pdftotext is not installed.  Reads uncompressed
or FlateDecode objects, Type0/TrueType fonts with a ToUnicode CMap, and the
text operators Tf, Tj, TJ, Td/TD/T*/Tm (a new line where the baseline
moves).  Not a general PDF reader: enough for the pages Chromium writes."""
import re
import sys
import zlib

data = open(sys.argv[1], "rb").read()
objs = {}
for m in re.finditer(rb"(\d+) 0 obj(.*?)endobj", data, re.S):
    objs[int(m.group(1))] = m.group(2)


def stream(body):
    m = re.search(rb"stream\r?\n(.*)\r?\nendstream", body, re.S)
    if not m:
        return b""
    raw = m.group(1)
    if b"/FlateDecode" in body.split(b"stream")[0]:
        try:
            return zlib.decompress(raw)
        except zlib.error:
            return zlib.decompressobj().decompress(raw)
    return raw


def ref(body, key):
    m = re.search(rb"/" + key + rb"\s+(\d+) 0 R", body)
    return int(m.group(1)) if m else None


def cmap_of(font_obj):
    tu = ref(objs.get(font_obj, b""), b"ToUnicode")
    if tu is None:
        return {}, 1
    text = stream(objs[tu]).decode("latin-1")
    cmap, width = {}, 1
    for block in re.findall(r"beginbfchar(.*?)endbfchar", text, re.S):
        for src, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            width = len(src) // 2
            cmap[int(src, 16)] = bytes.fromhex(dst).decode("utf-16-be", "replace")
    for block in re.findall(r"beginbfrange(.*?)endbfrange", text, re.S):
        for a, b, dst in re.findall(r"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            width = len(a) // 2
            base = int(dst, 16)
            for k in range(int(a, 16), int(b, 16) + 1):
                cmap[k] = chr(base + k - int(a, 16))
    return cmap, width


def fonts_of(page_body):
    res = page_body
    r = ref(page_body, b"Resources")
    if r is not None:
        res = objs[r]
    m = re.search(rb"/Font\s*<<(.*?)>>", res, re.S)
    fonts = {}
    if m:
        for name, num in re.findall(rb"/(\w+)\s+(\d+) 0 R", m.group(1)):
            fonts[name.decode()] = cmap_of(int(num))
    return fonts


def decode(s, font):
    cmap, width = font
    if s.startswith(b"<"):
        hexs = re.sub(rb"\s", b"", s[1:-1]).decode()
        raw = bytes.fromhex(hexs)
    else:
        raw = s[1:-1]
    out = []
    for i in range(0, len(raw) - width + 1, width):
        code = int.from_bytes(raw[i:i + width], "big")
        out.append(cmap.get(code, chr(code) if width == 1 else ""))
    return "".join(out)


pages = [n for n, b in sorted(objs.items()) if re.search(rb"/Type\s*/Page(?![s\w])", b)]
for idx, n in enumerate(pages, 1):
    body = objs[n]
    fonts = fonts_of(body)
    cs = []
    m = re.search(rb"/Contents\s*\[([^\]]*)\]", body)
    nums = [int(x) for x in re.findall(rb"(\d+) 0 R", m.group(1))] if m else [ref(body, b"Contents")]
    for c in nums:
        if c is not None:
            cs.append(stream(objs[c]))
    content = b"\n".join(cs)
    lines, cur, font = [], "", ({}, 1)
    tok = re.compile(rb"/(\w+)\s+[\d.]+\s+Tf|(<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\))\s*Tj|\[(.*?)\]\s*TJ|(T\*|Td|TD|Tm|ET)\b", re.S)
    for t in tok.finditer(content):
        if t.group(1):
            font = fonts.get(t.group(1).decode(), ({}, 1))
        elif t.group(2):
            cur += decode(t.group(2), font)
        elif t.group(3) is not None:
            for part in re.findall(rb"<[0-9A-Fa-f\s]*>|\((?:\\.|[^\\)])*\)", t.group(3)):
                cur += decode(part, font)
        elif t.group(4):
            if cur.strip():
                lines.append(cur)
            cur = ""
    if cur.strip():
        lines.append(cur)
    # Chromium moves the pen inside a line for kerning: the pieces of a page
    # are joined as they come, so words read whole ("Telematics are ...")
    print("=== page %d ===" % idx)
    print("".join(lines))
