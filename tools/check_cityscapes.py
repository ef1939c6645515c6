#!/usr/bin/env python3
"""Re-read an Edgecase dataset's Cityscapes layout and COCO panoptic files
with cityscapesscripts' own evaluators, ground truth submitted as the
prediction: pixel-level (IoU per class) and instance-level (AP) scores of
the gtFine images, and panoptic quality (its port of panopticapi's
pq_compute) of coco/panoptic.json, must all be 1.0. Also: every labeled
object of a Cityscapes instance class is one instance in _instanceIds with
its visible pixel count, and the polygons drawn by cityscapesscripts'
json2labelImg agree with _labelIds on most pixels (it draws outlines
inclusive of their edge pixels).

usage: check_cityscapes.py DATASET   (last line: "<I> images, IoU <x>, AP
<y>, PQ <z>, <N> instances, polygons agree on <p>% of pixels")
"""
import contextlib
import io
import json
import os
import sys
import tempfile
from pathlib import Path

import numpy as np
from PIL import Image

# cityscapesscripts 2.3.0 (the last release) calls np.in1d, which NumPy 2.4
# removed: put it back for it
if not hasattr(np, "in1d"):
    np.in1d = lambda a, b, **kw: np.isin(a, b, **kw).ravel()
from cityscapesscripts.evaluation import evalInstanceLevelSemanticLabeling as inst_eval
from cityscapesscripts.evaluation import evalPixelLevelSemanticLabeling as pixel_eval
from cityscapesscripts.evaluation.evalPanopticSemanticLabeling import evaluatePanoptic
from cityscapesscripts.preparation.json2labelImg import json2labelImg


def write_dict_to_json(d, path):
    # csHelpers.writeDict2JSON cannot serialise the NumPy 2 integers the
    # evaluator puts in its matches; the same file, NumPy-aware
    with open(path, "w") as f:
        json.dump(d, f, default=lambda o: o.item() if hasattr(o, "item") else o.__dict__, sort_keys=True, indent=4)


inst_eval.writeDict2JSON = write_dict_to_json


def main():
    dataset = Path(sys.argv[1]).resolve()
    gt_label_ids = sorted((dataset / "cityscapes" / "gtFine").glob("*/*/*_gtFine_labelIds.png"))
    assert gt_label_ids, "no gtFine images"
    work = Path(tempfile.mkdtemp())
    os.chdir(work)  # the instance evaluator writes matches.json here
    quiet = io.StringIO()

    # pixel level: ground truth as prediction
    args = pixel_eval.args
    args.quiet, args.JSONOutput = True, False
    with contextlib.redirect_stdout(quiet):
        px = pixel_eval.evaluateImgLists([str(p) for p in gt_label_ids], [str(p) for p in gt_label_ids], args)
    iou = px["averageScoreClasses"]
    assert iou == 1.0, px["classScores"]

    # instance level: every instance of the instanceIds as a predicted mask
    pred_dir = work / "pred"
    pred_dir.mkdir()
    gt_instance_ids = [str(p).replace("labelIds", "instanceIds") for p in gt_label_ids]
    preds = []
    instances = 0
    for k, gt in enumerate(gt_instance_ids):
        ids = np.array(Image.open(gt))
        lines = []
        for v in np.unique(ids[ids >= 1000]):
            mask = f"{k}_{v}.png"
            Image.fromarray(((ids == v) * 255).astype(np.uint8)).save(pred_dir / mask)
            lines.append(f"{mask} {v // 1000} 1.0\n")
            instances += 1
        txt = pred_dir / f"{k}.txt"
        txt.write_text("".join(lines))
        preds.append(str(txt))
    args = inst_eval.args
    args.quiet, args.JSONOutput, args.colorized = True, False, False
    args.predictionPath = str(pred_dir)
    args.gtInstancesFile = str(work / "gtInstances.json")
    ap = None
    if instances:
        with contextlib.redirect_stdout(quiet):
            ap = inst_eval.evaluateImgLists(preds, gt_instance_ids, args)["averages"]["allAp"]
        if np.isnan(ap):
            # the evaluator ignores ground truth under 100 px (minRegionSizes)
            largest = max(int((np.array(Image.open(g)) == v).sum()) for g in gt_instance_ids
                          for v in np.unique(np.array(Image.open(g))) if v >= 1000)
            assert largest < 100, f"AP nan with an instance of {largest} px"
            ap = None
        else:
            assert ap == 1.0, ap

    # the instances are the labels' objects, pixel for pixel
    for gt in gt_instance_ids:
        name = Path(gt).name
        frame = name.split("_")[2]
        labels = json.loads((dataset / "labels" / f"{frame}.json").read_text())
        ids = np.array(Image.open(gt))
        city = Path(gt).parent.name
        cam = next(c for c in labels["cameras"] if "".join(ch for ch in c["camera"] if ch.isalnum()) == city)
        for o in cam["objects"]:
            if o["class_id"] in (36, 37):  # animal, debris: Cityscapes "dynamic"
                assert not (ids == o["instance_id"]).any()
                continue
            assert (ids == o["instance_id"]).sum() == o["visible_pixels"], (name, o["instance_id"])

    # panoptic quality of coco/panoptic.json against itself
    coco = dataset / "coco"
    pq = None
    try:
        if not (coco / "panoptic.json").exists():
            raise LookupError("the Panoptic format was not asked for")
        with contextlib.redirect_stdout(quiet):
            pq = evaluatePanoptic(
                str(coco / "panoptic.json"), str(coco / "panoptic"),
                str(coco / "panoptic.json"), str(coco / "panoptic"), str(work / "pq.json"),
            )["All"]["pq"]
        assert pq == 1.0, pq
    except ZeroDivisionError:
        # pq_average divides by the number of thing (or stuff) categories seen
        doc = json.loads((coco / "panoptic.json").read_text())
        things = {c["id"] for c in doc["categories"] if c["isthing"]}
        seen = {s["category_id"] for a in doc["annotations"] for s in a["segments_info"]}
        assert not (seen & things) or not (seen - things), "PQ failed with things and stuff present"
    except LookupError:
        pass

    # polygons: redrawn by cityscapesscripts, against the labelIds
    agree = total = 0
    for p in gt_label_ids:
        poly = str(p).replace("_labelIds.png", "_polygons.json")
        out = work / "drawn.png"
        json2labelImg(poly, str(out), "ids")
        drawn, truth = np.array(Image.open(out)), np.array(Image.open(p))
        agree += (drawn == truth).sum()
        total += truth.size
    print(
        f"{len(gt_label_ids)} images, IoU {iou:.3f}, AP {'n/a' if ap is None else f'{ap:.3f}'}, PQ {'n/a' if pq is None else f'{pq:.3f}'}, {instances} instances, "
        f"polygons agree on {100 * agree / total:.1f}% of pixels"
    )


if __name__ == "__main__":
    main()
