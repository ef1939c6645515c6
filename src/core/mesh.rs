//! Primitive meshes (unit size, centred at the origin) and strip meshes for
//! road surfaces. Pure geometry: the renderer uploads them as they are.

use glam::Vec3;

mod shells;
pub use shells::*;

/// The convex shapes objects are built from (unit size, centred).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Primitive {
    Cube,
    Cylinder,
    Sphere,
    Cone,
    /// A car's lower body: bumpers, a hood sloping up to the windscreen,
    /// a short boot; its flanks lean in slightly.
    CarBody,
    /// A car's glasshouse: raked windscreen and rear window, sides leaning
    /// in towards the roof.
    CarCabin,
    /// A van's body: a short sloping hood, a steep windscreen, a long flat
    /// roof and an upright back; its flanks lean in slightly.
    VanBody,
    /// The lower body of a car with a tailgate (hatchback, estate, SUV):
    /// as `CarBody`, with only the top edge of its upright back rounded.
    TailgateBody,
    /// The glasshouse of a car with a tailgate: the raked windscreen, the
    /// roof carried back to a steep rear window.
    TailgateCabin,
    /// A bus's body: upright front and back, rounded roof edges and
    /// corners.
    BusBody,
    /// A truck's cab: an upright front with the windscreen raked back a
    /// little at the top, a rounded roof edge and rounded front corners.
    TruckCab,
}

impl Primitive {
    pub const ALL: [Primitive; 11] = [
        Primitive::Cube,
        Primitive::Cylinder,
        Primitive::Sphere,
        Primitive::Cone,
        Primitive::CarBody,
        Primitive::CarCabin,
        Primitive::VanBody,
        Primitive::TailgateBody,
        Primitive::TailgateCabin,
        Primitive::BusBody,
        Primitive::TruckCab,
    ];
}

/// Primitive tessellations, shared by the GPU meshes and the silhouettes.
pub fn primitive_mesh(p: Primitive) -> Mesh {
    match p {
        Primitive::Cube => unit_cube(),
        Primitive::Cylinder => unit_cylinder(12),
        Primitive::Sphere => unit_sphere(1),
        Primitive::Cone => unit_cone(12),
        Primitive::CarBody => profiled_solid(&CAR_BODY_PROFILE, &CAR_BODY_SECTION, &CAR_BODY_PLAN),
        Primitive::CarCabin => tapered_prism(
            &CAR_CABIN_PROFILE,
            CAR_CABIN_HALF_WIDTHS[0],
            CAR_CABIN_HALF_WIDTHS[1],
        ),
        Primitive::VanBody => profiled_solid(&VAN_BODY_PROFILE, &VAN_BODY_SECTION, &VAN_BODY_PLAN),
        Primitive::TailgateBody => {
            profiled_solid(&TAILGATE_BODY_PROFILE, &CAR_BODY_SECTION, &CAR_BODY_PLAN)
        }
        Primitive::TailgateCabin => tapered_prism(
            &TAILGATE_CABIN_PROFILE,
            CAR_CABIN_HALF_WIDTHS[0],
            CAR_CABIN_HALF_WIDTHS[1],
        ),
        Primitive::TruckCab => {
            profiled_solid(&TRUCK_CAB_PROFILE, &TRUCK_CAB_SECTION, &TRUCK_CAB_PLAN)
        }
        Primitive::BusBody => profiled_solid(&BUS_BODY_PROFILE, &BUS_BODY_SECTION, &BUS_BODY_PLAN),
    }
}

/// Outward half-spaces `n . p <= d` of a convex polygon's edges; the
/// polygon's coordinates are the 3D axes `axes` (e.g. (0, 1) for x, y).
fn polygon_half_spaces(polygon: &[[f32; 2]], axes: (usize, usize)) -> Vec<(Vec3, f32)> {
    let area: f32 = (0..polygon.len())
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            a[0] * b[1] - b[0] * a[1]
        })
        .sum();
    let turn = area.signum();
    (0..polygon.len())
        .map(|i| {
            let (a, b) = (polygon[i], polygon[(i + 1) % polygon.len()]);
            let mut n = Vec3::ZERO;
            n[axes.0] = (b[1] - a[1]) * turn;
            n[axes.1] = (a[0] - b[0]) * turn;
            let n = n.normalize();
            let mut on = Vec3::ZERO;
            on[axes.0] = a[0];
            on[axes.1] = a[1];
            (n, n.dot(on))
        })
        .collect()
}

/// A vehicle shell: the solid whose side view (x, y) is `side`, whose
/// cross-section (z, y) is `section` and whose plan (x, z) is `plan`, each
/// a convex polygon in the unit square; the intersection of the three
/// extrusions, so it is convex and inside the unit box.
pub fn profiled_solid(side: &[[f32; 2]], section: &[[f32; 2]], plan: &[[f32; 2]]) -> Mesh {
    let mut planes = polygon_half_spaces(side, (0, 1));
    planes.extend(polygon_half_spaces(section, (2, 1)));
    planes.extend(polygon_half_spaces(plan, (0, 2)));
    clipped_cube(&planes)
}

/// The unit cube clipped by half-spaces `n . p <= d`: a convex polyhedron,
/// one planar polygon per face, fanned into triangles wound outwards.
pub fn clipped_cube(planes: &[(Vec3, f32)]) -> Mesh {
    const EPS: f32 = 1e-6;
    let h = 0.5;
    let c = |x: f32, y: f32, z: f32| Vec3::new(x * h, y * h, z * h);
    // the cube's faces, each counter-clockwise seen from outside
    let mut faces: Vec<(Vec3, Vec<Vec3>)> = vec![
        (
            Vec3::X,
            vec![
                c(1., -1., -1.),
                c(1., 1., -1.),
                c(1., 1., 1.),
                c(1., -1., 1.),
            ],
        ),
        (
            Vec3::NEG_X,
            vec![
                c(-1., -1., -1.),
                c(-1., -1., 1.),
                c(-1., 1., 1.),
                c(-1., 1., -1.),
            ],
        ),
        (
            Vec3::Y,
            vec![
                c(-1., 1., -1.),
                c(-1., 1., 1.),
                c(1., 1., 1.),
                c(1., 1., -1.),
            ],
        ),
        (
            Vec3::NEG_Y,
            vec![
                c(-1., -1., -1.),
                c(1., -1., -1.),
                c(1., -1., 1.),
                c(-1., -1., 1.),
            ],
        ),
        (
            Vec3::Z,
            vec![
                c(-1., -1., 1.),
                c(1., -1., 1.),
                c(1., 1., 1.),
                c(-1., 1., 1.),
            ],
        ),
        (
            Vec3::NEG_Z,
            vec![
                c(-1., -1., -1.),
                c(-1., 1., -1.),
                c(1., 1., -1.),
                c(1., -1., -1.),
            ],
        ),
    ];
    for &(n, d) in planes {
        let mut cap: Vec<Vec3> = Vec::new();
        for (_, poly) in faces.iter_mut() {
            let mut kept = Vec::with_capacity(poly.len() + 1);
            for i in 0..poly.len() {
                let (a, b) = (poly[i], poly[(i + 1) % poly.len()]);
                let (da, db) = (n.dot(a) - d, n.dot(b) - d);
                if da <= EPS {
                    kept.push(a);
                    if da.abs() <= EPS {
                        cap.push(a);
                    }
                }
                if (da < -EPS && db > EPS) || (da > EPS && db < -EPS) {
                    let x = a + (b - a) * (da / (da - db));
                    kept.push(x);
                    cap.push(x);
                }
            }
            *poly = kept;
        }
        faces.retain(|(_, p)| p.len() >= 3);
        // the new face: the points on the plane, in order around it
        let mut unique: Vec<Vec3> = Vec::new();
        for p in cap {
            if unique.iter().all(|q| q.distance(p) >= 1e-5) {
                unique.push(p);
            }
        }
        if unique.len() >= 3 {
            let centre = unique.iter().copied().sum::<Vec3>() / unique.len() as f32;
            let u = n.any_orthonormal_vector();
            let v = n.cross(u);
            unique.sort_by(|a, b| {
                let (pa, pb) = (*a - centre, *b - centre);
                pa.dot(v)
                    .atan2(pa.dot(u))
                    .total_cmp(&pb.dot(v).atan2(pb.dot(u)))
            });
            faces.push((n, unique));
        }
    }
    let mut m = Mesh::default();
    for (n, poly) in &faces {
        for i in 1..poly.len() - 1 {
            let tri = [poly[0], poly[i], poly[i + 1]];
            if (tri[1] - tri[0]).cross(tri[2] - tri[0]).length() > 1e-9 {
                m.push_triangle(tri, *n);
            }
        }
    }
    m
}

/// A convex side profile (x, y in the unit square, counter-clockwise seen
/// from +z) extruded across z, its half-width going linearly from
/// `half_width_bottom` at y = -0.5 to `half_width_top` at y = 0.5: convex,
/// so its vertices are its hull. Flat normals; every face counter-clockwise
/// seen from outside.
pub fn tapered_prism(profile: &[[f32; 2]], half_width_bottom: f32, half_width_top: f32) -> Mesh {
    let slope = half_width_top - half_width_bottom;
    let half_width = |y: f32| half_width_bottom + (y + 0.5) * slope;
    let at = |p: [f32; 2], side: f32| Vec3::new(p[0], p[1], side * half_width(p[1]));
    let mut m = Mesh::default();
    // the two flanks, fanned from the first profile point
    for side in [1.0f32, -1.0] {
        // the flank is the plane z = side * half_width(y)
        let normal = Vec3::new(0.0, -slope, side).normalize();
        for i in 1..profile.len() - 1 {
            m.push_triangle(
                [
                    at(profile[0], side),
                    at(profile[i], side),
                    at(profile[i + 1], side),
                ],
                normal,
            );
        }
    }
    // the rim: one planar quad per profile edge
    for (i, &a) in profile.iter().enumerate() {
        let b = profile[(i + 1) % profile.len()];
        let normal = Vec3::new(b[1] - a[1], a[0] - b[0], 0.0).normalize();
        m.push_oriented_quad([at(a, 1.0), at(b, 1.0), at(b, -1.0), at(a, -1.0)], normal);
    }
    m
}

#[derive(Clone, Copy, Debug, PartialEq, bytemuck::Pod, bytemuck::Zeroable)]
#[repr(C)]
pub struct Vertex {
    pub position: [f32; 3],
    pub normal: [f32; 3],
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Mesh {
    pub vertices: Vec<Vertex>,
    pub indices: Vec<u32>,
}

impl Mesh {
    fn push_quad(&mut self, corners: [Vec3; 4], normal: Vec3) {
        let base = self.vertices.len() as u32;
        for c in corners {
            self.vertices.push(Vertex {
                position: c.to_array(),
                normal: normal.to_array(),
            });
        }
        // counter-clockwise seen from the normal side
        self.indices
            .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// A quad of (position, normal) corners, counter-clockwise seen from
    /// outside: a curved surface's facet, shaded with its normals blended.
    fn push_smooth_quad(&mut self, corners: [(Vec3, Vec3); 4]) {
        let base = self.vertices.len() as u32;
        for (p, n) in corners {
            self.vertices.push(Vertex {
                position: p.to_array(),
                normal: n.to_array(),
            });
        }
        self.indices
            .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }

    /// A triangle, wound counter-clockwise seen from the `normal` side.
    fn push_triangle(&mut self, mut corners: [Vec3; 3], normal: Vec3) {
        if (corners[1] - corners[0])
            .cross(corners[2] - corners[0])
            .dot(normal)
            < 0.0
        {
            corners.swap(1, 2);
        }
        let base = self.vertices.len() as u32;
        for c in corners {
            self.vertices.push(Vertex {
                position: c.to_array(),
                normal: normal.to_array(),
            });
        }
        self.indices.extend_from_slice(&[base, base + 1, base + 2]);
    }

    /// A planar convex quad in either winding, wound counter-clockwise seen
    /// from the `normal` side.
    fn push_oriented_quad(&mut self, mut corners: [Vec3; 4], normal: Vec3) {
        if (corners[1] - corners[0])
            .cross(corners[2] - corners[0])
            .dot(normal)
            < 0.0
        {
            corners.reverse();
        }
        self.push_quad(corners, normal);
    }

    pub fn positions(&self) -> impl Iterator<Item = Vec3> + '_ {
        self.vertices.iter().map(|v| Vec3::from_array(v.position))
    }

    pub fn append(&mut self, other: &Mesh) {
        let base = self.vertices.len() as u32;
        self.vertices.extend_from_slice(&other.vertices);
        self.indices.extend(other.indices.iter().map(|i| i + base));
    }
}

/// The unit cube's eight corners (+-0.5 on each axis): every primitive lies
/// within them, so their images under a part's matrix bound the part.
pub fn unit_cube_corners() -> [Vec3; 8] {
    std::array::from_fn(|c| {
        let side = |bit: usize| if c & bit == 0 { -0.5 } else { 0.5 };
        Vec3::new(side(1), side(2), side(4))
    })
}

/// Unit cube [-0.5, 0.5]^3 with flat normals.
pub fn unit_cube() -> Mesh {
    let mut m = Mesh::default();
    for axis in 0..3 {
        for sign in [-1.0f32, 1.0] {
            let n = Vec3::from_array(std::array::from_fn(|i| if i == axis { sign } else { 0.0 }));
            let u = Vec3::from_array(std::array::from_fn(|i| {
                if i == (axis + 1) % 3 { 1.0 } else { 0.0 }
            }));
            let v = n.cross(u);
            let c = n * 0.5;
            m.push_quad(
                [
                    c - u * 0.5 - v * 0.5,
                    c + u * 0.5 - v * 0.5,
                    c + u * 0.5 + v * 0.5,
                    c - u * 0.5 + v * 0.5,
                ],
                n,
            );
        }
    }
    m
}

/// Unit cylinder along Y: radius 0.5, from y = -0.5 to 0.5, capped.
pub fn unit_cylinder(segments: u32) -> Mesh {
    let mut m = Mesh::default();
    let ring = |i: u32| {
        let a = i as f32 / segments as f32 * std::f32::consts::TAU;
        Vec3::new(a.cos() * 0.5, 0.0, -a.sin() * 0.5)
    };
    for i in 0..segments {
        let (a, b) = (ring(i), ring(i + 1));
        // smooth sides: each edge's normal points straight out from the
        // axis, so a pole or a trunk shades round, not as 12 flat faces
        let (na, nb) = (a.normalize(), b.normalize());
        m.push_smooth_quad([
            (a - Vec3::Y * 0.5, na),
            (b - Vec3::Y * 0.5, nb),
            (b + Vec3::Y * 0.5, nb),
            (a + Vec3::Y * 0.5, na),
        ]);
        for (y, n) in [(0.5f32, Vec3::Y), (-0.5, -Vec3::Y)] {
            let base = m.vertices.len() as u32;
            for p in [Vec3::Y * y, a + Vec3::Y * y, b + Vec3::Y * y] {
                m.vertices.push(Vertex {
                    position: p.to_array(),
                    normal: n.to_array(),
                });
            }
            if y > 0.0 {
                m.indices.extend_from_slice(&[base, base + 1, base + 2]);
            } else {
                m.indices.extend_from_slice(&[base, base + 2, base + 1]);
            }
        }
    }
    m
}

/// Unit sphere (radius 0.5): an icosahedron whose edges are split
/// `subdivisions` times, every vertex pushed out onto the sphere. Once split
/// (80 triangles) it strays from the sphere by 6.6% of the radius at most,
/// as much as a 6-ring, 12-segment latitude/longitude sphere of 144
/// triangles, whose triangles crowd at the poles; and it still reaches
/// +-0.5 on each axis, so a box around it is the sphere's.
pub fn unit_sphere(subdivisions: u32) -> Mesh {
    let t = (1.0 + 5f32.sqrt()) / 2.0;
    let mut points: Vec<Vec3> = [
        (-1.0, t, 0.0),
        (1.0, t, 0.0),
        (-1.0, -t, 0.0),
        (1.0, -t, 0.0),
        (0.0, -1.0, t),
        (0.0, 1.0, t),
        (0.0, -1.0, -t),
        (0.0, 1.0, -t),
        (t, 0.0, -1.0),
        (t, 0.0, 1.0),
        (-t, 0.0, -1.0),
        (-t, 0.0, 1.0),
    ]
    .iter()
    .map(|&(x, y, z)| Vec3::new(x, y, z).normalize())
    .collect();
    let mut faces: Vec<[u32; 3]> = vec![
        [0, 11, 5],
        [0, 5, 1],
        [0, 1, 7],
        [0, 7, 10],
        [0, 10, 11],
        [1, 5, 9],
        [5, 11, 4],
        [11, 10, 2],
        [10, 7, 6],
        [7, 1, 8],
        [3, 9, 4],
        [3, 4, 2],
        [3, 2, 6],
        [3, 6, 8],
        [3, 8, 9],
        [4, 9, 5],
        [2, 4, 11],
        [6, 2, 10],
        [8, 6, 7],
        [9, 8, 1],
    ];
    for _ in 0..subdivisions {
        // each edge's midpoint once, shared by the two faces on it
        let mut midpoints = std::collections::BTreeMap::new();
        let mut midpoint = |a: u32, b: u32, points: &mut Vec<Vec3>| {
            *midpoints.entry((a.min(b), a.max(b))).or_insert_with(|| {
                points.push((points[a as usize] + points[b as usize]).normalize());
                points.len() as u32 - 1
            })
        };
        let mut split = Vec::with_capacity(faces.len() * 4);
        for [a, b, c] in faces {
            let ab = midpoint(a, b, &mut points);
            let bc = midpoint(b, c, &mut points);
            let ca = midpoint(c, a, &mut points);
            split.extend([[a, ab, ca], [b, bc, ab], [c, ca, bc], [ab, bc, ca]]);
        }
        faces = split;
    }
    let mut m = Mesh::default();
    for n in &points {
        m.vertices.push(Vertex {
            position: (*n * 0.5).to_array(),
            normal: n.to_array(),
        });
    }
    for [a, b, c] in faces {
        // counter-clockwise seen from outside
        let (pa, pb, pc) = (points[a as usize], points[b as usize], points[c as usize]);
        if (pb - pa).cross(pc - pa).dot(pa + pb + pc) >= 0.0 {
            m.indices.extend_from_slice(&[a, b, c]);
        } else {
            m.indices.extend_from_slice(&[a, c, b]);
        }
    }
    m
}

/// Unit cone along Y (apex at y = 0.5, base radius 0.5 at y = -0.5).
pub fn unit_cone(segments: u32) -> Mesh {
    let mut m = Mesh::default();
    for i in 0..segments {
        let a0 = i as f32 / segments as f32 * std::f32::consts::TAU;
        let a1 = (i + 1) as f32 / segments as f32 * std::f32::consts::TAU;
        let a = Vec3::new(a0.cos() * 0.5, -0.5, -a0.sin() * 0.5);
        let b = Vec3::new(a1.cos() * 0.5, -0.5, -a1.sin() * 0.5);
        let apex = Vec3::Y * 0.5;
        // smooth sides: the slant's normal at each base corner (radius 0.5
        // over height 1: outward 1, up 0.5), the face's own at the apex,
        // where the round surface has no single normal
        let slant = |c: Vec3| Vec3::new(2.0 * c.x, 0.5, 2.0 * c.z).normalize();
        let base = m.vertices.len() as u32;
        let face = (b - a).cross(apex - a).normalize();
        for (p, n) in [(a, slant(a)), (b, slant(b)), (apex, face)] {
            m.vertices.push(Vertex {
                position: p.to_array(),
                normal: n.to_array(),
            });
        }
        m.indices.extend_from_slice(&[base, base + 1, base + 2]);
        let base = m.vertices.len() as u32;
        for p in [-Vec3::Y * 0.5, a, b] {
            m.vertices.push(Vertex {
                position: p.to_array(),
                normal: (-Vec3::Y).to_array(),
            });
        }
        m.indices.extend_from_slice(&[base, base + 2, base + 1]);
    }
    m
}

/// A ribbon between two polylines of equal length (`left[i]`, `right[i]`
/// across the strip), facing up.
pub fn strip(left: &[Vec3], right: &[Vec3]) -> Mesh {
    let mut m = Mesh::default();
    for i in 0..left.len().saturating_sub(1) {
        let (l0, l1, r0, r1) = (left[i], left[i + 1], right[i], right[i + 1]);
        let n = (r1 - r0).cross(l0 - r0).normalize_or(Vec3::Y);
        let n = if n.y < 0.0 { -n } else { n };
        // order so the face is counter-clockwise seen from above
        let quad = [r0, r1, l1, l0];
        let winding = (quad[1] - quad[0]).cross(quad[2] - quad[0]);
        if winding.dot(n) >= 0.0 {
            m.push_quad(quad, n);
        } else {
            m.push_quad([l0, l1, r1, r0], n);
        }
    }
    m
}

/// A vertical wall between two polylines (bottom edge, same edge raised by
/// `height`), facing `side` (+1: towards the left of travel, -1: right).
pub fn wall(edge: &[Vec3], height: f32, facing: &[Vec3]) -> Mesh {
    let mut m = Mesh::default();
    for i in 0..edge.len().saturating_sub(1) {
        let (a, b) = (edge[i], edge[i + 1]);
        let n = facing[i].normalize_or(Vec3::X);
        let up = Vec3::Y * height;
        let quad = [a, b, b + up, a + up];
        let winding = (quad[1] - quad[0]).cross(quad[2] - quad[0]);
        if winding.dot(n) >= 0.0 {
            m.push_quad(quad, n);
        } else {
            m.push_quad([b, a, a + up, b + up], n);
        }
    }
    m
}

#[cfg(test)]
mod tests;
