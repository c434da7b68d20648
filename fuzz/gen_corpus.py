#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Writes the deterministic seed inputs of every fuzz target into
corpus/<target>/ (see fuzz/README.md for the input format).

Usage: fuzz/gen_corpus.py [--out DIR]   (default: corpus/ beside fuzz/)

Each seed is named after what it exercises. Existing seeds of the same name
are overwritten; regressions/ is never touched.
"""
import argparse
import os
import struct

# Config prefix: page size index, chain - 1, physmem choice, flags.
PAGE = {4096: 0, 16384: 1, 65536: 2}
# physmem choices (fuzz/common/input.c): 0 default, 1..5 = shift + 1, 2,
# 4, 8, 12, then 32, 36, 40 bits.
PHYS_DEFAULT, PHYS_TINY, PHYS_2, PHYS_4, PHYS_8, PHYS_12, PHYS_32 = range(7)

# Common ops (fuzz/common/ops.h) and their argument layouts.
ALLOC, ALLOC_FILL, FREE, MAP, WRITE, UNMAP, READ, CHECK = range(8)
RW, RO, WO = range(3)
# Move ops (fuzz/common/moves.h): zs_ops has them right after the common
# ops, zs_threads after its GIVE and TAKE.
COMPACT, MIGRATE, OBJ_READ, OBJ_WRITE = range(8, 12)
W_WHOLE, W_HEAD, W_TAIL, W_RANGE, W_BOUNDARY, W_ENDS = range(6)
# Size kinds (fuzz/common/sizes.h).
S_EDGE, S_STRADDLE, S_MIN, S_MAX, S_UNIFORM = range(5)


def config(page=4096, chain=4, phys=PHYS_DEFAULT, no_merge=False, bits=0,
           builtin=False, shards=1):
    """builtin: the library's own page provider, not the recycling one;
    shards: the pool's class shards (1..4, bits 4-5 of the chain byte)."""
    flags = (bits << 2) | (int(builtin) << 1) | int(no_merge)
    return bytes([PAGE[page], (chain - 1) | ((shards - 1) << 4), phys, flags])


def u16(v):
    return struct.pack("<H", v & 0xFFFF)


def u64(v):
    return struct.pack("<Q", v & 0xFFFFFFFFFFFFFFFF)


def alloc(kind, param):
    return bytes([ALLOC, kind]) + u16(param)


def fill(kind, param, seed):
    return bytes([ALLOC_FILL, kind]) + u16(param) + bytes([seed])


def free(slot):
    return bytes([FREE, slot])


def map_(slot, mode):
    return bytes([MAP, slot, mode])


def write(how, arg, seed):
    return bytes([WRITE, how]) + u16(arg) + bytes([seed])


def unmap():
    return bytes([UNMAP])


def read(slot):
    return bytes([READ, slot])


def check():
    return bytes([CHECK])


def edge(idx, adj):
    """Class-edge size param: step idx, adj -1..+2."""
    return (idx << 2) | (adj + 1)


def mixed_ops():
    """Every common op, every map mode and write kind, every size kind."""
    ops = [
        fill(S_EDGE, edge(0, 0), 1),
        fill(S_EDGE, edge(10, -1), 2),
        fill(S_EDGE, edge(10, 1), 3),
        fill(S_STRADDLE, 1, 4),
        fill(S_MIN, 0, 5),
        fill(S_MAX, 0, 6),
        alloc(S_UNIFORM, 3000),
        map_(6, WO), write(W_WHOLE, 0, 7), unmap(),
        map_(3, RW), write(W_BOUNDARY, 0x0300, 8), unmap(), read(3),
        map_(1, RW), write(W_HEAD, 5, 9), write(W_TAIL, 7, 10), unmap(),
        map_(5, WO), write(W_ENDS, 20, 11), unmap(), read(5),
        map_(2, RO), unmap(),
        map_(4, RW), write(W_RANGE | (3 << 3), 2, 12), unmap(),
        check(),
        free(0), free(2), alloc(S_STRADDLE, 0x8003),
        map_(0, WO), write(W_BOUNDARY, 0x0f01, 13), unmap(), read(0),
        check(), free(4), free(5), read(1), check(),
    ]
    return b"".join(ops)


def straddle_ops(param, n):
    """n objects of one straddling size, so several cross page edges; each
    is rewritten through RW around its edge, then read back, then rewritten
    whole through WO (every write with a seed of its own, so a lost or
    partial copy shows)."""
    ops = [fill(S_STRADDLE, param, 1 + slot) for slot in range(n)]
    for slot in range(n):
        ops += [map_(slot, RW), write(W_BOUNDARY, slot, 0x40 + slot),
                unmap(), read(slot)]
    for slot in range(n):
        ops += [map_(slot, WO), write(W_ENDS, 63, 0x80 + slot),
                write(W_RANGE, slot * 97, 0xC0 + slot), unmap(),
                map_(slot, RO), unmap()]
    ops += [check(), free(1), free(n // 2), check()]
    ops += [read(slot) for slot in range(n)]
    return b"".join(ops)


def ro_write_ops(param, n):
    """Writes through RO mappings (the caller's bug, with a documented
    outcome): n objects of a straddling size, so some lie inside one page
    and some across two; each is written through RO, whole and around its
    page edge, then read back: the bytes land inside one page and are
    dropped across two. Then the same objects through RW and WO, so every
    mode's kmaps and copies are counted on both kinds of object."""
    ops = [fill(S_STRADDLE, param, 1 + slot) for slot in range(n)]
    for slot in range(n):
        ops += [map_(slot, RO), write(W_WHOLE, 0, 0x30 + slot),
                write(W_BOUNDARY, slot, 0x50 + slot), unmap(), read(slot)]
    for slot in range(n):
        ops += [map_(slot, RW), write(W_ENDS, 9, 0x70 + slot), unmap(),
                map_(slot, WO), write(W_WHOLE, 0, 0x90 + slot), unmap(),
                read(slot)]
    ops += [check()]
    return b"".join(ops)


def max_ops():
    """Full-page objects and their neighbours: the top class must be a
    whole page (the 64 KiB / 32-bit bug)."""
    ops = [fill(S_MAX, 0, 1), fill(S_MAX, 3, 2), fill(S_MAX, 0, 3),
           map_(0, RW), write(W_ENDS, 63, 4), unmap(), read(0), read(1),
           free(1), fill(S_EDGE, 0xFFFC | 2, 5), check()]
    return b"".join(ops)


def narrow_ops():
    """More pages than a tiny pfn space holds: allocs must fail cleanly."""
    ops = [fill(S_MAX, 0, i) for i in range(20)]
    ops += [check(), free(3), fill(S_MIN, 2, 9), check()]
    return b"".join(ops)


def class_walk_ops(n=24):
    """Sizes at class edges across the whole table, each read back."""
    ops = []
    for i in range(n):
        ops.append(fill(S_EDGE, edge(i * 11, (i % 3) - 1), i))
    ops += [check()] + [read(i) for i in range(0, n, 3)]
    ops += [free(i) for i in range(0, n, 2)] + [check()]
    return b"".join(ops)


def move_ops(param, base=COMPACT, n=30):
    """n objects of one straddling size, most freed, then compaction (with
    a mapping held and without), migration of every survivor's page, and
    the copy-based access API, every object checked after every move."""
    compact, migrate, oread, owrite = (base, base + 1, base + 2, base + 3)
    ops = [fill(S_STRADDLE, param, 1 + slot) for slot in range(n)]
    ops += [free(slot) for slot in range(n) if slot % 3]
    ops += [map_(0, RW), write(W_BOUNDARY, 1, 0x51), bytes([compact]),
            unmap(), bytes([compact])]
    ops += [bytes([migrate, slot]) for slot in range(0, n, 3)]
    ops += [bytes([owrite, slot]) + u16(0) + bytes([0x60 + slot])
            for slot in range(0, n, 6)]
    ops += [bytes([oread, slot]) for slot in range(0, n, 3)]
    ops += [map_(3, RO), bytes([migrate, 3]), bytes([oread, 6]), unmap()]
    ops += [free(slot) for slot in range(0, n, 6)]
    ops += [bytes([compact]), check()]
    ops += [fill(S_STRADDLE, param, 0x70 + slot) for slot in range(4)]
    ops += [bytes([owrite, 1]) + u16(5) + bytes([0x7f]), bytes([compact])]
    ops += [bytes([migrate, slot]) for slot in range(0, n, 2)]
    return b"".join(ops)


# OBJ_READ hints from here read through zs_obj_read_batch (fuzz/common/moves.c)
BATCH = 0xE0


def batch_ops(base=COMPACT, n=24, seed=0):
    """Objects of mixed sizes (inside a page and across two, some never
    written), batches of 1..32 reads: alone, with a mapping held, after
    compaction and migration, with repeats once few objects are left."""
    compact, migrate, oread = base, base + 1, base + 2
    kinds = [(S_STRADDLE, 1 | (3 << 4)), (S_UNIFORM, 700), (S_MIN, 0),
             (S_STRADDLE, 3 | (1 << 4)), (S_MAX, 0), (S_UNIFORM, 3000)]
    ops = []
    for i in range(n):
        kind, param = kinds[i % len(kinds)]
        ops.append(alloc(kind, param) if i % 7 == 6 else
                   fill(kind, param, seed + i + 1))
    ops += [bytes([oread, BATCH | k]) for k in (0, 15, 16, 31)]
    ops += [map_(2, RO), bytes([oread, BATCH | 20]), unmap()]
    ops += [free(i) for i in range(0, n, 2)]
    ops += [bytes([compact]), bytes([oread, BATCH | 31])]
    ops += [bytes([migrate, i]) for i in range(1, n, 4)]
    ops += [bytes([oread, BATCH | 7]), map_(5, WO), write(W_WHOLE, 0, 9),
            bytes([oread, BATCH | 17]), unmap()]
    ops += [free(i) for i in range(1, n - 2, 2)]
    ops += [bytes([oread, BATCH | 31]), bytes([oread, BATCH | 3]), check()]
    return b"".join(ops)


def gen_ops():
    seeds = {}
    for page in PAGE:
        for chain in (1, 4, 8, 16):
            name = "mixed-%dk-chain%d" % (page // 1024, chain)
            seeds[name] = config(page, chain) + mixed_ops()
        seeds["mixed-%dk-builtin-pages" % (page // 1024)] = (
            config(page, 8, builtin=True) + mixed_ops())
        kb = page // 1024
        # page / 3 exactly; page / 5 - 2; an odd size near 3 * page / 8
        for name, param, n, chain in (("third", 1 | (3 << 4), 10, 4),
                                      ("fifth", 3 | (1 << 4), 16, 16),
                                      ("odd", 0x8000 | 7 | (3 << 4), 12, 8)):
            seeds["straddle-%s-%dk-chain%d" % (name, kb, chain)] = (
                config(page, chain) + straddle_ops(param, n))
        seeds["ro-writes-%dk-chain4" % kb] = (
            config(page, 4) + ro_write_ops(1 | (3 << 4), 8))
        seeds["max-%dk" % (page // 1024)] = config(page, 16) + max_ops()
        seeds["max-%dk-phys32" % (page // 1024)] = (
            config(page, 16, PHYS_32) + max_ops())
        seeds["classes-%dk-nomerge" % (page // 1024)] = (
            config(page, 4, no_merge=True) + class_walk_ops())
        seeds["classes-%dk-merge" % (page // 1024)] = (
            config(page, 16) + class_walk_ops())
    for phys in (PHYS_TINY, PHYS_2, PHYS_4):
        seeds["narrow-phys%d-4k-chain4" % phys] = (
            config(4096, 4, phys) + narrow_ops())
    seeds["narrow-phys2-64k-chain16"] = (
        config(65536, 16, PHYS_2) + narrow_ops())
    seeds["narrow-phys8-16k-chain2"] = (
        config(16384, 2, PHYS_8) + narrow_ops())
    for page in PAGE:
        kb = page // 1024
        for name, param, chain in (("third", 1 | (3 << 4), 4),
                                   ("fifth", 3 | (1 << 4), 16),
                                   ("odd", 0x8000 | 7 | (3 << 4), 8),
                                   ("half", 0 | (4 << 4), 1)):
            seeds["moves-%s-%dk-chain%d" % (name, kb, chain)] = (
                config(page, chain) + move_ops(param))
    seeds["moves-third-4k-chain4-nomerge-builtin"] = config(
        4096, 4, no_merge=True, builtin=True) + move_ops(1 | (3 << 4))
    for page in PAGE:
        for chain in (1, 4, 16):
            seeds["batch-reads-%dk-chain%d" % (page // 1024, chain)] = (
                config(page, chain) + batch_ops())
    return seeds


# zs_misuse: ops 8.. after the common ones (fuzz/zs_misuse.c).
(M_DOUBLE_FREE, M_STALE_MAP, M_FORGED, M_OTHER_POOL, M_NESTED, M_UNMAP,
 M_OVERSIZE, M_ON_B, M_API) = range(8, 17)
# M_API kinds: free while mapped, destroy while mapped, no pool, bad map
# mode, refused configs (+ misaligned provider pages when slot & 4), stats.
A_FREE_MAPPED, A_DESTROY_MAPPED, A_NO_POOL, A_BAD_MODE, A_CONFIG, A_STATS = \
    range(6)
# Since the move API joined (kind % 13; the seeds above predate it and
# were written for kind % 6): obj_read_begin/end and obj_write of a bad
# handle (how = kind // 13: freed, forged, pool B's), read_end without a
# begin, on another handle, with NULL, read_begin without a local copy
# (how % 4), obj_write from NULL or too long (how & 1), zs_page_migrate of
# pfns not the pool's or pinned (how % 5), no-pool zs_compact,
# zs_page_migrate, zs_handle_pfn, zs_pool_stats, zs_compact while pinned.
# A bad read with (how // 3) odd also reads a batch holding the bad handle.
(A_READ_BAD, A_WRITE_BAD, A_READ_END, A_WRITE_ARGS, A_MIGRATE_BAD,
 A_MOVES_NO_POOL, A_COMPACT_PINNED) = range(6, 13)
NR_API_KINDS = 13


def api(kind, how, s):
    return bytes([M_API, kind + NR_API_KINDS * how, s])


def gen_misuse():
    setup = fill(S_EDGE, edge(3, 0), 1) + fill(S_STRADDLE, 1, 2) + \
        fill(S_MAX, 0, 3) + fill(S_MIN, 2, 4)
    on_b = bytes([M_ON_B]) + fill(S_UNIFORM, 700, 5)
    bad = {
        "double-free": free(1) + bytes([M_DOUBLE_FREE, 0]),
        # 0xF0..: churn 1100 objects first, so freed slots are reused
        "double-free-after-churn": free(1) + bytes([M_DOUBLE_FREE, 0xF0]),
        "stale-map": free(2) + bytes([M_STALE_MAP, 0, RO]) +
        fill(S_MIN, 2, 6) + bytes([M_STALE_MAP, 0, WO]),
        "forged-random": bytes([M_FORGED, 0]) + u64(0x123456789abcdef) +
        bytes([M_FORGED, 2]) + u64(0x41),
        "forged-bitflip": b"".join(
            bytes([M_FORGED, 1 | (i & 2)]) + u64(bit)
            for i, bit in enumerate((0, 5, 20, 33, 40, 50, 63))),
        "other-pool": on_b + bytes([M_OTHER_POOL, 0, 0, M_OTHER_POOL, 0, 1]),
        "nested-map": bytes([M_NESTED, 1, 1, RW, M_NESTED, 0, 2, WO | 8,
                             M_NESTED, 2, 0, 4 | RO]),
        "unmap-unmatched": bytes([M_UNMAP, 0, 0, M_UNMAP, 1, 1,
                                  M_UNMAP, 3, 2]),
        "oversize": bytes([M_OVERSIZE]) + u16(0) + bytes([M_OVERSIZE]) +
        u16(4000) + bytes([M_OVERSIZE]) + u16(0xFFFF),
        "api-mapped": bytes([M_API, A_FREE_MAPPED, 0,
                             M_API, A_FREE_MAPPED | (WO << 3), 1,
                             M_API, A_DESTROY_MAPPED | (RO << 3), 2]),
        "api-no-pool": bytes([M_API, A_NO_POOL, 0, M_API, A_BAD_MODE, 1]),
        "api-config": b"".join(bytes([M_API, A_CONFIG, s])
                               for s in (0, 1, 2, 3, 4, 7)),
        "api-stats": bytes([M_API, A_STATS, 0]),
    }
    seeds = {}
    for page in PAGE:
        for name, ops in bad.items():
            body = setup + ops + read(0) + check() + ops + check()
            seeds["%s-%dk" % (name, page // 1024)] = config(page, 4) + body
    seeds["all-64k-chain16-nomerge"] = config(
        65536, 16, no_merge=True, builtin=True) + \
        setup + b"".join(bad.values()) + check()
    # The move API: a half-emptied class first, so compaction has work.
    # Objects of 3/4 page, so every other one straddles two pages.

    def holes(page):
        return b"".join(fill(S_UNIFORM, page * 3 // 4, 7 + i)
                        for i in range(20)) + \
            b"".join(free(i) for i in range(5, 24, 2))
    bits = (0, 9, 20, 33, 47, 63, 130, 250)
    moves = {
        "api-read-bad": b"".join(api(A_READ_BAD, h, b)
                                 for h in range(3) for b in bits),
        "api-write-bad": b"".join(api(A_WRITE_BAD, h, b)
                                  for h in range(3) for b in bits),
        # how 3..5: the bad handle also goes into a zs_obj_read_batch
        # among live ones (s & 0x80: and a live one without a buffer)
        "api-batch-bad": b"".join(api(A_READ_BAD, h, b)
                                  for h in range(3, 6) for b in bits),
        "api-read-end": b"".join(api(A_READ_END, h, s) for h in range(4)
                                 for s in (0, 1, 2, 3, 4, 6, 10, 40)),
        "api-write-args": b"".join(api(A_WRITE_ARGS, h, s)
                                   for h in range(2) for s in (0, 1, 200)),
        "api-migrate-bad": b"".join(api(A_MIGRATE_BAD, h, s)
                                    for h in range(5)
                                    for s in (0, 1, 2, 3, 5, 255)),
        "api-moves-no-pool": b"".join(api(A_MOVES_NO_POOL, 0, s)
                                      for s in (0, 1, 2, 9, 20, 33)),
        # s 10 reads and s 11 maps an object compaction would move
        "api-compact-read": b"".join(api(A_COMPACT_PINNED, 0, s)
                                     for s in (10, 6, 0, 3, 5)),
        "api-compact-mapped": b"".join(api(A_COMPACT_PINNED, 0, s)
                                       for s in (11, 7, 0, 1, 9)),
    }
    for page in PAGE:
        for name, ops in moves.items():
            body = setup + holes(page) + ops + read(0) + check() + ops + \
                check()
            seeds["%s-%dk" % (name, page // 1024)] = config(page, 4) + body
    seeds["moves-all-16k-chain16-nomerge"] = config(
        16384, 16, no_merge=True, builtin=True) + \
        setup + holes(16384) + b"".join(moves.values()) + check()
    seeds["moves-all-4k-tiny"] = config(4096, 2, phys=PHYS_TINY) + \
        setup + holes(4096) + b"".join(moves.values()) + check()
    # RO writes, then both churns and stale handles used after them (in
    # zs_misuse_wrap the churn wraps every slot's generations).
    stale = b"".join(bytes([M_STALE_MAP, i, i % 3]) for i in range(8))
    for page in PAGE:
        seeds["ro-writes-churn-%dk" % (page // 1024)] = (
            config(page, 4) + ro_write_ops(1 | (3 << 4), 8) +
            b"".join(free(i) for i in range(0, 8, 2)) +
            bytes([M_DOUBLE_FREE, 0xF0, M_STALE_MAP, 0xF1, RO]) + stale +
            bytes([M_DOUBLE_FREE, 0xF2]) + stale + check())
    return seeds


# zs_threads: GIVE, TAKE after the common ops (fuzz/zs_threads.c).
T_GIVE, T_TAKE = 8, 9
T_MOVES = 10  # COMPACT, MIGRATE, OBJ_READ, OBJ_WRITE from here
# HOLD after the move ops; its how bits (fuzz/zs_threads.c, enum hold_how)
T_HOLD = 14
H_READ, H_MAP_Y, H_Y_RW, H_WRITE_Y, H_WRITE_X, H_X_WHOLE, H_Y_TAIL = (
    1 << b for b in range(7))


def hold(kind, param, pick, how, seed, arg):
    """X held (mapped RO or read) while the partner writes Y and X; pick
    % 8 + 2 objects to find X in, X straddling when pick & 8."""
    return bytes([T_HOLD, kind]) + u16(param) + bytes([pick, how, seed]) + \
        u16(arg)


def hold_ops(t):
    """Every way of holding and writing, straddling X and not."""
    ways = [H_WRITE_X | H_X_WHOLE,
            H_READ | H_WRITE_X | H_X_WHOLE,
            H_MAP_Y | H_Y_RW | H_WRITE_X,
            H_READ | H_MAP_Y | H_WRITE_Y | H_WRITE_X | H_Y_TAIL,
            H_MAP_Y | H_Y_TAIL | H_WRITE_Y,
            H_READ | H_MAP_Y | H_Y_RW | H_Y_TAIL]
    ops = []
    for i, how in enumerate(ways):
        for straddle in (8, 0):
            ops.append(hold(S_STRADDLE, t + i, 7 | straddle, how,
                            0x20 + 8 * i + t, 0x1234 + 77 * i))
    ops += [bytes([T_MOVES]), bytes([T_MOVES + 1, 0]), check()]
    ops.append(hold(S_EDGE, edge(9 + 5 * t, 0), 3, H_WRITE_X | H_MAP_Y,
                    0x90 + t, 5))
    ops.append(hold(S_MAX, 1, 1 | 8, H_WRITE_X | H_READ | H_WRITE_Y,
                    0xa0 + t, 999))
    return b"".join(ops)


def chunk(tid, ops):
    out = b""
    while ops:
        out += bytes([tid, min(len(ops), 255)]) + ops[:255]
        ops = ops[255:]
    return out


def thread_ops(t):
    ops = [fill(S_EDGE, edge(5 + t * 7, 0), t), fill(S_STRADDLE, t, t + 1),
           fill(S_UNIFORM, 1000 + t, t + 2), map_(0, RW),
           write(W_BOUNDARY, 1, t + 3), unmap(), read(1),
           bytes([T_GIVE, 0]), bytes([T_TAKE]), bytes([T_TAKE]),
           fill(S_MAX, 0, t + 4), check(), free(1), bytes([T_GIVE, 2])]
    return b"".join(ops)


def gen_threads():
    seeds = {}
    for page in PAGE:
        for n in (2, 3, 4):
            body = b""
            for rnd in range(2):  # interleaved chunks
                for t in range(n):
                    ops = thread_ops(t + rnd)
                    half = len(ops) // 2 if rnd == 0 else 0
                    body += chunk(t, ops[:half] if half else ops)
            seeds["threads%d-%dk" % (n, page // 1024)] = (
                config(page, 4 * (n - 1), bits=n - 2,
                       builtin=(n == 3)) + body)
    seeds["threads4-4k-chain1-nomerge"] = config(
        4096, 1, no_merge=True, bits=2) + b"".join(
            chunk(t, thread_ops(t)) for t in range(4))
    for page in PAGE:
        for n in (2, 3):
            body = b"".join(
                chunk(t, move_ops(1 | ((3 + t) << 4), T_MOVES, 20))
                for t in range(n))
            seeds["moves%d-%dk" % (n, page // 1024)] = (
                config(page, 4, bits=n - 2) + body)
    # Holders beside threads that compact and migrate
    for page in PAGE:
        for n in (2, 4):
            body = b"".join(chunk(t, hold_ops(t)) for t in range(n))
            body += b"".join(
                chunk(t, move_ops(1 | ((3 + t) << 4), T_MOVES, 8))
                for t in range(n))
            body += b"".join(chunk(t, hold_ops(t + 4)) for t in range(n))
            seeds["hold%d-%dk" % (n, page // 1024)] = (
                config(page, 4 * n, bits=n - 2) + body)
    # Batched reads beside threads that compact and migrate
    for page in (4096, 65536):
        for n in (2, 4):
            body = b"".join(chunk(t, batch_ops(T_MOVES, 16, 0x10 * t))
                            for t in range(n))
            seeds["batch%d-%dk" % (n, page // 1024)] = (
                config(page, 4, bits=n - 2) + body)
    # Threads spread over class shards: frees, handoffs, compaction and
    # migration across them
    for shards in (2, 4):
        for n in (2, 4):
            body = b"".join(chunk(t, thread_ops(t)) for t in range(n))
            body += b"".join(
                chunk(t, move_ops(1 | ((3 + t) << 4), T_MOVES, 8))
                for t in range(n))
            seeds["shards%d-threads%d-4k" % (shards, n)] = (
                config(4096, 4, bits=n - 2, shards=shards) + body)
    return seeds


# zs_faults: BURST, CALM, SLAB after the common ops (fuzz/zs_faults.c).
F_BURST, F_CALM, F_SLAB = 8, 9, 10


def slab(n, kind, param):
    """An alloc while metadata allocation n % 8 + 1 fails."""
    return bytes([F_SLAB, n, kind]) + u16(param)


def gen_faults():
    seeds = {}
    plans = {
        "first-call": (1, 0),
        "every-3rd": (0, 3),
        "alternate": (0xAAAAAAAAAAAAAAAA, 0),
        "late": (1 << 40, 7),
        "none": (0, 0),
    }
    ops = b"".join([
        fill(S_MAX, 0, 1), fill(S_STRADDLE, 1, 2), fill(S_EDGE, edge(2, 0), 3),
        bytes([F_BURST, 3]), fill(S_MAX, 3, 4), fill(S_UNIFORM, 999, 5),
        check(), read(0), bytes([F_CALM]), fill(S_EDGE, edge(40, 1), 6),
        free(1), check(), bytes([F_BURST, 0]), alloc(S_MIN, 1), check()])
    for page in PAGE:
        for chain in (1, 4, 16):
            for name, (mask, every) in plans.items():
                if chain != 4 and name in ("late", "none"):
                    continue
                seeds["%s-%dk-chain%d" % (name, page // 1024, chain)] = (
                    config(page, chain) + u64(mask) + bytes([every]) + ops)
    seeds["narrow-phys4-every2"] = config(4096, 4, PHYS_4) + u64(0) + \
        bytes([2]) + narrow_ops()
    # Metadata faults: every step of zs_malloc (handle and pfn table
    # leaves, zspage and page descriptors), many objects so that new
    # leaves are needed, then pool creation failing at each allocation.
    slab_ops = b"".join(slab(n, S_MAX if n % 2 else S_UNIFORM, 300 * n)
                        for n in range(8))
    many = b"".join(alloc(S_MAX, 0) for _ in range(30))
    for page in PAGE:
        for chain in (1, 16):
            seeds["slab-%dk-chain%d" % (page // 1024, chain)] = (
                config(page, chain) + u64(0) + bytes([0]) + slab_ops +
                check() + many + slab_ops + check())
    for n in range(1, 16):
        seeds["slab-create-%d" % n] = (config(4096, 4, bits=n << 1) +
                                       u64(0) + bytes([0]) + slab_ops)
    # Destroy with objects live (target bit 0), some of them mapped.
    for page in PAGE:
        seeds["destroy-live-%dk" % (page // 1024)] = (
            config(page, 4, bits=1) + u64(0) + bytes([0]) +
            fill(S_MAX, 0, 1) + fill(S_STRADDLE, 1, 2) +
            fill(S_EDGE, edge(3, 0), 3) + map_(1, RW))
    return seeds


# zs_bulk ops (fuzz/zs_bulk.c); its input is the config prefix, then these.
B_ALLOC, B_FREE, B_COMPACT, B_MIGRATE, B_CHURN, B_CHECK = range(6)
# B_FREE selections: every k-th, all but every k-th, a run, one class.
SEL_EVERY, SEL_BUT_EVERY, SEL_RUN, SEL_CLASS = range(4)


def b_alloc(kind, param, step, count, seed=1):
    """(count % 64 + 1) * 16 objects, sizes picked at param + i * step."""
    return bytes([B_ALLOC, kind]) + u16(param) + bytes([step, count, seed])


def b_free(sel, a, c):
    """k = a % 16 + 2; a run starts at c/256 of the objects."""
    return bytes([B_FREE, sel, a, c])


def b_compact(hold=0):
    """hold & 1: one object (hold >> 1)/128 of the way in stays mapped."""
    return bytes([B_COMPACT, hold])


def b_migrate(pick, count):
    return bytes([B_MIGRATE, pick, count])


def b_churn(count, seed=3):
    """(count % 32 + 1) * 16 objects freed and stored again in place."""
    return bytes([B_CHURN, count, seed])


def gen_bulk():
    # Each seed reaches one of the paths only many objects reach, then
    # frees everything: the end checks that the metadata went back.
    free_all = b_free(SEL_RUN, 255, 0)
    return {
        # 208 one-page zspages, 7 in 8 freed: descriptor chunks drain
        "drain-descriptors": config() + b_alloc(S_MAX, 0, 0, 12) +
        b_free(SEL_BUT_EVERY, 6, 0) + b_compact() + bytes([B_CHECK]),
        # 1152 pages (two pfn leaves), 3 in 4 freed: the upper leaf's
        # pages migrate down and the leaf goes back
        "pack-pfn-leaves": config(builtin=True) +
        b_alloc(S_MAX, 0, 0, 63) + b_alloc(S_MAX, 1, 1, 7) +
        b_free(SEL_BUT_EVERY, 2, 1) + b_compact() + bytes([B_CHECK]) +
        free_all + bytes([B_CHECK]),
        # 2048 handles freed oldest first: the first chunk's slots leave
        # the quarantine and it goes back; then chunks are made again
        # and churned
        "handle-chunks-back": config() + b_alloc(S_MIN, 0, 1, 63) +
        b_alloc(S_MIN, 5, 3, 63) + free_all + b_compact() +
        b_alloc(S_MIN, 7, 3, 15) + b_free(SEL_BUT_EVERY, 14, 0) +
        b_churn(31) + b_churn(31) + free_all + b_compact() +
        bytes([B_CHECK]),
        # 64 KiB pages, 16-page zspages: one class emptied, one object
        # mapped through zs_compact, pages migrated
        "big-pages-by-class": config(65536, 16) +
        b_alloc(S_UNIFORM, 7, 77, 8) + b_free(SEL_CLASS, 0, 40) +
        b_compact(1) + b_migrate(3, 7) + bytes([B_CHECK]) +
        b_free(SEL_EVERY, 1, 0) + b_compact(0x81),
        # one page frame: zs_malloc and migration must fail cleanly
        "tiny-pfn-space": config(4096, 2, PHYS_TINY) +
        b_alloc(S_EDGE, 3, 5, 20) + b_migrate(0, 7) + b_churn(3) +
        b_compact() + bytes([B_CHECK]),
        "straddle-16k-nomerge": config(16384, 8, no_merge=True) +
        b_alloc(S_STRADDLE, 2, 3, 30) + b_free(SEL_BUT_EVERY, 3, 1) +
        b_compact(0x41) + b_migrate(128, 5) + b_compact() +
        bytes([B_CHECK]),
        "phys12-mixed": config(4096, 4, PHYS_12) +
        b_alloc(S_UNIFORM, 1, 13, 40) + b_alloc(S_MIN, 9, 1, 40) +
        b_free(SEL_EVERY, 4, 2) + b_compact() + b_churn(20) +
        b_free(SEL_CLASS, 0, 200) + b_compact() + bytes([B_CHECK]),
    }


GENERATORS = {
    "zs_ops": gen_ops,
    "zs_bulk": gen_bulk,
    "zs_misuse": gen_misuse,
    "zs_misuse_wrap": gen_misuse,  # zs_misuse's format, on the wrap core
    "zs_threads": gen_threads,
    "zs_faults": gen_faults,
}


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=os.path.join(here, "..", "corpus"))
    args = ap.parse_args()
    for target, gen in GENERATORS.items():
        d = os.path.join(args.out, target)
        os.makedirs(os.path.join(d, "regressions"), exist_ok=True)
        seeds = gen()
        for name, data in sorted(seeds.items()):
            with open(os.path.join(d, "seed-" + name), "wb") as f:
                f.write(data)
        print("%s: %d seeds" % (target, len(seeds)))


if __name__ == "__main__":
    main()
