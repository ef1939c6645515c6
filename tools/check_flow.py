#!/usr/bin/env python3
"""Check an Edgecase dataset's flow against an independent re-derivation:
decode each camera's KITTI flow PNGs as the KITTI devkit does (u = (R -
2^15) / 64, v = (G - 2^15) / 64, valid = B), and on static pixels compare
with the warp of the pixel by its depth and the ego's two poses (manifest
calibration, labels' ego pose), written here from scratch; on pixels of
moving rigid objects, check the flow lands on the same instance in frame
t + 1. LiDAR scene flow: static points do not move; points on a rigid
object move as its box does.

usage: check_flow.py DATASET   (last line: "<F> flow images, static
median error <e> px over <N> pixels, <M> object pixels, <p>% land on
their instance, <L> LiDAR points")
"""
import json
import sys
from pathlib import Path

import cv2
import numpy as np
from dataset_labels import delivered


def pose(ego):
    yaw = ego["yaw_rad"]
    c, s = np.cos(yaw), np.sin(yaw)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]]), np.array(ego["position_m"])


def unproject(cam, K, xs, ys, depth):
    """Camera points (3, N) of pixel centres at their depth image values,
    through the manifest's lens with OpenCV's own undistortion (z or range
    depth as the manifest says); and which pixels that covers (a fisheye's
    rays more than 80 degrees off the axis are left out: OpenCV's
    undistortion gives x/z, y/z)."""
    lens = cam.get("lens")
    pts = np.stack([xs, ys], axis=-1).astype(np.float64).reshape(-1, 1, 2)
    if lens is None:
        norm = (np.linalg.inv(K) @ np.stack([xs, ys, np.ones(len(xs))]))[:2].T
    elif lens["model"] == "kannala_brandt":
        norm = cv2.fisheye.undistortPoints(pts, K, np.array(lens["distortion_opencv"])).reshape(-1, 2)
    else:
        norm = cv2.undistortPoints(pts, K, np.array(lens["distortion_opencv"])).reshape(-1, 2)
    rays = np.concatenate([norm.T, np.ones((1, len(xs)))])
    ok = np.isfinite(rays).all(axis=0)
    if cam.get("depth") == "range":
        theta = np.arctan(np.hypot(norm[:, 0], norm[:, 1]))
        ok &= theta < np.radians(80.0)
        rays = rays / np.linalg.norm(rays, axis=0)
    return rays * depth, ok


def project(cam, K, pts):
    """Pixel centres (2, N) of camera points (3, N) through the lens."""
    lens = cam.get("lens")
    if lens is None:
        proj = K @ pts
        return proj[:2] / proj[2]
    obj = pts.T.reshape(-1, 1, 3).astype(np.float64)
    zero = np.zeros(3)
    d = np.array(lens["distortion_opencv"])
    if lens["model"] == "kannala_brandt":
        uv, _ = cv2.fisheye.projectPoints(obj, zero, zero, K, d)
    else:
        uv, _ = cv2.projectPoints(obj, zero, zero, K, d)
    return uv.reshape(-1, 2).T


def read_depth(folder, frame):
    """A depth image in metres (0 = none), from the 16-bit PNG or the float32 .npy."""
    png = folder / f"{frame}.png"
    if png.exists():
        return cv2.imread(str(png), cv2.IMREAD_UNCHANGED) / 256.0
    return np.load(folder / f"{frame}.npy").astype(np.float64)


def main():
    root = Path(sys.argv[1])
    manifest = json.loads((root / "manifest.json").read_text())
    labels = [json.loads(p.read_text()) for p in sorted((root / "labels").glob("*.json"))]
    errors, object_hits, object_total, images = [], 0, 0, 0
    for cam in manifest["cameras"]:
        name = cam["name"]
        K = np.array(cam["K_opencv"])
        cam_from_ego = np.array(cam["cam_from_ego_4x4_row_major"])
        ego_from_cam = np.linalg.inv(cam_from_ego)
        for t in range(len(labels) - 1):
            f = f"{t:06d}"
            flow_png = root / "cameras" / name / "flow" / f"{f}.png"
            if not (delivered(labels[t], name) and delivered(labels[t + 1], name)):
                assert not flow_png.exists(), flow_png
                continue
            png = cv2.imread(str(flow_png), cv2.IMREAD_UNCHANGED).astype(np.float64)
            u, v, valid = (png[..., 2] - 2**15) / 64, (png[..., 1] - 2**15) / 64, png[..., 0] > 0
            depth = read_depth(root / "cameras" / name / "depth", f)
            ids = cv2.imread(str(root / "cameras" / name / "instance" / f"{f}.png"), cv2.IMREAD_UNCHANGED)
            ids_next = cv2.imread(str(root / "cameras" / name / "instance" / f"{t + 1:06d}.png"), cv2.IMREAD_UNCHANGED)
            h, w = depth.shape
            ys, xs = np.mgrid[0:h, 0:w]
            # static pixels: warp by depth and the two ego poses
            static = (ids < 1000) & (depth > 0)
            px = np.stack([xs[static], ys[static], np.ones(static.sum())])
            cam_pts, covered = unproject(cam, K, xs[static], ys[static], depth[static])
            ego_pts = ego_from_cam[:3, :3] @ cam_pts + ego_from_cam[:3, 3:4]
            (r0, p0), (r1, p1) = pose(labels[t]["ego"]), pose(labels[t + 1]["ego"])
            world = r0 @ ego_pts + p0[:, None]
            ego_next = r1.T @ (world - p1[:, None])
            cam_next = cam_from_ego[:3, :3] @ ego_next + cam_from_ego[:3, 3:4]
            # in front (a fisheye: within 80 degrees of the axis, where
            # OpenCV's radial-tangential model is also well behaved)
            ahead = (cam_next[2] > 0.1) & covered
            ahead &= np.hypot(cam_next[0], cam_next[1]) < cam_next[2] * np.tan(np.radians(80.0))
            proj = project(cam, K, np.where(ahead, cam_next, np.array([[0.0], [0.0], [1.0]])))
            uu, vv = proj[0] - px[0], proj[1] - px[1]
            both = ahead & valid[static]
            err = np.hypot(uu[both] - u[static][both], vv[both] - v[static][both])
            errors.append(err)
            # moving rigid objects: the flow lands on the same instance
            obj = (ids >= 1000) & valid
            moved = obj & ((np.abs(u) > 0.5) | (np.abs(v) > 0.5))
            tx = np.round(xs[moved] + u[moved] - 0.0).astype(int)
            ty = np.round(ys[moved] + v[moved] - 0.0).astype(int)
            inside = (tx >= 0) & (tx < w) & (ty >= 0) & (ty < h)
            object_total += inside.sum()
            object_hits += (ids_next[ty[inside], tx[inside]] == ids[moved][inside]).sum()
            images += 1
    err = np.concatenate(errors) if errors else np.zeros(0)
    # a camera that sees only sky (and moving things) has no static pixel
    # to warp: nothing to compare, reported as such
    median = float(np.median(err)) if err.size else 0.0
    assert median < 0.5, median
    share = 100.0 * object_hits / max(object_total, 1)
    # LiDAR scene flow
    lidar_points = 0
    for lidar in manifest.get("lidars", []):
        name = lidar["name"]
        for t in range(len(labels) - 1):
            f = f"{t:06d}"
            if not (delivered(labels[t], name) and delivered(labels[t + 1], name)):
                assert not (root / "lidar" / name / "flow" / f"{f}.bin").exists()
                continue
            flow = np.fromfile(root / "lidar" / name / "flow" / f"{f}.bin", np.float32).reshape(-1, 4)
            lab = np.fromfile(root / "lidar" / name / "labels" / f"{f}.label", np.uint32)
            assert len(flow) == len(lab)
            inst = lab >> 16
            static = inst == 0
            assert np.all(flow[static, 3] == 1) and np.abs(flow[static, :3]).max(initial=0) < 1e-6
            by_id = {o["instance_id"]: o for c in labels[t]["cameras"] for o in c["objects"]}
            by_id_next = {o["instance_id"]: o for c in labels[t + 1]["cameras"] for o in c["objects"]}
            for i in np.unique(inst[(~static) & (flow[:, 3] == 1)]):
                a, b = by_id[int(i)]["box_world_enu"], by_id_next[int(i)]["box_world_enu"]
                step = np.linalg.norm(np.array(b["center_m"]) - np.array(a["center_m"]))
                if abs(b["yaw_rad"] - a["yaw_rad"]) < 1e-9:
                    lengths = np.linalg.norm(flow[inst == i, :3], axis=1)
                    assert np.allclose(lengths, step, atol=0.01), (i, lengths[:3], step)
            lidar_points += len(flow)
    print(
        f"{images} flow images, static median error {median:.3f} px over {len(err)} pixels, "
        f"{object_total} object pixels, {share:.1f}% land on their instance, {lidar_points} LiDAR points"
    )


if __name__ == "__main__":
    main()
