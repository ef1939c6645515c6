#!/usr/bin/env python3
"""Re-read an Edgecase dataset's COCO file with pycocotools: every mask must
decode to exactly the object's pixels in the instance PNG, and its bbox must
be the mask's tight extent. Prints '<N> masks checked'; exits 1 on a mismatch."""
import json
import sys
from pathlib import Path

import numpy as np
from PIL import Image
from pycocotools import mask as mask_utils
from pycocotools.coco import COCO


def main(root: Path) -> int:
    coco = COCO(str(root / "coco" / "annotations.json"))
    checked = 0
    for ann in coco.loadAnns(coco.getAnnIds()):
        img = coco.loadImgs(ann["image_id"])[0]
        rel = img["file_name"].replace("/rgb/", "/instance/")
        instance = np.array(Image.open(root / rel)).astype(np.uint32)
        expected = instance == ann["instance_id"]
        decoded = coco.annToMask(ann).astype(bool)
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
        checked += 1
    print(f"{checked} masks checked")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1])))
