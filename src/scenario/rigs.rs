//! Sensor rig presets: `sensors: (rig: Surround6())` stands for the
//! cameras and roof LiDAR of a public driving dataset's car, expanded when
//! the scenario is read (the resolved scenario lists them).

use super::sensors::{CameraSpec, Lens, LidarPreset, LidarSpec, Mount};
use serde::{Deserialize, Serialize};

/// A rig of cameras (and a LiDAR) in one word.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum RigPreset {
    /// Six cameras all round, as nuScenes' car: front, front-left and
    /// front-right (70 degrees), back (110), back-left and back-right
    /// (70), and a 32-beam roof LiDAR (HDL-32E).
    Surround6 {
        #[serde(
            default = "surround_width",
            deserialize_with = "super::range::image_side"
        )]
        width: u32,
        #[serde(
            default = "surround_height",
            deserialize_with = "super::range::image_side"
        )]
        height: u32,
    },
    /// A parking rig: four 190-degree Kannala-Brandt fisheyes in the nose,
    /// both mirrors and the tail, and a 32-beam roof LiDAR.
    SurroundFisheye4 {
        #[serde(
            default = "fisheye_side",
            deserialize_with = "super::range::image_side"
        )]
        width: u32,
        #[serde(
            default = "fisheye_height",
            deserialize_with = "super::range::image_side"
        )]
        height: u32,
    },
}

fn surround_width() -> u32 {
    640
}
fn surround_height() -> u32 {
    360
}
fn fisheye_side() -> u32 {
    640
}
fn fisheye_height() -> u32 {
    480
}

fn mount(x_m: f64, y_m: f64, z_m: f64, pitch_deg: f64, yaw_deg: f64) -> Mount {
    Mount {
        x_m,
        y_m,
        z_m,
        roll_deg: 0.0,
        pitch_deg,
        yaw_deg,
    }
}

impl RigPreset {
    /// The cameras and LiDARs the preset stands for.
    pub fn sensors(&self) -> (Vec<CameraSpec>, Vec<LidarSpec>) {
        let camera = |name: &str, width, height, hfov_deg, mount, lens| CameraSpec {
            name: name.into(),
            width,
            height,
            hfov_deg,
            mount,
            lens,
            ..CameraSpec::default()
        };
        let cameras = match *self {
            RigPreset::Surround6 { width, height } => {
                let c = |name, hfov, m| camera(name, width, height, hfov, m, Lens::Pinhole);
                vec![
                    c("front", 70.0, mount(1.7, 0.0, 1.55, 1.0, 0.0)),
                    c("front_left", 70.0, mount(1.5, 0.5, 1.55, 0.0, 55.0)),
                    c("front_right", 70.0, mount(1.5, -0.5, 1.55, 0.0, -55.0)),
                    c("back", 110.0, mount(-1.0, 0.0, 1.55, 0.0, 180.0)),
                    c("back_left", 70.0, mount(-0.3, 0.5, 1.55, 0.0, 110.0)),
                    c("back_right", 70.0, mount(-0.3, -0.5, 1.55, 0.0, -110.0)),
                ]
            }
            RigPreset::SurroundFisheye4 { width, height } => {
                let fisheye = Lens::KannalaBrandt {
                    k1: 0.06,
                    k2: -0.012,
                    k3: 0.003,
                    k4: -0.0004,
                    fov_deg: 190.0,
                };
                let c = |name, m| camera(name, width, height, 190.0, m, fisheye);
                vec![
                    c("fisheye_front", mount(2.2, 0.0, 0.7, 20.0, 0.0)),
                    c("fisheye_left", mount(0.9, 1.0, 1.05, 35.0, 90.0)),
                    c("fisheye_right", mount(0.9, -1.0, 1.05, 35.0, -90.0)),
                    c("fisheye_rear", mount(-2.2, 0.0, 0.9, 25.0, 180.0)),
                ]
            }
        };
        let lidar = LidarSpec {
            name: "top".into(),
            preset: LidarPreset::Hdl32e,
            mount: mount(0.0, 0.0, 1.85, 0.0, 0.0),
            ..LidarSpec::default()
        };
        (cameras, vec![lidar])
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;
    use std::path::Path;

    #[test]
    fn a_rig_preset_expands_into_its_sensors() {
        let s = parse("(sensors: (rig: Surround6()))", Path::new("t.ron")).unwrap();
        let names: Vec<&str> = s.sensors.cameras.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(
            names,
            [
                "front",
                "front_left",
                "front_right",
                "back",
                "back_left",
                "back_right"
            ]
        );
        assert_eq!(s.sensors.lidars.len(), 1);
        assert!(
            s.sensors.rig.is_none(),
            "the resolved scenario lists the sensors"
        );
        assert_eq!(s.output.kitti_camera, "front");
        let s = parse(
            "(sensors: (rig: SurroundFisheye4(width: 320, height: 240)))",
            Path::new("t.ron"),
        )
        .unwrap();
        assert_eq!(s.sensors.cameras.len(), 4);
        assert!(
            s.sensors
                .cameras
                .iter()
                .all(|c| c.width == 320 && !c.lens.is_pinhole())
        );
        assert_eq!(s.output.kitti_camera, "fisheye_front");
        // the expanded scenario reads back as itself
        let again = parse(&crate::scenario::to_ron(&s), Path::new("t.ron")).unwrap();
        assert_eq!(again, s);
        let e = parse("(sensors: (rig: Surround6(width: 0)))", Path::new("t.ron")).unwrap_err();
        assert!(e.message.contains("out of range"), "{e}");
        // a rig and cameras together: which one is meant?
        let e = parse(
            "(sensors: (\n  rig: Surround6(),\n  cameras: [(name: \"x\")]))",
            Path::new("t.ron"),
        )
        .unwrap_err();
        assert_eq!((e.line, e.col), (2, 3), "{e}");
        assert!(e.message.contains("not both"), "{e}");
    }
}
