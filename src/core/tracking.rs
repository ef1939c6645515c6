//! Multi-object tracking ground truth: KITTI-tracking label lines and
//! MOTChallenge `gt.txt` lines, one track per instance id (ids are stable
//! for the whole run, across cameras and the LiDAR).

use super::classes::Class;
use super::kitti::tracked_rows;
use super::record::ObjectLabel;

/// MOT17's class column: 1 pedestrian, 2 person on vehicle, 3 car (trucks
/// and buses too: MOT has neither), 4 bicycle, 8 distractor (animals), 10 occluder on
/// the ground (debris). Only class 1 is scored by MOT17's evaluation.
pub fn mot_class(class: Class) -> Option<u8> {
    match class {
        Class::Person => Some(1),
        Class::Rider => Some(2),
        Class::Car | Class::Truck | Class::Bus => Some(3),
        Class::Bicycle => Some(4),
        Class::Animal => Some(8),
        Class::Debris => Some(10),
        _ => None,
    }
}

/// `frame,id,bb_left,bb_top,bb_width,bb_height,conf,class,visibility` per
/// object seen in this image (some visible pixels): `frame` 1-based (MOT's
/// numbering: Edgecase frame f is MOT frame f + 1); the box is the amodal
/// box (the projected 3D box, unclipped, as MOT draws the whole body);
/// `conf` 1 for objects to track, 0 for those flagged too small (MOT's
/// "ignore"); visibility = visible fraction x (1 - truncation).
pub fn mot_lines(frame: u64, objects: &[ObjectLabel]) -> String {
    let mut s = String::new();
    for o in objects.iter().filter(|o| o.visible_pixels > 0) {
        let Some(class) = Class::from_id(o.class_id).and_then(mot_class) else {
            continue;
        };
        let b = o.bbox_amodal_px;
        let visibility = o.visible_fraction * (1.0 - o.truncation);
        s.push_str(&format!(
            "{},{},{:.2},{:.2},{:.2},{:.2},{},{},{:.4}\n",
            frame + 1,
            o.instance_id,
            b[0],
            b[1],
            b[2] - b[0],
            b[3] - b[1],
            u8::from(!o.too_small),
            class,
            visibility
        ));
    }
    s
}

/// KITTI-tracking lines of one frame: `frame track_id` then the object's
/// KITTI detection row (KITTI's types, Cyclist boxes hold the bicycle;
/// DontCare rows get track id -1, as KITTI writes them) with KITTI
/// tracking's integer truncation level in place of the fraction.
pub fn kitti_tracking_lines(frame: u64, objects: &[ObjectLabel]) -> String {
    let mut s = String::new();
    for (id, row) in tracked_rows(objects) {
        let track = if row.kind == "DontCare" {
            -1
        } else {
            id as i64
        };
        s.push_str(&format!("{frame} {track} {}\n", row.to_tracking_line()));
    }
    s
}

/// MOTChallenge `seqinfo.ini`; `image_ext` with its dot (`.png`, `.jpg`).
pub fn seqinfo(
    name: &str,
    frames: u64,
    fps: f64,
    (width, height): (u32, u32),
    image_ext: &str,
) -> String {
    format!(
        "[Sequence]\nname={name}\nimDir=img1\nframeRate={}\nseqLength={frames}\nimWidth={width}\nimHeight={height}\nimExt={image_ext}\n",
        fps.round() as u64
    )
}

/// TrackEval's MOTChallenge sequence list (`seqmaps/MOT17-train.txt`
/// under its GT folder): a header row, then one sequence a line.
pub fn mot_seqmap<'a>(sequences: impl IntoIterator<Item = &'a str>) -> String {
    sequences
        .into_iter()
        .fold("name\n".to_string(), |text, s| text + s + "\n")
}

/// KITTI tracking's sequence list, as its devkit and TrackEval read it
/// (`evaluate_tracking.seqmap.training` beside `label_02`): sequence,
/// `empty`, first frame, frame count.
pub fn kitti_seqmap(sequences: usize, frames: u64) -> String {
    (0..sequences)
        .map(|i| format!("{i:04} empty 000000 {frames:06}\n"))
        .collect()
}

/// Where our ENU origin is on the globe for KITTI's GPS/IMU (oxts) files:
/// KITTI's own Karlsruhe reference (latitude, longitude in degrees,
/// altitude in metres). Only differences matter to a reader.
pub const OXTS_ORIGIN: (f64, f64, f64) = (49.011, 8.424, 112.0);

/// Earth radius KITTI's devkit (and pykitti) use for its Mercator poses, m.
const EARTH_RADIUS_M: f64 = 6_378_137.0;

/// An ENU position (east, north, metres from the origin) as latitude and
/// longitude (degrees) such that KITTI's devkit Mercator projection, with
/// the origin's latitude as its scale, gives back exactly east and north
/// (plus the origin's own offset).
pub fn enu_to_lat_lon(east_m: f64, north_m: f64) -> (f64, f64) {
    let (lat0, lon0, _) = OXTS_ORIGIN;
    let scale = lat0.to_radians().cos();
    let x0 = scale * lon0.to_radians() * EARTH_RADIUS_M;
    let y0 = scale * EARTH_RADIUS_M * ((90.0 + lat0) * std::f64::consts::PI / 360.0).tan().ln();
    let (x, y) = (x0 + east_m, y0 + north_m);
    let lon = (x / (scale * EARTH_RADIUS_M)).to_degrees();
    let lat = 360.0 / std::f64::consts::PI * (y / (scale * EARTH_RADIUS_M)).exp().atan() - 90.0;
    (lat, lon)
}

/// One KITTI oxts line (30 values: lat lon alt roll pitch yaw vn ve vf vl
/// vu ax ay az af al au wx wy wz wf wl wu posacc velacc navstat numsats
/// posmode velmode orimode) of the ego: yaw counter-clockwise from east,
/// the ego level (roll = pitch = 0), accelerations without gravity, a
/// perfect fix (RTK modes).
pub fn oxts_line(ego: &super::record::EgoState) -> String {
    let [e, n, u] = ego.position_m;
    let (lat, lon) = enu_to_lat_lon(e, n);
    let yaw = ego.yaw_rad;
    let v =
        ego.velocity_enu_mps
            .unwrap_or([ego.speed_mps * yaw.cos(), ego.speed_mps * yaw.sin(), 0.0]);
    let a = ego.acceleration_enu_mps2.unwrap_or([0.0; 3]);
    // forward / left components of an ENU vector
    let (c, s) = (yaw.cos(), yaw.sin());
    let fl = |w: [f64; 3]| (w[0] * c + w[1] * s, -w[0] * s + w[1] * c);
    let (vf, vl) = fl(v);
    let (af, al) = fl(a);
    let wz = ego.yaw_rate_rad_s;
    let values = [
        lat,
        lon,
        OXTS_ORIGIN.2 + u,
        0.0,
        0.0,
        yaw,
        v[1],
        v[0],
        vf,
        vl,
        v[2],
        a[0],
        a[1],
        a[2],
        af,
        al,
        a[2],
        0.0,
        0.0,
        wz,
        0.0,
        0.0,
        wz,
        0.01,
        0.01,
    ];
    let mut line: Vec<String> = values.iter().map(|v| format!("{v:.12}")).collect();
    line.extend(["4", "10", "4", "4", "4"].map(String::from));
    line.join(" ") + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_instance_class_has_a_mot_class() {
        for c in Class::ALL.iter().filter(|c| c.is_thing()) {
            assert!(mot_class(*c).is_some(), "{c:?}");
        }
        assert_eq!(mot_class(Class::Road), None);
    }

    #[test]
    fn oxts_positions_come_back_through_kittis_mercator() {
        // pykitti's pose_from_oxts_packet, written out
        let mercator = |lat: f64, lon: f64| {
            let scale = OXTS_ORIGIN.0.to_radians().cos();
            let tx = scale * lon * std::f64::consts::PI * EARTH_RADIUS_M / 180.0;
            let ty =
                scale * EARTH_RADIUS_M * ((90.0 + lat) * std::f64::consts::PI / 360.0).tan().ln();
            (tx, ty)
        };
        let (x0, y0) = mercator(OXTS_ORIGIN.0, OXTS_ORIGIN.1);
        for (e, n) in [(0.0, 0.0), (123.4, -56.7), (-2000.0, 1500.0)] {
            let (lat, lon) = enu_to_lat_lon(e, n);
            let (x, y) = mercator(lat, lon);
            assert!(
                (x - x0 - e).abs() < 1e-6 && (y - y0 - n).abs() < 1e-6,
                "{e} {n}"
            );
        }
        let ego = crate::core::record::EgoState {
            position_m: [10.0, 5.0, 0.0],
            yaw_rad: std::f64::consts::FRAC_PI_2,
            speed_mps: 3.0,
            yaw_rate_rad_s: 0.1,
            velocity_enu_mps: Some([0.0, 3.0, 0.0]),
            acceleration_enu_mps2: None,
        };
        let line = oxts_line(&ego);
        let v: Vec<f64> = line
            .split_whitespace()
            .map(|x| x.parse().unwrap())
            .collect();
        assert_eq!(v.len(), 30);
        // heading north: vn = 3, ve = 0, vf = 3, vl = 0, wz = 0.1
        assert!((v[6] - 3.0).abs() < 1e-9 && v[7].abs() < 1e-9);
        assert!((v[8] - 3.0).abs() < 1e-9 && v[9].abs() < 1e-9);
        assert!((v[19] - 0.1).abs() < 1e-12);
    }

    #[test]
    fn seqinfo_names_the_png_frames() {
        let s = seqinfo("front", 30, 10.0, (640, 480), ".png");
        assert!(s.contains("seqLength=30\n") && s.contains("imExt=.png\n"));
    }

    #[test]
    fn seqmaps_list_every_sequence_as_the_evaluators_read_them() {
        assert_eq!(mot_seqmap(["front", "left"]), "name\nfront\nleft\n");
        assert_eq!(
            kitti_seqmap(2, 150),
            "0000 empty 000000 000150\n0001 empty 000000 000150\n"
        );
    }
}
