//! The writer threads: each takes frames from the bounded channel, writes
//! their files and appends their checksum lines to its own part file.

use super::*;

pub(super) fn worker(
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
