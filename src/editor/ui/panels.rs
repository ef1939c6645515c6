//! The editor's side panels: the scenario's fields (road, weather, light,
//! actors), value editors, and the sensor panel's layers.

use super::*;

pub(super) fn scenario_panel(
    root: &mut egui::Ui,
    doc: &Document,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    if p.tree_of.as_ref() != Some(&doc.scenario) {
        p.tree = serde_json::to_value(&doc.scenario).ok();
        p.tree_of = Some(doc.scenario.clone());
        p.tree_error = None;
    }
    let ctx = root.ctx().clone();
    let r = egui::Panel::left("scenario")
        .default_size(330.0)
        .show_inside(root, |ui| {
            // the render controls stay in view under however many actors
            let render = egui::Panel::bottom("render_controls")
                .show_inside(ui, |ui| render_controls(ui, &ctx, state, out, p));
            record(p, "render_controls", render.response.rect);
            egui::ScrollArea::vertical().show(ui, |ui| {
                actor_list(ui, doc, state, out, p);
                ui.separator();
                weather_sliders(ui, doc, out);
                ui.separator();
                scenario_tree(ui, doc, out, p);
            });
        });
    record(p, "scenario_panel", r.response.rect);
}

/// "Render N frames" and the progress of each export.
fn render_controls(
    ui: &mut egui::Ui,
    ctx: &egui::Context,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    ui.heading("Render");
    ui.horizontal(|ui| {
        ui.add(egui::DragValue::new(&mut p.export_frames).range(1..=1_000_000));
        ui.label("frames to");
        ui.text_edit_singleline(&mut p.export_out);
    });
    if ui.button("Render N frames").clicked() {
        out.write(EditorCommand::RenderFrames {
            frames: p.export_frames,
            out: PathBuf::from(&p.export_out),
        });
    }
    for e in &state.exports {
        let done = e.done.load(std::sync::atomic::Ordering::Relaxed);
        match &e.result {
            None => {
                ui.add(
                    egui::ProgressBar::new(done as f32 / e.frames as f32).text(format!(
                        "{} {done}/{}",
                        e.out.display(),
                        e.frames
                    )),
                );
                ctx.request_repaint();
            }
            Some(Ok(w)) => drop(ui.label(format!("done: {}", w.dir.display()))),
            Some(Err(err)) => {
                ui.colored_label(egui::Color32::LIGHT_RED, err);
            }
        }
    }
}

/// The actors (click to select), add buttons and the selection's actions.
fn actor_list(
    ui: &mut egui::Ui,
    doc: &Document,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    ui.heading("Actors");
    for (role, name) in crate::scenario::actor_roles(&doc.scenario) {
        let label = match &name {
            Some(n) => format!("{role}  ({n})"),
            None => role.to_string(),
        };
        let selected = state.selection == Some(role);
        if ui.selectable_label(selected, label).clicked() {
            out.write(EditorCommand::Select(Some(role)));
        }
    }
    ui.horizontal_wrapped(|ui| {
        for (label, kind) in [
            ("+ vehicle", NewActor::Vehicle),
            ("+ pedestrian", NewActor::Pedestrian),
            ("+ cyclist", NewActor::Cyclist),
            ("+ parked", NewActor::Parked),
        ] {
            if ui.button(label).clicked() {
                out.write(EditorCommand::Add(kind));
            }
        }
    });
    ui.horizontal(|ui| {
        let any = state.selection.is_some();
        if ui.add_enabled(any, egui::Button::new("Delete")).clicked() {
            out.write(EditorCommand::DeleteSelected);
        }
        if ui
            .add_enabled(any, egui::Button::new("Turn around"))
            .clicked()
        {
            out.write(EditorCommand::TurnSelected);
        }
        ui.toggle_value(&mut p.place_hazard, "Place hazard on road");
    });
}

/// Every scenario field as an editable tree; an edit that parses becomes
/// the document.
fn scenario_tree(
    ui: &mut egui::Ui,
    doc: &Document,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    ui.heading("Scenario");
    if let Some(tree) = p.tree.as_mut() {
        let mut commit = false;
        let mut set = None;
        if let Some(obj) = tree.as_object_mut() {
            for (k, v) in obj.iter_mut() {
                commit |= value_editor(ui, k, v, &format!("/{k}"), &mut set);
            }
        }
        if let Some(pointer) = set {
            match crate::editor::edit::fill_none(&doc.scenario, &pointer) {
                Some(s) => {
                    out.write(EditorCommand::Edit(Box::new(s)));
                }
                None => {
                    p.tree_error = Some(format!(
                        "{pointer}: set it in the file; no plain value fits"
                    ))
                }
            }
        }
        if let Some(e) = &p.tree_error {
            ui.colored_label(egui::Color32::LIGHT_RED, e);
        }
        if commit {
            match serde_json::from_value::<crate::scenario::Scenario>(tree.clone()) {
                Ok(s) => {
                    out.write(EditorCommand::Edit(Box::new(s)));
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
                }
            }
        }
    }
}

pub(super) fn weather_sliders(
    ui: &mut egui::Ui,
    doc: &Document,
    out: &mut MessageWriter<EditorCommand>,
) {
    ui.heading("Weather");
    let s = &doc.scenario;
    let fog = s.weather.fog.as_ref().map(|f| f.visibility_m);
    if let Some(v) = optional_slider(ui, "fog", fog, 200.0, 5.0..=1000.0, "visibility m") {
        out.write(EditorCommand::SetFog(v));
    }
    let rain = s.weather.rain.as_ref().map(|r| r.rate_mm_h);
    if let Some(v) = optional_slider(ui, "rain", rain, 10.0, 0.5..=100.0, "mm/h") {
        out.write(EditorCommand::SetRain(v));
    }
    let mut el = s.light.sun_elevation_deg;
    let mut az = s.light.sun_azimuth_deg;
    let a = ui.add(egui::Slider::new(&mut el, -20.0..=90.0).text("sun elevation °"));
    let b = ui.add(egui::Slider::new(&mut az, 0.0..=359.0).text("sun azimuth °"));
    if released(&a) || released(&b) {
        out.write(EditorCommand::SetSun {
            elevation_deg: el,
            azimuth_deg: az,
        });
    }
}

/// A switch and a logarithmic slider for an optional quantity; Some(new
/// value) once an edit is final (None inside: switched off).
pub(super) fn optional_slider(
    ui: &mut egui::Ui,
    name: &str,
    value: Option<f64>,
    default: f64,
    range: std::ops::RangeInclusive<f64>,
    unit: &str,
) -> Option<Option<f64>> {
    let mut on = value.is_some();
    let mut v = value.unwrap_or(default);
    ui.horizontal(|ui| {
        let a = ui.checkbox(&mut on, name);
        let b = ui.add_enabled(
            on,
            egui::Slider::new(&mut v, range)
                .logarithmic(true)
                .text(unit),
        );
        (a.changed() || released(&b)).then_some(on.then_some(v))
    })
    .inner
}

/// A value widget's edit is final: a drag ended, or a change not by dragging.
pub(super) fn released(r: &egui::Response) -> bool {
    r.drag_stopped() || (r.changed() && !r.dragged())
}

/// A typed widget for one value of the scenario's JSON form; true when an
/// edit is final.
/// `id` is the value's JSON pointer; a click on "set" of a `None` value asks
/// for it through `set`.
pub(super) fn value_editor(
    ui: &mut egui::Ui,
    key: &str,
    v: &mut serde_json::Value,
    id: &str,
    set: &mut Option<String>,
) -> bool {
    use serde_json::Value;
    match v {
        Value::Object(map) => egui::CollapsingHeader::new(key)
            .id_salt(id)
            .show(ui, |ui| {
                let mut c = false;
                for (k, v) in map.iter_mut() {
                    c |= value_editor(ui, k, v, &format!("{id}/{k}"), set);
                }
                c
            })
            .body_returned
            .unwrap_or(false),
        Value::Array(items) => egui::CollapsingHeader::new(format!("{key} [{}]", items.len()))
            .id_salt(id)
            .show(ui, |ui| {
                let mut c = false;
                let mut remove = None;
                for (i, v) in items.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        if ui.small_button("−").on_hover_text("remove").clicked() {
                            remove = Some(i);
                        }
                        ui.vertical(|ui| {
                            c |= value_editor(ui, &format!("[{i}]"), v, &format!("{id}/{i}"), set);
                        });
                    });
                }
                if let Some(i) = remove {
                    items.remove(i);
                    c = true;
                }
                // a new item starts as a copy of the last (the schema has no
                // empty template for every list); validation checks it
                if let Some(last) = items.last().cloned()
                    && ui.small_button("+ copy of last").clicked()
                {
                    items.push(last);
                    c = true;
                }
                c
            })
            .body_returned
            .unwrap_or(false),
        Value::Bool(b) => ui.checkbox(b, key).changed(),
        Value::Number(n) => {
            ui.horizontal(|ui| {
                ui.label(key);
                if let Some(mut u) = n.as_u64() {
                    let r = ui.add(egui::DragValue::new(&mut u));
                    *n = u.into();
                    released(&r)
                } else {
                    let mut f = n.as_f64().unwrap_or(0.0);
                    let r = ui.add(egui::DragValue::new(&mut f).speed(0.1));
                    if let Some(x) = serde_json::Number::from_f64(f) {
                        *n = x;
                    }
                    released(&r)
                }
            })
            .inner
        }
        Value::String(s) => {
            ui.horizontal(|ui| {
                ui.label(key);
                let r = ui.text_edit_singleline(s);
                r.lost_focus()
            })
            .inner
        }
        Value::Null => {
            ui.horizontal(|ui| {
                ui.label(format!("{key}: none"));
                if ui.small_button("set").clicked() {
                    *set = Some(id.to_string());
                }
            });
            false
        }
    }
}

pub(super) fn sensor_panel(root: &mut egui::Ui, session: &Session, p: &mut Panels) {
    let r = egui::Panel::right("sensors")
        .default_size(420.0)
        .show_inside(root, |ui| {
            ui.heading("Ego camera");
            ui.horizontal(|ui| {
                for (l, name) in [
                    (SensorLayer::Rgb, "RGB"),
                    (SensorLayer::Semantic, "semantic"),
                    (SensorLayer::Instance, "instance"),
                    (SensorLayer::Depth, "depth"),
                ] {
                    ui.selectable_value(&mut p.layer, l, name);
                }
            });
            ui.horizontal(|ui| {
                ui.checkbox(&mut p.tight_boxes, "2D tight");
                ui.checkbox(&mut p.amodal_boxes, "2D amodal");
                ui.checkbox(&mut p.boxes_3d, "3D");
            });
            let Some(tex) = &p.sensor_tex else {
                return;
            };
            let Some(frame) = &session.frame else {
                return;
            };
            let Some(img) = frame.images.first() else {
                return;
            };
            let w = ui.available_width();
            let scale = w / img.width as f32;
            let size = egui::vec2(w, img.height as f32 * scale);
            let resp = ui.image(egui::load::SizedTexture::new(tex.id(), size));
            let origin = resp.rect.min;
            let at = |u: f64, v: f64| origin + egui::vec2(u as f32 * scale, v as f32 * scale);
            let painter = ui.painter_at(resp.rect);
            let labels = frame.labels.as_ref().and_then(|l| l.cameras.first());
            let k = session.cameras()[0].intrinsics;
            for o in labels.map(|c| c.objects.as_slice()).unwrap_or(&[]) {
                let colour = overlay_colour(o.class_id as u16);
                let outline = |rect: egui::Rect, stroke: egui::Stroke| {
                    for s in [halo(stroke), stroke] {
                        painter.rect_stroke(rect, 0.0, s, egui::StrokeKind::Middle);
                    }
                };
                if p.tight_boxes
                    && let Some(b) = o.bbox_visible_px
                {
                    outline(
                        egui::Rect::from_min_max(at(b[0], b[1]), at(b[2], b[3])),
                        egui::Stroke::new(1.5, colour),
                    );
                }
                if p.amodal_boxes {
                    let b = o.bbox_amodal_px;
                    outline(
                        egui::Rect::from_min_max(at(b[0], b[1]), at(b[2], b[3])),
                        egui::Stroke::new(1.0, egui::Color32::YELLOW),
                    );
                }
                if p.boxes_3d {
                    draw_box3(&painter, &k, &o.box_camera, &at, colour);
                }
            }
            if let Some(l) = labels {
                ui.label(format!("{} labeled objects", l.objects.len()));
                for o in &l.objects {
                    ui.label(format!(
                        "{} {} vis {:.0}% occl {} trunc {:.2} {}",
                        o.class,
                        o.instance_id,
                        o.visible_fraction * 100.0,
                        o.occlusion_level,
                        o.truncation,
                        if o.perceivable {
                            ""
                        } else {
                            "(not perceivable)"
                        }
                    ));
                }
            }
            ui.separator();
            ui.horizontal(|ui| {
                ui.label("LiDAR in view:");
                ui.selectable_value(&mut p.lidar, LidarColour::Off, "off");
                ui.selectable_value(&mut p.lidar, LidarColour::Class, "class");
                ui.selectable_value(&mut p.lidar, LidarColour::Intensity, "intensity");
            });
            if let Some(lid) = frame.labels.as_ref().and_then(|l| l.lidars.first()) {
                ui.label(format!("{}: {} points", lid.lidar, lid.points));
            } else {
                ui.label("no LiDAR in this scenario");
            }
        });
    record(p, "sensor_panel", r.response.rect);
}
