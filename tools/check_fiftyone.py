#!/usr/bin/env python3
"""Parse an Edgecase COCO file with FiftyOne's own COCO code, as its
COCODetectionDataset importer does with default settings (extra attributes
loaded, masks decoded): every annotation must become a Detection. Not run in
CI: FiftyOne is large, and its database (MongoDB, which fiftyone-db
downloads at install time) cannot be installed here, so this checks the
parse step, not a full `fo.Dataset.from_dir`. An `instance_id` key fails
here exactly as it fails FiftyOne's import ("'instance_id' is a reserved
keyword for Detection objects").

    python -m venv /tmp/fo && /tmp/fo/bin/pip install fiftyone pycocotools
    /tmp/fo/bin/python tools/check_fiftyone.py DATASET/coco/annotations.json
"""
import json
import sys

import fiftyone.utils.coco as fouc


def main(path: str) -> int:
    doc = json.load(open(path))
    classes = {c["id"]: c["name"] for c in doc["categories"]}
    sizes = {i["id"]: (i["width"], i["height"]) for i in doc["images"]}
    for a in doc["annotations"]:
        obj = fouc.COCOObject.from_anno_dict(a)
        obj.to_detection(sizes[a["image_id"]], classes_map=classes, load_segmentation=True)
    print(f"fiftyone parsed {len(doc['annotations'])} annotations into Detections with masks")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
