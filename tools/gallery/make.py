#!/usr/bin/env python3
"""README gallery: one frame of each shipped scene in the flat look (how
Edgecase frames looked before the realistic look; today's meshes) and in
the realistic look, with the labels drawn over the realistic one: 2D boxes
by class and, for people, the COCO keypoint skeleton (visible keypoints
filled, hidden ones hollow). Not a test; needs Pillow.

usage: tools/gallery/make.py [--bin PATH] [--out docs/gallery]
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile

from PIL import Image, ImageDraw

# (file stem, scenario, frame, caption)
SHOTS = [
    ("day", "scenarios/clear_day_urban.ron", 60, "clear day, urban"),
    ("low_sun", "scenarios/hazards/jaywalking_group.ron", 52, "low sun, a group jaywalking"),
    ("dusk", "scenarios/dusk_parked_cars.ron", 40, "dusk"),
    ("night_rain", "scenarios/rain_night_street.ron", 60, "night, heavy rain"),
    ("fog", "scenarios/fog_pedestrian.ron", 110, "fog, 45 m visibility"),
    ("snow", "scenarios/snow_day_rural.ron", 40, "snow"),
    ("clouds", "scenarios/hazards/wrong_way_motorway.ron", 40, "partly cloudy motorway, a wrong-way driver"),
]
CLASS_COLOURS = {
    "person": (220, 20, 60), "rider": (255, 0, 0), "bicycle": (119, 11, 32),
    "car": (0, 90, 255), "truck": (0, 200, 255), "animal": (255, 128, 0), "debris": (160, 60, 200),
}
SKELETON = [(16, 14), (14, 12), (17, 15), (15, 13), (12, 13), (6, 12), (7, 13), (6, 7), (6, 8),
            (7, 9), (8, 10), (9, 11), (2, 3), (1, 2), (1, 3), (2, 4), (3, 5), (4, 6), (5, 7)]


def render(binary, scenario_text, frames, out):
    with tempfile.NamedTemporaryFile("w", suffix=".ron", delete=False) as f:
        f.write(scenario_text)
    subprocess.run([binary, "--headless", "-q", "--scenario", f.name, "--frames", str(frames),
                    "--out", out, "--overwrite"], check=True)
    os.unlink(f.name)


def overlay(img, labels):
    d = ImageDraw.Draw(img)
    for o in labels["cameras"][0]["objects"]:
        b = o.get("bbox_visible_px")
        if not b or o.get("too_small"):
            continue
        c = CLASS_COLOURS.get(o["class"], (255, 255, 255))
        d.rectangle(b, outline=c, width=2)
        d.text((b[0] + 2, b[1] - 11), o["class"], fill=c)
        k = o.get("keypoints_px")
        if k:
            for a, z in SKELETON:
                p, q = k[a - 1], k[z - 1]
                if p[2] > 0 and q[2] > 0:
                    d.line([p[0], p[1], q[0], q[1]], fill=(255, 255, 0), width=1)
            for x, y, v in k:
                if v == 2:
                    d.ellipse([x - 2, y - 2, x + 2, y + 2], fill=(255, 255, 0))
                elif v == 1:
                    d.ellipse([x - 2, y - 2, x + 2, y + 2], outline=(255, 255, 0))


def main():
    p = argparse.ArgumentParser()
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    target = os.environ.get("CARGO_TARGET_DIR", os.path.expanduser("~/.cache/edgecase-target"))
    p.add_argument("--bin", default=os.path.join(target, "release", "edgecase"))
    p.add_argument("--out", default=os.path.join(repo, "docs", "gallery"))
    args = p.parse_args()
    os.makedirs(args.out, exist_ok=True)
    work = tempfile.mkdtemp()
    for stem, path, frame, caption in SHOTS:
        text = open(os.path.join(repo, path)).read()
        flat = re.sub(r"(\n\s*name:[^\n]*\n)", r"\1    render: (look: Flat, shadows: false),\n", text, count=1)
        if flat == text:
            sys.exit(f"{path}: no name line to add the flat look after")
        shots = []
        for look, source in (("flat", flat), ("realistic", text)):
            out = os.path.join(work, f"{stem}_{look}")
            render(args.bin, source, frame + 1, out)
            name = f"{frame:06d}"
            img = Image.open(os.path.join(out, "cameras", "front", "rgb", name + ".png")).convert("RGB")
            if look == "realistic":
                labelled = img.copy()
                with open(os.path.join(out, "labels", name + ".json")) as f:
                    overlay(labelled, json.load(f))
                shots += [img, labelled]
            else:
                shots.append(img)
        w, h = shots[0].size
        sheet = Image.new("RGB", (w * 3, h))
        for i, s in enumerate(shots):
            sheet.paste(s, (i * w, 0))
        sheet = sheet.resize((w * 3 * 2 // 3, h * 2 // 3), Image.LANCZOS)
        dest = os.path.join(args.out, f"{stem}.jpg")
        sheet.save(dest, quality=88)
        print(f"{dest}: {caption} (flat | realistic | realistic with labels)")


if __name__ == "__main__":
    main()
