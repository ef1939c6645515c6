#!/usr/bin/env python3
"""Re-read an Edgecase dataset's YOLO folders (yolo/detect, yolo/segment)
with Roboflow supervision's YOLO loader (`DetectionDataset.from_yolo`) and
check them against the canonical labels: every object a YOLO file should
list (visible, not too small, a YOLO class) is there with its class and its
tight box, and every segment polygon, filled at pixel centres (even-odd),
gives exactly the object's pixels in the instance image. The pose layout
(yolo/pose) lists the same people with their tight box and 17 COCO
keypoints, `x y v` normalised, equal to the canonical labels'.

usage: check_yolo.py DATASET   (one run, or a merged sweep; last line: "<I> images, <B> boxes, <P>
polygons exact, supervision mask IoU <mean>, <K> poses exact")
"""
import json
import sys
from pathlib import Path

import numpy as np
import supervision as sv
import yaml
from PIL import Image


def source(dataset, stem):
    """The dataset folder, camera and frame behind a YOLO file's stem:
    `<camera>_FFFFFF` in one run, `sNNNNN_<camera>_FFFFFF` in a merged
    sweep (that sample's folder under samples/)."""
    camera, frame = stem.rsplit("_", 1)
    if (dataset / "samples").is_dir():
        sample, camera = camera.split("_", 1)
        assert sample[0] == "s" and sample[1:].isdigit(), stem
        return dataset / "samples" / sample[1:], camera, frame
    return dataset, camera, frame


def expected(dataset, stem, names):
    dataset, camera, frame = source(dataset, stem)
    labels = json.loads((dataset / "labels" / f"{frame}.json").read_text())
    cam = next(c for c in labels["cameras"] if c["camera"] == camera)
    out = []
    for o in cam["objects"]:
        if o["too_small"] or o["bbox_visible_px"] is None or o["class"] not in names:
            continue
        out.append((names.index(o["class"]), o["bbox_visible_px"], o["instance_id"]))
    return camera, frame, out


def fill(poly, width, height):
    """Pixels whose centre is inside the polygon (even-odd)."""
    ys, xs = np.mgrid[0:height, 0:width]
    px, py = xs + 0.5, ys + 0.5
    inside = np.zeros((height, width), bool)
    n = len(poly)
    for i in range(n):
        (ax, ay), (bx, by) = poly[i], poly[(i + 1) % n]
        if ay == by:
            continue
        crosses = (ay > py) != (by > py)
        x_at = ax + (py - ay) * (bx - ax) / (by - ay)
        inside ^= crosses & (px < x_at)
    return inside


def check_poses(dataset):
    """Every pose line against the canonical labels: class, box, keypoints."""
    root = dataset / "yolo" / "pose"
    data = yaml.safe_load((root / "data.yaml").read_text())
    assert data["kpt_shape"] == [17, 3] and len(data["flip_idx"]) == 17, data
    names = [data["names"][i] for i in range(data["nc"])]
    poses = 0
    for rel in dict.fromkeys([data["train"], data["val"]]):
        img_dir = root / rel
        for image in sorted(img_dir.iterdir()):
            sample, camera, frame = source(dataset, image.stem)
            labels = json.loads((sample / "labels" / f"{frame}.json").read_text())
            cam = next(c for c in labels["cameras"] if c["camera"] == camera)
            w, h = Image.open(image).size
            want = [
                o for o in cam["objects"]
                if not o["too_small"] and o["bbox_visible_px"] is not None
                and o["class"] in names and o.get("keypoints_px")
            ]
            lines = (root / "labels" / img_dir.name / f"{image.stem}.txt").read_text().splitlines()
            assert len(lines) == len(want), f"pose {image.stem}: {len(lines)} lines, {len(want)} people"
            for line, o in zip(lines, want):
                v = line.split()
                assert len(v) == 5 + 17 * 3, line
                assert names[int(v[0])] == o["class"], line
                x0, y0, x1, y1 = o["bbox_visible_px"]
                cx, cy, bw, bh = (float(t) for t in v[1:5])
                assert max(abs(cx * w - (x0 + x1) / 2), abs(cy * h - (y0 + y1) / 2),
                           abs(bw * w - (x1 - x0)), abs(bh * h - (y1 - y0))) < 0.01, line
                for k, (x, y, vis) in enumerate(o["keypoints_px"]):
                    gx, gy, gv = float(v[5 + 3 * k]), float(v[6 + 3 * k]), int(v[7 + 3 * k])
                    assert gv == int(vis) and abs(gx * w - x) < 0.01 and abs(gy * h - y) < 0.01, (image.stem, k, line)
                poses += 1
    return poses


def main():
    dataset = Path(sys.argv[1])
    images = boxes = polygons = 0
    ious = []
    for kind in ["detect", "segment"]:
        root = dataset / "yolo" / kind
        data = yaml.safe_load((root / "data.yaml").read_text())
        names = [data["names"][i] for i in range(data["nc"])]
        # each images folder the yaml names, once (a single run names its
        # one split for both keys)
        for rel in dict.fromkeys([data["train"], data["val"]]):
            img_dir = root / rel
            split = img_dir.name
            assert any(img_dir.iterdir()), f"{kind}: {rel} has no images"
            ds = sv.DetectionDataset.from_yolo(
                images_directory_path=str(img_dir),
                annotations_directory_path=str(root / "labels" / split),
                data_yaml_path=str(root / "data.yaml"),
                force_masks=kind == "segment",
            )
            assert ds.classes == names, (ds.classes, names)
            for path, image, det in ds:
                stem = Path(path).stem
                camera, frame, want = expected(dataset, stem, names)
                h, w = image.shape[:2]
                assert len(det) == len(want), f"{kind} {stem}: {len(det)} objects read, {len(want)} expected"
                for (cls, box, _), got_cls, got_box in zip(want, det.class_id, det.xyxy):
                    assert cls == got_cls, f"{stem}: class {got_cls}, expected {cls}"
                    err = np.abs(np.array(box) - got_box).max()
                    assert err < 0.01, f"{stem}: box {got_box} vs {box}"
                    boxes += 1
                images += 1
                if kind != "segment" or not want:
                    continue
                sample, _, _ = source(dataset, stem)
                inst_png = sample / "cameras" / camera / "instance" / f"{frame}.png"
                if not inst_png.exists():
                    # output.instance: false: nothing to compare the outlines with
                    continue
                inst = np.array(Image.open(inst_png))
                lines = (root / "labels" / split / f"{stem}.txt").read_text().splitlines()
                for (cls, box, iid), line, mask in zip(want, lines, det.mask):
                    v = [float(t) for t in line.split()[1:]]
                    poly = [(round(x * w), round(y * h)) for x, y in zip(v[0::2], v[1::2])]
                    truth = inst == iid
                    assert (fill(poly, w, h) == truth).all(), f"{stem}: polygon of {iid} is not its pixels"
                    polygons += 1
                    ious.append((mask & truth).sum() / (mask | truth).sum())
    iou = f"{np.mean(ious):.3f}" if ious else "n/a"
    poses = check_poses(dataset)
    print(f"{images} images, {boxes} boxes, {polygons} polygons exact, supervision mask IoU {iou}, {poses} poses exact")


if __name__ == "__main__":
    main()
