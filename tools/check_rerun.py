#!/usr/bin/env python3
"""Open an Edgecase dataset's recording.mcap with Rerun's own MCAP importer
(`rerun mcap convert`, the CLI inside the rerun-sdk wheel, the same code
the Rerun viewer runs on a dropped .mcap) and count what it made of it with
`rerun rrd print`: per camera one EncodedImage per image message and one
Pinhole per calibration, per LiDAR one Points3D per sweep, one Transform3D
per /tf message, each on its topic's entity; the 2D annotations and 3D
boxes (schemas Rerun does not draw yet) arrive as their protobuf messages.
Expected counts come from the labels (a sensor's dropped frames have none).

usage: check_rerun.py DATASET   (run with the rerun-sdk environment's
python; last line: "<I> images, <P> pinholes, <C> point clouds,
<T> transforms")
"""
import collections
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from dataset_labels import delivered


def rerun_cli():
    return str(Path(sys.executable).parent / "rerun")


def main():
    dataset = Path(sys.argv[1])
    labels = [json.loads(p.read_text()) for p in sorted((dataset / "labels").glob("*.json"))]
    manifest = json.loads((dataset / "manifest.json").read_text())
    env = dict(os.environ, RERUN_ANALYTICS="0")
    work = Path(tempfile.mkdtemp())
    rrd = work / "recording.rrd"
    subprocess.run([rerun_cli(), "mcap", "convert", str(dataset / "recording.mcap"), "-o", str(rrd)],
                   check=True, env=env, capture_output=True)
    printed = subprocess.run([rerun_cli(), "rrd", "print", str(rrd)], check=True, env=env,
                             capture_output=True, text=True).stdout
    # "Chunk(...) with N rows (...) - /entity - data columns: [Archetype:field ...]"
    rows = collections.Counter()
    for m in re.finditer(r"with (\d+) rows \([^)]*\) - (\S+) - data columns: \[([^\]]*)\]", printed):
        n, entity, columns = int(m.group(1)), m.group(2), m.group(3).split()
        for archetype in {c.split(":")[0] for c in columns}:
            rows[(entity, archetype)] += n
    cameras = [c["name"] for c in manifest["cameras"]]
    lidars = [l["name"] for l in manifest.get("lidars", [])]
    frames = len(labels)
    want = {("/tf", "Transform3D"): frames * (1 + len(cameras) + len(lidars))}
    # with `output.rgb` off the recording has no image channels
    rgb = manifest["scenario"]["resolved"]["output"].get("rgb", True)
    for c in cameras:
        n = sum(delivered(f, c) for f in labels)
        want[(f"/camera/{c}/image", "EncodedImage")] = n if rgb else 0
        want[(f"/camera/{c}/calibration", "Pinhole")] = n
        want[(f"/camera/{c}/annotations", "foxglove.ImageAnnotations")] = n
    for l in lidars:
        want[(f"/lidar/{l}/points", "Points3D")] = sum(delivered(f, l) for f in labels)
    want[("/boxes", "foxglove.SceneUpdate")] = frames
    for key, n in want.items():
        assert rows[key] == n, (key, rows[key], n)
    images = sum(n for (e, a), n in want.items() if a == "EncodedImage")
    pinholes = sum(n for (e, a), n in want.items() if a == "Pinhole")
    clouds = sum(n for (e, a), n in want.items() if a == "Points3D")
    print(f"{images} images, {pinholes} pinholes, {clouds} point clouds, {want[('/tf', 'Transform3D')]} transforms")


if __name__ == "__main__":
    main()
