//! Unit tests of bodies, poses and keypoints.

use super::*;

fn adult() -> Body {
    Body {
        height_m: 1.75,
        build: 1.0,
        age: AgeGroup::Adult,
    }
}

fn outfit() -> Outfit {
    Outfit {
        skin_tone: 4,
        top_srgb: [200, 30, 30],
        lower_srgb: [20, 20, 60],
        lower: LowerGarment::Trousers,
        jacket: false,
        hair_srgb: HAIR_SRGB[0],
        long_hair: false,
        top_pattern: TopPattern::Stripes,
    }
}

/// Lowest and highest y over the segments' unit-cube corners (a bound
/// on each convex primitive).
fn y_range(segs: &[Segment]) -> (f32, f32) {
    let mut lo = f32::MAX;
    let mut hi = f32::MIN;
    for s in segs {
        for p in crate::core::mesh::unit_cube_corners() {
            let w = s.local.transform_point3(p);
            lo = lo.min(w.y);
            hi = hi.max(w.y);
        }
    }
    (lo, hi)
}

#[test]
fn a_standing_adult_is_as_tall_as_their_height_and_stands_on_the_ground() {
    let b = adult();
    let s = pose(&b, Activity::Stand);
    let sole = s.ankle[0].y.min(s.ankle[1].y) - b.lengths().ankle;
    assert!(sole.abs() < 1e-5, "sole at {sole}");
    // the crown of the head (head centre + half height) near the height
    let crown = s.head.y + b.head_half();
    assert!((crown - 1.75).abs() < 0.04, "crown at {crown}");
    let (_, hi) = y_range(&segments(&b, &outfit(), &s));
    assert!(hi > 1.7 && hi < 1.85, "top {hi}");
}

#[test]
fn walking_keeps_one_foot_down_and_swings_the_legs_in_antiphase() {
    let b = adult();
    for k in 0..20 {
        let phase = k as f32 / 20.0;
        let s = pose(
            &b,
            Activity::Walk {
                phase,
                speed_mps: 1.4,
            },
        );
        let sole = s.ankle[0].y.min(s.ankle[1].y) - b.lengths().ankle;
        assert!(sole.abs() < 1e-5);
        // limb lengths are kept
        for i in 0..2 {
            assert!(((s.knee[i] - s.hip[i]).length() - b.lengths().thigh).abs() < 1e-4);
            assert!(((s.ankle[i] - s.knee[i]).length() - b.lengths().shank).abs() < 1e-4);
        }
    }
    // at a quarter cycle the left foot is ahead and the right behind
    let s = pose(
        &b,
        Activity::Walk {
            phase: 0.25,
            speed_mps: 1.4,
        },
    );
    assert!(s.ankle[0].x > 0.2 && s.ankle[1].x < -0.2, "{:?}", s.ankle);
    // the left arm swings back with the left leg forward
    assert!(s.wrist[0].x < s.shoulder[0].x && s.wrist[1].x > s.shoulder[1].x);
}

#[test]
fn keypoints_follow_coco_sides_and_order() {
    let b = adult();
    let s = pose(&b, Activity::Stand);
    let k = s.coco_keypoints(&b);
    // the person's left is -Z: every left keypoint has the smaller z
    for pair in [
        (1, 2),
        (3, 4),
        (5, 6),
        (7, 8),
        (9, 10),
        (11, 12),
        (13, 14),
        (15, 16),
    ] {
        assert!(
            k[pair.0].z < k[pair.1].z,
            "{} vs {}",
            COCO_KEYPOINT_NAMES[pair.0],
            COCO_KEYPOINT_NAMES[pair.1]
        );
    }
    // top to bottom: nose above shoulders above hips above knees above ankles
    assert!(k[0].y > k[5].y && k[5].y > k[11].y && k[11].y > k[13].y && k[13].y > k[15].y);
    // the face looks forward
    assert!(k[0].x > s.head.x);
}

#[test]
fn a_pedalling_rider_sits_on_the_saddle_with_feet_on_the_pedals() {
    let b = adult();
    for k in 0..8 {
        let s = pose(
            &b,
            Activity::Pedal {
                phase: k as f32 / 8.0,
            },
        );
        let l = b.lengths();
        for i in 0..2 {
            assert!(((s.knee[i] - s.hip[i]).length() - l.thigh).abs() < 1e-3);
            let shank = (s.ankle[i] - s.knee[i]).length();
            // the leg reaches the pedal (or is stretched straight towards it)
            assert!(shank <= l.shank + 1e-3, "{shank}");
            // hands on the bars
            assert!((s.wrist[i].x - CITY_BICYCLE.bars.x).abs() < 1e-5);
        }
        assert!(s.pelvis.y > CITY_BICYCLE.saddle.y);
    }
}

#[test]
fn outfits_are_drawn_deterministically_and_cover_every_skin_tone() {
    let mut seen = [false; 10];
    for i in 0..400 {
        let mut a = Stream::new(7, "look", i);
        let mut b = Stream::new(7, "look", i);
        let oa = Outfit::draw(&mut a, AgeGroup::Adult, None);
        assert_eq!(oa, Outfit::draw(&mut b, AgeGroup::Adult, None));
        seen[oa.skin_tone] = true;
    }
    assert!(seen.iter().all(|s| *s));
}

/// Tops' patterns come in their shares (plain 70%, stripes 18%, checks
/// 12%, within sampling error over 2000 people), a top the scenario gives
/// (a high-visibility vest) is plain, and the pattern's draw leaves the
/// outfit's stream where it was: the next draw after an outfit is the one
/// it was before patterns (a fork of the stream, not a draw from it).
#[test]
fn top_patterns_come_in_their_shares_and_change_no_other_draw() {
    let mut counts = [0usize; 3];
    for i in 0..2000 {
        let mut rng = Stream::new(11, "look", i);
        let o = Outfit::draw(&mut rng, AgeGroup::Adult, None);
        counts[o.top_pattern.shader_code() as usize] += 1;
        // the outfit's own draws: skin, top, lower colour, garment,
        // jacket, hair colour, long hair
        let mut bare = Stream::new(11, "look", i);
        for n in [SKIN_TONES_SRGB.len(), CLOTHING_SRGB.len(), 8, 10, 3, 5, 3] {
            bare.index(n);
        }
        assert_eq!(rng.next_u64(), bare.next_u64(), "person {i}");
        let mut vest = Stream::new(11, "look", i);
        let given = Outfit::draw(&mut vest, AgeGroup::Adult, Some([0xe8, 0xd0, 0x1c]));
        assert_eq!(given.top_pattern, TopPattern::Plain);
    }
    let share = counts.map(|c| c as f64 / 2000.0);
    assert!((share[0] - 0.70).abs() < 0.035, "{share:?}");
    assert!((share[1] - 0.18).abs() < 0.03, "{share:?}");
    assert!((share[2] - 0.12).abs() < 0.025, "{share:?}");
}

/// The keypoints' velocities are how far the pose moves them as the cycle
/// advances: a small step of the phase either way at that rate moves each
/// keypoint by velocity x time; standing still, or at rate 0, nothing moves.
#[test]
fn keypoint_velocities_are_the_poses_motion_over_the_cycle() {
    let body = adult();
    let rate = 1.0 / 1.1; // cycles a second
    for activity in [
        Activity::Walk {
            phase: 0.3,
            speed_mps: 1.4,
        },
        Activity::Walk {
            phase: 0.8,
            speed_mps: 4.0,
        },
        Activity::Pedal { phase: 0.1 },
    ] {
        let v = keypoint_velocities(&body, activity, rate);
        let dt = 1e-3;
        let shifted = |d: f32| match activity {
            Activity::Walk { phase, speed_mps } => Activity::Walk {
                phase: phase + d,
                speed_mps,
            },
            Activity::Pedal { phase } => Activity::Pedal { phase: phase + d },
            Activity::Stand => unreachable!(),
        };
        let (before, after) = (
            pose(&body, shifted(-rate * dt)).coco_keypoints(&body),
            pose(&body, shifted(rate * dt)).coco_keypoints(&body),
        );
        let mut fastest = 0.0f32;
        for i in 0..17 {
            let moved = (after[i] - before[i]) / (2.0 * dt);
            let error = (moved - v[i]).length();
            assert!(
                error < 0.005 + 0.01 * v[i].length(),
                "{activity:?} {i}: {moved} vs {}",
                v[i]
            );
            fastest = fastest.max(v[i].length());
        }
        // the ankles swing or turn with the cranks at a walking pace or more
        assert!(
            fastest > 0.5,
            "{activity:?}: fastest keypoint {fastest} m/s"
        );
    }
    assert_eq!(
        keypoint_velocities(&body, Activity::Stand, rate),
        [Vec3::ZERO; 17]
    );
    let walk = Activity::Walk {
        phase: 0.3,
        speed_mps: 1.4,
    };
    assert_eq!(keypoint_velocities(&body, walk, 0.0), [Vec3::ZERO; 17]);
}

/// A person's labels written before tops had patterns read back as plain;
/// today's carry the pattern by name.
#[test]
fn person_labels_without_a_pattern_read_as_plain() {
    let today = attributes(
        &adult(),
        &outfit(),
        Activity::Walk {
            phase: 0.0,
            speed_mps: 1.4,
        },
    );
    let mut json = serde_json::to_value(&today).unwrap();
    assert_eq!(json["top_pattern"], "stripes");
    json.as_object_mut().unwrap().remove("top_pattern");
    let old: crate::core::record::PersonAttributes = serde_json::from_value(json).unwrap();
    assert_eq!(old.top_pattern, TopPattern::Plain);
}
