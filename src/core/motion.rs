//! Velocity and acceleration from the simulation's own steps: backward
//! differences of where a body was on consecutive ticks. The simulation
//! moves bodies with semi-implicit Euler (velocity first, then position by
//! velocity * dt), so the difference over one tick is the velocity it moved
//! with on that tick, exactly; the difference of two such velocities is the
//! acceleration over the tick.

use glam::DVec3;

/// What a body's last ticks say about its motion (any frame, SI units).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct MotionState {
    last_position_m: Option<DVec3>,
    /// m/s over the last tick; none on the first tick a body is seen.
    pub velocity_mps: Option<DVec3>,
    /// m/s^2 over the last tick; none on a body's first two ticks.
    pub acceleration_mps2: Option<DVec3>,
}

impl MotionState {
    /// The state one tick of `dt_s` later, the body now at `position_m`.
    pub fn advanced(self, position_m: DVec3, dt_s: f64) -> MotionState {
        let velocity_mps = self.last_position_m.map(|p| (position_m - p) / dt_s);
        let acceleration_mps2 = self
            .velocity_mps
            .zip(velocity_mps)
            .map(|(before, now)| (now - before) / dt_s);
        MotionState {
            last_position_m: Some(position_m),
            velocity_mps,
            acceleration_mps2,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_acceleration_is_recovered_from_euler_steps() {
        // semi-implicit Euler, as the simulation steps a body
        let (dt, accel) = (0.1, DVec3::new(2.0, 0.0, -1.0));
        let (mut x, mut v) = (DVec3::new(5.0, 0.0, 3.0), DVec3::new(10.0, 0.0, 0.0));
        let mut state = MotionState::default().advanced(x, dt);
        assert_eq!(state.velocity_mps, None);
        for tick in 1..5 {
            v += accel * dt;
            x += v * dt;
            state = state.advanced(x, dt);
            assert!((state.velocity_mps.unwrap() - v).length() < 1e-9);
            match tick {
                1 => assert_eq!(state.acceleration_mps2, None),
                _ => assert!((state.acceleration_mps2.unwrap() - accel).length() < 1e-6),
            }
        }
    }

    #[test]
    fn a_body_at_rest_has_zero_velocity_after_one_tick() {
        let p = DVec3::new(1.0, 2.0, 3.0);
        let s = MotionState::default()
            .advanced(p, 1.0 / 30.0)
            .advanced(p, 1.0 / 30.0);
        assert_eq!(s.velocity_mps, Some(DVec3::ZERO));
    }
}
