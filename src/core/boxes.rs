//! Oriented 3D boxes, their projection (amodal 2D box, truncation) and the
//! KITTI 3D box conventions.

use super::camera::Intrinsics;
use super::frames::{Pose, wrap_angle};
use super::silhouette::{ConvexHull2, project_convex_hull};
use glam::DVec3;

/// An upright box in the sim world: centre, size (length along local X,
/// height along Y, width along Z) and yaw about +Y.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Box3 {
    pub center: DVec3,
    pub length_m: f64,
    pub height_m: f64,
    pub width_m: f64,
    pub yaw_rad: f64,
}

impl Box3 {
    pub fn pose(&self) -> Pose {
        Pose::new(super::frames::yaw_rotation(self.yaw_rad), self.center)
    }

    /// Corner i has local sign (bit0 -> x, bit1 -> y, bit2 -> z).
    pub fn corners(&self) -> [DVec3; 8] {
        let half = DVec3::new(self.length_m, self.height_m, self.width_m) / 2.0;
        let pose = self.pose();
        std::array::from_fn(|i| {
            let s = DVec3::new(
                if i & 1 == 0 { -1.0 } else { 1.0 },
                if i & 2 == 0 { -1.0 } else { 1.0 },
                if i & 4 == 0 { -1.0 } else { 1.0 },
            );
            pose.transform_point(s * half)
        })
    }

    /// The smallest box with this one's yaw that holds both this box and
    /// every point of `points` (sim world): posed parts (an open door, a
    /// deer's lowered head) grow the box instead of sticking out of it.
    pub fn enclosing(&self, points: impl IntoIterator<Item = DVec3>) -> Box3 {
        let pose = self.pose();
        let from_world = pose.inverse();
        let half = DVec3::new(self.length_m, self.height_m, self.width_m) / 2.0;
        let (mut lo, mut hi) = (-half, half);
        for p in points {
            let local = from_world.transform_point(p);
            lo = lo.min(local);
            hi = hi.max(local);
        }
        // parts that touch a face (f32 meshes) leave it where it is
        const TOLERANCE_M: f64 = 1e-4;
        let grown = |v: f64, face: f64| {
            if (v - face).abs() <= TOLERANCE_M {
                face
            } else {
                v
            }
        };
        let lo = DVec3::new(
            grown(lo.x, -half.x),
            grown(lo.y, -half.y),
            grown(lo.z, -half.z),
        );
        let hi = DVec3::new(
            grown(hi.x, half.x),
            grown(hi.y, half.y),
            grown(hi.z, half.z),
        );
        if lo == -half && hi == half {
            return *self;
        }
        let size = hi - lo;
        Box3 {
            center: pose.transform_point((lo + hi) / 2.0),
            length_m: size.x,
            height_m: size.y,
            width_m: size.z,
            yaw_rad: self.yaw_rad,
        }
    }

    pub fn forward(&self) -> DVec3 {
        super::frames::forward_at(self.yaw_rad)
    }
}

/// Pixel-edge rectangle [x_min, y_min, x_max, y_max].
pub type Rect = [f64; 4];

/// Image-plane hull of a box seen from a camera (`cam_from_world` maps the sim
/// world to OpenCV camera coordinates). None when nothing is in front of the near plane.
pub fn project_box_hull(b: &Box3, cam_from_world: &Pose, k: &Intrinsics) -> Option<ConvexHull2> {
    let corners_cv = b.corners().map(|c| cam_from_world.transform_point(c));
    project_convex_hull(&corners_cv, k)
}

/// Amodal 2D box (unclipped) and truncation: the fraction of the amodal box's
/// area outside the image.
pub fn amodal_box_and_truncation(hull: &ConvexHull2, k: &Intrinsics) -> (Rect, f64) {
    let r = hull.bounds();
    let area = (r[2] - r[0]) * (r[3] - r[1]);
    let clipped = clip_rect(r, k.width, k.height);
    let inside = (clipped[2] - clipped[0]).max(0.0) * (clipped[3] - clipped[1]).max(0.0);
    let truncation = if area > 0.0 {
        (1.0 - inside / area).clamp(0.0, 1.0)
    } else {
        1.0
    };
    (r, truncation)
}

pub fn clip_rect(r: Rect, width: u32, height: u32) -> Rect {
    [
        r[0].clamp(0.0, width as f64),
        r[1].clamp(0.0, height as f64),
        r[2].clamp(0.0, width as f64),
        r[3].clamp(0.0, height as f64),
    ]
}

/// A 3D box in KITTI's rectified camera convention.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct KittiBox {
    /// Bottom-face centre in OpenCV camera coordinates, metres.
    pub location: DVec3,
    pub h: f64,
    pub w: f64,
    pub l: f64,
    /// Yaw about camera Y (down); 0 = facing camera +x.
    pub rotation_y: f64,
    /// Observation angle: rotation_y - atan2(x, z), wrapped.
    pub alpha: f64,
}

/// Convert a world box to KITTI camera conventions. `cam_from_world` maps the
/// sim world to OpenCV camera coordinates.
pub fn to_kitti_box(b: &Box3, cam_from_world: &Pose) -> KittiBox {
    let bottom = b.center - DVec3::Y * (b.height_m / 2.0);
    let location = cam_from_world.transform_point(bottom);
    let fwd = cam_from_world.transform_vector(b.forward());
    // KITTI: the object's forward in the camera is (cos ry, 0, -sin ry).
    let rotation_y = wrap_angle((-fwd.z).atan2(fwd.x));
    let alpha = wrap_angle(rotation_y - location.x.atan2(location.z));
    KittiBox {
        location,
        h: b.height_m,
        w: b.width_m,
        l: b.length_m,
        rotation_y,
        alpha,
    }
}

/// Rebuild the 8 corners (OpenCV camera coords) from a KITTI box, as KITTI's
/// devkit does; used to check the conversion round-trips.
pub fn kitti_corners(kb: &KittiBox) -> [DVec3; 8] {
    let (s, c) = kb.rotation_y.sin_cos();
    std::array::from_fn(|i| {
        let x = if i & 1 == 0 { -kb.l / 2.0 } else { kb.l / 2.0 };
        let y = if i & 2 == 0 { 0.0 } else { -kb.h }; // up is -y
        let z = if i & 4 == 0 { -kb.w / 2.0 } else { kb.w / 2.0 };
        // R_y(ry) = [[c,0,s],[0,1,0],[-s,0,c]]
        DVec3::new(c * x + s * z, y, -s * x + c * z) + kb.location
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::frames::{bevy_cam_to_cv, camera_mount_pose};

    fn cam_from_world(cam_world: &Pose) -> Pose {
        // world -> bevy camera local -> OpenCV
        let inv = cam_world.inverse();
        let flip = crate::core::frames::cv_from_bevy_camera();
        let p = flip.mul(&inv);
        // sanity: the flip is exactly bevy_cam_to_cv
        let v = DVec3::new(1.0, 2.0, 3.0);
        assert!((flip.transform_vector(v) - bevy_cam_to_cv(v)).length() < 1e-12);
        p
    }

    #[test]
    fn enclosing_grows_the_box_only_where_a_point_sticks_out() {
        let b = Box3 {
            center: DVec3::new(10.0, 0.75, -3.0),
            length_m: 4.0,
            height_m: 1.5,
            width_m: 2.0,
            yaw_rad: 0.7,
        };
        // points inside leave it unchanged, bit for bit
        assert_eq!(b.enclosing(b.corners()), b);
        // an open door reaching 1 m past the box's side (local +z)
        let door = b.pose().transform_point(DVec3::new(1.0, 0.2, 2.0));
        let g = b.enclosing([door]);
        assert!((g.width_m - 3.0).abs() < 1e-9 && (g.length_m - 4.0).abs() < 1e-9);
        assert!((g.height_m - 1.5).abs() < 1e-9 && g.yaw_rad == b.yaw_rad);
        // every corner of the old box and the door are inside the new one
        let inv = g.pose().inverse();
        let half = DVec3::new(g.length_m, g.height_m, g.width_m) / 2.0 + 1e-9;
        for p in b.corners().into_iter().chain([door]) {
            let l = inv.transform_point(p);
            assert!(l.abs().cmplt(half).all(), "{l:?} outside {half:?}");
        }
    }

    #[test]
    fn kitti_box_round_trips_corners() {
        let cam = camera_mount_pose(DVec3::new(0.0, 0.0, 1.6), 0.0, 0.0, 0.0);
        let cfw = cam_from_world(&cam);
        let b = Box3 {
            center: DVec3::new(12.0, 0.8, -2.0),
            length_m: 4.5,
            height_m: 1.6,
            width_m: 1.9,
            yaw_rad: 0.4,
        };
        let kb = to_kitti_box(&b, &cfw);
        let ours = b.corners().map(|c| cfw.transform_point(c));
        let theirs = kitti_corners(&kb);
        // same set of corners, ours ordered x,y,z bits with y up = -cv y
        for o in ours {
            let best = theirs
                .iter()
                .map(|t| (*t - o).length())
                .fold(f64::MAX, f64::min);
            assert!(best < 1e-9, "corner {o:?} missing");
        }
        // object ahead of a forward camera: z is the forward distance 12 m, y = camera height
        assert!((kb.location.z - 12.0).abs() < 1e-9);
        assert!((kb.location.y - 1.6).abs() < 1e-9);
        // heading along +X (camera forward) rotated left by 0.4: ry = -(pi/2) + ... check alpha relation
        assert!(
            (kb.alpha - wrap_angle(kb.rotation_y - kb.location.x.atan2(kb.location.z))).abs()
                < 1e-12
        );
    }

    #[test]
    fn facing_right_is_zero_rotation() {
        let cam = camera_mount_pose(DVec3::ZERO, 0.0, 0.0, 0.0);
        let cfw = cam_from_world(&cam);
        // object heading to the camera's right: camera right is vehicle -y = sim +Z, heading -90 deg
        let b = Box3 {
            center: DVec3::new(10.0, 0.0, 0.0),
            length_m: 4.0,
            height_m: 1.5,
            width_m: 2.0,
            yaw_rad: -std::f64::consts::FRAC_PI_2,
        };
        let kb = to_kitti_box(&b, &cfw);
        assert!(kb.rotation_y.abs() < 1e-9);
    }

    #[test]
    fn amodal_box_and_truncation_of_centred_and_cut_boxes() {
        let k = Intrinsics::from_hfov(200, 100, 90f64.to_radians());
        let cam = camera_mount_pose(DVec3::ZERO, 0.0, 0.0, 0.0);
        let cfw = cam_from_world(&cam);
        let b = Box3 {
            center: DVec3::new(10.0, 0.0, 0.0),
            length_m: 0.2,
            height_m: 2.0,
            width_m: 2.0,
            yaw_rad: 0.0,
        };
        let hull = project_box_hull(&b, &cfw, &k).unwrap();
        let (r, t) = amodal_box_and_truncation(&hull, &k);
        // front face at 9.9 m: half-size 1 m -> fx*1/9.9 = 100/9.9 px
        let half = 100.0 / 9.9;
        assert!(
            (r[0] - (100.0 - half)).abs() < 1e-6 && (r[3] - (50.0 + half)).abs() < 1e-6,
            "{r:?}"
        );
        assert_eq!(t, 0.0);
        // move it so half is off the right edge
        let b2 = Box3 {
            center: DVec3::new(10.0, 0.0, 9.9),
            ..b
        };
        let (_, t2) = amodal_box_and_truncation(&project_box_hull(&b2, &cfw, &k).unwrap(), &k);
        assert!(t2 > 0.3 && t2 < 0.7, "{t2}");
        // behind the camera: nothing
        let b3 = Box3 {
            center: DVec3::new(-10.0, 0.0, 0.0),
            ..b
        };
        assert!(project_box_hull(&b3, &cfw, &k).is_none());
    }
}
