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

mod cast;
use cast::*;

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
        Some(Class::Car) | Some(Class::Truck) | Some(Class::Bus) => 0.3,
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
        lens: Default::default(),
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
            effects: Default::default(),
            nominal: None,
            contamination: None,
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
    let sweep = Sweep::new(info, views, geometry, atmosphere, seed, frame);
    // chunks of columns in parallel; each column's noise and dropout come
    // from its own counter-based stream, and chunks are concatenated in order,
    // so the sweep is the same whatever the thread count. Within a chunk each
    // ring's last range seeds the next column's moving-ego cast.
    use rayon::prelude::*;
    let column_ids: Vec<u32> = (0..t.columns).collect();
    let chunks: Vec<Vec<LidarPoint>> = column_ids
        .par_chunks(COLUMN_CHUNK)
        .map(|columns| {
            let mut warm = vec![WarmRanges::default(); t.channels() as usize];
            let mut firsts = Vec::with_capacity(t.channels() as usize);
            let mut out = Vec::with_capacity(columns.len() * t.channels() as usize);
            for &column in columns {
                sweep.fire_column(column, &mut warm, &mut firsts, &mut out);
            }
            out
        })
        .collect();
    chunks.concat()
}

/// One sweep's fixed inputs, shared by every column.
struct Sweep<'a> {
    info: &'a LidarInfo,
    geometry: &'a SweepGeometry<'a>,
    atmosphere: &'a Atmosphere,
    depth_views: Vec<DepthView<'a>>,
    parts: PartIndex<'a>,
    /// Each thing's box, as (box frame <- world, half size), by label.
    boxes: std::collections::HashMap<u32, (Pose, DVec3)>,
    /// Weakest return detected at range r: threshold * r^2.
    threshold: f64,
    /// Fog, rain and snow together: the two-way attenuation of a return.
    extinction_per_m: f64,
    fog_per_m: f64,
    /// Chance that a beam is answered by fog backscatter near the sensor.
    fog_echo_chance: f64,
    moving: bool,
    sensor_from_ego: Pose,
    name_key: u64,
    frame: u64,
}

/// The sensor at a column's firing time, in its frame-time frame: its
/// position and (as a matrix: it turns every beam of the column) rotation.
type SensorMotion = (DVec3, glam::DMat3);

impl<'a> Sweep<'a> {
    fn new(
        info: &'a LidarInfo,
        views: &'a [CameraImage],
        geometry: &'a SweepGeometry<'a>,
        atmosphere: &'a Atmosphere,
        seed: u64,
        frame: u64,
    ) -> Sweep<'a> {
        let t = &info.table;
        let fog_per_m = atmosphere.fog_extinction_per_m;
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
        let boxes = geometry
            .objects
            .iter()
            .map(|o| {
                let b = &o.box3;
                let half = DVec3::new(b.length_m, b.height_m, b.width_m) / 2.0;
                (o.instance_id, (b.pose().inverse(), half))
            })
            .collect();
        Sweep {
            info,
            geometry,
            atmosphere,
            depth_views,
            parts,
            boxes,
            threshold: REFERENCE_REFLECTIVITY / (t.max_range_m * t.max_range_m),
            extinction_per_m: atmosphere.extinction_per_m(),
            fog_per_m,
            fog_echo_chance: 1.0 - (-fog_per_m * BACKSCATTER_LENGTH_M).exp(),
            moving: geometry.ego_speed_mps != 0.0 || geometry.ego_yaw_rate_rad_s != 0.0,
            sensor_from_ego: info.ego_from_sensor.inverse(),
            name_key: Stream::name_key(seed, &format!("lidar:{}", info.name)),
            frame,
        }
    }

    /// The sensor's motion at `time_s` (None when the ego stands still).
    fn motion_at(&self, time_s: f64) -> Option<SensorMotion> {
        let g = self.geometry;
        self.moving.then(|| {
            let m = self
                .sensor_from_ego
                .mul(&ctrv_delta(g.ego_speed_mps, g.ego_yaw_rate_rad_s, time_s))
                .mul(&self.info.ego_from_sensor);
            (m.translation, glam::DMat3::from_quat(m.rotation))
        })
    }

    /// Fire every ring of one column, appending its returns to `out`.
    fn fire_column(
        &self,
        column: u32,
        warm: &mut [WarmRanges],
        firsts: &mut Vec<FirstLook>,
        out: &mut Vec<LidarPoint>,
    ) {
        let (info, t) = (self.info, &self.info.table);
        let mut rng = Stream::keyed(self.name_key, self.frame * t.columns as u64 + column as u64);
        let time_s = t.firing_time_s(column);
        let motion = self.motion_at(time_s);
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
            first_looks(&self.depth_views, beams, motion, warm, firsts);
        }
        for (ring, beam) in (0..t.channels()).zip(beams) {
            // the draws of a beam, in a fixed order: noise, dropout, echoes
            let noise = if info.noise_std_m > 0.0 {
                // Box-Muller
                let (u1, u2) = (rng.next_f64().max(f64::MIN_POSITIVE), rng.next_f64());
                info.noise_std_m * (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
            } else {
                0.0
            };
            let dropped = info.dropout > 0.0 && rng.next_f64() < info.dropout;
            let echo = self.weather_echo(&mut rng);
            let dir = beam.dir_sensor;
            let hit = self.cast(
                beam,
                motion,
                &mut warm[ring as usize],
                &mut firsts[..],
                ring,
            );
            let point = |range_m: f64, intensity: f32, class_id: u16, instance_id: u32| {
                let p = place(dir * range_m);
                LidarPoint {
                    position: [p.x as f32, p.y as f32, p.z as f32],
                    range_m: range_m as f32,
                    intensity,
                    ring: ring as u16,
                    time_s: time_s as f32,
                    class_id,
                    instance_id,
                }
            };
            if let Some((r, intensity)) = echo
                && !dropped
                && hit.is_none_or(|h| r < h.range_m)
            {
                out.push(point(r, intensity, Class::Weather.id() as u16, 0));
                continue;
            }
            let Some(hit) = hit else { continue };
            if dropped || hit.range_m < t.min_range_m || hit.range_m > t.max_range_m {
                continue;
            }
            let (class_id, instance_id) = split_label_value(hit.label);
            let Some(intensity) = self.detected_intensity(class_id, &hit) else {
                continue;
            };
            let range = (hit.range_m + noise).max(0.0);
            out.push(point(range, intensity, class_id as u16, instance_id));
        }
    }

    /// The nearest echo of the air: drops and flakes near the sensor (two
    /// draws per kind present), and fog backscatter, which first-return
    /// mode keeps when nearer than the surface (two draws whenever there is
    /// fog).
    fn weather_echo(&self, rng: &mut Stream) -> Option<(f64, f32)> {
        let t = &self.info.table;
        let fog_echo = (self.fog_per_m > 0.0)
            .then(|| {
                let (u, v) = (rng.next_f64(), rng.next_f64().max(f64::MIN_POSITIVE));
                let hit = u < self.fog_echo_chance;
                hit.then(|| t.min_range_m - v.ln() / (2.0 * self.fog_per_m))
            })
            .flatten()
            .filter(|r| *r <= t.max_range_m)
            .map(|r| (r, BACKSCATTER_INTENSITY));
        self.atmosphere
            .echoes
            .iter()
            .filter_map(|e| {
                let (u, v) = (rng.next_f64(), rng.next_f64());
                let end = e.max_range_m.min(t.max_range_m);
                volume_echo(u, v, e.rate_per_m, t.min_range_m, end).map(|r| (r, e.intensity))
            })
            .chain(fog_echo)
            .min_by(|a, b| a.0.total_cmp(&b.0))
    }

    /// The surface a beam meets: read from its depth view (a still sensor)
    /// or cast from where the sensor is at the firing time; a thing's return
    /// outside its box is re-cast.
    fn cast(
        &self,
        beam: &Beam,
        motion: Option<SensorMotion>,
        warm: &mut WarmRanges,
        firsts: &mut [FirstLook],
        ring: u32,
    ) -> Option<BeamHit> {
        let dir = beam.dir_sensor;
        let views = &self.depth_views;
        let world_from_sensor = &self.geometry.world_from_sensor;
        let hit = match motion {
            None => beam
                .pixel
                .and_then(|uv| match views[beam.view].cast_pixel(uv) {
                    Cast::Miss => None,
                    Cast::Hit(s) => along_plane(&s, DVec3::ZERO, dir),
                    Cast::Ambiguous(silhouette) => resolve(
                        &silhouette,
                        &views[beam.view],
                        &self.parts,
                        world_from_sensor,
                        (DVec3::ZERO, dir),
                    ),
                }),
            Some((origin, _)) => {
                let h = cast_moving(
                    views,
                    &self.parts,
                    world_from_sensor,
                    origin,
                    &mut firsts[ring as usize],
                );
                warm.push(h.map(|h| h.range_m));
                h
            }
        };
        hit.and_then(|h| {
            let (origin, rotation) = motion.unwrap_or((DVec3::ZERO, glam::DMat3::IDENTITY));
            confine_to_box(
                h,
                &self.boxes,
                &self.parts,
                world_from_sensor,
                origin,
                rotation * dir,
            )
        })
    }

    /// The intensity of a surface return, or None below the detection
    /// threshold: received power ~ reflectivity * cos(incidence) * two-way
    /// transmittance / r^2.
    fn detected_intensity(&self, class_id: u32, hit: &BeamHit) -> Option<f32> {
        let a = self.atmosphere;
        let r = hit.range_m;
        let response = reflectivity(class_id, a.road_wetness, a.snow_cover)
            * hit.cos_incidence
            * (-2.0 * self.extinction_per_m * r).exp();
        (response / (r * r) >= self.threshold).then(|| response.clamp(0.0, 1.0) as f32)
    }
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
                emission: 0.0,
                class_id: Class::Car.id() as u32,
                instance_id: crate::core::classes::instance_id(Class::Car, 3),
                pattern: 0,
                pattern_origin: glam::Vec3::ZERO,
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
