#!/usr/bin/env python3
"""Ultralytics' own dataset checker on an Edgecase dataset's YOLO layout:
`ultralytics.data.utils.check_det_dataset` reads each data.yaml (detect,
segment and pose), and `YOLODataset` verifies every image and label file
as a training run would (its verify_image_label: corrupt files are
dropped). Every image must load, every label count, box and class must be
ours, every segment label must carry a polygon and every pose label our 17
keypoints.

Runs on a copy of yolo/ (Ultralytics writes .cache files next to the
labels). Needs the ultralytics package (it imports torch); tools/setup-debian.sh
installs it in /opt/edgecase-readers/ultralytics.

usage: check_ultralytics.py DATASET   (last line: "<I>
images, <L> labels, 0 corrupt, <C> classes (...)")
"""
import os
import shutil
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("YOLO_OFFLINE", "1")
os.environ.setdefault("YOLO_VERBOSE", "False")

import numpy as np  # noqa: E402
from ultralytics.data import YOLODataset  # noqa: E402
from ultralytics.data.utils import check_det_dataset  # noqa: E402


def our_rows(label_file):
    rows = []
    text = label_file.read_text() if label_file.exists() else ""
    for line in text.splitlines():
        v = line.split()
        rows.append((int(v[0]), [float(x) for x in v[1:5]] if len(v) == 5 else None, v))
    return rows


def main():
    dataset = Path(sys.argv[1])
    work = Path(tempfile.mkdtemp())
    shutil.copytree(dataset / "yolo", work / "yolo")
    images = labels = 0
    nc = 0
    try:
        for task in ["detect", "segment", "pose"]:
            data = check_det_dataset(str(work / "yolo" / task / "data.yaml"))
            if task == "detect":
                nc = data["nc"]
            for split in sorted({data["train"], data["val"]}):
                files = sorted([*Path(split).glob("*.png"), *Path(split).glob("*.jpg")])
                ds = YOLODataset(img_path=split, data=data, task=task, augment=False)
                assert len(ds.labels) == len(files), f"{task} {split}: {len(ds.labels)} of {len(files)} images verified"
                for lab in ds.labels:
                    stem = Path(lab["im_file"]).stem
                    ours = our_rows(Path(split.replace("images", "labels")) / f"{stem}.txt")
                    cls = lab["cls"].reshape(-1).astype(int).tolist()
                    assert cls == [r[0] for r in ours], f"{stem}: classes {cls} vs ours"
                    if task == "detect":
                        boxes = np.array([r[1] for r in ours]).reshape(-1, 4)
                        assert np.allclose(lab["bboxes"], boxes, atol=1e-6), stem
                    elif task == "pose":
                        want = np.array([[float(x) for x in r[2][5:]] for r in ours]).reshape(-1, 17, 3)
                        assert lab["keypoints"].shape == want.shape, (stem, lab["keypoints"].shape)
                        assert np.allclose(lab["keypoints"], want, atol=1e-6), stem
                        assert np.allclose(lab["bboxes"], np.array([[float(x) for x in r[2][1:5]] for r in ours]).reshape(-1, 4), atol=1e-6), stem
                    else:
                        assert len(lab["segments"]) == len(cls), f"{stem}: a label without its polygon"
                    labels += len(cls)
                images += len(files)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print(f"{images} images, {labels} labels, 0 corrupt, {nc} classes (Ultralytics check_det_dataset + YOLODataset)")


if __name__ == "__main__":
    main()
