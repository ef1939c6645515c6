//! The scene view: the free camera's image or a sensor layer, label
//! overlays (boxes, halos), picking and the gizmo that moves the selection.

use super::*;

pub(super) fn rgba_image(w: u32, h: u32, rgba: &[u8]) -> egui::ColorImage {
    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], rgba)
}

/// The ego camera's pixels as the chosen layer: RGB as delivered (the
/// camera's effects and failures applied, as written) when given.
pub(super) fn sensor_image(
    img: &crate::snapshot::image::CameraImage,
    delivered_rgba: Option<&[u8]>,
    layer: SensorLayer,
) -> egui::ColorImage {
    let (w, h) = (img.width, img.height);
    let labels = img.labels();
    if layer == SensorLayer::Rgb || labels.is_empty() {
        return rgba_image(w, h, delivered_rgba.unwrap_or(img.rgba()));
    }
    let near_over_z = img.near_over_z();
    let mut out = Vec::with_capacity(labels.len() * 4);
    for (i, v) in labels.iter().map(|v| *v as u32).enumerate() {
        let c = match layer {
            SensorLayer::Semantic => {
                let (class, _) = split_label_value(v);
                Class::from_id(class as u8).map_or([0, 0, 0], |c| c.info().color)
            }
            SensorLayer::Instance => {
                let (_, inst) = split_label_value(v);
                if inst == 0 {
                    [0, 0, 0]
                } else {
                    // a stable, well-spread colour per id
                    let hsh = inst.wrapping_mul(2654435761);
                    [
                        (hsh >> 24) as u8 | 64,
                        (hsh >> 16) as u8 | 64,
                        (hsh >> 8) as u8 | 64,
                    ]
                }
            }
            _ => {
                let d = depth_m_from_buffer(near_over_z[i]);
                let g = if d <= 0.0 {
                    0
                } else {
                    (255.0 * (1.0 - (d / 120.0).min(1.0))) as u8
                };
                [g, g, g]
            }
        };
        out.extend_from_slice(&[c[0], c[1], c[2], 255]);
    }
    rgba_image(w, h, &out)
}

pub(super) fn class_colour(class_id: u16) -> egui::Color32 {
    let c = Class::from_id(class_id as u8).map_or([255, 255, 255], |c| c.info().color);
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// A class colour for lines drawn over the image: dark ones (car blue,
/// truck navy) lifted towards white until they stand out on grey asphalt.
pub(super) fn overlay_colour(class_id: u16) -> egui::Color32 {
    let c = class_colour(class_id);
    let luma =
        |c: egui::Color32| 0.299 * c.r() as f32 + 0.587 * c.g() as f32 + 0.114 * c.b() as f32;
    let mut lifted = c;
    for step in 1..=10 {
        if luma(lifted) >= 150.0 {
            break;
        }
        let t = step as f32 / 10.0;
        let mix = |v: u8| (v as f32 + (255.0 - v as f32) * t) as u8;
        lifted = egui::Color32::from_rgb(mix(c.r()), mix(c.g()), mix(c.b()));
    }
    lifted
}

/// The dark outline under an overlay line, so it reads on any background.
pub(super) fn halo(stroke: egui::Stroke) -> egui::Stroke {
    egui::Stroke::new(stroke.width + 2.0, egui::Color32::from_black_alpha(190))
}

/// The 12 edges of a box whose corner i has the signs of its bits (x: bit 0,
/// y: bit 1, z: bit 2), as `Box3::corners` orders them: corners one bit
/// apart share an edge.
pub(super) fn wire_box(
    painter: &egui::Painter,
    corners: &[Option<egui::Pos2>; 8],
    stroke: egui::Stroke,
) {
    for s in [halo(stroke), stroke] {
        for i in 0..8 {
            for bit in [1, 2, 4] {
                let j = i ^ bit;
                if let (true, Some(a), Some(b)) = (j > i, corners[i], corners[j]) {
                    painter.line_segment([a, b], s);
                }
            }
        }
    }
}

/// A camera-frame (OpenCV) 3D box label drawn into the image.
pub(super) fn draw_box3(
    painter: &egui::Painter,
    k: &crate::core::camera::Intrinsics,
    b: &crate::core::record::CameraBox,
    at: &dyn Fn(f64, f64) -> egui::Pos2,
    colour: egui::Color32,
) {
    let [l, w, h] = b.size_lwh_m;
    let c = DVec3::from_array(b.center_m);
    let (s, co) = b.rotation_y_rad.sin_cos();
    let sign = |bit: bool| if bit { 0.5 } else { -0.5 };
    // KITTI: length along the object's x, rotation about the camera's y
    let corners: [Option<egui::Pos2>; 8] = std::array::from_fn(|i| {
        let (dx, dy, dz) = (
            sign(i & 1 != 0) * l,
            sign(i & 2 != 0) * h,
            sign(i & 4 != 0) * w,
        );
        let p = c + DVec3::new(dx * co + dz * s, dy, -dx * s + dz * co);
        // a box reaching behind the camera is not drawn in part
        (p.z > 0.1)
            .then(|| k.project(p))
            .flatten()
            .map(|q| at(q.x, q.y))
    });
    if corners.iter().all(Option::is_some) {
        wire_box(painter, &corners, egui::Stroke::new(1.5, colour));
    }
}

pub(super) fn scene_view(
    root: &mut egui::Ui,
    session: &Session,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    let ctx = root.ctx().clone();
    egui::CentralPanel::default().show_inside(root, |ui| {
        let (Some(tex), Some((img, world_from_camera))) = (&p.view_tex, &session.view) else {
            ui.label("simulating...");
            return;
        };
        // room under the view for its row of controls
        let avail = ui.available_size() - egui::vec2(0.0, 2.0 * ui.spacing().interact_size.y);
        request_view_shape(avail, session, out);
        let scale = (avail.x / img.width as f32).min(avail.y / img.height as f32);
        let size = egui::vec2(img.width as f32 * scale, img.height as f32 * scale);
        let resp = ui.add(
            egui::Image::new(egui::load::SizedTexture::new(tex.id(), size))
                .sense(egui::Sense::click_and_drag()),
        );
        let view = ViewRect {
            rect: resp.rect,
            scale,
        };
        record(p, "scene_view", view.rect);
        if p.lidar != LidarColour::Off {
            paint_lidar(ui, &view, session, p);
        }
        let selected = state.selection.as_ref().and_then(|role| {
            session
                .snapshot
                .as_ref()?
                .objects
                .iter()
                .find(|o| o.role == *role)
                .cloned()
        });
        let gizmo_active = selected.as_ref().is_some_and(|o| {
            selection_gizmo(ui, &ctx, &view, world_from_camera, o, session, out, p)
        });
        if !gizmo_active && p.gizmo_total.is_none() {
            pointer_commands(&resp, &view, session, out, p);
        }
        if resp.hovered() {
            key_and_wheel_commands(ui, session, out);
        }
        ui.horizontal(|ui| {
            let mut follow = session.view_camera.follow_ego;
            if ui.checkbox(&mut follow, "follow ego").changed() {
                out.write(EditorCommand::View(ViewMove::Follow(follow)));
            }
            ui.label(
                "left click: select · right drag: orbit · middle drag or WASD: pan · wheel: zoom",
            );
            if let Some(role) = &state.selection {
                ui.strong(format!("selected: {role}"));
            }
        });
    });
}

/// Where the view's image is drawn: its screen rectangle and screen points
/// per image pixel.
struct ViewRect {
    rect: egui::Rect,
    scale: f32,
}

impl ViewRect {
    /// Screen position of an image point.
    fn at(&self, v: DVec2) -> egui::Pos2 {
        self.rect.min + egui::vec2(v.x as f32 * self.scale, v.y as f32 * self.scale)
    }

    /// Image pixel under a screen position.
    fn pixel(&self, pos: egui::Pos2) -> (u32, u32) {
        let q = (pos - self.rect.min) / self.scale;
        (q.x.max(0.0) as u32, q.y.max(0.0) as u32)
    }
}

/// The view takes the panel's shape: its height follows the free space (a
/// new render target, so only when it is off by more than 8%).
fn request_view_shape(
    avail: egui::Vec2,
    session: &Session,
    out: &mut MessageWriter<EditorCommand>,
) {
    if avail.x > 64.0 && avail.y > 64.0 {
        let want =
            ((session.view_camera.width as f32 * avail.y / avail.x) / 8.0).round() as u32 * 8;
        let want = want.clamp(240, 2048);
        let have = session.view_camera.height;
        if (want as f32 - have as f32).abs() > 0.08 * have as f32 {
            out.write(EditorCommand::View(ViewMove::Resize {
                width: session.view_camera.width,
                height: want,
            }));
        }
    }
}

/// LiDAR points, every 3rd, over the view (projected once per tick, view
/// pose and colouring).
fn paint_lidar(ui: &egui::Ui, view: &ViewRect, session: &Session, p: &mut Panels) {
    // projected once per tick, view pose and colouring
    let key = (p.shown, p.lidar);
    if p.lidar_key.as_ref() != Some(&key) {
        p.lidar_px = session
            .lidar_world_points(0)
            .iter()
            .step_by(3)
            .filter_map(|(w, class, intensity)| {
                let px = session.project_to_view(*w)?;
                let colour = match p.lidar {
                    LidarColour::Class => class_colour(*class),
                    _ => {
                        let g = (intensity.sqrt() * 255.0) as u8;
                        egui::Color32::from_rgb(g, 255 - g / 2, 255 - g)
                    }
                };
                Some((px, colour))
            })
            .collect();
        p.lidar_key = Some(key);
    }
    let painter = ui.painter_at(view.rect);
    for (px, colour) in &p.lidar_px {
        painter.rect_filled(
            egui::Rect::from_center_size(view.at(*px), egui::vec2(2.0, 2.0)),
            0.0,
            *colour,
        );
    }
}

/// The selected object's box and the gizmo that moves or turns it; true
/// while the gizmo has the pointer.
#[allow(clippy::too_many_arguments)]
fn selection_gizmo(
    ui: &mut egui::Ui,
    ctx: &egui::Context,
    view: &ViewRect,
    world_from_camera: &crate::core::frames::Pose,
    o: &crate::snapshot::LabeledObject,
    session: &Session,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) -> bool {
    let rect = view.rect;
    let mut gizmo_active = false;
    let painter = ui.painter_at(rect);
    let corners = o.box3.corners();
    let pts: [Option<egui::Pos2>; 8] =
        std::array::from_fn(|i| session.project_to_view(corners[i]).map(|v| view.at(v)));
    wire_box(&painter, &pts, egui::Stroke::new(2.0, egui::Color32::GOLD));
    let view_from_world = world_from_camera.inverse();
    let view =
        DMat4::from_rotation_translation(view_from_world.rotation, view_from_world.translation);
    let k = session.view_camera.intrinsics();
    let vfov = 2.0 * ((k.height as f64 / 2.0) / k.fy).atan();
    let proj = DMat4::perspective_rh(vfov, k.width as f64 / k.height as f64, 0.1, 2000.0);
    p.gizmo.update_config(GizmoConfig {
        view_matrix: view.into(),
        projection_matrix: proj.into(),
        viewport: rect,
        modes: GizmoMode::TranslateX
            | GizmoMode::TranslateZ
            | GizmoMode::TranslateXZ
            | GizmoMode::RotateY,
        pixels_per_point: ctx.pixels_per_point(),
        // the default 75 px reads as a speck at the default zoom
        visuals: transform_gizmo_egui::GizmoVisuals {
            gizmo_size: 120.0,
            stroke_width: 6.0,
            ..Default::default()
        },
        ..Default::default()
    });
    let t = transform_gizmo_egui::math::Transform::from_scale_rotation_translation(
        DVec3::ONE,
        glam::DQuat::IDENTITY,
        o.box3.center,
    );
    if let Some((result, _)) = p.gizmo.interact(ui, &[t]) {
        gizmo_active = true;
        match result {
            GizmoResult::Translation { total, .. } => {
                p.gizmo_total = Some(DVec3::new(total.x, total.y, total.z))
            }
            GizmoResult::Rotation { total, .. } => {
                p.gizmo_turned = total.abs() > std::f64::consts::FRAC_PI_2
            }
            _ => {}
        }
    }
    let dragging = ui.input(|i| i.pointer.primary_down());
    if !dragging {
        if let Some(total) = p.gizmo_total.take() {
            let (ds, dl) = road_delta(session, o.box3.center, total);
            out.write(EditorCommand::MoveSelected {
                ds_m: ds,
                dlateral_m: dl,
            });
        }
        if std::mem::take(&mut p.gizmo_turned) {
            out.write(EditorCommand::TurnSelected);
        }
    }
    gizmo_active
}

/// Clicks select (or place the hazard); right drag orbits, middle drag pans.
fn pointer_commands(
    resp: &egui::Response,
    view: &ViewRect,
    session: &Session,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    if resp.clicked()
        && let Some(pos) = resp.interact_pointer_pos()
    {
        let (x, y) = view.pixel(pos);
        if p.place_hazard {
            out.write(EditorCommand::PlaceHazardAt { x, y });
            p.place_hazard = false;
        } else {
            out.write(EditorCommand::SelectAt { x, y });
        }
    }
    if resp.dragged_by(egui::PointerButton::Secondary) {
        let d = resp.drag_delta();
        out.write(EditorCommand::View(ViewMove::Orbit {
            dyaw_rad: -d.x as f64 * 0.006,
            dpitch_rad: d.y as f64 * 0.006,
        }));
    }
    if resp.dragged_by(egui::PointerButton::Middle) {
        let d = resp.drag_delta();
        let m = session.view_camera.distance_m * 0.002;
        out.write(EditorCommand::View(ViewMove::Pan {
            right_m: -d.x as f64 * m,
            forward_m: d.y as f64 * m,
        }));
    }
}

/// WASD flies the target over the ground (and stops following); the wheel
/// zooms.
fn key_and_wheel_commands(
    ui: &egui::Ui,
    session: &Session,
    out: &mut MessageWriter<EditorCommand>,
) {
    let step = session.view_camera.distance_m * 0.05;
    let (right, forward) = ui.input(|i| {
        let k = |key| if i.key_down(key) { 1.0 } else { 0.0 };
        (
            k(egui::Key::D) - k(egui::Key::A),
            k(egui::Key::W) - k(egui::Key::S),
        )
    });
    if right != 0.0 || forward != 0.0 {
        out.write(EditorCommand::View(ViewMove::Pan {
            right_m: right * step,
            forward_m: forward * step,
        }));
    }
    let scroll = ui.input(|i| i.smooth_scroll_delta.y);
    if scroll.abs() > 0.5 {
        out.write(EditorCommand::View(ViewMove::Zoom {
            factor: (-(scroll as f64) * 0.002).exp(),
        }));
    }
}

/// A world translation as (along, across) the main road at `at`.
pub(super) fn road_delta(session: &Session, at: DVec3, total: DVec3) -> (f64, f64) {
    let (s, _) = session.road_coords(at);
    let pose = session.road().path.pose_at(s);
    let d = crate::core::frames::sim_to_enu(total);
    let d = DVec2::new(d.x, d.y);
    (d.dot(pose.forward()), d.dot(pose.left()))
}
