//! Frames rendered on several devices at once (`RenderPool`, the default on
//! a CPU rasterizer) are the frames of one device: same pixels, labels and
//! LiDAR returns, handed on in frame order.

use crate::common::{run_app_on, scenario, shipped_small};
use edgecase::scenario::Scenario;
use edgecase::sensors::{LabeledFrame, Rig};

/// Every byte a frame carries that a writer reads.
fn fingerprint(f: &LabeledFrame) -> (u64, String, Vec<Vec<u8>>) {
    let labels = serde_json::to_string(&f.labels).unwrap();
    let mut planes = Vec::new();
    for img in &f.images {
        planes.push(img.rgba().to_vec());
        planes.push(img.labels().iter().flat_map(|v| v.to_le_bytes()).collect());
        planes.push(
            img.near_over_z()
                .iter()
                .flat_map(|v| v.to_le_bytes())
                .collect(),
        );
    }
    for sweep in &f.lidar_points {
        planes.push(format!("{sweep:?}").into_bytes());
    }
    (f.frame, labels, planes)
}

/// The shipped scenario `name`, one 160x120 camera.
fn small(name: &str) -> Scenario {
    scenario(&shipped_small(name, 160, 120))
}

fn same_frames_on_one_and_three_devices(name: &str, s: &Scenario, frames: u64) {
    let (_, one) = run_app_on(s, frames, Some(1));
    let (app, three) = run_app_on(s, frames, Some(3));
    assert_eq!(app.world().resource::<Rig>().rig.devices(), 3, "{name}");
    let order: Vec<u64> = three.iter().map(|f| f.frame).collect();
    assert_eq!(
        order,
        (0..frames).collect::<Vec<_>>(),
        "{name}: frame order"
    );
    assert_eq!(one.len(), three.len(), "{name}");
    for (a, b) in one.iter().zip(&three) {
        let (fa, fb) = (fingerprint(a), fingerprint(b));
        assert_eq!(fa.0, fb.0, "{name}");
        assert_eq!(fa.1, fb.1, "{name}: labels of frame {}", fa.0);
        assert!(!fa.2.is_empty(), "{name}: frame {} has images", fa.0);
        for (i, (pa, pb)) in fa.2.iter().zip(&fb.2).enumerate() {
            assert!(pa == pb, "{name}: frame {} plane {i} differs", fa.0);
        }
    }
}

/// A LiDAR's views ride in the same rig as the camera; fog, a pedestrian
/// crossing. Seven frames: the devices end on an uneven turn.
#[test]
fn fog_and_lidar_frames_are_the_same_on_three_devices_as_on_one() {
    let s = small("fog_pedestrian");
    assert!(!s.sensors.lidars.is_empty(), "the scene keeps its LiDAR");
    same_frames_on_one_and_three_devices("fog_pedestrian", &s, 7);
}

/// Rain streaks (particles drawn from each frame's snapshot), lamps at night.
#[test]
fn rain_at_night_is_the_same_on_three_devices_as_on_one() {
    same_frames_on_one_and_three_devices("rain_night_street", &small("rain_night_street"), 5);
}

/// A pipeline the first frame draws with is made on every device before
/// that frame is drawn (all at once, not by each device's first frame in
/// turn): after one frame on three devices, the two that drew nothing
/// hold the same scene pipelines as the one that did.
#[test]
fn the_first_frame_makes_its_pipelines_on_every_device() {
    let s = small("clear_day_urban");
    let (app, frames) = run_app_on(&s, 1, Some(3));
    assert_eq!(frames.len(), 1);
    let made = app.world().resource::<Rig>().rig.scene_pipelines_made();
    assert_eq!(made.len(), 3);
    // ground, facades, foliage, vehicles, poles, people at the least
    assert!(made[0] >= 6, "{made:?}");
    assert!(made.iter().all(|&n| n == made[0]), "{made:?}");
}
