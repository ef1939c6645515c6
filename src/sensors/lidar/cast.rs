//! Casting a beam against the scene's geometry where a depth view alone
//! cannot say: the parts near the sensor (indexed once per sweep), moving-
//! sensor casts marched through the views, ambiguous silhouette pixels
//! resolved against the parts' triangles, and thing returns kept inside
//! their boxes.

use super::*;

/// Ray from `origin` along unit `dir` against triangle (a, b, c)
/// (Moller-Trumbore): distance and the triangle's unit normal.
pub(super) fn ray_triangle(
    origin: DVec3,
    dir: DVec3,
    a: DVec3,
    b: DVec3,
    c: DVec3,
) -> Option<(f64, DVec3)> {
    let (e1, e2) = (b - a, c - a);
    let p = dir.cross(e2);
    let det = e1.dot(p);
    if det.abs() < 1e-12 {
        return None;
    }
    let inv = 1.0 / det;
    let s = origin - a;
    let u = s.dot(p) * inv;
    if !(0.0..=1.0).contains(&u) {
        return None;
    }
    let q = s.cross(e1);
    let v = dir.dot(q) * inv;
    if v < 0.0 || u + v > 1.0 {
        return None;
    }
    let t = e2.dot(q) * inv;
    (t > 0.0).then(|| (t, e1.cross(e2).normalize_or_zero()))
}

pub(super) fn primitive_meshes() -> &'static std::collections::BTreeMap<Primitive, Mesh> {
    static MESHES: std::sync::OnceLock<std::collections::BTreeMap<Primitive, Mesh>> =
        std::sync::OnceLock::new();
    MESHES.get_or_init(|| {
        Primitive::ALL
            .iter()
            .map(|p| (*p, crate::core::mesh::primitive_mesh(*p)))
            .collect()
    })
}

/// Largest distance of a unit primitive's vertices from its origin.
pub(super) fn primitive_radius(p: Primitive) -> f64 {
    static RADII: std::sync::OnceLock<std::collections::BTreeMap<Primitive, f64>> =
        std::sync::OnceLock::new();
    RADII.get_or_init(|| {
        primitive_meshes()
            .iter()
            .map(|(p, m)| {
                let r = m
                    .positions()
                    .map(|v| v.as_dvec3().length())
                    .fold(0.0, f64::max);
                (*p, r * (1.0 + 1e-9))
            })
            .collect()
    })[&p]
}

/// Axis-aligned bounds (min, max) of a unit primitive's vertices.
pub(super) fn primitive_bounds(p: Primitive) -> (DVec3, DVec3) {
    static BOUNDS: std::sync::OnceLock<std::collections::BTreeMap<Primitive, (DVec3, DVec3)>> =
        std::sync::OnceLock::new();
    BOUNDS.get_or_init(|| {
        primitive_meshes()
            .iter()
            .map(|(p, m)| {
                let (lo, hi) = m.positions().fold(
                    (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN)),
                    |(lo, hi), v| (lo.min(v.as_dvec3()), hi.max(v.as_dvec3())),
                );
                (*p, (lo, hi))
            })
            .collect()
    })[&p]
}

/// Where the ray `origin + t dir` crosses the box [lo, hi]: (t entering and
/// the axis of the face it enters through, t leaving and the axis of the
/// face it leaves through); None when it misses (slab test).
pub(super) fn ray_box(
    origin: DVec3,
    dir: DVec3,
    lo: DVec3,
    hi: DVec3,
) -> Option<[(f64, usize); 2]> {
    let (mut t_in, mut in_axis, mut t_out, mut out_axis) = (f64::MIN, 0, f64::MAX, 0);
    for i in 0..3 {
        let inv = 1.0 / dir[i];
        let (a, b) = ((lo[i] - origin[i]) * inv, (hi[i] - origin[i]) * inv);
        let (near, far) = if a <= b { (a, b) } else { (b, a) };
        // a ray parallel to a slab and outside it gives NaN or an empty span
        if near.is_nan() || far.is_nan() {
            if origin[i] < lo[i] || origin[i] > hi[i] {
                return None;
            }
            continue;
        }
        if near > t_in {
            (t_in, in_axis) = (near, i);
        }
        if far < t_out {
            (t_out, out_axis) = (far, i);
        }
    }
    (t_in <= t_out && t_out > 0.0).then_some([(t_in, in_axis), (t_out, out_axis)])
}

/// A drawn part's exact shape for ray casts: its world <- local matrix
/// inverse (to test the ray against the unit primitive's box first) and,
/// except for cubes (their box is exact), its world-space triangles.
pub(super) struct PartShape {
    pub(super) local_from_world: glam::DMat4,
    pub(super) bounds: (DVec3, DVec3),
    pub(super) is_box: bool,
    pub(super) triangles: Vec<[DVec3; 3]>,
}

/// The drawn parts by label value, and their shapes, built lazily: only
/// silhouette beams need them.
pub(super) struct PartIndex<'a> {
    pub(super) instances: &'a [DrawInstance],
    /// Per label: the parts that carry it and that a beam can reach, with
    /// their world bounding spheres (centre, radius in metres).
    pub(super) by_label: std::collections::HashMap<u32, Vec<(usize, DVec3, f64)>>,
    pub(super) shapes: Vec<std::sync::OnceLock<PartShape>>,
}

impl<'a> PartIndex<'a> {
    /// Parts whose bounding sphere lies wholly beyond `reach_m` of `origin`
    /// (the sensor's range plus how far it moves in a sweep) are left out.
    pub(super) fn new(instances: &'a [DrawInstance], origin: DVec3, reach_m: f64) -> PartIndex<'a> {
        let mut by_label: std::collections::HashMap<u32, Vec<(usize, DVec3, f64)>> =
            std::collections::HashMap::new();
        for (i, inst) in instances.iter().enumerate() {
            let m = inst.model.as_dmat4();
            let centre = m.w_axis.truncate();
            // a bound on the largest stretch of the model matrix
            let scale = (m.x_axis.truncate().length_squared()
                + m.y_axis.truncate().length_squared()
                + m.z_axis.truncate().length_squared())
            .sqrt();
            let radius = primitive_radius(inst.primitive) * scale;
            if centre.distance(origin) - radius > reach_m {
                continue;
            }
            let label = crate::core::classes::label_value(inst.class_id, inst.instance_id);
            by_label.entry(label).or_default().push((i, centre, radius));
        }
        PartIndex {
            instances,
            by_label,
            shapes: (0..instances.len())
                .map(|_| std::sync::OnceLock::new())
                .collect(),
        }
    }

    pub(super) fn has_parts(&self, label: u32) -> bool {
        self.by_label.contains_key(&label)
    }

    pub(super) fn shape(&self, i: usize) -> &PartShape {
        self.shapes[i].get_or_init(|| {
            let inst = &self.instances[i];
            let m = inst.model.as_dmat4();
            let local_from_world = m.inverse();
            // a degenerate (flat) part has no usable inverse: triangles only
            let invertible = local_from_world.is_finite();
            let is_box = invertible && inst.primitive == Primitive::Cube;
            let mesh = &primitive_meshes()[&inst.primitive];
            let triangles = if is_box {
                Vec::new()
            } else {
                let pos: Vec<DVec3> = mesh
                    .positions()
                    .map(|p| m.transform_point3(p.as_dvec3()))
                    .collect();
                mesh.indices
                    .chunks_exact(3)
                    .map(|t| [pos[t[0] as usize], pos[t[1] as usize], pos[t[2] as usize]])
                    .collect()
            };
            let bounds = if invertible {
                primitive_bounds(inst.primitive)
            } else {
                (DVec3::splat(f64::MIN), DVec3::splat(f64::MAX))
            };
            PartShape {
                local_from_world: if invertible {
                    local_from_world
                } else {
                    glam::DMat4::IDENTITY
                },
                bounds,
                is_box,
                triangles,
            }
        })
    }

    /// Exact nearest hit of a world ray on the parts that carry `label`. The
    /// stuff labels hold every building or tree in reach: most parts are far
    /// off the ray and skipped by their bounding sphere without touching
    /// their triangles.
    pub(super) fn ray(&self, label: u32, origin: DVec3, dir: DVec3) -> Option<(f64, DVec3)> {
        let mut best: Option<(f64, DVec3)> = None;
        for &(i, centre, radius_m) in self.by_label.get(&label).into_iter().flatten() {
            let to_centre = centre - origin;
            let along = to_centre.dot(dir);
            if along < -radius_m || (to_centre - dir * along).length_squared() > radius_m * radius_m
            {
                continue;
            }
            let shape = self.shape(i);
            // the ray in the unit primitive's frame has the same t (the
            // direction is mapped without renormalising)
            let local_origin = shape.local_from_world.transform_point3(origin);
            let local_dir = shape.local_from_world.transform_vector3(dir);
            let Some([enter, leave]) =
                ray_box(local_origin, local_dir, shape.bounds.0, shape.bounds.1)
            else {
                continue;
            };
            if best.is_some_and(|b| enter.0 >= b.0) {
                continue;
            }
            if shape.is_box {
                // the face it enters through, or leaves through for a ray
                // that starts inside (as the triangles would give)
                let (t, face_axis) = if enter.0 > 0.0 { enter } else { leave };
                // world normal of a local axis: the inverse-transpose of the model
                let mut n_local = DVec3::ZERO;
                n_local[face_axis] = 1.0;
                let n = shape
                    .local_from_world
                    .transpose()
                    .transform_vector3(n_local)
                    .normalize_or_zero();
                if best.is_none_or(|b| t < b.0) {
                    best = Some((t, n));
                }
                continue;
            }
            for [a, b, c] in &shape.triangles {
                if let Some(hit) = ray_triangle(origin, dir, *a, *b, *c)
                    && best.is_none_or(|bb| hit.0 < bb.0)
                {
                    best = Some(hit);
                }
            }
        }
        best
    }
}

/// How far outside its object's box a return read from the views may lie
/// before it is re-cast against the object's exact parts, metres.
pub(super) const BOX_SLACK_M: f64 = 0.005;

/// People and bicycles: limbs and tubes a few centimetres across, curved,
/// narrower than the views' pixels at range, so a plane read from the
/// pixels can miss them by centimetres. Their returns are always cast
/// against their posed triangles (few beams: they are small).
fn cast_exactly(label: u32) -> bool {
    use crate::core::classes::Class;
    let class_id = label / 1000;
    [Class::Person, Class::Rider, Class::Bicycle]
        .iter()
        .any(|c| c.id() as u32 == class_id)
}

/// A plane read from the views can run past an object's edge (a truck's cab
/// and box sides are one plane in the pixels, with a gap between them the
/// pixels cannot show): a return on a thing that falls outside the thing's
/// box is cast again against its exact parts, and dropped if that misses.
/// `origin`/`dir` are the beam in the frame-time sensor frame.
pub(super) fn confine_to_box(
    hit: BeamHit,
    boxes: &std::collections::HashMap<u32, (Pose, DVec3)>,
    parts: &PartIndex,
    world_from_sensor: &Pose,
    origin: DVec3,
    dir: DVec3,
) -> Option<BeamHit> {
    let Some((box_from_world, half)) = boxes.get(&hit.label) else {
        return Some(hit);
    };
    let at = world_from_sensor.transform_point(origin + dir * hit.range_m);
    let outside = (box_from_world.transform_point(at).abs() - *half).max_element();
    if (outside <= BOX_SLACK_M && !cast_exactly(hit.label)) || !parts.has_parts(hit.label) {
        return Some(hit);
    }
    let dir_world = world_from_sensor.transform_vector(dir);
    parts
        .ray(
            hit.label,
            world_from_sensor.transform_point(origin),
            dir_world,
        )
        .map(|(t, n)| BeamHit {
            range_m: t,
            label: hit.label,
            cos_incidence: n.dot(dir_world).abs(),
        })
}

/// The hit of the ray `origin + s dir` (sensor frame at the sweep start, unit
/// `dir`) on a surface's plane.
pub(super) fn along_plane(surface: &SurfaceHit, origin: DVec3, dir: DVec3) -> Option<BeamHit> {
    surface
        .range_along(origin, dir)
        .map(|r| surface.beam_hit(r, dir))
}

/// Resolve a silhouette beam fired from `origin` along `dir` (sensor frame at
/// the sweep start) from the candidate surfaces its pixels gave. Things and props are cast against exactly; of the
/// static surfaces (road, paint, sidewalk, terrain: planes only known from
/// pixels), the one whose pixels are closest to the beam stands in. The
/// nearest of those hits wins.
pub(super) fn resolve(
    silhouette: &Silhouette,
    view: &DepthView,
    parts: &PartIndex,
    world_from_sensor: &Pose,
    (origin, dir): (DVec3, DVec3),
) -> Option<BeamHit> {
    let origin_world = world_from_sensor.transform_point(origin);
    let dir_world = world_from_sensor.transform_vector(dir);
    let window = silhouette.window(view);
    let exact = window
        .labels()
        .filter(|l| parts.has_parts(*l))
        .filter_map(|l| {
            parts.ray(l, origin_world, dir_world).map(|(t, n)| BeamHit {
                range_m: t,
                label: l,
                cos_incidence: n.dot(dir_world).abs(),
            })
        });
    // static surfaces by how near their pixels come to the beam (stable:
    // window order breaks ties); the first that fits a plane stands in
    let mut surfaces = [(0.0, 0u32); 16];
    let mut count = 0;
    for l in window.labels().filter(|l| !parts.has_parts(*l)) {
        surfaces[count] = (window.nearest_px(l), l);
        count += 1;
    }
    let surfaces = &mut surfaces[..count];
    surfaces.sort_by(|a, b| a.0.total_cmp(&b.0));
    let surface = surfaces
        .iter()
        .find_map(|&(_, l)| window.plane(view, l))
        .and_then(|p| along_plane(&p, origin, dir));
    exact
        .chain(surface)
        .min_by(|a, b| a.range_m.total_cmp(&b.range_m))
}

/// A ring's last two ranges (one and two columns earlier), from which the
/// next column's beam gets its first estimate.
#[derive(Clone, Copy, Default)]
pub(super) struct WarmRanges {
    pub(super) last_m: Option<f64>,
    pub(super) before_m: Option<f64>,
}

impl WarmRanges {
    /// The last range, extrapolated along the two last columns when both hit
    /// (a surface's range changes smoothly with azimuth, so this is usually
    /// within millimetres); None after a miss.
    pub(super) fn estimate_m(&self) -> Option<f64> {
        let last = self.last_m?;
        match self.before_m {
            Some(before) if (last - before).abs() < 0.05 * last => Some(2.0 * last - before),
            _ => Some(last),
        }
    }

    pub(super) fn push(&mut self, range_m: Option<f64>) {
        self.before_m = self.last_m;
        self.last_m = range_m;
    }
}

/// The first step of a moving beam's cast (see `cast_moving`), taken for a
/// whole column at once: its direction (sensor frame at the sweep start), the
/// point it looks at from the render origin (its warm estimate, else its
/// direction), the view that holds that, where it lands in the image (None:
/// outside it), what the pixels there say, and the hit when that settles it
/// at once (the common case; see `cast_moving`).
pub(super) struct FirstLook {
    pub(super) dir: DVec3,
    pub(super) look: DVec3,
    pub(super) view: usize,
    pub(super) uv: Option<glam::DVec2>,
    pub(super) cast: Cast,
    pub(super) settled: Option<BeamHit>,
}

/// First looks for every beam of a column fired from `origin` with the
/// sensor turned by `rotation`, in passes over the column (project, read
/// the pixels, settle): independent beams side by side let the CPU overlap
/// their divisions and pixel loads, which one beam at a time wait on in turn.
pub(super) fn first_looks(
    views: &[DepthView],
    beams: &[Beam],
    (origin, rotation): (DVec3, glam::DMat3),
    warm: &[WarmRanges],
    out: &mut Vec<FirstLook>,
) {
    out.clear();
    out.extend(beams.iter().zip(warm).map(|(beam, warm)| {
        let dir = rotation * beam.dir_sensor;
        let look = warm.estimate_m().map_or(dir, |r| origin + dir * r);
        let view = view_of_direction(look);
        FirstLook {
            dir,
            look,
            view,
            uv: views[view].project(look),
            cast: Cast::Miss,
            settled: None,
        }
    }));
    for first in out.iter_mut() {
        if let Some(uv) = first.uv {
            first.cast = views[first.view].cast_pixel(uv);
        }
    }
    for first in out.iter_mut() {
        if let (Some(uv), Cast::Hit(surface)) = (first.uv, &first.cast)
            && surface.interior
            && let Some(range_m) = surface.range_along(origin, first.dir)
        {
            let next = origin + first.dir * range_m;
            if on_surface_without_projection(views, first.view, surface, (first.look, uv), next) {
                first.settled = Some(surface.beam_hit(range_m, first.dir));
            }
        }
    }
}

/// Whether the hit point `next` on `surface` (cast in view `view` at `uv`,
/// looking at `look`) is surely on it without projecting `next`: the
/// surface fills the pixels around the beam and `next` lands within a pixel
/// of it in the same view (see `DepthView::surely_within_a_pixel`).
pub(super) fn on_surface_without_projection(
    views: &[DepthView],
    view: usize,
    surface: &SurfaceHit,
    (look, uv): (DVec3, glam::DVec2),
    next: DVec3,
) -> bool {
    surface.interior
        && view_of_direction(next) == view
        && views[view].surely_within_a_pixel(look, uv, next)
}

/// Screen-space casts settle a beam from a moved origin in this many steps
/// at most (two on any plane: the second confirms the first).
pub(super) const MOTION_STEPS: usize = 4;

/// A beam fired from `origin` along unit `first.dir` (sensor frame at the
/// sweep start, where the views were rendered). Fixed point: cast the
/// direction from the render origin to the current estimate, intersect the
/// moved ray with the plane found there, repeat until the hit lands within a
/// pixel of where the plane was fitted, on the same surface, or the range
/// stops changing. Exact on planes; silhouettes go to the exact geometry.
/// The first estimate is the same ring's range one column earlier, and the
/// first step is already taken (see `first_looks`). (Look directions stay
/// unnormalised: projections ignore length.)
pub(super) fn cast_moving(
    views: &[DepthView],
    parts: &PartIndex,
    world_from_sensor: &Pose,
    origin: DVec3,
    first: &mut FirstLook,
) -> Option<BeamHit> {
    if first.settled.is_some() {
        return first.settled;
    }
    let (dir, mut look, mut view) = (first.dir, first.look, first.view);
    let mut cast = std::mem::replace(&mut first.cast, Cast::Miss);
    let mut uv = first.uv?;
    let mut previous: Option<f64> = None;
    for step in 0..MOTION_STEPS {
        if step > 0 {
            view = view_of_direction(look);
            uv = views[view].project(look)?;
            cast = views[view].cast_pixel(uv);
        }
        let v = &views[view];
        let surface = match cast {
            Cast::Miss => return None,
            Cast::Hit(s) => s,
            Cast::Ambiguous(silhouette) => {
                return resolve(&silhouette, v, parts, world_from_sensor, (origin, dir));
            }
        };
        let range_m = surface.range_along(origin, dir)?;
        if previous.is_some_and(|r| (r - range_m).abs() < 1e-4) {
            return Some(surface.beam_hit(range_m, dir));
        }
        let next = origin + dir * range_m;
        // the plane was fitted on the pixels around `uv`: a hit within a pixel
        // of it, on the same label, is on the surface (most beams: a hit so
        // near the estimate, on a surface that fills the pixels around the
        // beam, that it needs no projection to know; for the first step
        // `first_looks` already asked)
        if step > 0 && on_surface_without_projection(views, view, &surface, (look, uv), next) {
            return Some(surface.beam_hit(range_m, dir));
        }
        if view_of_direction(next) == view
            && let Some(uv_next) = v.project(next)
            && (uv_next - uv).abs().max_element() < 1.0
            && v.label_near(uv_next) == Some(surface.label)
        {
            return Some(surface.beam_hit(range_m, dir));
        }
        previous = Some(range_m);
        look = next;
    }
    None
}
