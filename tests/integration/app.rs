//! Tier 2: headless App tests, no GPU.

use crate::common::scenario;
use edgecase::app::headless_app;
use edgecase::sim::SimClock;
use edgecase::sim::components::{Crossing, LaneMotion};
use edgecase::world::{Ego, Thing};

#[test]
fn ego_advances_by_speed_times_tick() {
    let s = scenario("(tick_hz: 20, ego: (start_s_m: 5, speed_mps: 12))");
    let mut app = headless_app(s);
    for _ in 0..41 {
        app.update();
    }
    let w = app.world_mut();
    assert_eq!(w.resource::<SimClock>().frame, 40);
    let m = w
        .query_filtered::<&LaneMotion, bevy::prelude::With<Ego>>()
        .single(w)
        .unwrap()
        .clone();
    // 40 ticks of 1/20 s at 12 m/s (the physics integrates in f32)
    assert!((m.s_m - (5.0 + 24.0)).abs() < 1e-3, "{}", m.s_m);
    assert!((m.speed_mps - 12.0).abs() < 1e-3, "{}", m.speed_mps);
}

#[test]
fn crossing_triggers_on_the_tick_its_condition_first_holds() {
    // ego at 10 m/s from s=0; crossing at s=50 with a 2 s threshold:
    // time to reach = (50 - 10 t) / 10 <= 2  <=>  t >= 3 s  => frame 30 at 10 Hz
    let s = scenario(
        "(tick_hz: 10, ego: (speed_mps: 10), hazard: PedestrianCrossing(s_m: 50, trigger_time_to_ego_s: 2.0))",
    );
    let mut app = headless_app(s);
    let mut fired = None;
    for frame in 0..40u64 {
        app.update();
        let w = app.world_mut();
        let c = w.query::<&Crossing>().single(w).unwrap().clone();
        if fired.is_none() && c.started_at_frame.is_some() {
            fired = Some(frame);
        }
    }
    assert_eq!(fired, Some(30));
    let w = app.world_mut();
    let c = w.query::<&Crossing>().single(w).unwrap().clone();
    assert_eq!(c.started_at_frame, Some(30));
    // it walked for 9 ticks at 1.6 m/s towards the far side
    let walked = (c.lateral_m - c.target_lateral_m).abs();
    assert!(c.lateral_m > -5.0 && walked > 0.0);
}

#[test]
fn instance_ids_are_stable_and_follow_the_cityscapes_rule() {
    let src = "(vehicles: [(start_s_m: 30, speed_mps: 5), (start_s_m: 60, speed_mps: 5, kind: Truck)], pedestrians: [(s_m: 10)], props: (parked: [(s_m: 20)]))";
    let ids = |n: usize| {
        let mut app = headless_app(scenario(src));
        for _ in 0..n {
            app.update();
        }
        let w = app.world_mut();
        let mut v: Vec<(String, u32)> = w
            .query::<&Thing>()
            .iter(w)
            .map(|t| (t.role.to_string(), t.instance_id))
            .collect();
        v.sort();
        v
    };
    let a = ids(1);
    assert_eq!(a, ids(25));
    let get = |role: &str| a.iter().find(|(r, _)| r == role).unwrap().1;
    assert_eq!(get("ego"), 26001);
    assert_eq!(get("vehicles[0]"), 26002);
    assert_eq!(get("vehicles[1]"), 27001);
    assert_eq!(get("parked[0]"), 26003);
    assert_eq!(get("pedestrians[0]"), 24001);
}

/// Every labeled object's 3D box holds every part of it as posed at that
/// tick: a parked car's shut and opened driver door (cyclist_door opens one
/// at 3.8 s), the deer walking (deer_night_rural), falling cargo, people.
#[test]
fn boxes_enclose_every_part_in_every_pose() {
    use edgecase::sensors::snapshot;
    for name in [
        "hazards/cyclist_door",
        "hazards/deer_night_rural",
        "hazards/debris_truck_motorway",
        "fog_pedestrian",
    ] {
        let src =
            std::fs::read_to_string(crate::common::repo_path(&format!("scenarios/{name}.ron")))
                .unwrap();
        let mut app = headless_app(scenario(&src));
        let (mut checked, mut grown) = (0usize, 0usize);
        for _ in 0..60 {
            app.update();
            let snap = snapshot(app.world_mut());
            for o in snap.objects.iter() {
                let b = &o.box3;
                let inv = b.pose().inverse();
                let half = glam::DVec3::new(b.length_m, b.height_m, b.width_m) / 2.0;
                for p in o.part_points_world.iter().flatten() {
                    let l = inv.transform_point(*p);
                    let out = (l.abs() - half).max_element();
                    assert!(
                        out <= 1e-3,
                        "{name} frame {}: {} part point {out:.4} m outside its box",
                        snap.frame,
                        o.role
                    );
                    checked += 1;
                }
                // cyclist_door's parked[1] is a 1.8 m wide car whose door opens
                if o.role.to_string() == "parked[1]" && b.width_m > 2.0 {
                    grown += 1;
                }
            }
        }
        assert!(checked > 1000, "{name}: {checked}");
        if name == "hazards/cyclist_door" {
            // the opened door widened its car's box
            assert!(grown > 0, "no parked car's box grew with its open door");
        }
    }
}

/// Which way each parked vehicle faces (+1 east, the road's forward, -1
/// west) and each cyclist's station after `ticks`, by role.
fn kerbside(src: &str, ticks: usize) -> Vec<(String, f32, f64)> {
    use bevy::prelude::{Transform, Vec3};
    let mut app = headless_app(scenario(src));
    for _ in 0..ticks {
        app.update();
    }
    let w = app.world_mut();
    let mut out: Vec<(String, f32, f64)> = w
        .query::<(&Thing, &Transform, Option<&LaneMotion>)>()
        .iter(w)
        .filter(|(t, _, _)| matches!(t.role.to_string().as_str(), "parked[0]" | "cyclists[0]"))
        .map(|(t, tr, m)| {
            let east = (tr.rotation * Vec3::X).x.signum();
            (t.role.to_string(), east, m.map_or(f64::NAN, |m| m.s_m))
        })
        .collect();
    out.sort_by(|a, b| a.0.cmp(&b.0));
    out
}

#[test]
fn on_a_one_way_road_both_kerbs_run_forward() {
    // the left kerb of a two-way road runs with the oncoming lanes: parked
    // cars face west and cyclists ride west; on a one-way road both kerbs
    // run with its only direction (they had faced and ridden against it)
    let left = "props: (parked: [(s_m: 30, side: Left)]), cyclists: [(s_m: 20, side: Left)]";
    let two_way = kerbside(&format!("(ego: (speed_mps: 0), {left})"), 11);
    let one_way = kerbside(
        &format!("(road: (lanes_forward: 2, lanes_backward: 0), ego: (speed_mps: 0), {left})"),
        11,
    );
    let (car, cyclist) = (&two_way[1], &two_way[0]);
    assert_eq!((car.0.as_str(), car.1), ("parked[0]", -1.0));
    assert_eq!((cyclist.0.as_str(), cyclist.1), ("cyclists[0]", -1.0));
    assert!(cyclist.2 < 20.0 - 4.0, "{two_way:?}");
    let (car, cyclist) = (&one_way[1], &one_way[0]);
    assert_eq!((car.1, cyclist.1), (1.0, 1.0), "{one_way:?}");
    // 10 ticks of 1 s / 10 at the default 5 m/s
    assert!(cyclist.2 > 20.0 + 4.0, "{one_way:?}");
}

/// Scattered buildings stand clear of each other and trees stand clear
/// of them: a jittered scatter (neighbours drawn up to 6 m nearer each
/// other) along a 30 m curve, whose inside sets them back towards each
/// other, and trees scattered 2 m beyond the sidewalk, where the
/// buildings' fronts are 1 m beyond it. Buildings had stood inside each
/// other, and trunks inside buildings.
#[test]
fn scattered_buildings_stand_clear_of_each_other_and_of_trees() {
    use bevy::prelude::{Transform, Without};
    use edgecase::core::classes::Class;
    use edgecase::world::Renderable;
    use glam::{Mat4, Vec3};
    let s = scenario(
        "(seed: 5, road: (segments: [Straight(length_m: 60), Arc(length_m: 60, radius_m: 30, turn: Right), Straight(length_m: 60)]),
          props: (scatter: [(kind: Tree, spacing_m: 5, offset_m: 0.5), (kind: Building, spacing_m: 14, jitter_m: 3, offset_m: 1)]))",
    );
    let mut app = headless_app(s);
    app.update();
    let w = app.world_mut();
    // each prop's parts standing on the ground: world matrices of unit cubes
    let mut buildings: Vec<Vec<Mat4>> = Vec::new();
    let mut trunks: Vec<Mat4> = Vec::new();
    for (r, t) in w
        .query_filtered::<(&Renderable, &Transform), Without<Thing>>()
        .iter(w)
    {
        let mut walls = Vec::new();
        for p in r.parts.iter() {
            let to_world = t.to_matrix() * p.local;
            let foot = to_world.transform_point3(Vec3::new(0.0, -0.5, 0.0)).y;
            match p.class {
                Class::Building if foot < 0.3 => walls.push(to_world),
                Class::Vegetation if foot < 0.3 => trunks.push(to_world),
                _ => {}
            }
        }
        if !walls.is_empty() {
            buildings.push(walls);
        }
    }
    assert!(
        buildings.len() > 12 && trunks.len() > 20,
        "{} {}",
        buildings.len(),
        trunks.len()
    );
    // ground points of a part, 21 x 21 over its foot
    let foot_points = |m: &Mat4| {
        let m = *m;
        (0..=20).flat_map(move |i| {
            (0..=20).map(move |j| {
                m.transform_point3(Vec3::new(
                    i as f32 / 20.0 - 0.5,
                    -0.5,
                    j as f32 / 20.0 - 0.5,
                ))
            })
        })
    };
    // inside a part's foot, more than `inset_m` in from its sides
    let inside = |m: &Mat4, q: Vec3, inset_m: f32| {
        let local = m.inverse().transform_point3(q);
        let scale = m.to_scale_rotation_translation().0;
        local.x.abs() < 0.5 - inset_m / scale.x && local.z.abs() < 0.5 - inset_m / scale.z
    };
    for (a, walls) in buildings.iter().enumerate() {
        for (b, others) in buildings.iter().enumerate().filter(|(b, _)| *b != a) {
            for q in walls.iter().flat_map(foot_points) {
                assert!(
                    !others.iter().any(|m| inside(m, q, 0.01)),
                    "building {a} stands in building {b} at {q:?}"
                );
            }
        }
        // a trunk may stand against a wall (its centre at most its half
        // width, 0.15 m, inside), not in the building
        for m in &trunks {
            let centre = m.transform_point3(Vec3::new(0.0, -0.5, 0.0));
            assert!(
                !walls.iter().any(|w| inside(w, centre, 0.14)),
                "a trunk stands in building {a} at {centre:?}"
            );
        }
    }
}

/// Scattered buildings and trees keep off every leg of a road that bends
/// back: on a hairpin whose legs run 30 m apart (8.2 m of road and
/// sidewalk each side of each), the buildings scattered 5 m off the first
/// leg's sidewalk would reach 1.4 m onto the second leg's, and the trees
/// 14 m off it stand on the second leg's sidewalk; they are left out there,
/// and no building or trunk stands on the road anywhere.
#[test]
fn scattered_props_keep_off_a_hairpin_s_other_leg() {
    use bevy::prelude::{Transform, Without};
    use edgecase::core::classes::Class;
    use edgecase::world::Renderable;
    use glam::{DVec2, Vec3};
    let s = scenario(
        "(road: (segments: [Straight(length_m: 100), Arc(length_m: 47.124, radius_m: 15, turn: Left), Straight(length_m: 100)]),
          props: (scatter: [(kind: Building, spacing_m: 20, offset_m: 5), (kind: Tree, spacing_m: 7, offset_m: 14)]))",
    );
    let path = s.road.path();
    let mut app = headless_app(s);
    app.update();
    let w = app.world_mut();
    // ground points of every building part and trunk, 0.25 m apart (ENU)
    let mut points: Vec<(Class, DVec2)> = Vec::new();
    let mut buildings = 0;
    for (r, t) in w
        .query_filtered::<(&Renderable, &Transform), Without<Thing>>()
        .iter(w)
    {
        for p in r.parts.iter() {
            let to_world = t.to_matrix() * p.local;
            // a tree's trunk: the part of it that stands on the ground
            let foot = to_world.transform_point3(Vec3::new(0.0, -0.5, 0.0)).y;
            let trunk = p.class == Class::Vegetation && foot < 0.3;
            if p.class != Class::Building && !trunk {
                continue;
            }
            buildings += usize::from(p.class == Class::Building);
            for i in 0..=20 {
                for j in 0..=20 {
                    let unit = Vec3::new(i as f32 / 20.0 - 0.5, -0.5, j as f32 / 20.0 - 0.5);
                    let q = to_world.transform_point3(unit);
                    points.push((p.class, DVec2::new(q.x as f64, -q.z as f64)));
                }
            }
        }
    }
    assert!(buildings > 8, "{buildings} building parts");
    // on the road: within 8.1 m of the centre line at a station whose
    // normal runs through the point
    let stations: Vec<_> = (-160..=1592)
        .map(|k| path.pose_at(0.25 * k as f64))
        .collect();
    for (class, p) in points {
        for pose in &stations {
            let d = p - pose.position;
            let (along, across) = (d.dot(pose.forward()), d.dot(pose.left()));
            assert!(
                along.abs() > 0.13 || across.abs() > 8.1,
                "a {class:?} part stands on the road at {p:?}, {across:.2} m across it"
            );
        }
    }
}
