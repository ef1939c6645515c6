//! LiDAR geometry and point-cloud formats. Sensor frame: x forward, y left,
//! z up (the KITTI velodyne convention). Azimuth is counter-clockwise from
//! +x seen from above; elevation is up from the horizontal plane.

mod depth_view;
mod points;

pub use depth_view::*;
pub use points::*;

use glam::DVec3;

/// Common sensors' beam layouts (vertical angles as published by their makers).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Preset {
    /// Velodyne VLP-16: 16 beams, -15..+15 deg every 2 deg, 1800 columns, 10 Hz, 100 m.
    Vlp16,
    /// Velodyne HDL-32E: 32 beams, -30.67..+10.67 deg, 2170 columns, 10 Hz, 100 m.
    Hdl32e,
    /// Velodyne HDL-64E (as in KITTI): 64 beams, -24.9..+2.0 deg, 2048 columns, 10 Hz, 120 m.
    Hdl64e,
    /// Ouster OS1-128: 128 beams, -22.5..+22.5 deg, 2048 columns, 10 Hz, 120 m.
    Os1_128,
}

/// A LiDAR's beam layout and timing.
#[derive(Clone, Debug, PartialEq)]
pub struct BeamTable {
    /// Vertical angle of each channel (ring), radians, ring 0 lowest.
    pub elevations_rad: Vec<f64>,
    /// Firings per revolution.
    pub columns: u32,
    pub rotation_hz: f64,
    pub min_range_m: f64,
    pub max_range_m: f64,
}

/// `n` angles evenly from `lo` to `hi` degrees inclusive, in radians.
pub fn uniform_elevations(n: u32, lo_deg: f64, hi_deg: f64) -> Vec<f64> {
    if n == 1 {
        return vec![((lo_deg + hi_deg) / 2.0).to_radians()];
    }
    (0..n)
        .map(|i| (lo_deg + (hi_deg - lo_deg) * i as f64 / (n - 1) as f64).to_radians())
        .collect()
}

impl Preset {
    pub fn table(self) -> BeamTable {
        let (elevations_rad, columns, max_range_m) = match self {
            Preset::Vlp16 => (uniform_elevations(16, -15.0, 15.0), 1800, 100.0),
            Preset::Hdl32e => (uniform_elevations(32, -30.67, 10.67), 2170, 100.0),
            Preset::Hdl64e => (uniform_elevations(64, -24.9, 2.0), 2048, 120.0),
            Preset::Os1_128 => (uniform_elevations(128, -22.5, 22.5), 2048, 120.0),
        };
        BeamTable {
            elevations_rad,
            columns,
            rotation_hz: 10.0,
            min_range_m: 0.5,
            max_range_m,
        }
    }
}

impl BeamTable {
    pub fn channels(&self) -> u32 {
        self.elevations_rad.len() as u32
    }

    /// Azimuth of a column. The sweep turns clockwise seen from above (as
    /// spinning LiDARs do), so azimuth decreases; it is phased the way
    /// camera-synchronised rigs are: it starts facing backward half a turn
    /// before the frame time and faces forward (+x, where the front camera
    /// looks) at the frame time, column `columns / 2`.
    pub fn azimuth_rad(&self, column: u32) -> f64 {
        std::f64::consts::PI - column as f64 / self.columns as f64 * std::f64::consts::TAU
    }

    /// Firing time of a column relative to the frame time (the camera's
    /// exposure), seconds: -half a turn .. +half a turn.
    pub fn firing_time_s(&self, column: u32) -> f64 {
        (column as f64 / self.columns as f64 - 0.5) / self.rotation_hz
    }

    /// The column that fires at `time_s` (inverse of `firing_time_s`).
    pub fn column_at(&self, time_s: f64) -> u32 {
        ((time_s * self.rotation_hz + 0.5) * self.columns as f64).round() as u32
    }

    /// Unit beam direction in the sensor frame.
    pub fn direction(&self, ring: u32, column: u32) -> DVec3 {
        beam_direction(self.azimuth_rad(column), self.elevations_rad[ring as usize])
    }

    pub fn points_per_second(&self) -> f64 {
        self.channels() as f64 * self.columns as f64 * self.rotation_hz
    }
}

pub fn beam_direction(azimuth_rad: f64, elevation_rad: f64) -> DVec3 {
    let (se, ce) = elevation_rad.sin_cos();
    let (sa, ca) = azimuth_rad.sin_cos();
    DVec3::new(ce * ca, ce * sa, se)
}

/// A return from a uniform scattering medium (rain, snow) that answers
/// `rate_per_m` of the beams per metre between `start_m` and `end_m`: with
/// probability 1 - exp(-rate (end - start)) the beam is answered, at a range
/// drawn from the exponential law truncated to that interval. `u` and `v`
/// are two uniform draws in [0, 1).
pub fn volume_echo(u: f64, v: f64, rate_per_m: f64, start_m: f64, end_m: f64) -> Option<f64> {
    let length = end_m - start_m;
    if rate_per_m <= 0.0 || length <= 0.0 {
        return None;
    }
    let p = 1.0 - (-rate_per_m * length).exp();
    if u >= p {
        return None;
    }
    // inverse CDF of the truncated exponential
    let r = start_m - (1.0 - v * p).ln() / rate_per_m;
    Some(r.min(end_m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volume_echoes_follow_the_truncated_exponential_law() {
        let (rate, start, end) = (0.05, 1.0, 13.0);
        let mut rng = crate::core::rng::Stream::new(1, "echo", 0);
        let n = 200_000;
        let ranges: Vec<f64> = (0..n)
            .filter_map(|_| volume_echo(rng.next_f64(), rng.next_f64(), rate, start, end))
            .collect();
        let p = 1.0 - (-rate * (end - start)).exp();
        let hit = ranges.len() as f64 / n as f64;
        assert!((hit - p).abs() < 0.005, "{hit} vs {p}");
        assert!(ranges.iter().all(|r| (start..=end).contains(r)));
        // mean of an exponential truncated to [0, L], shifted by start
        let l = end - start;
        let expected = start + 1.0 / rate - l * (-rate * l).exp() / p;
        let mean = ranges.iter().sum::<f64>() / ranges.len() as f64;
        assert!((mean - expected).abs() < 0.05, "{mean} vs {expected}");
        // no medium, no echo
        assert_eq!(volume_echo(0.0, 0.5, 0.0, start, end), None);
        assert_eq!(volume_echo(0.0, 0.5, rate, end, start), None);
    }

    #[test]
    fn presets_match_their_published_layouts() {
        let vlp = Preset::Vlp16.table();
        assert_eq!(vlp.channels(), 16);
        assert!((vlp.elevations_rad[0].to_degrees() + 15.0).abs() < 1e-9);
        assert!((vlp.elevations_rad[1].to_degrees() + 13.0).abs() < 1e-9);
        let hdl = Preset::Hdl64e.table();
        assert_eq!((hdl.channels(), hdl.columns), (64, 2048));
        // 64 x 2048 at 10 Hz = 1.31 M points/s
        assert_eq!(hdl.points_per_second(), 1_310_720.0);
        assert_eq!(Preset::Os1_128.table().channels(), 128);
    }

    #[test]
    fn beams_sweep_clockwise_facing_forward_at_the_frame_time() {
        let t = Preset::Vlp16.table();
        // the sweep starts facing backward half a turn before the frame
        let d0 = beam_direction(t.azimuth_rad(0), 0.0);
        assert!((d0 + DVec3::X).length() < 1e-12);
        assert!((t.firing_time_s(0) + 0.05).abs() < 1e-12);
        // a quarter turn later the beam points left (+y), then forward at time 0
        let q = beam_direction(t.azimuth_rad(t.columns / 4), 0.0);
        assert!((q - DVec3::Y).length() < 1e-9);
        let mid = t.columns / 2;
        assert!((beam_direction(t.azimuth_rad(mid), 0.0) - DVec3::X).length() < 1e-12);
        assert!(t.firing_time_s(mid).abs() < 1e-12);
        // then right (-y)
        let r = beam_direction(t.azimuth_rad(3 * t.columns / 4), 0.0);
        assert!((r - DVec3::new(0.0, -1.0, 0.0)).length() < 1e-9);
        for c in [0, 1, 17, mid, t.columns - 1] {
            assert_eq!(t.column_at(t.firing_time_s(c)), c);
        }
        let up = t.direction(15, 0);
        assert!((up.length() - 1.0).abs() < 1e-12 && up.z > 0.25);
    }

    #[test]
    fn formats_have_the_readers_layout() {
        let p = LidarPoint {
            position: [1.0, -2.0, 0.5],
            range_m: 2.3,
            intensity: 0.25,
            ring: 7,
            time_s: 0.01,
            class_id: 26,
            instance_id: 26003,
        };
        let bin = kitti_bin(&[p, p]);
        assert_eq!(bin.len(), 32);
        let f: Vec<f32> = bin
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(&f[..4], &[1.0, -2.0, 0.5, 0.25]);
        let label = u32::from_le_bytes(semantic_kitti_label(&[p])[..4].try_into().unwrap());
        assert_eq!((label & 0xFFFF, label >> 16), (26, 26003));
        let pcd = pcd(&[p]);
        let text_end = pcd.windows(12).position(|w| w == b"DATA binary\n").unwrap() + 12;
        let header = std::str::from_utf8(&pcd[..text_end]).unwrap();
        assert!(header.contains("POINTS 1\n") && header.contains("WIDTH 1\n"));
        assert_eq!(pcd.len() - text_end, 4 * 4 + 2 + 4 + 2 + 4);
    }
}
