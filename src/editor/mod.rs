//! The interactive editor: `edgecase` without `--headless`. A window (Bevy +
//! bevy_egui) around the same simulation, sensors and labeler as batch mode.
//!
//! Split so the logic runs without a window: `EditorCorePlugin` owns the
//! document, the simulation session and the command handling (tested
//! headless); `ui` only draws panels and turns clicks into `EditorCommand`s.

pub mod document;
pub mod edit;
pub mod session;
mod ui;

use crate::scenario::{Role, Scenario, Side};
use crate::sensors::camera::GpuContext;
use bevy::prelude::*;
use document::Document;
use edit::NewActor;
use session::{Session, ViewCamera};
use std::path::PathBuf;
use std::time::{Duration, Instant};
pub use ui::ScreenshotRequest;

/// Everything a user can do, as data: the UI writes these, tests too.
#[derive(Message, Clone, Debug, PartialEq)]
pub enum EditorCommand {
    Play,
    Pause,
    /// One tick forward.
    Step,
    /// Back to tick 0.
    Restart,
    /// Show this tick (re-simulated from 0 when it lies behind).
    Seek(u64),
    /// Select what is under this pixel of the free view (nothing: clear).
    SelectAt {
        x: u32,
        y: u32,
    },
    Select(Option<Role>),
    /// Move the selected actor along (ds) and across (left positive) the road.
    MoveSelected {
        ds_m: f64,
        dlateral_m: f64,
    },
    /// Turn the selected actor around.
    TurnSelected,
    Add(NewActor),
    DeleteSelected,
    /// Put the hazard's trigger point on the road under this view pixel.
    PlaceHazardAt {
        x: u32,
        y: u32,
    },
    SetFog(Option<f64>),
    SetRain(Option<f64>),
    SetSun {
        elevation_deg: f64,
        azimuth_deg: f64,
    },
    /// Replace the scenario (a typed widget changed a field).
    Edit(Box<Scenario>),
    /// Save to the given path, or the document's own.
    Save(Option<PathBuf>),
    Reload,
    /// Run the batch exporter on the current scenario.
    RenderFrames {
        frames: u64,
        out: PathBuf,
    },
    /// Orbit / zoom / pan the free view.
    View(ViewMove),
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum ViewMove {
    Orbit {
        dyaw_rad: f64,
        dpitch_rad: f64,
    },
    Zoom {
        factor: f64,
    },
    Pan {
        right_m: f64,
        forward_m: f64,
    },
    Follow(bool),
    /// Render the view at this size (it follows the window's free space).
    Resize {
        width: u32,
        height: u32,
    },
}

/// A batch export running on its own thread.
pub struct Export {
    pub out: PathBuf,
    pub frames: u64,
    pub done: std::sync::Arc<std::sync::atomic::AtomicU64>,
    pub handle: Option<std::thread::JoinHandle<Result<crate::batch::Written, String>>>,
    pub result: Option<Result<crate::batch::Written, String>>,
}

#[derive(Resource, Default)]
pub struct EditorState {
    pub selection: Option<Role>,
    pub playing: bool,
    last_tick: Option<Instant>,
    /// The last thing the editor wants the user to read (errors included).
    pub message: String,
    pub exports: Vec<Export>,
}

/// The editor's logic, without a window.
pub struct EditorCorePlugin {
    pub document: std::sync::Mutex<Option<Document>>,
    pub gpu: GpuContext,
    pub view: ViewCamera,
}

impl EditorCorePlugin {
    pub fn new(document: Document, gpu: GpuContext, view: ViewCamera) -> EditorCorePlugin {
        EditorCorePlugin {
            document: std::sync::Mutex::new(Some(document)),
            gpu,
            view,
        }
    }
}

impl Plugin for EditorCorePlugin {
    fn build(&self, app: &mut App) {
        let taken = self
            .document
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take();
        let Some(document) = taken else {
            tracing::error!("the editor plugin was built twice; the second is ignored");
            return;
        };
        let mut session = Session::new(
            self.gpu.clone(),
            document.scenario.clone(),
            self.view.clone(),
        );
        session.step();
        app.insert_resource(document)
            .insert_non_send(session)
            .insert_non_send(self.gpu.clone())
            .init_resource::<EditorState>()
            .add_message::<EditorCommand>()
            .add_systems(
                Update,
                (
                    apply_commands,
                    play,
                    continue_seek,
                    watch_file,
                    poll_exports,
                )
                    .chain(),
            );
    }
}

/// Apply a new scenario to the document; on success re-simulate to the tick shown.
fn commit(doc: &mut Document, session: &mut Session, state: &mut EditorState, edited: Scenario) {
    if edited == doc.scenario {
        return;
    }
    if doc.apply(edited) {
        sync_session(doc, session);
        state.message.clear();
    } else if let Some(e) = &doc.error {
        state.message = e.to_string();
    }
}

/// Re-simulate to the tick shown when the document's scenario is no longer
/// the one the session runs (an edit, a reload).
fn sync_session(doc: &Document, session: &mut Session) {
    if session.scenario() != &doc.scenario {
        let tick = session.tick();
        session.rebuild(doc.scenario.clone(), tick);
    }
}

fn apply_commands(
    mut commands: MessageReader<EditorCommand>,
    mut doc: ResMut<Document>,
    mut session: NonSendMut<Session>,
    mut state: ResMut<EditorState>,
    gpu: NonSend<GpuContext>,
) {
    for cmd in commands.read() {
        let mut edited = doc.scenario.clone();
        let selected = state.selection;
        let result: Result<(), String> = match cmd.clone() {
            EditorCommand::Play => {
                state.playing = true;
                Ok(())
            }
            EditorCommand::Pause => {
                state.playing = false;
                Ok(())
            }
            EditorCommand::Step => {
                state.playing = false;
                session.step();
                Ok(())
            }
            EditorCommand::Restart => {
                session.rebuild(doc.scenario.clone(), Some(0));
                Ok(())
            }
            EditorCommand::Seek(t) => {
                state.playing = false;
                session.seek(t);
                Ok(())
            }
            EditorCommand::SelectAt { x, y } => {
                state.selection = session.pick(x, y).and_then(|p| p.role);
                Ok(())
            }
            EditorCommand::Select(role) => {
                state.selection = role;
                Ok(())
            }
            EditorCommand::MoveSelected { ds_m, dlateral_m } => match selected {
                Some(role) => {
                    let lateral_now = current_lateral(&session, role);
                    edit::move_actor(&mut edited, role, ds_m, dlateral_m, lateral_now)
                }
                None => Err("select an actor first".into()),
            },
            EditorCommand::TurnSelected => match selected {
                Some(role) => edit::turn_around(&mut edited, role),
                None => Err("select an actor first".into()),
            },
            EditorCommand::Add(kind) => {
                let s_m = session.snapshot.as_ref().map_or(30.0, |s| {
                    session.road_coords(s.world_from_ego.translation).0 + 30.0
                });
                state.selection = Some(edit::add_actor(&mut edited, kind, s_m));
                Ok(())
            }
            EditorCommand::DeleteSelected => match selected {
                Some(role) => edit::delete_actor(&mut edited, role).map(|_| state.selection = None),
                None => Err("select an actor first".into()),
            },
            EditorCommand::PlaceHazardAt { x, y } => {
                place_hazard_at(&session, &mut state, &mut edited, x, y)
            }
            EditorCommand::SetFog(v) => {
                edit::set_fog(&mut edited, v);
                Ok(())
            }
            EditorCommand::SetRain(r) => {
                edit::set_rain(&mut edited, r);
                Ok(())
            }
            EditorCommand::SetSun {
                elevation_deg,
                azimuth_deg,
            } => {
                edit::set_sun(&mut edited, elevation_deg, azimuth_deg);
                Ok(())
            }
            EditorCommand::Edit(s) => {
                edited = *s;
                Ok(())
            }
            EditorCommand::Save(path) => {
                let r = doc.save(path.as_deref());
                if r.is_ok() {
                    state.message = doc.status.clone();
                }
                r
            }
            EditorCommand::Reload => {
                doc.reload();
                sync_session(&doc, &mut session);
                Ok(())
            }
            EditorCommand::RenderFrames { frames, out } => {
                state.exports.push(start_export(&doc, &gpu, frames, out));
                Ok(())
            }
            EditorCommand::View(m) => {
                move_view(&mut session, &doc, m);
                Ok(())
            }
        };
        match result {
            Ok(()) => commit(&mut doc, &mut session, &mut state, edited),
            Err(e) => state.message = e,
        }
    }
}

/// Move, turn, zoom or resize the free view; a new size needs a new
/// session (the view's render target has a fixed size).
fn move_view(session: &mut Session, doc: &Document, m: ViewMove) {
    let v = &mut session.view_camera;
    match m {
        ViewMove::Orbit {
            dyaw_rad,
            dpitch_rad,
        } => {
            v.yaw_rad += dyaw_rad;
            v.pitch_rad = (v.pitch_rad + dpitch_rad).clamp(-0.2, 1.5);
        }
        ViewMove::Zoom { factor } => v.distance_m = (v.distance_m * factor).clamp(2.0, 400.0),
        ViewMove::Pan { right_m, forward_m } => v.pan(right_m, forward_m),
        ViewMove::Follow(on) => v.follow_ego = on,
        ViewMove::Resize { width, height } => {
            v.width = width;
            v.height = height;
        }
    }
    if let ViewMove::Resize { .. } = m {
        // the view's render target has a fixed size: a new session
        let tick = session.tick();
        session.rebuild(doc.scenario.clone(), tick);
    } else {
        session.render_view();
    }
}

/// Put the hazard where the click meets the road, on that side.
fn place_hazard_at(
    session: &Session,
    state: &mut EditorState,
    edited: &mut Scenario,
    x: u32,
    y: u32,
) -> Result<(), String> {
    match session.pick(x, y).and_then(|p| p.road_s_lateral) {
        Some((s_m, lateral)) => {
            let side = if lateral >= 0.0 {
                Side::Left
            } else {
                Side::Right
            };
            edit::place_hazard(edited, s_m, side);
            state.selection = Some(Role::Hazard);
            Ok(())
        }
        None => Err("click on the road to place the hazard".into()),
    }
}

/// The selected actor's current lateral offset on the main road.
fn current_lateral(session: &Session, role: Role) -> f64 {
    let Some(snap) = &session.snapshot else {
        return 0.0;
    };
    let Some(o) = snap.objects.iter().find(|o| o.role == role) else {
        return 0.0;
    };
    session.road_coords(o.box3.center).1
}

/// Playing advances one rendered tick per tick period of wall time (slower
/// when rendering cannot keep up).
fn play(mut state: ResMut<EditorState>, mut session: NonSendMut<Session>) {
    if !state.playing || session.seek_target.is_some() {
        state.last_tick = None;
        return;
    }
    let period = Duration::from_secs_f64(1.0 / session.scenario().tick_hz);
    let now = Instant::now();
    if state
        .last_tick
        .is_none_or(|t| now.duration_since(t) >= period)
    {
        state.last_tick = Some(now);
        session.step();
    }
}

/// A long seek runs a slice per UI frame, so the window stays live.
fn continue_seek(mut session: NonSendMut<Session>) {
    session.continue_seek(Duration::from_millis(40));
}

/// Reload when the file changes on disk (checked twice a second).
fn watch_file(
    mut doc: ResMut<Document>,
    mut session: NonSendMut<Session>,
    mut state: ResMut<EditorState>,
    mut last: Local<Option<Instant>>,
) {
    if last.is_some_and(|t| t.elapsed() < Duration::from_millis(500)) {
        return;
    }
    *last = Some(Instant::now());
    if doc.reload_if_changed() {
        state.message = match &doc.error {
            Some(e) => format!("file changed on disk: {e}"),
            None => "file changed on disk: reloaded".into(),
        };
        sync_session(&doc, &mut session);
    }
}

fn start_export(doc: &Document, gpu: &GpuContext, frames: u64, out: PathBuf) -> Export {
    let done = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = done.clone();
    let scenario = doc.scenario.clone();
    let text = crate::scenario::to_ron(&scenario);
    let opts = crate::batch::BatchOptions {
        scenario_path: doc
            .path
            .clone()
            .unwrap_or_else(|| PathBuf::from("editor.ron")),
        scenario_sha256: crate::writers::sha256_hex(text.as_bytes()),
        scenario,
        frames,
        out_dir: out.clone(),
        overwrite: false,
        workers: 2,
        progress: false,
        extra_manifest: serde_json::Value::Null,
    };
    let gpu = gpu.clone();
    let handle = std::thread::spawn(move || {
        crate::batch::run_with_progress(opts, gpu, move |n| {
            counter.store(n, std::sync::atomic::Ordering::Relaxed)
        })
        .map_err(|e| format!("{e:#}"))
    });
    Export {
        out,
        frames,
        done,
        handle: Some(handle),
        result: None,
    }
}

fn poll_exports(mut state: ResMut<EditorState>) {
    let mut finished = Vec::new();
    for e in &mut state.exports {
        if let Some(handle) = e.handle.take_if(|h| h.is_finished()) {
            let r = handle
                .join()
                .unwrap_or_else(|_| Err("the export thread panicked".into()));
            finished.push(match &r {
                Ok(w) => format!("rendered {} to {}", w.frames_text(), w.dir.display()),
                Err(err) => format!("render failed: {err}"),
            });
            e.result = Some(r);
        }
    }
    if let Some(m) = finished.pop() {
        state.message = m;
    }
}

/// `edgecase` without --headless: open the editor window.
pub fn run(document: Document, screenshot: Option<ScreenshotRequest>) -> u8 {
    let gpu = match GpuContext::new_headless() {
        Ok(g) => g,
        Err(e) => {
            crate::console::to_stderr!("error: {e}");
            return 2;
        }
    };
    ui::run_window(
        EditorCorePlugin::new(document, gpu, ViewCamera::default()),
        screenshot,
    )
}
