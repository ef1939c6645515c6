//! The editor window: bevy_egui panels around the free view and the ego
//! sensors. Draws from `Session`/`Document` and only writes `EditorCommand`s.

use super::{EditorCommand, EditorCorePlugin, EditorState, ViewMove, edit::NewActor};
use crate::core::camera::depth_m_from_buffer;
use crate::core::classes::{Class, split_label_value};
use crate::editor::document::Document;
use crate::editor::session::Session;
use bevy::prelude::*;
use bevy::render::view::screenshot::{Screenshot, ScreenshotCaptured};
use bevy_egui::{EguiContexts, EguiPlugin, EguiPrimaryContextPass, egui};
use glam::{DMat4, DVec2, DVec3};
use std::path::PathBuf;
use std::time::Instant;
use transform_gizmo_egui::{Gizmo, GizmoConfig, GizmoExt, GizmoMode, GizmoResult};

/// What the ego camera panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum SensorLayer {
    #[default]
    Rgb,
    Semantic,
    Instance,
    Depth,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
enum LidarColour {
    #[default]
    Off,
    Class,
    Intensity,
}

/// UI-only state (nothing here changes the scenario).
#[derive(Default)]
struct Panels {
    layer: SensorLayer,
    tight_boxes: bool,
    amodal_boxes: bool,
    boxes_3d: bool,
    lidar: LidarColour,
    place_hazard: bool,
    scrub: u64,
    save_as: String,
    export_frames: u64,
    export_out: String,
    /// (tick, view pose, layer) the textures were made from.
    shown: Option<(u64, Option<crate::core::frames::Pose>, SensorLayer)>,
    view_tex: Option<egui::TextureHandle>,
    sensor_tex: Option<egui::TextureHandle>,
    gizmo: Gizmo,
    gizmo_total: Option<DVec3>,
    gizmo_turned: bool,
    /// The scenario as JSON for the typed field editors.
    tree: Option<serde_json::Value>,
    tree_of: Option<crate::scenario::Scenario>,
    /// Why the last "set" could not be done.
    tree_error: Option<String>,
    /// The LiDAR sweep in view pixels, and what it was projected for.
    lidar_px: Vec<(DVec2, egui::Color32)>,
    #[allow(clippy::type_complexity)]
    lidar_key: Option<(
        Option<(u64, Option<crate::core::frames::Pose>, SensorLayer)>,
        LidarColour,
    )>,
    /// Screen rects for `--screenshot` checks: (name, [x0, y0, x1, y1]).
    rects: Vec<(String, [f32; 4])>,
}

/// `--screenshot PATH`: after `frames` UI frames, capture the window with
/// Bevy's screenshot API, write it and the panel layout, and exit.
#[derive(Resource, Clone)]
pub struct ScreenshotRequest {
    pub path: PathBuf,
    pub after_frames: u32,
    /// Show this tick first.
    pub seek: Option<u64>,
    /// Select this actor first.
    pub select: Option<String>,
    /// Ego camera layer: rgb, semantic, instance or depth.
    pub layer: Option<String>,
    /// LiDAR over the view: class or intensity.
    pub lidar: Option<String>,
}

#[derive(Resource, Default)]
struct FrameTimes {
    started: Option<Instant>,
    last: Option<Instant>,
    frames: u32,
    sum_ms: f64,
    max_ms: f64,
    requested: bool,
}

#[derive(Resource, Default, Clone)]
struct LayoutRects(Vec<(String, [f32; 4])>);

pub fn run_window(core: EditorCorePlugin, screenshot: Option<ScreenshotRequest>) -> u8 {
    let mut app = App::new();
    app.add_plugins(DefaultPlugins.set(bevy::window::WindowPlugin {
        primary_window: Some(bevy::window::Window {
            title: "Edgecase editor".into(),
            resolution: bevy::window::WindowResolution::new(1440, 860),
            ..default()
        }),
        ..default()
    }))
    .add_plugins(EguiPlugin::default())
    .add_plugins(core)
    .init_resource::<FrameTimes>()
    .init_resource::<LayoutRects>()
    .add_systems(Startup, |mut commands: Commands| {
        commands.spawn(Camera2d);
    })
    .add_systems(EguiPrimaryContextPass, draw_ui)
    .add_systems(Last, frame_times);
    if let Some(s) = screenshot {
        let first: Vec<EditorCommand> = s
            .seek
            .map(EditorCommand::Seek)
            .into_iter()
            .chain(
                s.select
                    .as_deref()
                    .and_then(crate::scenario::Role::parse)
                    .map(|r| EditorCommand::Select(Some(r))),
            )
            .collect();
        app.insert_resource(s).add_systems(
            Startup,
            move |mut out: MessageWriter<EditorCommand>| {
                for c in &first {
                    out.write(c.clone());
                }
            },
        );
    }
    match app.run() {
        AppExit::Success => 0,
        AppExit::Error(_) => 1,
    }
}

/// Mean and worst UI frame time; `--screenshot` runs print them.
fn frame_times(
    mut t: ResMut<FrameTimes>,
    request: Option<Res<ScreenshotRequest>>,
    rects: Res<LayoutRects>,
    mut commands: Commands,
) {
    let now = Instant::now();
    t.started.get_or_insert(now);
    if let Some(last) = t.last {
        // the first frames build pipelines: measure from the 3rd on
        t.frames += 1;
        if t.frames > 2 {
            let ms = now.duration_since(last).as_secs_f64() * 1e3;
            t.sum_ms += ms;
            t.max_ms = t.max_ms.max(ms);
        }
    }
    t.last = Some(now);
    let Some(req) = request else {
        return;
    };
    if t.frames >= req.after_frames && !t.requested {
        t.requested = true;
        let n = (t.frames - 2).max(1) as f64;
        eprintln!(
            "editor: {} UI frames, mean {:.1} ms, worst {:.1} ms",
            t.frames - 2,
            t.sum_ms / n,
            t.max_ms
        );
        let path = req.path.clone();
        let rects = rects.0.clone();
        commands.spawn(Screenshot::primary_window()).observe(
            move |shot: On<ScreenshotCaptured>, mut exit: MessageWriter<AppExit>| {
                let result = save_screenshot(&shot.image, &path, &rects);
                if let Err(e) = &result {
                    eprintln!("error: {e}");
                }
                exit.write(if result.is_ok() {
                    AppExit::Success
                } else {
                    AppExit::error()
                });
            },
        );
    }
}

fn save_screenshot(
    image: &Image,
    path: &std::path::Path,
    rects: &[(String, [f32; 4])],
) -> Result<(), String> {
    let rgb = image
        .clone()
        .try_into_dynamic()
        .map_err(|e| format!("screenshot: {e}"))?
        .to_rgb8();
    rgb.save(path)
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let layout: serde_json::Map<String, serde_json::Value> = rects
        .iter()
        .map(|(k, r)| (k.clone(), serde_json::json!(r)))
        .collect();
    std::fs::write(
        path.with_extension("json"),
        serde_json::to_string_pretty(&layout).expect("plain json"),
    )
    .map_err(|e| format!("cannot write the layout: {e}"))
}

fn rgba_image(w: u32, h: u32, rgba: &[u8]) -> egui::ColorImage {
    egui::ColorImage::from_rgba_unmultiplied([w as usize, h as usize], rgba)
}

/// The ego camera's pixels as the chosen layer.
fn sensor_image(img: &crate::snapshot::image::CameraImage, layer: SensorLayer) -> egui::ColorImage {
    let (w, h) = (img.width, img.height);
    let labels = img.labels();
    if layer == SensorLayer::Rgb || labels.is_empty() {
        return rgba_image(w, h, img.rgba());
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

fn class_colour(class_id: u16) -> egui::Color32 {
    let c = Class::from_id(class_id as u8).map_or([255, 255, 255], |c| c.info().color);
    egui::Color32::from_rgb(c[0], c[1], c[2])
}

/// A class colour for lines drawn over the image: dark ones (car blue,
/// truck navy) lifted towards white until they stand out on grey asphalt.
fn overlay_colour(class_id: u16) -> egui::Color32 {
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
fn halo(stroke: egui::Stroke) -> egui::Stroke {
    egui::Stroke::new(stroke.width + 2.0, egui::Color32::from_black_alpha(190))
}

#[allow(clippy::too_many_arguments)]
fn draw_ui(
    mut contexts: EguiContexts,
    doc: Res<Document>,
    session: NonSend<Session>,
    state: Res<EditorState>,
    mut out: MessageWriter<EditorCommand>,
    mut p: Local<Panels>,
    mut layout: ResMut<LayoutRects>,
    request: Option<Res<ScreenshotRequest>>,
) -> Result {
    let ctx = contexts.ctx_mut()?.clone();
    p.rects.clear();
    if p.export_frames == 0 {
        p.export_frames = 100;
        p.tight_boxes = true;
        p.boxes_3d = true;
        if let Some(r) = &request {
            p.layer = match r.layer.as_deref() {
                Some("semantic") => SensorLayer::Semantic,
                Some("instance") => SensorLayer::Instance,
                Some("depth") => SensorLayer::Depth,
                _ => SensorLayer::Rgb,
            };
            p.lidar = match r.lidar.as_deref() {
                Some("class") => LidarColour::Class,
                Some("intensity") => LidarColour::Intensity,
                _ => LidarColour::Off,
            };
        }
        p.export_out = format!("out/{}_editor", doc.scenario.name);
        p.save_as = doc.path.as_ref().map_or_else(
            || format!("{}.ron", doc.scenario.name),
            |x| x.display().to_string(),
        );
    }
    refresh_textures(&ctx, &session, &mut p);
    let mut root = egui::Ui::new(
        ctx.clone(),
        "editor".into(),
        egui::UiBuilder::new()
            .layer_id(egui::LayerId::background())
            .max_rect(ctx.viewport_rect()),
    );
    top_bar(&mut root, &doc, &session, &state, &mut out, &mut p);
    scenario_panel(&mut root, &doc, &state, &mut out, &mut p);
    sensor_panel(&mut root, &session, &mut p);
    scene_view(&mut root, &session, &state, &mut out, &mut p);
    layout.0 = p.rects.clone();
    Ok(())
}

fn refresh_textures(ctx: &egui::Context, session: &Session, p: &mut Panels) {
    let key = (
        session.tick().unwrap_or(0),
        session.view.as_ref().map(|v| v.1),
        p.layer,
    );
    // a resized view (a new session at the same tick and pose) is new too
    let resized = match (&session.view, &p.view_tex) {
        (Some((img, _)), Some(t)) => t.size() != [img.width as usize, img.height as usize],
        _ => false,
    };
    if p.shown.as_ref() == Some(&key) && !resized {
        return;
    }
    if let Some((img, _)) = &session.view {
        let ci = rgba_image(img.width, img.height, img.rgba());
        match &mut p.view_tex {
            Some(t) => t.set(ci, egui::TextureOptions::LINEAR),
            None => p.view_tex = Some(ctx.load_texture("view", ci, egui::TextureOptions::LINEAR)),
        }
    }
    if let Some(img) = session.frame.as_ref().and_then(|f| f.images.first()) {
        let ci = sensor_image(img, p.layer);
        match &mut p.sensor_tex {
            Some(t) => t.set(ci, egui::TextureOptions::NEAREST),
            None => {
                p.sensor_tex = Some(ctx.load_texture("sensor", ci, egui::TextureOptions::NEAREST))
            }
        }
    }
    p.shown = Some(key);
}

fn record(p: &mut Panels, name: &str, r: egui::Rect) {
    p.rects
        .push((name.into(), [r.min.x, r.min.y, r.max.x, r.max.y]));
}

fn top_bar(
    root: &mut egui::Ui,
    doc: &Document,
    session: &Session,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    let ctx = root.ctx().clone();
    let r = egui::Panel::top("top").show_inside(root, |ui| {
        ui.horizontal(|ui| {
            let name = doc
                .path
                .as_ref()
                .map_or("(unsaved)".into(), |x| x.display().to_string());
            ui.strong(format!("{name}{}", if doc.dirty() { " *" } else { "" }));
            if ui.button("Save").clicked() {
                out.write(EditorCommand::Save(None));
            }
            ui.text_edit_singleline(&mut p.save_as);
            if ui.button("Save as").clicked() {
                out.write(EditorCommand::Save(Some(PathBuf::from(&p.save_as))));
            }
            if ui.button("Reload").clicked() {
                out.write(EditorCommand::Reload);
            }
            ui.separator();
            if state.playing {
                if ui.button("⏸ Pause").clicked() {
                    out.write(EditorCommand::Pause);
                }
            } else if ui.button("▶ Play").clicked() {
                out.write(EditorCommand::Play);
            }
            if ui.button("Step").clicked() {
                out.write(EditorCommand::Step);
            }
            if ui.button("Restart").clicked() {
                out.write(EditorCommand::Restart);
            }
            let tick = session.tick().unwrap_or(0);
            let last = doc.scenario.frames.saturating_sub(1).max(1);
            if !ui.ctx().egui_is_using_pointer() {
                p.scrub = session.seek_target.unwrap_or(tick);
            }
            let slider = ui.add(egui::Slider::new(&mut p.scrub, 0..=last).text("tick"));
            if slider.drag_stopped() || (slider.changed() && !slider.dragged()) {
                out.write(EditorCommand::Seek(p.scrub));
            }
            ui.label(format!("t = {:.2} s", tick as f64 / doc.scenario.tick_hz));
            if let Some(target) = session.seek_target {
                let done = tick as f32 / target.max(1) as f32;
                ui.add(
                    egui::ProgressBar::new(done)
                        .desired_width(120.0)
                        .text(format!("seeking {tick}/{target}")),
                );
                ctx.request_repaint();
            }
        });
        if let Some(e) = &doc.error {
            ui.colored_label(egui::Color32::LIGHT_RED, e.to_string());
        } else if !state.message.is_empty() {
            ui.label(&state.message);
        }
    });
    record(p, "top_bar", r.response.rect);
    if state.playing {
        ctx.request_repaint();
    }
}

fn scenario_panel(
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
            let render = egui::Panel::bottom("render_controls").show_inside(ui, |ui| {
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
                                egui::ProgressBar::new(done as f32 / e.frames as f32)
                                    .text(format!("{} {done}/{}", e.out.display(), e.frames)),
                            );
                            ctx.request_repaint();
                        }
                        Some(Ok(d)) => drop(ui.label(format!("done: {}", d.display()))),
                        Some(Err(err)) => {
                            ui.colored_label(egui::Color32::LIGHT_RED, err);
                        }
                    }
                }
            });
            record(p, "render_controls", render.response.rect);
            egui::ScrollArea::vertical().show(ui, |ui| {
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
                ui.separator();
                weather_sliders(ui, doc, out);
                ui.separator();
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
                        match super::edit::fill_none(&doc.scenario, &pointer) {
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
            });
        });
    record(p, "scenario_panel", r.response.rect);
}

fn weather_sliders(ui: &mut egui::Ui, doc: &Document, out: &mut MessageWriter<EditorCommand>) {
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
fn optional_slider(
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
fn released(r: &egui::Response) -> bool {
    r.drag_stopped() || (r.changed() && !r.dragged())
}

/// A typed widget for one value of the scenario's JSON form; true when an
/// edit is final.
/// `id` is the value's JSON pointer; a click on "set" of a `None` value asks
/// for it through `set`.
fn value_editor(
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

fn sensor_panel(root: &mut egui::Ui, session: &Session, p: &mut Panels) {
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

/// The 12 edges of a box whose corner i has the signs of its bits (x: bit 0,
/// y: bit 1, z: bit 2), as `Box3::corners` orders them: corners one bit
/// apart share an edge.
fn wire_box(painter: &egui::Painter, corners: &[Option<egui::Pos2>; 8], stroke: egui::Stroke) {
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
fn draw_box3(
    painter: &egui::Painter,
    k: &crate::core::camera::Intrinsics,
    b: &crate::core::label::CameraBox,
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

fn scene_view(
    root: &mut egui::Ui,
    session: &Session,
    state: &EditorState,
    out: &mut MessageWriter<EditorCommand>,
    p: &mut Panels,
) {
    let ctx = root.ctx().clone();
    let r = egui::CentralPanel::default().show_inside(root, |ui| {
        let (Some(tex), Some((img, world_from_camera))) = (&p.view_tex, &session.view) else {
            ui.label("simulating...");
            return;
        };
        // room under the view for its row of controls
        let avail = ui.available_size() - egui::vec2(0.0, 2.0 * ui.spacing().interact_size.y);
        // the view takes the panel's shape: its height follows the free
        // space (a new render target, so only when it is off by > 8%)
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
        let scale = (avail.x / img.width as f32).min(avail.y / img.height as f32);
        let size = egui::vec2(img.width as f32 * scale, img.height as f32 * scale);
        let resp = ui.add(
            egui::Image::new(egui::load::SizedTexture::new(tex.id(), size))
                .sense(egui::Sense::click_and_drag()),
        );
        let rect = resp.rect;
        record(p, "scene_view", rect);
        let to_pixel = |pos: egui::Pos2| {
            let q = (pos - rect.min) / scale;
            (q.x.max(0.0) as u32, q.y.max(0.0) as u32)
        };
        let at = |v: DVec2| rect.min + egui::vec2(v.x as f32 * scale, v.y as f32 * scale);
        // LiDAR points, every 3rd, over the view
        if p.lidar != LidarColour::Off {
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
            let painter = ui.painter_at(rect);
            for (px, colour) in &p.lidar_px {
                painter.rect_filled(
                    egui::Rect::from_center_size(at(*px), egui::vec2(2.0, 2.0)),
                    0.0,
                    *colour,
                );
            }
        }
        // the selection's box and the gizmo
        let selected = state.selection.as_ref().and_then(|role| {
            session
                .snapshot
                .as_ref()?
                .objects
                .iter()
                .find(|o| o.role == *role)
                .cloned()
        });
        let mut gizmo_active = false;
        if let Some(o) = &selected {
            let painter = ui.painter_at(rect);
            let corners = o.box3.corners();
            let pts: [Option<egui::Pos2>; 8] =
                std::array::from_fn(|i| session.project_to_view(corners[i]).map(at));
            wire_box(&painter, &pts, egui::Stroke::new(2.0, egui::Color32::GOLD));
            let view_from_world = world_from_camera.inverse();
            let view = DMat4::from_rotation_translation(
                view_from_world.rotation,
                view_from_world.translation,
            );
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
        }
        if !gizmo_active && p.gizmo_total.is_none() {
            if resp.clicked()
                && let Some(pos) = resp.interact_pointer_pos()
            {
                let (x, y) = to_pixel(pos);
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
        if resp.hovered() {
            // WASD flies the target over the ground (and stops following)
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
    let _ = r;
}

/// A world translation as (along, across) the main road at `at`.
fn road_delta(session: &Session, at: DVec3, total: DVec3) -> (f64, f64) {
    let (s, _) = session.road_coords(at);
    let pose = session.road().path.pose_at(s);
    let d = crate::core::frames::sim_to_enu(total);
    let d = DVec2::new(d.x, d.y);
    (d.dot(pose.forward()), d.dot(pose.left()))
}
