//! Tier 3: render tests on the software renderer (Mesa lavapipe), small images.

use crate::common::{extent_of, render, scenario, shipped_small};
use edgecase::core::classes::{Class, split_label_value};
use edgecase::core::record::ObjectLabel;
use edgecase::core::rle::Rle;

/// A straight road, ego stopped at s=0 in lane 0 with a level camera at
/// x=1 m, z=1.6 m; `extra` adds fields.
fn stopped_ego(extra: &str) -> String {
    format!(
        "(frames: 1, road: (segments: [Straight(length_m: 120)]), ego: (speed_mps: 0),
          sensors: (cameras: [(name: \"front\", width: 160, height: 120, hfov_deg: 60, mount: (x_m: 1.0, z_m: 1.6))]),
          {extra})"
    )
}

fn object(objs: &[ObjectLabel], role_id: u32) -> &ObjectLabel {
    objs.iter()
        .find(|o| o.instance_id == role_id)
        .unwrap_or_else(|| panic!("object {role_id} not labeled"))
}

#[test]
fn tight_boxes_masks_and_classes_agree_with_the_id_buffer() {
    // 192 px rows are padded in the staging buffer: the planes are copied out
    boxes_masks_and_classes_agree_with_the_id_buffer(192, 144, false);
}

#[test]
fn images_read_in_place_give_the_same_agreement() {
    // 256 px rows (a multiple of 128) are tightly packed: read in place
    boxes_masks_and_classes_agree_with_the_id_buffer(256, 192, true);
}

fn boxes_masks_and_classes_agree_with_the_id_buffer(w: u32, h: u32, in_place: bool) {
    let s = scenario(&shipped_small("fog_pedestrian", w, h));
    let (_, frames) = render(&s, 45);
    let mut checked = 0;
    for f in frames.iter().step_by(4) {
        let labels = f.labels.as_ref().unwrap();
        let img = &f.images[0];
        assert_eq!(img.reads_in_place(), in_place);
        assert_eq!(
            (
                img.rgba().len(),
                img.labels().len(),
                img.near_over_z().len()
            ),
            ((w * h * 4) as usize, (w * h) as usize, (w * h) as usize)
        );
        let cam = &labels.cameras[0];
        for o in &cam.objects {
            // extent and count of this instance's pixels, straight from the buffer
            let (ext, n) = extent_of(img.labels().len(), img.width, |i| {
                split_label_value(img.labels()[i] as u32).1 == o.instance_id
            });
            // semantic and instance agree: every instance pixel has the object's class
            for v in img.labels() {
                let (class, instance) = split_label_value(*v as u32);
                if instance == o.instance_id {
                    assert_eq!(
                        class, o.class_id as u32,
                        "pixel of {} has class {class}",
                        o.instance_id
                    );
                }
            }
            assert_eq!(n, o.visible_pixels);
            if n == 0 {
                assert!(o.bbox_visible_px.is_none() && o.mask_rle.is_none());
                continue;
            }
            let b = o.bbox_visible_px.unwrap();
            assert_eq!(b, ext, "frame {} object {}", labels.frame, o.instance_id);
            let rle = o.mask_rle.as_ref().unwrap();
            let decoded = Rle::from_compressed_string(rle.size, &rle.counts).unwrap();
            assert_eq!(decoded.area(), n);
            let mask = decoded.decode();
            assert!(
                mask.iter()
                    .zip(img.labels())
                    .all(|(m, v)| *m == (*v as u32 == o.instance_id))
            );
            // the amodal box contains the visible one (up to rasterisation at edges)
            let a = o.bbox_amodal_px;
            assert!(
                a[0] <= b[0] + 1.0
                    && a[1] <= b[1] + 1.0
                    && a[2] >= b[2] - 1.0
                    && a[3] >= b[3] - 1.0,
                "{a:?} vs {b:?}"
            );
            checked += 1;
        }
    }
    assert!(checked > 20, "only {checked} visible objects checked");
}

#[test]
fn hazard_pedestrian_is_hidden_then_steps_out() {
    let s = scenario(&shipped_small("fog_pedestrian", 192, 144));
    let (_, frames) = render(&s, 50);
    let vis: Vec<f64> = frames
        .iter()
        .map(|f| {
            let objs = &f.labels.as_ref().unwrap().cameras[0].objects;
            // the hazard is the second person (ids in spawn order: pedestrians, then hazard)
            objs.iter()
                .find(|o| o.instance_id == 24002)
                .map_or(0.0, |o| o.visible_fraction)
        })
        .collect();
    let early = vis[..20].iter().cloned().fold(0.0, f64::max);
    let late = vis[40..].iter().cloned().fold(0.0, f64::max);
    assert!(early < 0.3, "hazard visible too early: {vis:?}");
    assert!(late > 0.8, "hazard never stepped out: {vis:?}");
}

#[test]
fn occluded_object_has_lower_visible_fraction() {
    // a car 39 m ahead in the ego lane; in the second scene a van stands between
    let car = "(start_s_m: 40, speed_mps: 0)";
    let (_, clear) = render(&scenario(&stopped_ego(&format!("vehicles: [{car}]"))), 1);
    let (_, hidden) = render(
        &scenario(&stopped_ego(&format!(
            "vehicles: [{car}, (start_s_m: 15, speed_mps: 0, kind: Van)]"
        ))),
        1,
    );
    let c_clear = object(&clear[0].labels.as_ref().unwrap().cameras[0].objects, 26002);
    let c_hidden = object(
        &hidden[0].labels.as_ref().unwrap().cameras[0].objects,
        26002,
    );
    assert!(
        c_clear.visible_fraction > 0.9,
        "unoccluded fraction {}",
        c_clear.visible_fraction
    );
    assert_eq!(c_clear.occlusion_level, 0);
    assert!(
        c_hidden.visible_fraction < c_clear.visible_fraction - 0.5,
        "{} vs {}",
        c_hidden.visible_fraction,
        c_clear.visible_fraction
    );
    assert_eq!(c_hidden.occlusion_level, 2);
    // the unoccluded footprint does not depend on what stands in front (a
    // car 39 m away covers some 30 px at this size)
    assert_eq!(c_clear.unoccluded_pixels, c_hidden.unoccluded_pixels);
    assert!(
        c_clear.unoccluded_pixels > 20,
        "unoccluded {}",
        c_clear.unoccluded_pixels
    );
}

#[test]
fn depth_at_an_objects_pixels_is_its_distance() {
    // van in the ego lane, rear face 20 - 2.5 - 1.0 = 16.5 m ahead of the camera
    let (_, f) = render(
        &scenario(&stopped_ego(
            "vehicles: [(start_s_m: 20, speed_mps: 0, kind: Van)]",
        )),
        1,
    );
    let labels = f[0].labels.as_ref().unwrap();
    let van = object(&labels.cameras[0].objects, 26002);
    let img = &f[0].images[0];
    let b = van.bbox_visible_px.unwrap();
    let w = img.width as usize;
    // the upper part of the van's silhouette is its flat rear face
    let mut n = 0;
    for y in b[1] as usize..(b[1] + (b[3] - b[1]) * 0.6) as usize {
        for x in b[0] as usize..b[2] as usize {
            if img.labels()[y * w + x] == 26002 {
                let d = img.depth_m_at(y * w + x) as f64;
                assert!((d - 16.5).abs() < 0.03, "depth {d} at ({x},{y})");
                n += 1;
            }
        }
    }
    assert!(n > 50, "{n}");
    // KITTI z of the box centre: 20 - 1.0 m
    assert!((van.kitti.location_m[2] - 19.0).abs() < 1e-6);
    // sky has no depth, road depth grows towards the horizon
    assert_eq!(img.depth_m_at(0), 0.0);
    assert_eq!(img.labels()[0], Class::Sky.id() as u16);
    let bottom = img.depth_m_at((img.height as usize - 1) * w + w / 2);
    let mid = img.depth_m_at((img.height as usize / 2 + 5) * w + w / 4);
    assert!(bottom > 0.0 && mid > bottom);
}

#[test]
fn fog_changes_pixels_but_not_labels() {
    let base = "vehicles: [(start_s_m: 30, speed_mps: 0)], pedestrians: [(s_m: 20)]";
    let (_, clear) = render(&scenario(&stopped_ego(base)), 1);
    let (_, fog) = render(
        &scenario(&stopped_ego(&format!(
            "{base}, weather: (fog: (visibility_m: 20))"
        ))),
        1,
    );
    assert_eq!(clear[0].images[0].labels(), fog[0].images[0].labels());
    assert_eq!(
        clear[0].images[0].to_depth_m(),
        fog[0].images[0].to_depth_m()
    );
    // every geometric label is the same; only the visibility labels feel the fog
    let geometric = |f: &edgecase::sensors::LabeledFrame| {
        let mut cams = f.labels.as_ref().unwrap().cameras.clone();
        for o in cams.iter_mut().flat_map(|c| c.objects.iter_mut()) {
            (o.fog_transmittance, o.contrast, o.perceivable) = (1.0, None, false);
        }
        cams
    };
    assert_eq!(geometric(&clear[0]), geometric(&fog[0]));
    for (c, f) in clear[0].labels.as_ref().unwrap().cameras[0]
        .objects
        .iter()
        .zip(&fog[0].labels.as_ref().unwrap().cameras[0].objects)
    {
        assert!(
            f.fog_transmittance < c.fog_transmittance && f.contrast < c.contrast,
            "{}",
            c.instance_id
        );
    }
    // far pixels move towards the fog colour: the car 30 m out loses contrast
    let img_c = &clear[0].images[0];
    let img_f = &fog[0].images[0];
    let diff: u64 = img_c
        .rgba()
        .iter()
        .zip(img_f.rgba())
        .map(|(a, b)| (*a as i64 - *b as i64).unsigned_abs())
        .sum();
    assert!(diff > 100_000, "fog barely changed the image: {diff}");
}

/// Mean R+G+B of the first camera's pixels labeled `label` (NaN if none).
fn mean_luma(f: &edgecase::sensors::LabeledFrame, label: u32) -> f64 {
    mean_luma_in_rows(f, label, 0..f.images[0].height)
}

/// `mean_luma` over the image rows `rows` only.
fn mean_luma_in_rows(
    f: &edgecase::sensors::LabeledFrame,
    label: u32,
    rows: std::ops::Range<u32>,
) -> f64 {
    let img = &f.images[0];
    let (mut sum, mut n) = (0u64, 0u64);
    let w = img.width as usize;
    for (i, l) in img.labels().iter().enumerate() {
        if *l as u32 == label && rows.contains(&((i / w) as u32)) {
            sum += img.rgba()[4 * i..4 * i + 3]
                .iter()
                .map(|v| *v as u64)
                .sum::<u64>();
            n += 1;
        }
    }
    sum as f64 / n as f64
}

/// Rain and snow draw streaks and flakes and wet the road in the colour
/// image only: labels and depth are the same bytes as in clear weather.
#[test]
fn rain_and_snow_change_pixels_but_not_labels() {
    let base = "vehicles: [(start_s_m: 30, speed_mps: 0)], pedestrians: [(s_m: 20)]";
    let render_with = |weather: &str| {
        let ron = stopped_ego(&format!("{base}, weather: ({weather})"));
        render(&scenario(&ron), 2).1
    };
    let clear = render_with("");
    let dry_rain = render_with("rain: (rate_mm_h: 20), road_wetness: 0");
    let wet_no_drops = render_with("rain: (rate_mm_h: 20, particles: false)");
    let snow = render_with("snow: (rate_mm_h: 3)");
    let diff = |a: &[u8], b: &[u8]| -> u64 {
        a.iter()
            .zip(b)
            .map(|(x, y)| (*x as i64 - *y as i64).unsigned_abs())
            .sum()
    };
    for (what, f) in [
        ("rain", &dry_rain),
        ("wet road", &wet_no_drops),
        ("snow", &snow),
    ] {
        for (c, w) in clear.iter().zip(f.iter()) {
            assert_eq!(c.images[0].labels(), w.images[0].labels(), "{what}");
            assert_eq!(c.images[0].to_depth_m(), w.images[0].to_depth_m(), "{what}");
            let d = diff(c.images[0].rgba(), w.images[0].rgba());
            assert!(d > 50_000, "{what} barely changed the image: {d}");
        }
    }
    // the drops move: two frames of rain differ more than two clear frames
    let moved =
        |f: &[edgecase::sensors::LabeledFrame]| diff(f[0].images[0].rgba(), f[1].images[0].rgba());
    assert!(
        moved(&dry_rain) > moved(&clear) + 20_000,
        "rain {} vs clear {}",
        moved(&dry_rain),
        moved(&clear)
    );
    // a water film traps light (the soaked road is darker seen from above)
    // and mirrors the sky at grazing angles (brighter towards the horizon):
    // Fresnel, as real wet asphalt looks
    let road = edgecase::core::classes::Class::Road.id() as u32;
    let h = clear[0].images[0].height;
    let far_rows = h / 2..h / 2 + h / 12;
    let (dry_far, wet_far) = (
        mean_luma_in_rows(&dry_rain[0], road, far_rows.clone()),
        mean_luma_in_rows(&wet_no_drops[0], road, far_rows),
    );
    assert!(
        wet_far > 1.05 * dry_far,
        "wet road {wet_far:.1} does not mirror the sky near the horizon (dry {dry_far:.1})"
    );
    let looking_down = |weather: &str| {
        let ron = format!(
            "(frames: 1, road: (segments: [Straight(length_m: 120)]), ego: (speed_mps: 0),
              sensors: (cameras: [(name: \"front\", width: 160, height: 120, hfov_deg: 60,
                                   mount: (x_m: 1.0, z_m: 1.6, pitch_deg: 65))]),
              weather: ({weather}))"
        );
        render(&scenario(&ron), 1).1
    };
    let (dry, wet) = (
        mean_luma(
            &looking_down("rain: (rate_mm_h: 20, particles: false), road_wetness: 0")[0],
            road,
        ),
        mean_luma(
            &looking_down("rain: (rate_mm_h: 20, particles: false)")[0],
            road,
        ),
    );
    assert!(
        wet < 0.95 * dry,
        "wet road {wet:.1} not darker than dry {dry:.1} seen from above"
    );
    // lying snow whitens the terrain (same snowfall, same haze, no flakes)
    let terrain = edgecase::core::classes::Class::Terrain.id() as u32;
    let bare = render_with("snow: (rate_mm_h: 3, particles: false), snow_cover: 0");
    let covered = render_with("snow: (rate_mm_h: 3, particles: false), snow_cover: 1");
    assert_eq!(bare[0].images[0].labels(), covered[0].images[0].labels());
    // the mean code value linearised: the tone curve compresses highlights,
    // so code values understate how much more light the snow sends back
    let linear = |code: f64| {
        let c = code / (3.0 * 255.0);
        if c <= 0.04045 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    let (b, c) = (
        linear(mean_luma(&bare[0], terrain)),
        linear(mean_luma(&covered[0], terrain)),
    );
    assert!(
        c > 1.3 * b,
        "snow-covered terrain {c:.3} vs bare {b:.3} (linear)"
    );
}

#[test]
fn visibility_labels_follow_fog_and_distance() {
    let walkers = "pedestrians: [(s_m: 13, speed_mps: 0), (s_m: 41, speed_mps: 0)]";
    let (_, clear) = render(&scenario(&stopped_ego(walkers)), 1);
    let (_, fog) = render(
        &scenario(&stopped_ego(&format!(
            "{walkers}, weather: (fog: (visibility_m: 30))"
        ))),
        1,
    );
    let get = |f: &[edgecase::sensors::LabeledFrame], id: u32| {
        object(&f[0].labels.as_ref().unwrap().cameras[0].objects, id).clone()
    };
    let (clear_near, fog_near, fog_far) = (get(&clear, 24001), get(&fog, 24001), get(&fog, 24002));
    assert_eq!(clear_near.fog_transmittance, 1.0);
    let beta = edgecase::core::visibility::extinction_per_m(30.0);
    for o in [&fog_near, &fog_far] {
        assert!((o.fog_transmittance - (-beta * o.distance_m).exp()).abs() < 1e-5);
    }
    let c = |o: &ObjectLabel| {
        o.contrast
            .unwrap_or_else(|| panic!("no contrast for {}", o.instance_id))
    };
    assert!(
        c(&fog_near) < c(&clear_near),
        "fog did not lower contrast: {} vs {}",
        c(&fog_near),
        c(&clear_near)
    );
    assert!(
        c(&fog_far) < c(&fog_near),
        "distance did not lower contrast: {} vs {}",
        c(&fog_far),
        c(&fog_near)
    );
    assert!(clear_near.perceivable);
    assert!(
        !fog_far.perceivable,
        "a pedestrian 40 m into 30 m fog is perceivable (contrast {})",
        c(&fog_far)
    );
}

/// Mean of the R, G, B bytes over a pixel rectangle [x0, x1) x [y0, y1).
fn mean_rgb(
    img: &edgecase::snapshot::image::CameraImage,
    x0: u32,
    y0: u32,
    x1: u32,
    y1: u32,
) -> f64 {
    let (mut sum, mut n) = (0u64, 0u64);
    for y in y0..y1 {
        for x in x0..x1 {
            let i = ((y * img.width + x) * 4) as usize;
            sum += img.rgba()[i] as u64 + img.rgba()[i + 1] as u64 + img.rgba()[i + 2] as u64;
            n += 3;
        }
    }
    sum as f64 / n as f64
}

#[test]
fn headlights_and_street_lights_light_the_night() {
    let night = |lights: &str| {
        scenario(&stopped_ego(&format!(
            "props: (scatter: [(kind: Pole, side: Right, spacing_m: 12, offset_m: 0.4)]),
             light: (sun_elevation_deg: -15, ambient: 0.05, {lights})"
        )))
    };
    let (_, dark) = render(&night("headlights: false, street_lights: false"), 1);
    let (_, beams) = render(&night("headlights: true, street_lights: false"), 1);
    let (_, lamps) = render(&night("headlights: false, street_lights: true"), 1);
    let (d, b, l) = (&dark[0].images[0], &beams[0].images[0], &lamps[0].images[0]);
    // the road ahead, lower middle of the 160x120 image
    let road = |i| mean_rgb(i, 60, 80, 100, 110);
    assert!(
        road(b) > road(d) + 20.0,
        "headlights: {} vs dark {}",
        road(b),
        road(d)
    );
    // the right sidewalk under the lamps
    let side = |i| mean_rgb(i, 120, 70, 160, 110);
    assert!(
        side(l) > side(d) + 10.0,
        "street lights: {} vs dark {}",
        side(l),
        side(d)
    );
    // light never changes labels or depth
    assert_eq!(d.labels(), b.labels());
    assert_eq!(d.to_depth_m(), l.to_depth_m());
}

/// Every scenario shipped at the top of scenarios/ validates and renders
/// (small, two frames), labels and all.
#[test]
fn every_shipped_scenario_renders() {
    let mut names: Vec<String> = std::fs::read_dir(crate::common::repo_path("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert!(names.len() >= 5, "{names:?}");
    for name in names {
        let s = scenario(&crate::common::shipped_small(&name, 96, 72));
        let (_, frames) = render(&s, 2);
        assert_eq!(frames.len(), 2, "{name}");
        let labels = frames[1].labels.as_ref().unwrap();
        assert_eq!(labels.cameras.len(), 1, "{name}");
        assert_eq!(labels.lidars.len(), s.sensors.lidars.len(), "{name}");
        assert!(
            frames[1].images[0].labels().iter().any(|l| *l != 23),
            "{name}: nothing but sky"
        );
    }
}

/// A one-box frame: the box (instance 1) slides 0.5 m sideways per frame, so
/// every frame's pixels differ.
fn sliding_box_snapshot(frame: u64) -> edgecase::snapshot::FrameSnapshot {
    use edgecase::core::classes::instance_id;
    use edgecase::snapshot::DrawInstance;
    use edgecase::world::objects::Primitive;
    use glam::{Mat4, Vec3};
    use std::sync::Arc;
    let model = Mat4::from_scale_rotation_translation(
        Vec3::splat(1.0),
        glam::Quat::IDENTITY,
        Vec3::new(8.0, 0.5, -2.0 + 0.5 * frame as f32),
    );
    edgecase::snapshot::FrameSnapshot {
        frame,
        time_s: frame as f64 / 10.0,
        ego: edgecase::core::record::EgoState {
            yaw_rate_rad_s: 0.0,
            velocity_enu_mps: None,
            acceleration_enu_mps2: None,
            position_m: [0.0; 3],
            yaw_rad: 0.0,
            speed_mps: 0.0,
        },
        world_from_ego: edgecase::core::frames::Pose::IDENTITY,
        ego_motion: Default::default(),
        instances: Arc::new(vec![DrawInstance {
            primitive: Primitive::Cube,
            model,
            color: [0.8, 0.2, 0.2],
            emission: 0.0,
            class_id: Class::Car.id() as u32,
            instance_id: instance_id(Class::Car, 1),
            pattern: 0,
            pattern_origin: glam::Vec3::ZERO,
        }]),
        objects: Arc::default(),
        lamps: Arc::default(),
        collisions: Arc::default(),
        triggers: Arc::default(),
    }
}

/// A small front camera (1 m up, level, 4:3) that watches `sliding_box_snapshot`,
/// and default daylight.
fn sliding_box_camera(
    width: u32,
) -> (edgecase::snapshot::CameraInfo, edgecase::snapshot::Lighting) {
    let camera = edgecase::snapshot::CameraInfo {
        name: "front".into(),
        intrinsics: edgecase::core::camera::Intrinsics::from_hfov(
            width,
            width * 3 / 4,
            90f64.to_radians(),
        ),
        ego_from_camera: edgecase::core::frames::camera_mount_pose(
            glam::DVec3::new(0.0, 0.0, 1.0),
            0.0,
            0.0,
            0.0,
        ),
        effects: Default::default(),
        nominal: None,
        contamination: None,
    };
    let lighting = edgecase::weather::lighting(
        &Default::default(),
        &Default::default(),
        &edgecase::weather::Atmosphere::new(&Default::default()),
        0,
    );
    (camera, lighting)
}

/// Several labeler threads, or none (the caller labels), hand frames back in
/// the order they were pushed, with the same labels and pixels as one thread.
#[test]
fn labeler_threads_keep_frame_order_and_labels() {
    use edgecase::sensors::camera::{CameraRig, GpuContext, RenderMode, SLOTS};
    use edgecase::sensors::label_pool::{Labeler, LidarEnv};
    let (camera, lighting) = sliding_box_camera(64);
    let gpu = GpuContext::new_headless().expect("lavapipe");
    let frames = 3 * SLOTS as u64;
    let run = |workers: usize| {
        let mut rig = CameraRig::new(
            gpu.clone(),
            std::slice::from_ref(&camera),
            &[],
            &[],
            lighting.clone(),
            RenderMode::Labeled,
        );
        let mut labeler = Labeler::with_threads(
            vec![camera.clone()],
            edgecase::sensors::lens::LensPlan::of(std::slice::from_ref(&camera)),
            vec![],
            LidarEnv {
                atmosphere: edgecase::weather::Atmosphere::new(&Default::default()),
                seed: 0,
            },
            edgecase::labels::LabelConfig {
                min_visible_pixels: 5,
                max_label_distance_m: 150.0,
                extinction_per_m: 0.0,
                failures: Vec::new(),
            },
            true,
            workers,
            edgecase::sensors::label_pool::CpuSharing::for_renderer(gpu.cpu_rasterizer),
        );
        let mut out = Vec::new();
        for k in 0..frames {
            rig.submit(sliding_box_snapshot(k));
            for f in rig.poll_readbacks() {
                labeler.push(f);
            }
            out.extend(labeler.take_ready());
        }
        for f in rig.finish_readbacks() {
            labeler.push(f);
        }
        out.extend(labeler.finish());
        out.into_iter()
            .map(|f| {
                (
                    f.frame,
                    serde_json::to_string(&f.labels.expect("labeled")).unwrap(),
                    f.images[0].labels().to_vec(),
                )
            })
            .collect::<Vec<_>>()
    };
    let one = run(1);
    assert_eq!(
        one.iter().map(|f| f.0).collect::<Vec<_>>(),
        (0..frames).collect::<Vec<_>>()
    );
    let box_id = edgecase::core::classes::instance_id(Class::Car, 1);
    assert!(
        one.iter().all(|f| f.2.contains(&(box_id as u16))),
        "the box in every frame"
    );
    assert_ne!(one[0].2, one[1].2, "frames differ");
    assert_eq!(run(3), one);
    // no threads: the calling thread labels queued frames itself (as it does
    // when the threads fall behind)
    assert_eq!(run(0), one);
}

/// A staging buffer is rendered into again only once the images read from it
/// are gone: frames held while the rig renders on, frames decoded late on
/// another thread, and dropped frames all leave every frame with its own
/// pixels, in order; buffers come back, so prompt consumers need no more.
#[test]
fn staging_buffers_are_reused_only_once_their_images_are_gone() {
    // 64 px: padded rows, copied out at once; 128 px: read in place, so the
    // staging buffer stays with the image
    for (width, in_place) in [(64, false), (128, true)] {
        staging_buffers_come_back(width, in_place);
    }
}

fn staging_buffers_come_back(width: u32, in_place: bool) {
    use edgecase::sensors::camera::{CameraRig, GpuContext, RenderMode, SLOTS};
    let (camera, lighting) = sliding_box_camera(width);
    let rig = |gpu| {
        CameraRig::new(
            gpu,
            std::slice::from_ref(&camera),
            &[],
            &[],
            lighting.clone(),
            RenderMode::Labeled,
        )
    };
    let gpu = GpuContext::new_headless().expect("lavapipe");
    // each frame alone, as the reference
    let mut single = rig(gpu.clone());
    let frames = 3 * SLOTS as u64;
    let reference: Vec<Vec<u16>> = (0..frames)
        .map(|k| {
            single.submit(sliding_box_snapshot(k));
            let mut f = single.finish();
            assert_eq!(f.len(), 1);
            assert_eq!(f[0].images[0].reads_in_place(), in_place);
            f.remove(0).images.remove(0).labels().to_vec()
        })
        .collect();
    // one buffer, reused for every frame once each image is gone
    assert_eq!(single.staging_buffers_made(), 1, "{width} px");
    let box_id = edgecase::core::classes::instance_id(Class::Car, 1);
    for (k, labels) in reference.iter().enumerate() {
        assert!(
            labels.contains(&(box_id as u16)),
            "frame {k}: the box is in view"
        );
    }
    assert_ne!(reference[0], reference[1], "frames differ");

    let mut rig = rig(gpu);
    // 1. never polled, every image held while the rig renders on: no later
    // frame lands in a held image's buffer
    for k in 0..2 * SLOTS as u64 {
        rig.submit(sliding_box_snapshot(k));
    }
    let early = rig.finish();
    assert_eq!(early.len(), 2 * SLOTS);
    for k in 2 * SLOTS as u64..frames {
        rig.submit(sliding_box_snapshot(k));
    }
    let held = rig.finish();
    for f in early.iter().chain(&held) {
        assert_eq!(
            f.images[0].labels(),
            reference[f.snapshot.frame as usize],
            "frame {}",
            f.snapshot.frame
        );
    }
    // a frame holds its buffer until decoded, and an image read in place
    // until dropped
    let made = rig.staging_buffers_made();
    let held_at_most = if in_place { frames } else { 2 * SLOTS as u64 };
    assert_eq!(made, held_at_most as usize, "{width} px");
    drop((early, held));
    // 2. taken by another thread that decodes them late, while this one
    // renders on
    let (tx, rx) = crossbeam_channel::unbounded();
    let worker = std::thread::spawn(move || {
        let mut out = Vec::new();
        for f in rx {
            std::thread::sleep(std::time::Duration::from_millis(20));
            let f: edgecase::sensors::camera::ReadbackFrame = f;
            let f = f.decode();
            out.push((f.snapshot.frame, f.images[0].labels().to_vec()));
        }
        out
    });
    for k in 0..frames {
        rig.submit(sliding_box_snapshot(k));
        for f in rig.poll_readbacks() {
            tx.send(f).unwrap();
        }
    }
    for f in rig.finish_readbacks() {
        tx.send(f).unwrap();
    }
    drop(tx);
    let late = worker.join().unwrap();
    assert_eq!(
        late.iter().map(|f| f.0).collect::<Vec<_>>(),
        (0..frames).collect::<Vec<_>>()
    );
    for (frame, labels) in &late {
        assert_eq!(labels, &reference[*frame as usize]);
    }
    // 3. dropped unread, or decoded and dropped at once: the buffers come
    // back, and no more are made
    let made = rig.staging_buffers_made();
    for k in 0..frames {
        rig.submit(sliding_box_snapshot(k));
        if k % 2 == 0 {
            drop(rig.poll_readbacks());
        } else {
            drop(rig.poll_finished());
        }
    }
    drop(rig.finish_readbacks());
    rig.submit(sliding_box_snapshot(1));
    let f = rig.finish();
    assert_eq!(f[0].images[0].labels(), reference[1]);
    assert_eq!(rig.staging_buffers_made(), made, "{width} px");
}
