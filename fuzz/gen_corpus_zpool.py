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


# ---- zpool_diff: [page u8][flags u8][mask u64 with flag 4] then ops ----
(DIFF_ALLOC, DIFF_FREE, DIFF_REWRITE, DIFF_READ, DIFF_CHECK, DIFF_MISUSE,
 DIFF_API, DIFF_BURST, DIFF_NESTED) = range(9)
F_BUILTIN, F_OWN, F_FAULTS = 1, 2, 4


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
    seeds.update(diff_new_seeds(rng))
    return seeds


def diff_misuse(kind, slot, arg):
    return bytes([DIFF_MISUSE, kind, slot]) + struct.pack("<Q", arg)


def diff_api(kind, arg, name=b""):
    return bytes([DIFF_API, kind, arg]) + name


def diff_fill(rng, n):
    return b"".join(diff_alloc(rng.randrange(5), rng.randrange(65536), rng.randrange(256))
                    for _ in range(n))


def diff_new_seeds(rng):
    seeds = {}
    # misuse of both pools, every kind and variant, built-in and own drivers
    for page in (0, 2):
        for flags in (0, F_OWN):
            ops = diff_fill(rng, 8)
            for j in range(3):
                ops += bytes([DIFF_FREE, j])  # stale handles to reuse
            for kind in range(9):
                for pool in (0, 0x10):
                    for var in (0, 0x20, 0x40, 0x80):
                        ops += diff_misuse(kind | pool | var, rng.randrange(32),
                                           rng.randrange(1 << 64))
            ops += bytes([DIFF_NESTED, 3, 4, DIFF_NESTED, 5, 5, DIFF_CHECK])
            seeds["misuse-p%d-f%d" % (page, flags)] = bytes([page, flags]) + ops
    # zpool API edges
    for flags in (0, F_OWN, F_BUILTIN):
        ops = diff_fill(rng, 4)
        for arg in range(14):
            name = bytes(rng.randrange(256) for _ in range(arg % 48))
            ops += diff_api(0, arg | (0x80 if arg % 5 == 0 else 0), name)
        ops += diff_api(0, 4, b"zbud") + diff_api(0, 8, b"zsmalloc")
        for arg in list(range(10)) + [0x10, 0x31, 0x52, 0x73]:
            ops += diff_api(1, arg)  # 0x10: metadata fault n = 1 + (arg >> 5)
        for arg in range(10):
            ops += diff_api(2, arg)
        ops += diff_api(3, 0) + diff_api(4, 0) + diff_api(4, 1) + diff_api(4, 77)
        ops += bytes([DIFF_CHECK])
        seeds["api-f%d" % flags] = bytes([1, flags]) + ops
    # page faults: the mask, then bursts between allocations
    for page in range(3):
        mask = rng.randrange(1 << 64) | 0x5
        ops = b""
        for j in range(24):
            if j % 3 == 0:
                ops += bytes([DIFF_BURST, j])
            elif j % 3 == 1:
                ops += bytes([DIFF_BURST, 0x80 | j])  # a zbud metadata fault
            ops += diff_alloc(j % 5, rng.randrange(65536), j)
            if j % 4 == 3:
                ops += bytes([DIFF_CHECK, DIFF_FREE, rng.randrange(32)])
        ops += bytes([DIFF_CHECK])
        seeds["faults-p%d" % page] = (bytes([page, F_OWN | F_FAULTS]) +
                                      struct.pack("<Q", mask) + ops)
    # zbud layouts: lists by free chunks, first then last buddy freed
    for page in (0, 1):
        ops = b""
        for c in (3, 5, 9, 17, 33, 40, 60, 62, 63):
            ops += diff_alloc(0, c - 1 + (1 << 12), c)  # exactly c chunks
        for c in (2, 4, 8, 20, 31):
            ops += diff_alloc(0, c - 1 + (1 << 12), c)  # tightest fits
        ops += bytes([DIFF_CHECK])
        for slot in (0, 9, 2, 11):
            ops += bytes([DIFF_FREE, slot, DIFF_CHECK])
        ops += diff_alloc(2, 0, 1) + diff_alloc(2, 64, 2)  # whole pages
        ops += bytes([DIFF_NESTED, 1, 3, DIFF_CHECK])
        for slot in range(16):
            ops += bytes([DIFF_FREE, slot])
            ops += bytes([DIFF_READ, slot + 1])
        ops += bytes([DIFF_CHECK])
        seeds["zbud-fit-p%d" % page] = bytes([page, F_OWN]) + ops
    # random walks over every op, own drivers, counting pages
    for n in range(2):
        ops = b""
        for j in range(150):
            op = rng.randrange(9)
            if op == DIFF_ALLOC:
                ops += diff_alloc(rng.randrange(5), rng.randrange(65536), rng.randrange(256))
            elif op == DIFF_REWRITE:
                ops += diff_rewrite(rng.randrange(32), rng.randrange(65536),
                                    rng.randrange(65536), rng.randrange(256))
            elif op == DIFF_MISUSE:
                ops += diff_misuse(rng.randrange(256), rng.randrange(32), rng.randrange(1 << 64))
            elif op == DIFF_API:
                ops += diff_api(rng.randrange(1, 5), rng.randrange(256))
            elif op == DIFF_NESTED:
                ops += bytes([op, rng.randrange(32), rng.randrange(32)])
            elif op == DIFF_CHECK:
                ops += bytes([op])
            else:
                ops += bytes([op, rng.randrange(32)])
        seeds["walk-all-%d" % n] = bytes([n, F_OWN | F_FAULTS]) + struct.pack(
            "<Q", rng.randrange(1 << 64) & ~0xFF) + ops
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
