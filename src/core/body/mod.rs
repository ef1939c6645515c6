//! People: a procedural body (proportions from height, build and age
//! group), its pose at a gait phase (idle stance, walk, run, pedalling), the
//! convex segments it is drawn with, and its 17 COCO keypoints. Pure
//! geometry in the person's frame: +X forward, +Y up, +Z to the person's
//! right, origin on the ground under the pelvis.

mod pose;
mod segments;
#[cfg(test)]
mod tests;

pub use pose::*;
pub use segments::*;

use crate::core::mesh::Primitive;
use crate::core::record::PersonAttributes;
use crate::core::rng::Stream;
use glam::Vec3;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AgeGroup {
    Child,
    Adult,
    Elderly,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LowerGarment {
    Trousers,
    Shorts,
    Skirt,
}

/// The weave or print of a person's top (and jacket): plain, horizontal
/// stripes (a Breton top, a rugby shirt) or checks (a flannel shirt).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TopPattern {
    #[default]
    Plain,
    Stripes,
    Checks,
}

impl TopPattern {
    /// The shader's code for it (`camera.wgsl`'s `cloth`): 0 plain.
    pub fn shader_code(self) -> u32 {
        match self {
            TopPattern::Plain => 0,
            TopPattern::Stripes => 1,
            TopPattern::Checks => 2,
        }
    }
}

/// The Monk Skin Tone scale (Google, 2022): ten tones from lightest to
/// darkest, sRGB. Persons draw from all ten, uniformly, so a dataset's
/// balance is the user's to audit (the tone is in every person's label).
pub const SKIN_TONES_SRGB: [[u8; 3]; 10] = [
    [0xf6, 0xed, 0xe4],
    [0xf3, 0xe7, 0xdb],
    [0xf7, 0xea, 0xd0],
    [0xea, 0xda, 0xba],
    [0xd7, 0xbd, 0x96],
    [0xa0, 0x7e, 0x56],
    [0x82, 0x5c, 0x43],
    [0x60, 0x41, 0x34],
    [0x3a, 0x31, 0x2a],
    [0x29, 0x24, 0x20],
];

/// Clothing colours (sRGB), weighted towards the dark and neutral colours
/// street clothing mostly is.
const CLOTHING_SRGB: [[u8; 3]; 16] = [
    [0x1c, 0x1c, 0x1e],
    [0x2b, 0x2f, 0x3a],
    [0x1f, 0x2a, 0x44],
    [0x3b, 0x3b, 0x3b],
    [0x6e, 0x6e, 0x6e],
    [0xd8, 0xd8, 0xd4],
    [0x8a, 0x7a, 0x62],
    [0x4a, 0x3a, 0x2c],
    [0x3d, 0x55, 0x7a],
    [0x5b, 0x6e, 0x8c],
    [0x8c, 0x1c, 0x1c],
    [0x2e, 0x4d, 0x2e],
    [0xc8, 0xa8, 0x3c],
    [0xe0, 0x6a, 0x28],
    [0x7a, 0x3e, 0x6e],
    [0xf0, 0xf0, 0xf0],
];

const HAIR_SRGB: [[u8; 3]; 6] = [
    [0x1a, 0x14, 0x10],
    [0x3a, 0x26, 0x18],
    [0x6a, 0x4a, 0x2c],
    [0xb8, 0x94, 0x5a],
    [0x8c, 0x3c, 0x1c],
    [0xb0, 0xb0, 0xb0],
];

/// sRGB byte triple -> linear albedo (what the renderer shades with).
pub fn linear_from_srgb(c: [u8; 3]) -> [f32; 3] {
    c.map(|v| {
        let s = v as f32 / 255.0;
        if s <= 0.04045 {
            s / 12.92
        } else {
            ((s + 0.055) / 1.055).powf(2.4)
        }
    })
}

/// Shape of a body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Body {
    pub height_m: f32,
    /// Width factor: 1 average, 0.85 slim ..= 1.2 broad.
    pub build: f32,
    pub age: AgeGroup,
}

/// What a person wears and looks like (colours linear), with the indices
/// the labels report.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Outfit {
    /// Index into `SKIN_TONES_SRGB` (Monk scale tone - 1).
    pub skin_tone: usize,
    pub top_srgb: [u8; 3],
    pub lower_srgb: [u8; 3],
    pub lower: LowerGarment,
    /// A jacket or coat: longer sleeves and hem, worn over the top.
    pub jacket: bool,
    pub hair_srgb: [u8; 3],
    /// Hair reaching the shoulders rather than a short cut.
    pub long_hair: bool,
    pub top_pattern: TopPattern,
}

impl Outfit {
    /// Draws an outfit; `top` overrides the top's colour (a hazard's
    /// high-visibility vest, a scenario's shirt).
    pub fn draw(rng: &mut Stream, age: AgeGroup, top: Option<[u8; 3]>) -> Outfit {
        let skin_tone = rng.index(SKIN_TONES_SRGB.len());
        let top_srgb = CLOTHING_SRGB[rng.index(CLOTHING_SRGB.len())];
        let lower_srgb = CLOTHING_SRGB[rng.index(8)];
        let lower = match rng.index(10) {
            0 | 1 => LowerGarment::Skirt,
            2 => LowerGarment::Shorts,
            _ => LowerGarment::Trousers,
        };
        let jacket = rng.index(3) == 0;
        let hair = if age == AgeGroup::Elderly {
            HAIR_SRGB[5]
        } else {
            HAIR_SRGB[rng.index(5)]
        };
        let long_hair = rng.index(3) == 0;
        // plain 70%, stripes 18%, checks 12%; a top the scenario gives (a
        // high-visibility vest) is plain. A stream of its own, so the
        // other draws stay as they were before patterns.
        let pattern = rng.fork("top pattern").index(50);
        let top_pattern = match pattern {
            _ if top.is_some() => TopPattern::Plain,
            0..35 => TopPattern::Plain,
            35..44 => TopPattern::Stripes,
            _ => TopPattern::Checks,
        };
        Outfit {
            skin_tone,
            top_srgb: top.unwrap_or(top_srgb),
            lower_srgb,
            lower,
            jacket,
            hair_srgb: hair,
            long_hair,
            top_pattern,
        }
    }
}

impl Body {
    /// A body of the given height: children below 1.45 m; adults are
    /// elderly one time in six. Build from the stream.
    pub fn draw(rng: &mut Stream, height_m: f32) -> Body {
        let age = if height_m < 1.45 {
            AgeGroup::Child
        } else if rng.index(6) == 0 {
            AgeGroup::Elderly
        } else {
            AgeGroup::Adult
        };
        Body {
            height_m,
            build: rng.range(0.88, 1.15) as f32,
            age,
        }
    }

    /// Head half-height as a fraction of the height (children's heads are
    /// larger for their size).
    fn head_half(&self) -> f32 {
        let f = if self.age == AgeGroup::Child {
            0.078
        } else {
            0.064
        };
        f * self.height_m
    }

    fn lengths(&self) -> Lengths {
        let h = self.height_m;
        let leg = if self.age == AgeGroup::Child {
            0.9
        } else {
            1.0
        };
        Lengths {
            ankle: 0.039 * h,
            shank: 0.246 * h * leg,
            thigh: 0.245 * h * leg,
            hip_half: 0.052 * h * self.build,
            shoulder_half: 0.1 * h * self.build,
            upper_arm: 0.186 * h,
            forearm: 0.146 * h,
            hand: 0.055 * h,
            foot: 0.152 * h,
            head_half: self.head_half(),
            neck: 0.035 * h,
        }
    }

    /// Stride (two steps) at a walking or running speed, metres: longer
    /// with speed, in proportion to height.
    pub fn stride_m(&self, speed_mps: f32) -> f32 {
        let h = self.height_m;
        if speed_mps > RUN_MPS {
            (1.25 * h * (speed_mps / 3.5).sqrt()).clamp(0.9 * h, 2.2 * h)
        } else {
            (0.82 * h * (speed_mps.max(0.2) / 1.4).sqrt()).clamp(0.3 * h, 1.1 * h)
        }
    }
}

struct Lengths {
    ankle: f32,
    shank: f32,
    thigh: f32,
    hip_half: f32,
    shoulder_half: f32,
    upper_arm: f32,
    forearm: f32,
    hand: f32,
    foot: f32,
    head_half: f32,
    neck: f32,
}

/// Side sign of the left/right pair: left is -Z.
const SIDE: [f32; 2] = [-1.0, 1.0];

/// Above this speed a person runs, m/s.
pub const RUN_MPS: f32 = 2.6;
/// Below this speed a person stands, m/s.
pub const STAND_MPS: f32 = 0.05;

/// `#rrggbb` of an sRGB colour.
fn hex(c: [u8; 3]) -> String {
    format!("#{:02x}{:02x}{:02x}", c[0], c[1], c[2])
}

/// What the labels record about a person, for auditing a dataset's balance.
pub fn attributes(body: &Body, outfit: &Outfit, activity: Activity) -> PersonAttributes {
    let activity = match activity {
        Activity::Pedal { .. } => "cycling",
        Activity::Walk { speed_mps, .. } if speed_mps > RUN_MPS => "running",
        Activity::Walk { speed_mps, .. } if speed_mps > STAND_MPS => "walking",
        _ => "standing",
    };
    PersonAttributes {
        age_group: body.age,
        height_m: (body.height_m as f64 * 1000.0).round() / 1000.0,
        build: (body.build as f64 * 1000.0).round() / 1000.0,
        skin_tone_monk: outfit.skin_tone as u8 + 1,
        top_color: hex(outfit.top_srgb),
        lower_garment: outfit.lower,
        lower_color: hex(outfit.lower_srgb),
        jacket: outfit.jacket,
        hair_color: hex(outfit.hair_srgb),
        long_hair: outfit.long_hair,
        top_pattern: outfit.top_pattern,
        activity: activity.to_string(),
    }
}

/// COCO's person keypoints, in order.
pub const COCO_KEYPOINT_NAMES: [&str; 17] = [
    "nose",
    "left_eye",
    "right_eye",
    "left_ear",
    "right_ear",
    "left_shoulder",
    "right_shoulder",
    "left_elbow",
    "right_elbow",
    "left_wrist",
    "right_wrist",
    "left_hip",
    "right_hip",
    "left_knee",
    "right_knee",
    "left_ankle",
    "right_ankle",
];

/// COCO's skeleton: keypoint pairs, 1-based as in the COCO file.
pub const COCO_SKELETON: [[u8; 2]; 19] = [
    [16, 14],
    [14, 12],
    [17, 15],
    [15, 13],
    [12, 13],
    [6, 12],
    [7, 13],
    [6, 7],
    [6, 8],
    [7, 9],
    [8, 10],
    [9, 11],
    [2, 3],
    [1, 2],
    [1, 3],
    [2, 4],
    [3, 5],
    [4, 6],
    [5, 7],
];
