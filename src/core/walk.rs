//! Walkers step round street furniture: poles and sign posts stand on the
//! sidewalk where people walk (both default to 1 m from the kerb line), and
//! a person drawn through a post is not what a camera ever sees. The detour
//! is a pure function of where along the road the walker is, so it needs
//! no state and is the same on every run.

/// A post on the sidewalk, in road coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Post {
    pub s_m: f64,
    /// Offset from the centre line, positive left.
    pub lateral_m: f64,
    pub radius_m: f64,
}

/// Half a walker's width at the shoulders plus a little room, m.
pub const WALKER_CLEARANCE_M: f64 = 0.35;
/// Along the road, the walker is fully aside within this distance of the
/// post and back on their line this far beyond it, m.
const ASIDE_M: f64 = 0.5;
const RAMP_M: f64 = 1.5;

/// How far a walker on the line `lateral_m` (positive left) stands aside at
/// station `s_m` to pass the posts. Aside means away from the post's
/// centre; a walker lined up with a post steps towards `outward` (+1 left,
/// -1 right: away from the road).
pub fn detour_m(s_m: f64, lateral_m: f64, outward: f64, posts: &[Post]) -> f64 {
    let mut best: f64 = 0.0;
    for p in posts {
        let along = (s_m - p.s_m).abs();
        if along >= ASIDE_M + RAMP_M {
            continue;
        }
        let need = p.radius_m + WALKER_CLEARANCE_M;
        let apart = lateral_m - p.lateral_m;
        if apart.abs() >= need {
            continue;
        }
        let side = if apart == 0.0 {
            outward
        } else {
            apart.signum()
        };
        let aside = side * (need - apart.abs()) * ease(along);
        if aside.abs() > best.abs() {
            best = aside;
        }
    }
    best
}

/// A walker on a sidewalk, in road coordinates.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Walker {
    pub s_m: f64,
    /// Their line: offset from the centre line, positive left.
    pub lateral_m: f64,
    /// Along the road: +1 walking with the stations, -1 against them.
    pub direction: f64,
    pub speed_mps: f64,
}

/// The smooth step both detours use: 1 within ASIDE_M of the other, a
/// cosine ramp to 0 at ASIDE_M + RAMP_M.
fn ease(along_m: f64) -> f64 {
    if along_m <= ASIDE_M {
        1.0
    } else if along_m >= ASIDE_M + RAMP_M {
        0.0
    } else {
        let x = (along_m - ASIDE_M) / RAMP_M * std::f64::consts::PI;
        0.5 * (1.0 + x.cos())
    }
}

/// How far `me` stands aside of their line to pass the other walkers.
/// People meeting head-on each step to their own right by half of what
/// they lack of 2 x WALKER_CLEARANCE_M apart; one who catches up with a
/// slower or standing person steps to their left by all of it (either
/// passes on the other side when already offset that way); a standing
/// person never steps. Eased in and out as the posts' detour is.
pub fn passing_m(me: &Walker, others: &[Walker]) -> f64 {
    let mut best: f64 = 0.0;
    if me.speed_mps <= 0.0 {
        return best;
    }
    let need = 2.0 * WALKER_CLEARANCE_M;
    let u_me = me.direction * me.speed_mps;
    // my right, in lateral terms
    let to_my_right = -me.direction;
    for o in others {
        let apart = me.lateral_m - o.lateral_m;
        if apart.abs() >= need || o == me {
            continue;
        }
        let u_o = o.direction * o.speed_mps;
        let head_on = me.direction != o.direction && o.speed_mps > 0.0;
        // the one who walks faster along the shared direction passes
        let passer = (u_me - u_o) * me.direction > 0.0;
        let (preferred, share) = match (head_on, passer) {
            (true, _) => (to_my_right, 0.5),
            (false, true) => (-to_my_right, 1.0),
            (false, false) => continue, // theirs to pass, or keeping pace
        };
        // already offset the other way: pass that way
        let side = if apart == 0.0 || apart.signum() == preferred {
            preferred
        } else {
            -preferred
        };
        let aside = side * (need - apart.abs()) * share * ease((me.s_m - o.s_m).abs());
        if aside.abs() > best.abs() {
            best = aside;
        }
    }
    best
}

/// The walker where the posts alone put them (their line plus the detour
/// round the posts on it): what the others see of them.
pub fn round_posts(w: &Walker, posts: &[Post]) -> Walker {
    let outward = w.lateral_m.signum();
    Walker {
        lateral_m: w.lateral_m + detour_m(w.s_m, w.lateral_m, outward, posts),
        ..*w
    }
}

/// Where a walker wants to be aside of their line: round the posts, then
/// round the others (`others`: everyone where the posts put them,
/// `round_posts`, so two people stepping out round posts are passed where
/// they actually walk), then round the posts again, the posts last (people
/// meeting at a post pass each other there, the one on the post's side
/// kept clear of it). How fast they get there, and which way they face,
/// follows from their motion (`actors::sidestep`).
pub fn aside_m(me: &Walker, others: &[Walker], posts: &[Post]) -> f64 {
    let outward = me.lateral_m.signum();
    let mine = round_posts(me, posts);
    let aside = (mine.lateral_m - me.lateral_m) + passing_m(&mine, others);
    aside + detour_m(me.s_m, me.lateral_m + aside, outward, posts)
}

/// Whether a walker's next step (`step_m` along their way) would take them
/// closer than two half widths (shoulders touching) to someone ahead of
/// them, everyone where they were drawn last tick: then they hold for a
/// tick, as people in a crowd slow behind someone they cannot yet pass. Not
/// for someone level with or behind them, nor one walking away at least as
/// fast: that gap does not close.
pub fn steps_into(me: &Walker, others: &[Walker], step_m: f64) -> bool {
    if me.speed_mps <= 0.0 || step_m <= 0.0 {
        return false;
    }
    others.iter().any(|o| {
        let ahead_m = (o.s_m - me.s_m) * me.direction;
        let closing_mps = me.speed_mps - o.direction * me.direction * o.speed_mps;
        if o == me || ahead_m <= 0.0 || closing_mps <= 0.0 {
            return false;
        }
        // nearest along the step: level with them if the step reaches them
        let along_m = (ahead_m - step_m).max(0.0);
        along_m.hypot(o.lateral_m - me.lateral_m) < 2.0 * WALKER_HALF_WIDTH_M
    })
}

/// A vehicle's footprint in the world (ENU, m): centre, heading, half
/// length and half width.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Footprint {
    pub centre: glam::DVec2,
    pub heading_rad: f64,
    pub half_length_m: f64,
    pub half_width_m: f64,
}

/// How far ahead of a walker their next steps are looked at, m.
const STEP_AHEAD_M: f64 = 0.45;
/// A walker's half width, for what their next steps touch, m.
const WALKER_HALF_WIDTH_M: f64 = 0.25;

/// Whether a vehicle stands in a walker's next steps: their position
/// `STEP_AHEAD_M` along `heading` (a unit vector) lies on its footprint
/// grown by their half width. Not when the walker is in front of its
/// bumper, in its path: that driver waits for them (drive.rs), and the two
/// waiting for each other would never move.
pub fn blocks(vehicle: &Footprint, walker: glam::DVec2, heading: glam::DVec2) -> bool {
    let forward = glam::DVec2::new(vehicle.heading_rad.cos(), vehicle.heading_rad.sin());
    let local = |p: glam::DVec2| {
        let d = p - vehicle.centre;
        (d.dot(forward), d.perp_dot(forward).abs())
    };
    let (along, aside) = local(walker);
    if along > vehicle.half_length_m && aside < vehicle.half_width_m + 0.6 {
        return false;
    }
    let (along, aside) = local(walker + heading * STEP_AHEAD_M);
    along.abs() < vehicle.half_length_m + WALKER_HALF_WIDTH_M
        && aside < vehicle.half_width_m + WALKER_HALF_WIDTH_M
}

#[cfg(test)]
mod tests {
    use super::*;

    const POLE: Post = Post {
        s_m: 50.0,
        lateral_m: -6.0,
        radius_m: 0.1,
    };

    #[test]
    fn a_walker_lined_up_with_a_post_passes_it_with_room() {
        // on the pole's line, walking the right sidewalk (outward is -1)
        for s in [49.5, 49.8, 50.0, 50.3, 50.5] {
            let d = detour_m(s, -6.0, -1.0, &[POLE]);
            assert!((d + 0.45).abs() < 1e-12, "s {s}: {d}");
        }
        // eased in and out, and back on the line 2 m away
        let d = detour_m(51.25, -6.0, -1.0, &[POLE]);
        assert!(d < -0.2 && d > -0.25, "{d}");
        assert_eq!(detour_m(52.0, -6.0, -1.0, &[POLE]), 0.0);
        assert_eq!(detour_m(47.9, -6.0, -1.0, &[POLE]), 0.0);
    }

    #[test]
    fn a_walker_beside_a_post_steps_away_from_it_only_as_far_as_needed() {
        // 0.2 m to the road side of the pole: 0.25 m more towards the road
        let d = detour_m(50.0, -5.8, -1.0, &[POLE]);
        assert!((d - 0.25).abs() < 1e-12, "{d}");
        // clear of it already
        assert_eq!(detour_m(50.0, -5.5, -1.0, &[POLE]), 0.0);
    }
}

#[cfg(test)]
mod passing_tests {
    use super::*;

    pub(super) fn walker(s_m: f64, lateral_m: f64, direction: f64, speed_mps: f64) -> Walker {
        Walker {
            s_m,
            lateral_m,
            direction,
            speed_mps,
        }
    }

    /// Two people meeting head-on on one line, stepped along in 0.1 s
    /// ticks: they keep 0.7 m apart as they pass and end on their line.
    #[test]
    fn people_meeting_head_on_keep_right_and_pass_apart() {
        let (mut a, mut b) = (walker(10.0, -6.0, 1.0, 1.4), walker(20.0, -6.0, -1.0, 1.2));
        let mut closest = f64::INFINITY;
        for _ in 0..150 {
            a.s_m += 0.14;
            b.s_m -= 0.12;
            let da = passing_m(&a, &[a, b]);
            let db = passing_m(&b, &[a, b]);
            let d = (a.s_m - b.s_m).hypot((a.lateral_m + da) - (b.lateral_m + db));
            closest = closest.min(d);
            if (a.s_m - b.s_m).abs() < 0.5 {
                // each to their own right: a (eastbound) south, b north
                assert!(
                    (da + 0.35).abs() < 1e-12 && (db - 0.35).abs() < 1e-12,
                    "{da} {db}"
                );
            }
        }
        assert!(closest >= 0.7 - 1e-9, "{closest}");
        assert_eq!(passing_m(&a, &[a, b]), 0.0);
    }

    #[test]
    fn a_faster_walker_passes_a_slower_one_on_their_left_and_a_standing_one_never_steps() {
        let slow = walker(12.0, -6.0, 1.0, 0.6);
        let fast = walker(11.6, -6.0, 1.0, 1.6);
        let d = passing_m(&fast, &[slow, fast]);
        assert!((d - 0.7).abs() < 1e-12, "{d}"); // on their line: 0.7 m to the left
        // already a little to their right: passes on that side
        let right = walker(11.6, -6.2, 1.0, 1.6);
        let d = passing_m(&right, &[slow, right]);
        assert!((d + 0.5).abs() < 1e-12, "{d}");
        assert_eq!(passing_m(&slow, &[slow, fast]), 0.0);
        let standing = walker(12.0, -6.0, 1.0, 0.0);
        assert_eq!(passing_m(&standing, &[standing, fast]), 0.0);
        // once past, far enough ahead, the fast one is back on their line
        let ahead = walker(14.5, -6.2, 1.0, 1.6);
        assert_eq!(passing_m(&ahead, &[slow, ahead]), 0.0);
    }
}

#[cfg(test)]
mod blocking_tests {
    use super::*;
    use glam::DVec2;

    /// A car facing north with its body across an east-west footpath.
    const CAR: Footprint = Footprint {
        centre: DVec2::new(10.0, 0.0),
        heading_rad: std::f64::consts::FRAC_PI_2,
        half_length_m: 2.25,
        half_width_m: 0.9,
    };

    #[test]
    fn a_car_across_the_path_blocks_the_next_step_only_when_close() {
        let east = DVec2::X;
        // 0.3 m short of its flank (+ half widths): blocked
        assert!(blocks(&CAR, DVec2::new(10.0 - 0.9 - 0.25 - 0.3, 0.0), east));
        // a metre short: not yet
        assert!(!blocks(&CAR, DVec2::new(10.0 - 0.9 - 1.0, 0.0), east));
        // walking away from it: free
        assert!(!blocks(
            &CAR,
            DVec2::new(10.0 - 0.9 - 0.25 - 0.3, 0.0),
            -east
        ));
        // beside its rear corner, out of its footprint's reach: free
        assert!(!blocks(&CAR, DVec2::new(9.0, -2.25 - 0.25 - 0.5), east));
    }

    #[test]
    fn a_walker_in_front_of_the_bumper_is_never_blocked_by_that_car() {
        // in its path 0.5 m ahead of the bumper, stepping back towards it
        let ahead = DVec2::new(10.0, 2.25 + 0.5);
        assert!(!blocks(&CAR, ahead, -DVec2::Y));
        // the same step from beside the bumper, outside its path: blocked
        let beside = DVec2::new(10.0 + 0.9 + 0.6, 2.0);
        assert!(blocks(&CAR, beside, -DVec2::X));
    }
}

#[cfg(test)]
mod meeting_at_a_post_tests {
    use super::*;

    /// Two people meeting head-on at a pole on their line, stepped in 0.1 s
    /// ticks: both keep clear of the pole, and they keep apart (they were
    /// drawn on one spot, both stepped out round the pole).
    #[test]
    fn people_meeting_at_a_post_keep_clear_of_it_and_of_each_other() {
        let pole = Post {
            s_m: 15.0,
            lateral_m: -6.7,
            radius_m: 0.1,
        };
        let mut a = Walker {
            s_m: 12.0,
            lateral_m: -6.7,
            direction: 1.0,
            speed_mps: 0.9,
        };
        let mut b = Walker {
            s_m: 18.8,
            lateral_m: -6.7,
            direction: -1.0,
            speed_mps: 1.4,
        };
        let (mut to_post, mut apart) = (f64::INFINITY, f64::INFINITY);
        for _ in 0..60 {
            a.s_m += 0.09;
            b.s_m -= 0.14;
            let others = [round_posts(&a, &[pole]), round_posts(&b, &[pole])];
            let at = |w: &Walker| {
                let d = aside_m(w, &others, &[pole]);
                (w.s_m, w.lateral_m + d)
            };
            let (pa, pb) = (at(&a), at(&b));
            for p in [pa, pb] {
                to_post = to_post.min((p.0 - pole.s_m).hypot(p.1 - pole.lateral_m) - pole.radius_m);
            }
            apart = apart.min((pa.0 - pb.0).hypot(pa.1 - pb.1));
        }
        assert!(to_post > WALKER_CLEARANCE_M - 1e-9, "{to_post}");
        assert!(apart > 0.3, "{apart}");
    }
}

#[cfg(test)]
mod crowd_tests {
    use super::passing_tests::walker;
    use super::*;

    #[test]
    fn a_walker_holds_behind_someone_only_when_the_step_would_touch_them() {
        let me = walker(10.0, -6.0, 1.0, 1.4);
        // a standing person 0.55 m ahead on my line: the 0.14 m step touches
        let standing = walker(10.55, -6.0, 1.0, 0.0);
        assert!(steps_into(&me, &[me, standing], 0.14));
        // 0.7 m ahead: not yet
        assert!(!steps_into(&me, &[me, walker(10.7, -6.0, 1.0, 0.0)], 0.14));
        // beside my line by 0.5 m: room to pass
        assert!(!steps_into(&me, &[me, walker(10.3, -6.5, 1.0, 0.0)], 0.14));
        // behind me, or walking away as fast: never
        assert!(!steps_into(&me, &[me, walker(9.7, -6.0, 1.0, 0.0)], 0.14));
        assert!(!steps_into(&me, &[me, walker(10.4, -6.0, 1.0, 1.4)], 0.14));
        // a slower one ahead, or one coming head-on: yes
        assert!(steps_into(&me, &[me, walker(10.5, -6.0, 1.0, 1.0)], 0.14));
        assert!(steps_into(&me, &[me, walker(10.5, -6.1, -1.0, 1.0)], 0.14));
        // a step that would carry me past them still touches them
        assert!(steps_into(&me, &[me, walker(10.1, -6.3, 1.0, 0.0)], 0.14));
        // a standing walker never holds
        let still = walker(10.0, -6.0, 1.0, 0.0);
        assert!(!steps_into(&still, &[still, standing], 0.0));
    }

    /// Two people walking one line a metre apart, a post on it: the one
    /// behind passes the post where the one ahead is stepping round it and
    /// is passed against where they actually walk (they were passed by
    /// their line, into the one stepping out).
    #[test]
    fn others_are_passed_where_the_posts_put_them() {
        let pole = Post {
            s_m: 20.0,
            lateral_m: -6.0,
            radius_m: 0.1,
        };
        let slow = walker(20.0, -6.2, 1.0, 0.5);
        let fast = walker(19.6, -6.6, 1.0, 1.5);
        let others = [round_posts(&slow, &[pole]), round_posts(&fast, &[pole])];
        // the slow one steps 0.25 m outwards round the pole, to -6.45
        assert!((others[0].lateral_m + 6.45).abs() < 1e-9, "{:?}", others[0]);
        // the fast one, outside them, passes outside where they walk (by
        // their line alone it went to -6.9: 0.45 m from them)
        let aside = aside_m(&fast, &others, &[pole]);
        let apart = others[0].lateral_m - (fast.lateral_m + aside);
        assert!(apart >= 2.0 * WALKER_CLEARANCE_M - 1e-9, "{apart}");
    }
}
