//! Dataset writer: frames go through a bounded channel to named worker
//! threads that encode and write every file as temp-name + rename. The run
//! writes into `<out>.partial` and renames it to `<out>` only when the
//! manifest is written, so a dataset directory is never half-written.

pub mod encode;

pub mod auto_exposure;
mod checksums;
mod coco_file;
pub mod delivered;
mod exposure;
mod files;
mod flow;
mod formats;
pub mod manifest;
mod nuscenes;
mod pool;
mod recording;
mod run_index;
mod segmentation;
mod tracking;

use crate::core::coco::{self, CocoImage};
use crate::core::kitti;
use crate::core::lidar::{self, LidarPoint};
use crate::core::record::FrameLabels;
use crate::core::yolo;
use crate::scenario::{DepthFormat, Format, ImageFormat, Output};
use crate::snapshot::CameraInfo;
use crate::snapshot::image::CameraImage;
use crate::snapshot::lidar::LidarInfo;
use anyhow::{Context, Result, anyhow, bail};
pub use checksums::{ChecksumsFile, write_checksums};
pub use coco_file::CocoDocument;
use crossbeam_channel::{Receiver, Sender, bounded};
use files::*;
pub use files::{
    frame_name, rgb_file_name, rgb_path, sha256_hex, write_atomic, write_manifest,
    write_yolo_layout,
};
use formats::*;
pub use formats::{cv_from_vehicle, vehicle_from_lidar};
use pool::*;
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

pub const RUN_FILE: &str = "run.json";

/// A camera's KITTI calib file (KITTI object and KITTI-tracking).
pub(super) fn kitti_calib_text(cam: &CameraInfo, lidars: &[LidarInfo]) -> String {
    // the velodyne frame is the first LiDAR's, else the ego frame
    let cam_from_velo = match lidars.first() {
        Some(l) => crate::core::frames::cv_from_world(&cam.ego_from_camera).mul(&l.ego_from_sensor),
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
        &cam.intrinsics.lens.lens,
    )
}

/// The split of a run (one sample) in split layouts: one run in five goes
/// to `val`, chosen by a hash of what makes the run this run (scenario,
/// seed, frames), so a sweep's samples split 80/20 and a rerun keeps its
/// split.
fn split_of(identity: &str) -> &'static str {
    if Sha256::digest(identity.as_bytes())[0] % 5 == 0 {
        "val"
    } else {
        "train"
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
    error: Arc<FirstError>,
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

/// Whether `--overwrite` may delete `dir`: an empty folder, an Edgecase
/// dataset (its manifest.json says `"tool": "edgecase"`) or an unfinished
/// run of one (its run.json). Anything else (a home folder, a project) is
/// refused, never deleted.
pub fn ensure_replaceable(dir: &Path) -> Result<()> {
    let empty = fs::read_dir(dir).is_ok_and(|mut d| d.next().is_none());
    let manifest: Option<serde_json::Value> = fs::read(dir.join("manifest.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let dataset = manifest.is_some_and(|m| m["tool"] == "edgecase");
    if empty || dataset || dir.join(RUN_FILE).is_file() {
        return Ok(());
    }
    bail!(
        "{} is not an Edgecase dataset (no Edgecase manifest.json) and not empty: \
         --overwrite replaces only datasets; remove it yourself or choose another --out",
        dir.display()
    )
}

/// The existing file at `dir` or above it that stops `dir` being created
/// (or used) as a directory.
pub fn file_in_the_way(dir: &Path) -> Option<&Path> {
    dir.ancestors().find(|a| a.exists() && !a.is_dir())
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
        Ok(_) => ensure_replaceable(out)?,
        _ => {}
    }
    let parent = match out.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    // the first existing ancestor must be a directory
    if let Some(file) = file_in_the_way(&parent) {
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
                ensure_replaceable(&partial_dir)?;
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
            kitti_calib_text(&cfg.cameras[i], &cfg.lidars)
        });
        let layout = Arc::new(Layout {
            root: partial_dir.clone(),
            cameras: cfg.cameras,
            lidars: cfg.lidars,
            output: cfg.output,
            kitti_camera,
            kitti_calib,
            split: split_of(&identity),
            run_key: sha256_hex(identity.as_bytes())[..12].to_string(),
        });
        let worker_count = cfg.workers.max(1);
        let (tx, rx) = bounded::<FrameJob>(worker_count * 2);
        let error = Arc::new(FirstError::default());
        let workers = (0..worker_count)
            .map(|i| {
                let (layout, rx, error) = (layout.clone(), rx.clone(), error.clone());
                let sums_path = partial_dir.join(format!(".checksums.{i}.part"));
                std::thread::Builder::new()
                    .name(format!("edgecase-writer-{i}"))
                    .spawn(move || worker(layout, rx, error, sums_path))
                    .context("starting a writer thread")
            })
            .collect::<Result<Vec<_>>>()?;
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
        match self.error.get() {
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
            .ok_or_else(|| anyhow!("the writer is finished"))?
            .send(job)
            // the workers stop on their first error (a full disk): that
            // error, set before they let go of the queue, is the reason
            .map_err(|_| match self.error.get() {
                Some(e) => anyhow!("{e}"),
                None => anyhow!("writer threads stopped"),
            })?;
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
        if self.layout.output.formats.contains(&Format::Yolo) {
            write_yolo_layout(&root)?;
        }
        let formats = &self.layout.output.formats;
        // deliveries and ego positions, for the files that need them
        let index = (formats.contains(&Format::Panoptic)
            || formats.contains(&Format::Nuscenes)
            || self.layout.kitti_camera.is_some())
        .then(|| run_index::RunIndex::read(&self.layout, frames))
        .transpose()?;
        if let (true, Some(index)) = (formats.contains(&Format::Panoptic), &index) {
            let l = &self.layout;
            segmentation::finish_panoptic(&root, (&l.cameras, l.output.image_format), index)?;
        }
        if let (true, Some(index)) = (formats.contains(&Format::Nuscenes), &index) {
            let location = self.final_dir.file_name().map_or_else(
                || "edgecase".to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            nuscenes::write_tables(
                &root,
                index,
                (&self.layout.cameras, self.layout.output.image_format),
                &self.layout.lidars,
                &self.layout.run_key,
                &location,
            )?;
        }
        if self.layout.output.formats.contains(&Format::Flow) {
            let l = &self.layout;
            flow::write_flow(&root, frames, &l.cameras, &l.lidars, &l.output)?;
        }
        if self.layout.output.formats.contains(&Format::Mcap) {
            let l = &self.layout;
            let images = l.output.rgb.then_some(l.output.image_format);
            recording::write(&root, frames, &l.cameras, &l.lidars, images)?;
        }
        if self.layout.output.formats.contains(&Format::Tracking) {
            let l = &self.layout;
            let cameras = (&l.cameras[..], l.output.image_format);
            tracking::write_files(&root, frames, cameras, &l.lidars)?;
        }
        if let (Some(_), Some(index)) = (self.layout.kitti_camera, &index) {
            let list: String = index
                .kitti_samples()
                .into_iter()
                .map(|f| frame_name(f) + "\n")
                .collect();
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
