//! Spinning LiDAR on the camera pipeline: each LiDAR renders four 90-degree
//! label+depth views (no shading) in the same frame-tagged submission as the
//! cameras; each beam is then cast into its view (core::lidar::DepthView),
//! and the weather decides which returns survive.

use crate::core::camera::{Intrinsics, NEAR_M};
use crate::core::classes::{Class, split_label_value};
use crate::core::frames::{Pose, camera_pose_from_body, ctrv_delta, mount_rotation, sensor_pose};
use crate::core::lidar::{
    BeamHit, BeamTable, Cast, DepthView, LidarPoint, Silhouette, SurfaceHit, volume_echo,
};
use crate::core::mesh::Mesh;
use crate::core::mesh::Primitive;
use crate::core::rng::Stream;
use crate::scenario::{LidarSpec, beam_table};
use crate::snapshot::CameraInfo;
use crate::snapshot::DrawInstance;
use crate::snapshot::image::CameraImage;
use crate::snapshot::lidar::{Beam, LidarInfo};
use crate::weather::Atmosphere;
use glam::{DMat3, DQuat, DVec3};

/// Views per LiDAR, each 90 degrees of azimuth.
pub const VIEWS: usize = 4;
/// A 10% reflective target head-on is detected up to max range in clear air.
const REFERENCE_REFLECTIVITY: f64 = 0.1;
/// Fog backscatter: a beam is answered by the fog itself with probability
/// 1 - exp(-extinction * this length).
const BACKSCATTER_LENGTH_M: f64 = 1.0;
/// Intensity of a fog echo (weak, diffuse).
const BACKSCATTER_INTENSITY: f32 = 0.02;

/// Surface reflectivity seen by a 905 nm LiDAR, per class (0..1): paint and
/// signs are retro-reflective, asphalt is dark. A water film on the ground
/// mirrors the beam away: a soaked road returns half as much. Lying snow
/// is bright (0.8).
pub fn reflectivity(class_id: u32, road_wetness: f64, snow_cover: f64) -> f64 {
    let class = Class::from_id(class_id as u8);
    let wet = matches!(
        class,
        Some(Class::Road) | Some(Class::LaneMarking) | Some(Class::Sidewalk)
    );
    let dry = match class {
        Some(Class::LaneMarking) => 0.6,
        Some(Class::TrafficSign) => 0.9,
        Some(Class::Road) => 0.1,
        Some(Class::Sidewalk) => 0.25,
        Some(Class::Vegetation) => 0.45,
        Some(Class::Terrain) => 0.3,
        Some(Class::Person) => 0.25,
        Some(Class::Car) | Some(Class::Truck) => 0.3,
        _ => 0.3,
    };
    let snowy = matches!(
        class,
        Some(Class::Sidewalk) | Some(Class::Vegetation) | Some(Class::Terrain)
    );
    let base = if snowy {
        dry + (SNOW_REFLECTIVITY - dry) * snow_cover
    } else {
        dry
    };
    if wet {
        base * (1.0 - 0.5 * road_wetness)
    } else {
        base
    }
}

/// Lying snow at 905 nm.
const SNOW_REFLECTIVITY: f64 = 0.8;

/// Intrinsics of one 90-degree view that holds every beam of `table`.
fn view_intrinsics(table: &BeamTable) -> Intrinsics {
    let width = (table.columns / 4).max(64);
    let f = width as f64 / 2.0;
    // at the view's edge (45 degrees off axis) elevation e lands at f tan(e) / cos(45)
    let reach = |e: f64| {
        (f * e.tan() / std::f64::consts::FRAC_1_SQRT_2)
            .max(0.0)
            .ceil() as u32
            + 2
    };
    let max_e = table
        .elevations_rad
        .iter()
        .cloned()
        .fold(f64::MIN, f64::max);
    let min_e = table
        .elevations_rad
        .iter()
        .cloned()
        .fold(f64::MAX, f64::min);
    let (top, bottom) = (reach(max_e), reach(-min_e));
    Intrinsics {
        width,
        height: top + bottom,
        fx: f,
        fy: f,
        cx: f,
        cy: top as f64,
    }
}

pub fn lidar_info(spec: &LidarSpec) -> LidarInfo {
    let table = beam_table(spec);
    let m = &spec.mount;
    let position = DVec3::new(m.x_m, m.y_m, m.z_m);
    let body = mount_rotation(
        m.roll_deg.to_radians(),
        m.pitch_deg.to_radians(),
        m.yaw_deg.to_radians(),
    );
    let k = view_intrinsics(&table);
    // OpenCV camera axes from a body frame: x = -y_body, y = -z_body, z = x_body
    let cv_from_body = DMat3::from_cols(
        DVec3::new(0.0, 0.0, 1.0),
        DVec3::new(-1.0, 0.0, 0.0),
        DVec3::new(0.0, -1.0, 0.0),
    );
    let mut views = Vec::new();
    let mut cv_from_sensor = Vec::new();
    for v in 0..VIEWS {
        let alpha = v as f64 * std::f64::consts::FRAC_PI_2;
        views.push(CameraInfo {
            name: format!("{}-view{v}", spec.name),
            intrinsics: k,
            ego_from_camera: camera_pose_from_body(position, body * DMat3::from_rotation_z(alpha)),
        });
        cv_from_sensor.push(Pose::new(
            DQuat::from_mat3(&(cv_from_body * DMat3::from_rotation_z(-alpha))),
            DVec3::ZERO,
        ));
    }
    let mut beams = Vec::with_capacity((table.columns * table.channels()) as usize);
    for column in 0..table.columns {
        let view = view_of(table.azimuth_rad(column));
        for ring in 0..table.channels() {
            let dir_sensor = table.direction(ring, column);
            let pixel = crate::core::lidar::project_beam(&k, &cv_from_sensor[view], dir_sensor);
            beams.push(Beam {
                dir_sensor,
                view,
                pixel,
            });
        }
    }
    LidarInfo {
        name: spec.name.clone(),
        beams,
        motion_compensated: spec.motion_compensated,
        table,
        ego_from_sensor: sensor_pose(position, body),
        views,
        cv_from_sensor,
        noise_std_m: spec.noise_std_m,
        dropout: spec.dropout,
    }
}

/// The view whose 90 degrees of azimuth hold a sensor-frame direction
/// (as `view_of` its azimuth, without the arctangent).
fn view_of_direction(d: DVec3) -> usize {
    if d.x.abs() >= d.y.abs() {
        if d.x >= 0.0 { 0 } else { 2 }
    } else if d.y >= 0.0 {
        1
    } else {
        3
    }
}

/// The view whose 90 degrees of azimuth hold `azimuth_rad`.
pub fn view_of(azimuth_rad: f64) -> usize {
    ((azimuth_rad / std::f64::consts::FRAC_PI_2).round() as i64).rem_euclid(VIEWS as i64) as usize
}

/// Ray from `origin` along unit `dir` against triangle (a, b, c)
/// (Moller-Trumbore): distance and the triangle's unit normal.
fn ray_triangle(origin: DVec3, dir: DVec3, a: DVec3, b: DVec3, c: DVec3) -> Option<(f64, DVec3)> {
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

fn primitive_meshes() -> &'static std::collections::BTreeMap<Primitive, Mesh> {
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
fn primitive_radius(p: Primitive) -> f64 {
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
fn primitive_bounds(p: Primitive) -> (DVec3, DVec3) {
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
fn ray_box(origin: DVec3, dir: DVec3, lo: DVec3, hi: DVec3) -> Option<[(f64, usize); 2]> {
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
struct PartShape {
    local_from_world: glam::DMat4,
    bounds: (DVec3, DVec3),
    is_box: bool,
    triangles: Vec<[DVec3; 3]>,
}

/// The drawn parts by label value, and their shapes, built lazily: only
/// silhouette beams need them.
struct PartIndex<'a> {
    instances: &'a [DrawInstance],
    /// Per label: the parts that carry it and that a beam can reach, with
    /// their world bounding spheres (centre, radius in metres).
    by_label: std::collections::HashMap<u32, Vec<(usize, DVec3, f64)>>,
    shapes: Vec<std::sync::OnceLock<PartShape>>,
}

impl<'a> PartIndex<'a> {
    /// Parts whose bounding sphere lies wholly beyond `reach_m` of `origin`
    /// (the sensor's range plus how far it moves in a sweep) are left out.
    fn new(instances: &'a [DrawInstance], origin: DVec3, reach_m: f64) -> PartIndex<'a> {
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

    fn has_parts(&self, label: u32) -> bool {
        self.by_label.contains_key(&label)
    }

    fn shape(&self, i: usize) -> &PartShape {
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
    fn ray(&self, label: u32, origin: DVec3, dir: DVec3) -> Option<(f64, DVec3)> {
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

/// Where the sweep is and what is in the world, for beams the pixels cannot settle.
pub struct SweepGeometry<'a> {
    /// The sensor at the sweep start, when the views were rendered.
    pub world_from_sensor: Pose,
    pub instances: &'a [DrawInstance],
    /// The labeled objects, whose boxes hold every return on them.
    pub objects: &'a [crate::snapshot::LabeledObject],
    /// Ego motion during the sweep (constant speed and yaw rate).
    pub ego_speed_mps: f64,
    pub ego_yaw_rate_rad_s: f64,
}

/// How far outside its object's box a return read from the views may lie
/// before it is re-cast against the object's exact parts, metres.
const BOX_SLACK_M: f64 = 0.005;

/// A plane read from the views can run past an object's edge (a truck's cab
/// and box sides are one plane in the pixels, with a gap between them the
/// pixels cannot show): a return on a thing that falls outside the thing's
/// box is cast again against its exact parts, and dropped if that misses.
/// `origin`/`dir` are the beam in the frame-time sensor frame.
fn confine_to_box(
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
    if outside <= BOX_SLACK_M || !parts.has_parts(hit.label) {
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
fn along_plane(surface: &SurfaceHit, origin: DVec3, dir: DVec3) -> Option<BeamHit> {
    surface
        .range_along(origin, dir)
        .map(|r| surface.beam_hit(r, dir))
}

/// Resolve a silhouette beam fired from `origin` along `dir` (sensor frame at
/// the sweep start) from the candidate surfaces its pixels gave. Things and props are cast against exactly; of the
/// static surfaces (road, paint, sidewalk, terrain: planes only known from
/// pixels), the one whose pixels are closest to the beam stands in. The
/// nearest of those hits wins.
fn resolve(
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
struct WarmRanges {
    last_m: Option<f64>,
    before_m: Option<f64>,
}

impl WarmRanges {
    /// The last range, extrapolated along the two last columns when both hit
    /// (a surface's range changes smoothly with azimuth, so this is usually
    /// within millimetres); None after a miss.
    fn estimate_m(&self) -> Option<f64> {
        let last = self.last_m?;
        match self.before_m {
            Some(before) if (last - before).abs() < 0.05 * last => Some(2.0 * last - before),
            _ => Some(last),
        }
    }

    fn push(&mut self, range_m: Option<f64>) {
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
struct FirstLook {
    dir: DVec3,
    look: DVec3,
    view: usize,
    uv: Option<glam::DVec2>,
    cast: Cast,
    settled: Option<BeamHit>,
}

/// First looks for every beam of a column fired from `origin` with the
/// sensor turned by `rotation`, in passes over the column (project, read
/// the pixels, settle): independent beams side by side let the CPU overlap
/// their divisions and pixel loads, which one beam at a time wait on in turn.
fn first_looks(
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
fn on_surface_without_projection(
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
const MOTION_STEPS: usize = 4;

/// A beam fired from `origin` along unit `first.dir` (sensor frame at the
/// sweep start, where the views were rendered). Fixed point: cast the
/// direction from the render origin to the current estimate, intersect the
/// moved ray with the plane found there, repeat until the hit lands within a
/// pixel of where the plane was fitted, on the same surface, or the range
/// stops changing. Exact on planes; silhouettes go to the exact geometry.
/// The first estimate is the same ring's range one column earlier, and the
/// first step is already taken (see `first_looks`). (Look directions stay
/// unnormalised: projections ignore length.)
fn cast_moving(
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

/// One sweep from the four rendered views. The atmosphere attenuates the
/// two-way path and adds fog, rain and snow echoes; `seed`/`frame` key the
/// noise, dropout and echo draws.
pub fn sweep(
    info: &LidarInfo,
    views: &[CameraImage],
    geometry: &SweepGeometry,
    atmosphere: &Atmosphere,
    seed: u64,
    frame: u64,
) -> Vec<LidarPoint> {
    let t = &info.table;
    let extinction_per_m = atmosphere.extinction_per_m();
    let fog_per_m = atmosphere.fog_extinction_per_m;
    // chance that a beam is answered by fog backscatter near the sensor
    let fog_echo_chance = 1.0 - (-fog_per_m * BACKSCATTER_LENGTH_M).exp();
    let depth_views: Vec<DepthView> = views
        .iter()
        .zip(&info.views)
        .zip(&info.cv_from_sensor)
        .map(|((img, v), cv)| {
            DepthView::new(v.intrinsics, *cv, img.labels(), img.near_over_z(), NEAR_M)
        })
        .collect();
    // how far the sensor can move during the sweep, with margin
    let travel_m = (geometry.ego_speed_mps.abs() / t.rotation_hz) * 1.5 + 1.0;
    let parts = PartIndex::new(
        geometry.instances,
        geometry.world_from_sensor.translation,
        t.max_range_m + travel_m,
    );
    let threshold = REFERENCE_REFLECTIVITY / (t.max_range_m * t.max_range_m);
    let moving = geometry.ego_speed_mps != 0.0 || geometry.ego_yaw_rate_rad_s != 0.0;
    let sensor_from_ego = info.ego_from_sensor.inverse();
    // each thing's box, as (box frame <- world, half size), by label
    let boxes: std::collections::HashMap<u32, (Pose, DVec3)> = geometry
        .objects
        .iter()
        .map(|o| {
            let b = &o.box3;
            let half = DVec3::new(b.length_m, b.height_m, b.width_m) / 2.0;
            (o.instance_id, (b.pose().inverse(), half))
        })
        .collect();
    let name_key = Stream::name_key(seed, &format!("lidar:{}", info.name));
    // chunks of columns in parallel; each column's noise and dropout come
    // from its own counter-based stream, and chunks are concatenated in order,
    // so the sweep is the same whatever the thread count. Within a chunk each
    // ring's last range seeds the next column's moving-ego cast.
    use rayon::prelude::*;
    let column_ids: Vec<u32> = (0..t.columns).collect();
    let fire_column = |column: u32,
                       warm: &mut [WarmRanges],
                       firsts: &mut Vec<FirstLook>,
                       out: &mut Vec<LidarPoint>| {
        let mut rng = Stream::keyed(name_key, frame * t.columns as u64 + column as u64);
        let time_s = t.firing_time_s(column);
        // the sensor at this column's firing time, in its frame-time frame:
        // its position and (as a matrix: it turns every beam of the column)
        // its rotation
        let motion = moving.then(|| {
            let m = sensor_from_ego
                .mul(&ctrv_delta(
                    geometry.ego_speed_mps,
                    geometry.ego_yaw_rate_rad_s,
                    time_s,
                ))
                .mul(&info.ego_from_sensor);
            (m.translation, glam::DMat3::from_quat(m.rotation))
        });
        // a point measured in the sensor frame at its firing time goes to the
        // frame-time sensor frame (motion-compensated) or stays as the raw
        // sensor reports it
        let place = |p: DVec3| match motion {
            Some((origin, rotation)) if info.motion_compensated => rotation * p + origin,
            _ => p,
        };
        let beams =
            &info.beams[(column * t.channels()) as usize..((column + 1) * t.channels()) as usize];
        if let Some(motion) = motion {
            first_looks(&depth_views, beams, motion, warm, firsts);
        }
        for (ring, beam) in (0..t.channels()).zip(beams) {
            let noise = if info.noise_std_m > 0.0 {
                // Box-Muller, drawn in ring order
                let (u1, u2) = (rng.next_f64().max(f64::MIN_POSITIVE), rng.next_f64());
                info.noise_std_m * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            } else {
                0.0
            };
            let dropped = info.dropout > 0.0 && rng.next_f64() < info.dropout;
            // a fog echo near the sensor: first-return mode keeps it when it is
            // nearer than the surface (two draws per beam whenever there is fog)
            let fog_echo = (fog_per_m > 0.0)
                .then(|| {
                    let (u, v) = (rng.next_f64(), rng.next_f64().max(f64::MIN_POSITIVE));
                    let hit = u < fog_echo_chance;
                    hit.then(|| t.min_range_m - v.ln() / (2.0 * fog_per_m))
                })
                .flatten()
                .filter(|r| *r <= t.max_range_m)
                .map(|r| (r, BACKSCATTER_INTENSITY));
            // drops and flakes near the sensor (two draws per kind present)
            let echo = atmosphere
                .echoes
                .iter()
                .filter_map(|e| {
                    let (u, v) = (rng.next_f64(), rng.next_f64());
                    let end = e.max_range_m.min(t.max_range_m);
                    volume_echo(u, v, e.rate_per_m, t.min_range_m, end).map(|r| (r, e.intensity))
                })
                .chain(fog_echo)
                .min_by(|a, b| a.0.total_cmp(&b.0));
            let dir = beam.dir_sensor;
            let hit = match motion {
                None => beam
                    .pixel
                    .and_then(|uv| match depth_views[beam.view].cast_pixel(uv) {
                        Cast::Miss => None,
                        Cast::Hit(s) => along_plane(&s, DVec3::ZERO, dir),
                        Cast::Ambiguous(silhouette) => resolve(
                            &silhouette,
                            &depth_views[beam.view],
                            &parts,
                            &geometry.world_from_sensor,
                            (DVec3::ZERO, dir),
                        ),
                    }),
                Some((origin, _)) => {
                    let h = cast_moving(
                        &depth_views,
                        &parts,
                        &geometry.world_from_sensor,
                        origin,
                        &mut firsts[ring as usize],
                    );
                    warm[ring as usize].push(h.map(|h| h.range_m));
                    h
                }
            };
            let hit = hit.and_then(|h| {
                let (origin, rotation) = motion.unwrap_or((DVec3::ZERO, glam::DMat3::IDENTITY));
                confine_to_box(
                    h,
                    &boxes,
                    &parts,
                    &geometry.world_from_sensor,
                    origin,
                    rotation * dir,
                )
            });
            if let Some((r, intensity)) = echo
                && !dropped
                && hit.is_none_or(|h| r < h.range_m)
            {
                let p = place(dir * r);
                out.push(LidarPoint {
                    position: [p.x as f32, p.y as f32, p.z as f32],
                    range_m: r as f32,
                    intensity,
                    ring: ring as u16,
                    time_s: time_s as f32,
                    class_id: Class::Weather.id() as u16,
                    instance_id: 0,
                });
                continue;
            }
            let Some(hit) = hit else { continue };
            let r = hit.range_m;
            if dropped || r < t.min_range_m || r > t.max_range_m {
                continue;
            }
            let (class_id, instance_id) = split_label_value(hit.label);
            // received power ~ reflectivity * cos(incidence) * two-way transmittance / r^2
            let response = reflectivity(class_id, atmosphere.road_wetness, atmosphere.snow_cover)
                * hit.cos_incidence
                * (-2.0 * extinction_per_m * r).exp();
            if response / (r * r) < threshold {
                continue;
            }
            let range = (r + noise).max(0.0);
            let p = place(dir * range);
            out.push(LidarPoint {
                position: [p.x as f32, p.y as f32, p.z as f32],
                range_m: range as f32,
                intensity: response.clamp(0.0, 1.0) as f32,
                ring: ring as u16,
                time_s: time_s as f32,
                class_id: class_id as u16,
                instance_id,
            });
        }
    };
    let chunks: Vec<Vec<LidarPoint>> = column_ids
        .par_chunks(COLUMN_CHUNK)
        .map(|columns| {
            let mut warm = vec![WarmRanges::default(); t.channels() as usize];
            let mut firsts = Vec::with_capacity(t.channels() as usize);
            let mut out = Vec::with_capacity(columns.len() * t.channels() as usize);
            for &column in columns {
                fire_column(column, &mut warm, &mut firsts, &mut out);
            }
            out
        })
        .collect();
    chunks.concat()
}

/// Columns per parallel task (fixed, so the output never depends on threads).
const COLUMN_CHUNK: usize = 32;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::LidarPreset;

    #[test]
    fn views_cover_every_beam() {
        for preset in [
            LidarPreset::Vlp16,
            LidarPreset::Hdl32e,
            LidarPreset::Hdl64e,
            LidarPreset::Os1_128,
        ] {
            let info = lidar_info(&LidarSpec {
                preset,
                ..LidarSpec::default()
            });
            let t = &info.table;
            for column in (0..t.columns).step_by(7) {
                let a = t.azimuth_rad(column);
                let v = view_of(a);
                for ring in 0..t.channels() {
                    let d = info.cv_from_sensor[v].rotation * t.direction(ring, column);
                    let uv = info.views[v]
                        .intrinsics
                        .project(d * 100.0)
                        .expect("in front of its view");
                    let k = info.views[v].intrinsics;
                    let e = 1e-6;
                    assert!(
                        uv.x >= -e
                            && uv.x <= k.width as f64 + e
                            && uv.y >= -e
                            && uv.y <= k.height as f64 + e,
                        "{preset:?} ring {ring} col {column}: {uv:?}"
                    );
                }
            }
        }
    }

    /// Casts against a part's shape (the exact box for cubes, the box
    /// pre-test then triangles for the rest) give what brute force over
    /// the mesh triangles gives, for rays from outside and from inside.
    #[test]
    fn part_casts_match_brute_force_over_the_triangles() {
        use glam::{Mat4, Quat, Vec3};
        let model = Mat4::from_scale_rotation_translation(
            Vec3::new(4.2, 1.6, 1.9),
            Quat::from_euler(glam::EulerRot::YXZ, 0.7, 0.2, -0.1),
            Vec3::new(12.0, 0.9, -3.0),
        );
        let mut rng = Stream::new(7, "part-cast-test", 0);
        for primitive in Primitive::ALL {
            let instances = [DrawInstance {
                primitive,
                model,
                color: [0.5; 3],
                class_id: Class::Car.id() as u32,
                instance_id: crate::core::classes::instance_id(Class::Car, 3),
            }];
            let label = instances[0].instance_id;
            let parts = PartIndex::new(&instances, DVec3::ZERO, 1e3);
            let m = model.as_dmat4();
            let mesh = &primitive_meshes()[&primitive];
            let pos: Vec<DVec3> = mesh
                .positions()
                .map(|p| m.transform_point3(p.as_dvec3()))
                .collect();
            let (mut hits, mut misses) = (0, 0);
            for k in 0..2000 {
                // from afar towards a point near the part, or from its centre
                let origin = if k % 10 == 0 {
                    m.transform_point3(DVec3::ZERO)
                } else {
                    DVec3::new(
                        rng.next_f64() * 4.0,
                        rng.next_f64() * 3.0,
                        rng.next_f64() * 4.0,
                    )
                };
                let aim = m.transform_point3(DVec3::new(
                    rng.next_f64() * 1.6 - 0.8,
                    rng.next_f64() * 1.6 - 0.8,
                    rng.next_f64() * 1.6 - 0.8,
                ));
                let dir = (aim - origin).normalize();
                let brute = mesh
                    .indices
                    .chunks_exact(3)
                    .filter_map(|t| {
                        let [a, b, c] = [0, 1, 2].map(|i| pos[t[i] as usize]);
                        ray_triangle(origin, dir, a, b, c)
                    })
                    .min_by(|a, b| a.0.total_cmp(&b.0));
                let fast = parts.ray(label, origin, dir);
                match (brute, fast) {
                    (Some((tb, nb)), Some((tf, nf))) => {
                        hits += 1;
                        assert!(
                            (tb - tf).abs() < 1e-9 * tb.max(1.0),
                            "{primitive:?}: t {tb} vs {tf}"
                        );
                        assert!(
                            nb.dot(nf).abs() > 1.0 - 1e-9,
                            "{primitive:?}: normal {nb} vs {nf}"
                        );
                    }
                    (None, None) => misses += 1,
                    (b, f) => panic!("{primitive:?} ray {k}: brute {b:?}, fast {f:?}"),
                }
            }
            // both outcomes exercised
            assert!(
                hits > 500 && misses > 100,
                "{primitive:?}: {hits} hits, {misses} misses"
            );
        }
    }

    /// A ring's first estimate: the last range, extrapolated along the last
    /// two on one surface; none after a miss; no extrapolation across a jump.
    #[test]
    fn warm_ranges_extrapolate_along_a_surface_only() {
        let mut w = WarmRanges::default();
        assert_eq!(w.estimate_m(), None);
        w.push(Some(20.0));
        assert_eq!(w.estimate_m(), Some(20.0));
        w.push(Some(20.1));
        assert!((w.estimate_m().unwrap() - 20.2).abs() < 1e-12);
        // onto a nearer object: no extrapolation from the wall behind
        w.push(Some(8.0));
        assert_eq!(w.estimate_m(), Some(8.0));
        w.push(None);
        assert_eq!(w.estimate_m(), None);
        w.push(Some(9.0));
        assert_eq!(w.estimate_m(), Some(9.0));
    }

    #[test]
    fn view_axes_match_the_camera_convention() {
        // view 1 looks left (+y of the sensor); its optical axis (cv +z) is sensor +y
        let info = lidar_info(&LidarSpec::default());
        let axis = info.cv_from_sensor[1].rotation.inverse() * DVec3::Z;
        assert!((axis - DVec3::Y).length() < 1e-9);
        // and the rig camera pose looks the same way in the ego (sim: left = -z)
        let look = info.views[1].ego_from_camera.transform_vector(-DVec3::Z);
        assert!((look - DVec3::new(0.0, 0.0, -1.0)).length() < 1e-9);
        assert_eq!(view_of(0.1), 0);
        assert_eq!(view_of(-std::f64::consts::FRAC_PI_2), 3);
        assert_eq!(view_of(std::f64::consts::PI - 0.1), 2);
    }
}
