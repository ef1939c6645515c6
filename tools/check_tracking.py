#!/usr/bin/env python3
"""Re-read an Edgecase dataset's tracking files: each camera's MOTChallenge
gt.txt with py-motmetrics' own reader (`motmetrics.io.loadtxt`, MOT 2D
format), scored against itself (MOTA, IDF1 must be 1.0 with no switches),
and its tracks against the canonical labels (one track per instance id, a
row for every object seen); the KITTI-tracking label files against the
same labels (frame, track id = instance id, 17 fields). Both layouts are
then scored by TrackEval (the MOTChallenge and KITTI benchmarks' HOTA
evaluator) with the ground truth as the tracker: HOTA, MOTA and IDF1 1.0
for every class it evaluates that the dataset has (MOT17 pedestrians;
KITTI cars and pedestrians).

usage: check_tracking.py DATASET   (last line: "<C> cameras, <R> MOT rows,
<T> tracks, <K> KITTI-tracking rows, MOTA <m>, HOTA <h>")
"""
import configparser
import contextlib
import io
import json
import math
import sys
import tempfile
from pathlib import Path

import motmetrics as mm
import numpy as np
import trackeval

# py-motmetrics 1.4.0 (the last release) calls np.asfarray, which NumPy 2
# removed: put it back for it
if not hasattr(np, "asfarray"):
    np.asfarray = lambda a, dtype=float: np.asarray(a, dtype=dtype)


def mot_score(gt, camera):
    """The ground truth scored against itself: MOTA (IDF1 1, no switches)."""
    acc = mm.MOTAccumulator(auto_id=False)
    for frame, group in gt.groupby(level=0):
        ids = group.index.get_level_values(1).tolist()
        boxes = group[["X", "Y", "Width", "Height"]].values
        dist = mm.distances.iou_matrix(boxes, boxes, max_iou=0.5)
        acc.update(ids, ids, dist, frameid=frame)
    summary = mm.metrics.create().compute(acc, metrics=["mota", "idf1", "num_switches"], name=camera)
    mota, idf1, switches = summary.loc[camera, ["mota", "idf1", "num_switches"]]
    assert mota == 1.0 and idf1 == 1.0 and switches == 0, summary
    return mota


def trackeval_scores(dataset, cameras):
    """TrackEval on the dataset's two layouts as they are (GT_FOLDER
    pointed at them; the sequence lists it reads are the dataset's own),
    the tracker being the ground truth rows each benchmark evaluates, in
    its tracker format. Returns the HOTA of every class evaluated."""
    with tempfile.TemporaryDirectory() as tmp:
        return trackeval_in(dataset, cameras, Path(tmp))


def trackeval_in(dataset, cameras, work):
    """`trackeval_scores` with its tracker files under `work`."""
    config = trackeval.Evaluator.get_default_eval_config()
    config.update({"PRINT_RESULTS": False, "PRINT_CONFIG": False, "TIME_PROGRESS": False,
                   "OUTPUT_SUMMARY": False, "OUTPUT_DETAILED": False, "PLOT_CURVES": False,
                   "USE_PARALLEL": False})
    metrics = [trackeval.metrics.HOTA(), trackeval.metrics.CLEAR(), trackeval.metrics.Identity()]
    scores = {}

    def evaluate(dataset_class, dataset_config, classes):
        with contextlib.redirect_stdout(io.StringIO()):
            res, msg = trackeval.Evaluator(config).evaluate([dataset_class(dataset_config)], metrics)
        name = dataset_class.__name__
        assert msg[name]["gt"] == "Success", msg
        for c in classes:
            r = res[name]["gt"]["COMBINED_SEQ"][c]
            hota, mota, idf1 = float(np.mean(r["HOTA"]["HOTA"])), r["CLEAR"]["MOTA"], r["Identity"]["IDF1"]
            assert abs(hota - 1) < 1e-9 and abs(mota - 1) < 1e-9 and abs(idf1 - 1) < 1e-9, (name, c, hota, mota, idf1)
            scores[f"{name} {c}"] = hota

    # MOTChallenge: MOT17 evaluates pedestrians (class 1) not zero-marked
    mot = dataset / "tracking" / "mot"
    assert (mot / "seqmaps" / "MOT17-train.txt").read_text().split() == ["name"] + cameras
    data = work / "mot_trackers" / "gt" / "data"
    data.mkdir(parents=True)
    pedestrians = 0
    for camera in cameras:
        rows = [r.split(",") for r in (mot / camera / "gt" / "gt.txt").read_text().split()]
        mine = [r[:6] + ["1", "-1", "-1", "-1"] for r in rows if r[7] == "1" and r[6] == "1"]
        pedestrians += len(mine)
        (data / f"{camera}.txt").write_text("".join(",".join(r) + "\n" for r in mine))
    if pedestrians:
        mot_config = trackeval.datasets.MotChallenge2DBox.get_default_dataset_config()
        mot_config.update({"GT_FOLDER": str(mot), "TRACKERS_FOLDER": str(work / "mot_trackers"),
                           "SKIP_SPLIT_FOL": True, "PRINT_CONFIG": False})
        evaluate(trackeval.datasets.MotChallenge2DBox, mot_config, ["pedestrian"])

    # KITTI tracking: cars and pedestrians (vans and persons sitting are
    # their distractors); the devkit's seqmap names each sequence's length
    kitti = dataset / "tracking" / "kitti" / "training"
    seqmap = (kitti / "evaluate_tracking.seqmap.training").read_text().splitlines()
    present = set()
    data = work / "kitti_trackers" / "gt" / "data"
    data.mkdir(parents=True)
    # every frame's ground truth, dropped camera frames (no image) included
    frames = len(list((dataset / "labels").glob("*.json")))
    for ci in range(len(cameras)):
        seq = f"{ci:04d}"
        assert seqmap[ci] == f"{seq} empty 000000 {frames:06d}", (seqmap, frames)
        out = []
        for line in (kitti / "label_02" / f"{seq}.txt").read_text().splitlines():
            fields = line.split(" ")
            if fields[2] in ("Car", "Van", "Pedestrian", "Person_sitting"):
                out.append(" ".join(fields + ["1.0"]) + "\n")
                # a class is scored where TrackEval keeps a ground-truth row
                # (truncation level 0, occlusion <= 2); truncated rows are
                # its ignore regions
                if int(fields[3]) == 0 and int(fields[4]) <= 2:
                    present |= {"Car": {"car"}, "Pedestrian": {"pedestrian"}}.get(fields[2], set())
        (data / f"{seq}.txt").write_text("".join(out))
    assert len(seqmap) == len(cameras), seqmap
    if present:
        kitti_config = trackeval.datasets.Kitti2DBox.get_default_dataset_config()
        kitti_config.update({"GT_FOLDER": str(kitti), "TRACKERS_FOLDER": str(work / "kitti_trackers"),
                             "CLASSES_TO_EVAL": sorted(present), "PRINT_CONFIG": False})
        evaluate(trackeval.datasets.Kitti2DBox, kitti_config, sorted(present))
    return scores


def check_oxts_and_calib(dataset, frames, ci):
    """KITTI-tracking's GPS/IMU file read as KITTI's devkit (pykitti's
    pose_from_oxts_packet) reads it: the Mercator poses, relative to the
    first frame, retrace the ego's ENU path within 1 cm and its heading;
    the sequence's calib has KITTI's seven rows."""
    root = dataset / "tracking" / "kitti" / "training"
    lines = (root / "oxts" / f"{ci:04d}.txt").read_text().splitlines()
    assert len(lines) == len(frames), f"{len(lines)} oxts lines for {len(frames)} frames"
    er = 6378137.0
    packets = [[float(v) for v in line.split()] for line in lines]
    assert all(len(p) == 30 for p in packets)
    scale = math.cos(packets[0][0] * math.pi / 180.0)

    def mercator(p):
        tx = scale * p[1] * math.pi * er / 180.0
        ty = scale * er * math.log(math.tan((90.0 + p[0]) * math.pi / 360.0))
        return tx, ty

    x0, y0 = mercator(packets[0])
    e0, n0 = frames[0]["ego"]["position_m"][:2]
    worst = 0.0
    for p, f in zip(packets, frames):
        x, y = mercator(p)
        e, n = f["ego"]["position_m"][:2]
        worst = max(worst, abs((x - x0) - (e - e0)), abs((y - y0) - (n - n0)))
        assert abs(p[5] - f["ego"]["yaw_rad"]) < 1e-9, "yaw"
    assert worst < 0.01, f"oxts poses off the ego's path by {worst:.4f} m"
    keys = [line.split(":")[0] for line in (root / "calib" / f"{ci:04d}.txt").read_text().splitlines()]
    assert keys[:7] == ["P0", "P1", "P2", "P3", "R0_rect", "Tr_velo_to_cam", "Tr_imu_to_velo"], keys
    return worst


def main():
    dataset = Path(sys.argv[1])
    labels = sorted((dataset / "labels").glob("*.json"))
    frames = [json.loads(p.read_text()) for p in labels]
    cameras = [c["camera"] for c in frames[0]["cameras"]]
    rows = tracks = kitti_rows = 0
    motas = []
    for ci, camera in enumerate(cameras):
        seq = dataset / "tracking" / "mot" / camera
        info = configparser.ConfigParser()
        info.read(seq / "seqinfo.ini")
        assert int(info["Sequence"]["seqLength"]) == len(frames)
        gt = mm.io.loadtxt(str(seq / "gt" / "gt.txt"), fmt="mot15-2D", min_confidence=-1)
        # every object seen in this camera is a row of its frame, id = instance id
        want = {
            (f["frame"] + 1, o["instance_id"])
            for f in frames
            for o in f["cameras"][ci]["objects"]
            if o["visible_pixels"] > 0
        }
        got = set(gt.index.tolist())
        assert got == want, f"{camera}: {len(got ^ want)} rows differ from the labels"
        rows += len(gt)
        tracks += gt.index.get_level_values(1).nunique()
        if len(gt) > 0:
            motas.append(mot_score(gt, camera))
        # KITTI-tracking: frame, track id, then a KITTI row
        ids_by_frame = {}
        for line in (dataset / "tracking" / "kitti" / "training" / "label_02" / f"{ci:04d}.txt").read_text().splitlines():
            fields = line.split(" ")
            assert len(fields) == 17, line
            frame, track, kind = int(fields[0]), int(fields[1]), fields[2]
            assert (track == -1) == (kind == "DontCare"), line
            # KITTI tracking's truncation is an integer level (-1 DontCare,
            # 0 inside the image, 1 partly outside, 2 wholly), as its devkit
            # and TrackEval read it with int()
            level = int(fields[3])
            assert fields[3] == str(level) and level in (-1, 0, 1, 2), line
            if track >= 0:
                o = next(o for o in frames[frame]["cameras"][ci]["objects"] if o["instance_id"] == track)
                percent = round(o["truncation"] * 100)
                assert level == (0 if percent == 0 else 1 if percent < 100 else 2), (line, o["truncation"])
            if track >= 0:
                ids_by_frame.setdefault(frame, set()).add(track)
            kitti_rows += 1
        for f in frames:
            listed = {o["instance_id"] for o in f["cameras"][ci]["objects"] if o["kitti_type"]}
            assert ids_by_frame.get(f["frame"], set()) <= listed, f"frame {f['frame']}: unknown track ids"
        oxts_error = check_oxts_and_calib(dataset, frames, ci)
    mota = f"{min(motas):.3f}" if motas else "n/a"
    hotas = trackeval_scores(dataset, cameras)
    hota = f"{min(hotas.values()):.3f}" if hotas else "n/a"
    print(f"KITTI-tracking oxts: devkit Mercator poses within {oxts_error * 1000:.3f} mm of the ego path; calib per sequence")
    print(f"TrackEval, the ground truth as the tracker: {', '.join(f'{k} HOTA {v:.3f}' for k, v in hotas.items()) or 'no class it evaluates'}")
    print(f"{len(cameras)} cameras, {rows} MOT rows, {tracks} tracks, {kitti_rows} KITTI-tracking rows, MOTA {mota}, HOTA {hota}")


if __name__ == "__main__":
    main()
