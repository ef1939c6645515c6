//! Unit tests of the mesh builders: winding, fit, smoothness, shells.
use super::*;

#[test]
fn car_shapes_are_closed_convex_and_face_outwards() {
    // every shell: the primitives after the four basic solids
    for p in Primitive::ALL.into_iter().skip(4) {
        let m = primitive_mesh(p);
        assert!(!m.indices.is_empty());
        let points: Vec<Vec3> = m.positions().collect();
        for tri in m.indices.chunks_exact(3) {
            let [a, b, c] = [0, 1, 2].map(|k| points[tri[k] as usize]);
            let n = Vec3::from_array(m.vertices[tri[0] as usize].normal);
            let winding = (b - a).cross(c - a);
            assert!(
                winding.dot(n) > 0.0,
                "{p:?}: a face wound against its normal"
            );
            // convex: every vertex on the inner side of every face
            for q in &points {
                assert!((*q - a).dot(n) <= 1e-5, "{p:?}: not convex");
            }
            // outwards: the origin is inside
            assert!((Vec3::ZERO - a).dot(n) < 0.0, "{p:?}: a face points in");
        }
        // unit size: the profile spans the unit box's length and
        // height; across, the car and van shells stop 1% short of its
        // sides (the tyres and wheel-arch trims stand proud of them)
        let (lo, hi) = points
            .iter()
            .fold((Vec3::splat(9.0), Vec3::splat(-9.0)), |(l, h), v| {
                (l.min(*v), h.max(*v))
            });
        let across = match p {
            Primitive::CarCabin | Primitive::TailgateCabin | Primitive::TruckCab => 0.5,
            _ => 0.49,
        };
        let full = Vec3::new(0.5, 0.5, across);
        assert!((lo + full).abs().max_element() < 1e-6, "{p:?} {lo}");
        assert!((hi - full).abs().max_element() < 1e-6, "{p:?} {hi}");
    }
}

/// Inside a convex polygon (either winding), boundary included.
fn in_polygon(poly: &[[f32; 2]], q: [f32; 2]) -> bool {
    let sides: Vec<f32> = (0..poly.len())
        .map(|i| {
            let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
            (b[0] - a[0]) * (q[1] - a[1]) - (b[1] - a[1]) * (q[0] - a[0])
        })
        .collect();
    sides.iter().all(|&s| s >= -1e-6) || sides.iter().all(|&s| s <= 1e-6)
}

#[test]
fn profiled_solid_is_what_its_three_views_cut() {
    // a point is inside the mesh (behind every face) exactly when its
    // side view, section and plan fall inside the three polygons
    for (side, section, plan) in [
        (
            &CAR_BODY_PROFILE[..],
            &CAR_BODY_SECTION[..],
            &CAR_BODY_PLAN[..],
        ),
        (
            &VAN_BODY_PROFILE[..],
            &VAN_BODY_SECTION[..],
            &VAN_BODY_PLAN[..],
        ),
        (
            &TAILGATE_BODY_PROFILE[..],
            &CAR_BODY_SECTION[..],
            &CAR_BODY_PLAN[..],
        ),
        (
            &TRUCK_CAB_PROFILE[..],
            &TRUCK_CAB_SECTION[..],
            &TRUCK_CAB_PLAN[..],
        ),
        (
            &BUS_BODY_PROFILE[..],
            &BUS_BODY_SECTION[..],
            &BUS_BODY_PLAN[..],
        ),
    ] {
        let m = profiled_solid(side, section, plan);
        let faces: Vec<(Vec3, Vec3)> = m
            .indices
            .chunks_exact(3)
            .map(|t| {
                let v = &m.vertices[t[0] as usize];
                (Vec3::from_array(v.position), Vec3::from_array(v.normal))
            })
            .collect();
        let mut rng = crate::core::rng::Stream::new(3, "profiled_solid", 0);
        let (mut inside, mut outside) = (0, 0);
        for _ in 0..4000 {
            let q = Vec3::new(
                rng.range(-0.5, 0.5) as f32,
                rng.range(-0.5, 0.5) as f32,
                rng.range(-0.5, 0.5) as f32,
            );
            let by_views = in_polygon(side, [q.x, q.y])
                && in_polygon(section, [q.z, q.y])
                && in_polygon(plan, [q.x, q.z]);
            let depth = faces
                .iter()
                .map(|(a, n)| (q - *a).dot(*n))
                .fold(f32::MIN, f32::max);
            // points within 1e-4 of a face could go either way
            if depth.abs() > 1e-4 {
                assert_eq!(by_views, depth < 0.0, "{q}");
                if by_views {
                    inside += 1;
                } else {
                    outside += 1;
                }
            }
        }
        // both sides sampled (the truck cab, nearly a box, leaves ~2.5%
        // of the cube outside)
        assert!(inside > 1000 && outside > 50, "{inside} {outside}");
    }
}

fn check_outward_ccw(m: &Mesh) {
    for t in m.indices.chunks(3) {
        let p: Vec<Vec3> = t
            .iter()
            .map(|&i| Vec3::from_array(m.vertices[i as usize].position))
            .collect();
        let n = Vec3::from_array(m.vertices[t[0] as usize].normal);
        let face = (p[1] - p[0]).cross(p[2] - p[0]);
        if face.length() > 1e-6 {
            assert!(face.dot(n) > 0.0, "triangle {t:?} winds against its normal");
        }
    }
}

#[test]
fn primitives_wind_outwards_and_fit_the_unit_box() {
    for m in [
        unit_cube(),
        unit_cylinder(12),
        unit_sphere(1),
        unit_cone(12),
    ] {
        check_outward_ccw(&m);
        assert!(m.positions().all(|p| p.abs().max_element() <= 0.5 + 1e-6));
        assert!(m.indices.iter().all(|&i| (i as usize) < m.vertices.len()));
    }
    assert_eq!(unit_cube().indices.len(), 36);
}

#[test]
fn sphere_stays_close_to_the_round_and_spans_the_unit_box() {
    let m = unit_sphere(1);
    assert_eq!(m.indices.len() / 3, 80);
    for v in &m.vertices {
        let p = Vec3::from_array(v.position);
        assert!((p.length() - 0.5).abs() < 1e-6);
        assert!(Vec3::from_array(v.normal).distance(p * 2.0) < 1e-6);
    }
    // every face within 6.6% of the radius of the sphere
    for t in m.indices.chunks(3) {
        let p: Vec<Vec3> = t
            .iter()
            .map(|&i| Vec3::from_array(m.vertices[i as usize].position))
            .collect();
        let n = (p[1] - p[0]).cross(p[2] - p[0]).normalize();
        let inset = 0.5 - n.dot(p[0]).abs();
        assert!(inset <= 0.066 * 0.5, "{inset}");
    }
    // its box is the sphere's: it reaches +-0.5 on every axis
    for axis in 0..3 {
        let (lo, hi) = m.positions().fold((0.0f32, 0.0f32), |(lo, hi), p| {
            (lo.min(p[axis]), hi.max(p[axis]))
        });
        assert!((lo + 0.5).abs() < 1e-6 && (hi - 0.5).abs() < 1e-6);
    }
}

#[test]
fn cylinder_and_cone_sides_shade_smooth() {
    // where two side facets meet, they share one normal (no crease),
    // and it is the round surface's: straight out from the axis for the
    // cylinder, out and up 1:0.5 for the cone (apexes excepted)
    for (m, rise) in [(unit_cylinder(12), 0.0f32), (unit_cone(12), 0.5)] {
        let mut seen: Vec<(Vec3, Vec3)> = Vec::new();
        for v in &m.vertices {
            let (p, n) = (Vec3::from_array(v.position), Vec3::from_array(v.normal));
            let radial = Vec3::new(p.x, 0.0, p.z);
            if n.y.abs() > 0.99 || radial.length() < 0.25 {
                continue; // caps, the cone's apex
            }
            let expected = (radial.normalize() + Vec3::Y * rise).normalize();
            assert!(n.distance(expected) < 1e-5, "{p}: {n} not {expected}");
            for (q, other) in &seen {
                if q.distance(p) < 1e-6 {
                    assert!(other.distance(n) < 1e-6, "a crease at {p}");
                }
            }
            seen.push((p, n));
        }
        assert!(seen.len() >= 24);
    }
}

#[test]
fn strip_faces_up() {
    let left = [Vec3::new(0.0, 0.0, -1.0), Vec3::new(5.0, 0.0, -1.0)];
    let right = [Vec3::new(0.0, 0.0, 1.0), Vec3::new(5.0, 0.0, 1.0)];
    let m = strip(&left, &right);
    check_outward_ccw(&m);
    assert!(m.vertices.iter().all(|v| v.normal[1] > 0.99));
}
