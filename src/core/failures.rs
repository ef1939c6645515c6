//! Sensor failures as scenario events: for a time window a camera goes
//! black or is blinded (colour only: the labels still describe the scene),
//! or a LiDAR loses rings, a sector or range (its returns are gone, so
//! `num_lidar_pts` and the LiDAR labels drop too), or a sensor's clock runs
//! off the others' (its data is stamped with the wrong time). Each frame's
//! labels list the failures active in it.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SensorFailure {
    /// A camera's or LiDAR's name.
    pub sensor: String,
    pub kind: FailureKind,
    /// When it starts, seconds from the first frame.
    #[serde(default)]
    pub start_s: f64,
    /// How long it lasts, seconds.
    pub duration_s: f64,
}

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum FailureKind {
    /// Camera: the image is black.
    Blackout,
    /// Camera: the image is blown out white (the sun in the lens).
    Saturation,
    /// Camera: the image stops updating: every frame of the window repeats
    /// the window's first image byte for byte (a hung driver).
    Frozen,
    /// LiDAR: these rings (0 = lowest beam) return nothing.
    DeadRings { rings: Vec<u16> },
    /// LiDAR: no returns from this sector of azimuth (sensor frame,
    /// degrees from forward, counter-clockwise: mud on part of the window).
    BlockedSector { from_deg: f64, to_deg: f64 },
    /// LiDAR: no returns beyond this range (a dirty window, heavy spray).
    ReducedRange { max_range_m: f64 },
    /// LiDAR: another sensor's pulses add this many spurious returns a
    /// sweep, on random beams at random ranges (1-60 m), labeled unlabeled
    /// (class 0, no instance).
    Interference { points_per_sweep: u32 },
    /// Camera or LiDAR: its clock is off by this much (positive: ahead).
    /// The data is still captured at the frame's time, with the others'; it
    /// is stamped `offset_ms` later (`stamp_s` in its labels, its nuScenes
    /// sample_data timestamp, its MCAP messages' times).
    ClockOffset { offset_ms: f64 },
    /// Camera or LiDAR: its frames are lost (a full bus, a driver that
    /// skips): no image or sweep is written for the frames of the window,
    /// in any format; the labels keep the frame and say `dropped`.
    Dropped,
}

/// Whether `sensor` delivers its data of a frame under the failures in
/// effect (`active`): not while it is `Dropped`.
pub fn delivers(active: &[SensorFailure], sensor: &str) -> bool {
    !active
        .iter()
        .any(|f| f.sensor == sensor && f.kind == FailureKind::Dropped)
}

/// Largest clock offset a scenario may give, milliseconds.
pub const MAX_CLOCK_OFFSET_MS: f64 = 10_000.0;

/// How far `sensor`'s clock is off, seconds, under the failures in effect
/// (`active`): the sum of its `ClockOffset`s.
pub fn clock_offset_s(active: &[SensorFailure], sensor: &str) -> f64 {
    active
        .iter()
        .filter(|f| f.sensor == sensor)
        .map(|f| match f.kind {
            FailureKind::ClockOffset { offset_ms } => offset_ms / 1000.0,
            _ => 0.0,
        })
        .sum()
}

/// The time a sensor stamps a frame taken at `time_s` with, when its clock
/// is `offset_s` off; whole microseconds (nuScenes' unit), so the stamp
/// reads back exactly.
pub fn stamp_s(time_s: f64, offset_s: f64) -> f64 {
    ((time_s + offset_s) * 1e6).round() / 1e6
}

/// Farthest spurious return of `Interference`, metres.
pub const INTERFERENCE_MAX_RANGE_M: f64 = 60.0;

/// `count` spurious returns on `beams` (direction in the sensor frame,
/// ring), drawn from `rng`.
pub fn interference_returns(
    count: u32,
    beams: &[(glam::DVec3, u16)],
    rng: &mut super::rng::Stream,
) -> Vec<super::lidar::LidarPoint> {
    if beams.is_empty() {
        return Vec::new();
    }
    (0..count)
        .map(|_| {
            let (dir, ring) = beams[rng.index(beams.len())];
            let range = rng.range(1.0, INTERFERENCE_MAX_RANGE_M);
            let p = dir.normalize() * range;
            super::lidar::LidarPoint {
                position: [p.x as f32, p.y as f32, p.z as f32],
                range_m: range as f32,
                intensity: rng.range(0.0, 1.0) as f32,
                ring,
                time_s: 0.0,
                class_id: 0,
                instance_id: 0,
            }
        })
        .collect()
}

impl FailureKind {
    /// A camera failure: it decides the camera's image.
    pub fn is_camera(&self) -> bool {
        matches!(
            self,
            FailureKind::Blackout | FailureKind::Saturation | FailureKind::Frozen
        )
    }

    /// Whether it can happen to a camera (`camera`) or to a LiDAR.
    pub fn suits(&self, camera: bool) -> bool {
        match self {
            FailureKind::ClockOffset { .. } | FailureKind::Dropped => true,
            kind => kind.is_camera() == camera,
        }
    }
}

impl SensorFailure {
    /// The first frame of the window that holds `frame` (ticks of `dt_s`):
    /// the frame a `Frozen` camera keeps showing.
    pub fn window_start(&self, frame: u64, dt_s: f64) -> u64 {
        let mut start = frame;
        while start > 0 && self.active((start - 1) as f64 * dt_s) {
            start -= 1;
        }
        start
    }

    /// In effect at `time_s`: start_s <= t < start_s + duration_s.
    pub fn active(&self, time_s: f64) -> bool {
        // a tick's time is a multiple of 1/tick_hz: compare with a margin
        // so a window given in whole ticks starts and ends on them
        const EPS: f64 = 1e-9;
        time_s + EPS >= self.start_s && time_s + EPS < self.start_s + self.duration_s
    }

    /// Whether a LiDAR return survives this failure (camera kinds keep all).
    pub fn keeps_point(&self, ring: u16, position: [f32; 3]) -> bool {
        match &self.kind {
            FailureKind::DeadRings { rings } => !rings.contains(&ring),
            FailureKind::BlockedSector { from_deg, to_deg } => {
                let azimuth = (position[1] as f64).atan2(position[0] as f64).to_degrees();
                !in_sector(azimuth, *from_deg, *to_deg)
            }
            FailureKind::ReducedRange { max_range_m } => {
                // the written point's distance (motion-compensated points
                // sit where they are at the frame time, not at firing)
                let d = position
                    .iter()
                    .map(|v| (*v as f64).powi(2))
                    .sum::<f64>()
                    .sqrt();
                d <= *max_range_m
            }
            FailureKind::Blackout
            | FailureKind::Saturation
            | FailureKind::Frozen
            | FailureKind::Interference { .. }
            | FailureKind::ClockOffset { .. } => true,
            // the whole sweep is gone
            FailureKind::Dropped => false,
        }
    }
}

/// Whether `azimuth_deg` lies in the counter-clockwise sector from
/// `from_deg` to `to_deg` (any angles; the sector may wrap through 180).
pub fn in_sector(azimuth_deg: f64, from_deg: f64, to_deg: f64) -> bool {
    let norm = |a: f64| a.rem_euclid(360.0);
    let span = norm(to_deg - from_deg);
    norm(azimuth_deg - from_deg) <= span
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_include_their_start_and_exclude_their_end() {
        let f = SensorFailure {
            sensor: "front".into(),
            kind: FailureKind::Blackout,
            start_s: 0.2,
            duration_s: 0.3,
        };
        // ticks at 10 Hz: 0.2, 0.3, 0.4 in; 0.1 and 0.5 out
        let t = |k: u32| k as f64 / 10.0;
        assert_eq!(
            (0..7).map(|k| f.active(t(k))).collect::<Vec<_>>(),
            [false, false, true, true, true, false, false]
        );
    }

    #[test]
    fn lidar_failures_drop_their_points_only() {
        let rings = SensorFailure {
            sensor: "top".into(),
            kind: FailureKind::DeadRings { rings: vec![3] },
            start_s: 0.0,
            duration_s: 1.0,
        };
        assert!(!rings.keeps_point(3, [1.0, 0.0, 0.0]));
        assert!(rings.keeps_point(4, [1.0, 0.0, 0.0]));
        let sector = SensorFailure {
            kind: FailureKind::BlockedSector {
                from_deg: 150.0,
                to_deg: -150.0,
            },
            ..rings.clone()
        };
        // behind the sensor (180 degrees) is blocked, ahead is not
        assert!(!sector.keeps_point(0, [-5.0, 0.1, 0.0]));
        assert!(sector.keeps_point(0, [5.0, 0.0, 0.0]));
        let range = SensorFailure {
            kind: FailureKind::ReducedRange { max_range_m: 10.0 },
            ..rings
        };
        assert!(range.keeps_point(0, [9.0, 0.0, 0.0]));
        assert!(!range.keeps_point(0, [11.0, 0.0, 0.0]));
        assert!(in_sector(0.0, -10.0, 10.0) && !in_sector(20.0, -10.0, 10.0));
    }

    #[test]
    fn clock_offsets_add_up_per_sensor_and_stamp_whole_microseconds() {
        let off = |sensor: &str, offset_ms| SensorFailure {
            sensor: sensor.into(),
            kind: FailureKind::ClockOffset { offset_ms },
            start_s: 0.0,
            duration_s: 1.0,
        };
        let blackout = SensorFailure {
            kind: FailureKind::Blackout,
            ..off("front", 0.0)
        };
        let active = [
            off("front", 40.0),
            off("front", -15.0),
            blackout,
            off("top", 7.0),
        ];
        assert!((clock_offset_s(&active, "front") - 0.025).abs() < 1e-12);
        assert!((clock_offset_s(&active, "top") - 0.007).abs() < 1e-12);
        assert_eq!(clock_offset_s(&active, "left"), 0.0);
        // 0.3 s + 25 ms: exactly 325000 us, not 0.32499999...
        assert_eq!(stamp_s(0.3, 0.025) * 1e6, 325_000.0);
        assert!(FailureKind::ClockOffset { offset_ms: 1.0 }.suits(true));
        assert!(FailureKind::ClockOffset { offset_ms: 1.0 }.suits(false));
        assert!(!FailureKind::Blackout.suits(false) && FailureKind::Blackout.suits(true));
    }

    #[test]
    fn interference_adds_unlabeled_returns_on_the_beams() {
        let beams = [(glam::DVec3::X, 3u16), (glam::DVec3::Y, 7)];
        let mut rng = crate::core::rng::Stream::new(1, "interference", 0);
        let pts = interference_returns(200, &beams, &mut rng);
        assert_eq!(pts.len(), 200);
        for p in &pts {
            let r = (p.position.iter().map(|v| v * v).sum::<f32>()).sqrt();
            assert!((r - p.range_m).abs() < 1e-3 && (1.0..=60.0).contains(&r));
            assert_eq!((p.class_id, p.instance_id), (0, 0));
            assert!(p.ring == 3 || p.ring == 7);
        }
    }
}
