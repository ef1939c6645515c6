//! Benchmark runner (not a test): one configuration per process so that the
//! peak RSS printed belongs to that configuration. `tools/bench` runs the
//! whole matrix and prints the table.

// a benchmark with fixed, built-in inputs: a failure is a bug to see at once
#![allow(clippy::unwrap_used, clippy::expect_used)]

use anyhow::{Context, Result, bail};
use clap::{Parser, ValueEnum};
use edgecase::core::boxes::Box3;
use edgecase::core::camera::Intrinsics;
use edgecase::core::classes::{Class, instance_id};
use edgecase::core::frames::{Pose, camera_mount_pose};
use edgecase::core::mesh::Primitive;
use edgecase::core::record::EgoState;
use edgecase::labels::LabelConfig;
use edgecase::scenario::{DepthFormat, Format, Output};
use edgecase::sensors::camera::{CameraRig, GpuContext, RenderMode, RenderPool};
use edgecase::sensors::{LabeledFrame, Rig};
use edgecase::snapshot::{CameraInfo, DrawInstance, FrameSnapshot, LabeledObject};
use edgecase::world::StaticMesh;
use edgecase::writers::{DatasetConfig, DatasetWriter};
use glam::{DVec3, Mat4, Quat, Vec3};
use std::sync::Arc;
use std::time::Instant;

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Scene {
    /// Ground plane + 50 boxes, one camera.
    Reference,
    /// scenarios/fog_pedestrian.ron through the full batch path.
    FogPedestrian,
    /// scenarios/clear_day_urban.ron (traffic, pedestrians, buildings,
    /// trees, sun) through the full batch path.
    ClearDayUrban,
    /// 100 vehicles and 100 pedestrians on a 4-lane road: physics and
    /// behaviour ticks/s without sensors (mode bare: simulation only), then
    /// with one labeled camera (mode memory).
    Traffic,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum Mode {
    /// Colour only, only the image read back, nothing written.
    Bare,
    /// RGB + depth + semantic + instance read back and labels computed, kept in memory.
    Memory,
    /// As memory, and every output written to disk.
    Disk,
}

#[derive(Parser)]
struct Args {
    #[arg(long, value_enum)]
    scene: Scene,
    #[arg(long, value_enum)]
    mode: Mode,
    #[arg(long, default_value_t = 640)]
    width: u32,
    #[arg(long, default_value_t = 480)]
    height: u32,
    #[arg(long, default_value_t = 300)]
    frames: u64,
    /// Scale the ego speed (fog_pedestrian), e.g. 0.1 for a 10x longer run over the same road.
    #[arg(long, default_value_t = 1.0)]
    ego_speed_scale: f64,
    #[arg(long, default_value = "/tmp/edgecase-bench")]
    out: std::path::PathBuf,
    /// fog_pedestrian: keep its 64-channel roof LiDAR (HDL-64E, 2048 columns); without it the LiDAR is taken off.
    #[arg(long)]
    lidar: bool,
    /// fog_pedestrian: add a second camera of the same size.
    #[arg(long)]
    extra_camera: bool,
    /// Shipped scenes: render only the first camera (clear_day_urban ships
    /// two: front 640x480 and left 480x320, 1.5x the front's pixels).
    #[arg(long)]
    first_camera_only: bool,
    /// Shipped scenes: the cameras' look (the scenario's `render.look`).
    #[arg(long, value_enum, default_value_t = LookArg::Realistic)]
    look: LookArg,
    /// Shipped scenes: no sun shadows (the scenario's `render.shadows`).
    #[arg(long)]
    no_shadows: bool,
    /// Shipped scenes: no anti-aliasing (the scenario's `render.antialias`).
    #[arg(long)]
    no_antialias: bool,
    /// Devices that render frames at once (default: two on a CPU
    /// rasterizer with two cores or more, else one; as EDGECASE_RENDER_DEVICES).
    #[arg(long, value_parser = clap::value_parser!(u8).range(1..=4))]
    devices: Option<u8>,
}

#[derive(Clone, Copy, Debug, ValueEnum, PartialEq)]
enum LookArg {
    Realistic,
    Flat,
}

fn peak_rss_mib() -> f64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or(f64::NAN, |kb| kb / 1024.0)
}

/// CPU time (user + system) of the whole process so far, in seconds
/// (/proc/self/stat, clock ticks of 1/100 s): with frames/s it tells the
/// work per frame apart from how well it overlapped.
fn process_cpu_s() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    // fields after the command name, which is in parentheses
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .map_or(Vec::new(), |(_, rest)| rest.split_whitespace().collect());
    // utime and stime are fields 14 and 15 of the line, 12 and 13 after ')'
    let ticks = |i: usize| fields.get(i).and_then(|v| v.parse::<f64>().ok());
    match (ticks(11), ticks(12)) {
        (Some(u), Some(s)) => (u + s) / 100.0,
        _ => f64::NAN,
    }
}

/// When the measured loop began: wall clock and process CPU time.
#[derive(Clone, Copy)]
struct Start {
    wall: Instant,
    cpu_s: f64,
}

impl Start {
    fn now() -> Start {
        Start {
            wall: Instant::now(),
            cpu_s: process_cpu_s(),
        }
    }
}

fn reference_snapshot(frame: u64) -> FrameSnapshot {
    let mut instances = Vec::new();
    let mut objects = Vec::new();
    for i in 0..50u32 {
        let (row, col) = (i / 10, i % 10);
        let center = Vec3::new(8.0 + row as f32 * 6.0, 0.75, (col as f32 - 4.5) * 3.0);
        // a slow spin so every frame differs
        let yaw = (i as f32 * 0.37 + frame as f32 * 0.02) % std::f32::consts::TAU;
        let size = Vec3::new(1.8, 1.5, 1.2);
        let model = Mat4::from_scale_rotation_translation(size, Quat::from_rotation_y(yaw), center);
        let id = instance_id(Class::Car, i + 1);
        instances.push(DrawInstance {
            primitive: Primitive::Cube,
            model,
            color: [0.2 + 0.015 * i as f32, 0.3, 0.6],
            emission: 0.0,
            class_id: Class::Car.id() as u32,
            instance_id: id,
            pattern: 0,
            pattern_origin: Vec3::ZERO,
        });
        let corners: Vec<DVec3> = [-0.5f32, 0.5]
            .iter()
            .flat_map(|x| {
                [-0.5f32, 0.5]
                    .into_iter()
                    .flat_map(move |y| [-0.5f32, 0.5].into_iter().map(move |z| Vec3::new(*x, y, z)))
            })
            .map(|c| model.transform_point3(c).as_dvec3())
            .collect();
        objects.push(LabeledObject {
            instance_id: id,
            class: Class::Car,
            kitti_type: "Car",
            role: edgecase::scenario::Role::Vehicle(i as usize),
            rider_instance_id: None,
            box3: Box3 {
                center: center.as_dvec3(),
                length_m: 1.8,
                height_m: 1.5,
                width_m: 1.2,
                yaw_rad: yaw as f64,
            },
            part_points_world: vec![corners],
            person: None,
            vehicle: None,
            motion: Default::default(),
        });
    }
    FrameSnapshot {
        frame,
        time_s: frame as f64 / 10.0,
        ego: EgoState {
            yaw_rate_rad_s: 0.0,
            velocity_enu_mps: None,
            acceleration_enu_mps2: None,
            position_m: [0.0; 3],
            yaw_rad: 0.0,
            speed_mps: 0.0,
        },
        world_from_ego: Pose::IDENTITY,
        ego_motion: Default::default(),
        instances: Arc::new(instances),
        objects: Arc::new(objects),
        lamps: Arc::new(Vec::new()),
        collisions: Arc::default(),
        triggers: Arc::default(),
    }
}

fn all_outputs() -> Output {
    Output {
        formats: vec![Format::Kitti, Format::Coco],
        depth: vec![DepthFormat::Png16, DepthFormat::Npy32],
        ..Output::default()
    }
}

fn run_reference(args: &Args) -> Result<()> {
    let camera = CameraInfo {
        name: "front".into(),
        intrinsics: Intrinsics::from_hfov(args.width, args.height, 90f64.to_radians()),
        ego_from_camera: camera_mount_pose(DVec3::new(0.0, 0.0, 2.0), 0.0, 8f64.to_radians(), 0.0),
        effects: Default::default(),
        nominal: None,
        contamination: None,
    };
    let ground = StaticMesh {
        mesh: edgecase::core::mesh::strip(
            &[Vec3::new(-50.0, 0.0, -100.0), Vec3::new(200.0, 0.0, -100.0)],
            &[Vec3::new(-50.0, 0.0, 100.0), Vec3::new(200.0, 0.0, 100.0)],
        ),
        class: Class::Road,
        color: [0.3, 0.3, 0.3],
    };
    let lighting = edgecase::weather::lighting(
        &Default::default(),
        &Default::default(),
        &edgecase::weather::Atmosphere::new(&Default::default()),
        0,
    );
    let mode = if args.mode == Mode::Bare {
        RenderMode::ColorOnly
    } else {
        RenderMode::Labeled
    };
    let gpu = headless_gpu(args)?;
    let cameras = vec![camera];
    let cfg = LabelConfig {
        min_visible_pixels: 25,
        max_label_distance_m: 150.0,
        extinction_per_m: 0.0,
        failures: Vec::new(),
    };
    // the same rig + ordered labeler thread the batch path uses
    let pool = RenderPool::on_devices(gpu, |g| {
        CameraRig::new(
            g,
            &cameras,
            &[],
            std::slice::from_ref(&ground),
            lighting.clone(),
            mode,
        )
    });
    let mut rig = Rig::new(
        pool,
        cameras.clone(),
        edgecase::sensors::lens::LensPlan::of(&cameras),
        vec![],
        edgecase::sensors::label_pool::LidarEnv {
            atmosphere: edgecase::weather::Atmosphere::new(&Default::default()),
            seed: 0,
        },
        cfg,
    );
    let mut writer = if args.mode == Mode::Disk {
        let _ = std::fs::remove_dir_all(&args.out);
        Some(DatasetWriter::create(DatasetConfig {
            out_dir: args.out.clone(),
            overwrite: true,
            cameras: cameras.clone(),
            lidars: vec![],
            output: all_outputs(),
            workers: 2,
            identity: serde_json::json!({"bench": "reference", "frames": args.frames}),
        })?)
    } else {
        None
    };
    let mut labeled_objects = 0usize;
    let mut handle = |f: LabeledFrame, writer: &mut Option<DatasetWriter>| -> Result<()> {
        if let Some(labels) = f.labels {
            labeled_objects += labels.cameras[0].objects.len();
            if let Some(w) = writer.as_mut() {
                w.write(labels, f.images, f.lidar_points)?;
            }
        }
        Ok(())
    };
    let start = Start::now();
    for frame in 0..args.frames {
        rig.rig.submit(reference_snapshot(frame));
        for f in rig.rig.poll_readbacks() {
            rig.labeler.push(f);
        }
        for f in rig.labeler.take_ready() {
            handle(f, &mut writer)?;
        }
    }
    for f in rig.rig.finish_readbacks() {
        rig.labeler.push(f);
    }
    for f in rig.labeler.finish() {
        handle(f, &mut writer)?;
    }
    if let Some(w) = writer {
        w.finish(args.frames, serde_json::json!({"bench": "reference"}))?;
    }
    report(
        args,
        start,
        &format!(
            "labeled objects/frame {:.1}",
            labeled_objects as f64 / args.frames as f64
        ),
    );
    Ok(())
}

/// A shipped scenario (`name` under scenarios/ of the working directory,
/// then of the source tree: a bench binary carried to another machine runs
/// from a checkout there; else the copy compiled in) through the batch path.
fn run_shipped(args: &Args, name: &str) -> Result<()> {
    let path = edgecase::scenario::resolve_path(name);
    let (text, path) = if path.is_file() {
        let text = std::fs::read_to_string(&path).with_context(|| path.display().to_string())?;
        (text, path)
    } else {
        let source = edgecase::scenario::library::resolve(name)?;
        (source.text, source.path)
    };
    let mut s = edgecase::scenario::parse(&text, &path)?;
    s.sensors.cameras[0].width = args.width;
    s.sensors.cameras[0].height = args.height;
    if args.first_camera_only {
        s.sensors.cameras.truncate(1);
    }
    s.ego.speed_mps *= args.ego_speed_scale;
    s.render.look = match args.look {
        LookArg::Realistic => edgecase::scenario::Look::Realistic,
        LookArg::Flat => edgecase::scenario::Look::Flat,
    };
    s.render.shadows = !args.no_shadows;
    s.render.antialias = !args.no_antialias;
    // the demo ships a roof LiDAR: measured alone, and with it under --lidar
    let shipped = std::mem::take(&mut s.sensors.lidars);
    if args.lidar {
        s.sensors.lidars = if shipped.is_empty() {
            vec![edgecase::scenario::LidarSpec::default()]
        } else {
            shipped
        };
    }
    if args.extra_camera {
        let mut rear = s.sensors.cameras[0].clone();
        rear.name = "rear".into();
        rear.mount.yaw_deg = 180.0;
        s.sensors.cameras.push(rear);
    }
    s.output = Output {
        kitti_camera: s.output.kitti_camera.clone(),
        ..all_outputs()
    };
    let sizes: Vec<String> = (s.sensors.cameras.iter())
        .map(|c| format!("{}x{}", c.width, c.height))
        .collect();
    let cameras = format!("cameras={}", sizes.join("+"));
    let gpu = headless_gpu(args)?;
    let start = Start::now();
    match args.mode {
        Mode::Disk => {
            let _ = std::fs::remove_dir_all(&args.out);
            let opts = edgecase::batch::BatchOptions {
                scenario: s,
                scenario_path: path,
                scenario_sha256: String::new(),
                frames: args.frames,
                out_dir: args.out.clone(),
                overwrite: true,
                workers: 2,
                progress: false,
                extra_manifest: serde_json::Value::Null,
            };
            edgecase::batch::run(opts, gpu)?;
        }
        Mode::Bare | Mode::Memory => {
            let mode = if args.mode == Mode::Bare {
                RenderMode::ColorOnly
            } else {
                RenderMode::Labeled
            };
            let mut app = edgecase::app::sensor_app(&s, gpu, mode);
            let mut points = 0usize;
            edgecase::batch::run_frames(
                &mut app,
                args.frames,
                |f| {
                    points += f.lidar_points.iter().map(Vec::len).sum::<usize>();
                    Ok(())
                },
                |_| {},
            )?;
            if args.lidar {
                let secs = start.wall.elapsed().as_secs_f64();
                println!(
                    "lidar returns/frame {:.0}, returns/s {:.0}",
                    points as f64 / args.frames as f64,
                    points as f64 / secs
                );
            }
        }
    }
    report(args, start, &cameras);
    Ok(())
}

/// 100 vehicles (50 each way, car following on) and 100 pedestrians on a
/// straight 4-lane road 1.6 km long.
fn traffic_scenario(args: &Args) -> edgecase::scenario::Scenario {
    let mut vehicles = String::new();
    for i in 0..100 {
        let (dir, s) = if i % 2 == 0 {
            ("Forward", 40.0 + 14.0 * i as f64)
        } else {
            ("Backward", 1560.0 - 14.0 * i as f64)
        };
        vehicles += &format!(
            "(direction: {dir}, lane: {}, start_s_m: {s}, speed_mps: {}),",
            (i / 2) % 2,
            8.0 + (i % 7) as f64
        );
    }
    let mut people = String::new();
    for i in 0..100 {
        let side = if i % 2 == 0 { "Left" } else { "Right" };
        people += &format!(
            "(s_m: {}, side: {side}, speed_mps: 1.3),",
            10.0 + 15.0 * i as f64
        );
    }
    let src = format!(
        "(tick_hz: 20, road: (segments: [Straight(length_m: 1600)], lanes_forward: 2, lanes_backward: 2),
          ego: (speed_mps: 12), vehicles: [{vehicles}], pedestrians: [{people}],
          sensors: (cameras: [(name: \"front\", width: {}, height: {}, hfov_deg: 90, mount: (x_m: 1.0, z_m: 1.6))]))",
        args.width, args.height
    );
    edgecase::scenario::parse(&src, std::path::Path::new("traffic.ron")).expect("bench scenario")
}

fn run_traffic(args: &Args) -> Result<()> {
    let s = traffic_scenario(args);
    let start = Start::now();
    match args.mode {
        Mode::Bare => {
            // simulation only, on this thread: physics + behaviour + triggers
            let mut app = edgecase::app::headless_app(s);
            for _ in 0..args.frames {
                app.update();
            }
            let secs = start.wall.elapsed().as_secs_f64();
            let w = app.world_mut();
            let collisions = w
                .resource::<edgecase::physics::TickRecords>()
                .collisions
                .len();
            println!(
                "traffic simulation only: 100 vehicles + 100 pedestrians, {} ticks in {secs:.2} s = {:.0} ticks/s (last tick collisions {collisions})",
                args.frames,
                args.frames as f64 / secs
            );
        }
        Mode::Memory | Mode::Disk => {
            let gpu = headless_gpu(args)?;
            let mut app = edgecase::app::sensor_app(&s, gpu, RenderMode::Labeled);
            edgecase::batch::run_frames(&mut app, args.frames, |_| Ok(()), |_| {})?;
            report(args, start, "traffic with one labeled camera");
        }
    }
    Ok(())
}

/// How many devices the run renders frames on (set with its GPU context).
static FRAME_DEVICES: std::sync::OnceLock<usize> = std::sync::OnceLock::new();

/// The headless GPU context, named on stderr (figures mean little without
/// the renderer they came from), rendering frames on `--devices` devices.
fn headless_gpu(args: &Args) -> Result<GpuContext> {
    let mut gpu = GpuContext::new_headless()?;
    if let Some(n) = args.devices {
        gpu.frame_devices = n as usize;
    }
    let _ = FRAME_DEVICES.set(gpu.frame_devices);
    eprintln!(
        "renderer: {} ({}), frames on {} device(s)",
        gpu.adapter_name, gpu.backend, gpu.frame_devices
    );
    Ok(gpu)
}

fn report(args: &Args, start: Start, extra: &str) {
    let secs = start.wall.elapsed().as_secs_f64();
    println!(
        "scene={:?} look={:?}{}{} mode={:?} res={}x{} frames={} seconds={:.2} fps={:.1} cpu_ms_per_frame={:.1} peak_rss_mib={:.0} devices={} {}",
        args.scene,
        args.look,
        if args.no_shadows { "(no shadows)" } else { "" },
        if args.no_antialias { "(no AA)" } else { "" },
        args.mode,
        args.width,
        args.height,
        args.frames,
        secs,
        args.frames as f64 / secs,
        (process_cpu_s() - start.cpu_s) * 1e3 / args.frames as f64,
        peak_rss_mib(),
        FRAME_DEVICES
            .get()
            .map_or("-".to_string(), |n| n.to_string()),
        extra
    );
}

fn main() -> Result<()> {
    let args = Args::parse();
    if args.frames == 0 {
        bail!("--frames must be at least 1");
    }
    match args.scene {
        Scene::Reference => run_reference(&args),
        Scene::FogPedestrian => run_shipped(&args, "fog_pedestrian"),
        Scene::ClearDayUrban => run_shipped(&args, "clear_day_urban"),
        Scene::Traffic => run_traffic(&args),
    }?;
    if args.mode == Mode::Disk {
        let _ = std::fs::remove_dir_all(&args.out);
    }
    Ok(())
}
