#!/usr/bin/env python3
"""Scenario fuzzer: mutates the shipped scenarios and feeds them to the CLI.

For every mutant, `edgecase --check` must either accept it (exit 0) or reject
it with exit 2 and a `file:line:col: message` error. Every mutant it accepts
is then rendered for 2 frames (cameras scaled down to at most 160 px wide so
a run of thousands stays short) and must exit 0. A panic, a crash, any other
exit code, a hang (past the time limits below) or a process over the memory
limit is a failure: the mutant is kept in --keep (default fuzz-failures/)
and the script exits 1.

    tools/fuzz/fuzz.py --mutants 10000 --seed 1 [--bin target/release/edgecase]

Mutants depend only on (--seed, index): a failure is reproduced with
--only INDEX. Prints one summary line at the end.
"""
import argparse
import glob
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NUMBER = re.compile(r"(?<![A-Za-z_])-?\d+(?:\.\d+)?(?:e-?\d+)?")
STRING = re.compile(r'"[^"\\\n]*"')
IDENT = re.compile(r"\b[A-Z][A-Za-z0-9_]*\b")
INTERESTING = [
    "0", "-1", "1", "0.0", "-0.0", "1e9", "-1e9", "1e30", "-1e30", "NaN", "inf", "-inf",
    "1e-300", "0.0005", "1e-6", "4294967295", "4294967296", "18446744073709551615",
    "-9223372036854775808", "8192", "8193", "65535", "999", "1000", "100000", "3277",
]
VARIANTS = [
    "Car", "Van", "Truck", "Left", "Right", "Both", "Forward", "Backward", "Straight", "Arc",
    "Building", "Tree", "Pole", "Sign", "Kitti", "Coco", "Png16", "Npy32", "Vlp16", "Hdl64e",
    "Os1_128", "Hdl32e", "Never", "Ego", "Any", "Stop", "OpenDoor", "DropCargo", "EmergencyBrake",
    "FourWay", "TLeft", "TRight", "Tyre", "Box", "Ball", "Solid", "Dashed", "None", "Some",
    "Png", "Jpeg",
]
STRINGS = ['""', '"' + "x" * 256 + '"', '"a/b"', '"../up"', '"front"', '"top"', '"ego"',
           '"' + "é" * 40 + '"', '"\\u{0}"', '"hazard"', '"vehicles[0]"', '"parked[9]"']
SNIPPETS = [
    "lidars: [(name: \"top\")],", "scatter: [(kind: Tree, spacing_m: 0.5)],",
    "placed: [(kind: Sign, s_m: 5.0, side: Left)],", "rain: (rate_mm_h: 50.0),",
    "fog: (visibility_m: 20.0),", "snow: (rate_mm_h: 5.0),", "frames: 3,",
    "hazard: AnimalCrossing(s_m: 30.0, side: Left, trigger_time_to_ego_s: 1.0),",
    "triggers: [(actor: \"ego\", when: AtTime(0.1), action: EmergencyBrake)],",
    "junctions: [(s_m: 50.0)],", "crosswalks: [20.0],",
    "cyclists: [(s_m: 10.0)],", "pedestrians: [(s_m: 12.0, side: Right)],",
    "output: (image_format: Jpeg(quality: 90)),", "output: (rgb: false),",
    "failures: [(sensor: \"front\", kind: Frozen, start_s: 0.1, duration_s: 0.3)],",
    "weather: (clouds: 0.5),", "weather: (wind: (speed_mps: 12.0, from_deg: 270.0)),",
]


def mutate(text, rng):
    """One to three random edits of a scenario's text."""
    for _ in range(rng.randint(1, 3)):
        op = rng.random()
        if op < 0.40:
            nums = list(NUMBER.finditer(text))
            if nums:
                m = rng.choice(nums)
                text = text[: m.start()] + rng.choice(INTERESTING) + text[m.end():]
        elif op < 0.50:
            ids = [m for m in IDENT.finditer(text)]
            if ids:
                m = rng.choice(ids)
                text = text[: m.start()] + rng.choice(VARIANTS) + text[m.end():]
        elif op < 0.58:
            strs = list(STRING.finditer(text))
            if strs:
                m = rng.choice(strs)
                text = text[: m.start()] + rng.choice(STRINGS) + text[m.end():]
        elif op < 0.68:
            lines = text.split("\n")
            i = rng.randrange(len(lines))
            if rng.random() < 0.5:
                del lines[i]
            else:
                lines.insert(i, lines[i])
            text = "\n".join(lines)
        elif op < 0.80:
            lines = text.split("\n")
            i = rng.randrange(1, max(2, len(lines) - 1))
            lines.insert(i, rng.choice(SNIPPETS))
            text = "\n".join(lines)
        elif op < 0.86:
            text = text[: rng.randrange(len(text) + 1)]
        elif op < 0.92:
            i = rng.randrange(len(text) + 1)
            text = text[:i] + rng.choice(["(", ")", "[", "]", ",", ":", "\"", "\udcff", "/*", "\x00"]) + text[i:]
        else:
            # scale a list: many copies of one list item line
            lines = text.split("\n")
            cands = [i for i, l in enumerate(lines) if l.strip().startswith("(") and l.strip().endswith("),")]
            if cands:
                i = rng.choice(cands)
                lines[i:i + 1] = [lines[i]] * rng.choice([50, 1000, 1200])
                text = "\n".join(lines)
    return text


def shrink_cameras(text):
    """Cameras at most 160 px wide (keeping the aspect) for the render step."""
    def fix(m):
        w, h = int(m.group(1)), int(m.group(2))
        if w <= 160:
            return m.group(0)
        nh = max(8, h * 160 // w)
        return m.group(0).replace(f"width: {w}", "width: 160", 1).replace(f"height: {h}", f"height: {nh}", 1)
    return re.sub(r"width: (\d+), height: (\d+)", fix, text)


def run(cmd, timeout, mem_mib):
    """(exit code or 'hang'/'memory', stderr text, peak RSS MiB)."""
    with tempfile.TemporaryFile() as err:
        p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=err, start_new_session=True)
        start, peak, verdict = time.time(), 0, None
        while p.poll() is None:
            try:
                with open(f"/proc/{p.pid}/status") as f:
                    for line in f:
                        if line.startswith("VmRSS:"):
                            peak = max(peak, int(line.split()[1]) // 1024)
            except OSError:
                pass
            if peak > mem_mib:
                verdict = "memory"
            elif time.time() - start > timeout:
                verdict = "hang"
            if verdict:
                os.killpg(p.pid, signal.SIGKILL)
                p.wait()
                break
            time.sleep(0.02)
        err.seek(0)
        text = err.read().decode("utf-8", "replace")
        return (verdict or p.returncode), text, peak


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--mutants", type=int, default=300)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--only", type=int, help="run this mutant index alone")
    ap.add_argument("--bin", default=os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "edgecase"))
    ap.add_argument("--keep", default="fuzz-failures")
    ap.add_argument("--mem-mib", type=int, default=4096, help="RSS limit per process")
    ap.add_argument("--check-timeout", type=float, default=20.0)
    ap.add_argument("--render-timeout", type=float, default=180.0)
    a = ap.parse_args()
    seeds = sorted(glob.glob(os.path.join(ROOT, "scenarios", "*.ron")) + glob.glob(os.path.join(ROOT, "scenarios", "hazards", "*.ron")))
    sources = [open(p, encoding="utf-8").read() for p in seeds]
    work = tempfile.mkdtemp(prefix="edgecase-fuzz-")
    counts = {"accepted": 0, "rejected": 0, "rendered": 0, "failed": 0}
    failures = []
    indices = [a.only] if a.only is not None else range(a.mutants)
    started = time.time()
    for k in indices:
        rng = random.Random(a.seed * 1_000_003 + k)
        src = rng.randrange(len(sources))
        text = mutate(sources[src], rng)
        path = os.path.join(work, f"m{k}.ron")
        with open(path, "w", encoding="utf-8", errors="surrogateescape") as f:
            f.write(text)
        problem = None
        code, err, _ = run([a.bin, "--check", "--scenario", path], a.check_timeout, a.mem_mib)
        if code == 0:
            counts["accepted"] += 1
            small = os.path.join(work, f"m{k}_small.ron")
            with open(small, "w", encoding="utf-8") as f:
                f.write(shrink_cameras(text))
            out = os.path.join(work, f"out{k}")
            code, err, peak = run([a.bin, "--headless", "-q", "--scenario", small, "--frames", "2", "--out", out],
                                  a.render_timeout, a.mem_mib)
            if code == 0:
                counts["rendered"] += 1
            elif code == 2 and "small.ron:" in err:
                # the shrunk copy can be refused only for its camera edit
                counts["rendered"] += 1
            else:
                problem = f"accepted by --check, render gave {code}: {err.strip()[-400:]}"
            shutil.rmtree(out, ignore_errors=True)
            shutil.rmtree(out + ".partial", ignore_errors=True)
            os.remove(small)
        elif code == 2:
            counts["rejected"] += 1
            first = err.strip().splitlines()[0] if err.strip() else ""
            loc = re.match(r"error: .*?:(\d+):(\d+): ", first)
            if not loc or int(loc.group(1)) < 1 or int(loc.group(2)) < 1:
                problem = f"rejected without line:col: {first[:300]!r}"
            elif len(err) > 4000:
                problem = f"rejection message of {len(err)} bytes"
        else:
            problem = f"--check gave {code}: {err.strip()[-400:]}"
        if problem:
            counts["failed"] += 1
            os.makedirs(a.keep, exist_ok=True)
            kept = os.path.join(a.keep, f"mutant_{a.seed}_{k}.ron")
            shutil.copy(path, kept)
            failures.append(f"mutant {k} (from {os.path.relpath(seeds[src], ROOT)}, kept as {kept}): {problem}")
            print(failures[-1], flush=True)
        os.remove(path)
        if (k + 1) % 100 == 0 and a.only is None:
            print(f"... {k + 1} mutants, {counts['failed']} failed, {time.time() - started:.0f} s", flush=True)
    shutil.rmtree(work, ignore_errors=True)
    total = len(indices)
    print(f"fuzz: {total} mutants (seed {a.seed}): {counts['accepted']} accepted and {counts['rendered']} rendered, "
          f"{counts['rejected']} rejected with line:col, {counts['failed']} failed, in {time.time() - started:.0f} s")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
