#!/usr/bin/env python3
"""Draws PromptLedger's app icon (a ledger page with a rising bar chart) as RGBA PNGs.

Pure standard library, so it runs anywhere: `python3 scripts/make-icons.py` rewrites icons/.
"""
import struct
import zlib
from pathlib import Path

def png(path: Path, size: int) -> None:
    px = bytearray()
    s = size / 512.0
    bars = [(150, 300), (232, 240), (314, 170)]  # (x, top) for three bars on a 512 grid
    for y in range(size):
        px.append(0)  # filter byte
        for x in range(size):
            X, Y = x / s, y / s
            # rounded square background
            r = 96
            dx = max(64 - X, 0, X - 448) if not (64 + r <= X <= 448 - r) else 0
            dy = max(64 - Y, 0, Y - 448) if not (64 + r <= Y <= 448 - r) else 0
            cx = min(max(X, 64 + r), 448 - r)
            cy = min(max(Y, 64 + r), 448 - r)
            inside = (X - cx) ** 2 + (Y - cy) ** 2 <= r * r and 64 <= X <= 448 and 64 <= Y <= 448
            if not inside:
                px += bytes((0, 0, 0, 0))
                continue
            col = (31, 64, 104, 255)  # deep ledger blue
            for bx, top in bars:
                if bx <= X <= bx + 56 and top <= Y <= 372:
                    col = (122, 216, 170, 255)  # mint bars
            if 120 <= X <= 392 and 384 <= Y <= 396:
                col = (236, 240, 245, 255)  # baseline rule
            px += bytes(col)
    raw = zlib.compress(bytes(px), 9)
    def chunk(tag: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + tag + data + struct.pack(">I", zlib.crc32(tag + data) & 0xFFFFFFFF)
    ihdr = struct.pack(">IIBBBBB", size, size, 8, 6, 0, 0, 0)
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b""))

out = Path(__file__).resolve().parent.parent / "icons"
out.mkdir(exist_ok=True)
for name, size in [("32x32.png", 32), ("64x64.png", 64), ("128x128.png", 128), ("256x256.png", 256), ("icon.png", 512)]:
    png(out / name, size)
    print("wrote", out / name)
