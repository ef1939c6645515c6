//! checksums.sha256: every file of the dataset with its SHA-256, joined
//! from the writer threads' part files, folder by folder.

use super::*;

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

pub(super) struct ChecksumsOut {
    pub(super) file: BufWriter<fs::File>,
    pub(super) hasher: Sha256,
    pub(super) files: usize,
}

/// The lines of folder `dir` (relative, "" for the root) and of everything
/// below it, in the order a sort of full paths gives: entries sorted by name,
/// a folder's name compared as "name/".
pub(super) fn checksum_folder(
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
pub(super) fn recorded_sums(parts: &[PathBuf], dir: &str) -> Result<BTreeMap<String, String>> {
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
