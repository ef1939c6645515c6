//! SIGINT / SIGTERM / SIGHUP (a closed terminal or a dropped SSH session)
//! stop a headless run between frames: the frames already handed to the
//! writers are finished, the `.partial` directory stays, and the same
//! command resumes it. A second signal ends the process at once. A signal
//! the parent set to be ignored (`nohup`, a script's `&`) stays ignored.

use std::sync::atomic::{AtomicI32, Ordering};

static STOP_SIGNAL: AtomicI32 = AtomicI32::new(0);

/// The run was stopped by a signal; the exit code is 128 + the signal.
#[derive(Debug, thiserror::Error)]
#[error("stopped by {}", signal_name(*.signal))]
pub struct Interrupted {
    pub signal: i32,
}

impl Interrupted {
    pub fn exit_code(&self) -> u8 {
        (128 + self.signal).clamp(0, 255) as u8
    }
}

pub fn signal_name(signal: i32) -> &'static str {
    match signal {
        1 => "SIGHUP",
        2 => "SIGINT",
        15 => "SIGTERM",
        _ => "a signal",
    }
}

#[cfg(target_os = "linux")]
extern "C" fn on_signal(signal: libc::c_int) {
    // only an atomic store: async-signal-safe
    STOP_SIGNAL.store(signal, Ordering::SeqCst);
}

/// Catch SIGHUP, SIGINT and SIGTERM (once each: SA_RESETHAND restores the
/// default, so a second one kills), unless the parent ignores it.
pub fn install() {
    #[cfg(target_os = "linux")]
    for signal in [libc::SIGHUP, libc::SIGINT, libc::SIGTERM] {
        // SAFETY: a zeroed sigaction is valid; the handler only stores an atomic.
        unsafe {
            let mut old: libc::sigaction = std::mem::zeroed();
            libc::sigaction(signal, std::ptr::null(), &mut old);
            if old.sa_sigaction == libc::SIG_IGN {
                continue;
            }
            let mut action: libc::sigaction = std::mem::zeroed();
            action.sa_sigaction = on_signal as *const () as libc::sighandler_t;
            action.sa_flags = libc::SA_RESETHAND;
            libc::sigemptyset(&mut action.sa_mask);
            libc::sigaction(signal, &action, std::ptr::null_mut());
        }
    }
}

/// The stop a signal asked for, if one came.
pub fn requested() -> Option<Interrupted> {
    match STOP_SIGNAL.load(Ordering::SeqCst) {
        0 => None,
        signal => Some(Interrupted { signal }),
    }
}

/// The exit code for a failed run: 128 + signal when a signal stopped it.
pub fn exit_code(error: &anyhow::Error) -> u8 {
    error
        .chain()
        .find_map(|e| e.downcast_ref::<Interrupted>())
        .map_or(1, Interrupted::exit_code)
}
