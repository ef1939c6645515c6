//! Driving behaviour as pure functions: car following (the Intelligent
//! Driver Model), lane keeping (pure pursuit), time to collision and a
//! friction-limited tyre force.

/// Intelligent Driver Model parameters (Treiber et al. 2000).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Idm {
    pub max_accel_mps2: f64,
    /// Comfortable deceleration.
    pub comfort_decel_mps2: f64,
    /// Bumper-to-bumper gap kept when stopped.
    pub min_gap_m: f64,
    pub time_headway_s: f64,
    /// Free-road acceleration exponent.
    pub delta: f64,
    /// The hardest braking the driver asks for.
    pub max_decel_mps2: f64,
}

impl Default for Idm {
    fn default() -> Self {
        Idm {
            max_accel_mps2: 1.5,
            comfort_decel_mps2: 2.0,
            min_gap_m: 2.0,
            time_headway_s: 1.5,
            delta: 4.0,
            max_decel_mps2: 8.0,
        }
    }
}

/// The vehicle ahead in the same lane: bumper-to-bumper gap and its speed
/// along our direction of travel.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Leader {
    pub gap_m: f64,
    pub speed_mps: f64,
}

impl Idm {
    /// Acceleration at `speed` wanting `desired` (m/s), behind `leader`.
    pub fn accel(&self, speed_mps: f64, desired_mps: f64, leader: Option<Leader>) -> f64 {
        let v = speed_mps.max(0.0);
        // free road: approach the desired speed; a desired speed of 0 is a stop
        let free = if desired_mps > 0.01 {
            1.0 - (v / desired_mps).powf(self.delta)
        } else if v > 0.0 {
            -self.comfort_decel_mps2 / self.max_accel_mps2
        } else {
            0.0
        };
        let interaction = leader.map_or(0.0, |l| {
            let closing = v - l.speed_mps;
            let wanted = self.min_gap_m
                + (v * self.time_headway_s
                    + v * closing / (2.0 * (self.max_accel_mps2 * self.comfort_decel_mps2).sqrt()))
                .max(0.0);
            (wanted / l.gap_m.max(0.1)).powi(2)
        });
        (self.max_accel_mps2 * (free - interaction))
            .clamp(-self.max_decel_mps2, self.max_accel_mps2)
    }
}

/// Something standing partly in a lane (the side of a truck parked on a
/// narrow street): its centre's offset across the road (positive left)
/// and its half width, m.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Standing {
    pub lateral_m: f64,
    pub half_width_m: f64,
}

/// Room a driver keeps from a standing vehicle it passes, m.
pub const PASSING_ROOM_M: f64 = 0.25;

/// How far a driver of half width `half_width_m` moves off its lane's
/// centre (positive left) to pass what stands partly in the lane with
/// PASSING_ROOM_M to spare, staying inside the lane (of half width
/// `lane_half_width_m`): `Some(0.0)` when nothing is in the way, `None`
/// when the lane leaves no such room (the driver then stops behind, as for
/// anything in its lane). A standing thing whose centre is right of the
/// lane's is passed on its left, and the other way round.
pub fn nudge_m(
    lane_lateral_m: f64,
    lane_half_width_m: f64,
    half_width_m: f64,
    standing: &[Standing],
) -> Option<f64> {
    let (mut lowest, mut highest) = (f64::NEG_INFINITY, f64::INFINITY);
    for o in standing {
        let reach = o.half_width_m + PASSING_ROOM_M + half_width_m;
        if (o.lateral_m - lane_lateral_m).abs() >= reach {
            continue;
        }
        if o.lateral_m < lane_lateral_m {
            lowest = lowest.max(o.lateral_m + reach);
        } else {
            highest = highest.min(o.lateral_m - reach);
        }
    }
    if lowest > highest {
        return None;
    }
    let nudge = lane_lateral_m.clamp(lowest, highest) - lane_lateral_m;
    (nudge.abs() <= lane_half_width_m - half_width_m + 1e-9).then_some(nudge)
}

/// Steering angle (radians, positive left) that puts a vehicle of
/// `wheelbase_m` on an arc through a target `(ahead_m, left_m)` in its own
/// frame (pure pursuit).
pub fn pure_pursuit_steer(wheelbase_m: f64, ahead_m: f64, left_m: f64) -> f64 {
    let d2 = ahead_m * ahead_m + left_m * left_m;
    if d2 < 1e-9 {
        return 0.0;
    }
    (2.0 * wheelbase_m * left_m / d2).atan()
}

/// Seconds until the gap closes at the current closing speed (infinite when
/// it is opening).
pub fn time_to_collision_s(gap_m: f64, closing_mps: f64) -> f64 {
    if closing_mps > 1e-9 {
        gap_m.max(0.0) / closing_mps
    } else {
        f64::INFINITY
    }
}

/// The force the tyres can give: what is `wanted` (N, any direction in the
/// ground plane), scaled down onto the friction circle mu m g. Returns the
/// force and whether the tyres slide (the vehicle skids).
pub fn tyre_force(wanted_n: [f64; 2], mass_kg: f64, mu: f64) -> ([f64; 2], bool) {
    let limit = mu * mass_kg * 9.81;
    let norm = (wanted_n[0] * wanted_n[0] + wanted_n[1] * wanted_n[1]).sqrt();
    if norm <= limit {
        (wanted_n, false)
    } else {
        let k = limit / norm;
        ([wanted_n[0] * k, wanted_n[1] * k], true)
    }
}

/// The most any body moves in one physics substep, metres. A contact first
/// met deeper than the two colliders overlap vertically resolves along the
/// vertical the planar bodies cannot move in, and they pass through each
/// other. A vehicle's collider starts 0.2 m up: against a 0.6 m road wall
/// (fixed: it closes by the vehicle's own travel) the overlap is 0.4 m;
/// two vehicles head-on close by twice the travel and overlap by at least
/// 1.28 m (the lowest body, a 1.48 m hatchback). Half the 0.3 m those
/// allow, so that bumpers overlap by at most a few centimetres on the tick
/// of an impact (0.3 m let a car into a truck by 19 cm at 17 m/s).
pub const MAX_SUBSTEP_TRAVEL_M: f64 = 0.15;
/// Substeps a tick at most: a body at 100 m/s (the fastest a scenario
/// allows) on a 1 Hz tick needs 667.
pub const MAX_SUBSTEPS: u32 = 1000;

/// Physics substeps for a tick in which the fastest body moves `travel_m`.
pub fn physics_substeps(travel_m: f64) -> u32 {
    if travel_m.is_nan() {
        return MAX_SUBSTEPS;
    }
    ((travel_m / MAX_SUBSTEP_TRAVEL_M).ceil() as u32).clamp(1, MAX_SUBSTEPS)
}

/// A traffic light's colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Light {
    Green,
    Amber,
    Red,
}

/// A fixed-time plan for a junction's two approaches (main road, cross
/// street): main green, amber, all red, cross green, amber, all red.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SignalPlan {
    pub main_green_s: f64,
    pub cross_green_s: f64,
    pub amber_s: f64,
    pub all_red_s: f64,
    pub offset_s: f64,
}

impl SignalPlan {
    pub fn cycle_s(&self) -> f64 {
        self.main_green_s + self.cross_green_s + 2.0 * (self.amber_s + self.all_red_s)
    }

    /// (main road, cross street) lights at simulation time `t_s`.
    pub fn lights(&self, t_s: f64) -> (Light, Light) {
        let c = (t_s + self.offset_s).rem_euclid(self.cycle_s());
        let main_amber = self.main_green_s;
        let main_red = main_amber + self.amber_s;
        let cross_green = main_red + self.all_red_s;
        let cross_amber = cross_green + self.cross_green_s;
        let cross_red = cross_amber + self.amber_s;
        if c < main_amber {
            (Light::Green, Light::Red)
        } else if c < main_red {
            (Light::Amber, Light::Red)
        } else if c < cross_green {
            (Light::Red, Light::Red)
        } else if c < cross_amber {
            (Light::Red, Light::Green)
        } else if c < cross_red {
            (Light::Red, Light::Amber)
        } else {
            (Light::Red, Light::Red)
        }
    }
}

/// Whether a driver stops at a light `gap_m` ahead: always at red; at
/// amber only when it can still stop comfortably.
pub fn must_stop(light: Light, gap_m: f64, speed_mps: f64, comfort_decel_mps2: f64) -> bool {
    match light {
        Light::Red => true,
        Light::Amber => speed_mps * speed_mps / (2.0 * comfort_decel_mps2) <= gap_m,
        Light::Green => false,
    }
}

/// Turn signals flash at this rate (UN R48: 90 +/- 30 a minute), Hz, lit
/// half of each period.
pub const TURN_SIGNAL_HZ: f64 = 1.5;

/// Whether a signalling vehicle's indicator lamps are lit at `time_s`.
/// Each vehicle's flashing has its own phase (from its instance id), so
/// a queue of signalling cars does not flash in step.
pub fn turn_signal_lit(time_s: f64, instance_id: u32) -> bool {
    // golden-ratio steps spread the phases evenly over the period
    let phase = (instance_id as f64 * 0.618_033_988_75).fract();
    (time_s * TURN_SIGNAL_HZ + phase).fract() < 0.5
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn substeps_keep_every_body_within_its_travel_per_step() {
        assert_eq!(physics_substeps(0.0), 1);
        assert_eq!(physics_substeps(0.15), 1);
        assert_eq!(physics_substeps(0.16), 2);
        // 15 m/s on the 10 Hz tick
        assert_eq!(physics_substeps(1.5), 10);
        assert_eq!(physics_substeps(100.0), 667);
        assert_eq!(physics_substeps(1e9), MAX_SUBSTEPS);
        assert_eq!(physics_substeps(f64::NAN), MAX_SUBSTEPS);
    }

    /// Lit half the time at 1.5 Hz, and vehicles out of step.
    #[test]
    fn turn_signals_flash_half_the_time_each_in_its_own_phase() {
        let samples = |id: u32| (0..6000).map(move |k| turn_signal_lit(k as f64 * 0.001, id));
        for id in [1, 2, 7, 40] {
            let lit = samples(id).filter(|&l| l).count();
            assert!(
                (2950..=3050).contains(&lit),
                "id {id}: lit {lit} of 6000 ms"
            );
            // 6 s at 1.5 Hz: 9 flashes (each an off -> on step, or the start)
            let v: Vec<bool> = samples(id).collect();
            let onsets = v.windows(2).filter(|w| !w[0] && w[1]).count() + v[0] as usize;
            assert!(
                (9..=10).contains(&onsets),
                "id {id}: {onsets} flashes in 6 s"
            );
        }
        let differ = samples(1).zip(samples(2)).filter(|(a, b)| a != b).count();
        assert!(
            differ > 1000,
            "ids 1 and 2 flash in step ({differ} ms differ)"
        );
    }

    #[test]
    fn signal_plan_cycles_through_both_approaches() {
        let p = SignalPlan {
            main_green_s: 20.0,
            cross_green_s: 15.0,
            amber_s: 3.0,
            all_red_s: 1.0,
            offset_s: 0.0,
        };
        assert_eq!(p.cycle_s(), 43.0);
        let at = |t| p.lights(t);
        assert_eq!(at(0.0), (Light::Green, Light::Red));
        assert_eq!(at(21.0), (Light::Amber, Light::Red));
        assert_eq!(at(23.5), (Light::Red, Light::Red));
        assert_eq!(at(24.0), (Light::Red, Light::Green));
        assert_eq!(at(40.0), (Light::Red, Light::Amber));
        assert_eq!(at(42.5), (Light::Red, Light::Red));
        assert_eq!(at(43.0), at(0.0));
        // never green both ways
        for i in 0..4300 {
            let (m, c) = at(i as f64 * 0.01);
            assert!(
                !(m != Light::Red && c != Light::Red),
                "t {}",
                i as f64 * 0.01
            );
        }
        let shifted = SignalPlan {
            offset_s: 24.0,
            ..p
        };
        assert_eq!(shifted.lights(0.0), (Light::Red, Light::Green));
        // amber: stop only if it can comfortably
        assert!(must_stop(Light::Amber, 40.0, 12.0, 2.0));
        assert!(!must_stop(Light::Amber, 20.0, 12.0, 2.0));
        assert!(must_stop(Light::Red, 1.0, 20.0, 2.0) && !must_stop(Light::Green, 1.0, 0.0, 2.0));
    }

    #[test]
    fn idm_free_road_reaches_the_desired_speed() {
        let idm = Idm::default();
        assert!((idm.accel(0.0, 15.0, None) - 1.5).abs() < 1e-12);
        assert!(idm.accel(15.0, 15.0, None).abs() < 1e-12);
        assert!(idm.accel(20.0, 15.0, None) < 0.0);
        // integrate: converges to 15 m/s without overshoot
        let mut v = 0.0;
        for _ in 0..600 {
            v += idm.accel(v, 15.0, None) * 0.05;
        }
        assert!((v - 15.0).abs() < 0.2 && v <= 15.0, "{v}");
    }

    /// One explicit-Euler step of a follower wanting 15 m/s: (x, v) after dt.
    fn follow_step(idm: &Idm, x: f64, v: f64, gap_m: f64, lead_mps: f64, dt: f64) -> (f64, f64) {
        let a = idm.accel(
            v,
            15.0,
            Some(Leader {
                gap_m,
                speed_mps: lead_mps,
            }),
        );
        let v = (v + a * dt).max(0.0);
        (x + v * dt, v)
    }

    #[test]
    fn idm_stops_behind_a_stopped_leader_without_touching_it() {
        let idm = Idm::default();
        let (mut x, mut v, dt) = (0.0, 15.0, 0.02);
        let lead_rear = 100.0;
        let mut min_gap = f64::MAX;
        for _ in 0..5000 {
            let gap = lead_rear - x;
            min_gap = min_gap.min(gap);
            (x, v) = follow_step(&idm, x, v, gap, 0.0, dt);
        }
        assert!(v < 0.05, "still moving at {v}");
        assert!(
            min_gap > 1.0 && lead_rear - x < 4.0,
            "gap {} (min {min_gap})",
            lead_rear - x
        );
    }

    #[test]
    fn idm_keeps_its_time_gap_behind_a_steady_leader() {
        let idm = Idm::default();
        let (mut x, mut v, dt) = (0.0, 10.0, 0.02);
        let (mut lead, mut seen) = (30.0, 0.0);
        for _ in 0..20_000 {
            lead += 10.0 * dt;
            seen = lead - x;
            (x, v) = follow_step(&idm, x, v, seen, 10.0, dt);
        }
        // equilibrium gap: (s0 + v T) / sqrt(1 - (v/v0)^4)
        let expected = (2.0 + 10.0 * 1.5) / (1.0 - (10.0f64 / 15.0).powi(4)).sqrt();
        assert!((v - 10.0).abs() < 0.01, "{v}");
        assert!((seen - expected).abs() < 0.05, "{seen} vs {expected}");
    }

    #[test]
    fn pure_pursuit_and_ttc() {
        // straight ahead: no steering; a target on the left steers left
        assert_eq!(pure_pursuit_steer(2.7, 10.0, 0.0), 0.0);
        assert!(pure_pursuit_steer(2.7, 10.0, 1.0) > 0.0);
        // the arc through (R sin a, R (1 - cos a)) has radius R: delta = atan(L / R)
        let (r, a, l) = (40.0f64, 0.3f64, 2.7);
        let d = pure_pursuit_steer(l, r * a.sin(), r * (1.0 - a.cos()));
        assert!((d - (l / r).atan()).abs() < 1e-12);
        assert_eq!(time_to_collision_s(20.0, 10.0), 2.0);
        assert!(time_to_collision_s(20.0, -1.0).is_infinite());
    }

    #[test]
    fn tyres_slide_beyond_the_friction_circle() {
        let (f, skid) = tyre_force([3000.0, 4000.0], 1000.0, 0.8);
        assert!(!skid && f == [3000.0, 4000.0]);
        let (f, skid) = tyre_force([30000.0, 40000.0], 1000.0, 0.8);
        let n = (f[0] * f[0] + f[1] * f[1]).sqrt();
        assert!(skid && (n - 0.8 * 1000.0 * 9.81).abs() < 1e-6);
        assert!((f[0] / f[1] - 0.75).abs() < 1e-12);
    }

    #[test]
    fn a_driver_nudges_past_what_sticks_into_its_lane_when_the_lane_has_room() {
        // lane centre -1.45, 2.9 m wide; a car 1.86 m wide
        let truck = Standing {
            lateral_m: -3.6,
            half_width_m: 1.25,
        };
        let n = nudge_m(-1.45, 1.45, 0.93, &[truck]).unwrap();
        // its right side 0.25 m clear of the truck's left
        assert!(
            (-1.45 + n - 0.93 - (-3.6 + 1.25) - PASSING_ROOM_M).abs() < 1e-9,
            "{n}"
        );
        assert!(n > 0.0 && n < 0.52);
        // nothing near: no nudge; a truck further out: none either
        assert_eq!(nudge_m(-1.45, 1.45, 0.93, &[]), Some(0.0));
        let out = Standing {
            lateral_m: -4.5,
            ..truck
        };
        assert_eq!(nudge_m(-1.45, 1.45, 0.93, &[out]), Some(0.0));
        // a stalled car in the middle of the lane: no room, stop behind
        let stalled = Standing {
            lateral_m: -1.45,
            half_width_m: 0.9,
        };
        assert_eq!(nudge_m(-1.45, 1.45, 0.93, &[stalled]), None);
        // squeezed from both sides: no room
        let left = Standing {
            lateral_m: 0.5,
            half_width_m: 1.0,
        };
        assert_eq!(nudge_m(-1.45, 1.45, 0.93, &[truck, left]), None);
        // a bus on the left of a backward lane: passed on its right
        let bus = Standing {
            lateral_m: 3.6,
            half_width_m: 1.275,
        };
        let n = nudge_m(1.45, 1.45, 0.93, &[bus]).unwrap();
        assert!(n < 0.0, "{n}");
    }
}
