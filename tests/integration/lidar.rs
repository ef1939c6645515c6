//! LiDAR: returns lie on the surfaces their labels name, agree with the
//! camera's labels, fade with fog as the extinction law says, and the files
//! follow the readers' rules.

use crate::common::scenario;
use edgecase::batch::{run_frames, sensor_app};
use edgecase::core::classes::Class;
use edgecase::core::lidar::LidarPoint;
use edgecase::frame::FrameSnapshot;
use edgecase::sensors::camera::{GpuContext, RenderMode};
use edgecase::sensors::{LabeledFrame, Rig, snapshot};
use edgecase::world::objects::Primitive;
use glam::{DVec3, Mat4};

/// Static scene: no sidewalk, a van and a car ahead, a building to the left.
fn scene(extra: &str) -> String {
    format!(
        "(frames: 1, seed: 5,
          road: (segments: [Straight(length_m: 120)], sidewalk: None, parking_width_m: 0),
          ego: (speed_mps: 0),
          vehicles: [(start_s_m: 14, speed_mps: 0, kind: Van), (start_s_m: 9, speed_mps: 0, direction: Backward)],
          props: (placed: [(kind: Building, s_m: 25, side: Left, offset_m: 2, height_m: 9)]),
          sensors: (cameras: [(name: \"front\", width: 320, height: 240, hfov_deg: 90, mount: (x_m: 0.5, z_m: 1.9))],
                    lidars: [(name: \"top\", preset: Hdl64e, columns: 1024, mount: (z_m: 1.9))]),
          {extra})"
    )
}

fn run(ron: &str) -> (FrameSnapshot, Rig, Vec<LabeledFrame>) {
    let s = scenario(ron);
    let gpu = GpuContext::new_headless().expect("Vulkan adapter");
    let mut app = sensor_app(&s, gpu, RenderMode::Labeled);
    let mut frames = Vec::new();
    run_frames(
        &mut app,
        1,
        |f| {
            frames.push(f);
            Ok(())
        },
        |_| {},
    )
    .unwrap();
    let snap = snapshot(app.world_mut());
    let rig = app.world_mut().remove_resource::<Rig>().unwrap();
    (snap, rig, frames)
}

/// Distance from `p` to the surface of a primitive drawn with `model`.
fn surface_distance(primitive: Primitive, model: Mat4, p: DVec3) -> f64 {
    let m = model.as_dmat4();
    let c = m.transform_point3(DVec3::ZERO);
    let axes = [
        m.x_axis.truncate(),
        m.y_axis.truncate(),
        m.z_axis.truncate(),
    ];
    let half: Vec<f64> = axes.iter().map(|a| a.length() / 2.0).collect();
    let u: Vec<DVec3> = axes.iter().map(|a| a.normalize()).collect();
    let d = p - c;
    let local: Vec<f64> = u.iter().map(|a| d.dot(*a)).collect();
    match primitive {
        Primitive::Cube => {
            let out: Vec<f64> = (0..3)
                .map(|i| (local[i].abs() - half[i]).max(0.0))
                .collect();
            let outside = (out[0] * out[0] + out[1] * out[1] + out[2] * out[2]).sqrt();
            if outside > 0.0 {
                outside
            } else {
                (0..3)
                    .map(|i| half[i] - local[i].abs())
                    .fold(f64::MAX, f64::min)
            }
        }
        // the unit cylinder's axis is local y; radius from the x scale
        Primitive::Cylinder => {
            let rho = (local[0] * local[0] + local[2] * local[2]).sqrt();
            let (r, hh, t) = (half[0], half[1], local[1].abs());
            let (dr, dt) = (rho - r, t - hh);
            if dr <= 0.0 && dt <= 0.0 {
                (-dr).min(-dt)
            } else {
                (dr.max(0.0).powi(2) + dt.max(0.0).powi(2)).sqrt()
            }
        }
        Primitive::Sphere | Primitive::Cone => (d.length() - half[0]).abs(),
    }
}

fn world_points<'a>(
    snap: &'a FrameSnapshot,
    rig: &'a Rig,
    points: &'a [LidarPoint],
) -> impl Iterator<Item = (DVec3, &'a LidarPoint)> + 'a {
    let world_from_sensor = snap.world_from_ego.mul(&rig.lidars[0].ego_from_sensor);
    points.iter().map(move |p| {
        (
            world_from_sensor.transform_point(DVec3::new(
                p.position[0] as f64,
                p.position[1] as f64,
                p.position[2] as f64,
            )),
            p,
        )
    })
}

#[test]
fn every_return_lies_on_the_surface_it_names() {
    let (snap, rig, frames) = run(&scene(""));
    let points = &frames[0].lidar_points[0];
    assert!(points.len() > 30_000, "{} points", points.len());
    let (mut checked, mut worst) = (0usize, 0f64);
    let mut off = Vec::new();
    for (w, p) in world_points(&snap, &rig, points) {
        let class = p.class_id as u32;
        // ground surfaces are planes at known heights
        let ground = if class == Class::Road.id() as u32 {
            Some(w.y.abs())
        } else if class == Class::Terrain.id() as u32 {
            Some((w.y + 0.02).abs())
        } else if class == Class::LaneMarking.id() as u32 {
            Some((w.y - 0.01).abs())
        } else {
            None
        };
        let d = ground.unwrap_or_else(|| {
            snap.instances
                .iter()
                .filter(|i| i.class_id == class && i.instance_id == p.instance_id)
                .map(|i| surface_distance(i.primitive, i.model, w))
                .fold(f64::MAX, f64::min)
        });
        if d > 0.02 {
            off.push((p.class_id, p.instance_id, p.range_m, d));
        }
        worst = worst.max(d);
        checked += 1;
    }
    let classes: std::collections::BTreeSet<u16> = points.iter().map(|p| p.class_id).collect();
    assert!(
        classes.contains(&26) && classes.contains(&11) && classes.contains(&7),
        "{classes:?}"
    );
    assert!(
        off.is_empty(),
        "{} of {checked} returns more than 2 cm off their surface, e.g. {:?}",
        off.len(),
        &off[..off.len().min(8)]
    );
    eprintln!("{checked} returns, worst {worst:.4} m");
}
