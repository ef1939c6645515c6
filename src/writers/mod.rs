//! Dataset writer: frames go through a bounded channel to named worker
//! threads that encode and write every file as temp-name + rename. The run
//! writes into `<out>.partial` and renames it to `<out>` only when the
//! manifest is written, so a dataset directory is never half-written.

pub mod encode;

use crate::core::coco::{self, CocoImage};
use crate::core::kitti;
use crate::core::label::FrameLabels;
use crate::frame::CameraInfo;
use crate::scenario::{DepthFormat, Format, Output};
use crate::sensors::camera::CameraImage;
use anyhow::{Context, Result, anyhow, bail};
use crossbeam_channel::{Receiver, Sender, bounded};
use sha2::{Digest, Sha256};
use std::fs::{self, File};
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct DatasetConfig {
    pub out_dir: PathBuf,
    pub overwrite: bool,
    pub cameras: Vec<CameraInfo>,
    pub output: Output,
    pub workers: usize,
}

struct FrameJob {
    labels: Arc<FrameLabels>,
    images: Vec<CameraImage>,
}

/// What a worker needs to know, shared read-only.
struct Layout {
    root: PathBuf,
    cameras: Vec<CameraInfo>,
    output: Output,
    kitti_camera: Option<usize>,
    /// calib file text of the KITTI camera (constant: the rig is rigid)
    kitti_calib: String,
}

pub fn frame_name(frame: u64) -> String {
    format!("{frame:06}")
}

fn sha256_hex(bytes: &[u8]) -> String {
    let d = Sha256::digest(bytes);
    d.iter().map(|b| format!("{b:02x}")).collect()
}

/// Write `bytes` to `root/rel` through a temp file in the same folder.
fn write_atomic(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let path = root.join(rel);
    let dir = path.parent().expect("dataset paths have a parent");
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().expect("file name").to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    fs::rename(&tmp, &path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))?;
    Ok(())
}

/// Cameras' OpenCV frame from the ego/LiDAR frame (x fwd, y left, z up).
pub fn cv_from_vehicle(cam: &CameraInfo) -> crate::core::frames::Pose {
    use glam::{DMat3, DQuat, DVec3};
    let sim_from_vehicle = crate::core::frames::Pose::new(
        DQuat::from_mat3(&DMat3::from_cols(DVec3::X, -DVec3::Z, DVec3::Y)),
        DVec3::ZERO,
    );
    crate::frame::cv_from_world(&cam.ego_from_camera).mul(&sim_from_vehicle)
}

impl Layout {
    fn write(&self, rel: String, bytes: &[u8], sums: &mut Vec<String>) -> Result<()> {
        write_atomic(&self.root, &rel, bytes)?;
        sums.push(format!("{}  {}", sha256_hex(bytes), rel));
        Ok(())
    }

    fn write_frame(&self, job: &FrameJob, sums: &mut Vec<String>) -> Result<()> {
        let name = frame_name(job.labels.frame);
        let o = &self.output;
        for (ci, (cam, img)) in self.cameras.iter().zip(&job.images).enumerate() {
            let dir = format!("cameras/{}", cam.name);
            let (w, h) = (img.width, img.height);
            let needs_rgb = o.rgb || self.kitti_camera == Some(ci);
            let rgb = needs_rgb.then(|| encode::rgb_png(w, h, &img.rgba));
            if let (true, Some(png)) = (o.rgb, &rgb) {
                self.write(format!("{dir}/rgb/{name}.png"), png, sums)?;
            }
            if o.semantic {
                self.write(
                    format!("{dir}/semantic/{name}.png"),
                    &encode::semantic_png(w, h, &img.labels),
                    sums,
                )?;
            }
            if o.instance {
                self.write(
                    format!("{dir}/instance/{name}.png"),
                    &encode::instance_png(w, h, &img.labels),
                    sums,
                )?;
            }
            for d in &o.depth {
                match d {
                    DepthFormat::Png16 => self.write(
                        format!("{dir}/depth/{name}.png"),
                        &encode::depth_png(w, h, &img.depth_m),
                        sums,
                    )?,
                    DepthFormat::Npy32 => self.write(
                        format!("{dir}/depth/{name}.npy"),
                        &encode::depth_npy(w, h, &img.depth_m),
                        sums,
                    )?,
                }
            }
            if self.kitti_camera == Some(ci) {
                let rows: Vec<kitti::KittiLabel> = job.labels.cameras[ci]
                    .objects
                    .iter()
                    .filter_map(kitti::from_object)
                    .collect();
                self.write(
                    format!("kitti/training/image_2/{name}.png"),
                    rgb.as_deref().expect("rgb encoded for kitti"),
                    sums,
                )?;
                self.write(
                    format!("kitti/training/label_2/{name}.txt"),
                    kitti::label_file(&rows).as_bytes(),
                    sums,
                )?;
                self.write(
                    format!("kitti/training/calib/{name}.txt"),
                    self.kitti_calib.as_bytes(),
                    sums,
                )?;
            }
        }
        let json = serde_json::to_vec_pretty(job.labels.as_ref()).expect("labels serialize");
        self.write(format!("labels/{name}.json"), &json, sums)?;
        Ok(())
    }
}

fn worker(
    layout: Arc<Layout>,
    rx: Receiver<FrameJob>,
    error: Arc<Mutex<Option<String>>>,
    sums_path: PathBuf,
) {
    let mut sums = Vec::new();
    let mut sums_file = match File::create(&sums_path) {
        Ok(f) => BufWriter::new(f),
        Err(e) => {
            *error.lock().unwrap() = Some(format!("creating {}: {e}", sums_path.display()));
            return;
        }
    };
    for job in rx {
        if error.lock().unwrap().is_some() {
            break;
        }
        sums.clear();
        let r = layout.write_frame(&job, &mut sums).and_then(|_| {
            for s in &sums {
                writeln!(sums_file, "{s}")?;
            }
            Ok(())
        });
        if let Err(e) = r {
            let mut slot = error.lock().unwrap();
            slot.get_or_insert(format!("{e:#}"));
            break;
        }
    }
    if let Err(e) = sums_file.flush() {
        error
            .lock()
            .unwrap()
            .get_or_insert(format!("writing {}: {e}", sums_path.display()));
    }
}

pub struct DatasetWriter {
    final_dir: PathBuf,
    partial_dir: PathBuf,
    overwrite: bool,
    layout: Arc<Layout>,
    tx: Option<Sender<FrameJob>>,
    workers: Vec<JoinHandle<()>>,
    worker_count: usize,
    error: Arc<Mutex<Option<String>>>,
    coco_images: BufWriter<File>,
    coco_annotations: BufWriter<File>,
    coco_count: (u64, u64),
    frames: Vec<u64>,
}

impl DatasetWriter {
    /// Checks the destination (refuses to replace a dataset unless
    /// `overwrite`), then creates `<out>.partial` and starts the workers.
    pub fn create(cfg: DatasetConfig) -> Result<DatasetWriter> {
        let final_dir = cfg.out_dir.clone();
        if final_dir.exists() && !cfg.overwrite {
            bail!(
                "output directory {} already exists; choose another --out or pass --overwrite",
                final_dir.display()
            );
        }
        let file_name = final_dir
            .file_name()
            .ok_or_else(|| anyhow!("--out {} does not name a directory", final_dir.display()))?;
        let partial_dir =
            final_dir.with_file_name(format!("{}.partial", file_name.to_string_lossy()));
        if partial_dir.exists() {
            fs::remove_dir_all(&partial_dir)
                .with_context(|| format!("removing stale {}", partial_dir.display()))?;
        }
        fs::create_dir_all(&partial_dir)
            .with_context(|| format!("creating {}", partial_dir.display()))?;
        let kitti_camera = cfg
            .output
            .formats
            .contains(&Format::Kitti)
            .then(|| {
                cfg.cameras
                    .iter()
                    .position(|c| c.name == cfg.output.kitti_camera)
            })
            .flatten();
        let kitti_calib = kitti_camera.map_or(String::new(), |i| {
            let cam = &cfg.cameras[i];
            kitti::calib_file(
                cam.intrinsics.p_matrix_opencv(),
                &cv_from_vehicle(cam),
                &crate::core::frames::Pose::IDENTITY,
            )
        });
        let layout = Arc::new(Layout {
            root: partial_dir.clone(),
            cameras: cfg.cameras,
            output: cfg.output,
            kitti_camera,
            kitti_calib,
        });
        let worker_count = cfg.workers.max(1);
        let (tx, rx) = bounded::<FrameJob>(worker_count * 2);
        let error = Arc::new(Mutex::new(None));
        let workers = (0..worker_count)
            .map(|i| {
                let (layout, rx, error) = (layout.clone(), rx.clone(), error.clone());
                let sums_path = partial_dir.join(format!(".checksums.{i}.part"));
                std::thread::Builder::new()
                    .name(format!("edgecase-writer-{i}"))
                    .spawn(move || worker(layout, rx, error, sums_path))
                    .expect("spawning writer thread")
            })
            .collect();
        let part = |n: &str| -> Result<BufWriter<File>> {
            Ok(BufWriter::new(File::create(partial_dir.join(n))?))
        };
        Ok(DatasetWriter {
            coco_images: part(".coco_images.part")?,
            coco_annotations: part(".coco_annotations.part")?,
            final_dir,
            partial_dir,
            overwrite: cfg.overwrite,
            layout,
            tx: Some(tx),
            workers,
            worker_count,
            error,
            coco_count: (0, 0),
            frames: Vec::new(),
        })
    }

    pub fn partial_dir(&self) -> &Path {
        &self.partial_dir
    }

    fn check_error(&self) -> Result<()> {
        match self.error.lock().unwrap().as_ref() {
            Some(e) => Err(anyhow!("{e}")),
            None => Ok(()),
        }
    }

    /// Queue a frame; blocks when the workers are behind (back-pressure, so
    /// memory stays flat). COCO records are appended here, in frame order.
    pub fn write(&mut self, labels: FrameLabels, images: Vec<CameraImage>) -> Result<()> {
        self.check_error()?;
        if self.layout.output.formats.contains(&Format::Coco) {
            let n = self.layout.cameras.len();
            for (ci, cam) in labels.cameras.iter().enumerate() {
                let image_id = coco::image_id(labels.frame, ci, n);
                let img = CocoImage {
                    id: image_id,
                    width: cam.width,
                    height: cam.height,
                    file_name: format!(
                        "cameras/{}/rgb/{}.png",
                        cam.camera,
                        frame_name(labels.frame)
                    ),
                    frame: labels.frame,
                    camera: cam.camera.clone(),
                };
                self.append_coco(true, &serde_json::to_string(&img)?)?;
                for (oi, obj) in cam.objects.iter().enumerate() {
                    if let Some(a) = coco::annotation(obj, image_id, oi) {
                        self.append_coco(false, &serde_json::to_string(&a)?)?;
                    }
                }
            }
        }
        self.frames.push(labels.frame);
        let job = FrameJob {
            labels: Arc::new(labels),
            images,
        };
        self.tx
            .as_ref()
            .expect("writer open")
            .send(job)
            .map_err(|_| anyhow!("writer threads stopped"))?;
        Ok(())
    }

    fn append_coco(&mut self, image: bool, json: &str) -> Result<()> {
        let (file, count) = if image {
            (&mut self.coco_images, &mut self.coco_count.0)
        } else {
            (&mut self.coco_annotations, &mut self.coco_count.1)
        };
        if *count > 0 {
            file.write_all(b",\n")?;
        }
        file.write_all(json.as_bytes())?;
        *count += 1;
        Ok(())
    }

    /// Wait for the workers, write the run-level files and the manifest, and
    /// move the dataset into place. `manifest` gets `frames` and `checksums` added.
    pub fn finish(mut self, mut manifest: serde_json::Value) -> Result<PathBuf> {
        drop(self.tx.take());
        for w in self.workers.drain(..) {
            w.join().map_err(|_| anyhow!("a writer thread panicked"))?;
        }
        self.check_error()?;
        self.coco_images.flush()?;
        self.coco_annotations.flush()?;
        let root = self.partial_dir.clone();
        let mut sums: Vec<String> = Vec::new();
        for i in 0..self.worker_count {
            let p = root.join(format!(".checksums.{i}.part"));
            sums.extend(fs::read_to_string(&p)?.lines().map(str::to_string));
            fs::remove_file(p)?;
        }
        let add = |rel: &str, bytes: &[u8], sums: &mut Vec<String>| -> Result<()> {
            write_atomic(&root, rel, bytes)?;
            sums.push(format!("{}  {}", sha256_hex(bytes), rel));
            Ok(())
        };
        if self.layout.output.formats.contains(&Format::Coco) {
            let images = fs::read_to_string(root.join(".coco_images.part"))?;
            let annotations = fs::read_to_string(root.join(".coco_annotations.part"))?;
            let head = serde_json::json!({
                "description": "Edgecase synthetic dataset",
                "version": env!("CARGO_PKG_VERSION"),
            });
            let text = format!(
                "{{\"info\": {},\n\"licenses\": [],\n\"categories\": {},\n\"images\": [\n{}\n],\n\"annotations\": [\n{}\n]}}\n",
                head,
                serde_json::to_string(&coco::categories())?,
                images,
                annotations
            );
            add("coco/annotations.json", text.as_bytes(), &mut sums)?;
        }
        fs::remove_file(root.join(".coco_images.part"))?;
        fs::remove_file(root.join(".coco_annotations.part"))?;
        if self.layout.kitti_camera.is_some() {
            let list: String = self.frames.iter().map(|f| frame_name(*f) + "\n").collect();
            add("kitti/ImageSets/train.txt", list.as_bytes(), &mut sums)?;
        }
        sums.sort_by(|a, b| a[66..].cmp(&b[66..]));
        let sums_text: String = sums.iter().map(|s| s.clone() + "\n").collect();
        write_atomic(&root, "checksums.sha256", sums_text.as_bytes())?;
        manifest["frames"] = serde_json::json!(self.frames.len());
        manifest["checksums"] = serde_json::json!({
            "file": "checksums.sha256",
            "sha256": sha256_hex(sums_text.as_bytes()),
            "files": sums.len(),
            "verify": "sha256sum -c checksums.sha256",
        });
        manifest["complete"] = serde_json::json!(true);
        write_atomic(
            &root,
            "manifest.json",
            &serde_json::to_vec_pretty(&manifest)?,
        )?;
        if self.final_dir.exists() && self.overwrite {
            fs::remove_dir_all(&self.final_dir)
                .with_context(|| format!("removing old {}", self.final_dir.display()))?;
        }
        fs::rename(&root, &self.final_dir).with_context(|| {
            format!("moving {} to {}", root.display(), self.final_dir.display())
        })?;
        Ok(self.final_dir.clone())
    }
}

impl Drop for DatasetWriter {
    fn drop(&mut self) {
        // unfinished: stop the workers; the .partial directory stays for inspection
        drop(self.tx.take());
        for w in self.workers.drain(..) {
            let _ = w.join();
        }
    }
}
