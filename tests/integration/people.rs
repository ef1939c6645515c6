//! People: posed, walking and pedalling figures keep labels exact. Their
//! boxes fit the posed mesh, LiDAR returns lie on their moving limbs,
//! keypoints marked visible fall on their own pixels, and pycocotools
//! scores the keypoints GT-vs-GT at 1.0.

use crate::common::{render_cli, scenario, temp_dir};
use crate::lidar::{off_surface, world_points};
use edgecase::core::classes::Class;
use edgecase::sensors::{LabeledFrame, Rig, snapshot};
use edgecase::snapshot::FrameSnapshot;
use glam::DVec3;

/// People walking and running on both sidewalks close to the ego, a
/// cyclist passing it, a roof LiDAR and a front camera looking along them.
const PEOPLE: &str = "(frames: 40, seed: 21,
    road: (segments: [Straight(length_m: 120)]),
    ego: (speed_mps: 0),
    pedestrians: [
        (s_m: 9, side: Right, offset_m: 0.8, speed_mps: 1.4),
        (s_m: 12, side: Right, offset_m: 1.8, speed_mps: 3.2, direction: Backward),
        (s_m: 7, side: Left, offset_m: 1.0, speed_mps: 1.1),
        (s_m: 15, side: Left, offset_m: 1.5, speed_mps: 0.0),
    ],
    cyclists: [(s_m: 4, offset_m: 2.0, speed_mps: 4.0)],
    sensors: (cameras: [(name: \"front\", width: 320, height: 240, hfov_deg: 100, mount: (x_m: 0.5, z_m: 1.6))],
              lidars: [(name: \"top\", preset: Hdl64e, columns: 1024, mount: (z_m: 1.9))]))";

fn run(frames: u64) -> (FrameSnapshot, Rig, Vec<LabeledFrame>) {
    let (mut app, out) = crate::common::run_app(&scenario(PEOPLE), frames);
    let snap = snapshot(app.world_mut());
    let rig = app.world_mut().remove_resource::<Rig>().unwrap();
    (snap, rig, out)
}

fn is_person(class: Class) -> bool {
    matches!(class, Class::Person | Class::Rider)
}

#[test]
fn walking_people_are_posed_and_their_lidar_returns_lie_on_their_limbs() {
    let (snap, rig, frames) = run(12);
    let people: Vec<_> = snap.objects.iter().filter(|o| is_person(o.class)).collect();
    assert_eq!(people.len(), 5);
    let activities: std::collections::BTreeSet<String> = people
        .iter()
        .map(|o| o.person.as_ref().unwrap().attributes.activity.clone())
        .collect();
    assert!(
        activities.contains("walking")
            && activities.contains("running")
            && activities.contains("standing")
            && activities.contains("cycling"),
        "{activities:?}"
    );
    let last = frames.last().unwrap();
    let points = &last.lidar_points[0];
    let people_points = world_points(&snap, &rig, points).filter(|(_, p)| {
        p.class_id == Class::Person.id() as u16 || p.class_id == Class::Rider.id() as u16
    });
    let (off, checked, worst) = off_surface(&snap, people_points, 0.02);
    assert!(checked > 300, "only {checked} returns on people");
    assert!(
        off.is_empty(),
        "{} of {checked} returns on people more than 2 cm off their posed limbs, e.g. {:?}",
        off.len(),
        &off[..off.len().min(8)]
    );
    eprintln!("{checked} returns on walking people, worst {worst:.4} m off");
}

#[test]
fn person_boxes_enclose_their_posed_mesh_and_touch_it_on_every_face() {
    let (snap, _, _) = run(9);
    for o in snap.objects.iter().filter(|o| is_person(o.class)) {
        let b = &o.box3;
        let inv = b.pose().inverse();
        let half = DVec3::new(b.length_m, b.height_m, b.width_m) / 2.0;
        let (mut lo, mut hi) = (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN));
        let mut points: Vec<DVec3> = o.part_points_world.iter().flatten().copied().collect();
        // a rider's box holds their bicycle too (KITTI's Cyclist)
        if o.class == Class::Rider {
            let bike = snap
                .objects
                .iter()
                .find(|b| b.rider_instance_id == Some(o.instance_id))
                .unwrap();
            points.extend(bike.part_points_world.iter().flatten().copied());
        }
        for p in points {
            let l = inv.transform_point(p);
            assert!(
                l.abs().cmple(half + 1e-6).all(),
                "{} part point {l:?} outside {half:?}",
                o.instance_id
            );
            lo = lo.min(l);
            hi = hi.max(l);
        }
        // tight: the mesh reaches within 2 cm of each of the six faces
        let gap = (lo + half).max(half - hi);
        assert!(gap.max_element() <= 0.02, "{}: gaps {gap:?}", o.instance_id);
    }
}

#[test]
fn visible_keypoints_fall_on_their_own_pixels_and_hidden_ones_are_marked() {
    let (_, _, frames) = run(10);
    let (mut visible, mut hidden) = (0, 0);
    for f in &frames {
        let labels = f.labels.as_ref().unwrap();
        let img = &f.images[0];
        for o in &labels.cameras[0].objects {
            let Some(kps) = &o.keypoints_px else {
                assert!(
                    o.class != "person" && o.class != "rider",
                    "{} has none",
                    o.instance_id
                );
                continue;
            };
            assert_eq!(kps.len(), 17);
            assert!(o.person.is_some());
            for k in kps {
                match k[2] as u8 {
                    0 => assert_eq!((k[0], k[1]), (0.0, 0.0)),
                    1 => hidden += 1,
                    2 => {
                        let i = k[1] as usize * img.width as usize + k[0] as usize;
                        assert_eq!(img.labels()[i] as u32, o.instance_id, "{k:?}");
                        visible += 1;
                    }
                    v => panic!("visibility {v}"),
                }
            }
        }
    }
    // people seen side-on hide their far arm and leg behind their body
    assert!(
        visible > 100 && hidden > 20,
        "{visible} visible, {hidden} hidden"
    );
}

/// Each keypoint's recorded velocity (the body's plus the limb's swing,
/// which motion blur smears people's limbs with) is how fast it moves:
/// central differences of its camera-frame position over the frames
/// either side (the ego stands, so the camera frame stays put; ticks of
/// 20 ms keep the difference's own error under ~1%). Limbs swing faster
/// than the body walks, and nobody's keypoints stand still.
#[test]
fn keypoint_velocities_are_how_fast_the_keypoints_move() {
    let fine = PEOPLE.replacen("seed: 21,", "seed: 21, tick_hz: 200,", 1);
    let (_, frames) = crate::common::run_app(&scenario(&fine), 16);
    let dt = 0.005;
    let objects = |f: usize| &frames[f].labels.as_ref().unwrap().cameras[0].objects;
    let (mut checked, mut errors, mut faster_than_body) = (0, Vec::new(), 0);
    for f in 2..15 {
        for o in objects(f) {
            let Some(v) = o
                .motion
                .as_ref()
                .and_then(|m| m.keypoints_velocity_ego_mps.as_ref())
            else {
                continue;
            };
            let find = |g: usize| objects(g).iter().find(|p| p.instance_id == o.instance_id);
            let (Some(before), Some(after)) = (find(f - 1), find(f + 1)) else {
                continue;
            };
            let k = |p: &edgecase::core::record::ObjectLabel, i: usize| {
                DVec3::from_array(p.keypoints_camera_m.as_ref().unwrap()[i])
            };
            let body = DVec3::from_array(o.motion.as_ref().unwrap().velocity_ego_mps).length();
            for (i, v) in v.iter().enumerate() {
                let moved = ((k(after, i) - k(before, i)) / (2.0 * dt)).length();
                let recorded = DVec3::from_array(*v).length();
                let e = (moved - recorded).abs() / recorded.max(0.3);
                errors.push(e);
                faster_than_body += usize::from(recorded > 1.3 * body && body > 0.5);
                checked += 1;
            }
        }
    }
    errors.sort_by(f64::total_cmp);
    let median = errors[errors.len() / 2];
    let p90 = errors[errors.len() * 9 / 10];
    eprintln!("{checked} keypoint speeds: median error {median:.4}, 90th percentile {p90:.4}");
    assert!(checked > 300, "{checked} keypoints checked");
    assert!(median < 0.01 && p90 < 0.05, "median {median}, p90 {p90}");
    assert!(
        faster_than_body > 30,
        "{faster_than_body} keypoints outrun their body"
    );
}

/// Render scenario text `src` for `frames` through the CLI: the temp dir
/// (kept alive by the caller), the dataset and its COCO document.
fn render_coco(
    src: &str,
    frames: u32,
) -> (tempfile::TempDir, std::path::PathBuf, serde_json::Value) {
    let tmp = temp_dir();
    let path = tmp.path().join("people.ron");
    std::fs::write(&path, src).unwrap();
    let out = tmp.path().join("ds");
    let o = render_cli(path.to_str().unwrap(), frames, &out, &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let coco =
        serde_json::from_slice(&std::fs::read(out.join("coco/annotations.json")).unwrap()).unwrap();
    (tmp, out, coco)
}

#[test]
fn coco_keypoints_score_1_gt_vs_gt_in_pycocotools() {
    let (_tmp, out, coco) = render_coco(PEOPLE, 20);
    let person = coco["categories"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "person")
        .unwrap();
    assert_eq!(person["keypoints"].as_array().unwrap().len(), 17);
    assert_eq!(person["skeleton"].as_array().unwrap().len(), 19);
    let Some(last) = crate::readers::check_coco(&out) else {
        return;
    };
    // every person and rider annotated with keypoints, scored AP 1.0 (the
    // script fails otherwise)
    assert!(last.contains("people with keypoints"), "{last}");
    let posed = crate::readers::coco_summary_count(&last, 2);
    assert!(posed >= 40, "{last}");
    assert!(last.ends_with("categories: bicycle,person"), "{last}");
}

/// A crowd: more people posed in one image than pycocotools' keypoint
/// evaluation keeps (20 detections an image). COCO carries the keypoints of
/// the 20 largest, first, and writes the others unposed (num_keypoints 0),
/// so the ground truth scored against itself is still AP 1.0 (a 300-walker
/// crowd had scored 0.49); the canonical labels keep everyone's.
#[test]
fn a_crowd_keeps_coco_keypoints_ap_1_within_the_evaluators_20_an_image() {
    let walkers: Vec<String> = (0..48)
        .map(|i| {
            let side = if i % 2 == 0 { "Right" } else { "Left" };
            let offset = 0.5 + (i % 3) as f64 * 0.6;
            format!(
                "(s_m: {:.1}, side: {side}, offset_m: {offset}, speed_mps: 0.8)",
                6.0 + i as f64 * 0.45
            )
        })
        .collect();
    let src = format!(
        "(frames: 2, ego: (speed_mps: 0), pedestrians: [{}], sensors: (cameras: [(width: 320, height: 240, hfov_deg: 100)]))",
        walkers.join(", ")
    );
    let (_tmp, out, coco) = render_coco(&src, 2);
    let people: Vec<&serde_json::Value> = coco["annotations"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["image_id"] == 1 && a["category_id"] == 1 && a["iscrowd"] == 0)
        .collect();
    let posed: Vec<bool> = people
        .iter()
        .map(|a| a["num_keypoints"].as_u64().unwrap() > 0)
        .collect();
    assert!(people.len() > 25, "{} people seen", people.len());
    assert_eq!(posed.iter().filter(|p| **p).count(), 20);
    // the posed come first, the largest first
    assert!(posed[..20].iter().all(|p| *p));
    let area = |a: &serde_json::Value| a["area"].as_u64().unwrap();
    assert!(people[..20].windows(2).all(|w| area(w[0]) >= area(w[1])));
    // the canonical labels keep every visible person's keypoints
    let labels: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("labels/000000.json")).unwrap()).unwrap();
    let keyed = labels["cameras"][0]["objects"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|o| {
            o["keypoints_px"]
                .as_array()
                .is_some_and(|k| k.iter().any(|p| p[2].as_f64() > Some(0.0)))
        })
        .count();
    assert!(keyed > 20, "{keyed}");
    if let Some(last) = crate::readers::check_coco(&out) {
        assert!(last.contains("people with keypoints"), "{last}");
    }
}

/// Walkers step round the poles and sign posts on their line: a street
/// light every 6 m and a sign at 9 m stand 1 m from the kerb, where both
/// walkers walk (one each way); no walker comes within the post's radius +
/// 0.35 m of one, and between posts they are back on their line. (Before,
/// they walked straight through them.)
#[test]
fn walkers_step_round_poles_and_sign_posts() {
    use bevy::prelude::*;
    let mut app = edgecase::app::headless_app(scenario(
        "(road: (segments: [Straight(length_m: 120)]), ego: (speed_mps: 0),
          props: (scatter: [(kind: Pole, spacing_m: 6, side: Right, from_s_m: 10, to_s_m: 40)],
                  placed: [(kind: Sign, s_m: 33, side: Right)]),
          pedestrians: [(s_m: 8, side: Right, speed_mps: 1.4), (s_m: 42, side: Right, speed_mps: 1.2, direction: Backward)])",
    ));
    app.update();
    let posts = app
        .world()
        .resource::<edgecase::world::SidewalkPosts>()
        .0
        .clone();
    assert_eq!(posts.len(), 7, "{posts:?}");
    let mut closest = f64::INFINITY;
    let mut on_line = 0;
    for _ in 0..250 {
        app.update();
        let w = app.world_mut();
        let people: Vec<Vec3> = w
            .query::<(&edgecase::world::Thing, &Transform)>()
            .iter(w)
            .filter(|(th, _)| th.role.to_string().starts_with("pedestrians"))
            .map(|(_, t)| t.translation)
            .collect();
        assert_eq!(people.len(), 2);
        // the two meet too: near each other they step aside for that
        let apart = (people[0].x - people[1].x).abs() as f64;
        for p in people {
            // sim frame: x east, z south; the road runs east from the origin
            let (s, lateral) = (p.x as f64, -p.z as f64);
            for post in &posts {
                let d = (s - post.s_m).hypot(lateral - post.lateral_m);
                closest = closest.min(d - post.radius_m);
            }
            let nearest = posts
                .iter()
                .map(|q| (s - q.s_m).abs())
                .fold(f64::INFINITY, f64::min);
            if nearest > 2.0 && apart > 2.0 {
                let line = posts[0].lateral_m; // 1 m from the kerb, as the walkers
                assert!(
                    (lateral - line).abs() < 1e-4,
                    "off the line at s = {s:.2}: {lateral:.3}"
                );
                on_line += 1;
            }
        }
    }
    assert!(
        closest > 0.349,
        "a walker came within {closest:.3} m of a post"
    );
    assert!(on_line > 50, "{on_line}");
}

/// Walkers pass each other instead of through each other: two meeting
/// head-on on one line, a runner catching up with a slow walker and a
/// person standing on the line, all at the default 1 m from the kerb.
/// No two centres come within 0.7 m (2 x 0.35 m) while they pass, and
/// once clear everyone is back on their line.
#[test]
fn walkers_pass_each_other_with_room() {
    use bevy::prelude::*;
    let mut app = edgecase::app::headless_app(scenario(
        "(road: (segments: [Straight(length_m: 120)]), ego: (speed_mps: 0),
          pedestrians: [(s_m: 10, side: Right, speed_mps: 1.4),
                        (s_m: 24, side: Right, speed_mps: 1.2, direction: Backward),
                        (s_m: 30, side: Right, speed_mps: 0.5),
                        (s_m: 22, side: Right, speed_mps: 3.0),
                        (s_m: 45, side: Right, speed_mps: 0)])",
    ));
    let mut closest = f64::INFINITY;
    let mut last = Vec::new();
    for _ in 0..150 {
        app.update();
        let w = app.world_mut();
        let mut people: Vec<(String, f64, f64)> = w
            .query::<(&edgecase::world::Thing, &Transform)>()
            .iter(w)
            .filter(|(th, _)| th.role.to_string().starts_with("pedestrians"))
            .map(|(th, t)| {
                (
                    th.role.to_string(),
                    t.translation.x as f64,
                    -t.translation.z as f64,
                )
            })
            .collect();
        people.sort_by(|a, b| a.0.cmp(&b.0));
        assert_eq!(people.len(), 5);
        for (i, a) in people.iter().enumerate() {
            for b in &people[i + 1..] {
                closest = closest.min((a.1 - b.1).hypot(a.2 - b.2));
            }
        }
        last = people;
    }
    assert!(closest > 0.699, "two walkers came within {closest:.3} m");
    // after 15 s everyone has passed and is 2 m or more from the others
    // along the road: back on the line (1 m from the 5.7 m kerb line)
    for p in &last {
        assert!(
            (p.2 + 6.7).abs() < 1e-4,
            "{} off their line: {:.3}",
            p.0,
            p.2
        );
    }
}

/// A person waits while a vehicle stands in their next steps: a
/// cross-street car stopped across the main road's sidewalk in the mouth
/// holds the walker at its flank (they walked through it) until it drives
/// off at 4 s; then they walk on. Nobody is struck, and the car, with the
/// walker beside it and not in its path, does not wait for them.
#[test]
fn walkers_wait_for_a_vehicle_standing_across_their_path() {
    use crate::traffic::{actor, collisions, run};
    let ticks = run(
        "(road: (segments: [Straight(length_m: 200)], junctions: [(s_m: 60)]),
          ego: (speed_mps: 0, start_s_m: 10),
          vehicles: [(start_s_m: 53.3, speed_mps: 0, road: 1, lane: 0, name: \"blocker\")],
          pedestrians: [(s_m: 57.5, side: Right, speed_mps: 1.4)],
          triggers: [(actor: \"blocker\", when: AtTime(4.0), action: SetSpeed(6))])",
        120,
    );
    assert!(collisions(&ticks).is_empty(), "{:?}", collisions(&ticks));
    // the car's flank is at x = 61.75 - 0.9 (its lane centre less half its
    // width at most): the walker's centre stops short of it
    let held: Vec<f64> = ticks[22..40]
        .iter()
        .map(|t| actor(t, "pedestrians[0]").1)
        .collect();
    let first = held[0];
    assert!(held.iter().all(|s| *s == first), "{held:?}");
    assert!(first < 61.75 - 0.8 - 0.25, "{first}");
    // and walks on once the car has gone
    assert!(actor(ticks.last().unwrap(), "pedestrians[0]").1 > first + 5.0);
}
