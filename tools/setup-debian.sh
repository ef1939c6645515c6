#!/usr/bin/env bash
# Installs what Edgecase needs on Debian 12 / Ubuntu (run as root):
# Mesa's software Vulkan (lavapipe) so it renders without a GPU, the mold
# linker (.cargo/config.toml), the Python readers the tests re-read with, and
# Slurm + munge for the single-node render-farm test, Xvfb plus the X11
# libraries winit loads, for the editor-window test, and Chromium for the
# report test.
set -euo pipefail
need_apt=()
command -v mold >/dev/null || need_apt+=(mold)
[ -e /usr/share/vulkan/icd.d/lvp_icd.x86_64.json ] || [ -e /usr/share/vulkan/icd.d/lvp_icd.aarch64.json ] || need_apt+=(mesa-vulkan-drivers)
ldconfig -p | grep -q libvulkan.so.1 || need_apt+=(libvulkan1)
python3 -m pip --version >/dev/null 2>&1 || need_apt+=(python3-pip)
python3 -c 'import ensurepip' >/dev/null 2>&1 || need_apt+=(python3-venv)
command -v slurmctld >/dev/null || need_apt+=(slurm-wlm)
command -v munged >/dev/null || need_apt+=(munge)
command -v xvfb-run >/dev/null || need_apt+=(xvfb)
command -v xauth >/dev/null || need_apt+=(xauth)
# headless Chromium opens the dataset report in its test
command -v chromium >/dev/null || need_apt+=(chromium)
for lib in libx11-xcb1 libxcursor1 libxrandr2 libxi6 libxkbcommon-x11-0; do
    dpkg -s "$lib" >/dev/null 2>&1 || need_apt+=("$lib")
done
if [ ${#need_apt[@]} -gt 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_apt[@]}" >/dev/null
fi
# the readers the format tests re-read with: pycocotools (COCO), Roboflow
# supervision (YOLO; headless OpenCV, no libGL), py-motmetrics and
# TrackEval (MOT, KITTI tracking), cityscapesscripts (Cityscapes, COCO
# panoptic), mcap and protobuf (MCAP)
readers=(pycocotools pillow numpy pyyaml opencv-python-headless supervision motmetrics trackeval
         cityscapesscripts mcap protobuf)
if ! python3 -c 'import pycocotools, PIL, numpy, yaml, cv2, supervision, motmetrics, trackeval, cityscapesscripts, mcap, google.protobuf' 2>/dev/null; then
    python3 -m pip install -q --disable-pip-version-check "${readers[@]}" 2>/dev/null \
        || python3 -m pip install -q --disable-pip-version-check --break-system-packages "${readers[@]}"
fi
# nuscenes-devkit pins NumPy < 2 (its renderer fails on NumPy 2): its own
# virtual environment, which the nuScenes test runs check_nuscenes.py in
nuscenes_venv=/opt/edgecase-readers/nuscenes
if ! "$nuscenes_venv/bin/python" -c 'import nuscenes, matplotlib' 2>/dev/null; then
    python3 -m venv "$nuscenes_venv"
    "$nuscenes_venv/bin/pip" install -q --disable-pip-version-check nuscenes-devkit
fi
# Ultralytics' own dataset checker imports torch (PyPI's wheel brings the
# CUDA libraries: ~6 GB, ~2.5 min): its own virtual environment, which the
# YOLO test runs check_ultralytics.py in
ultralytics_venv=/opt/edgecase-readers/ultralytics
if ! "$ultralytics_venv/bin/python" -c 'import ultralytics; assert ultralytics.__version__ == "8.4.190"' 2>/dev/null; then
    python3 -m venv "$ultralytics_venv"
    "$ultralytics_venv/bin/pip" install -q --disable-pip-version-check "ultralytics==8.4.190"
fi
# Rerun's MCAP importer (the rerun CLI in the rerun-sdk wheel, ~170 MB):
# its own virtual environment, which the MCAP test runs check_rerun.py in
rerun_venv=/opt/edgecase-readers/rerun
if ! "$rerun_venv/bin/python" -c 'import rerun; assert rerun.__version__ == "0.41.0"' 2>/dev/null; then
    python3 -m venv "$rerun_venv"
    "$rerun_venv/bin/pip" install -q --disable-pip-version-check "rerun-sdk==0.41.0"
fi
# KITTI's object evaluator, the devkit's Python port as MMDetection3D's
# wheel ships it (numba; the wheel without its torch dependencies, read by
# path): its own virtual environment, which the KITTI test runs
# check_kitti.py in
kitti_venv=/opt/edgecase-readers/kitti
if ! "$kitti_venv/bin/python" -c 'import numba, importlib.metadata as m; assert m.version("mmdet3d") == "1.4.0"' 2>/dev/null; then
    python3 -m venv "$kitti_venv"
    "$kitti_venv/bin/pip" install -q --disable-pip-version-check numba
    "$kitti_venv/bin/pip" install -q --disable-pip-version-check --no-deps "mmdet3d==1.4.0"
fi
echo "edgecase prerequisites: ok"
