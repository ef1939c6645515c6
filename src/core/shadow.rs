//! The sun's shadow map: an orthographic view along the sunlight, fitted
//! to the slice of a camera's frustum that shadows are drawn in, snapped to
//! whole texels so shadow edges stay put while the camera moves.

use super::camera::Intrinsics;
use super::frames::Pose;
use glam::{DMat4, DVec2, DVec3};

/// Shadows are drawn out to this distance from the camera (z-depth), metres.
pub const SHADOW_DISTANCE_M: f64 = 70.0;
/// How far towards the sun beyond the frustum slice casters are kept
/// (tall buildings and trees outside the view still shade it), metres.
pub const CASTER_REACH_M: f64 = 150.0;

/// Contact shadow (the sky's light an object's body keeps off the ground
/// around its footprint, shaders/camera.wgsl `contact_occlusion`): the
/// length over which it falls off outside the footprint, metres (taller
/// bodies shade farther).
pub fn contact_falloff_m(b: &super::boxes::Box3) -> f64 {
    0.25 + 0.05 * b.height_m
}

/// Contact shadows end `CONTACT_FALLOFFS` falloff lengths outside the
/// footprint (where exp(-5) leaves 0.4% of the 60% darkening): ground
/// farther than this from a box's centre is not darkened by it, metres.
pub fn contact_reach_m(b: &super::boxes::Box3) -> f64 {
    (b.length_m / 2.0).hypot(b.width_m / 2.0) + CONTACT_FALLOFFS * contact_falloff_m(b)
}

pub const CONTACT_FALLOFFS: f64 = 5.0;

/// Contact shadows are looked up per screen tile: a grid of this many
/// tiles across and down each view, each with the set of casters whose
/// shadow can fall in it (a bit each). A software rasteriser runs a
/// shader's loop for every caster a pixel might see; the tile cuts that to
/// the few near it.
pub const CONTACT_TILES_X: usize = 16;
pub const CONTACT_TILES_Y: usize = 12;
pub const CONTACT_TILES: usize = CONTACT_TILES_X * CONTACT_TILES_Y;

/// The ground's height range, metres: roads are level at y = 0 and kerbs
/// are at most 0.5 m high (scenario bounds), with a margin.
const GROUND_Y_M: (f64, f64) = (-0.5, 1.0);

/// The screen tiles (row-major, `CONTACT_TILES_X` x `CONTACT_TILES_Y`
/// over the whole view) each contact shadow can fall in: bit i of a tile
/// is set when the ground within reach of caster i (`reach_m` around its
/// centre, over the ground's height range) can project into the tile,
/// with a pixel's margin (`width`, `height`: the view in pixels); ground
/// behind the camera is cut off at its plane. At most 32 casters.
pub fn contact_tiles(
    clip_from_world: &DMat4,
    width: u32,
    height: u32,
    casters: &[(DVec3, f64)],
) -> [u32; CONTACT_TILES] {
    assert!(casters.len() <= 32);
    let mut tiles = [0u32; CONTACT_TILES];
    let margin = DVec2::new(2.0 / width as f64, 2.0 / height as f64);
    for (i, (center, reach_m)) in casters.iter().enumerate() {
        // the ground box's corners in clip space
        let corners: [glam::DVec4; 8] = std::array::from_fn(|k| {
            let corner = DVec3::new(
                center.x + if k & 1 == 0 { -reach_m } else { *reach_m },
                if k & 2 == 0 {
                    GROUND_Y_M.0
                } else {
                    GROUND_Y_M.1
                },
                center.z + if k & 4 == 0 { -reach_m } else { *reach_m },
            );
            *clip_from_world * corner.extend(1.0)
        });
        // the part in front of the camera: the corners there and where the
        // box's edges cross to behind it (clip space is linear in world)
        const IN_FRONT_W: f64 = 1e-3;
        let mut front: Vec<glam::DVec4> = corners
            .iter()
            .copied()
            .filter(|c| c.w >= IN_FRONT_W)
            .collect();
        for k in 0..8 {
            for bit in [1, 2, 4] {
                let (a, b) = (corners[k], corners[k | bit]);
                if k & bit == 0 && (a.w >= IN_FRONT_W) != (b.w >= IN_FRONT_W) {
                    front.push(a.lerp(b, (IN_FRONT_W - a.w) / (b.w - a.w)));
                }
            }
        }
        if front.is_empty() {
            continue;
        }
        let (mut lo, mut hi) = (DVec2::splat(f64::MAX), DVec2::splat(f64::MIN));
        for c in &front {
            let ndc = c.truncate().truncate() / c.w.max(IN_FRONT_W);
            lo = lo.min(ndc);
            hi = hi.max(ndc);
        }
        // NDC (y up) -> tile columns and rows (y down)
        let (lo, hi) = (lo - margin, hi + margin);
        if lo.x > 1.0 || lo.y > 1.0 || hi.x < -1.0 || hi.y < -1.0 {
            continue;
        }
        let col = |x: f64| ((x * 0.5 + 0.5) * CONTACT_TILES_X as f64).floor();
        let row = |y: f64| ((0.5 - y * 0.5) * CONTACT_TILES_Y as f64).floor();
        let clamp_x = |v: f64| v.clamp(0.0, CONTACT_TILES_X as f64 - 1.0) as usize;
        let clamp_y = |v: f64| v.clamp(0.0, CONTACT_TILES_Y as f64 - 1.0) as usize;
        let (x0, x1) = (clamp_x(col(lo.x)), clamp_x(col(hi.x)));
        let (y0, y1) = (clamp_y(row(hi.y)), clamp_y(row(lo.y)));
        for row in y0..=y1 {
            for col in x0..=x1 {
                tiles[row * CONTACT_TILES_X + col] |= 1 << i;
            }
        }
    }
    tiles
}

/// The eight corners (world) of a camera's frustum between z-depths
/// `near_m` and `far_m`: near then far, each in image order.
pub fn frustum_corners(
    world_from_cv: &Pose,
    k: &Intrinsics,
    near_m: f64,
    far_m: f64,
) -> [DVec3; 8] {
    let (w, h) = (k.width as f64, k.height as f64);
    let uv = [
        DVec2::ZERO,
        DVec2::new(w, 0.0),
        DVec2::new(0.0, h),
        DVec2::new(w, h),
    ];
    std::array::from_fn(|i| {
        let depth = if i < 4 { near_m } else { far_m };
        world_from_cv.transform_point(k.unproject_pinhole(uv[i % 4], depth))
    })
}

/// The part of a camera's view that shadows are drawn in (its frustum
/// slice out to `SHADOW_DISTANCE_M`), for culling the shadow pass: only
/// objects whose shadow can fall inside it need to be in the sun's map.
/// The map's square also covers ground beside and behind the slice, and
/// drawing what stands there cost a software rasteriser half its shadow
/// pass for nothing.
#[derive(Clone, Debug)]
pub struct ShadowedSlice {
    /// Inward unit normals and offsets: inside where n.p + d >= 0.
    planes: [(glam::Vec3, f32); 6],
    /// The slice's lowest point (world y), metres: a shadow ray that has
    /// dropped below it cannot land in the slice.
    floor_y: f32,
    /// Unit vector towards the sun (y > 0).
    to_sun: glam::Vec3,
}

impl ShadowedSlice {
    /// `corners`: `frustum_corners` (near then far, each in image order);
    /// `to_sun`: towards the sun, above the horizon.
    pub fn new(corners: &[DVec3; 8], to_sun: DVec3) -> ShadowedSlice {
        let inside = corners.iter().sum::<DVec3>() / 8.0;
        // three corners of each face: left, right, top, bottom, near, far
        let faces = [
            [0, 2, 4],
            [1, 3, 5],
            [0, 1, 4],
            [2, 3, 6],
            [0, 1, 2],
            [4, 5, 6],
        ];
        let planes = faces.map(|[a, b, c]| {
            let (a, b, c) = (corners[a], corners[b], corners[c]);
            let mut n = (b - a).cross(c - a).normalize();
            if n.dot(inside - a) < 0.0 {
                n = -n;
            }
            (n.as_vec3(), -n.dot(a) as f32)
        });
        ShadowedSlice {
            planes,
            floor_y: corners.iter().map(|c| c.y).fold(f64::MAX, f64::min) as f32,
            to_sun: to_sun.normalize().as_vec3(),
        }
    }

    /// Whether a body inside the sphere (`center`, `radius_m`) may shade
    /// some point of the slice: its shadow volume, the sphere swept away
    /// from the sun until it is below the slice, can meet the slice. False
    /// only when the swept segment's two ends both lie farther than the
    /// radius outside one face, so never wrongly false.
    pub fn may_be_shaded_by(&self, center: glam::Vec3, radius_m: f32) -> bool {
        let drop = (center.y + radius_m - self.floor_y).max(0.0) / self.to_sun.y.max(1e-3);
        let end = center - self.to_sun * drop;
        self.planes.iter().all(|(n, d)| {
            let (a, b) = (n.dot(center) + d, n.dot(end) + d);
            a >= -radius_m || b >= -radius_m
        })
    }
}

/// World -> shadow-map clip (x, y in -1..1, depth 0 nearest the sun ..= 1)
/// for sunlight arriving along -`to_sun` (unit): an orthographic box around
/// `corners`, reaching `CASTER_REACH_M` towards the sun, its side a whole
/// number of `texels` and its origin on the texel grid.
pub fn sun_from_world(corners: &[DVec3; 8], to_sun: DVec3, texels: u32) -> DMat4 {
    let toward = to_sun.normalize();
    // an up vector not parallel to the light
    let up = if toward.y.abs() > 0.99 {
        DVec3::X
    } else {
        DVec3::Y
    };
    let view = DMat4::look_to_rh(DVec3::ZERO, -toward, up);
    let (mut lo, mut hi) = (DVec3::splat(f64::MAX), DVec3::splat(f64::MIN));
    for c in corners {
        let p = view.transform_point3(*c);
        lo = lo.min(p);
        hi = hi.max(p);
    }
    // a square of whole texels whose corner sits on the texel grid
    let side = (hi.x - lo.x).max(hi.y - lo.y) * 1.02;
    let texel = side / texels as f64;
    let x0 = (lo.x / texel).floor() * texel;
    let y0 = (lo.y / texel).floor() * texel;
    let side = (side / texel).ceil() * texel;
    // view space looks down -z: the sun side has the larger z
    let near = -hi.z - CASTER_REACH_M;
    let far = -lo.z + 1.0;
    DMat4::orthographic_rh(x0, x0 + side, y0, y0 + side, near, far) * view
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::frames::cv_from_world;

    fn camera() -> (Pose, Intrinsics) {
        let k = Intrinsics::from_hfov(640, 480, 90f64.to_radians());
        // looking along +x from 1.6 m up (Bevy convention: -z forward)
        let world_from_camera = Pose {
            translation: DVec3::new(3.0, 1.6, -2.0),
            rotation: glam::DQuat::from_rotation_y(-std::f64::consts::FRAC_PI_2),
        };
        (cv_from_world(&world_from_camera).inverse(), k)
    }

    /// Ground beyond a box's contact reach is darkened by less than 0.5%
    /// (the untruncated falloff: 60% at the footprint, exp(-x / falloff)
    /// outside it), whatever the box's heading, so the shader may skip it.
    #[test]
    fn contact_shadows_are_negligible_beyond_their_reach() {
        for (l, h, w, yaw) in [
            (4.5, 1.5, 1.8, 0.3),
            (12.0, 3.1, 2.55, 2.0),
            (0.6, 1.8, 0.5, -1.0),
        ] {
            let b = crate::core::boxes::Box3 {
                center: DVec3::new(5.0, h / 2.0, -3.0),
                length_m: l,
                height_m: h,
                width_m: w,
                yaw_rad: yaw,
            };
            let (reach, falloff) = (contact_reach_m(&b), contact_falloff_m(&b));
            let (f, up) = (b.forward(), DVec3::Y);
            let side = f.cross(up).normalize();
            let mut outside = 0;
            for k in 0..720 {
                let a = k as f64 * std::f64::consts::TAU / 720.0;
                // just beyond the reach, on the ground around the centre
                let d = DVec3::new(a.cos(), 0.0, a.sin()) * (reach + 1e-6);
                let o = DVec2::new(d.dot(f), d.dot(side));
                let out = (o.abs() - DVec2::new(l / 2.0, w / 2.0)).max(DVec2::ZERO);
                let dark = 0.6 * (-out.length() / falloff).exp();
                assert!(dark < 0.005, "{l}x{w} at {a:.2} rad: {dark}");
                outside += (out.length() > 0.0) as usize;
            }
            assert_eq!(outside, 720);
        }
    }

    #[test]
    fn the_frustum_slice_and_casters_towards_the_sun_fit_the_map() {
        let (world_from_cv, k) = camera();
        let corners = frustum_corners(&world_from_cv, &k, 0.1, SHADOW_DISTANCE_M);
        let to_sun = DVec3::new(0.3, 0.8, 0.5).normalize();
        let m = sun_from_world(&corners, to_sun, 2048);
        let inside = |p: DVec3| {
            let c = m.project_point3(p);
            c.x.abs() <= 1.0 + 1e-9 && c.y.abs() <= 1.0 + 1e-9 && (0.0..=1.0).contains(&c.z)
        };
        for c in corners {
            assert!(inside(c), "{c:?} -> {:?}", m.project_point3(c));
            // a caster 100 m up the sunbeam from the slice still lands in the map
            assert!(inside(c + to_sun * 100.0));
        }
        // depth grows away from the sun
        let c = corners[4];
        assert!(m.project_point3(c).z > m.project_point3(c + to_sun * 10.0).z);
        // the far corners are 70 m out along the optical axis
        let cv = world_from_cv.inverse().transform_point(corners[7]);
        assert!((cv.z - SHADOW_DISTANCE_M).abs() < 1e-9);
    }

    /// Brute force: spheres scattered around the camera, each swept from
    /// the sun in small steps and sampled over its surface; any sample
    /// inside the slice means it may shade it, and the cull must keep it.
    /// Some are culled (the test would pass trivially otherwise).
    #[test]
    fn the_shadow_cull_keeps_every_body_whose_shadow_can_reach_the_view() {
        let (world_from_cv, k) = camera();
        let corners = frustum_corners(&world_from_cv, &k, 0.1, SHADOW_DISTANCE_M);
        let cv_from_world = world_from_cv.inverse();
        let in_slice = |p: DVec3| {
            let c = cv_from_world.transform_point(p);
            if !(0.1..=SHADOW_DISTANCE_M).contains(&c.z) {
                return false;
            }
            let (u, v) = (k.fx * c.x / c.z + k.cx, k.fy * c.y / c.z + k.cy);
            (0.0..=k.width as f64).contains(&u) && (0.0..=k.height as f64).contains(&v)
        };
        let mut rng = crate::core::rng::Stream::new(11, "shadow cull", 0);
        for to_sun in [
            DVec3::new(0.3, 0.8, 0.5),
            DVec3::new(-0.9, 0.25, 0.1),
            DVec3::new(0.95, 0.2, -0.1),
        ] {
            let to_sun = to_sun.normalize();
            let slice = ShadowedSlice::new(&corners, to_sun);
            let (mut kept, mut culled) = (0, 0);
            for _ in 0..3000 {
                let center = DVec3::new(
                    3.0 + rng.next_f64() * 200.0 - 100.0,
                    rng.next_f64() * 20.0,
                    -2.0 + rng.next_f64() * 200.0 - 100.0,
                );
                let radius = 0.2 + rng.next_f64() * 6.0;
                let keep = slice.may_be_shaded_by(center.as_vec3(), radius as f32);
                if keep {
                    kept += 1;
                    continue;
                }
                culled += 1;
                // sweep the sphere away from the sun to below the ground
                let steps = ((center.y + radius + 5.0) / to_sun.y / 0.5) as usize;
                for s in 0..=steps {
                    let c = center - to_sun * (s as f64 * 0.5);
                    for j in 0..26 {
                        let dir = DVec3::new(
                            (j % 3) as f64 - 1.0,
                            (j / 3 % 3) as f64 - 1.0,
                            (j / 9) as f64 - 1.0,
                        );
                        let p = c + dir.normalize_or_zero() * radius;
                        assert!(!in_slice(p), "culled {center:?} r {radius} shades {p:?}");
                    }
                }
            }
            assert!(kept > 100 && culled > 100, "kept {kept} culled {culled}");
        }
    }

    /// Ground points within a caster's reach, projected into the view,
    /// land in tiles that list the caster; tiles far from every caster
    /// list none.
    #[test]
    fn contact_tiles_list_every_caster_whose_shadow_falls_in_them() {
        let (world_from_cv, k) = camera();
        let (w, h) = (k.width, k.height);
        // the camera's own view: cv -> Bevy's camera frame (y up, -z ahead)
        let camera_from_world = crate::core::frames::cv_from_bevy_camera()
            .inverse()
            .mul(&world_from_cv.inverse());
        let view = DMat4::from_rotation_translation(
            camera_from_world.rotation,
            camera_from_world.translation,
        );
        let clip = k.clip_from_view().as_dmat4() * view;
        let mut rng = crate::core::rng::Stream::new(5, "contact tiles", 0);
        // cars ahead, beside and behind the camera (it looks along +x)
        let casters: Vec<(DVec3, f64)> = (0..24)
            .map(|_| {
                let c = DVec3::new(
                    rng.range(-20.0, 80.0),
                    rng.range(0.5, 1.5),
                    rng.range(-30.0, 30.0),
                );
                (c, rng.range(2.0, 9.0))
            })
            .collect();
        let tiles = contact_tiles(&clip, w, h, &casters);
        let mut checked = 0;
        for (i, (c, reach)) in casters.iter().enumerate() {
            for _ in 0..400 {
                let (r, a) = (
                    rng.range(0.0, *reach),
                    rng.range(0.0, std::f64::consts::TAU),
                );
                let p = DVec3::new(c.x + r * a.cos(), rng.range(0.0, 0.3), c.z + r * a.sin());
                let q = clip * p.extend(1.0);
                if q.w <= 1e-6 {
                    continue;
                }
                let (x, y) = (q.x / q.w, q.y / q.w);
                if x.abs() > 1.0 || y.abs() > 1.0 {
                    continue;
                }
                // the pixel centre's tile, as the shader finds it
                let px = ((x * 0.5 + 0.5) * w as f64).floor() + 0.5;
                let py = ((0.5 - y * 0.5) * h as f64).floor() + 0.5;
                let col = ((px / w as f64) * CONTACT_TILES_X as f64) as usize;
                let row = ((py / h as f64) * CONTACT_TILES_Y as f64) as usize;
                assert!(
                    tiles[row * CONTACT_TILES_X + col] & (1 << i) != 0,
                    "{i} {p:?}"
                );
                checked += 1;
            }
        }
        assert!(checked > 1000, "{checked}");
        let empty = tiles.iter().filter(|t| **t == 0).count();
        let busy = tiles.iter().map(|t| t.count_ones()).max().unwrap();
        assert!(
            empty > 0 && busy < 24,
            "{empty} empty tiles, at most {busy} casters"
        );
    }

    #[test]
    fn moving_the_camera_a_fraction_of_a_texel_keeps_the_grid() {
        let (world_from_cv, k) = camera();
        let to_sun = DVec3::new(-0.2, 0.9, 0.3).normalize();
        let a = frustum_corners(&world_from_cv, &k, 0.1, SHADOW_DISTANCE_M);
        let shifted: [DVec3; 8] = a.map(|c| c + DVec3::new(0.013, 0.0, 0.0));
        let (ma, mb) = (
            sun_from_world(&a, to_sun, 2048),
            sun_from_world(&shifted, to_sun, 2048),
        );
        // a fixed world point falls on the same sub-texel position in both
        let p = DVec3::new(20.0, 0.0, 1.0);
        let texel = |m: DMat4| (m.project_point3(p).truncate() * 1024.0).fract();
        let (ta, tb) = (texel(ma), texel(mb));
        assert!((ta - tb).abs().max_element() < 1e-6, "{ta:?} {tb:?}");
        assert_ne!(ma, mb);
    }
}
