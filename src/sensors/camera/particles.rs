//! Falling rain and snow for the colour images: streaks and flakes placed
//! in each camera's view frustum, drawn after the scene with depth test but
//! no depth write and no label write, so they change pixels, never labels.

use crate::core::camera::Intrinsics;
use crate::core::frames::{Pose, cv_to_bevy_cam};
use crate::core::rng::Stream;
use crate::snapshot::ParticleLook;
use glam::DVec3;

/// Exposure time the streaks are smeared over, seconds (a 1/60 s shutter).
pub const EXPOSURE_S: f64 = 1.0 / 60.0;
/// Nearest particle drawn, metres in front of the lens.
const NEAREST_M: f64 = 0.5;
/// The near end of a streak is pulled back to this depth, metres.
const CLIP_M: f64 = 0.2;
/// At most this many particles per camera and kind.
pub const MAX_PARTICLES: usize = 20_000;
/// Particles are placed a little beyond the image edges, so streaks that
/// enter the frame are drawn too.
const EDGE_MARGIN: f64 = 1.1;
/// Snow flutters sideways, m/s.
const FLUTTER_MPS: f64 = 0.5;

/// One particle as the GPU reads it.
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
pub struct ParticleRaw {
    /// xyz: streak start (world); w: width in pixels.
    pub a: [f32; 4],
    /// xyz: streak end (world); w: opacity.
    pub b: [f32; 4],
}

/// How many particles of `look` fill the view of `k` (uniform density in
/// the frustum between NEAREST_M and the look's max distance).
pub fn particle_count(look: &ParticleLook, k: &Intrinsics) -> usize {
    let (tx, ty) = half_tangents(k);
    let (z0, z1) = (NEAREST_M, look.max_distance_m as f64);
    // frustum volume: integral of (2 tx z)(2 ty z) dz
    let volume = 4.0 * tx * ty * (z1.powi(3) - z0.powi(3)) / 3.0;
    ((look.density_per_m3 as f64 * volume).round() as usize).min(MAX_PARTICLES)
}

fn half_tangents(k: &Intrinsics) -> (f64, f64) {
    let tx = k.cx.max(k.width as f64 - k.cx) / k.fx * EDGE_MARGIN;
    let ty = k.cy.max(k.height as f64 - k.cy) / k.fy * EDGE_MARGIN;
    (tx, ty)
}

/// The particles of one kind for one camera at one frame: the same on every
/// rerun (seeded by scenario seed, camera, kind and frame).
/// `velocity_world`: the camera's own velocity, which slants the streaks.
pub fn particles(
    look: &ParticleLook,
    camera_name: &str,
    k: &Intrinsics,
    world_from_camera: &Pose,
    velocity_world: DVec3,
    frame: u64,
) -> Vec<ParticleRaw> {
    let kind = if look.snow { "snow" } else { "rain" };
    let mut rng = Stream::new(look.seed, &format!("particles:{camera_name}:{kind}"), frame);
    let (tx, ty) = half_tangents(k);
    let (z0, z1) = (NEAREST_M, look.max_distance_m as f64);
    let camera_from_world = world_from_camera.rotation.inverse();
    let n = particle_count(look, k);
    let mut out = Vec::with_capacity(n);
    for _ in 0..n {
        // uniform in volume: depth with density ~ z^2
        let z = (z0.powi(3) + rng.next_f64() * (z1.powi(3) - z0.powi(3))).cbrt();
        let x = (2.0 * rng.next_f64() - 1.0) * tx * z;
        let y = (2.0 * rng.next_f64() - 1.0) * ty * z;
        // falling, and drifting with the wind
        let mut fall = DVec3::new(0.0, -look.fall_speed_mps as f64, 0.0)
            + glam::Vec3::from_array(look.wind_mps).as_dvec3();
        if look.snow {
            fall.x += (2.0 * rng.next_f64() - 1.0) * FLUTTER_MPS;
            fall.z += (2.0 * rng.next_f64() - 1.0) * FLUTTER_MPS;
        }
        let a_cv = DVec3::new(x, y, z);
        // the streak in camera coordinates: particle motion relative to the lens
        let smear = crate::core::frames::bevy_cam_to_cv(
            camera_from_world * ((fall - velocity_world) * EXPOSURE_S),
        );
        let mut b_cv = a_cv + smear;
        if b_cv.z < CLIP_M {
            let t = (a_cv.z - CLIP_M) / (a_cv.z - b_cv.z);
            b_cv = a_cv + smear * t;
        }
        // sub-pixel particles are drawn one pixel wide and fainter
        let size_px = k.fx * look.size_m as f64 / z;
        let width_px = size_px.max(1.0);
        let opacity = look.alpha as f64 * size_px.clamp(0.25, 1.0);
        let to_world = |p: DVec3| world_from_camera.transform_point(cv_to_bevy_cam(p));
        let (a, b) = (to_world(a_cv), to_world(b_cv));
        out.push(ParticleRaw {
            a: [a.x as f32, a.y as f32, a.z as f32, width_px as f32],
            b: [b.x as f32, b.y as f32, b.z as f32, opacity as f32],
        });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rain() -> ParticleLook {
        ParticleLook {
            snow: false,
            density_per_m3: 1.5,
            fall_speed_mps: 7.0,
            size_m: 0.002,
            max_distance_m: 15.0,
            alpha: 0.5,
            wind_mps: [0.0; 3],
            seed: 3,
        }
    }

    fn k() -> Intrinsics {
        Intrinsics {
            width: 64,
            height: 48,
            fx: 32.0,
            fy: 32.0,
            cx: 32.0,
            cy: 24.0,
            lens: Default::default(),
        }
    }

    #[test]
    fn particles_fill_the_view_and_streak_downwards() {
        let pose = Pose::IDENTITY;
        let p = particles(&rain(), "front", &k(), &pose, DVec3::ZERO, 7);
        assert_eq!(p.len(), particle_count(&rain(), &k()));
        assert!(p.len() > 1000, "{}", p.len());
        // identity camera (Bevy convention) looks along -z; streaks fall (y down in
        // the world) by fall speed times exposure
        for q in &p {
            let (a, b) = (
                DVec3::new(q.a[0] as f64, q.a[1] as f64, q.a[2] as f64),
                DVec3::new(q.b[0] as f64, q.b[1] as f64, q.b[2] as f64),
            );
            assert!(-a.z >= NEAREST_M - 1e-6 && -a.z <= 15.0 + 1e-6);
            assert!(((a.y - b.y) - 7.0 * EXPOSURE_S).abs() < 1e-5);
            assert!(q.a[3] >= 1.0 && q.b[3] > 0.0 && q.b[3] <= 0.5);
        }
        // same frame, same particles; another frame, others
        assert_eq!(p, particles(&rain(), "front", &k(), &pose, DVec3::ZERO, 7));
        assert_ne!(p, particles(&rain(), "front", &k(), &pose, DVec3::ZERO, 8));
    }

    #[test]
    fn driving_forward_slants_streaks_towards_the_camera() {
        // moving along -z (where the camera looks) at 20 m/s: the drops come at
        // the lens, and no streak crosses behind it
        let p = particles(
            &rain(),
            "front",
            &k(),
            &Pose::IDENTITY,
            DVec3::new(0.0, 0.0, -20.0),
            1,
        );
        for q in &p {
            assert!(q.b[2] > q.a[2] - 1e-6, "streak moves towards the camera");
            assert!(-(q.b[2] as f64) >= CLIP_M - 1e-5);
        }
    }

    /// A wind drifts the drops: each streak moves along the wind by its
    /// speed times the exposure as it falls (a standing camera).
    #[test]
    fn wind_slants_streaks_along_it() {
        let windy = ParticleLook {
            wind_mps: [5.0, 0.0, 0.0],
            ..rain()
        };
        let p = particles(&windy, "front", &k(), &Pose::IDENTITY, DVec3::ZERO, 2);
        assert!(p.len() > 1000);
        for q in &p {
            // unclipped streaks: x moves by 5 m/s times the exposure
            if q.b[2] < -(CLIP_M as f32) - 1e-3 {
                assert!(((q.b[0] - q.a[0]) as f64 - 5.0 * EXPOSURE_S).abs() < 1e-5);
                assert!(((q.a[1] - q.b[1]) as f64 - 7.0 * EXPOSURE_S).abs() < 1e-5);
            }
        }
    }
}
