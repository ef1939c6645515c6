#!/usr/bin/env python3
"""Fuzz mutants through the real readers (not in CI: minutes per mutant).

fuzz.py checks that every mutant --check accepts renders; this goes one step
further: each accepted mutant (cameras shrunk as fuzz.py does) is rendered
with `--formats all` and every dataset checker must pass on it (COCO, YOLO,
tracking, Cityscapes, MCAP, flow, and nuScenes, KITTI and Rerun in their own
environments when /opt/edgecase-readers/{nuscenes,kitti,rerun} exist). Failing mutants are copied to --keep.

    tools/fuzz/readers.py --mutants 25 --seed 21 [--bin target/release/edgecase]

Prints a line per mutant and a summary; exits 1 on any failure.
"""

import argparse
import glob
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import fuzz  # noqa: E402

CHECKERS = ["check_coco", "check_yolo", "check_tracking", "check_cityscapes", "check_mcap", "check_flow"]
NUSCENES_PYTHON = "/opt/edgecase-readers/nuscenes/bin/python"
RERUN_PYTHON = "/opt/edgecase-readers/rerun/bin/python"
KITTI_PYTHON = "/opt/edgecase-readers/kitti/bin/python"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", type=int, default=25, help="accepted mutants to check")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--frames", type=int, default=4)
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "edgecase"))
    ap.add_argument("--keep", default="fuzz-reader-failures")
    a = ap.parse_args()
    seeds = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.ron")) + glob.glob(os.path.join(ROOT, "scenarios", "hazards", "*.ron")))
    sources = [open(p, encoding="utf-8").read() for p in seeds]
    work = tempfile.mkdtemp(prefix="edgecase-fuzz-readers-")
    checkers = [["python3", os.path.join(ROOT, "tools", c + ".py")] for c in CHECKERS]
    if os.path.exists(NUSCENES_PYTHON):
        checkers.append([NUSCENES_PYTHON, os.path.join(ROOT, "tools", "check_nuscenes.py")])
    if os.path.exists(KITTI_PYTHON):
        checkers.append([KITTI_PYTHON, os.path.join(ROOT, "tools", "check_kitti.py")])
    if os.path.exists(RERUN_PYTHON):
        checkers.append([RERUN_PYTHON, os.path.join(ROOT, "tools", "check_rerun.py")])
    checked = failed = 0
    k = 0
    # at most 20 tries per wanted mutant: most mutants are refused by --check
    while checked < a.mutants and k < 20 * a.mutants:
        rng = random.Random(a.seed * 1_000_003 + k)
        text = fuzz.shrink_cameras(fuzz.mutate(sources[rng.randrange(len(sources))], rng))
        path = os.path.join(work, f"m{k}.ron")
        k += 1
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        if subprocess.run([a.bin, "--check", "--scenario", path, "--formats", "all"], capture_output=True).returncode != 0:
            continue
        out = os.path.join(work, f"out{k}")
        problems = []
        r = subprocess.run([a.bin, "--headless", "-q", "--scenario", path, "--frames", str(a.frames),
                            "--formats", "all", "--out", out], capture_output=True, text=True, timeout=600)
        if r.returncode != 0:
            problems.append(f"render gave {r.returncode}: {r.stderr.strip()[-300:]}")
        else:
            checked += 1
            for c in checkers:
                r = subprocess.run(c + [out], capture_output=True, text=True, timeout=900)
                if r.returncode != 0:
                    last = (r.stdout + r.stderr).strip().splitlines()[-1:]
                    problems.append(f"{os.path.basename(c[1])}: {last}")
        shutil.rmtree(out, ignore_errors=True)
        if problems:
            failed += 1
            os.makedirs(a.keep, exist_ok=True)
            shutil.copy(path, os.path.join(a.keep, f"seed{a.seed}_m{k - 1}.ron"))
            print(f"FAIL mutant {k - 1}: " + "; ".join(problems), flush=True)
        else:
            print(f"ok mutant {k - 1}", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    print(f"{checked} accepted mutants through {len(checkers)} readers, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
