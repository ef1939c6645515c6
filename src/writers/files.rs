//! Files as the writers make them: temp name + rename, hard links where a
//! file appears twice, checksums, and the names of frames.

use super::*;

pub fn frame_name(frame: u64) -> String {
    format!("{frame:06}")
}

/// A camera's rgb file of `frame` with extension `ext` (`png`, `jpg`:
/// `ImageFormat::extension`), relative to the dataset.
pub fn rgb_path(camera: &str, frame: u64, ext: &str) -> String {
    format!("cameras/{camera}/rgb/{}.{ext}", frame_name(frame))
}

/// A camera's rgb file of `frame` in a dataset whose image format is not
/// at hand (a sweep's samples, a dataset being reported on): the JPEG
/// where one is on disk, else the PNG.
pub fn rgb_file_name(dataset: &Path, camera: &str, frame: u64) -> String {
    let jpg = rgb_path(camera, frame, "jpg");
    if dataset.join(&jpg).is_file() {
        jpg
    } else {
        rgb_path(camera, frame, "png")
    }
}

pub fn sha256_hex(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
}

pub(super) fn hex(bytes: &[u8]) -> String {
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
pub(super) fn link_or_write(
    root: &Path,
    from: &str,
    to: &str,
    bytes: impl FnOnce() -> Vec<u8>,
) -> Result<()> {
    let (path, tmp) = staged(root, to)?;
    let _ = fs::remove_file(&tmp);
    if fs::hard_link(root.join(from), &tmp).is_err() {
        return write_atomic(root, to, &bytes());
    }
    publish(&tmp, &path)
}

/// `root/rel` and the temp name beside it that it is written under; the
/// folder is made.
pub(super) fn staged(root: &Path, rel: &str) -> Result<(PathBuf, PathBuf)> {
    let path = root.join(rel);
    let (Some(dir), Some(name)) = (path.parent(), path.file_name()) else {
        bail!("{} names no file in a folder", path.display());
    };
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let name = name.to_string_lossy();
    let tmp = dir.join(format!(".{name}.tmp"));
    Ok((path, tmp))
}

/// Move a finished temp file to its name.
pub(super) fn publish(tmp: &Path, path: &Path) -> Result<()> {
    fs::rename(tmp, path)
        .with_context(|| format!("renaming {} to {}", tmp.display(), path.display()))
}

/// Write `bytes` to `root/rel` through a temp file in the same folder.
pub fn write_atomic(root: &Path, rel: &str, bytes: &[u8]) -> Result<()> {
    let (path, tmp) = staged(root, rel)?;
    fs::write(&tmp, bytes).with_context(|| format!("writing {}", tmp.display()))?;
    publish(&tmp, &path)
}

/// Every file under `root` (relative paths, '/'-separated), sorted.
pub(super) fn all_files(root: &Path) -> Result<Vec<String>> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in fs::read_dir(&dir).with_context(|| format!("reading {}", dir.display()))? {
            let p = e?.path();
            if p.is_dir() {
                stack.push(p);
            } else {
                // read from under root, so the prefix is there
                let rel = p
                    .strip_prefix(root)
                    .unwrap_or(&p)
                    .to_string_lossy()
                    .replace('\\', "/");
                out.push(rel);
            }
        }
    }
    out.sort();
    Ok(out)
}

pub(super) fn is_temp(rel: &str) -> bool {
    rel.rsplit('/')
        .next()
        .is_some_and(|n| n.starts_with('.') && n.ends_with(".tmp"))
}

/// A file written through a buffered temp file beside it and renamed into
/// place by `publish` (a kill leaves only the temp name, which a resume
/// removes).
pub(super) struct StagedFile {
    pub(super) out: BufWriter<fs::File>,
    tmp: PathBuf,
    path: PathBuf,
}

impl StagedFile {
    pub(super) fn create(root: &Path, rel: &str) -> Result<StagedFile> {
        let (path, tmp) = staged(root, rel)?;
        let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
        Ok(StagedFile {
            out: BufWriter::new(file),
            tmp,
            path,
        })
    }

    pub(super) fn publish(self) -> Result<()> {
        self.out
            .into_inner()
            .map_err(|e| anyhow!("writing {}: {}", self.tmp.display(), e.error()))?
            .sync_all()?;
        fs::rename(&self.tmp, &self.path)
            .with_context(|| format!("renaming {}", self.path.display()))
    }
}

/// The YOLO folders' fixed parts under `root`: both splits' folders and
/// every kind's data.yaml (naming the split that has images for both keys
/// when the other is empty: see `core::yolo::data_yaml`).
pub fn write_yolo_layout(root: &Path) -> Result<()> {
    for kind in crate::core::yolo::KINDS {
        for split in ["train", "val"] {
            for dir in ["images", "labels"] {
                let d = root.join(format!("yolo/{kind}/{dir}/{split}"));
                fs::create_dir_all(&d).with_context(|| format!("creating {}", d.display()))?;
            }
        }
        let empty = |split: &str| -> Result<bool> {
            let d = root.join(format!("yolo/{kind}/images/{split}"));
            Ok(fs::read_dir(&d)
                .with_context(|| format!("reading {}", d.display()))?
                .next()
                .is_none())
        };
        let yaml = crate::core::yolo::kind_data_yaml(kind, empty("train")?, empty("val")?);
        write_atomic(root, &format!("yolo/{kind}/data.yaml"), yaml.as_bytes())?;
    }
    Ok(())
}

/// The canonical labels of frame `f` of the dataset at `root`.
pub(super) fn read_frame_labels(root: &Path, f: u64) -> Result<crate::core::record::FrameLabels> {
    let path = root.join(format!("labels/{}.json", frame_name(f)));
    serde_json::from_slice(&fs::read(&path)?).with_context(|| format!("reading {}", path.display()))
}
