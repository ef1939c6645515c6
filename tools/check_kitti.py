#!/usr/bin/env python3
"""KITTI object detection scored by the KITTI benchmark's evaluator, ground
truth against itself: every AP must be 100.

The evaluator is the Python port of KITTI's devkit (evaluate_object.cpp)
that OpenPCDet and MMDetection3D score KITTI with, as MMDetection3D's wheel
ships it (mmdet3d 1.4.0, mmdet3d/evaluation/functional/kitti_utils, loaded
from the installed wheel by path: the package itself would pull in torch).
Its rotated-box overlaps (BEV and 3D) are numba CUDA kernels: they run in
numba's CUDA simulator on a machine without a GPU (NUMBA_ENABLE_CUDASIM=1,
set below before numba loads).

The labels are read as MMDetection3D's `get_label_anno` reads
kitti/training/label_2 (dimensions reordered h w l -> l h w, DontCare
rows kept for the evaluator's ignore regions), each file once as ground
truth and once as detections with distinct scores. For every class KITTI
scores (Car, Pedestrian, Cyclist) and difficulty (easy, moderate, hard:
box height, occlusion and truncation limits) that holds a ground-truth
box, at both of the evaluator's overlap settings, the evaluator's own
precision-recall curve (2D, BEV and 3D) must have recall 1 and precision 1
at every score threshold it samples, and AOS 1: every box is found and
nothing else. (AP itself reaches 100 only from 40 boxes of a class and
difficulty on: the evaluator samples at most one threshold per box.)

    /opt/edgecase-readers/kitti/bin/python tools/check_kitti.py DATASET

Last line: "<N> frames, <M> boxes, classes <...>: recall and precision 1 ... AP40 <min>..<max>".
"""

import glob
import importlib.util
import os
import sys

os.environ["NUMBA_ENABLE_CUDASIM"] = "1"  # before numba is imported

import numpy as np  # noqa: E402

# the classes KITTI scores (vans and people sitting are the cars' and
# pedestrians' neighbours: neither found nor missed)
CLASSES = ["Car", "Pedestrian", "Cyclist"]
# KITTI's difficulties: minimum box height px, maximum occlusion level and truncation
DIFFICULTIES = [("easy", 40, 0, 0.15), ("moderate", 25, 1, 0.30), ("hard", 25, 2, 0.50)]


def kitti_utils():
    """mmdet3d's kitti_utils package, loaded by path from the installed wheel."""
    for site in sys.path:
        path = os.path.join(site, "mmdet3d", "evaluation", "functional", "kitti_utils")
        if os.path.isfile(os.path.join(path, "__init__.py")):
            spec = importlib.util.spec_from_file_location(
                "kitti_utils", os.path.join(path, "__init__.py"), submodule_search_locations=[path])
            module = importlib.util.module_from_spec(spec)
            sys.modules["kitti_utils"] = module
            spec.loader.exec_module(module)
            return module
    sys.exit("mmdet3d 1.4.0 is not installed (pip install --no-deps mmdet3d==1.4.0 numba)")


def label_anno(path):
    """One label_2 file as MMDetection3D's get_label_anno reads it."""
    rows = [line.strip().split(" ") for line in open(path) if line.strip()]
    for r in rows:
        assert len(r) == 15, f"{path}: {len(r)} fields in {' '.join(r)}"
    num = lambda a, b: np.array([[float(v) for v in r[a:b]] for r in rows]).reshape(-1, b - a)  # noqa: E731
    return {
        "name": np.array([r[0] for r in rows]),
        "truncated": num(1, 2)[:, 0],
        "occluded": num(2, 3)[:, 0].astype(int),
        "alpha": num(3, 4)[:, 0],
        "bbox": num(4, 8),
        "dimensions": num(8, 11)[:, [2, 0, 1]],
        "location": num(11, 14),
        "rotation_y": num(14, 15)[:, 0],
        "score": np.ones(len(rows)),
    }


def scored_pairs(annos):
    """(class, difficulty) pairs holding a ground-truth box."""
    pairs = set()
    for a in annos:
        height = a["bbox"][:, 3] - a["bbox"][:, 1] if len(a["name"]) else np.zeros(0)
        for i, name in enumerate(a["name"]):
            for d, (level, min_h, max_occ, max_trunc) in enumerate(DIFFICULTIES):
                if (name in CLASSES and height[i] > min_h and a["occluded"][i] <= max_occ
                        and a["truncated"][i] <= max_trunc):
                    pairs.add((name, d))
    return pairs


def main():
    root = sys.argv[1]
    files = sorted(glob.glob(os.path.join(root, "kitti", "training", "label_2", "*.txt")))
    assert files, f"no kitti/training/label_2 in {root}"
    gt = [label_anno(f) for f in files]
    dt = [label_anno(f) for f in files]
    # distinct scores: the evaluator builds its precision-recall curve from
    # score thresholds, and boxes that all score the same give it one point
    k = 0
    for a in dt:
        a["score"] = 1.0 - 1e-6 * (k + np.arange(len(a["name"])))
        k += len(a["name"])
        # a box 0.1% smaller: the rotated-overlap kernel clips polygons,
        # and two identical boxes (every edge coincident) are its
        # degenerate case (run in the simulator it finds half the area);
        # the overlap stays ~0.997, far above every threshold (0.7, 0.5)
        a["dimensions"] = a["dimensions"] * 0.999
    pairs = scored_pairs(gt)
    boxes = sum(int(np.isin(a["name"], CLASSES).sum()) for a in gt)
    classes = sorted({c for c, _ in pairs}, key=CLASSES.index)
    if not classes:
        print(f"{len(files)} frames, {boxes} boxes, no class KITTI scores: nothing to evaluate")
        return
    ku = kitti_utils()
    ev = sys.modules["kitti_utils.eval"]
    # the evaluator's own overlap thresholds (kitti_eval's): [strict, loose] x [bbox, bev, 3d] x class
    overlap_strict = np.array([[0.7, 0.5, 0.5, 0.7, 0.5]] * 3)
    overlap_loose = np.array([[0.7, 0.5, 0.5, 0.7, 0.5], [0.5, 0.25, 0.25, 0.5, 0.25], [0.5, 0.25, 0.25, 0.5, 0.25]])
    checked = 0
    aps = []
    for cls in classes:
        c = CLASSES.index(cls)
        overlaps = np.stack([overlap_strict, overlap_loose])[:, :, [c]]
        for metric, kind in enumerate(["2D", "BEV", "3D"]):
            ret = ku.eval_class(gt, dt, [c], [0, 1, 2], metric, overlaps, compute_aos=metric == 0)
            for (_, d) in sorted(p for p in pairs if p[0] == cls):
                for j in range(2):
                    recall, precision = ret["recall"][0, d, j], ret["precision"][0, d, j]
                    filled = recall > 0
                    where = f"{cls} {DIFFICULTIES[d][0]} {kind} {['strict', 'loose'][j]}"
                    # every box found (recall 1), nothing else (precision 1) at
                    # every score threshold the evaluator samples
                    assert filled.any() and abs(recall.max() - 1) < 1e-9, f"{where}: recall {recall.max()}"
                    assert np.all(np.abs(precision[filled] - 1) < 1e-9), f"{where}: precision {precision[filled]}"
                    if metric == 0:
                        aos = ret["orientation"][0, d, j][filled]
                        assert np.all(np.abs(aos - 1) < 1e-6), f"{where}: orientation similarity {aos.min()}"
                    aps.append(ev.get_mAP40(ret["precision"][0:1, d:d + 1, j:j + 1])[0, 0, 0])
                    checked += 1
    # AP is 100 only past 40 boxes of a class and difficulty: the evaluator
    # samples at most one score threshold per ground-truth box
    print(f"{len(files)} frames, {boxes} boxes, classes {' '.join(classes)}: recall and precision 1 "
          f"(2D, BEV, 3D; AOS 1) in {checked} class/difficulty/overlap cases, AP40 {min(aps):.1f}..{max(aps):.1f}")


if __name__ == "__main__":
    main()
