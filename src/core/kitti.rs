//! KITTI 3D-object text formats: label_2 lines and 7-line calib files.

use super::frames::Pose;
use glam::{DMat3, DVec3};

/// KITTI's rectified camera frame for a tilted camera: the OpenCV camera
/// frame turned level (y along gravity, z the horizontal part of the optical
/// axis, x = y cross z), so label_2 boxes stay upright and need only
/// `rotation_y`. Returns `rect_from_cv` (KITTI's `R0_rect`); `down_cv` is
/// gravity's direction in the OpenCV camera frame.
pub fn rect_from_cv(down_cv: DVec3) -> DMat3 {
    let y = down_cv.normalize();
    let level = |v: DVec3| v - y * v.dot(y);
    // the optical axis, levelled; a camera looking straight down or up
    // levels its image-up direction instead
    let mut z = level(DVec3::Z);
    if z.length_squared() < 1e-12 {
        z = level(-DVec3::Y);
    }
    let z = z.normalize();
    let x = y.cross(z);
    // rows are the rectified axes in camera coordinates
    DMat3::from_cols(x, y, z).transpose()
}

/// KITTI `occluded` level from the visible fraction of the unoccluded
/// in-image footprint: 0 fully visible (>= 0.9), 1 partly (>= 0.5),
/// 2 largely (< 0.5).
pub fn occlusion_level(visible_fraction: f64) -> u8 {
    if visible_fraction >= 0.9 {
        0
    } else if visible_fraction >= 0.5 {
        1
    } else {
        2
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct KittiLabel {
    pub kind: String,
    pub truncated: f64,
    pub occluded: u8,
    pub alpha: f64,
    /// left, top, right, bottom in pixels.
    pub bbox: [f64; 4],
    pub h: f64,
    pub w: f64,
    pub l: f64,
    pub location: [f64; 3],
    pub rotation_y: f64,
}

/// Formats "-0.00" as "0.00" so equal values print identically.
fn f2(v: f64) -> String {
    let s = format!("{v:.2}");
    if s == "-0.00" { "0.00".to_string() } else { s }
}

/// KITTI tracking's truncation level of a truncated fraction (the share
/// of the amodal box outside the image, -1 for DontCare), read as the
/// detection row prints it (two decimals): 0.00 inside the image, up to
/// 0.99 partly outside, 1.00 wholly.
pub fn truncation_level(fraction: f64) -> i32 {
    let percent = (fraction * 100.0).round();
    if fraction < 0.0 {
        -1
    } else if percent == 0.0 {
        0
    } else if percent < 100.0 {
        1
    } else {
        2
    }
}

impl KittiLabel {
    /// One line, 15 fields separated by single spaces.
    pub fn to_line(&self) -> String {
        self.line_with(f2(self.truncated))
    }

    /// The row as KITTI tracking writes it: its truncation is a level, an
    /// integer (KITTI tracking's readme: 0 not truncated, 1 partly, 2
    /// wholly; -1 for DontCare), which its devkit and TrackEval read with
    /// `int()`, so a fraction would read as "not truncated".
    pub fn to_tracking_line(&self) -> String {
        self.line_with(truncation_level(self.truncated).to_string())
    }

    fn line_with(&self, truncation: String) -> String {
        let mut fields = vec![
            self.kind.clone(),
            truncation,
            self.occluded.to_string(),
            f2(self.alpha),
        ];
        fields.extend(self.bbox.iter().map(|v| f2(*v)));
        fields.extend([self.h, self.w, self.l].iter().map(|v| f2(*v)));
        fields.extend(self.location.iter().map(|v| f2(*v)));
        fields.push(f2(self.rotation_y));
        fields.join(" ")
    }

    /// A DontCare row: a region evaluators ignore.
    pub fn dont_care(bbox: [f64; 4]) -> KittiLabel {
        KittiLabel {
            kind: "DontCare".into(),
            truncated: -1.0,
            occluded: 3,
            alpha: -10.0,
            bbox,
            h: -1.0,
            w: -1.0,
            l: -1.0,
            location: [-1000.0, -1000.0, -1000.0],
            rotation_y: -10.0,
        }
    }
}

/// Label file text: real objects first, DontCare rows after.
pub fn label_file(objects: &[KittiLabel]) -> String {
    let mut lines: Vec<String> = objects
        .iter()
        .filter(|o| o.kind != "DontCare")
        .map(|o| o.to_line())
        .collect();
    lines.extend(
        objects
            .iter()
            .filter(|o| o.kind == "DontCare")
            .map(|o| o.to_line()),
    );
    let mut s = lines.join("\n");
    if !s.is_empty() {
        s.push('\n');
    }
    s
}

fn row(key: &str, values: &[f64]) -> String {
    let vals: Vec<String> = values.iter().map(|v| format!("{v:.12e}")).collect();
    format!("{key}: {}", vals.join(" "))
}

fn pose_3x4(p: &Pose) -> Vec<f64> {
    let m = DMat3::from_quat(p.rotation);
    let t = p.translation;
    vec![
        m.x_axis.x, m.y_axis.x, m.z_axis.x, t.x, m.x_axis.y, m.y_axis.y, m.z_axis.y, t.y,
        m.x_axis.z, m.y_axis.z, m.z_axis.z, t.z,
    ]
}

/// [`rect_from_cv`] as a pose, for a camera whose pose in a Y-up frame (the
/// sim world, or the planar ego) is `cv_from_yup`.
pub fn rect_from_cv_pose(cv_from_yup: &Pose) -> Pose {
    let down_cv = cv_from_yup.transform_vector(-DVec3::Y);
    Pose::new(glam::DQuat::from_mat3(&rect_from_cv(down_cv)), DVec3::ZERO)
}

/// The 7-line calib file for a mono rig. `k_opencv` is the camera's
/// K [I | 0]; R0_rect = `rect_from_cv` (see [`rect_from_cv`]); P0..P3 =
/// K [R0_rect^T | 0], which projects rectified points (label_2 boxes), so
/// P2 * R0_rect * Tr_velo_to_cam = K [I | 0] * Tr_velo_to_cam as for a
/// level camera; Tr_velo_to_cam = `cam_from_velo` (OpenCV camera <- LiDAR
/// frame); Tr_imu_to_velo = `velo_from_imu`.
pub fn calib_file(
    k_opencv: [[f64; 4]; 3],
    rect_from_cv: DMat3,
    cam_from_velo: &Pose,
    velo_from_imu: &Pose,
    lens: &super::lens::Lens,
) -> String {
    let k = DMat3::from_cols_array_2d(&[
        [k_opencv[0][0], k_opencv[1][0], k_opencv[2][0]],
        [k_opencv[0][1], k_opencv[1][1], k_opencv[2][1]],
        [k_opencv[0][2], k_opencv[1][2], k_opencv[2][2]],
    ]);
    // row-major: a matrix's transpose read column by column
    let kr = (k * rect_from_cv.transpose()).transpose().to_cols_array();
    let p: Vec<f64> = (0..3)
        .flat_map(|r| [kr[3 * r], kr[3 * r + 1], kr[3 * r + 2], k_opencv[r][3]])
        .collect();
    let lines = [
        row("P0", &p),
        row("P1", &p),
        row("P2", &p),
        row("P3", &p),
        row("R0_rect", &rect_from_cv.transpose().to_cols_array()),
        row("Tr_velo_to_cam", &pose_3x4(cam_from_velo)),
        row("Tr_imu_to_velo", &pose_3x4(velo_from_imu)),
    ];
    let mut text = lines.join("\n") + "\n";
    // a lens camera's image is distorted: P2 is its K, and its OpenCV
    // distortion follows as KITTI raw's calib_cam_to_cam writes D_02
    // (readers that take the seven rows above by name are unaffected)
    if !lens.is_pinhole() {
        text += &row("D2", &lens.opencv().1);
        text += "\n";
    }
    text
}

/// The KITTI row of a labeled object: a real row when it is large enough,
/// a DontCare region when it is flagged too small, nothing when invisible.
pub fn from_object(obj: &super::record::ObjectLabel) -> Option<KittiLabel> {
    let bbox = obj.bbox_visible_px?;
    if obj.too_small {
        return Some(KittiLabel::dont_care(bbox));
    }
    let [h, w, l] = obj.kitti.dimensions_hwl_m;
    Some(KittiLabel {
        kind: obj.kitti_type.clone(),
        truncated: obj.truncation,
        occluded: obj.occlusion_level,
        alpha: obj.kitti.alpha_rad,
        bbox,
        h,
        w,
        l,
        location: obj.kitti.location_m,
        rotation_y: obj.kitti.rotation_y_rad,
    })
}

/// The KITTI rows of one camera's objects. KITTI has no bicycle class: a
/// ridden bicycle gets no row, and its rider's Cyclist row spans both (the
/// 2D box around rider and bicycle, as KITTI's annotators drew them; the
/// rider's 3D box already holds the bicycle).
pub fn label_rows(objects: &[super::record::ObjectLabel]) -> Vec<KittiLabel> {
    tracked_rows(objects)
        .into_iter()
        .map(|(_, row)| row)
        .collect()
}

/// `label_rows` with the instance id each row describes (KITTI-tracking's
/// track id).
pub fn tracked_rows(objects: &[super::record::ObjectLabel]) -> Vec<(u32, KittiLabel)> {
    objects
        .iter()
        .filter(|o| !o.kitti_type.is_empty())
        .filter_map(|o| {
            let mut row = from_object(o)?;
            let ridden = objects
                .iter()
                .filter(|b| b.rider_instance_id == Some(o.instance_id))
                .filter_map(|b| b.bbox_visible_px);
            for [x0, y0, x1, y1] in ridden {
                let r = &mut row.bbox;
                *r = [r[0].min(x0), r[1].min(y0), r[2].max(x1), r[3].max(y1)];
            }
            Some((o.instance_id, row))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use glam::{DQuat, DVec3};

    #[test]
    fn tracking_rows_write_kitti_trackings_truncation_levels() {
        assert_eq!(
            [-1.0, 0.0, 0.004, 0.006, 0.5, 0.994, 0.996, 1.0].map(truncation_level),
            [-1, 0, 0, 1, 1, 1, 2, 2]
        );
        let row = KittiLabel {
            truncated: 0.35,
            ..KittiLabel::dont_care([1.0, 2.0, 3.0, 4.0])
        };
        let line = row.to_tracking_line();
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!((fields.len(), fields[1]), (15, "1"), "{line}");
        // the rest is the detection row's
        assert_eq!(
            fields[2..],
            row.to_line().split(' ').collect::<Vec<_>>()[2..]
        );
        let dc = KittiLabel::dont_care([0.0; 4]).to_tracking_line();
        assert!(dc.starts_with("DontCare -1 3 "), "{dc}");
    }

    #[test]
    fn label_line_has_15_single_space_fields() {
        let l = KittiLabel {
            kind: "Car".into(),
            truncated: 0.0,
            occluded: 1,
            alpha: -0.0001,
            bbox: [10.0, 20.5, 100.25, 80.0],
            h: 1.5,
            w: 1.8,
            l: 4.2,
            location: [1.0, 1.6, 12.0],
            rotation_y: 0.5,
        };
        let line = l.to_line();
        let fields: Vec<&str> = line.split(' ').collect();
        assert_eq!(fields.len(), 15, "{line}");
        assert!(fields.iter().all(|f| !f.is_empty()));
        assert_eq!(fields[3], "0.00");
        assert_eq!(
            line,
            "Car 0.00 1 0.00 10.00 20.50 100.25 80.00 1.50 1.80 4.20 1.00 1.60 12.00 0.50"
        );
    }

    #[test]
    fn dont_care_rows_come_last() {
        let car = KittiLabel {
            kind: "Car".into(),
            ..KittiLabel::dont_care([0.0; 4])
        };
        let text = label_file(&[KittiLabel::dont_care([1.0, 2.0, 3.0, 4.0]), car]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].starts_with("Car "));
        assert!(lines[1].starts_with("DontCare "));
        assert!(lines.iter().all(|l| l.split(' ').count() == 15));
    }

    #[test]
    fn calib_has_seven_keyed_lines_that_project() {
        let p2 = [
            [500.0, 0.0, 319.5, 0.0],
            [0.0, 500.0, 239.5, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ];
        // velo (x fwd, y left, z up) -> cv camera (x right, y down, z fwd), camera 1 m above
        let rot = DQuat::from_mat3(&DMat3::from_cols(
            DVec3::new(0.0, 0.0, 1.0),
            DVec3::new(-1.0, 0.0, 0.0),
            DVec3::new(0.0, -1.0, 0.0),
        ));
        let cam_from_velo = Pose::new(rot, DVec3::new(0.0, 1.0, 0.0));
        let text = calib_file(
            p2,
            DMat3::IDENTITY,
            &cam_from_velo,
            &Pose::IDENTITY,
            &Default::default(),
        );
        let lines: Vec<&str> = text.lines().collect();
        let keys: Vec<&str> = lines.iter().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            [
                "P0",
                "P1",
                "P2",
                "P3",
                "R0_rect",
                "Tr_velo_to_cam",
                "Tr_imu_to_velo"
            ]
        );
        // parse Tr_velo_to_cam back and project a point 10 m ahead, 1 m left
        let tr: Vec<f64> = lines[5]
            .split(' ')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect();
        assert_eq!(tr.len(), 12);
        let x = [10.0, 1.0, 0.0, 1.0];
        let cam: Vec<f64> = (0..3)
            .map(|r| (0..4).map(|c| tr[r * 4 + c] * x[c]).sum())
            .collect();
        assert!(
            (cam[0] + 1.0).abs() < 1e-9
                && (cam[1] - 1.0).abs() < 1e-9
                && (cam[2] - 10.0).abs() < 1e-9
        );
        let u = (500.0 * cam[0] + 319.5 * cam[2]) / cam[2];
        assert!((u - 269.5).abs() < 1e-9);
    }

    fn parse_row(text: &str, key: &str) -> Vec<f64> {
        let line = text.lines().find(|l| l.starts_with(key)).unwrap();
        line.split(' ')
            .skip(1)
            .map(|v| v.parse().unwrap())
            .collect()
    }

    /// A camera pitched down 3 degrees and rolled 2: label boxes in the
    /// rectified frame are level, and P2 * R0_rect sends camera points where
    /// K sends them.
    #[test]
    fn rectified_frame_is_level_and_projects_like_the_camera() {
        let cv_from_level =
            DMat3::from_rotation_z(0.035) * DMat3::from_rotation_x(-3f64.to_radians());
        let down_cv = cv_from_level * DVec3::Y;
        let r0 = rect_from_cv(down_cv);
        // gravity is rectified +y, and the rectified frame is a rotation
        assert!((r0 * down_cv - DVec3::Y).length() < 1e-12);
        assert!((r0.determinant() - 1.0).abs() < 1e-12);
        // the optical axis stays in the rectified y-z plane (no yaw added)
        assert!((r0 * DVec3::Z).x.abs() < 1e-12);
        let k = [
            [500.0, 0.0, 319.5, 0.0],
            [0.0, 500.0, 239.5, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ];
        let text = calib_file(k, r0, &Pose::IDENTITY, &Pose::IDENTITY, &Default::default());
        let (p2, r) = (parse_row(&text, "P2"), parse_row(&text, "R0_rect"));
        for cam in [DVec3::new(2.0, 1.0, 12.0), DVec3::new(-4.0, -0.5, 30.0)] {
            let rect: Vec<f64> = (0..3)
                .map(|i| r[i * 3] * cam.x + r[i * 3 + 1] * cam.y + r[i * 3 + 2] * cam.z)
                .collect();
            let img: Vec<f64> = (0..3)
                .map(|i| (0..3).map(|j| p2[i * 4 + j] * rect[j]).sum::<f64>() + p2[i * 4 + 3])
                .collect();
            let (u, v) = (img[0] / img[2], img[1] / img[2]);
            let (u0, v0) = (500.0 * cam.x / cam.z + 319.5, 500.0 * cam.y / cam.z + 239.5);
            assert!(
                (u - u0).abs() < 1e-6 && (v - v0).abs() < 1e-6,
                "{u} {v} vs {u0} {v0}"
            );
        }
        // a camera looking straight down still gets a proper rotation
        let straight_down = rect_from_cv(DVec3::Z);
        assert!((straight_down.determinant() - 1.0).abs() < 1e-12);
    }

    #[test]
    fn occlusion_levels() {
        assert_eq!(occlusion_level(1.0), 0);
        assert_eq!(occlusion_level(0.7), 1);
        assert_eq!(occlusion_level(0.1), 2);
    }
}
