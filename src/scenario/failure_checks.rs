//! Validation of `sensors.failures` (see `validate`).

use super::Scenario;
use super::locate::{field, item};
use super::validate::Invalid;

/// Sensor failures: a sensor that exists, a kind that suits it, a window
/// and parameters in range.
pub(super) fn check_failures(s: &Scenario) -> Result<(), Invalid> {
    use crate::core::failures::FailureKind;
    for (i, f) in s.sensors.failures.iter().enumerate() {
        let at = |name: &'static str| vec![field("sensors"), item("failures", i), field(name)];
        let camera = s.sensors.cameras.iter().any(|c| c.name == f.sensor);
        let lidar = s.sensors.lidars.iter().any(|l| l.name == f.sensor);
        if !camera && !lidar {
            return Err((
                at("sensor"),
                format!("sensor {:?} names no camera or LiDAR", f.sensor),
            ));
        }
        if !f.kind.suits(camera) {
            let what = if camera { "a camera" } else { "a LiDAR" };
            return Err((
                at("kind"),
                format!(
                    "{:?} is {what}: this failure is for the other kind of sensor",
                    f.sensor
                ),
            ));
        }
        if !(f.start_s.is_finite() && f.start_s >= 0.0) {
            return Err((
                at("start_s"),
                format!("start_s is {}; it must be >= 0", f.start_s),
            ));
        }
        if !(f.duration_s.is_finite() && f.duration_s > 0.0) {
            return Err((
                at("duration_s"),
                format!("duration_s is {}; it must be > 0", f.duration_s),
            ));
        }
        let bad = match &f.kind {
            FailureKind::DeadRings { rings } if rings.is_empty() => {
                Some("rings is empty".to_string())
            }
            FailureKind::BlockedSector { from_deg, to_deg }
                if !(from_deg.is_finite()
                    && to_deg.is_finite()
                    && from_deg.abs() <= 360.0
                    && to_deg.abs() <= 360.0) =>
            {
                Some(format!(
                    "the sector {from_deg}..{to_deg} degrees must lie in -360 ..= 360"
                ))
            }
            FailureKind::ReducedRange { max_range_m }
                if !(max_range_m.is_finite() && *max_range_m > 0.0) =>
            {
                Some(format!("max_range_m is {max_range_m}; it must be > 0"))
            }
            FailureKind::Interference { points_per_sweep }
                if !(1..=100_000).contains(points_per_sweep) =>
            {
                Some(format!(
                    "points_per_sweep is {points_per_sweep}; it must be in 1 ..= 100000"
                ))
            }
            FailureKind::ClockOffset { offset_ms }
                if !(offset_ms.is_finite()
                    && offset_ms.abs() <= crate::core::failures::MAX_CLOCK_OFFSET_MS) =>
            {
                Some(format!(
                    "offset_ms is {offset_ms}; it must lie in -{max} ..= {max}",
                    max = crate::core::failures::MAX_CLOCK_OFFSET_MS
                ))
            }
            // stamps before the run's first frame have no meaning in the
            // formats' unsigned times
            FailureKind::ClockOffset { offset_ms } if f.start_s + offset_ms / 1000.0 < 0.0 => {
                Some(format!(
                    "offset_ms {offset_ms} from start_s {} stamps frames before the first frame (t < 0): start the window at >= {} s",
                    f.start_s,
                    -offset_ms / 1000.0
                ))
            }
            // the repeated image is read back from its rgb file
            FailureKind::Frozen if !s.output.rgb => Some(
                "a frozen camera repeats the rgb file of its window's first frame: it needs output.rgb (on by default)".to_string(),
            ),
            _ => None,
        };
        if let Some(msg) = bad {
            return Err((at("kind"), msg));
        }
        // a frozen camera repeats its window's first image: that frame
        // must exist
        let window =
            |f: &crate::core::failures::SensorFailure| (f.start_s, f.start_s + f.duration_s);
        let clash = s.sensors.failures[..i].iter().find(|g| {
            let kinds = [&f.kind, &g.kind];
            let (a, b) = (window(f), window(g));
            g.sensor == f.sensor
                && kinds.contains(&&FailureKind::Dropped)
                && kinds.contains(&&FailureKind::Frozen)
                && a.0 < b.1
                && b.0 < a.1
        });
        if clash.is_some() {
            return Err((
                at("kind"),
                format!(
                    "{:?} would drop frames and freeze in overlapping windows: a frozen camera repeats a frame it delivered",
                    f.sensor
                ),
            ));
        }
    }
    Ok(())
}
