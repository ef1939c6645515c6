//! The convex segments a posed body is drawn with.

use super::*;
use glam::{Mat3, Mat4};

/// One convex piece of the drawn body.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Segment {
    pub primitive: Primitive,
    /// Person-frame transform of the unit primitive.
    pub local: Mat4,
    /// Linear albedo.
    pub color: [f32; 3],
    /// The cloth's pattern (the top's pieces); plain for the rest.
    pub pattern: TopPattern,
}

impl Segment {
    /// This piece in the top's (or jacket's) cloth.
    fn in_top(self, outfit: &Outfit) -> Segment {
        Segment {
            pattern: outfit.top_pattern,
            ..self
        }
    }
}

/// A unit primitive stretched between two points (its Y axis along a -> b),
/// `depth` along the body's forward and `width` across it.
pub fn stretched(
    primitive: Primitive,
    a: Vec3,
    b: Vec3,
    depth: f32,
    width: f32,
    color: [f32; 3],
) -> Segment {
    let y = (b - a).normalize_or(Vec3::Y);
    let z = (Vec3::Z - y * y.z).normalize_or(Vec3::X.cross(y).normalize_or(Vec3::Z));
    let x = y.cross(z);
    let rot = Mat3::from_cols(x * depth, y * (b - a).length().max(1e-3), z * width);
    Segment {
        primitive,
        local: Mat4::from_translation((a + b) * 0.5) * Mat4::from_mat3(rot),
        color,
        pattern: TopPattern::Plain,
    }
}

/// An ellipsoid (or box) centred at `c`, axes along the given frame.
pub fn blob(
    primitive: Primitive,
    c: Vec3,
    fwd: Vec3,
    up: Vec3,
    size: Vec3,
    color: [f32; 3],
) -> Segment {
    let side = fwd.cross(up).normalize_or(Vec3::Z);
    let rot = Mat3::from_cols(fwd * size.x, up * size.y, side * size.z);
    Segment {
        primitive,
        local: Mat4::from_translation(c) * Mat4::from_mat3(rot),
        color,
        pattern: TopPattern::Plain,
    }
}

/// Linear colours of a person's skin, top, lower garment, hair and shoes.
struct Palette {
    skin: [f32; 3],
    top: [f32; 3],
    lower: [f32; 3],
    hair: [f32; 3],
    shoe: [f32; 3],
}

/// The drawn body: head with hair and a face (nose, eyes), neck, torso,
/// arms, hands, legs in trousers, shorts or a skirt, and shoes.
pub fn segments(body: &Body, outfit: &Outfit, s: &Skeleton) -> Vec<Segment> {
    let c = Palette {
        skin: linear_from_srgb(SKIN_TONES_SRGB[outfit.skin_tone]),
        top: linear_from_srgb(outfit.top_srgb),
        lower: linear_from_srgb(outfit.lower_srgb),
        hair: linear_from_srgb(outfit.hair_srgb),
        shoe: [0.03, 0.03, 0.035],
    };
    let mut v = Vec::with_capacity(32);
    head(&mut v, body, outfit, s, &c);
    torso(&mut v, body, outfit, s, &c);
    for i in 0..2 {
        arm(&mut v, body, outfit, s, &c, i);
        leg(&mut v, body, outfit, s, &c, i);
    }
    v
}

/// Head, hair cap (back and top, longer for long hair), nose, eyes, neck.
fn head(v: &mut Vec<Segment>, body: &Body, outfit: &Outfit, s: &Skeleton, c: &Palette) {
    let sph = Primitive::Sphere;
    let r = body.head_half();
    let (f, u) = (s.head_forward, s.head_up);
    v.push(blob(
        sph,
        s.head,
        f,
        u,
        Vec3::new(1.75, 2.0, 1.5) * r,
        c.skin,
    ));
    let cap = if outfit.long_hair { 1.45 } else { 1.0 };
    // the cap stands out of the head by 4-10% of its size: more than the
    // sphere mesh's facets stray from the round (6.6%), so it shows all over
    let cap_centre = s.head + u * 0.24 * r - f * 0.2 * r - u * (cap - 1.0) * 0.5 * r;
    let cap_size = Vec3::new(1.76, 1.8 * cap, 1.66) * r;
    v.push(blob(sph, cap_centre, f, u, cap_size, c.hair));
    let nose = s.head + f * 0.82 * r - u * 0.15 * r;
    v.push(blob(
        sph,
        nose,
        f,
        u,
        Vec3::new(0.35, 0.4, 0.25) * r,
        c.skin,
    ));
    let side = f.cross(u).normalize_or(Vec3::Z);
    for sgn in SIDE {
        let eye = s.head + f * 0.8 * r + u * 0.12 * r + side * sgn * 0.3 * r;
        v.push(blob(sph, eye, f, u, Vec3::splat(0.18 * r), [0.02; 3]));
    }
    let neck = 0.07 * body.height_m;
    let (bottom, top) = (s.neck - u * 0.02 * body.height_m, s.head - u * 0.5 * r);
    v.push(stretched(
        Primitive::Cylinder,
        bottom,
        top,
        neck,
        neck,
        c.skin,
    ));
}

/// Chest and belly in the top (a jacket's hem covers the hips), hips in
/// the lower garment, and a skirt over the thighs.
fn torso(v: &mut Vec<Segment>, body: &Body, outfit: &Outfit, s: &Skeleton, c: &Palette) {
    let (h, w) = (body.height_m, body.build);
    let cyl = Primitive::Cylinder;
    let spine = s.chest - s.pelvis;
    let hem = if outfit.jacket { 0.0 } else { 0.25 };
    let shoulders = s.chest + (s.neck - s.chest) * 0.6;
    v.push(
        stretched(
            cyl,
            s.pelvis + spine * hem,
            shoulders,
            0.13 * h,
            0.2 * h * w,
            c.top,
        )
        .in_top(outfit),
    );
    let fwd = spine.cross(Vec3::Z).normalize_or(Vec3::X);
    let chest = Vec3::new(0.13 * h, 0.09 * h, 0.22 * h * w);
    v.push(
        blob(
            Primitive::Sphere,
            s.chest,
            fwd,
            spine.normalize_or(Vec3::Y),
            chest,
            c.top,
        )
        .in_top(outfit),
    );
    let hips = (s.pelvis - Vec3::Y * 0.03 * h, s.pelvis + spine * 0.35);
    v.push(stretched(
        cyl,
        hips.0,
        hips.1,
        0.115 * h,
        0.19 * h * w,
        c.lower,
    ));
    if outfit.lower == LowerGarment::Skirt {
        // flared from the waist to above the knees
        let knees = (s.knee[0] + s.knee[1]) * 0.5;
        let hem = s.pelvis + (knees - s.pelvis) * 0.75;
        let waist = s.pelvis + spine * 0.55;
        v.push(stretched(
            Primitive::Cone,
            hem,
            waist,
            0.34 * h * w,
            0.36 * h * w,
            c.lower,
        ));
    }
}

/// Shoulder ball, upper arm in the top, elbow and forearm (sleeved in a
/// jacket, else bare), hand.
fn arm(v: &mut Vec<Segment>, body: &Body, outfit: &Outfit, s: &Skeleton, c: &Palette, i: usize) {
    let (h, w) = (body.height_m, body.build);
    let (sph, cyl) = (Primitive::Sphere, Primitive::Cylinder);
    let sleeve = if outfit.jacket { c.top } else { c.skin };
    let (shoulder, elbow, wrist) = (s.shoulder[i], s.elbow[i], s.wrist[i]);
    v.push(
        blob(
            sph,
            shoulder,
            Vec3::X,
            Vec3::Y,
            Vec3::splat(0.062 * h * w),
            c.top,
        )
        .in_top(outfit),
    );
    v.push(stretched(cyl, shoulder, elbow, 0.052 * h, 0.052 * h, c.top).in_top(outfit));
    // a jacket's sleeve is the top's cloth; a bare forearm is skin
    let in_sleeve = |seg: Segment| {
        if outfit.jacket {
            seg.in_top(outfit)
        } else {
            seg
        }
    };
    v.push(in_sleeve(blob(
        sph,
        elbow,
        Vec3::X,
        Vec3::Y,
        Vec3::splat(0.046 * h),
        sleeve,
    )));
    v.push(in_sleeve(stretched(
        cyl,
        elbow,
        wrist,
        0.042 * h,
        0.042 * h,
        sleeve,
    )));
    let hand_len = body.lengths().hand;
    let dir = (wrist - elbow).normalize_or(Vec3::NEG_Y);
    v.push(stretched(
        sph,
        wrist,
        wrist + dir * hand_len,
        0.035 * h,
        0.022 * h,
        c.skin,
    ));
}

/// Thigh in the lower garment, knee and shank (bare under shorts or a
/// skirt), shoe.
fn leg(v: &mut Vec<Segment>, body: &Body, outfit: &Outfit, s: &Skeleton, c: &Palette, i: usize) {
    let l = body.lengths();
    let h = body.height_m;
    let (sph, cyl) = (Primitive::Sphere, Primitive::Cylinder);
    let shin = if outfit.lower == LowerGarment::Trousers {
        c.lower
    } else {
        c.skin
    };
    let (hip, knee, ankle) = (s.hip[i] + Vec3::Y * 0.02 * h, s.knee[i], s.ankle[i]);
    v.push(stretched(cyl, hip, knee, 0.085 * h, 0.08 * h, c.lower));
    v.push(blob(
        sph,
        knee,
        Vec3::X,
        Vec3::Y,
        Vec3::splat(0.062 * h),
        shin,
    ));
    v.push(stretched(cyl, knee, ankle, 0.058 * h, 0.055 * h, shin));
    // the sole's underside is level with the bottom of the ankle's reach
    let heel = ankle - Vec3::new(0.22 * l.foot, 0.0, 0.0);
    let sole = (heel + s.toe[i]) * 0.5 - Vec3::Y * 0.2 * l.ankle;
    let size = Vec3::new(l.foot, 0.9 * l.ankle, 0.048 * h);
    v.push(blob(Primitive::Cube, sole, Vec3::X, Vec3::Y, size, c.shoe));
}
