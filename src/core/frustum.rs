//! View-frustum culling: the clip planes of a projection and a
//! conservative bounding-sphere test, so passes skip instances that cannot
//! reach a pixel (the rasteriser would clip them anyway: images are the
//! same bytes, drawn faster).

use glam::{Mat4, Vec3, Vec4};

/// The six planes (xyz normal pointing inside, w offset; not normalised)
/// of the clip volume -w <= x, y <= w, 0 <= z <= w of `clip_from_world`
/// (wgpu's depth range; holds for reverse-Z and orthographic matrices).
pub fn planes(clip_from_world: &Mat4) -> [Vec4; 6] {
    let m = clip_from_world.transpose();
    let (r0, r1, r2, r3) = (m.x_axis, m.y_axis, m.z_axis, m.w_axis);
    [r3 + r0, r3 - r0, r3 + r1, r3 - r1, r2, r3 - r2]
}

/// Whether a sphere may reach inside the planes (false only when it lies
/// wholly outside one of them).
pub fn sphere_visible(planes: &[Vec4; 6], center: Vec3, radius: f32) -> bool {
    planes
        .iter()
        .all(|p| p.truncate().dot(center) + p.w >= -radius * p.truncate().length())
}

/// A bounding sphere of a unit primitive (inside the unit cube centred at
/// its origin) drawn with `model`: centre and radius.
pub fn unit_primitive_sphere(model: &Mat4) -> (Vec3, f32) {
    // |M v| <= sum |v_i| |column i| for |v_i| <= 0.5, sheared or not
    let reach = model.x_axis.truncate().length()
        + model.y_axis.truncate().length()
        + model.z_axis.truncate().length();
    (model.w_axis.truncate(), 0.5 * reach * 1.0001)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::camera::Intrinsics;

    #[test]
    fn spheres_in_front_are_kept_and_those_behind_or_aside_dropped() {
        let k = Intrinsics::from_hfov(640, 480, 90f64.to_radians());
        // camera at the origin looking along -z (reverse-Z, infinite far)
        let p = planes(&k.clip_from_view());
        assert!(sphere_visible(&p, Vec3::new(0.0, 0.0, -10.0), 0.5));
        assert!(sphere_visible(&p, Vec3::new(0.0, 0.0, -1e5), 0.5));
        assert!(!sphere_visible(&p, Vec3::new(0.0, 0.0, 10.0), 0.5));
        // 45 degrees to the side is the edge: just outside is dropped, a
        // sphere touching it is kept
        assert!(!sphere_visible(&p, Vec3::new(12.0, 0.0, -10.0), 1.0));
        assert!(sphere_visible(&p, Vec3::new(10.5, 0.0, -10.0), 1.0));
    }

    #[test]
    fn an_orthographic_box_culls_on_all_six_sides() {
        let m = Mat4::orthographic_rh(-5.0, 5.0, -5.0, 5.0, 1.0, 20.0);
        let p = planes(&m);
        assert!(sphere_visible(&p, Vec3::new(0.0, 0.0, -10.0), 0.1));
        for c in [
            Vec3::new(6.0, 0.0, -10.0),
            Vec3::new(-6.0, 0.0, -10.0),
            Vec3::new(0.0, 6.0, -10.0),
            Vec3::new(0.0, -6.0, -10.0),
            Vec3::new(0.0, 0.0, 0.0),
            Vec3::new(0.0, 0.0, -21.0),
        ] {
            assert!(!sphere_visible(&p, c, 0.5), "{c:?}");
        }
    }

    #[test]
    fn the_sphere_holds_a_scaled_rotated_cube() {
        let m = Mat4::from_scale_rotation_translation(
            Vec3::new(4.0, 1.0, 2.0),
            glam::Quat::from_rotation_y(0.7),
            Vec3::new(3.0, 1.0, -2.0),
        );
        let (c, r) = unit_primitive_sphere(&m);
        for v in crate::core::mesh::unit_cube().positions() {
            assert!(m.transform_point3(v).distance(c) <= r);
        }
    }
}
