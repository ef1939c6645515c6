#!/usr/bin/env python3
"""Re-read an Edgecase dataset's nuScenes folder with nuscenes-devkit: the
tables load (NuScenes), every object a camera or LiDAR labels is annotated
once per sample, a sample renders (every channel, with boxes), the
lidarseg labels load with one label per point, and nuScenes' detection
evaluation, the ground truth submitted as predictions (velocities from the
devkit's own box_velocity, attributes from the annotations), gives mAP 1.0
and NDS 1.0 over the detection classes the dataset contains (the
predictions are the annotations the evaluator keeps: with a LiDAR return);
a one-sample dataset has no velocities, which the evaluation scores as the
worst velocity error (NDS 0.9): checked as such. Annotations: one per
labeled object and sample, and a second one for an object labeled in one
sample only (in the next sample, else the previous, within 1.5 s).

Run it with nuscenes-devkit's own pins (NumPy < 2: its renderer fails on
NumPy 2): tools/setup-debian.sh puts it in a virtual environment,
/opt/edgecase-readers/nuscenes.

The devkit's split lists name nuScenes' own scenes: Edgecase's scenes are
given to it as the "val" split here.

usage: check_nuscenes.py DATASET   (last line: "<S> samples, <A>
annotations, <P> lidarseg points, classes <...>, mAP <m>, NDS <n>")
"""
import json
import sys
import tempfile
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import numpy as np  # noqa: E402
from nuscenes.eval.common import loaders  # noqa: E402
from nuscenes.eval.common.config import config_factory  # noqa: E402
from nuscenes.eval.detection.evaluate import DetectionEval  # noqa: E402
from nuscenes.eval.detection.utils import category_to_detection_name  # noqa: E402
from nuscenes.nuscenes import NuScenes  # noqa: E402


def main():
    dataroot = Path(sys.argv[1]).resolve() / "nuscenes"
    work = Path(tempfile.mkdtemp())
    nusc = NuScenes(version="v1.0-trainval", dataroot=str(dataroot), verbose=False)
    assert len(nusc.scene) == 1 and len(nusc.sample) > 0

    # every object a camera or a LiDAR labels is annotated once per sample
    # (a ridden bicycle is inside its rider's box); a sample is a frame
    # LIDAR_TOP (the first LiDAR) delivered, and each channel has a
    # sample_data in the samples its sensor delivered
    want = 0
    samples = []
    seen_in = {}
    delivered = {}
    for path in sorted((dataroot.parent / "labels").glob("*.json")):
        frame = json.loads(path.read_text())
        lidars = frame.get("lidars", [])
        if lidars and lidars[0].get("dropped"):
            continue
        samples.append(round(frame["time_s"] * 1e6))
        for s in frame["cameras"] + lidars:
            name = s.get("camera", s.get("lidar"))
            delivered[name] = delivered.get(name, 0) + (not s.get("dropped", False))
        objects = [o for c in frame["cameras"] for o in c["objects"]]
        objects += [o for l in frame.get("lidars", []) for o in l["objects"]]
        ids = {o["instance_id"] for o in objects if not (o["class"] == "bicycle" and o.get("rider_instance_id"))}
        want += len(ids)
        for i in ids:
            seen_in.setdefault(i, []).append(len(samples) - 1)
    # an instance labeled in one sample only is annotated in a second one
    # too (the next, else the previous, within the 1.5 s the devkit takes
    # a velocity over), with no LiDAR points: else its velocity is undefined
    for at in seen_in.values():
        if len(at) == 1:
            k = at[0]
            near = [j for j in (k + 1, k - 1) if 0 <= j < len(samples) and abs(samples[j] - samples[k]) <= 1_500_000]
            want += bool(near)
    assert len(nusc.sample_annotation) == want, (len(nusc.sample_annotation), want)
    assert len(nusc.sample) == len(samples), (len(nusc.sample), len(samples))
    per_channel = {}
    for sd in nusc.sample_data:
        per_channel[sd["channel"]] = per_channel.get(sd["channel"], 0) + 1
    assert sorted(per_channel.values()) == sorted(n for n in delivered.values() if n), (per_channel, delivered)

    # a sample renders: every channel, with its boxes
    sample = nusc.sample[len(nusc.sample) // 2]
    out = work / "sample.png"
    nusc.render_sample(sample["token"], out_path=str(out), verbose=False)
    assert out.stat().st_size > 10_000

    # lidarseg: one label per point of every LiDAR sweep
    points = 0
    for seg in getattr(nusc, "lidarseg", []):
        sd = nusc.get("sample_data", seg["sample_data_token"])
        labels = np.fromfile(dataroot / seg["filename"], dtype=np.uint8)
        cloud = np.fromfile(dataroot / sd["filename"], dtype=np.float32).reshape(-1, 5)
        assert len(labels) == len(cloud), seg["filename"]
        assert labels.max(initial=0) < len(nusc.category)
        points += len(labels)

    if not any(s["channel"] == "LIDAR_TOP" for s in nusc.sensor):
        # the detection evaluation measures ranges from LIDAR_TOP
        print(f"{len(nusc.sample)} samples, {len(nusc.sample_annotation)} annotations, no LiDAR: loaded and rendered, not evaluated")
        return

    # detection: the ground truth as predictions
    results = {}
    present = set()
    for s in nusc.sample:
        boxes = []
        for ann_token in s["anns"]:
            ann = nusc.get("sample_annotation", ann_token)
            name = category_to_detection_name(ann["category_name"])
            # the evaluator drops ground truth no LiDAR return hits: so do
            # the predictions made of it
            if name is None or ann["num_lidar_pts"] == 0:
                continue
            attrs = [nusc.get("attribute", t)["name"] for t in ann["attribute_tokens"]]
            boxes.append({
                "sample_token": s["token"],
                "translation": ann["translation"],
                "size": ann["size"],
                "rotation": ann["rotation"],
                "velocity": list(nusc.box_velocity(ann_token)[:2]),
                "detection_name": name,
                "detection_score": 1.0,
                "attribute_name": attrs[0] if attrs else "",
            })
            present.add(name)
        results[s["token"]] = boxes
    meta = {"use_camera": False, "use_lidar": True, "use_radar": False, "use_map": False, "use_external": False}
    result_path = work / "results.json"
    result_path.write_text(json.dumps({"meta": meta, "results": results}))
    if not present:
        print(f"{len(nusc.sample)} samples, {len(nusc.sample_annotation)} annotations, {points} lidarseg points, "
              "no detection class with LiDAR returns: not evaluated")
        return
    # the evaluation averages over the classes named; the dataset's own
    # (class_range keeps all ten: the evaluator looks every box up in it)
    config = config_factory("detection_cvpr_2019")
    config.class_names = [k for k in config.class_range if k in present]
    scenes = [sc["name"] for sc in nusc.scene]
    loaders.create_splits_scenes = lambda verbose=False: {"val": scenes}
    ev = DetectionEval(nusc, config, str(result_path), eval_set="val", output_dir=str(work), verbose=False)
    # a class whose every box lies past its evaluation range (a truck 60 m
    # out: 50 m) has no ground truth left, and the devkit scores it AP 0
    in_range = {b.detection_name for tok in ev.sample_tokens for b in ev.gt_boxes[tok]}
    if not in_range:
        print(f"{len(nusc.sample)} samples, {len(nusc.sample_annotation)} annotations, {points} lidarseg points, "
              "no detection box within the evaluation's class ranges: not evaluated")
        return
    config.class_names = [k for k in config.class_names if k in in_range]
    present &= in_range
    metrics, _ = ev.evaluate()
    summary = metrics.serialize()
    mean_ap, nds = summary["mean_ap"], summary["nd_score"]
    if len(nusc.sample) == 1:
        # one sample: the devkit takes velocities from an instance's
        # neighbouring annotations, so none is defined, and it scores every
        # class's velocity error 1 (the worst) even against itself
        # (NDS 0.9: the velocity term is a tenth of it)
        errors = {k: v for k, v in summary["tp_errors"].items() if k != "vel_err"}
        assert summary["tp_errors"]["vel_err"] == 1.0 and max(errors.values()) == 0.0, summary["tp_errors"]
        assert abs(mean_ap - 1.0) < 1e-9 and abs(nds - 0.9) < 1e-9, f"mAP {mean_ap} NDS {nds}"
    else:
        assert abs(mean_ap - 1.0) < 1e-9 and abs(nds - 1.0) < 1e-9, json.dumps(summary["tp_errors"]) + f" mAP {mean_ap} NDS {nds}"
    print(
        f"{len(nusc.sample)} samples, {len(nusc.sample_annotation)} annotations, {points} lidarseg points, "
        f"classes {' '.join(sorted(present))}, mAP {mean_ap:.3f}, NDS {nds:.3f}"
    )


if __name__ == "__main__":
    main()
