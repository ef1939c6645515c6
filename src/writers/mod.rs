//! Dataset writer: frames go through a bounded channel to named worker
//! threads that encode and write every file as temp-name + rename. The run
//! writes into `<out>.partial` and renames it to `<out>` only when the
//! manifest is written, so a dataset directory is never half-written.

pub mod encode;
pub mod manifest;

use crate::core::coco::{self, CocoImage};
use crate::core::kitti;
use crate::core::label::FrameLabels;
use crate::core::lidar::{self, LidarPoint};
use crate::scenario::{DepthFormat, Format, Output};
use crate::snapshot::CameraInfo;
use crate::snapshot::image::CameraImage;
use crate::snapshot::lidar::LidarInfo;
use anyhow::{Context, Result, anyhow, bail};
use crossbeam_channel::{Receiver, Sender, bounded};
use sha2::{Digest, Sha256};
use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

pub struct DatasetConfig {
    pub out_dir: PathBuf,
    pub overwrite: bool,
    pub cameras: Vec<CameraInfo>,
    pub lidars: Vec<LidarInfo>,
    pub output: Output,
    pub workers: usize,
    /// What makes this run this run (tool version, resolved scenario, frame
    /// count, ...). A `<out>.partial` with the same identity is resumed; one
    /// with another identity is refused.
    pub identity: serde_json::Value,
}

const RUN_FILE: &str = "run.json";

struct FrameJob {
    labels: Arc<FrameLabels>,
    images: Vec<CameraImage>,
    lidar_points: Vec<Vec<LidarPoint>>,
}

/// What a worker needs to know, shared read-only.
struct Layout {
    root: PathBuf,
    cameras: Vec<CameraInfo>,
    lidars: Vec<LidarInfo>,
    output: Output,
    kitti_camera: Option<usize>,
    /// calib file text of the KITTI camera (constant: the rig is rigid)
    kitti_calib: String,
}

pub fn frame_name(frame: u64) -> String {
    format!("{frame:06}")
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Write `manifest.json` and, beside it, `manifest.sha256` (sha256sum's
/// format): checksums.sha256 cannot cover the manifest that holds its own
/// sum, so this closes the chain (`sha256sum -c manifest.sha256`).
pub fn write_manifest(root: &Path, manifest: &serde_json::Value) -> Result<()> {
    let bytes = serde_json::to_vec_pretty(manifest)?;
    write_atomic(root, "manifest.json", &bytes)?;
    let line = format!("{}  manifest.json\n", sha256_hex(&bytes));
    write_atomic(root, "manifest.sha256", line.as_bytes())
}

/// Give `root/from` (already written) a second name `root/to`, atomically:
/// a hard link through a temp name, else `bytes` written there.
fn link_or_write(root: &Path, from: &str, to: &str, bytes: &[u8]) -> Result<()> {
    let (path, tmp) = staged(root, to)?;
    let _ = fs::remove_file(&tmp);
    if fs::hard_link(root.join(from), &tmp).is_err() {
        return write_atomic(root, to, bytes);
    }
    publish(&tmp, &path)
}

/// `root/rel` and the temp name beside it that it is written under; the
/// folder is made.
fn staged(root: &Path, rel: &str) -> Result<(PathBuf, PathBuf)> {
    let path = root.join(rel);
    let dir = path.parent().expect("dataset paths have a parent");
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = path.file_name().expect("file name").to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    Ok((path, tmp))
}

/// Move a finished temp file to its name.
fn publish(tmp: &Path, path: &Path) -> Result<()> {
    fs::rename(tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

/// Write `bytes` to `root/rel` through a temp file in the same folder.
pub fn write_atomic(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let (path, tmp) = staged(root, rel)?;
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    publish(&tmp, &path)
}

/// Cameras' OpenCV frame from the ego/LiDAR frame (x fwd, y left, z up).
pub fn cv_from_vehicle(cam: &CameraInfo) -> crate::core::frames::Pose {
    use glam::{DMat3, DQuat, DVec3};
    let sim_from_vehicle = crate::core::frames::Pose::new(
        DQuat::from_mat3(&DMat3::from_cols(DVec3::X, -DVec3::Z, DVec3::Y)),
        DVec3::ZERO,
    );
    crate::core::frames::cv_from_world(&cam.ego_from_camera).mul(&sim_from_vehicle)
}

impl Layout {
    /// Write one file and record its checksum line; returns the sum.
    fn write(&self, rel: String, bytes: &[u8], sums: &mut Vec<String>) -> Result<String> {
        write_atomic(&self.root, &rel, bytes)?;
        let sum = sha256_hex(bytes);
        sums.push(format!("{sum}  {rel}"));
        Ok(sum)
    }

    fn write_frame(&self, job: &FrameJob, sums: &mut Vec<String>) -> Result<()> {
        let name = frame_name(job.labels.frame);
        let o = &self.output;
        for (ci, (cam, img)) in self.cameras.iter().zip(&job.images).enumerate() {
            let dir = format!("cameras/{}", cam.name);
            let (w, h) = (img.width, img.height);
            let needs_rgb = o.rgb || self.kitti_camera == Some(ci);
            let rgb = needs_rgb.then(|| encode::rgb_png(w, h, img.rgba()));
            if let (true, Some(png)) = (o.rgb, &rgb) {
                self.write(format!("{dir}/rgb/{name}.png"), png, sums)?;
            }
            if o.semantic {
                self.write(
                    format!("{dir}/semantic/{name}.png"),
                    &encode::semantic_png(w, h, img.labels()),
                    sums,
                )?;
            }
            if o.instance {
                self.write(
                    format!("{dir}/instance/{name}.png"),
                    &encode::instance_png(w, h, img.labels()),
                    sums,
                )?;
            }
            // converted here, on a writer thread, once for every depth format
            let depth_m = if o.depth.is_empty() {
                Vec::new()
            } else {
                img.to_depth_m()
            };
            for d in &o.depth {
                let (rel, bytes) = match d {
                    DepthFormat::Png16 => (
                        format!("{dir}/depth/{name}.png"),
                        encode::depth_png(w, h, &depth_m),
                    ),
                    DepthFormat::Npy32 => (
                        format!("{dir}/depth/{name}.npy"),
                        encode::depth_npy(w, h, &depth_m),
                    ),
                };
                self.write(rel, &bytes, sums)?;
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
        for (li, (lidar, points)) in self.lidars.iter().zip(&job.lidar_points).enumerate() {
            let dir = format!("lidar/{}", lidar.name);
            let bin = lidar::kitti_bin(points);
            let bin_rel = format!("{dir}/velodyne/{name}.bin");
            let bin_sum = self.write(bin_rel.clone(), &bin, sums)?;
            self.write(
                format!("{dir}/labels/{name}.label"),
                &lidar::semantic_kitti_label(points),
                sums,
            )?;
            self.write(format!("{dir}/pcd/{name}.pcd"), &lidar::pcd(points), sums)?;
            if li == 0 && self.kitti_camera.is_some() {
                // the same bytes under KITTI's name: a hard link (one write,
                // one hash), a copy where links fail
                let rel = format!("kitti/training/velodyne/{name}.bin");
                link_or_write(&self.root, &bin_rel, &rel, &bin)?;
                sums.push(format!("{bin_sum}  {rel}"));
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
    // append: a resumed run adds to the sums of the frames written before
    let mut sums_file = match fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(&sums_path)
    {
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
    /// Frames complete on disk when the writer was created (resume).
    completed: BTreeSet<u64>,
}

/// Frames whose canonical labels file exists: it is written last, so the
/// frame's other files are complete too.
fn complete_frames(root: &Path) -> BTreeSet<u64> {
    let Ok(dir) = fs::read_dir(root.join("labels")) else {
        return BTreeSet::new();
    };
    dir.filter_map(|e| e.ok())
        .filter_map(|e| e.file_name().to_str()?.strip_suffix(".json")?.parse().ok())
        .collect()
}

/// Every file under `root` (relative paths, '/'-separated), sorted.
fn all_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                let rel = p
                    .strip_prefix(root)
                    .expect("under root")
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

fn is_temp(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with('.') && n.ends_with(".tmp"))
}

/// Check a dataset destination before anything renders: `out` must not be
/// an existing file, an existing dataset only with `overwrite`, and its
/// parent a writable directory (created if missing).
pub fn preflight_output(out: &Path, overwrite: bool) -> Result<()> {
    if out.file_name().is_none() {
        bail!("--out {} does not name a directory", out.display());
    }
    match fs::symlink_metadata(out) {
        Ok(m) if !m.is_dir() => bail!(
            "--out {} exists and is not a directory; --overwrite replaces only dataset directories",
            out.display()
        ),
        Ok(_) if !overwrite => bail!(
            "output directory {} already exists; choose another --out or pass --overwrite",
            out.display()
        ),
        _ => {}
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // the first existing ancestor must be a directory
    if let Some(file) = parent.ancestors().find(|a| a.exists() && !a.is_dir()) {
        bail!(
            "cannot create {}: {} is not a directory",
            out.display(),
            file.display()
        );
    }
    fs::create_dir_all(&parent).with_context(|| format!("cannot create {}", parent.display()))?;
    // writable: the run creates <out>.partial here
    let probe = parent.join(format!(".edgecase-probe-{}", std::process::id()));
    fs::write(&probe, b"").with_context(|| format!("cannot write in {}", parent.display()))?;
    let _ = fs::remove_file(&probe);
    Ok(())
}

impl DatasetWriter {
    /// Checks the destination (refuses to replace a dataset unless
    /// `overwrite`), then creates `<out>.partial` and starts the workers.
    pub fn create(cfg: DatasetConfig) -> Result<DatasetWriter> {
        let final_dir = cfg.out_dir.clone();
        preflight_output(&final_dir, cfg.overwrite)?;
        let file_name = final_dir
            .file_name()
            .ok_or_else(|| anyhow!("--out {} does not name a directory", final_dir.display()))?;
        let partial_dir =
            final_dir.with_file_name(format!("{}.partial", file_name.to_string_lossy()));
        let identity = serde_json::to_string_pretty(&cfg.identity)?;
        let mut completed = BTreeSet::new();
        if partial_dir.exists() {
            let previous = fs::read_to_string(partial_dir.join(RUN_FILE)).unwrap_or_default();
            if previous == identity {
                // resume: keep finished frames, drop what a kill left half-written
                completed = complete_frames(&partial_dir);
                for rel in all_files(&partial_dir)? {
                    if is_temp(&rel) {
                        fs::remove_file(partial_dir.join(&rel))?;
                    }
                }
            } else if cfg.overwrite {
                fs::remove_dir_all(&partial_dir)
                    .with_context(|| format!("removing {}", partial_dir.display()))?;
            } else {
                bail!(
                    "{} holds an unfinished run of a different scenario, sweep sample, settings or Edgecase version; \
                     remove it or pass --overwrite",
                    partial_dir.display()
                );
            }
        }
        if !partial_dir.exists() {
            fs::create_dir_all(&partial_dir)
                .with_context(|| format!("creating {}", partial_dir.display()))?;
            write_atomic(&partial_dir, RUN_FILE, identity.as_bytes())?;
        }
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
            // the velodyne frame is the first LiDAR's, else the ego frame
            let cam_from_velo = match cfg.lidars.first() {
                Some(l) => {
                    crate::core::frames::cv_from_world(&cam.ego_from_camera).mul(&l.ego_from_sensor)
                }
                None => cv_from_vehicle(cam),
            };
            // the ego is planar, so the mount alone gives the level frame
            let rect_from_cv =
                kitti::rect_from_cv_pose(&crate::core::frames::cv_from_world(&cam.ego_from_camera));
            kitti::calib_file(
                cam.intrinsics.p_matrix_opencv(),
                glam::DMat3::from_quat(rect_from_cv.rotation),
                &cam_from_velo,
                &crate::core::frames::Pose::IDENTITY,
            )
        });
        let layout = Arc::new(Layout {
            root: partial_dir.clone(),
            cameras: cfg.cameras,
            lidars: cfg.lidars,
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
        Ok(DatasetWriter {
            final_dir,
            partial_dir,
            overwrite: cfg.overwrite,
            layout,
            tx: Some(tx),
            workers,
            worker_count,
            error,
            completed,
        })
    }

    /// Frames already complete in a resumed `<out>.partial` (empty for a fresh run).
    pub fn completed_frames(&self) -> &BTreeSet<u64> {
        &self.completed
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
    /// memory stays flat).
    pub fn write(
        &mut self,
        labels: FrameLabels,
        images: Vec<CameraImage>,
        lidar_points: Vec<Vec<LidarPoint>>,
    ) -> Result<()> {
        self.check_error()?;
        let job = FrameJob {
            labels: Arc::new(labels),
            images,
            lidar_points,
        };
        self.tx
            .as_ref()
            .expect("writer open")
            .send(job)
            .map_err(|_| anyhow!("writer threads stopped"))?;
        Ok(())
    }

    /// Wait for the workers, derive the run-level files (COCO, ImageSets,
    /// checksums) from what is on disk, write the manifest and move the
    /// dataset into place. Every frame in 0..frames must be complete.
    /// `manifest` gets `frames` and `checksums` added.
    pub fn finish(self, frames: u64, manifest: serde_json::Value) -> Result<PathBuf> {
        let partial = self.partial_dir.clone();
        self.finish_files(frames, manifest).with_context(|| {
            format!(
                "finishing the dataset in {} (its frames are kept; the same command resumes)",
                partial.display()
            )
        })
    }

    fn finish_files(mut self, frames: u64, mut manifest: serde_json::Value) -> Result<PathBuf> {
        drop(self.tx.take());
        for w in self.workers.drain(..) {
            w.join().map_err(|_| anyhow!("a writer thread panicked"))?;
        }
        self.check_error()?;
        let root = self.partial_dir.clone();
        let done = complete_frames(&root);
        if let Some(missing) = (0..frames).find(|f| !done.contains(f)) {
            bail!("frame {missing} is missing from {}", root.display());
        }
        if self.layout.output.formats.contains(&Format::Coco) {
            let mut coco = CocoDocument::create(&root)?;
            coco.add_frames(&root, frames, self.layout.cameras.len(), 0, "")?;
            coco.finish()?;
        }
        if self.layout.kitti_camera.is_some() {
            let list: String = (0..frames).map(|f| frame_name(f) + "\n").collect();
            write_atomic(&root, "kitti/ImageSets/train.txt", list.as_bytes())?;
        }
        // SemanticKITTI readers map our class ids through this learning_map
        let lidar_yaml = crate::core::classes::semantic_kitti_yaml();
        for l in &self.layout.lidars {
            write_atomic(
                &root,
                &format!("lidar/{}/semantic-kitti.yaml", l.name),
                lidar_yaml.as_bytes(),
            )?;
        }
        let sums = write_checksums(&root, self.worker_count)?;
        manifest["frames"] = serde_json::json!(frames);
        manifest["checksums"] = serde_json::json!({
            "file": "checksums.sha256",
            "sha256": sums.sha256,
            "files": sums.files,
            "verify": "sha256sum -c checksums.sha256",
        });
        manifest["complete"] = serde_json::json!(true);
        write_manifest(&root, &manifest)?;
        fs::remove_file(root.join(RUN_FILE))?;
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

/// A COCO annotations.json assembled as frames are added, with memory flat
/// in the number of frames: image and annotation records go to two
/// temporary files (JSON, one record per line) that `finish` joins into the
/// document, so a 50,000-frame dataset never holds its annotations at once.
pub struct CocoDocument {
    dir: PathBuf,
    images: BufWriter<fs::File>,
    annotations: BufWriter<fs::File>,
    image_count: u64,
    annotation_count: u64,
}

const COCO_IMAGES_TMP: &str = ".annotations.images.tmp";
const COCO_ANNOTATIONS_TMP: &str = ".annotations.records.tmp";

impl CocoDocument {
    /// A document to be written as `root/coco/annotations.json`.
    pub fn create(root: &Path) -> Result<CocoDocument> {
        let dir = root.join("coco");
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let open = |name: &str| -> Result<BufWriter<fs::File>> {
            let path = dir.join(name);
            Ok(BufWriter::new(
                fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
            ))
        };
        Ok(CocoDocument {
            images: open(COCO_IMAGES_TMP)?,
            annotations: open(COCO_ANNOTATIONS_TMP)?,
            dir,
            image_count: 0,
            annotation_count: 0,
        })
    }

    /// Image and annotation records for frames 0..frames of the dataset at
    /// `dataset`, from its canonical labels, in frame order. Image ids use
    /// frame `frame_offset + f`; file names get `prefix`.
    pub fn add_frames(
        &mut self,
        dataset: &Path,
        frames: u64,
        camera_count: usize,
        frame_offset: u64,
        prefix: &str,
    ) -> Result<()> {
        // records are separated by ",\n" in the document
        fn record(out: &mut BufWriter<fs::File>, count: &mut u64, json: &str) -> Result<()> {
            if *count > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(json.as_bytes())?;
            *count += 1;
            Ok(())
        }
        for f in 0..frames {
            let path = dataset.join(format!("labels/{}.json", frame_name(f)));
            let labels: FrameLabels = serde_json::from_slice(&fs::read(&path)?)
                .with_context(|| format!("reading {}", path.display()))?;
            for (ci, cam) in labels.cameras.iter().enumerate() {
                let image_id = coco::image_id(frame_offset + labels.frame, ci, camera_count);
                let img = CocoImage {
                    id: image_id,
                    width: cam.width,
                    height: cam.height,
                    file_name: format!(
                        "{prefix}cameras/{}/rgb/{}.png",
                        cam.camera,
                        frame_name(labels.frame)
                    ),
                    frame: labels.frame,
                    camera: cam.camera.clone(),
                };
                record(
                    &mut self.images,
                    &mut self.image_count,
                    &serde_json::to_string(&img)?,
                )?;
                for (oi, obj) in cam.objects.iter().enumerate() {
                    if let Some(a) = coco::annotation(obj, image_id, oi) {
                        record(
                            &mut self.annotations,
                            &mut self.annotation_count,
                            &serde_json::to_string(&a)?,
                        )?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Join the records into `coco/annotations.json` (written atomically),
    /// and remove the temporary files.
    pub fn finish(self) -> Result<()> {
        let CocoDocument {
            dir,
            images,
            annotations,
            ..
        } = self;
        for part in [images, annotations] {
            part.into_inner()
                .map_err(|e| anyhow!("flushing COCO records: {}", e.error()))?
                .sync_all()?;
        }
        let info = serde_json::json!({"description": "Edgecase synthetic dataset", "version": env!("CARGO_PKG_VERSION")});
        let tmp = dir.join(".annotations.json.tmp");
        let mut out = BufWriter::new(
            fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
        );
        write!(
            out,
            "{{\"info\": {info},\n\"licenses\": [],\n\"categories\": {},\n\"images\": [\n",
            serde_json::to_string(&coco::categories())?
        )?;
        std::io::copy(&mut fs::File::open(dir.join(COCO_IMAGES_TMP))?, &mut out)?;
        out.write_all(b"\n],\n\"annotations\": [\n")?;
        std::io::copy(
            &mut fs::File::open(dir.join(COCO_ANNOTATIONS_TMP))?,
            &mut out,
        )?;
        out.write_all(b"\n]}\n")?;
        out.into_inner()
            .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?;
        fs::rename(&tmp, dir.join("annotations.json"))
            .with_context(|| format!("renaming {}", tmp.display()))?;
        fs::remove_file(dir.join(COCO_IMAGES_TMP))?;
        fs::remove_file(dir.join(COCO_ANNOTATIONS_TMP))?;
        Ok(())
    }
}

/// What `write_checksums` wrote: the SHA-256 of checksums.sha256 itself and
/// how many files it lists.
pub struct ChecksumsFile {
    pub sha256: String,
    pub files: usize,
}

/// Write `root/checksums.sha256` (atomically): `sha256sum` text for every
/// file under `root` except the run's own bookkeeping, sorted by path. Sums
/// the workers recorded are reused (the last one per path wins); anything
/// else is hashed here. Memory stays flat in the frame count: folders are
/// walked in path order one at a time, and each folder's recorded sums are
/// streamed out of the workers' part files when the walk reaches it.
pub fn write_checksums(root: &Path, worker_count: usize) -> Result<ChecksumsFile> {
    let parts: Vec<PathBuf> = (0..worker_count.max(64))
        .map(|i| root.join(format!(".checksums.{i}.part")))
        .filter(|p| p.exists())
        .collect();
    let tmp = root.join(".checksums.sha256.tmp");
    let mut out = ChecksumsOut {
        file: BufWriter::new(
            fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
        ),
        hasher: Sha256::new(),
        files: 0,
    };
    checksum_folder(root, "", &parts, &mut out)?;
    let ChecksumsOut {
        file,
        hasher,
        files,
    } = out;
    file.into_inner()
        .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?;
    fs::rename(&tmp, root.join("checksums.sha256"))
        .with_context(|| format!("renaming {}", tmp.display()))?;
    for p in parts {
        fs::remove_file(p)?;
    }
    Ok(ChecksumsFile {
        sha256: hex(&hasher.finalize()),
        files,
    })
}

struct ChecksumsOut {
    file: BufWriter<fs::File>,
    hasher: Sha256,
    files: usize,
}

/// The lines of folder `dir` (relative, "" for the root) and of everything
/// below it, in the order a sort of full paths gives: entries sorted by name,
/// a folder's name compared as "name/".
fn checksum_folder(
    root: &Path,
    dir: &str,
    parts: &[PathBuf],
    out: &mut ChecksumsOut,
) -> Result<()> {
    let path = root.join(dir);
    let mut entries: Vec<(String, bool)> = Vec::new();
    for e in fs::read_dir(&path).with_context(|| format!("reading {}", path.display()))? {
        let e = e?;
        let name = e.file_name().to_string_lossy().to_string();
        let is_dir = e.file_type()?.is_dir();
        entries.push((if is_dir { format!("{name}/") } else { name }, is_dir));
    }
    entries.sort();
    let mut recorded: Option<BTreeMap<String, String>> = None;
    for (key, is_dir) in entries {
        let rel = format!("{dir}{key}");
        if is_dir {
            checksum_folder(root, &rel, parts, out)?;
            continue;
        }
        if rel == RUN_FILE
            || rel == "manifest.json"
            || rel == "checksums.sha256"
            || rel.starts_with(".checksums.")
            || is_temp(&rel)
        {
            continue;
        }
        let known = match &mut recorded {
            Some(k) => k,
            None => recorded.insert(recorded_sums(parts, dir)?),
        };
        let line = match known.get(&rel) {
            Some(sum) => format!("{sum}  {rel}\n"),
            None => format!("{}  {rel}\n", sha256_hex(&fs::read(root.join(&rel))?)),
        };
        out.file.write_all(line.as_bytes())?;
        out.hasher.update(line.as_bytes());
        out.files += 1;
    }
    Ok(())
}

/// The sums the workers recorded for the files directly in folder `dir`
/// (relative, ending in '/', or "" for the root); the last line per path wins.
fn recorded_sums(parts: &[PathBuf], dir: &str) -> Result<BTreeMap<String, String>> {
    use std::io::BufRead;
    let mut known = BTreeMap::new();
    for p in parts {
        let reader = std::io::BufReader::new(
            fs::File::open(p).with_context(|| format!("reading {}", p.display()))?,
        );
        for line in reader.lines() {
            let line = line?;
            if let Some((sum, rel)) = line.split_once("  ")
                && let Some(name) = rel.strip_prefix(dir)
                && !name.contains('/')
            {
                known.insert(rel.to_string(), sum.to_string());
            }
        }
    }
    Ok(known)
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The folder-by-folder walk gives the order a sort of full paths gives
    /// (a folder "labels/" after a file "labels.txt", before "labelsx"),
    /// reuses the sums the workers recorded (last one wins) and hashes the
    /// rest; the bookkeeping files are left out.
    #[test]
    fn checksums_are_sorted_by_path_and_reuse_recorded_sums() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path();
        let files = [
            "labels/000001.json",
            "labels/000000.json",
            "labels.txt",
            "labelsx",
            "a/b/c.bin",
            "a/b.bin",
            "a-b",
            "z",
            "manifest.json",
            RUN_FILE,
            "labels/.000002.json.tmp",
        ];
        for f in files {
            let p = root.join(f);
            fs::create_dir_all(p.parent().unwrap()).unwrap();
            fs::write(&p, f.as_bytes()).unwrap();
        }
        // worker 0 recorded one file twice (the later line wins), worker 1 another
        fs::write(
            root.join(".checksums.0.part"),
            "00  labels/000000.json\nrecorded  labels/000000.json\n",
        )
        .unwrap();
        fs::write(root.join(".checksums.1.part"), "sum-of-b  a/b.bin\n").unwrap();
        let sums = write_checksums(root, 2).unwrap();
        let text = fs::read_to_string(root.join("checksums.sha256")).unwrap();
        let paths: Vec<&str> = text
            .lines()
            .map(|l| l.split_once("  ").unwrap().1)
            .collect();
        let mut sorted = paths.clone();
        sorted.sort();
        assert_eq!(paths, sorted);
        assert_eq!(
            paths,
            [
                "a-b",
                "a/b.bin",
                "a/b/c.bin",
                "labels.txt",
                "labels/000000.json",
                "labels/000001.json",
                "labelsx",
                "z"
            ]
        );
        assert!(text.contains("recorded  labels/000000.json\n"));
        assert!(text.contains("sum-of-b  a/b.bin\n"));
        let z = format!("{}  z\n", sha256_hex(b"z"));
        assert!(text.contains(&z), "{text}");
        assert_eq!(sums.files, 8);
        assert_eq!(sums.sha256, sha256_hex(text.as_bytes()));
        assert!(!root.join(".checksums.0.part").exists());
    }
}
