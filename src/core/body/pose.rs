//! Posing a body: standing, walking, running and pedalling, and the COCO
//! keypoints of the pose.

use super::*;
use std::f32::consts::{PI, TAU};

/// What the body is doing: its phase in the gait or pedalling cycle (0..1).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Activity {
    Stand,
    Walk {
        phase: f32,
        speed_mps: f32,
    },
    /// Seated on a bicycle, hands on the bars: `phase` is the crank angle / 2 pi.
    Pedal {
        phase: f32,
    },
}

impl Activity {
    /// The same activity at another point of its cycle (standing has none).
    fn at_phase(self, phase: f32) -> Activity {
        match self {
            Activity::Stand => Activity::Stand,
            Activity::Walk { speed_mps, .. } => Activity::Walk { phase, speed_mps },
            Activity::Pedal { .. } => Activity::Pedal { phase },
        }
    }

    fn phase(self) -> f32 {
        match self {
            Activity::Stand => 0.0,
            Activity::Walk { phase, .. } | Activity::Pedal { phase } => phase,
        }
    }
}

/// How fast each COCO keypoint moves against the body's own frame (m/s,
/// person frame: swinging arms and legs, turning cranks) while the cycle
/// advances `phase_per_s` cycles a second: the pose's central difference
/// over the phase.
pub fn keypoint_velocities(body: &Body, activity: Activity, phase_per_s: f32) -> [Vec3; 17] {
    // a 500th of a cycle (a few ms): the difference's error on the gait's
    // sinusoids is negligible, and where the feet swap ground contact (a
    // kink in the body's height) the velocity is that of the moment
    const STEP: f32 = 0.002;
    if phase_per_s == 0.0 || activity == Activity::Stand {
        return [Vec3::ZERO; 17];
    }
    let at = |d: f32| pose(body, activity.at_phase(activity.phase() + d)).coco_keypoints(body);
    let (ahead, behind) = (at(STEP), at(-STEP));
    std::array::from_fn(|i| (ahead[i] - behind[i]) * (phase_per_s / (2.0 * STEP)))
}

/// Joints of the posed body, person frame.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Skeleton {
    pub pelvis: Vec3,
    pub chest: Vec3,
    pub neck: Vec3,
    pub head: Vec3,
    /// Unit vectors of the head: forward and up.
    pub head_forward: Vec3,
    pub head_up: Vec3,
    /// Left (-Z) then right, for each pair.
    pub shoulder: [Vec3; 2],
    pub elbow: [Vec3; 2],
    pub wrist: [Vec3; 2],
    pub hip: [Vec3; 2],
    pub knee: [Vec3; 2],
    pub ankle: [Vec3; 2],
    pub toe: [Vec3; 2],
}

/// Where a bicycle puts its rider, person frame: saddle top, bottom
/// bracket, crank radius, handlebar grips (centre).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BicycleFit {
    pub saddle: Vec3,
    pub bottom_bracket: Vec3,
    pub crank_m: f32,
    pub bars: Vec3,
}

/// The default city bicycle (0.68 m wheels, wheelbase 1.1 m, facing +X).
pub const CITY_BICYCLE: BicycleFit = BicycleFit {
    saddle: Vec3::new(-0.22, 0.98, 0.0),
    bottom_bracket: Vec3::new(0.0, 0.3, 0.0),
    crank_m: 0.17,
    bars: Vec3::new(0.42, 1.08, 0.0),
};

/// Unit vector in the sagittal plane `angle` rad forward of straight down.
fn down_rotated(angle: f32) -> Vec3 {
    Vec3::new(angle.sin(), -angle.cos(), 0.0)
}

/// Two-bone chain in the sagittal plane from `root` towards `target`:
/// the middle joint, bent towards `bend` (unit, in the plane).
fn two_bone(root: Vec3, target: Vec3, l1: f32, l2: f32, bend: Vec3) -> Vec3 {
    let d = target - root;
    let dist = d.length().clamp((l1 - l2).abs() + 1e-4, l1 + l2 - 1e-4);
    let dir = d.normalize_or(Vec3::NEG_Y);
    // law of cosines: distance of the middle joint along dir, and off it
    let a = (l1 * l1 - l2 * l2 + dist * dist) / (2.0 * dist);
    let off = (l1 * l1 - a * a).max(0.0).sqrt();
    let perp = (bend - dir * bend.dot(dir)).normalize_or(Vec3::X);
    root + dir * a + perp * off
}

/// The body posed for an activity.
pub fn pose(body: &Body, activity: Activity) -> Skeleton {
    match activity {
        Activity::Pedal { phase } => pose_pedalling(body, phase, &CITY_BICYCLE),
        Activity::Stand => pose_on_foot(body, 0.0, 0.0),
        Activity::Walk { phase, speed_mps } => pose_on_foot(body, phase, speed_mps),
    }
}

/// Upper body above a pelvis, leaning `lean` rad forward; arms hang from
/// the shoulders at `shoulder_flex` (rad, forward) with `elbow_flex`.
fn upper_body(
    body: &Body,
    pelvis: Vec3,
    lean: f32,
    shoulder_flex: [f32; 2],
    elbow_flex: [f32; 2],
) -> (Vec3, Vec3, Vec3, [Vec3; 2], [Vec3; 2], [Vec3; 2]) {
    let l = body.lengths();
    let h = body.height_m;
    let neck_y = h - 2.0 * l.head_half - l.neck;
    let torso_len = (neck_y
        - 0.53
            * h
            * if body.age == AgeGroup::Child {
                0.9
            } else {
                1.0
            })
    .max(0.2 * h);
    let up = Vec3::new(lean.sin(), lean.cos(), 0.0);
    let neck = pelvis + up * torso_len;
    let chest = pelvis + up * (torso_len - 0.02 * h);
    // the head stays nearly upright while the torso leans
    let head_up = Vec3::new((lean * 0.4).sin(), (lean * 0.4).cos(), 0.0);
    let head = neck + head_up * (l.neck + l.head_half);
    let mut shoulder = [Vec3::ZERO; 2];
    let mut elbow = [Vec3::ZERO; 2];
    let mut wrist = [Vec3::ZERO; 2];
    for i in 0..2 {
        shoulder[i] = chest + Vec3::Z * SIDE[i] * l.shoulder_half;
        // arms hang slightly away from the body
        let out = Vec3::Z * SIDE[i] * 0.12;
        elbow[i] = shoulder[i] + (down_rotated(shoulder_flex[i]) + out).normalize() * l.upper_arm;
        wrist[i] = elbow[i]
            + (down_rotated(shoulder_flex[i] + elbow_flex[i]) + out * 0.5).normalize() * l.forearm;
    }
    (chest, neck, head, shoulder, elbow, wrist)
}

/// Standing (speed 0), walking or running at `phase` of the stride; the
/// lower foot is put on the ground.
fn pose_on_foot(body: &Body, phase: f32, speed_mps: f32) -> Skeleton {
    let l = body.lengths();
    let running = speed_mps > RUN_MPS;
    let moving = speed_mps > STAND_MPS;
    // amplitudes (rad) grow with speed up to a brisk walk, then the run's
    let walk = (speed_mps / 1.4).clamp(0.0, 1.2);
    // the legs' swing makes the stride (hips, knees and ankles share it in
    // a real gait, so the thighs swing less than the stride alone asks)
    let leg = l.thigh + l.shank;
    let hip_stride = 0.8 * (body.stride_m(speed_mps) / (4.0 * leg)).min(0.9).asin();
    let (hip_amp, knee_swing, knee_stance, arm_amp, elbow_base, lean) = if running {
        (hip_stride, 1.6, 0.35, 0.7, 1.45, 0.17)
    } else if moving {
        (hip_stride, 1.0 * walk, 0.08, 0.32 * walk, 0.25, 0.04)
    } else {
        (0.0, 0.0, 0.03, 0.0, 0.18, 0.0)
    };
    let stoop = if body.age == AgeGroup::Elderly {
        0.15
    } else {
        0.0
    };
    let hip_y = l.ankle + l.shank + l.thigh;
    let pelvis0 = Vec3::new(0.0, hip_y, 0.0);
    let mut hip = [Vec3::ZERO; 2];
    let mut knee = [Vec3::ZERO; 2];
    let mut ankle = [Vec3::ZERO; 2];
    let mut toe = [Vec3::ZERO; 2];
    let mut shoulder_flex = [0.0; 2];
    let mut elbow_flex = [0.0; 2];
    for i in 0..2 {
        // the right leg is half a cycle behind the left
        let p = TAU * (phase + 0.5 * i as f32);
        let hip_flex = hip_amp * p.sin();
        // the knee folds in the swing (thigh moving forward), nearly
        // straight in the stance
        let knee_flex = knee_stance + knee_swing * p.cos().max(0.0).powi(2);
        hip[i] = pelvis0 + Vec3::Z * SIDE[i] * l.hip_half;
        knee[i] = hip[i] + down_rotated(hip_flex) * l.thigh;
        ankle[i] = knee[i] + down_rotated(hip_flex - knee_flex) * l.shank;
        toe[i] = ankle[i] + Vec3::new(0.72 * l.foot, -0.7 * l.ankle, 0.0);
        // each arm swings with the opposite leg
        shoulder_flex[1 - i] = arm_amp * p.sin();
        elbow_flex[1 - i] = elbow_base + 0.3 * arm_amp * p.sin().max(0.0);
    }
    let (chest, neck, head, shoulder, elbow, wrist) =
        upper_body(body, pelvis0, lean + stoop, shoulder_flex, elbow_flex);
    let (head_forward, head_up) = head_axes(head, neck);
    let mut s = Skeleton {
        pelvis: pelvis0,
        chest,
        neck,
        head,
        head_forward,
        head_up,
        shoulder,
        elbow,
        wrist,
        hip,
        knee,
        ankle,
        toe,
    };
    // the lowest sole touches the ground
    let sole = ankle[0].y.min(ankle[1].y) - l.ankle;
    s.translate(Vec3::new(0.0, -sole, 0.0));
    s
}

/// The head's forward and up axes: up along the neck, forward square to it
/// in the sagittal plane.
fn head_axes(head: Vec3, neck: Vec3) -> (Vec3, Vec3) {
    let up = head - neck;
    (
        up.cross(Vec3::Z).normalize_or(Vec3::X),
        up.normalize_or(Vec3::Y),
    )
}

/// Seated on a bicycle: pelvis on the saddle, feet on the pedals (crank at
/// `phase`, the right pedal half a turn ahead), hands on the bars.
fn pose_pedalling(body: &Body, phase: f32, bike: &BicycleFit) -> Skeleton {
    let l = body.lengths();
    let pelvis = bike.saddle + Vec3::new(0.0, 0.06 * body.height_m / 1.75, 0.0);
    let lean = 0.5;
    let mut hip = [Vec3::ZERO; 2];
    let mut knee = [Vec3::ZERO; 2];
    let mut ankle = [Vec3::ZERO; 2];
    let mut toe = [Vec3::ZERO; 2];
    for i in 0..2 {
        let a = TAU * phase + PI * i as f32;
        hip[i] = pelvis + Vec3::Z * SIDE[i] * l.hip_half;
        // pedals at hip width, so each leg moves in its own plane
        let pedal = bike.bottom_bracket
            + Vec3::new(a.cos(), a.sin(), 0.0) * bike.crank_m
            + Vec3::Z * hip[i].z;
        let target = pedal + Vec3::new(-0.05, l.ankle + 0.02, 0.0);
        knee[i] = two_bone(hip[i], target, l.thigh, l.shank, Vec3::X);
        // a leg too short for the pedal stretches towards it
        ankle[i] = knee[i] + (target - knee[i]).normalize_or(Vec3::NEG_Y) * l.shank;
        toe[i] = ankle[i] + Vec3::new(0.72 * l.foot, -0.7 * l.ankle, 0.0);
    }
    let (chest, neck, head, shoulder, _, _) = upper_body(body, pelvis, lean, [0.0; 2], [0.0; 2]);
    let mut elbow = [Vec3::ZERO; 2];
    let mut wrist = [Vec3::ZERO; 2];
    for i in 0..2 {
        let grip = bike.bars + Vec3::Z * SIDE[i] * 0.27;
        // elbows bend down and out
        elbow[i] = two_bone(shoulder[i], grip, l.upper_arm, l.forearm, Vec3::NEG_Y);
        wrist[i] = grip;
    }
    let (head_forward, head_up) = head_axes(head, neck);
    Skeleton {
        pelvis,
        chest,
        neck,
        head,
        head_forward,
        head_up,
        shoulder,
        elbow,
        wrist,
        hip,
        knee,
        ankle,
        toe,
    }
}

impl Skeleton {
    fn translate(&mut self, d: Vec3) {
        for p in [
            &mut self.pelvis,
            &mut self.chest,
            &mut self.neck,
            &mut self.head,
        ] {
            *p += d;
        }
        for pair in [
            &mut self.shoulder,
            &mut self.elbow,
            &mut self.wrist,
            &mut self.hip,
            &mut self.knee,
            &mut self.ankle,
            &mut self.toe,
        ] {
            for p in pair.iter_mut() {
                *p += d;
            }
        }
    }

    /// The 17 COCO keypoints, in COCO's order (`COCO_KEYPOINT_NAMES`),
    /// person frame. Face points lie on the head's surface.
    pub fn coco_keypoints(&self, body: &Body) -> [Vec3; 17] {
        let r = body.head_half();
        let (f, u) = (self.head_forward, self.head_up);
        let side = f.cross(u).normalize_or(Vec3::Z); // the person's right
        let nose = self.head + f * 0.86 * r - u * 0.15 * r;
        let eye = |s: f32| self.head + f * 0.72 * r + u * 0.12 * r + side * s * 0.3 * r;
        let ear = |s: f32| self.head + side * s * 0.72 * r - f * 0.05 * r;
        [
            nose,
            eye(-1.0),
            eye(1.0),
            ear(-1.0),
            ear(1.0),
            self.shoulder[0],
            self.shoulder[1],
            self.elbow[0],
            self.elbow[1],
            self.wrist[0],
            self.wrist[1],
            self.hip[0],
            self.hip[1],
            self.knee[0],
            self.knee[1],
            self.ankle[0],
            self.ankle[1],
        ]
    }
}
