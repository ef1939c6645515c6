//! The per-frame writers, one plain function per output layer, walked
//! from one table per sensor kind: a new format is one function and one row.

use super::*;

pub(super) struct FrameJob {
    pub(super) labels: Arc<FrameLabels>,
    pub(super) images: Vec<CameraImage>,
    pub(super) lidar_points: Vec<Vec<LidarPoint>>,
}

/// What a worker needs to know, shared read-only.
pub(super) struct Layout {
    pub(super) root: PathBuf,
    pub(super) cameras: Vec<CameraInfo>,
    pub(super) lidars: Vec<LidarInfo>,
    pub(super) output: Output,
    pub(super) kitti_camera: Option<usize>,
    /// calib file text of the KITTI camera (constant: the rig is rigid)
    pub(super) kitti_calib: String,
    /// The split this run's frames go to in split layouts (YOLO): a run is
    /// one sample, so neighbouring frames never straddle the split.
    pub(super) split: &'static str,
    /// What makes this run's record tokens its own (nuScenes): a hash of
    /// the run's identity.
    pub(super) run_key: String,
}

/// Cameras' OpenCV frame from the ego/LiDAR frame (x fwd, y left, z up).
pub fn cv_from_vehicle(cam: &CameraInfo) -> crate::core::frames::Pose {
    crate::core::frames::cv_from_vehicle(&cam.ego_from_camera)
}

/// Our ego frame (x forward, y left, z up) from a LiDAR's sensor frame.
pub fn vehicle_from_lidar(l: &LidarInfo) -> crate::core::frames::Pose {
    use glam::{DMat3, DQuat, DVec3};
    // the ego frame from the sim's ego-local one (x forward, y up, z right)
    let vehicle_from_sim = crate::core::frames::Pose::new(
        DQuat::from_mat3(&DMat3::from_cols(DVec3::X, DVec3::Z, -DVec3::Y)),
        DVec3::ZERO,
    );
    vehicle_from_sim.mul(&l.ego_from_sensor)
}

impl Layout {
    /// Whether a frame is a KITTI object sample: the KITTI camera and the
    /// first LiDAR (if any) both delivered it. A sample is all four files
    /// (image, label, calib, velodyne) and a line of ImageSets/train.txt;
    /// a frame either of them dropped has none of them.
    pub(super) fn kitti_sample(&self, labels: &FrameLabels) -> bool {
        self.kitti_camera.is_some_and(|i| {
            labels.delivered(&self.cameras[i].name) && labels.first_lidar_delivered()
        })
    }

    /// `to` as a hard link to the file `from` already written with these
    /// bytes (a copy where links fail), its checksum line recorded.
    pub(super) fn link(&self, from: &str, to: String, bytes: &[u8], sums: &mut Sums) -> Result<()> {
        link_or_write(&self.root, from, &to, || bytes.to_vec())?;
        sums.push(format!("{}  {to}", sha256_hex(bytes)));
        Ok(())
    }

    /// A camera frame's noise key: the run, the camera and the frame.
    fn noise_key(&self, camera: usize, frame: u64) -> u64 {
        let run = u64::from_str_radix(&self.run_key[..12.min(self.run_key.len())], 16).unwrap_or(0);
        super::delivered::noise_key(run, camera, frame)
    }

    /// Write one file and record its checksum line; returns the sum.
    pub(super) fn write(
        &self,
        rel: String,
        bytes: &[u8],
        sums: &mut Vec<String>,
    ) -> Result<String> {
        write_atomic(&self.root, &rel, bytes)?;
        let sum = sha256_hex(bytes);
        sums.push(format!("{sum}  {rel}"));
        Ok(sum)
    }

    /// Every file of one frame, the canonical labels last (their presence
    /// marks the frame complete for a resume).
    pub(super) fn write_frame(&self, job: &FrameJob, sums: &mut Vec<String>) -> Result<()> {
        let name = frame_name(job.labels.frame);
        let kitti_sample = self.kitti_sample(&job.labels);
        for (index, (info, image)) in self.cameras.iter().zip(&job.images).enumerate() {
            // a dropped frame has no files of this camera in any format
            if !job.labels.delivered(&info.name) {
                continue;
            }
            let frame = CameraFrame {
                job,
                name: &name,
                index,
                dir: format!("cameras/{}", info.name),
                root: &self.root,
                info,
                image,
                rgb_file: std::cell::OnceCell::new(),
                rgb_png: std::cell::OnceCell::new(),
                image_format: self.output.image_format,
                depth_m: std::cell::OnceCell::new(),
                dirt: super::delivered::lens_dirt(info, image, job.labels.time_s),
                noise_key: self.noise_key(index, job.labels.frame),
                kitti_sample,
            };
            for write in CAMERA_LAYERS {
                write(self, &frame, sums)?;
            }
        }
        for (index, points) in job.lidar_points.iter().enumerate() {
            if !job.labels.delivered(&self.lidars[index].name) {
                continue;
            }
            let frame = LidarFrame {
                name: &name,
                index,
                dir: format!("lidar/{}", self.lidars[index].name),
                points,
                kitti_sample,
                nuscenes_sample: job.labels.first_lidar_delivered(),
            };
            let mut velodyne_sum = String::new();
            for write in LIDAR_LAYERS {
                write(self, &frame, &mut velodyne_sum, sums)?;
            }
        }
        let json = serde_json::to_vec_pretty(job.labels.as_ref()).context("serializing labels")?;
        self.write(format!("labels/{name}.json"), &json, sums)?;
        Ok(())
    }
}

/// One camera's image of one frame, with the encodings several layers share
/// (made once, on the writer thread).
pub(super) struct CameraFrame<'a> {
    pub(super) job: &'a FrameJob,
    pub(super) name: &'a str,
    pub(super) index: usize,
    /// `cameras/<name>`
    pub(super) dir: String,
    /// The dataset being written (`.partial`).
    root: &'a std::path::Path,
    pub(super) info: &'a CameraInfo,
    pub(super) image: &'a CameraImage,
    rgb_file: std::cell::OnceCell<Vec<u8>>,
    rgb_png: std::cell::OnceCell<Vec<u8>>,
    pub(super) image_format: ImageFormat,
    depth_m: std::cell::OnceCell<Vec<f32>>,
    /// This frame's dirt on the lens (the same layer the labels counted).
    dirt: Option<crate::core::contamination::LensLayer>,
    /// The noise's key: this run, camera and frame.
    noise_key: u64,
    /// This frame is a KITTI object sample (`Layout::kitti_sample`).
    kitti_sample: bool,
}

impl CameraFrame<'_> {
    /// The rgb file's bytes, in the run's image format: the image as the
    /// camera delivers it (`writers::delivered`).
    pub(super) fn rgb_file(&self) -> &[u8] {
        let img = self.image;
        self.rgb_file.get_or_init(|| {
            let labels = &self.job.labels;
            if let Some(start) = super::delivered::frozen_since(labels, self.index) {
                return self.frozen_image(start);
            }
            let rgba = super::delivered::delivered_rgba(
                labels,
                self.index,
                self.info,
                img,
                self.dirt.as_ref(),
                self.noise_key,
            );
            encode::rgb_file(self.image_format, img.width, img.height, &rgba)
        })
    }

    /// The same pixels as a PNG, for the formats whose readers expect PNG
    /// (the rgb file itself when that is a PNG).
    pub(super) fn rgb_png(&self) -> &[u8] {
        if self.image_format == ImageFormat::Png {
            return self.rgb_file();
        }
        let img = self.image;
        self.rgb_png.get_or_init(|| {
            crate::core::effects::jpeg_decode_rgb(self.rgb_file(), img.width, img.height)
                .map(|rgb| encode::rgb8_png(img.width, img.height, &rgb))
                // an unreadable frozen frame: the run fails on its own error
                .unwrap_or_default()
        })
    }

    /// `to` as the rgb file (a link to it; written when `rgb/` is off).
    pub(super) fn place_rgb(&self, l: &Layout, to: String, sums: &mut Sums) -> Result<()> {
        if l.output.rgb {
            l.link(
                &self.rgb_path(self.job.labels.frame),
                to,
                self.rgb_file(),
                sums,
            )
        } else {
            l.write(to, self.rgb_file(), sums).map(|_| ())
        }
    }

    /// `to` as a PNG of the rgb file's pixels: the rgb file itself when it
    /// is a PNG (see `place_rgb`), else written.
    pub(super) fn place_png(&self, l: &Layout, to: String, sums: &mut Sums) -> Result<()> {
        if self.image_format == ImageFormat::Png {
            self.place_rgb(l, to, sums)
        } else {
            l.write(to, self.rgb_png(), sums).map(|_| ())
        }
    }

    /// Where this camera's rgb file of `frame` is.
    pub(super) fn rgb_path(&self, frame: u64) -> String {
        super::rgb_path(&self.info.name, frame, self.image_format.extension())
    }

    /// The rgb file of an earlier frame of this camera, byte for byte (a
    /// frozen camera): written by this run (another writer thread may
    /// still be on it: wait for it to appear) or by the run this one
    /// resumes. Empty if it never appears (the run then fails on that
    /// frame's own error).
    fn frozen_image(&self, frame: u64) -> Vec<u8> {
        let path = self.root.join(self.rgb_path(frame));
        let deadline = std::time::Instant::now() + FROZEN_WAIT;
        loop {
            // files appear by rename, so a file that exists is whole
            if let Ok(bytes) = std::fs::read(&path) {
                return bytes;
            }
            if std::time::Instant::now() > deadline {
                tracing::error!("{} never appeared", path.display());
                return Vec::new();
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    /// z-depth in metres, converted once for every depth format.
    fn depth_m(&self) -> &[f32] {
        self.depth_m.get_or_init(|| self.image.to_depth_m())
    }
}

/// Longest a frozen frame waits for the image it repeats.
const FROZEN_WAIT: std::time::Duration = std::time::Duration::from_secs(120);

/// One LiDAR's sweep of one frame.
pub(super) struct LidarFrame<'a> {
    pub(super) name: &'a str,
    pub(super) index: usize,
    /// `lidar/<name>`
    dir: String,
    pub(super) points: &'a [LidarPoint],
    /// This frame is a KITTI object sample (`Layout::kitti_sample`).
    kitti_sample: bool,
    /// This frame is a nuScenes sample (its first LiDAR delivered it).
    pub(super) nuscenes_sample: bool,
}

type Sums = Vec<String>;
type CameraLayer = fn(&Layout, &CameraFrame, &mut Sums) -> Result<()>;
/// A LiDAR layer also sees the velodyne file's checksum (set by the first).
type LidarLayer = fn(&Layout, &LidarFrame, &mut String, &mut Sums) -> Result<()>;

/// Per camera, in this order; each layer writes only when the output asks.
const CAMERA_LAYERS: &[CameraLayer] = &[
    write_rgb,
    write_semantic,
    write_instance,
    write_depth,
    write_artefact,
    write_kitti_camera,
    write_yolo,
    super::tracking::write_images,
    super::segmentation::write_panoptic,
    super::segmentation::write_cityscapes,
    super::nuscenes::write_camera,
];

/// Per LiDAR, in this order.
const LIDAR_LAYERS: &[LidarLayer] = &[
    write_velodyne,
    write_semantic_kitti_labels,
    write_pcd,
    write_kitti_velodyne,
    super::nuscenes::write_lidar,
];

fn write_rgb(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if l.output.rgb {
        l.write(f.rgb_path(f.job.labels.frame), f.rgb_file(), sums)?;
        // the clean twin: the ideal image of the same frame, same format
        if f.info.effects.clean_twin {
            let img = f.image;
            let file = encode::rgb_file(f.image_format, img.width, img.height, img.rgba());
            let ext = f.image_format.extension();
            l.write(format!("{}/rgb_clean/{}.{ext}", f.dir, f.name), &file, sums)?;
        }
    }
    Ok(())
}

fn write_semantic(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if l.output.semantic {
        let img = f.image;
        let png = encode::semantic_png(img.width, img.height, img.labels());
        l.write(format!("{}/semantic/{}.png", f.dir, f.name), &png, sums)?;
    }
    Ok(())
}

fn write_instance(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if l.output.instance {
        let img = f.image;
        let png = encode::instance_png(img.width, img.height, img.labels());
        l.write(format!("{}/instance/{}.png", f.dir, f.name), &png, sums)?;
    }
    Ok(())
}

fn write_depth(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    let (w, h) = (f.image.width, f.image.height);
    for d in &l.output.depth {
        let (rel, bytes) = match d {
            DepthFormat::Png16 => (
                format!("{}/depth/{}.png", f.dir, f.name),
                encode::depth_png(w, h, f.depth_m()),
            ),
            DepthFormat::Npy32 => (
                format!("{}/depth/{}.npy", f.dir, f.name),
                encode::depth_npy(w, h, f.depth_m()),
            ),
        };
        l.write(rel, &bytes, sums)?;
    }
    Ok(())
}

/// The lens dirt's artefact mask: 8-bit, 0 = the scene as is ..= 255 =
/// replaced (an object's pixels at >= 128 count as hidden).
fn write_artefact(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if let Some(layer) = &f.dirt {
        let png = encode::mask_png(layer.width, layer.height, &layer.alpha);
        l.write(format!("{}/artefact/{}.png", f.dir, f.name), &png, sums)?;
    }
    Ok(())
}

/// KITTI object detection: image_2, label_2 and calib of the KITTI camera.
fn write_kitti_camera(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if l.kitti_camera != Some(f.index) || !f.kitti_sample {
        return Ok(());
    }
    let rows = kitti::label_rows(&f.job.labels.cameras[f.index].objects);
    let name = f.name;
    f.place_png(l, format!("kitti/training/image_2/{name}.png"), sums)?;
    l.write(
        format!("kitti/training/label_2/{name}.txt"),
        kitti::label_file(&rows).as_bytes(),
        sums,
    )?;
    l.write(
        format!("kitti/training/calib/{name}.txt"),
        l.kitti_calib.as_bytes(),
        sums,
    )?;
    Ok(())
}

/// YOLO: the image (linked to the rgb file) and its box, segment and pose
/// files, under `yolo/detect`, `yolo/segment` and `yolo/pose`.
fn write_yolo(l: &Layout, f: &CameraFrame, sums: &mut Sums) -> Result<()> {
    if !l.output.formats.contains(&Format::Yolo) {
        return Ok(());
    }
    let img = f.image;
    let objects = &f.job.labels.cameras[f.index].objects;
    let stem = format!("{}_{}", l.cameras[f.index].name, f.name);
    let ext = f.image_format.extension();
    let split = l.split;
    for (kind, text) in [
        ("detect", yolo::box_file(objects, img.width, img.height)),
        (
            "segment",
            yolo::segment_file(objects, img.labels(), img.width, img.height),
        ),
        ("pose", yolo::pose_file(objects, img.width, img.height)),
    ] {
        f.place_rgb(l, format!("yolo/{kind}/images/{split}/{stem}.{ext}"), sums)?;
        l.write(
            format!("yolo/{kind}/labels/{split}/{stem}.txt"),
            text.as_bytes(),
            sums,
        )?;
    }
    Ok(())
}

fn write_velodyne(l: &Layout, f: &LidarFrame, sum: &mut String, sums: &mut Sums) -> Result<()> {
    let rel = format!("{}/velodyne/{}.bin", f.dir, f.name);
    *sum = l.write(rel, &lidar::kitti_bin(f.points), sums)?;
    Ok(())
}

fn write_semantic_kitti_labels(
    l: &Layout,
    f: &LidarFrame,
    _: &mut String,
    sums: &mut Sums,
) -> Result<()> {
    let rel = format!("{}/labels/{}.label", f.dir, f.name);
    l.write(rel, &lidar::semantic_kitti_label(f.points), sums)?;
    Ok(())
}

fn write_pcd(l: &Layout, f: &LidarFrame, _: &mut String, sums: &mut Sums) -> Result<()> {
    l.write(
        format!("{}/pcd/{}.pcd", f.dir, f.name),
        &lidar::pcd(f.points),
        sums,
    )?;
    Ok(())
}

/// The first LiDAR's velodyne file again under KITTI's name: a hard link
/// (one write, one hash), a copy where links fail.
fn write_kitti_velodyne(
    l: &Layout,
    f: &LidarFrame,
    velodyne_sum: &mut String,
    sums: &mut Sums,
) -> Result<()> {
    if f.index != 0 || !f.kitti_sample {
        return Ok(());
    }
    let from = format!("{}/velodyne/{}.bin", f.dir, f.name);
    let rel = format!("kitti/training/velodyne/{}.bin", f.name);
    link_or_write(&l.root, &from, &rel, || lidar::kitti_bin(f.points))?;
    sums.push(format!("{velodyne_sum}  {rel}"));
    Ok(())
}
