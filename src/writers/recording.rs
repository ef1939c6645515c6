//! `recording.mcap` (`Format::Mcap`): the run as one MCAP recording with
//! Foxglove's well-known schemas in protobuf encoding (each schema record
//! holds the message's FileDescriptorSet), which Foxglove and Rerun both
//! decode and draw. Messages are built as JSON values in the schemas' field
//! names and encoded by `core::protobuf` from those descriptors. Frames:
//! `world` (ENU), `ego` (x forward, y left, z up), one per camera (OpenCV
//! optical axes) and per LiDAR (its sensor frame).
//! Per frame: `/tf` (world -> ego, ego -> each sensor), per camera
//! `/camera/<name>/image` (its rgb file, PNG or JPEG), `/camera/<name>/calibration`,
//! `/camera/<name>/annotations` (tight 2D boxes and class names), per LiDAR
//! `/lidar/<name>/points`, and `/boxes` (3D boxes in `world`). Built at
//! the end of the run from the files on disk, one frame at a time.

use super::*;
use crate::core::frames::Pose;
use crate::core::mcap::{McapWriter, base64};
use crate::core::protobuf::Descriptors;
use serde_json::{Value, json};

/// A `google.protobuf.Timestamp`.
fn time(ns: u64) -> Value {
    json!({"seconds": ns / 1_000_000_000, "nanos": ns % 1_000_000_000})
}

fn vector(v: [f64; 3]) -> Value {
    json!({"x": v[0], "y": v[1], "z": v[2]})
}

fn rotation(q: glam::DQuat) -> Value {
    json!({"x": q.x, "y": q.y, "z": q.z, "w": q.w})
}

fn transform(ns: u64, parent: &str, child: &str, p: &Pose) -> Value {
    json!({
        "timestamp": time(ns), "parent_frame_id": parent, "child_frame_id": child,
        "translation": vector(p.translation.to_array()), "rotation": rotation(p.rotation),
    })
}

fn class_color(class_id: u8) -> Value {
    let c =
        crate::core::classes::Class::from_id(class_id).map_or([255, 255, 255], |c| c.info().color);
    json!({"r": c[0] as f64 / 255.0, "g": c[1] as f64 / 255.0, "b": c[2] as f64 / 255.0, "a": 1.0})
}

/// The schemas, by name: Foxglove's FileDescriptorSets (files beside this
/// module, from tools/mcap/gen_foxglove_descriptors.py).
const SCHEMAS: [(&str, &[u8]); 6] = [
    (
        "foxglove.FrameTransform",
        include_bytes!("foxglove_schemas/FrameTransform.fdset"),
    ),
    (
        "foxglove.CompressedImage",
        include_bytes!("foxglove_schemas/CompressedImage.fdset"),
    ),
    (
        "foxglove.CameraCalibration",
        include_bytes!("foxglove_schemas/CameraCalibration.fdset"),
    ),
    (
        "foxglove.ImageAnnotations",
        include_bytes!("foxglove_schemas/ImageAnnotations.fdset"),
    ),
    (
        "foxglove.PointCloud",
        include_bytes!("foxglove_schemas/PointCloud.fdset"),
    ),
    (
        "foxglove.SceneUpdate",
        include_bytes!("foxglove_schemas/SceneUpdate.fdset"),
    ),
];

/// The MCAP writer with the schemas' message types: each channel's
/// messages are encoded as its schema's type.
struct Recording {
    w: McapWriter<BufWriter<fs::File>>,
    descriptors: Descriptors,
    /// Per channel id: its message type (".foxglove.CompressedImage").
    message_type: BTreeMap<u16, String>,
    /// Per schema name: its id.
    schema: BTreeMap<&'static str, u16>,
}

impl Recording {
    fn new(file: fs::File) -> Result<Recording> {
        let mut w = McapWriter::new(
            BufWriter::new(file),
            concat!("edgecase ", env!("CARGO_PKG_VERSION")),
        )?;
        let mut descriptors = Descriptors::default();
        let mut schema = BTreeMap::new();
        for (name, set) in SCHEMAS {
            descriptors.add_set(set)?;
            schema.insert(name, w.add_schema(name, "protobuf", set)?);
        }
        Ok(Recording {
            w,
            descriptors,
            message_type: BTreeMap::new(),
            schema,
        })
    }

    fn add_channel(&mut self, schema: &'static str, topic: &str) -> Result<u16> {
        let id = self.w.add_channel(self.schema[schema], topic, "protobuf")?;
        self.message_type.insert(id, format!(".{schema}"));
        Ok(id)
    }
}

/// The recording's channel ids.
struct Topics {
    tf: u16,
    /// Per camera: image (with rgb output), calibration, annotations.
    cameras: Vec<(Option<u16>, u16, u16)>,
    clouds: Vec<u16>,
    boxes: u16,
}

fn open_topics(
    w: &mut Recording,
    cameras: &[CameraInfo],
    lidars: &[crate::snapshot::lidar::LidarInfo],
    rgb: bool,
) -> Result<Topics> {
    let channel = |w: &mut Recording, s: &'static str, topic: &str| w.add_channel(s, topic);
    let tf = channel(w, "foxglove.FrameTransform", "/tf")?;
    let mut cams = Vec::new();
    for c in cameras {
        let image = if rgb {
            Some(channel(
                w,
                "foxglove.CompressedImage",
                &format!("/camera/{}/image", c.name),
            )?)
        } else {
            None
        };
        let calibration = channel(
            w,
            "foxglove.CameraCalibration",
            &format!("/camera/{}/calibration", c.name),
        )?;
        let annotations = channel(
            w,
            "foxglove.ImageAnnotations",
            &format!("/camera/{}/annotations", c.name),
        )?;
        cams.push((image, calibration, annotations));
    }
    let mut clouds = Vec::new();
    for l in lidars {
        clouds.push(channel(
            w,
            "foxglove.PointCloud",
            &format!("/lidar/{}/points", l.name),
        )?);
    }
    let boxes = channel(w, "foxglove.SceneUpdate", "/boxes")?;
    Ok(Topics {
        tf,
        cameras: cams,
        clouds,
        boxes,
    })
}

fn send(w: &mut Recording, channel: u16, ns: u64, v: Value) -> Result<()> {
    let bytes = w.descriptors.encode(&w.message_type[&channel], &v)?;
    w.w.message(channel, ns, &bytes)?;
    Ok(())
}

/// A camera's image, calibration and 2D boxes of one frame.
fn camera_messages(
    w: &mut Recording,
    root: &Path,
    c: &CameraInfo,
    (image, calibration, annotations): (Option<(u16, ImageFormat)>, u16, u16),
    labeled: &crate::core::record::CameraLabels,
    frame: u64,
    ns: u64,
) -> Result<()> {
    if let Some((image, image_format)) = image {
        let bytes = fs::read(root.join(rgb_path(&c.name, frame, image_format.extension())))?;
        let format = image_format.media_subtype();
        send(
            w,
            image,
            ns,
            json!({"timestamp": time(ns), "frame_id": c.name, "data": base64(&bytes), "format": format}),
        )?;
    }
    let k = &c.intrinsics;
    // ROS / OpenCV conventions: pixel-centre principal point, the model's
    // name as ROS camera_info spells it
    let p = k.p_matrix_opencv();
    let (fx, fy, cx, cy) = (p[0][0], p[1][1], p[0][2], p[1][2]);
    let (model, d) = k.lens.lens.opencv();
    let model = if model == "kannala_brandt" {
        model
    } else {
        "plumb_bob"
    };
    send(
        w,
        calibration,
        ns,
        json!({
            "timestamp": time(ns), "frame_id": c.name, "width": k.width, "height": k.height,
            "distortion_model": model, "D": d,
            "K": [fx, 0.0, cx, 0.0, fy, cy, 0.0, 0.0, 1.0],
            "R": [1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0],
            "P": [fx, 0.0, cx, 0.0, 0.0, fy, cy, 0.0, 0.0, 0.0, 1.0, 0.0],
        }),
    )?;
    let visible: Vec<_> = labeled
        .objects
        .iter()
        .filter_map(|o| Some((o, o.bbox_visible_px?)))
        .collect();
    let points: Vec<Value> = visible.iter().map(|(o, b)| json!({
        "timestamp": time(ns), "type": 2,
        "points": [{"x": b[0], "y": b[1]}, {"x": b[2], "y": b[1]}, {"x": b[2], "y": b[3]}, {"x": b[0], "y": b[3]}],
        "outline_color": class_color(o.class_id), "outline_colors": [],
        "fill_color": {"r": 0.0, "g": 0.0, "b": 0.0, "a": 0.0}, "thickness": 2.0,
    })).collect();
    let texts: Vec<Value> = visible.iter().map(|(o, b)| json!({
        "timestamp": time(ns), "position": {"x": b[0], "y": b[1]},
        "text": format!("{} {}", o.class, o.instance_id), "font_size": 12.0,
        "text_color": class_color(o.class_id), "background_color": {"r": 0.0, "g": 0.0, "b": 0.0, "a": 0.6},
    })).collect();
    send(
        w,
        annotations,
        ns,
        json!({"circles": [], "points": points, "texts": texts}),
    )
}

/// Every object of a frame as a cube in `world` (each once: the first
/// camera that lists it).
fn boxes_message(labels: &FrameLabels, ns: u64) -> Value {
    let mut seen = std::collections::BTreeSet::new();
    let cubes: Vec<Value> = labels.cameras.iter().flat_map(|c| &c.objects).filter(|o| seen.insert(o.instance_id)).map(|o| {
        let b = &o.box_world_enu;
        json!({
            "pose": {"position": vector(b.center_m), "orientation": rotation(glam::DQuat::from_rotation_z(b.yaw_rad))},
            "size": vector(b.size_lwh_m), "color": class_color(o.class_id),
        })
    }).collect();
    json!({"deletions": [], "entities": [{
        "timestamp": time(ns), "frame_id": "world", "id": "labels",
        "lifetime": {"seconds": 0, "nanos": 0}, "frame_locked": false, "metadata": [],
        "arrows": [], "cubes": cubes, "spheres": [], "cylinders": [], "lines": [],
        "triangles": [], "texts": [], "models": [],
    }]})
}

pub(super) fn write(
    root: &Path,
    frames: u64,
    cameras: &[CameraInfo],
    lidars: &[crate::snapshot::lidar::LidarInfo],
    images: Option<ImageFormat>,
) -> Result<()> {
    let (path, tmp) = staged(root, "recording.mcap")?;
    let file = fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?;
    let mut w = Recording::new(file)?;
    let topics = open_topics(&mut w, cameras, lidars, images.is_some())?;
    let sensors: Vec<(String, Pose)> = cameras
        .iter()
        .map(|c| (c.name.clone(), cv_from_vehicle(c).inverse()))
        .chain(
            lidars
                .iter()
                .map(|l| (l.name.clone(), vehicle_from_lidar(l))),
        )
        .collect();
    for f in 0..frames {
        let name = frame_name(f);
        let labels = read_frame_labels(root, f)?;
        let ns = (labels.time_s * 1e9).round() as u64;
        let e = &labels.ego;
        let world_from_ego = Pose::new(
            glam::DQuat::from_rotation_z(e.yaw_rad),
            glam::DVec3::from_array(e.position_m),
        );
        send(
            &mut w,
            topics.tf,
            ns,
            transform(ns, "world", "ego", &world_from_ego),
        )?;
        for (sensor, pose) in &sensors {
            send(&mut w, topics.tf, ns, transform(ns, "ego", sensor, pose))?;
        }
        // a sensor whose clock is off stamps its messages wrongly
        let stamped = |sensor: &str| (labels.sensor_stamp_s(sensor) * 1e9).round() as u64;
        // a dropped frame has no message of its sensor
        for ((c, ids), labeled) in cameras.iter().zip(&topics.cameras).zip(&labels.cameras) {
            if labels.delivered(&c.name) {
                let (image, calibration, annotations) = *ids;
                let ids = (image.zip(images), calibration, annotations);
                camera_messages(&mut w, root, c, ids, labeled, f, stamped(&c.name))?;
            }
        }
        for (l, cloud) in lidars.iter().zip(&topics.clouds) {
            if !labels.delivered(&l.name) {
                continue;
            }
            let ns = stamped(&l.name);
            let bin = fs::read(root.join(format!("lidar/{}/velodyne/{name}.bin", l.name)))?;
            let field = |n: &str, offset: u32| json!({"name": n, "offset": offset, "type": 7});
            send(
                &mut w,
                *cloud,
                ns,
                json!({
                    "timestamp": time(ns), "frame_id": l.name,
                    "pose": {"position": vector([0.0; 3]), "orientation": rotation(glam::DQuat::IDENTITY)},
                    "point_stride": 16,
                    "fields": [field("x", 0), field("y", 4), field("z", 8), field("intensity", 12)],
                    "data": base64(&bin),
                }),
            )?;
        }
        send(&mut w, topics.boxes, ns, boxes_message(&labels, ns))?;
    }
    let out = w.w.finish()?;
    out.into_inner()
        .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?
        .sync_all()?;
    fs::rename(&tmp, &path).with_context(|| format!("renaming {}", path.display()))
}
