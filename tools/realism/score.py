#!/usr/bin/env python3
"""Realism benchmark scorer (run by tools/realism/run, not by CI).

Runs detectors trained only on real photos on Edgecase frames and on real
photos that ship inside a registry package, and prints per-class recall:
the share of labeled objects (visible box area >= 32x32 px, COCO's
medium and large; not flagged too small) that a detection of the right class overlaps with IoU >= 0.5.

Detectors: CenterNet (COCO, from the npm package @vladmandic/human, run by
detect_human.mjs), OpenCV's HOG people detector (INRIA, built into
opencv-python), and MoveNet (the same npm package) for keypoints on people
taller than 100 px, run on a crop around each person.

REALISM_MISSES=DIR draws every frame with a miss into DIR: labeled boxes
green (found) or red (missed), detections blue with their labels.
"""
import argparse
import json
import math
import os
import subprocess
import sys
import zipfile

import cv2
import numpy as np
from PIL import Image

# COCO's boundary between small and medium objects: area 32^2 px
MIN_AREA_PX = 32 * 32
IOU = 0.5
POSE_MIN_HEIGHT_PX = 100
POSE_MIN_KEYPOINTS = 8  # of COCO's 17, each with score >= 0.3, inside the box
# a labeled class -> the COCO labels that count as finding it
ACCEPT = {
    "person": {"person"},
    "rider": {"person"},
    "bicycle": {"bicycle"},
    "car": {"car", "truck", "bus"},
    "truck": {"truck", "bus", "car"},
    "bus": {"bus", "truck"},
}
REPORT_CLASS = {"rider": "person"}
# (image name, box, sub-class key) of every scored Edgecase vehicle, for the
# per-kind, distance and view breakdown printed after the table
BREAKDOWN = []
FOUND = {}


def breakdown_key(o):
    """A vehicle's KITTI type, distance band and which end or side faces
    the camera (from its box in the camera frame)."""
    box = o.get("box_camera") or {}
    yaw = box.get("rotation_y_rad") if isinstance(box, dict) else None
    d = o.get("distance_m") or 0.0
    band = "<15m" if d < 15 else "15-30m" if d < 30 else "30-50m" if d < 50 else ">50m"
    view = "?"
    if yaw is not None and isinstance(box, dict) and "center_m" in box:
        x, _, z = box["center_m"]
        # KITTI's observation angle: -90 degrees sees the rear, +90 the front
        alpha = yaw - math.atan2(x, z)
        a = math.degrees(math.atan2(math.sin(alpha), math.cos(alpha)))
        view = "rear" if abs(a + 90) < 35 else "front" if abs(a - 90) < 35 else "side"
    return (o.get("kitti_type", o["class"]), band, view)


def iou(a, b):
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def recall_counts(gts, dets, found_boxes=None):
    """gts: [(class, box)], dets: [(label, box)]; greedy by IoU per image.
    Returns {report class: [found, total]}; appends the boxes found to
    `found_boxes` when given."""
    out = {}
    used = set()
    for cls, box in sorted(gts, key=lambda g: -(g[1][2] - g[1][0]) * (g[1][3] - g[1][1])):
        key = REPORT_CLASS.get(cls, cls)
        out.setdefault(key, [0, 0])[1] += 1
        best, best_i = 0.0, None
        for i, (label, dbox) in enumerate(dets):
            if i in used or label not in ACCEPT.get(cls, {cls}):
                continue
            v = iou(box, dbox)
            if v > best:
                best, best_i = v, i
        if best >= IOU:
            used.add(best_i)
            out[key][0] += 1
            if found_boxes is not None:
                found_boxes.append(box)
    return out


def draw_misses(out_dir, name, rgb, gts, dets, found):
    """The frame with its labeled boxes (green: found, red: missed) and the
    detector's boxes (blue, with their labels), for looking at misses."""
    from PIL import ImageDraw

    img = Image.fromarray(rgb)
    d = ImageDraw.Draw(img)
    for label, box in dets:
        d.rectangle(box, outline=(40, 80, 255))
        d.text((box[0] + 2, box[1] + 2), label, fill=(40, 80, 255))
    for cls, box in gts:
        d.rectangle(box, outline=(0, 220, 0) if box in found else (255, 0, 0), width=2)
    os.makedirs(out_dir, exist_ok=True)
    img.save(os.path.join(out_dir, name.replace("/", "_") + ".png"))


def add(total, part):
    for k, (f, n) in part.items():
        total.setdefault(k, [0, 0])
        total[k][0] += f
        total[k][1] += n


def hog_people(image_rgb):
    """OpenCV's default HOG people detector on the image upscaled 2x (its
    window is 64x128 px), boxes in the original's pixels."""
    hog = cv2.HOGDescriptor()
    hog.setSVMDetector(cv2.HOGDescriptor_getDefaultPeopleDetector())
    big = cv2.resize(image_rgb, None, fx=2.0, fy=2.0, interpolation=cv2.INTER_LINEAR)
    rects, _ = hog.detectMultiScale(big, winStride=(8, 8), padding=(8, 8), scale=1.05)
    return [("person", [x / 2, y / 2, (x + w) / 2, (y + h) / 2]) for (x, y, w, h) in rects]


def run_node(args, items):
    path = os.path.join(args.dir, "items.json")
    with open(path, "w") as f:
        json.dump(items, f)
    script = os.path.join(args.dir, "detect_human.mjs")
    out = subprocess.run(
        ["node", script, path, args.models_url],
        cwd=args.dir, capture_output=True, text=True, check=False,
    )
    results = {}
    for line in out.stdout.splitlines():
        if line.startswith("{"):
            r = json.loads(line)
            results[r["name"]] = r
    if len(results) != len(items):
        sys.exit(f"detect_human.mjs answered {len(results)} of {len(items)} images:\n{out.stderr[-3000:]}")
    return results


def raw_item(args, name, rgb):
    path = os.path.join(args.dir, "raw", name.replace("/", "_") + ".rgb")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(rgb).tobytes())
    return {"name": name, "rgb": path, "width": rgb.shape[1], "height": rgb.shape[0]}


def centernet_boxes(result):
    return [(o["label"], [o["box"][0], o["box"][1], o["box"][0] + o["box"][2], o["box"][1] + o["box"][3]])
            for o in result["objects"]]


def pose_crop(rgb, box):
    """A crop around a person box with 20% margin (MoveNet finds one person)."""
    h, w = rgb.shape[:2]
    x0, y0, x1, y1 = box
    mx, my = 0.2 * (x1 - x0), 0.2 * (y1 - y0)
    cx0, cy0 = int(max(0, x0 - mx)), int(max(0, y0 - my))
    cx1, cy1 = int(min(w, x1 + mx)), int(min(h, y1 + my))
    return rgb[cy0:cy1, cx0:cx1], (cx0, cy0)


def keypoints_found(result, box, offset):
    """Keypoints with score >= 0.3 inside the person's box."""
    x0, y0, x1, y1 = box
    best = 0
    for body in result["bodies"]:
        n = 0
        for k in body["keypoints"]:
            px, py = k["position"][0] + offset[0], k["position"][1] + offset[1]
            if k["score"] >= 0.3 and x0 <= px <= x1 and y0 <= py <= y1:
                n += 1
        best = max(best, n)
    return best


def edgecase_frames(args):
    """(name, rgb image, [(class, box)]) of every sampled frame."""
    for scene in args.scenes:
        root = os.path.join(args.dir, "frames", scene)
        labels = sorted(os.listdir(os.path.join(root, "labels")))
        for name in labels[:: args.every]:
            with open(os.path.join(root, "labels", name)) as f:
                record = json.load(f)
            for cam in record["cameras"]:
                stem = name.removesuffix(".json")
                png = os.path.join(root, "cameras", cam["camera"], "rgb", stem + ".png")
                rgb = np.array(Image.open(png).convert("RGB"))
                gts = []
                for o in cam["objects"]:
                    b = o.get("bbox_visible_px")
                    if not b or o.get("too_small") or o["class"] not in ACCEPT:
                        continue
                    if (b[2] - b[0]) * (b[3] - b[1]) >= MIN_AREA_PX:
                        gts.append((o["class"], b))
                        BREAKDOWN.append((f"{scene}/{cam['camera']}/{stem}", b, breakdown_key(o)))
                yield f"{scene}/{cam['camera']}/{stem}", rgb, gts


def real_photos(args):
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "real_photos.json")) as f:
        spec = json.load(f)
    wheel = [w for w in os.listdir(os.path.join(args.dir, "wheels")) if w.startswith(spec["wheel"])]
    if not wheel:
        sys.exit(f"no {spec['wheel']} wheel in {args.dir}/wheels")
    z = zipfile.ZipFile(os.path.join(args.dir, "wheels", wheel[0]))
    for img in spec["images"]:
        path = os.path.join(args.dir, "real", img["name"])
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(z.read(img["path_in_wheel"]))
        rgb = np.array(Image.open(path).convert("RGB"))
        yield "real/" + img["name"], rgb, [(o["class"], o["box"]) for o in img["objects"]]


def evaluate(args, images, label):
    images = list(images)
    items = [raw_item(args, name, rgb) for name, rgb, _ in images]
    # people tall enough for keypoints, each on its own crop
    crops, crop_refs = [], []
    for name, rgb, gts in images:
        for i, (cls, box) in enumerate(gts):
            if cls in ("person", "rider") and box[3] - box[1] >= POSE_MIN_HEIGHT_PX:
                crop, offset = pose_crop(rgb, box)
                crops.append(raw_item(args, f"{name}#pose{i}", crop))
                crop_refs.append((f"{name}#pose{i}", box, offset))
    results = run_node(args, items + crops)
    centernet, hog = {}, {}
    misses_dir = os.environ.get("REALISM_MISSES")
    for (name, rgb, gts), item in zip(images, items):
        found = []
        dets = centernet_boxes(results[item["name"]])
        add(centernet, recall_counts(gts, dets, found))
        FOUND[name] = found
        if misses_dir and len(found) < len(gts):
            draw_misses(misses_dir, name, rgb, gts, dets, found)
        people = [g for g in gts if REPORT_CLASS.get(g[0], g[0]) == "person"]
        add(hog, recall_counts(people, hog_people(rgb)))
    posed = sum(
        keypoints_found(results[name], box, offset) >= POSE_MIN_KEYPOINTS
        for name, box, offset in crop_refs
    )
    if label == "edgecase" and BREAKDOWN:
        found_keys = {}
        for name, box, key in BREAKDOWN:
            if key[0] in ("Pedestrian", "Cyclist", "Person_sitting"):
                continue
            hit = any(box == f for f in FOUND.get(name, []))
            for k in (key[0], key[0] + " " + key[1], key[0] + " " + key[2]):
                c = found_keys.setdefault(k, [0, 0])
                c[0] += hit
                c[1] += 1
        print("CenterNet vehicle breakdown (kind, distance, view): found/labeled")
        for k, (f, n) in sorted(found_keys.items()):
            print(f"  {k:<24} {f:>4}/{n:<4} {100 * f / n:.0f}%")
    rows = []
    for cls, (found, total) in sorted(centernet.items()):
        rows.append(("CenterNet (COCO)", label, cls, total, found))
    for cls, (found, total) in sorted(hog.items()):
        rows.append(("OpenCV HOG (INRIA)", label, cls, total, found))
    rows.append(("MoveNet keypoints", label, f"person >= {POSE_MIN_HEIGHT_PX} px", len(crop_refs), posed))
    return rows, len(images)


def main():
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--dir", required=True)
    p.add_argument("--scenes", nargs="+", required=True)
    p.add_argument("--every", type=int, default=6)
    p.add_argument("--models-url", required=True)
    args = p.parse_args()
    synth_rows, n_synth = evaluate(args, edgecase_frames(args), "edgecase")
    real_rows, n_real = evaluate(args, real_photos(args), "real photos")
    print(f"recall at IoU >= {IOU} of labeled objects with box area >= 32x32 px: "
          f"{n_synth} Edgecase frames ({', '.join(args.scenes)}), {n_real} real photos")
    print(f"{'detector':<20} {'images':<12} {'class':<22} {'labeled':>7} {'found':>6} {'recall':>7}")
    for det, label, cls, total, found in synth_rows + real_rows:
        r = f"{100 * found / total:.0f}%" if total else "-"
        print(f"{det:<20} {label:<12} {cls:<22} {total:>7} {found:>6} {r:>7}")


if __name__ == "__main__":
    main()
