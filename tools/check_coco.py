#!/usr/bin/env python3
"""Re-read an Edgecase dataset's COCO file with pycocotools: every mask must
decode to exactly the object's pixels in the instance PNG, and its bbox must
be the mask's tight extent. Then COCOeval (bbox and segm) scores a detector
that finds every object except those flagged too small: those are crowd
regions (iscrowd 1), which the evaluator ignores, so AP must be 1.0.
People's keypoints: every one marked visible (v=2) must fall on the
person's own mask, and COCOeval's keypoint task, given the ground truth as
predictions, must score AP 1.0.
Prints the evaluation, then '<N> masks checked, <K> ignored, <P> people
with keypoints, categories: <names>' as the last line; exits 1 on a mismatch."""
import contextlib
import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval


def main(root: Path) -> int:
    coco = COCO(str(root / "coco" / "annotations.json"))
    checked = 0
    keypoints_checked = 0
    without_instance_images = 0
    for ann in coco.loadAnns(coco.getAnnIds()):
        img = coco.loadImgs(ann["image_id"])[0]
        # the instance image beside the rgb file (PNG or JPEG)
        rel = str(Path(img["file_name"].replace("/rgb/", "/instance/")).with_suffix(".png"))
        decoded = coco.annToMask(ann).astype(bool)
        if (root / rel).exists():
            instance = np.array(Image.open(root / rel)).astype(np.uint32)
            expected = instance == ann["edgecase_instance_id"]
        else:
            # output.instance: false; the mask is checked against its own
            # box, area and keypoints only
            expected = decoded
            without_instance_images += 1
        if decoded.shape != expected.shape or not np.array_equal(decoded, expected):
            print(f"mask mismatch: annotation {ann['id']} ({rel})")
            return 1
        if int(mask_utils.area(ann["segmentation"])) != ann["area"] or ann["area"] != int(expected.sum()):
            print(f"area mismatch: annotation {ann['id']}")
            return 1
        ys, xs = np.nonzero(expected)
        tight = [float(xs.min()), float(ys.min()), float(xs.max() - xs.min() + 1), float(ys.max() - ys.min() + 1)]
        if list(mask_utils.toBbox(ann["segmentation"])) != tight or ann["bbox"] != tight:
            print(f"bbox mismatch: annotation {ann['id']}: {ann['bbox']} vs {tight}")
            return 1
        if "instance_id" in ann:
            print(f"annotation {ann['id']} uses the key instance_id (FiftyOne reserves it)")
            return 1
        if bool(ann["iscrowd"]) != bool(ann["too_small"]):
            print(f"annotation {ann['id']}: iscrowd {ann['iscrowd']} but too_small {ann['too_small']}")
            return 1
        if "keypoints" in ann:
            kp = ann["keypoints"]
            if len(kp) != 51 or ann["num_keypoints"] != sum(1 for v in kp[2::3] if v > 0):
                print(f"annotation {ann['id']}: keypoints malformed")
                return 1
            # a keypoint marked visible lies on the person's own mask
            for x, y, v in zip(kp[0::3], kp[1::3], kp[2::3]):
                if v == 2 and not expected[int(y), int(x)]:
                    print(f"annotation {ann['id']}: visible keypoint ({x}, {y}) off its mask")
                    return 1
            keypoints_checked += 1
        checked += 1
    found = [a for a in coco.loadAnns(coco.getAnnIds()) if not a["iscrowd"]]
    ignored = len(coco.getAnnIds()) - len(found)
    if found:
        dets = [
            {"image_id": a["image_id"], "category_id": a["category_id"], "bbox": a["bbox"],
             "segmentation": a["segmentation"], "score": 1.0}
            for a in found
        ]
        for kind in ("bbox", "segm"):
            with contextlib.redirect_stdout(io.StringIO()):
                ev = COCOeval(coco, coco.loadRes(dets), kind)
                ev.evaluate()
                ev.accumulate()
                ev.summarize()
            ap, ap50 = ev.stats[0], ev.stats[1]
            print(f"{kind} AP {ap:.4f} AP50 {ap50:.4f} ({len(found)} found, {ignored} ignored)")
            if abs(ap - 1.0) > 1e-9:
                print(f"{kind} AP {ap} != 1.0 for a detector that finds every labeled object")
                return 1
        posed = [a for a in found if a.get("num_keypoints", 0) > 0]
        if posed:
            kps = [dict(d, keypoints=a["keypoints"]) for d, a in zip(dets, found) if a.get("num_keypoints", 0) > 0]
            with contextlib.redirect_stdout(io.StringIO()):
                ev = COCOeval(coco, coco.loadRes(kps), "keypoints")
                ev.evaluate()
                ev.accumulate()
                ev.summarize()
            ap = ev.stats[0]
            print(f"keypoints AP {ap:.4f} ({len(posed)} people with keypoints)")
            if abs(ap - 1.0) > 1e-9:
                print(f"keypoints AP {ap} != 1.0 for the ground truth as predictions")
                return 1
    used = sorted({c["name"] for c in coco.loadCats(coco.getCatIds()) if coco.getAnnIds(catIds=[c["id"]])})
    if without_instance_images:
        print(f"{without_instance_images} masks had no instance image to compare with (output.instance: false)")
    print(f"{checked} masks checked, {ignored} ignored, {keypoints_checked} people with keypoints, categories: {','.join(used)}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
