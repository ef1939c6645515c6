#!/usr/bin/env python3
"""Checks an Edgecase dataset's lens cameras with OpenCV's own functions.

For every camera the manifest gives a lens (radial-tangential or
Kannala-Brandt), from the calibration as written (K_opencv, the OpenCV
distortion vector, cam_from_ego and each LiDAR's ego_from_sensor):

1. LiDAR returns projected with cv2.projectPoints / cv2.fisheye.projectPoints
   land on the pixels of the instance (things) or class (stuff) the point is
   labeled with, for >= 99% of the returns the camera sees (the depth image
   agrees with the point's depth there, as the manifest says it is held: z or
   range) within one pixel, and >= 97.5% on the very pixel (a return's own
   label is quantized at the LiDAR's resolution: pinhole cameras score the
   same on the very pixel);
2. straight lane lines (solid lane-marking stripes spanning many rows) are
   straight after undistortion with the written parameters
   (cv2.initUndistortRectifyMap / cv2.fisheye.initUndistortRectifyMap, nearest
   for labels): at most 1.5 px RMS off a line; the summary gives the figure
   before (lines through the principal point stay straight under radial
   distortion, so a meaningful test aims the camera away from them);
3. the tight box of every object equals its instance mask's extent.

Prints one summary line last: "lens: ok ...". Exit 1 on any failure.
"""
import json
import os
import sys

import cv2
import numpy as np
from PIL import Image
from dataset_labels import delivered

LANE_MARKING = 34


def fail(msg):
    print(f"FAIL: {msg}")
    sys.exit(1)


def load_png(path):
    return np.array(Image.open(path))


def lidar_points(root, lidar, frame):
    pts = np.fromfile(os.path.join(root, f"lidar/{lidar}/velodyne/{frame}.bin"), dtype=np.float32)
    labels = np.fromfile(os.path.join(root, f"lidar/{lidar}/labels/{frame}.label"), dtype=np.uint32)
    pts = pts.reshape(-1, 4)[:, :3].astype(np.float64)
    return pts, labels


def project(model, pts_cam, K, D):
    """OpenCV's projection of camera-frame points (N, 3) -> (N, 2) pixels."""
    obj = pts_cam.reshape(-1, 1, 3)
    zero = np.zeros(3)
    if model == "kannala_brandt":
        uv, _ = cv2.fisheye.projectPoints(obj, zero, zero, K, D)
    else:
        uv, _ = cv2.projectPoints(obj, zero, zero, K, D)
    return uv.reshape(-1, 2)


def in_lens(model, lens, pts_cam, K, D, width, height):
    """Points whose ray lies inside the lens's field (where its model is used)."""
    r = np.linalg.norm(pts_cam[:, :2], axis=1)
    if model == "kannala_brandt":
        fov = lens["scenario"]["KannalaBrandt"].get("fov_deg", 190.0)
        theta = np.arctan2(r, pts_cam[:, 2])
        return (theta <= np.radians(fov / 2.0) - 1e-3) & (np.linalg.norm(pts_cam, axis=1) > 0.2)
    # radial-tangential: in front, no further off the axis than the image's
    # corners reach (beyond, a barrel polynomial folds back into the image)
    corners = np.array([[[0, 0]], [[width - 1, 0]], [[0, height - 1]], [[width - 1, height - 1]]], np.float64)
    und = cv2.undistortPoints(corners, K, D).reshape(-1, 2)
    limit = np.linalg.norm(und, axis=1).max() * 1.05
    z = pts_cam[:, 2]
    with np.errstate(divide="ignore", invalid="ignore"):
        tan = np.where(z > 0.2, r / z, np.inf)
    return tan <= limit


def check_projection(root, manifest, cam, frames):
    K = np.array(cam["K_opencv"], np.float64)
    model = cam["lens"]["model"]
    D = np.array(cam["lens"]["distortion_opencv"], np.float64)
    cam_from_ego = np.array(cam["cam_from_ego_4x4_row_major"], np.float64)
    depth_kind = cam["depth"]
    w, h = cam["width"], cam["height"]
    agree = agree_near = seen = in_image = 0
    for lidar in manifest["lidars"]:
        ego_from_sensor = np.array(lidar["ego_from_sensor_4x4_row_major"], np.float64)
        cam_from_sensor = cam_from_ego @ ego_from_sensor
        for frame in frames:
            record = json.load(open(os.path.join(root, f"labels/{frame}.json")))
            if not (delivered(record, lidar["name"]) and delivered(record, cam["name"])):
                continue  # a dropped sensor's frame has no files
            pts, labels = lidar_points(root, lidar["name"], frame)
            pc = pts @ cam_from_sensor[:3, :3].T + cam_from_sensor[:3, 3]
            keep = in_lens(model, cam["lens"], pc, K, D, w, h)
            pc, labels = pc[keep], labels[keep]
            if len(pc) == 0:
                continue
            uv = project(model, pc, K, D)
            # pixel-centre coordinates: pixel i spans [i - 0.5, i + 0.5)
            px = np.floor(uv + 0.5).astype(np.int64)
            inside = (px[:, 0] >= 0) & (px[:, 0] < w) & (px[:, 1] >= 0) & (px[:, 1] < h)
            px, pc, labels = px[inside], pc[inside], labels[inside]
            in_image += len(px)
            base = os.path.join(root, f"cameras/{cam['name']}")
            inst = load_png(os.path.join(base, f"instance/{frame}.png")).astype(np.int64)
            sem = load_png(os.path.join(base, f"semantic/{frame}.png")).astype(np.int64)
            # uint16 PNG (m = v / 256), else the float32 .npy (depth: [Npy32])
            png = os.path.join(base, f"depth/{frame}.png")
            if os.path.exists(png):
                depth = load_png(png).astype(np.float64) / 256.0
            else:
                depth = np.load(os.path.join(base, f"depth/{frame}.npy")).astype(np.float64)
            d_img = depth[px[:, 1], px[:, 0]]
            d_pt = np.linalg.norm(pc, axis=1) if depth_kind == "range" else pc[:, 2]
            visible = (d_img > 0) & (np.abs(d_img - d_pt) <= 0.25 + 0.02 * d_pt)
            cls = (labels & 0xFFFF).astype(np.int64)
            ins = (labels >> 16).astype(np.int64)
            pix_inst = inst[px[:, 1], px[:, 0]]
            pix_sem = sem[px[:, 1], px[:, 0]]
            same = np.where(ins > 0, pix_inst == ins, pix_sem == cls)
            # within one pixel: a return's own label comes from the LiDAR's
            # rasterized views, whose class edges (road | lane paint, kerb)
            # are quantized at the LiDAR's resolution, as for a pinhole camera
            near = same.copy()
            for dx in (-1, 0, 1):
                for dy in (-1, 0, 1):
                    x = np.clip(px[:, 0] + dx, 0, w - 1)
                    y = np.clip(px[:, 1] + dy, 0, h - 1)
                    near |= np.where(ins > 0, inst[y, x] == ins, sem[y, x] == cls)
            seen += int(visible.sum())
            agree += int((same & visible).sum())
            agree_near += int((near & visible).sum())
    if in_image < 200:
        fail(f"{cam['name']}: only {in_image} LiDAR returns fall in the image; too few to check")
    if seen < 0.5 * in_image:
        fail(f"{cam['name']}: the depth image agrees with only {seen} of {in_image} projected returns")
    rate = agree / max(seen, 1)
    rate_near = agree_near / max(seen, 1)
    if rate_near < 0.99 or rate < 0.975:
        fail(f"{cam['name']}: of {seen} visible returns {agree} ({rate:.4f}) land on their own "
             f"instance/class, {agree_near} ({rate_near:.4f}) within one pixel")
    return rate, rate_near, seen, in_image


def line_residual(mask, min_span=30):
    """Per solid stripe (a connected component spanning >= min_span pixels
    along its main direction), the RMS distance of its centres across that
    direction (per row for steep stripes, per column for shallow ones)
    from their least-squares line (trimmed: the furthest 10% left out)."""
    n, comp = cv2.connectedComponents(mask.astype(np.uint8), connectivity=8)
    out = []
    for c in range(1, n):
        ys, xs = np.nonzero(comp == c)
        steep = np.ptp(ys) >= np.ptp(xs)
        along, across = (ys, xs) if steep else (xs, ys)
        keys = np.unique(along)
        if len(keys) < min_span:
            continue
        centres = np.array([across[along == k].mean() for k in keys])
        # a cut cut short by the image edge or merged with another stripe
        # (near the vanishing point) skews its centre
        widths = np.array([np.ptp(across[along == k]) + 1 for k in keys])
        ok = widths <= np.median(widths) * 2.0 + 1
        if ok.sum() < min_span:
            continue
        # a trimmed fit: the 10% of centres furthest off the first fit (a
        # stripe merging with its neighbour near the vanishing point, a
        # stripe cut by the undistorted image's border) are left out
        k, c = keys[ok], centres[ok]
        a, b = np.polyfit(k, c, 1)
        res = np.abs(c - (a * k + b))
        keep = res <= np.quantile(res, 0.9)
        a, b = np.polyfit(k[keep], c[keep], 1)
        res = (c[keep] - (a * k[keep] + b)) / np.sqrt(1 + a * a)
        out.append(float(np.sqrt(np.mean(res ** 2))))
    return out


def check_lines(root, cam, frame):
    K = np.array(cam["K_opencv"], np.float64)
    model = cam["lens"]["model"]
    D = np.array(cam["lens"]["distortion_opencv"], np.float64)
    w, h = cam["width"], cam["height"]
    sem = load_png(os.path.join(root, f"cameras/{cam['name']}/semantic/{frame}.png"))
    if model == "kannala_brandt":
        # a narrower pinhole view of the middle of the fisheye image
        k_new = K.copy()
        k_new[0, 0] *= 0.5
        k_new[1, 1] *= 0.5
        m1, m2 = cv2.fisheye.initUndistortRectifyMap(K, D, np.eye(3), k_new, (w, h), cv2.CV_32FC1)
    else:
        k_new = K
        m1, m2 = cv2.initUndistortRectifyMap(K, D, None, k_new, (w, h), cv2.CV_32FC1)
    und = cv2.remap(sem, m1, m2, cv2.INTER_NEAREST, borderValue=0)
    before = line_residual(sem == LANE_MARKING)
    after = line_residual(und == LANE_MARKING)
    if not after:
        return None  # this view holds no long stripe: nothing to measure
    return max(before) if before else 0.0, max(after)


def check_tight_boxes(root, cam, frames):
    checked = 0
    for frame in frames:
        labels = json.load(open(os.path.join(root, f"labels/{frame}.json")))
        if not delivered(labels, cam["name"]):
            continue
        inst = load_png(os.path.join(root, f"cameras/{cam['name']}/instance/{frame}.png"))
        camera = next(c for c in labels["cameras"] if c["camera"] == cam["name"])
        for o in camera["objects"]:
            ys, xs = np.nonzero(inst == o["instance_id"])
            box = o.get("bbox_visible_px")
            if len(xs) == 0:
                if box is not None:
                    fail(f"{cam['name']} {frame}: {o['instance_id']} has a box and no pixels")
                continue
            extent = [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]
            if [round(v) for v in box] != extent:
                fail(f"{cam['name']} {frame}: tight box {box} != mask extent {extent}")
            checked += 1
    return checked


def main():
    root = sys.argv[1]
    manifest = json.load(open(os.path.join(root, "manifest.json")))
    frames = sorted(f[:-5] for f in os.listdir(os.path.join(root, "labels")) if f.endswith(".json"))
    lens_cams = [c for c in manifest["cameras"] if "lens" in c]
    if not lens_cams:
        fail("no camera with a lens in the manifest")
    summary = []
    for cam in lens_cams:
        rate, rate_near, seen, in_image = check_projection(root, manifest, cam, frames)
        boxes = check_tight_boxes(root, cam, frames)
        line = ""
        if cam.get("check_lines", True) and os.environ.get("LENS_LINES", "1") == "1":
            # the first frame whose view holds a long stripe (a dropped
            # frame has no images; traffic may hide every stripe)
            measured = (check_lines(root, cam, f) for f in frames if delivered(
                json.load(open(os.path.join(root, f"labels/{f}.json"))), cam["name"]))
            found = next((m for m in measured if m is not None), None)
            if found is None:
                fail(f"{cam['name']}: no long lane-marking stripe after undistortion in any frame")
            before, after = found
            if after > 1.5:
                fail(f"{cam['name']}: lane lines are {after:.2f} px RMS off straight after undistortion")
            # a line through the principal point stays straight under
            # radial distortion: then the figure before proves nothing
            note = "" if before >= 3.0 * after and before >= 1.0 else " (straight before too: through the centre)"
            line = f" lines {before:.2f}->{after:.2f}px{note}"
        print(f"{cam['name']} ({cam['lens']['model']}): {rate:.4f} of {seen} visible returns "
              f"({in_image} in image) on their instance's pixel, {rate_near:.4f} within one pixel; "
              f"{boxes} tight boxes = mask extent;{line}")
        summary.append(f"{cam['name']} {rate:.4f}/{rate_near:.4f}{line.replace(' lines ', ' lines=')}")
    print("lens: ok " + " ".join(summary))


if __name__ == "__main__":
    main()
