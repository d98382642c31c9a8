#!/usr/bin/env python3
"""Turns small fixture images into fuzz seeds: trailing all-zero blocks are cut and byte 0 of
each block becomes the harness's checksum tag (0..4 = stamp that kind, 255 = leave as is).
Usage: make_seeds.py FIXTURES_ERA_DIR CORPUS_DIR"""
import gzip, os, struct, sys

XOR = {146538381: 0, 121107: 1, 595846735: 2, 240779: 3, 160478: 4}
POLY = 0x82F63B78
TABLE = []
for i in range(256):
    c = i
    for _ in range(8):
        c = (c >> 1) ^ POLY if c & 1 else c >> 1
    TABLE.append(c)

def crc(data):
    c = 0xFFFFFFFF
    for b in data:
        c = TABLE[(c ^ b) & 0xFF] ^ (c >> 8)
    return c

def seed(image):
    blocks = [bytearray(image[i:i + 4096]) for i in range(0, len(image), 4096)]
    while blocks and not any(blocks[-1]):
        blocks.pop()
    for b in blocks:
        if not any(b):
            b[0] = 255
            continue
        stored = struct.unpack_from("<I", b, 0)[0] ^ crc(b[4:])
        b[0] = XOR.get(stored, 255)
    return b"".join(blocks)

src, out = sys.argv[1], sys.argv[2]
names = ["f1", "f1_rs", "f2_no_writesets", "f3_overlap", "f4_current_ws", "rt_f1"]
names += ["corrupt/" + n[:-7] for n in sorted(os.listdir(os.path.join(src, "corrupt"))) if n.endswith(".bin.gz") and not n.startswith("c09")]
for name in names:
    with gzip.open(os.path.join(src, name + ".bin.gz")) as f:
        s = seed(f.read())
    if 0 < len(s) <= 65536:
        with open(os.path.join(out, name.replace("/", "_") + ".seed"), "wb") as f:
            f.write(s)
