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
/// station `s_m` to pass the posts, and the slope of that offset along the
/// road (d offset / d s, for their heading). Aside means away from the
/// post's centre; a walker lined up with a post steps towards `outward`
/// (+1 left, -1 right: away from the road).
pub fn detour_m(s_m: f64, lateral_m: f64, outward: f64, posts: &[Post]) -> (f64, f64) {
    let mut best: (f64, f64) = (0.0, 0.0);
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
        let full = side * (need - apart.abs());
        // smooth in and out: 1 within ASIDE_M, a cosine ramp to 0 over RAMP_M
        let (weight, dweight) = if along <= ASIDE_M {
            (1.0, 0.0)
        } else {
            let x = (along - ASIDE_M) / RAMP_M * std::f64::consts::PI;
            let sign = (s_m - p.s_m).signum();
            (
                0.5 * (1.0 + x.cos()),
                -0.5 * x.sin() * std::f64::consts::PI / RAMP_M * sign,
            )
        };
        if (full * weight).abs() > best.0.abs() {
            best = (full * weight, full * dweight);
        }
    }
    best
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
            let (d, slope) = detour_m(s, -6.0, -1.0, &[POLE]);
            assert!((d + 0.45).abs() < 1e-12, "s {s}: {d}");
            assert_eq!(slope, 0.0);
        }
        // eased in and out, and back on the line 2 m away
        let (d, _) = detour_m(51.25, -6.0, -1.0, &[POLE]);
        assert!(d < -0.2 && d > -0.25, "{d}");
        assert_eq!(detour_m(52.0, -6.0, -1.0, &[POLE]), (0.0, 0.0));
        assert_eq!(detour_m(47.9, -6.0, -1.0, &[POLE]), (0.0, 0.0));
    }

    #[test]
    fn a_walker_beside_a_post_steps_away_from_it_only_as_far_as_needed() {
        // 0.2 m to the road side of the pole: 0.25 m more towards the road
        let (d, _) = detour_m(50.0, -5.8, -1.0, &[POLE]);
        assert!((d - 0.25).abs() < 1e-12, "{d}");
        // clear of it already
        assert_eq!(detour_m(50.0, -5.5, -1.0, &[POLE]), (0.0, 0.0));
    }

    #[test]
    fn the_slope_is_the_offsets_derivative_along_the_road() {
        for s in [48.3, 48.9, 51.1, 51.7] {
            let h = 1e-6;
            let (a, _) = detour_m(s - h, -6.0, -1.0, &[POLE]);
            let (b, _) = detour_m(s + h, -6.0, -1.0, &[POLE]);
            let (_, slope) = detour_m(s, -6.0, -1.0, &[POLE]);
            assert!(((b - a) / (2.0 * h) - slope).abs() < 1e-5, "s {s}");
        }
    }
}
