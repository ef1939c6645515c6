//! The writer threads: each takes frames from the bounded channel, writes
//! their files and appends their checksum lines to its own part file.

use super::*;

/// The first error any writer thread met; later ones are dropped (the run
/// stops at the first). A thread that panicked while holding it leaves the
/// message readable.
#[derive(Default)]
pub(super) struct FirstError(Mutex<Option<String>>);

impl FirstError {
    fn slot(&self) -> std::sync::MutexGuard<'_, Option<String>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(super) fn set(&self, message: String) {
        self.slot().get_or_insert(message);
    }

    pub(super) fn get(&self) -> Option<String> {
        self.slot().clone()
    }

    pub(super) fn is_set(&self) -> bool {
        self.slot().is_some()
    }
}

pub(super) fn worker(
    layout: Arc<Layout>,
    rx: Receiver<FrameJob>,
    error: Arc<FirstError>,
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
            error.set(format!("creating {}: {e}", sums_path.display()));
            return;
        }
    };
    for job in rx {
        if error.is_set() {
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
            error.set(format!("{e:#}"));
            break;
        }
    }
    if let Err(e) = sums_file.flush() {
        error.set(format!("writing {}: {e}", sums_path.display()));
    }
}
