//! The sun's shadow map: an orthographic view along the sunlight, fitted
//! to the slice of a camera's frustum that shadows are drawn in, snapped to
//! whole texels so shadow edges stay put while the camera moves.

use super::camera::Intrinsics;
use super::frames::Pose;
use glam::{DMat4, DVec2, DVec3};

/// Shadows are drawn out to this distance from the camera (z-depth), metres.
pub const SHADOW_DISTANCE_M: f64 = 70.0;
/// How far towards the sun beyond the frustum slice casters are kept
/// (tall buildings and trees outside the view still shade it), metres.
pub const CASTER_REACH_M: f64 = 150.0;

/// Contact shadow (the sky's light an object's body keeps off the ground
/// around its footprint, shaders/camera.wgsl `contact_occlusion`): the
/// length over which it falls off outside the footprint, metres (taller
/// bodies shade farther).
pub fn contact_falloff_m(b: &super::boxes::Box3) -> f64 {
    0.25 + 0.05 * b.height_m
}

/// Contact shadows end `CONTACT_FALLOFFS` falloff lengths outside the
/// footprint (where exp(-5) leaves 0.4% of the 60% darkening): ground
/// farther than this from a box's centre is not darkened by it, metres.
pub fn contact_reach_m(b: &super::boxes::Box3) -> f64 {
    (b.length_m / 2.0).hypot(b.width_m / 2.0) + CONTACT_FALLOFFS * contact_falloff_m(b)
}

pub const CONTACT_FALLOFFS: f64 = 5.0;

/// The eight corners (world) of a camera's frustum between z-depths
/// `near_m` and `far_m`: near then far, each in image order.
pub fn frustum_corners(
    world_from_cv: &Pose,
    k: &Intrinsics,
    near_m: f64,
    far_m: f64,
) -> [DVec3; 8] {
    let (w, h) = (k.width as f64, k.height as f64);
    let uv = [
        DVec2::ZERO,
        DVec2::new(w, 0.0),
        DVec2::new(0.0, h),
        DVec2::new(w, h),
    ];
    std::array::from_fn(|i| {
        let depth = if i < 4 { near_m } else { far_m };
        world_from_cv.transform_point(k.unproject_pinhole(uv[i % 4], depth))
    })
}

/// World -> shadow-map clip (x, y in -1..1, depth 0 nearest the sun ..= 1)
/// for sunlight arriving along -`to_sun` (unit): an orthographic box around
/// `corners`, reaching `CASTER_REACH_M` towards the sun, its side a whole
/// number of `texels` and its origin on the texel grid.
pub fn sun_from_world(corners: &[DVec3; 8], to_sun: DVec3, texels: u32) -> DMat4 {
    let toward = to_sun.normalize();
    // an up vector not parallel to the light
    let up = if toward.y.abs() > 0.99 {
        DVec3::X
    } else {
        DVec3::Y
    };
    let view = DMat4::look_to_rh(DVec3::ZERO, -toward, up);
    let (mut lo, mut hi) = (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN));
    for c in corners {
        let p = view.transform_point3(*c);
        lo = lo.min(p);
        hi = hi.max(p);
    }
    // a square of whole texels whose corner sits on the texel grid
    let side = (hi.x - lo.x).max(hi.y - lo.y) * 1.02;
    let texel = side / texels as f64;
    let x0 = (lo.x / texel).floor() * texel;
    let y0 = (lo.y / texel).floor() * texel;
    let side = (side / texel).ceil() * texel;
    // view space looks down -z: the sun side has the larger z
    let near = -hi.z - CASTER_REACH_M;
    let far = -lo.z + 1.0;
    DMat4::orthographic_rh(x0, x0 + side, y0, y0 + side, near, far) * view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::frames::cv_from_world;

    fn camera() -> (Pose, Intrinsics) {
        let k = Intrinsics::from_hfov(640, 480, 90f64.to_radians());
        // looking along +x from 1.6 m up (Bevy convention: -z forward)
        let world_from_camera = Pose {
            translation: DVec3::new(3.0, 1.6, -2.0),
            rotation: glam::DQuat::from_rotation_y(-std::f64::consts::FRAC_PI_2),
        };
        (cv_from_world(&world_from_camera).inverse(), k)
    }

    /// Ground beyond a box's contact reach is darkened by less than 0.5%
    /// (the untruncated falloff: 60% at the footprint, exp(-x / falloff)
    /// outside it), whatever the box's heading, so the shader may skip it.
    #[test]
    fn contact_shadows_are_negligible_beyond_their_reach() {
        for (l, h, w, yaw) in [
            (4.5, 1.5, 1.8, 0.3),
            (12.0, 3.1, 2.55, 2.0),
            (0.6, 1.8, 0.5, -1.0),
        ] {
            let b = crate::core::boxes::Box3 {
                center: DVec3::new(5.0, h / 2.0, -3.0),
                length_m: l,
                height_m: h,
                width_m: w,
                yaw_rad: yaw,
            };
            let (reach, falloff) = (contact_reach_m(&b), contact_falloff_m(&b));
            let (f, up) = (b.forward(), DVec3::Y);
            let side = f.cross(up).normalize();
            let mut outside = 0;
            for k in 0..720 {
                let a = k as f64 * std::f64::consts::TAU / 720.0;
                // just beyond the reach, on the ground around the centre
                let d = DVec3::new(a.cos(), 0.0, a.sin()) * (reach + 1e-6);
                let o = DVec2::new(d.dot(f), d.dot(side));
                let out = (o.abs() - DVec2::new(l / 2.0, w / 2.0)).max(DVec2::ZERO);
                let dark = 0.6 * (-out.length() / falloff).exp();
                assert!(dark < 0.005, "{l}x{w} at {a:.2} rad: {dark}");
                outside += (out.length() > 0.0) as usize;
            }
            assert_eq!(outside, 720);
        }
    }

    #[test]
    fn the_frustum_slice_and_casters_towards_the_sun_fit_the_map() {
        let (world_from_cv, k) = camera();
        let corners = frustum_corners(&world_from_cv, &k, 0.1, SHADOW_DISTANCE_M);
        let to_sun = DVec3::new(0.3, 0.8, 0.5).normalize();
        let m = sun_from_world(&corners, to_sun, 2048);
        let inside = |p: DVec3| {
            let c = m.project_point3(p);
            c.x.abs() <= 1.0 + 1e-9 && c.y.abs() <= 1.0 + 1e-9 && (0.0..=1.0).contains(&c.z)
        };
        for c in corners {
            assert!(inside(c), "{c:?} -> {:?}", m.project_point3(c));
            // a caster 100 m up the sunbeam from the slice still lands in the map
            assert!(inside(c + to_sun * 100.0));
        }
        // depth grows away from the sun
        let c = corners[4];
        assert!(m.project_point3(c).z > m.project_point3(c + to_sun * 10.0).z);
        // the far corners are 70 m out along the optical axis
        let cv = world_from_cv.inverse().transform_point(corners[7]);
        assert!((cv.z - SHADOW_DISTANCE_M).abs() < 1e-9);
    }

    #[test]
    fn moving_the_camera_a_fraction_of_a_texel_keeps_the_grid() {
        let (world_from_cv, k) = camera();
        let to_sun = DVec3::new(-0.2, 0.9, 0.3).normalize();
        let a = frustum_corners(&world_from_cv, &k, 0.1, SHADOW_DISTANCE_M);
        let shifted: [DVec3; 8] = a.map(|c| c + DVec3::new(0.013, 0.0, 0.0));
        let (ma, mb) = (
            sun_from_world(&a, to_sun, 2048),
            sun_from_world(&shifted, to_sun, 2048),
        );
        // a fixed world point falls on the same sub-texel position in both
        let p = DVec3::new(20.0, 0.0, 1.0);
        let texel = |m: DMat4| (m.project_point3(p).truncate() * 1024.0).fract();
        let (ta, tb) = (texel(ma), texel(mb));
        assert!((ta - tb).abs().max_element() < 1e-6, "{ta:?} {tb:?}");
        assert_ne!(ma, mb);
    }
}
