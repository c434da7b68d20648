#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Seed inputs for zpool_diff and zstore_roundtrip (fuzz/README.md).

Deterministic: the same files every run (a fixed-seed generator, no clock).
Usage: fuzz/gen_corpus_zpool.py [--out DIR]   (default: corpus/)
Writes DIR/zpool_diff/seed-*.bin and DIR/zstore_roundtrip/seed-*.bin.
"""
import argparse
import os
import random
import struct


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


# ---- zpool_diff: [page u8][flags u8] then ops ----
DIFF_ALLOC, DIFF_FREE, DIFF_REWRITE, DIFF_READ, DIFF_CHECK = range(5)


def diff_alloc(kind, param, seed):
    return bytes([DIFF_ALLOC, kind]) + u16(param) + bytes([seed])


def diff_rewrite(slot, off, length, seed):
    return bytes([DIFF_REWRITE, slot]) + u16(off) + u16(length) + bytes([seed])


def diff_seeds(rng):
    seeds = {}
    for page in range(3):
        for flags in range(2):
            ops = b""
            # every size kind, chunk edges first
            for kind in range(5):
                for j in range(4):
                    ops += diff_alloc(kind, rng.randrange(65536), rng.randrange(256))
            ops += bytes([DIFF_CHECK])
            for slot in range(0, 20, 3):
                ops += diff_rewrite(slot, rng.randrange(65536), rng.randrange(65536),
                                    rng.randrange(256))
                ops += bytes([DIFF_READ, slot])
            for slot in range(0, 20, 2):
                ops += bytes([DIFF_FREE, slot])
            ops += bytes([DIFF_CHECK])
            seeds["kinds-p%d-f%d" % (page, flags)] = bytes([page, flags]) + ops
        # two buddies per page, then holes refilled
        ops = b""
        for j in range(16):
            ops += diff_alloc(1, 64 + j, j)
        for slot in range(0, 16, 2):
            ops += bytes([DIFF_FREE, slot])
        for j in range(8):
            ops += diff_alloc(0, j * 7 + 3, 100 + j)
        ops += bytes([DIFF_CHECK, DIFF_READ, 5])
        seeds["buddies-p%d" % page] = bytes([page, 0]) + ops
        # a random walk
        ops = b""
        for j in range(200):
            op = rng.randrange(5)
            if op == DIFF_ALLOC:
                ops += diff_alloc(rng.randrange(5), rng.randrange(65536), rng.randrange(256))
            elif op == DIFF_REWRITE:
                ops += diff_rewrite(rng.randrange(32), rng.randrange(65536),
                                    rng.randrange(65536), rng.randrange(256))
            elif op == DIFF_CHECK:
                ops += bytes([op])
            else:
                ops += bytes([op, rng.randrange(32)])
        seeds["walk-p%d" % page] = bytes([page, 0]) + ops
    # the table full (32 objects), all refused sizes
    ops = b"".join(diff_alloc(4, j * 97, j) for j in range(40))
    ops += diff_alloc(3, 0, 0) + diff_alloc(3, 1, 0) + diff_alloc(3, 0xFFFF, 0)
    seeds["full-table"] = bytes([0, 0]) + ops
    return seeds


# ---- zstore_roundtrip: [page u8][flags u8][slots u8][limit u8] then ops ----
ST_WRITE, ST_READ, ST_DISCARD, ST_STATS = range(4)
SAME, TEXT, RANDOM, PARTLY, NEAR_SAME = range(5)


def st_write(slot, kind, seed, param):
    return bytes([ST_WRITE, slot, kind, seed]) + u16(param)


def store_seeds(rng):
    seeds = {}
    for page in range(3):
        for flags in range(8):
            ops = b""
            for slot in range(10):
                ops += st_write(slot, slot % 5, rng.randrange(256), rng.randrange(65536))
            ops += st_write(10, SAME, 0, 0)  # the zero page
            ops += st_write(11, PARTLY, 1, 0xBFFF)  # just under 3/4
            ops += st_write(12, PARTLY, 2, 0xC100)  # just over 3/4
            ops += bytes([ST_STATS])
            for slot in range(13):
                ops += bytes([ST_READ, slot])
            for slot in range(0, 13, 3):
                ops += bytes([ST_DISCARD, slot])
                ops += st_write(slot + 1, rng.randrange(5), rng.randrange(256),
                                rng.randrange(65536))
            ops += bytes([ST_STATS, ST_READ, 14])
            seeds["kinds-p%d-f%d" % (page, flags)] = bytes([page, flags, 15, 0]) + ops
        # a memory limit of a few pages: huge writes fail, nothing is lost
        for limit in (1, 3, 6):
            ops = b""
            for slot in range(12):
                ops += st_write(slot, RANDOM, slot, slot)
                ops += bytes([ST_STATS])
            ops += st_write(0, RANDOM, 99, 99)  # overwrite past the limit
            ops += st_write(11, SAME, 7, 7)  # same-filled always fits
            ops += bytes([ST_DISCARD, 1]) + st_write(1, TEXT, 3, 3)
            for slot in range(12):
                ops += bytes([ST_READ, slot])
            seeds["limit%d-p%d" % (limit, page)] = bytes([page, limit % 4, 11, limit]) + ops
    # random walks
    for n in range(6):
        ops = b""
        for j in range(120):
            op = rng.randrange(4)
            if op == ST_WRITE:
                ops += st_write(rng.randrange(32), rng.randrange(5), rng.randrange(256),
                                rng.randrange(65536))
            elif op == ST_STATS:
                ops += bytes([op])
            else:
                ops += bytes([op, rng.randrange(32)])
        cfg = bytes([n % 3, rng.randrange(8), rng.randrange(256), rng.choice([0, 0, 4, 9])])
        seeds["walk-%d" % n] = cfg + ops
    return seeds


def write_all(out, target, seeds):
    d = os.path.join(out, target)
    os.makedirs(d, exist_ok=True)
    for name, data in sorted(seeds.items()):
        with open(os.path.join(d, "seed-%s.bin" % name), "wb") as f:
            f.write(data)
    print("%s: %d seeds" % (d, len(seeds)))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "..", "corpus"))
    args = ap.parse_args()
    write_all(args.out, "zpool_diff", diff_seeds(random.Random(0x2014)))
    write_all(args.out, "zstore_roundtrip", store_seeds(random.Random(0x3019)))


if __name__ == "__main__":
    main()
