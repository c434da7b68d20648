#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Run a KUnit test program and check what it prints.

Checks, each optional: the exit status; stdout against a golden file, line
by line (source paths normalised, a diff on mismatch); the marker file the
program writes (see markers.h) against a golden file; and that stdout is
KTAP the kernel's parser accepts, with consistent results and a final
"N passed, N failed, N skipped" line that matches them.

  ktap_check.py --program P [--arg A]... [--env K=V]... [--exit N]
                [--golden F] [--markers F] [--src-dir D] [--update]
  ktap_check.py --self-test
"""
import argparse
import difflib
import os
import re
import subprocess
import sys
import tempfile

VERSION_RE = re.compile(r"^(KTAP version 1|TAP version 1[34])$")
SUBTEST_RE = re.compile(r"^# Subtest: (.*)$")
PLAN_RE = re.compile(r"^1\.\.([0-9]+)$")
RESULT_RE = re.compile(r"^(ok|not ok) ([0-9]+) (?:- )?([^#]*?)(?: # (.*))?$")
SUMMARY_RE = re.compile(r"^([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped$")


class KtapError(Exception):
    pass


def split_indent(line):
    stripped = line.lstrip(" ")
    return len(line) - len(stripped), stripped


class Parser:
    """The kernel parser's rules: a test is a version line, an optional
    "# Subtest:" line, an optional plan, then results at its own
    indentation, each optionally preceded by a subtest indented 4 more.
    Lines that are not structure (diagnostics, hex dumps) are skipped."""

    def __init__(self, lines):
        self.lines = lines
        self.pos = 0

    def structural(self, indent):
        """Next structural line at any indent: (indent, text) or None."""
        while self.pos < len(self.lines):
            ind, text = split_indent(self.lines[self.pos])
            if (VERSION_RE.match(text) or SUBTEST_RE.match(text)
                    or PLAN_RE.match(text) or RESULT_RE.match(text)):
                return ind, text
            self.pos += 1
        return None

    def parse_test(self, indent, where):
        nxt = self.structural(indent)
        if not nxt or nxt[0] != indent or not VERSION_RE.match(nxt[1]):
            raise KtapError(f"{where}: expected a version line at indent {indent}")
        self.pos += 1
        name = None
        nxt = self.structural(indent)
        if nxt and nxt[0] == indent and SUBTEST_RE.match(nxt[1]):
            name = SUBTEST_RE.match(nxt[1]).group(1)
            self.pos += 1
        plan = None
        nxt = self.structural(indent)
        if nxt and nxt[0] == indent and PLAN_RE.match(nxt[1]):
            plan = int(PLAN_RE.match(nxt[1]).group(1))
            self.pos += 1
        results = []
        while plan is None or len(results) < plan:
            nxt = self.structural(indent)
            if not nxt or nxt[0] < indent:
                break
            ind, text = nxt
            child = None
            if ind == indent + 4 and VERSION_RE.match(text):
                child = self.parse_test(indent + 4, f"{where}/{len(results) + 1}")
                nxt = self.structural(indent)
                if not nxt or nxt[0] != indent or not RESULT_RE.match(nxt[1]):
                    raise KtapError(f"{where}: subtest {child['name']} has no result line")
                ind, text = nxt
            if ind != indent or not RESULT_RE.match(text):
                raise KtapError(f"{where}: unexpected line at indent {ind}: {text!r}")
            m = RESULT_RE.match(text)
            number = int(m.group(2))
            if number != len(results) + 1:
                raise KtapError(f"{where}: result {number} out of sequence")
            result = {"ok": m.group(1) == "ok", "name": m.group(3),
                      "skip": (m.group(4) or "").startswith("SKIP"),
                      "child": child}
            if child and child["name"] is not None and child["name"] != result["name"]:
                raise KtapError(f"{where}: subtest {child['name']!r} ended by result {result['name']!r}")
            if child and result["ok"] and any(not r["ok"] for r in child["results"]):
                raise KtapError(f"{where}: {result['name']} is ok but has a failed subtest")
            if child and not result["ok"] and child["results"] and all(r["ok"] for r in child["results"]):
                raise KtapError(f"{where}: {result['name']} failed but all its subtests passed")
            results.append(result)
            self.pos += 1
        if plan is not None and len(results) != plan:
            raise KtapError(f"{where}: plan says {plan} results, found {len(results)}")
        return {"name": name, "plan": plan, "results": results}


def leaf_counts(test, counts):
    """Counts cases, a parameterised case counting once per parameter."""
    for r in test["results"]:
        child = r["child"]
        if child and child["plan"] is None:  # parameter subtest
            leaf_counts(child, counts)
        elif child:
            leaf_counts(child, counts)
        else:
            key = "skipped" if r["skip"] else ("passed" if r["ok"] else "failed")
            counts[key] += 1
    return counts


def check_ktap(text):
    lines = text.splitlines()
    parser = Parser(lines)
    top = parser.parse_test(0, "top")
    if top["plan"] is None:
        raise KtapError("top level has no plan")
    tail = [l for l in lines[parser.pos:] if l.strip()]
    if not tail or not SUMMARY_RE.match(tail[-1]):
        raise KtapError("last line is not 'N passed, N failed, N skipped'")
    got = tuple(int(x) for x in SUMMARY_RE.match(tail[-1]).groups())
    counts = leaf_counts(top, {"passed": 0, "failed": 0, "skipped": 0})
    want = (counts["passed"], counts["failed"], counts["skipped"])
    if got != want:
        raise KtapError(f"summary says {got}, results say {want}")
    return top


def compare(kind, want_path, got_text, update):
    if update:
        with open(want_path, "w") as f:
            f.write(got_text)
        return True
    with open(want_path) as f:
        want_text = f.read()
    if want_text == got_text:
        return True
    sys.stderr.write(f"{kind} differs from {want_path}:\n")
    sys.stderr.writelines(difflib.unified_diff(
        want_text.splitlines(True), got_text.splitlines(True),
        fromfile=want_path, tofile="actual"))
    return False


def run(args):
    env = dict(os.environ)
    env.pop("KUNIT_FILTER_GLOB", None)
    for kv in args.env:
        key, _, value = kv.partition("=")
        env[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        markers = os.path.join(tmp, "markers")
        env["KUNIT_SHIM_MARKERS"] = markers
        proc = subprocess.run([args.program] + args.arg, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              universal_newlines=True, timeout=300)
        marker_text = open(markers).read() if os.path.exists(markers) else ""
    out = proc.stdout
    if args.src_dir:
        out = out.replace(os.path.join(args.src_dir, ""), "")
    # Addresses of stack objects differ from run to run.
    out = re.sub(r"kunit_kfree: 0x[0-9a-f]+", "kunit_kfree: <addr>", out)
    ok = True
    if args.exit is not None and proc.returncode != args.exit:
        sys.stderr.write(f"exit status {proc.returncode}, expected {args.exit}\n"
                         f"stderr:\n{proc.stderr}\n")
        ok = False
    if args.golden:
        ok &= compare("stdout", args.golden, out, args.update)
    if args.markers:
        ok &= compare("markers", args.markers, marker_text, args.update)
    if args.ktap:
        try:
            check_ktap(out)
        except KtapError as e:
            sys.stderr.write(f"not valid KTAP: {e}\n--- output ---\n{out}")
            ok = False
    for needle in args.expect_line:
        if needle not in out.splitlines():
            sys.stderr.write(f"missing line {needle!r} in:\n{out}")
            ok = False
    for needle in args.expect_stderr_line:
        if needle not in proc.stderr.splitlines():
            sys.stderr.write(f"missing stderr line {needle!r} in:\n{proc.stderr}")
            ok = False
    return 0 if ok else 1


BAD_SAMPLES = {
    "no version": "1..1\nok 1 a\n0 passed, 0 failed, 0 skipped\n",
    "plan mismatch": "KTAP version 1\n1..2\nok 1 a\n1 passed, 0 failed, 0 skipped\n",
    "bad number": "KTAP version 1\n1..1\nok 2 a\n1 passed, 0 failed, 0 skipped\n",
    "wrong indent": "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n  ok 1 c\nok 1 s\n1 passed, 0 failed, 0 skipped\n",
    "subtest name": "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n    ok 1 c\nok 1 t\n1 passed, 0 failed, 0 skipped\n",
    "ok with failed child": "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n    not ok 1 c\nok 1 s\n0 passed, 1 failed, 0 skipped\n",
    "summary": "KTAP version 1\n1..1\nok 1 a\n2 passed, 0 failed, 0 skipped\n",
    "no summary": "KTAP version 1\n1..1\nok 1 a\n",
}
GOOD_SAMPLES = {
    "tap14": "TAP version 14\n1..1\nok 1 - a # SKIP x\n0 passed, 0 failed, 1 skipped\n",
    "nested": "KTAP version 1\n1..1\n    KTAP version 1\n    # Subtest: s\n    1..1\n        KTAP version 1\n        # Subtest: c\n        ok 1 p0\n        not ok 2 p1\n    # diag\n    not ok 1 c\nnot ok 1 s\n1 passed, 1 failed, 0 skipped\n",
}


def self_test():
    failures = 0
    for name, text in BAD_SAMPLES.items():
        try:
            check_ktap(text)
            print(f"FAIL: accepted bad sample '{name}'")
            failures += 1
        except KtapError as e:
            print(f"ok: rejected '{name}': {e}")
    for name, text in GOOD_SAMPLES.items():
        try:
            check_ktap(text)
            print(f"ok: accepted '{name}'")
        except KtapError as e:
            print(f"FAIL: rejected good sample '{name}': {e}")
            failures += 1
    return 1 if failures else 0


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--program")
    ap.add_argument("--arg", action="append", default=[])
    ap.add_argument("--env", action="append", default=[])
    ap.add_argument("--exit", type=int)
    ap.add_argument("--golden")
    ap.add_argument("--markers")
    ap.add_argument("--src-dir")
    ap.add_argument("--no-ktap", dest="ktap", action="store_false")
    ap.add_argument("--expect-line", action="append", default=[])
    ap.add_argument("--expect-stderr-line", action="append", default=[])
    ap.add_argument("--update", action="store_true",
                    help="rewrite the golden files from this run")
    ap.add_argument("--self-test", action="store_true")
    args = ap.parse_args()
    if args.self_test:
        return self_test()
    if not args.program:
        ap.error("--program is required")
    return run(args)


if __name__ == "__main__":
    sys.exit(main())
