//! nuScenes v1.0 (`Format::Nuscenes`): one scene per run, one sample per
//! frame, every camera and LiDAR a channel (the first LiDAR is LIDAR_TOP,
//! the channel nuScenes' detection evaluation measures distances from). A
//! sample is a LIDAR_TOP sweep, as in nuScenes: a frame that LiDAR dropped
//! is no sample (none of its files or records are written), and a frame a
//! camera dropped has no sample_data of that camera (its chain skips it).
//! Sensor files are written per frame (camera images as links, LiDAR
//! sweeps as `.pcd.bin` float32 x y z intensity ring, lidarseg labels as
//! uint8 category indices); the tables are built at the end of the run from
//! the canonical labels, streamed.

use super::run_index::RunIndex;
use super::*;
use crate::core::frames::Pose;
use crate::core::nuscenes::{self as ns, token};
use serde_json::{Value, json};

const ROOT: &str = "nuscenes";

fn camera_channel(name: &str) -> String {
    format!("CAM_{}", channel_suffix(name))
}

fn lidar_channel(index: usize, name: &str) -> String {
    if index == 0 {
        "LIDAR_TOP".into()
    } else {
        format!("LIDAR_{}", channel_suffix(name))
    }
}

fn channel_suffix(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

pub(super) fn write_camera(l: &Layout, f: &CameraFrame, sums: &mut Vec<String>) -> Result<()> {
    // a nuScenes sample is a LIDAR_TOP sweep
    if !l.output.formats.contains(&Format::Nuscenes) || !f.job.labels.first_lidar_delivered() {
        return Ok(());
    }
    let channel = camera_channel(&l.cameras[f.index].name);
    let ext = f.image_format.extension();
    f.place_rgb(
        l,
        format!("{ROOT}/samples/{channel}/{}.{ext}", f.name),
        sums,
    )
}

pub(super) fn write_lidar(
    l: &Layout,
    f: &LidarFrame,
    _: &mut String,
    sums: &mut Vec<String>,
) -> Result<()> {
    if !l.output.formats.contains(&Format::Nuscenes) || !f.nuscenes_sample {
        return Ok(());
    }
    let channel = lidar_channel(f.index, &l.lidars[f.index].name);
    let mut bin = Vec::with_capacity(f.points.len() * 20);
    let mut seg = Vec::with_capacity(f.points.len());
    for p in f.points {
        let [x, y, z] = p.position;
        for v in [x, y, z, p.intensity, p.ring as f32] {
            bin.extend_from_slice(&v.to_le_bytes());
        }
        seg.push(ns::point_category(p.class_id));
    }
    l.write(
        format!("{ROOT}/samples/{channel}/{}.pcd.bin", f.name),
        &bin,
        sums,
    )?;
    l.write(
        format!(
            "{ROOT}/lidarseg/{}/{channel}_{}_lidarseg.bin",
            ns::VERSION,
            f.name
        ),
        &seg,
        sums,
    )?;
    Ok(())
}

/// One sensor as the tables see it.
struct Channel {
    name: String,
    /// The scenario's name of the sensor.
    sensor: String,
    modality: &'static str,
    vehicle_from_sensor: Pose,
    intrinsic: Value,
    /// A lens camera's OpenCV model and distortion (nuScenes has no field
    /// for it: an extra key, which the devkit passes over).
    distortion: Option<Value>,
    size: (u32, u32),
    ext: &'static str,
}

/// The tables' sensors; cameras' sample files are `camera_ext`.
fn channels(
    cameras: &[CameraInfo],
    camera_ext: &'static str,
    lidars: &[crate::snapshot::lidar::LidarInfo],
) -> Vec<Channel> {
    let mut out: Vec<Channel> = cameras
        .iter()
        .map(|c| {
            let k = &c.intrinsics;
            Channel {
                name: camera_channel(&c.name),
                sensor: c.name.clone(),
                modality: "camera",
                vehicle_from_sensor: cv_from_vehicle(c).inverse(),
                intrinsic: json!([[k.fx, 0.0, k.cx], [0.0, k.fy, k.cy], [0.0, 0.0, 1.0]]),
                distortion: (!k.lens.lens.is_pinhole()).then(|| {
                    let (model, d) = k.lens.lens.opencv();
                    json!({"model": model, "coefficients": d})
                }),
                size: (k.width, k.height),
                ext: camera_ext,
            }
        })
        .collect();
    out.extend(lidars.iter().enumerate().map(|(i, l)| Channel {
        name: lidar_channel(i, &l.name),
        sensor: l.name.clone(),
        modality: "lidar",
        vehicle_from_sensor: vehicle_from_lidar(l),
        intrinsic: json!([]),
        distortion: None,
        size: (0, 0),
        ext: "pcd.bin",
    }));
    out
}

fn micros(time_s: f64) -> i64 {
    (time_s * 1e6).round() as i64
}

/// One object of a frame, once across every camera and LiDAR: the first
/// camera's record (else the first LiDAR's, for what no camera labels), the
/// best visibility a camera has of it (0 for LiDAR-only objects), and its
/// LiDAR returns (all LiDARs).
struct Seen<'a> {
    facts: ns::Facts<'a>,
    box_world: &'a crate::core::record::OrientedBox,
    visible: f64,
    lidar_pts: u64,
}

fn frame_objects(labels: &FrameLabels) -> BTreeMap<u32, Seen<'_>> {
    let mut out: BTreeMap<u32, Seen> = BTreeMap::new();
    for o in labels.cameras.iter().flat_map(|c| &c.objects) {
        let visible = o.visible_fraction * (1.0 - o.truncation);
        let e = out.entry(o.instance_id).or_insert(Seen {
            facts: ns::Facts {
                class_id: o.class_id,
                motion: o.motion.as_ref(),
                person: o.person.as_ref(),
                rider_instance_id: o.rider_instance_id,
            },
            box_world: &o.box_world_enu,
            visible,
            lidar_pts: o.num_lidar_pts.unwrap_or(0),
        });
        e.visible = e.visible.max(visible);
    }
    let mut lidar_only: BTreeMap<u32, Seen> = BTreeMap::new();
    for o in labels.lidars.iter().flat_map(|l| &l.objects) {
        if out.contains_key(&o.instance_id) {
            continue;
        }
        let e = lidar_only.entry(o.instance_id).or_insert(Seen {
            facts: ns::Facts::from(o),
            box_world: &o.box_world_enu,
            visible: 0.0,
            lidar_pts: 0,
        });
        e.lidar_pts += o.num_lidar_pts;
    }
    out.extend(lidar_only);
    out
}

/// A JSON table written one record at a time.
struct Table {
    file: StagedFile,
    count: usize,
}

impl Table {
    fn create(root: &Path, name: &str) -> Result<Table> {
        let mut file = StagedFile::create(root, &format!("{ROOT}/{}/{name}.json", ns::VERSION))?;
        file.out.write_all(b"[\n")?;
        Ok(Table { file, count: 0 })
    }

    fn push(&mut self, record: &Value) -> Result<()> {
        if self.count > 0 {
            self.file.out.write_all(b",\n")?;
        }
        serde_json::to_writer(&mut self.file.out, record)?;
        self.count += 1;
        Ok(())
    }

    fn finish(mut self) -> Result<()> {
        self.file.out.write_all(b"\n]\n")?;
        self.file.publish()
    }

    fn all(root: &Path, name: &str, records: impl IntoIterator<Item = Value>) -> Result<()> {
        let mut t = Table::create(root, name)?;
        for r in records {
            t.push(&r)?;
        }
        t.finish()
    }
}

/// What every table needs: where, which frames are samples, the run's
/// token key, and the ENU -> nuScenes global offset.
struct Tables<'a> {
    root: &'a Path,
    /// The frames that are samples (`first_lidar_delivered`), ascending.
    samples: Vec<u64>,
    run_key: &'a str,
    offset_m: [f64; 2],
}

/// Where each annotated instance is annotated and its category.
#[derive(Default)]
struct Appearances {
    /// The samples (frames) each instance is annotated in, ascending: where
    /// a sensor labels it, and its companion sample.
    seen_at: BTreeMap<u32, Vec<u64>>,
    category_of: BTreeMap<u32, &'static str>,
    /// Instances a sensor labels in one sample only: the sample of their
    /// second annotation (`ns::companion_sample`).
    companion: BTreeMap<u32, u64>,
    /// Each sample's timestamp, microseconds.
    stamp_us: BTreeMap<u64, i64>,
}

impl Tables<'_> {
    fn tok(&self, kind: &str, name: &str) -> String {
        token(self.run_key, kind, name)
    }

    fn sample(&self, f: u64) -> String {
        self.tok("sample", &f.to_string())
    }

    /// The tokens before and after the `k`-th of the frames `chain` (a
    /// chain's records, named by `t`).
    fn around(chain: &[u64], k: usize, t: &dyn Fn(u64) -> String) -> (String, String) {
        let prev = if k > 0 {
            t(chain[k - 1])
        } else {
            String::new()
        };
        let next = chain.get(k + 1).map_or(String::new(), |&g| t(g));
        (prev, next)
    }

    fn global(&self, enu: [f64; 3]) -> [f64; 3] {
        [enu[0] + self.offset_m[0], enu[1] + self.offset_m[1], enu[2]]
    }

    fn ann(&self, id: u32, f: u64) -> String {
        self.tok("sample_annotation", &format!("{id}/{f}"))
    }

    /// sensor, calibrated_sensor, category, attribute, visibility.
    fn fixed_tables(&self, chans: &[Channel]) -> Result<()> {
        let root = self.root;
        Table::all(root, "sensor", chans.iter().map(|c| {
            json!({"token": self.tok("sensor", &c.name), "channel": c.name, "modality": c.modality})
        }))?;
        Table::all(
            root,
            "calibrated_sensor",
            chans.iter().map(|c| {
                let p = &c.vehicle_from_sensor;
                let mut row = json!({
                    "token": self.tok("calibrated_sensor", &c.name),
                    "sensor_token": self.tok("sensor", &c.name),
                    "translation": p.translation.to_array(),
                    "rotation": ns::quaternion(p.rotation),
                    "camera_intrinsic": c.intrinsic,
                });
                if let Some(d) = &c.distortion {
                    row["camera_distortion"] = d.clone();
                }
                row
            }),
        )?;
        Table::all(root, "category", ns::CATEGORIES.iter().enumerate().map(|(i, name)| {
            json!({"token": self.tok("category", name), "name": name, "description": "", "index": i})
        }))?;
        Table::all(root, "attribute", ns::ATTRIBUTES.iter().map(|name| {
            json!({"token": self.tok("attribute", name), "name": name, "description": ""})
        }))?;
        Table::all(root, "visibility", ns::VISIBILITY.iter().enumerate().map(|(i, (level, d))| {
            json!({"token": (i + 1).to_string(), "level": level, "description": d})
        }))
    }

    /// log, map (and its stub mask), scene.
    fn log_map_scene(&self, map: &MapStub, location: &str) -> Result<()> {
        let root = self.root;
        let log = self.tok("log", "0");
        Table::all(
            root,
            "log",
            [
                json!({"token": log, "logfile": "", "vehicle": "edgecase", "date_captured": "", "location": location}),
            ],
        )?;
        let map_file = "maps/edgecase_map_stub.png";
        write_atomic(&root.join(ROOT), map_file, &map.png())?;
        Table::all(
            root,
            "map",
            [json!({
                "token": self.tok("map", "0"), "log_tokens": [log], "category": "semantic_prior",
                "filename": map_file, "edgecase_global_from_enu_offset_m": map.offset_m,
            })],
        )?;
        Table::all(
            root,
            "scene",
            [json!({
                "token": self.tok("scene", "0"), "log_token": log, "nbr_samples": self.samples.len(),
                "first_sample_token": self.samples.first().map_or(String::new(), |&f| self.sample(f)),
                "last_sample_token": self.samples.last().map_or(String::new(), |&f| self.sample(f)),
                "name": format!("edgecase-{}", self.run_key), "description": location,
            })],
        )
    }

    /// Per frame: sample, ego_pose, sample_data, lidarseg; and where each
    /// annotated instance is seen (for the annotations' prev/next).
    fn frame_tables(&self, chans: &[Channel], index: &RunIndex) -> Result<Appearances> {
        let root = self.root;
        let mut samples = Table::create(root, "sample")?;
        let mut poses = Table::create(root, "ego_pose")?;
        let mut data = Table::create(root, "sample_data")?;
        // the devkit reads lidarseg files whenever the table exists: none
        // without a LiDAR
        let has_lidar = chans.iter().any(|c| c.modality == "lidar");
        let mut lidarseg = has_lidar
            .then(|| Table::create(root, "lidarseg"))
            .transpose()?;
        let mut seen = Appearances::default();
        let scene = self.tok("scene", "0");
        // each channel's chain: the samples its sensor delivered
        // (channels are the cameras, then the LiDARs, as the index's sensors)
        let chains: Vec<Vec<u64>> = (0..chans.len())
            .map(|k| {
                let delivered = |f: &&u64| index.sensor_delivered(**f, k);
                self.samples.iter().filter(delivered).copied().collect()
            })
            .collect();
        let mut at = vec![0usize; chans.len()];
        for (k, &f) in self.samples.iter().enumerate() {
            let labels = read_frame_labels(root, f)?;
            let time = micros(labels.time_s);
            seen.stamp_us.insert(f, time);
            let (prev, next) = Self::around(&self.samples, k, &|g| self.sample(g));
            samples.push(&json!({"token": self.sample(f), "timestamp": time, "prev": prev, "next": next, "scene_token": scene}))?;
            let pose = self.tok("ego_pose", &f.to_string());
            let e = &labels.ego;
            poses.push(&json!({"token": pose, "timestamp": time, "rotation": ns::yaw_quaternion(e.yaw_rad), "translation": self.global(e.position_m)}))?;
            for ((c, chain), i) in chans.iter().zip(&chains).zip(at.iter_mut()) {
                if chain.get(*i) != Some(&f) {
                    continue;
                }
                let sd = |g: u64| self.tok("sample_data", &format!("{}/{g}", c.name));
                let (prev, next) = Self::around(chain, *i, &sd);
                *i += 1;
                let filename = format!("samples/{}/{}.{}", c.name, frame_name(f), c.ext);
                // a sensor whose clock is off stamps its data wrongly; the
                // ego pose stays the one at capture
                let stamped = micros(labels.sensor_stamp_s(&c.sensor));
                data.push(&json!({
                    "token": sd(f), "sample_token": self.sample(f), "ego_pose_token": pose,
                    "calibrated_sensor_token": self.tok("calibrated_sensor", &c.name), "timestamp": stamped,
                    "fileformat": c.ext.split('.').next(), "is_key_frame": true,
                    "height": c.size.1, "width": c.size.0, "filename": filename, "prev": prev, "next": next,
                }))?;
                if let (Some(lidarseg), "lidar") = (lidarseg.as_mut(), c.modality) {
                    lidarseg.push(&json!({
                        "token": self.tok("lidarseg", &format!("{}/{f}", c.name)),
                        "sample_data_token": sd(f),
                        "filename": format!("lidarseg/{}/{}_{}_lidarseg.bin", ns::VERSION, c.name, frame_name(f)),
                    }))?;
                }
            }
            for (id, object) in frame_objects(&labels) {
                if let Some((category, _)) = ns::category_of(&object.facts) {
                    seen.seen_at.entry(id).or_default().push(f);
                    seen.category_of.entry(id).or_insert(category);
                }
            }
        }
        for t in [samples, poses, data].into_iter().chain(lidarseg) {
            t.finish()?;
        }
        // a lone annotation gets a companion, so its velocity is defined
        let stamp = |g: u64| seen.stamp_us[&g];
        let companions: Vec<(u32, u64)> = (seen.seen_at.iter())
            .filter(|(_, at)| at.len() == 1)
            .filter_map(|(&id, at)| Some((id, ns::companion_sample(at[0], &self.samples, &stamp)?)))
            .collect();
        for (id, g) in companions {
            let at = seen.seen_at.entry(id).or_default();
            at.push(g);
            at.sort_unstable();
            seen.companion.insert(id, g);
        }
        Ok(seen)
    }

    /// sample_annotation (chained per instance) and instance. An instance
    /// a sensor labels in one sample only is also annotated in its
    /// companion sample, where no sensor saw it (0 LiDAR points, the
    /// lowest visibility, as nuScenes annotates an occluded object), moved
    /// by its labelled velocity over the time between the two: the devkit's
    /// `box_velocity` then gives that velocity.
    fn annotation_tables(&self, seen: &Appearances) -> Result<()> {
        let mut annotations = Table::create(self.root, "sample_annotation")?;
        for &f in &self.samples {
            let labels = read_frame_labels(self.root, f)?;
            for (id, object) in frame_objects(&labels) {
                let Some((_, attribute)) = ns::category_of(&object.facts) else {
                    continue;
                };
                let at = seen.seen_at.get(&id).map_or(&[][..], |v| v.as_slice());
                let b = object.box_world;
                let mut push = |g: u64, center_m: [f64; 3], visible: f64, lidar_pts: u64| {
                    let k = at.iter().position(|&x| x == g).unwrap_or(0);
                    let (prev, next) = Self::around(at, k, &|h| self.ann(id, h));
                    annotations.push(&json!({
                        "token": self.ann(id, g), "sample_token": self.sample(g),
                        "instance_token": self.tok("instance", &id.to_string()),
                        "visibility_token": ns::visibility_token(visible),
                        "attribute_tokens": attribute.map(|a| vec![self.tok("attribute", a)]).unwrap_or_default(),
                        "translation": self.global(center_m),
                        "size": [b.size_lwh_m[1], b.size_lwh_m[0], b.size_lwh_m[2]],
                        "rotation": ns::yaw_quaternion(b.yaw_rad),
                        "prev": prev, "next": next,
                        "num_lidar_pts": lidar_pts, "num_radar_pts": 0,
                    }))
                };
                push(f, b.center_m, object.visible, object.lidar_pts)?;
                if let Some(&g) = seen.companion.get(&id) {
                    let dt_s = (seen.stamp_us[&g] - seen.stamp_us[&f]) as f64 * 1e-6;
                    let v = object.facts.motion.map_or([0.0; 3], |m| m.velocity_enu_mps);
                    let moved = std::array::from_fn(|i| b.center_m[i] + v[i] * dt_s);
                    push(g, moved, 0.0, 0)?;
                }
            }
        }
        annotations.finish()?;
        Table::all(
            self.root,
            "instance",
            seen.seen_at.iter().map(|(id, at)| {
                json!({
                    "token": self.tok("instance", &id.to_string()),
                    "category_token": self.tok("category", seen.category_of[id]),
                    "nbr_annotations": at.len(),
                    "first_annotation_token": self.ann(*id, at[0]),
                    "last_annotation_token": self.ann(*id, at[at.len() - 1]),
                })
            }),
        )
    }
}

/// The tables of the run `index` describes. `run_key` makes the tokens
/// this run's; `location` names the log's place.
pub(super) fn write_tables(
    root: &Path,
    index: &RunIndex,
    (cameras, image_format): (&[CameraInfo], ImageFormat),
    lidars: &[crate::snapshot::lidar::LidarInfo],
    run_key: &str,
    location: &str,
) -> Result<()> {
    let chans = channels(cameras, image_format.extension(), lidars);
    let map = MapStub::around_ego_track(index.ego_positions_m());
    let t = Tables {
        root,
        samples: index.lidar_samples(),
        run_key,
        offset_m: map.offset_m,
    };
    t.fixed_tables(&chans)?;
    t.log_map_scene(&map, location)?;
    let appearances = t.frame_tables(&chans, index)?;
    t.annotation_tables(&appearances)
}

/// nuScenes' devkit draws a map under LiDAR renders, from a mask image
/// whose pixel (0, bottom) is the global origin at 0.1 m per pixel: the
/// global frame is our ENU moved so the ego's track, with a margin, lies in
/// positive coordinates, and the mask (all zero: no map layers yet) covers
/// it.
struct MapStub {
    offset_m: [f64; 2],
    size_px: (u32, u32),
}

const MAP_M_PER_PX: f64 = 0.1;
const MAP_MARGIN_M: f64 = 100.0;

impl MapStub {
    fn around_ego_track(positions_m: impl Iterator<Item = [f64; 3]>) -> MapStub {
        let (mut lo, mut hi) = ([f64::MAX; 2], [f64::MIN; 2]);
        for p in positions_m {
            for i in 0..2 {
                lo[i] = lo[i].min(p[i]);
                hi[i] = hi[i].max(p[i]);
            }
        }
        if lo[0] > hi[0] {
            (lo, hi) = ([0.0; 2], [0.0; 2]);
        }
        let offset_m = [0, 1].map(|i| (MAP_MARGIN_M - lo[i]).ceil());
        let size = |i: usize| ((hi[i] - lo[i] + 2.0 * MAP_MARGIN_M) / MAP_M_PER_PX).ceil() as u32;
        MapStub {
            offset_m,
            size_px: (size(0), size(1)),
        }
    }

    fn png(&self) -> Vec<u8> {
        let (w, h) = self.size_px;
        encode::gray8_png(w, h, &vec![0u8; (w as usize) * (h as usize)])
    }
}
