//! Street trees of three forms: a broadleaf (trunk, limbs, a crown of
//! irregular foliage clumps), a conifer (stacked cones) and a columnar
//! tree (a tall narrow crown). Heights, proportions, limb directions and
//! foliage shades vary with the prop's `form` draw, so no two trees of a
//! street are alike.

use super::{Part, Primitive, part};
use crate::core::classes::Class;
use glam::{Mat4, Quat, Vec3};

const BARK: [f32; 3] = [0.33, 0.24, 0.16];

/// A tree `h` metres tall; `tint` scales its foliage's brightness (the
/// scatter's colour draw), `form` in 0..1 picks and shapes it.
pub(super) fn tree(h: f32, tint: f32, form: f32) -> Vec<Part> {
    // a second, independent number from the same draw (its lower digits)
    let detail = (form * 173.0).fract();
    // three in four street trees are broadleaves
    if form < 0.75 {
        broadleaf(h, tint, form / 0.75, detail)
    } else if form < 0.88 {
        conifer(h, tint, detail)
    } else {
        columnar(h, tint, detail)
    }
}

/// Foliage colour: from yellowish to deep green with `hue` in 0..1,
/// `shade` darker or lighter.
fn leaves(tint: f32, hue: f32, shade: f32) -> [f32; 3] {
    let s = tint * shade;
    [(0.16 + 0.1 * hue) * s, (0.38 + 0.1 * hue) * s, 0.12 * s]
}

/// A cylinder of `diameter_m` from `from` to `to` (a limb).
fn limb(from: Vec3, to: Vec3, diameter_m: f32) -> Part {
    let axis = to - from;
    let mut p = part(
        Primitive::Cylinder,
        Vec3::ZERO,
        Vec3::ONE,
        BARK,
        Class::Vegetation,
    );
    p.local = Mat4::from_scale_rotation_translation(
        Vec3::new(diameter_m, axis.length(), diameter_m),
        Quat::from_rotation_arc(Vec3::Y, axis.normalize()),
        (from + to) / 2.0,
    );
    p
}

/// Trunk to 40-50% of the height, three limbs leaning out into the crown,
/// a crown of a main mass and five clumps of a third to a half its width
/// round it.
fn broadleaf(h: f32, tint: f32, shape: f32, detail: f32) -> Vec<Part> {
    let trunk = h * (0.38 + 0.1 * shape);
    let crown = h - trunk;
    let width = crown * (0.75 + 0.25 * detail);
    let hue = shape;
    let mut parts = vec![
        bare_trunk(trunk * 1.2, 0.28),
        part(
            Primitive::Sphere,
            Vec3::new(0.0, trunk + crown * 0.5, 0.0),
            Vec3::new(width * 0.75, crown * 0.92, width * 0.75),
            leaves(tint, hue, 0.9),
            Class::Vegetation,
        ),
    ];
    let turn = detail * std::f32::consts::TAU;
    for k in 0..3 {
        let a = turn + k as f32 * std::f32::consts::TAU / 3.0;
        let out = Vec3::new(a.cos(), 0.0, a.sin());
        let from = Vec3::new(0.0, trunk * 0.95, 0.0);
        let to = from + out * (width * 0.3) + Vec3::Y * (crown * 0.35);
        parts.push(limb(from, to, 0.12));
    }
    for k in 0..5 {
        let a = turn + 0.5 + k as f32 * std::f32::consts::TAU / 5.0;
        let wobble = ((k as f32 * 2.39 + detail * 5.0).sin() + 1.0) / 2.0;
        let size = width * (0.32 + 0.18 * wobble);
        let reach = width * (0.26 + 0.06 * wobble);
        let up = crown * (0.3 + 0.45 * ((k * 2 % 5) as f32 / 4.0));
        parts.push(part(
            Primitive::Sphere,
            Vec3::new(a.cos() * reach, trunk + up, a.sin() * reach),
            Vec3::new(size, size * 0.85, size),
            leaves(tint, hue, 0.8 + 0.35 * wobble),
            Class::Vegetation,
        ));
    }
    parts
}

/// A tree's trunk: a bark cylinder `width_m` thick from the ground up to
/// `top_m` (into its crown).
fn bare_trunk(top_m: f32, width_m: f32) -> Part {
    part(
        Primitive::Cylinder,
        Vec3::new(0.0, top_m * 0.5, 0.0),
        Vec3::new(width_m, top_m, width_m),
        BARK,
        Class::Vegetation,
    )
}

/// A short bare trunk and three cones stacked into a spire, dark
/// blue-green.
fn conifer(h: f32, tint: f32, detail: f32) -> Vec<Part> {
    let width = h * (0.36 + 0.12 * detail);
    let dark = |shade: f32| {
        let s = tint * shade;
        [0.07 * s, 0.17 * s, 0.08 * s]
    };
    let mut parts = vec![bare_trunk(h * 0.6, 0.26)];
    // (base height, cone height, width) as shares of the tree
    for (k, (base, tall, wide)) in [(0.12, 0.48, 1.0), (0.36, 0.4, 0.74), (0.58, 0.42, 0.46)]
        .into_iter()
        .enumerate()
    {
        parts.push(part(
            Primitive::Cone,
            Vec3::new(0.0, h * (base + tall / 2.0), 0.0),
            Vec3::new(width * wide, h * tall, width * wide),
            dark(0.9 + 0.1 * k as f32),
            Class::Vegetation,
        ));
    }
    parts
}

/// A tall narrow crown from a fifth of the height (a poplar or a
/// cypress), with two clumps breaking its outline.
fn columnar(h: f32, tint: f32, detail: f32) -> Vec<Part> {
    let width = h * (0.2 + 0.08 * detail);
    let trunk = h * 0.2;
    let crown = h - trunk;
    let mut parts = vec![
        bare_trunk(trunk * 1.5, 0.24),
        part(
            Primitive::Sphere,
            Vec3::new(0.0, trunk + crown * 0.5, 0.0),
            Vec3::new(width, crown, width),
            leaves(tint, 0.3 + 0.5 * detail, 0.85),
            Class::Vegetation,
        ),
    ];
    for k in 0..2 {
        let a = detail * 9.0 + k as f32 * std::f32::consts::PI;
        parts.push(part(
            Primitive::Sphere,
            Vec3::new(
                a.cos() * width * 0.22,
                trunk + crown * (0.35 + 0.3 * k as f32),
                a.sin() * width * 0.22,
            ),
            Vec3::new(width * 0.7, crown * 0.45, width * 0.7),
            leaves(tint, 0.3 + 0.5 * detail, 0.75 + 0.2 * k as f32),
            Class::Vegetation,
        ));
    }
    parts
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The extent of a tree's parts (unit primitives fit in -0.5..0.5).
    fn extent(parts: &[Part]) -> (Vec3, Vec3) {
        let mut lo = Vec3::splat(f32::MAX);
        let mut hi = Vec3::splat(f32::MIN);
        for p in parts {
            for c in crate::core::mesh::unit_cube_corners() {
                let w = p.local.transform_point3(c);
                lo = lo.min(w);
                hi = hi.max(w);
            }
        }
        (lo, hi)
    }

    #[test]
    fn every_form_stands_on_the_ground_and_is_as_tall_as_asked() {
        for form in [0.0, 0.3, 0.74, 0.75, 0.8, 0.88, 0.99] {
            for h in [4.0f32, 6.0, 11.0] {
                let parts = tree(h, 1.0, form);
                let (lo, hi) = extent(&parts);
                assert!(lo.y.abs() < 1e-4, "form {form}: foot at {}", lo.y);
                // the crown's clumps may stand a little proud of the height
                assert!(
                    hi.y > 0.95 * h && hi.y < 1.1 * h,
                    "form {form}, {h} m: top at {}",
                    hi.y
                );
                // wider than its trunk, narrower than it is tall
                let width = (hi.x - lo.x).max(hi.z - lo.z);
                assert!(width > 0.15 * h && width < h, "form {form}: {width} m wide");
                assert!(parts.iter().all(|p| p.class == Class::Vegetation));
            }
        }
    }

    #[test]
    fn the_forms_differ_and_a_limb_joins_its_ends() {
        let count = |form: f32, p: Primitive| {
            tree(6.0, 1.0, form)
                .iter()
                .filter(|x| x.primitive == p)
                .count()
        };
        assert_eq!(count(0.2, Primitive::Cone), 0);
        assert_eq!(count(0.8, Primitive::Cone), 3);
        assert_eq!(count(0.2, Primitive::Sphere), 6);
        assert_eq!(count(0.95, Primitive::Sphere), 3);
        let from = Vec3::new(0.0, 2.0, 0.0);
        let to = Vec3::new(1.0, 3.0, 0.5);
        let l = limb(from, to, 0.1);
        assert!(
            l.local
                .transform_point3(Vec3::new(0.0, -0.5, 0.0))
                .distance(from)
                < 1e-5
        );
        assert!(
            l.local
                .transform_point3(Vec3::new(0.0, 0.5, 0.0))
                .distance(to)
                < 1e-5
        );
    }
}
