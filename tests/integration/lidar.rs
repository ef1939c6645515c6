//! LiDAR: returns lie on the surfaces their labels name, agree with the
//! camera's labels, fade with fog as the extinction law says, and the files
//! follow the readers' rules.

use crate::common::scenario;
use edgecase::core::classes::Class;
use edgecase::core::lidar::LidarPoint;
use edgecase::sensors::{LabeledFrame, Rig, snapshot};
use edgecase::snapshot::FrameSnapshot;
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
    let (snap, rig, frames, _) = run_with_statics(ron);
    (snap, rig, frames)
}

fn run_with_statics(
    ron: &str,
) -> (
    FrameSnapshot,
    Rig,
    Vec<LabeledFrame>,
    Vec<edgecase::world::StaticMesh>,
) {
    let (mut app, frames) = crate::common::run_app(&scenario(ron), 1);
    let snap = snapshot(app.world_mut());
    let statics = app
        .world()
        .resource::<edgecase::world::StaticScene>()
        .0
        .as_ref()
        .clone();
    let rig = app.world_mut().remove_resource::<Rig>().unwrap();
    (snap, rig, frames, statics)
}

/// Closest point to `p` on the triangle (a, b, c) (Ericson, Real-Time
/// Collision Detection 5.1.5).
fn closest_on_triangle(p: DVec3, a: DVec3, b: DVec3, c: DVec3) -> DVec3 {
    let (ab, ac, ap) = (b - a, c - a, p - a);
    let (d1, d2) = (ab.dot(ap), ac.dot(ap));
    if d1 <= 0.0 && d2 <= 0.0 {
        return a;
    }
    let bp = p - b;
    let (d3, d4) = (ab.dot(bp), ac.dot(bp));
    if d3 >= 0.0 && d4 <= d3 {
        return b;
    }
    let vc = d1 * d4 - d3 * d2;
    if vc <= 0.0 && d1 >= 0.0 && d3 <= 0.0 {
        return a + ab * (d1 / (d1 - d3));
    }
    let cp = p - c;
    let (d5, d6) = (ab.dot(cp), ac.dot(cp));
    if d6 >= 0.0 && d5 <= d6 {
        return c;
    }
    let vb = d5 * d2 - d1 * d6;
    if vb <= 0.0 && d2 >= 0.0 && d6 <= 0.0 {
        return a + ac * (d2 / (d2 - d6));
    }
    let va = d3 * d6 - d5 * d4;
    if va <= 0.0 && (d4 - d3) >= 0.0 && (d5 - d6) >= 0.0 {
        return b + (c - b) * ((d4 - d3) / ((d4 - d3) + (d5 - d6)));
    }
    let denom = 1.0 / (va + vb + vc);
    a + ab * (vb * denom) + ac * (vc * denom)
}

/// Distance from `p` to the surface of a primitive drawn with `model`: to
/// the nearest of its drawn triangles (the surface the renderer and the
/// LiDAR both use, ellipsoids and tapered shapes included).
fn surface_distance(primitive: Primitive, model: Mat4, p: DVec3) -> f64 {
    let m = model.as_dmat4();
    let mesh = edgecase::core::mesh::primitive_mesh(primitive);
    let world: Vec<DVec3> = mesh
        .positions()
        .map(|v| m.transform_point3(v.as_dvec3()))
        .collect();
    mesh.indices
        .chunks_exact(3)
        .map(|t| {
            let [a, b, c] = [0, 1, 2].map(|k| world[t[k] as usize]);
            (p - closest_on_triangle(p, a, b, c)).length()
        })
        .fold(f64::MAX, f64::min)
}

pub(crate) fn world_points<'a>(
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

/// A return off its surface: class, instance, range, distance to the surface.
type OffSurface = (u16, u32, f32, f64);

/// Distance from each world point to the surface its label names (weather
/// echoes are skipped): (class, instance, range, distance) of those more than
/// `tolerance` off, the number checked and the worst distance.
pub(crate) fn off_surface<'a>(
    snap: &FrameSnapshot,
    points: impl Iterator<Item = (DVec3, &'a LidarPoint)>,
    tolerance: f64,
) -> (Vec<OffSurface>, usize, f64) {
    let (mut checked, mut worst) = (0usize, 0f64);
    let mut off = Vec::new();
    for (w, p) in points {
        if p.class_id == Class::Weather.id() as u16 {
            continue;
        }
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
        if d > tolerance {
            off.push((p.class_id, p.instance_id, p.range_m, d));
        }
        worst = worst.max(d);
        checked += 1;
    }
    (off, checked, worst)
}

#[test]
fn every_return_lies_on_the_surface_it_names() {
    let (snap, rig, frames) = run(&scene(""));
    let points = &frames[0].lidar_points[0];
    assert!(points.len() > 30_000, "{} points", points.len());
    let (off, checked, worst) = off_surface(&snap, world_points(&snap, &rig, points), 0.02);
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

fn read_f32(path: &std::path::Path) -> Vec<f32> {
    std::fs::read(path)
        .unwrap()
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect()
}

fn calib_row(calib: &str, key: &str) -> Vec<f64> {
    let line = calib
        .lines()
        .find(|l| l.starts_with(&format!("{key}:")))
        .unwrap();
    line.split(' ')
        .skip(1)
        .map(|v| v.parse().unwrap())
        .collect()
}

/// OpenPCDet's rules: .bin is float32 x y z reflectance; a point projects with
/// P2 * R0_rect * Tr_velo_to_cam. Returns visible to both sensors land on
/// camera pixels of the same instance (things) or class (stuff).
#[test]
fn lidar_points_project_onto_the_same_labels_in_the_camera() {
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("s.ron");
    std::fs::write(&sc, scene("output: (depth: [Npy32])")).unwrap();
    let out = tmp.path().join("ds");
    let o = crate::common::render_cli(sc.to_str().unwrap(), 1, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let (both, agree) = projection_agreement(&out, "000000", "top");
    assert!(both > 2_000, "only {both} points visible to both sensors");
    let rate = agree as f64 / both as f64;
    assert!(rate >= 0.99, "label agreement {rate:.4} over {both} points");
    eprintln!("label agreement {rate:.4} over {both} points");
}

/// The fog_pedestrian scenario as shipped, with its 64-channel roof LiDAR:
/// its KITTI velodyne files re-read by OpenPCDet's rules, and its points
/// land on the camera pixels of their own labels.
#[test]
fn fog_pedestrian_with_a_lidar_reads_back_by_openpcdet_rules() {
    let src =
        std::fs::read_to_string(crate::common::repo_path("scenarios/fog_pedestrian.ron")).unwrap();
    let s = scenario(&src);
    assert_eq!(s.sensors.lidars.len(), 1, "the demo scenario ships a LiDAR");
    assert_eq!(s.sensors.lidars[0].name, "top");
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("fog_lidar.ron");
    std::fs::write(&sc, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    // frame 40: the ego is close enough for the pedestrian to be in the fog-free range
    let o = crate::common::render_cli(sc.to_str().unwrap(), 2, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for frame in ["000000", "000001"] {
        let (both, agree) = projection_agreement(&out, frame, "top");
        let rate = agree as f64 / both as f64;
        assert!(
            both > 5_000,
            "frame {frame}: only {both} points in both sensors"
        );
        assert!(
            rate >= 0.99,
            "frame {frame}: agreement {rate:.4} over {both}"
        );
        eprintln!("fog_pedestrian frame {frame}: label agreement {rate:.4} over {both} points");
    }
}

/// Re-read a dataset's velodyne .bin, SemanticKITTI .label, calib and the
/// front camera's instance and depth images; project every point with
/// P2 * R0_rect * Tr_velo_to_cam. Returns (points seen by both sensors,
/// points landing on a pixel of their own instance or class).
fn projection_agreement(out: &std::path::Path, frame: &str, lidar: &str) -> (usize, usize) {
    let [(lb, la), (rb, ra)] = projection_agreement_by_half(out, frame, lidar);
    (lb + rb, la + ra)
}

/// `projection_agreement` for the left and the right half of the image.
fn projection_agreement_by_half(
    out: &std::path::Path,
    frame: &str,
    lidar: &str,
) -> [(usize, usize); 2] {
    let bin = read_f32(&out.join(format!("kitti/training/velodyne/{frame}.bin")));
    assert_eq!(bin.len() % 4, 0);
    let labels: Vec<u32> = std::fs::read(out.join(format!("lidar/{lidar}/labels/{frame}.label")))
        .unwrap()
        .chunks_exact(4)
        .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    assert_eq!(labels.len(), bin.len() / 4);
    let calib =
        std::fs::read_to_string(out.join(format!("kitti/training/calib/{frame}.txt"))).unwrap();
    let (p2, tr) = (calib_row(&calib, "P2"), calib_row(&calib, "Tr_velo_to_cam"));
    let r0 = calib_row(&calib, "R0_rect");
    let inst = image::open(out.join(format!("cameras/front/instance/{frame}.png")))
        .unwrap()
        .into_luma16();
    let (w, h) = (inst.width() as i64, inst.height() as i64);
    let npy = std::fs::read(out.join(format!("cameras/front/depth/{frame}.npy"))).unwrap();
    let hlen = u16::from_le_bytes([npy[8], npy[9]]) as usize;
    let depth: Vec<f32> = npy[10 + hlen..]
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
        .collect();
    let (mut both, mut agree) = ([0usize; 2], [0usize; 2]);
    for (p, l) in bin.chunks_exact(4).zip(&labels) {
        let x = [p[0] as f64, p[1] as f64, p[2] as f64, 1.0];
        let cam: Vec<f64> = (0..3)
            .map(|r| (0..4).map(|c| tr[r * 4 + c] * x[c]).sum())
            .collect();
        if cam[2] <= 0.5 {
            continue;
        }
        let rect: Vec<f64> = (0..3)
            .map(|r| (0..3).map(|c| r0[r * 3 + c] * cam[c]).sum())
            .collect();
        let c4 = [rect[0], rect[1], rect[2], 1.0];
        let img: Vec<f64> = (0..3)
            .map(|r| (0..4).map(|c| p2[r * 4 + c] * c4[c]).sum())
            .collect();
        let (u, v) = (
            (img[0] / img[2]).round() as i64,
            (img[1] / img[2]).round() as i64,
        );
        if u < 0 || v < 0 || u >= w || v >= h {
            continue;
        }
        let i = (v * w + u) as usize;
        // seen by the camera too: the camera's depth there is the point's depth
        if (depth[i] as f64 - cam[2]).abs() > 0.05 {
            continue;
        }
        let half = usize::from(u >= w / 2);
        both[half] += 1;
        let (class, instance) = (l & 0xFFFF, l >> 16);
        let expected = if instance != 0 { instance } else { class };
        if inst.as_raw()[i] as u32 == expected {
            agree[half] += 1;
        }
    }
    [(both[0], agree[0]), (both[1], agree[1])]
}

/// Raw (not motion-compensated) points of a moving ego agree with the camera
/// as well in the left half of the image as in the right: the sweep faces
/// forward when the camera exposes, so both halves fire within 1/8 turn of
/// the frame (with the sweep starting forward, the left half fired ~0.1 s
/// late: 80.7% against 96.8%).
#[test]
fn raw_points_agree_with_the_camera_in_both_halves() {
    let src =
        std::fs::read_to_string(crate::common::repo_path("scenarios/fog_pedestrian.ron")).unwrap();
    let mut s = scenario(&src);
    s.sensors.lidars[0].motion_compensated = false;
    s.ego.speed_mps = 15.0;
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("raw.ron");
    std::fs::write(&sc, edgecase::scenario::to_ron(&s)).unwrap();
    let out = tmp.path().join("ds");
    let o = crate::common::render_cli(sc.to_str().unwrap(), 3, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    for frame in ["000001", "000002"] {
        let halves = projection_agreement_by_half(&out, frame, "top");
        let rates: Vec<f64> = halves.iter().map(|(b, a)| *a as f64 / *b as f64).collect();
        assert!(halves.iter().all(|(b, _)| *b > 1_000), "{halves:?}");
        assert!(
            rates.iter().all(|r| *r >= 0.97) && (rates[0] - rates[1]).abs() < 0.02,
            "frame {frame}: left {:.4}, right {:.4}",
            rates[0],
            rates[1]
        );
        eprintln!(
            "raw points at 15 m/s, frame {frame}: agreement left {:.4} right {:.4}",
            rates[0], rates[1]
        );
    }
}

/// Fog removes far returns, as much as the two-way extinction law says, and
/// its backscatter echoes are labeled weather, never an object.
#[test]
fn fog_drops_returns_by_the_extinction_law() {
    let weather = Class::Weather.id() as u16;
    let far = |pts: &[LidarPoint]| {
        pts.iter()
            .filter(|p| p.range_m > 20.0 && p.class_id != weather)
            .count()
    };
    let (_, rig, clear) = run(&scene(""));
    let clear = &clear[0].lidar_points[0];
    assert!(
        clear.iter().all(|p| p.class_id != weather),
        "weather returns in clear air"
    );
    let t = &rig.lidars[0].table;
    let threshold = 0.1 / (t.max_range_m * t.max_range_m);
    let beam = |p: &LidarPoint| (p.ring, t.column_at(p.time_s as f64));
    let mut last = far(clear);
    for visibility in [200.0, 50.0, 20.0] {
        let (_, _, foggy) = run(&scene(&format!(
            "weather: (fog: (visibility_m: {visibility}))"
        )));
        let foggy = &foggy[0].lidar_points[0];
        let n = far(foggy);
        assert!(
            n < last,
            "visibility {visibility}: {n} far returns, not fewer than {last}"
        );
        last = n;
        // backscatter: weather class, no instance, between the sensor and any surface
        let echoes: std::collections::HashSet<(u16, u32)> = foggy
            .iter()
            .filter(|p| p.class_id == weather)
            .map(beam)
            .collect();
        assert!(!echoes.is_empty(), "visibility {visibility}: no fog echoes");
        assert!(
            foggy
                .iter()
                .filter(|p| p.class_id == weather)
                .all(|p| p.instance_id == 0)
        );
        let clear_range: std::collections::HashMap<(u16, u32), f32> =
            clear.iter().map(|p| (beam(p), p.range_m)).collect();
        for e in foggy.iter().filter(|p| p.class_id == weather) {
            if let Some(r) = clear_range.get(&beam(e)) {
                assert!(
                    e.range_m < *r,
                    "a fog echo at {} m behind the surface at {r} m",
                    e.range_m
                );
            }
        }
        // clear-weather returns carry reflectivity x cos(incidence) as intensity:
        // predict which survive the two-way attenuation and were not pre-empted
        // by an echo on the same beam
        let beta = edgecase::core::visibility::extinction_per_m(visibility);
        let predicted = clear
            .iter()
            .filter(|p| p.range_m > 20.0 && !echoes.contains(&beam(p)))
            .filter(|p| {
                let r = p.range_m as f64;
                p.intensity as f64 * (-2.0 * beta * r).exp() / (r * r) >= threshold
            })
            .count();
        assert!(
            (n as i64 - predicted as i64).abs() <= 5,
            "visibility {visibility}: {n} far returns, law predicts {predicted}"
        );
        eprintln!(
            "visibility {visibility} m: {n} returns beyond 20 m (law: {predicted}), {} fog echoes",
            echoes.len()
        );
    }
}

/// Rapier ray casts along the same beams, against the same geometry (one
/// convex-hull collider per rendered part, a half-space for the ground), as
/// the reference for hit/miss and range.
#[test]
fn hits_agree_with_rapier_ray_casts() {
    use rapier3d::prelude::*;
    let (snap, rig, frames, statics) = run_with_statics(&scene(""));
    let info = &rig.lidars[0];
    let t = &info.table;
    let hulls = edgecase::sensors::PrimitiveHullPoints::default();
    let mut world = PhysicsWorld::default();
    let mut part_colliders = std::collections::HashSet::new();
    for inst in snap.instances.iter() {
        let pts: Vec<Vec3> = hulls.0[&inst.primitive]
            .iter()
            .map(|p| inst.model.transform_point3(*p))
            .collect();
        let (_, collider) = world.insert(
            RigidBodyBuilder::fixed(),
            ColliderBuilder::convex_hull(&pts).expect("convex part"),
        );
        part_colliders.insert(collider);
    }
    // the road, its paint and the terrain, triangle for triangle
    for m in &statics {
        let vertices: Vec<Vec3> = m.mesh.positions().collect();
        let indices: Vec<[u32; 3]> = m
            .mesh
            .indices
            .chunks_exact(3)
            .map(|t| [t[0], t[1], t[2]])
            .collect();
        world.insert(
            RigidBodyBuilder::fixed(),
            ColliderBuilder::trimesh(vertices, indices).expect("static mesh"),
        );
    }
    world.step();
    // rendered returns by (ring, column)
    let mut rendered = std::collections::HashMap::new();
    for p in &frames[0].lidar_points[0] {
        let column = t.column_at(p.time_s as f64);
        rendered.insert((p.ring as u32, column), p.range_m as f64);
    }
    let world_from_sensor = snap.world_from_ego.mul(&info.ego_from_sensor);
    let origin = world_from_sensor.translation.as_vec3();
    let threshold = 0.1 / (t.max_range_m * t.max_range_m);
    let (mut decisive, mut agree) = (0u64, 0u64);
    // [parts, ground]: common hits, and those whose ranges agree within 2 cm
    let (mut ranges, mut range_ok) = ([0u64; 2], [0u64; 2]);
    for column in 0..t.columns {
        for ring in 0..t.channels() {
            let dir = world_from_sensor
                .transform_vector(t.direction(ring, column))
                .as_vec3();
            let hit = world.cast_ray_and_get_normal(
                &Ray::new(origin, dir),
                t.max_range_m as f32,
                true,
                QueryFilter::default(),
            );
            let on_part = hit.is_some_and(|(c, _)| part_colliders.contains(&c));
            let reference = match hit {
                None => Some(None),
                Some((_, h)) => {
                    let r = h.time_of_impact as f64;
                    let cos = h.normal.dot(dir).abs() as f64;
                    if r < t.min_range_m {
                        Some(None)
                    } else if 0.1 * cos / (r * r) >= 2.0 * threshold {
                        Some(Some(r)) // detectable whatever the surface
                    } else if 0.9 * cos / (r * r) < 0.5 * threshold {
                        Some(None) // too faint whatever the surface
                    } else {
                        None // depends on the class: not decisive
                    }
                }
            };
            let Some(reference) = reference else { continue };
            decisive += 1;
            let got = rendered.get(&(ring, column));
            if got.is_some() == reference.is_some() {
                agree += 1;
            } else if std::env::var_os("LIDAR_DEBUG").is_some() {
                let kind = if got.is_some() { "extra" } else { "missing" };
                eprintln!(
                    "{kind} ring {ring} col {column} ref {reference:?} got {got:?} hit {:?}",
                    hit.map(|(h, i)| (h, i.time_of_impact, i.normal))
                );
            }
            if let (Some(g), Some(r)) = (got, reference) {
                let k = if on_part { 0 } else { 1 };
                ranges[k] += 1;
                if (g - r).abs() <= 0.02 {
                    range_ok[k] += 1;
                }
            }
        }
    }
    let rate = agree as f64 / decisive as f64;
    let part_rate = range_ok[0] as f64 / ranges[0] as f64;
    let ground_rate = range_ok[1] as f64 / ranges[1] as f64;
    eprintln!(
        "hit/miss agreement {rate:.4} over {decisive} beams; ranges within 2 cm: {part_rate:.4} of {} hits on objects and props, {ground_rate:.4} of {} on the ground",
        ranges[0], ranges[1]
    );
    assert!(decisive > 40_000 && ranges[0] > 3_000);
    assert!(rate >= 0.995, "hit/miss agreement {rate:.4}");
    assert!(
        part_rate >= 0.995,
        "range agreement on objects {part_rate:.4}"
    );
    // on the ground the pixel grid decides between road, paint (1 cm up) and
    // terrain (2 cm down) within half a pixel: at grazing angles a wrong side
    // is several cm of range along the beam
    assert!(
        ground_rate >= 0.98,
        "range agreement on the ground {ground_rate:.4}"
    );
}

/// Same scenario and seed, same LiDAR bytes (noise and dropout included).
#[test]
fn lidar_files_are_deterministic() {
    let tmp = crate::common::temp_dir();
    let sc = tmp.path().join("s.ron");
    let lidar =
        "(name: \"top\", preset: Vlp16, noise_std_m: 0.02, dropout: 0.1, mount: (z_m: 1.9))";
    std::fs::write(
        &sc,
        scene("").replace(
            "lidars: [(name: \"top\", preset: Hdl64e, columns: 1024, mount: (z_m: 1.9))]",
            &format!("lidars: [{lidar}]"),
        ),
    )
    .unwrap();
    let (a, b) = (tmp.path().join("a"), tmp.path().join("b"));
    for out in [&a, &b] {
        let o = crate::common::render_cli(sc.to_str().unwrap(), 3, out, &[]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    for f in [
        "lidar/top/velodyne/000002.bin",
        "lidar/top/labels/000002.label",
        "lidar/top/pcd/000002.pcd",
        "labels/000002.json",
    ] {
        let (x, y) = (
            std::fs::read(a.join(f)).unwrap(),
            std::fs::read(b.join(f)).unwrap(),
        );
        assert!(!x.is_empty());
        assert_eq!(x, y, "{f}");
    }
    // noise and dropout act: a VLP-16 sweep has at most 16 x 1800 beams, 10% dropped
    let n = std::fs::read(a.join("lidar/top/velodyne/000002.bin"))
        .unwrap()
        .len()
        / 16;
    assert!(n > 5_000 && n < 16 * 1800 * 95 / 100, "{n} points");
}

/// Darkness and lamps change the camera, never the LiDAR.
#[test]
fn lidar_is_unaffected_by_darkness() {
    let (_, _, day) = run(&scene("light: (sun_elevation_deg: 50)"));
    let (_, _, night) = run(&scene(
        "light: (sun_elevation_deg: -20, ambient: 0.05, headlights: true, street_lights: true)",
    ));
    assert_eq!(day[0].lidar_points[0], night[0].lidar_points[0]);
    assert_ne!(day[0].images[0].rgba(), night[0].images[0].rgba());
}

/// Mean intensity of the returns of class `class_id` within 10 m (NaN if none).
fn near_intensity(points: &[LidarPoint], class_id: u16) -> f64 {
    let v: Vec<f64> = points
        .iter()
        .filter(|p| p.class_id == class_id && p.range_m < 10.0)
        .map(|p| p.intensity as f64)
        .collect();
    v.iter().sum::<f64>() / v.len() as f64
}

/// Rain and snow: drop and flake echoes are labeled weather (never an object),
/// come from within the particles' detection range and answer about the share
/// of beams the echo law says; every other return still lies on the surface
/// its label names; far returns fade and the soaked road returns less.
#[test]
fn rain_and_snow_false_returns_are_weather_never_objects() {
    let weather = Class::Weather.id() as u16;
    let road = Class::Road.id() as u16;
    let (_, _, clear) = run(&scene(""));
    let clear = &clear[0].lidar_points[0];
    let far = |pts: &[LidarPoint]| {
        pts.iter()
            .filter(|p| p.range_m > 30.0 && p.class_id != weather)
            .count()
    };
    for extra in [
        "weather: (rain: (rate_mm_h: 50))",
        "weather: (snow: (rate_mm_h: 4))",
    ] {
        let ron = scene(extra);
        let (snap, rig, f) = run(&ron);
        let pts = &f[0].lidar_points[0];
        let atmosphere = edgecase::weather::Atmosphere::new(&scenario(&ron).weather);
        let echo = atmosphere.echoes[0];
        let t = &rig.lidars[0].table;
        let echoes: Vec<&LidarPoint> = pts.iter().filter(|p| p.class_id == weather).collect();
        assert!(
            echoes.iter().all(|p| p.instance_id == 0
                && p.range_m as f64 <= echo.max_range_m + 1e-3
                && p.range_m as f64 >= t.min_range_m - 1e-3),
            "{extra}: an echo with an instance or out of range"
        );
        // beams whose surface is nearer than the echo keep the surface, so the
        // share answered is at most the law's, and not much less
        let beams = (t.channels() * t.columns) as f64;
        let law = 1.0 - (-echo.rate_per_m * (echo.max_range_m - t.min_range_m)).exp();
        let share = echoes.len() as f64 / beams;
        assert!(
            share <= law * 1.03 && share >= law * 0.6,
            "{extra}: {share:.4} of beams answered by particles, law {law:.4}"
        );
        let (off, checked, worst) = off_surface(&snap, world_points(&snap, &rig, pts), 0.02);
        assert!(
            off.is_empty(),
            "{extra}: {} of {checked} returns off their surface: {:?}",
            off.len(),
            &off[..off.len().min(8)]
        );
        assert!(far(pts) < far(clear), "{extra}: far returns did not fade");
        let (wet, dry) = (near_intensity(pts, road), near_intensity(clear, road));
        assert!(
            wet < 0.8 * dry,
            "{extra}: road intensity {wet} vs dry {dry}"
        );
        if extra.contains("snow") {
            // lying snow makes the terrain brighter to the LiDAR
            let terrain = |p: &[LidarPoint]| near_intensity(p, Class::Terrain.id() as u16);
            assert!(
                terrain(pts) > 1.5 * terrain(clear),
                "snowy terrain {} vs clear {}",
                terrain(pts),
                terrain(clear)
            );
        }
        eprintln!(
            "{extra}: {} echoes ({share:.4} of beams, law {law:.4}), {} far returns vs {} clear, road intensity {wet:.3} vs {dry:.3}, worst {worst:.4} m",
            echoes.len(),
            far(pts),
            far(clear)
        );
    }
}

/// The ego drives on during the sweep (which fires from half a turn before
/// the frame time to half a turn after). Raw points (motion_compensated:
/// false) are in the sensor frame at their own firing time: they land on
/// their surface when placed with the sensor pose of that time (constant
/// speed and yaw rate), and visibly off when placed with the frame-time
/// pose. Motion-compensated points (the default) land on their surface
/// placed with the frame-time pose, where the camera and the 3D boxes are.
/// On a straight road and a 40 m arc.
#[test]
fn points_carry_the_ego_motion_during_the_sweep() {
    let arc = scene("").replace(
        "segments: [Straight(length_m: 120)]",
        "segments: [Arc(length_m: 120, radius_m: 40, turn: Left)]",
    );
    for (what, ron) in [("straight", scene("")), ("arc", arc)] {
        let ron = ron.replace("ego: (speed_mps: 0)", "ego: (speed_mps: 20)");
        let raw_ron = ron.replace(
            "columns: 1024,",
            "columns: 1024, motion_compensated: false,",
        );
        let (snap, rig, f) = run(&raw_ron);
        let pts = &f[0].lidar_points[0];
        assert!(pts.len() > 30_000, "{what}: {} points", pts.len());
        let ego = &snap.ego;
        if what == "arc" {
            assert!(
                (ego.yaw_rate_rad_s - 20.0 / 40.0).abs() < 1e-3,
                "yaw rate {}",
                ego.yaw_rate_rad_s
            );
        }
        let l = &rig.lidars[0];
        assert!(pts.iter().any(|p| p.time_s < -0.04) && pts.iter().any(|p| p.time_s > 0.04));
        let at_firing = pts.iter().map(|p| {
            let pose = snap
                .world_from_ego
                .mul(&edgecase::core::frames::ctrv_delta(
                    ego.speed_mps,
                    ego.yaw_rate_rad_s,
                    p.time_s as f64,
                ))
                .mul(&l.ego_from_sensor);
            let local = DVec3::new(
                p.position[0] as f64,
                p.position[1] as f64,
                p.position[2] as f64,
            );
            (pose.transform_point(local), p)
        });
        let (off, checked, worst) = off_surface(&snap, at_firing, 0.02);
        assert!(
            off.len() * 1000 <= checked,
            "{what}: {} of {checked} raw returns more than 2 cm off, e.g. {:?}",
            off.len(),
            &off[..off.len().min(8)]
        );
        // placed at the frame-time pose instead, the parts of the sweep away
        // from the front (fired up to 0.05 s, 1 m, from the frame) are skewed
        // off the vehicles and buildings
        let (skewed, _, _) = off_surface(&snap, world_points(&snap, &rig, pts), 0.1);
        assert!(
            skewed.len() > 1_000,
            "{what}: only {} of {checked} points skewed by the motion",
            skewed.len()
        );
        eprintln!(
            "{what}: {checked} raw returns at 20 m/s, {} off by more than 2 cm (worst {worst:.3} m); {} skewed > 0.1 m at the frame-time pose",
            off.len(),
            skewed.len()
        );
        // the default: compensated to the frame time
        let (snap, rig, f) = run(&ron);
        let pts = &f[0].lidar_points[0];
        let (off, checked, worst) = off_surface(&snap, world_points(&snap, &rig, pts), 0.02);
        assert!(
            off.len() * 1000 <= checked,
            "{what}: {} of {checked} compensated returns more than 2 cm off, e.g. {:?}",
            off.len(),
            &off[..off.len().min(8)]
        );
        eprintln!(
            "{what}: {checked} compensated returns, {} off by more than 2 cm (worst {worst:.3} m)",
            off.len()
        );
    }
}

/// Every object return lies inside its object's 3D box (LiDAR frame, as
/// labeled) within 2 cm, while the ego drives: points are motion-compensated
/// to the frame time and boxes hold every posed part (cyclist_door: the
/// door opens at 3.8 s; the cyclist swerves).
#[test]
fn every_object_return_is_inside_its_box() {
    let src = std::fs::read_to_string(crate::common::repo_path(
        "scenarios/hazards/cyclist_door.ron",
    ))
    .unwrap();
    let mut s = scenario(&src);
    s.sensors.cameras[0].width = 96;
    s.sensors.cameras[0].height = 72;
    s.sensors.lidars[0].preset = edgecase::scenario::LidarPreset::Hdl64e;
    let (_, frames) = crate::common::render(&s, 48);
    let (mut checked, mut worst) = (0usize, 0.0f64);
    for f in &frames {
        let labels = f.labels.as_ref().unwrap();
        let boxes = &labels.lidars[0].objects;
        for p in &f.lidar_points[0] {
            if p.instance_id == 0 {
                continue;
            }
            let b = &boxes
                .iter()
                .find(|o| o.instance_id == p.instance_id)
                .expect("every hit object is listed")
                .box_lidar;
            let d = DVec3::new(
                p.position[0] as f64 - b.center_m[0],
                p.position[1] as f64 - b.center_m[1],
                p.position[2] as f64 - b.center_m[2],
            );
            let (sy, cy) = b.yaw_rad.sin_cos();
            // into the box frame: rotate by -yaw about z
            let local = DVec3::new(cy * d.x + sy * d.y, -sy * d.x + cy * d.y, d.z);
            let half = DVec3::from(b.size_lwh_m) / 2.0;
            let out = (local.abs() - half).max_element();
            worst = worst.max(out);
            assert!(
                out <= 0.02,
                "frame {}: return of {} {out:.3} m outside its box",
                labels.frame,
                p.instance_id
            );
            checked += 1;
        }
    }
    assert!(checked > 2_000, "only {checked} object returns");
    eprintln!("{checked} object returns, worst {worst:.4} m outside their boxes");
}
