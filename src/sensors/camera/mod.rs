//! Sensor cameras on our own wgpu pipeline. One render pass per camera writes
//! colour, ids and depth; copies land in a ring of staging buffers that are
//! mapped asynchronously, so frame N is read back while N+1 renders. Each
//! in-flight slot carries the FrameSnapshot it was rendered from. A mapped
//! slot is copied out (de-padded, widened) by whoever takes the frame, on its
//! own thread (the labeler in batch runs), which then hands the slot back: on
//! a CPU rasterizer the render thread has no time to spare for copies.

pub mod gpu;
pub mod particles;

use crate::core::mesh::{self, Mesh, Vertex};
use crate::frame::{CameraInfo, DrawInstance, FrameSnapshot, Lighting};
use crate::world::StaticMesh;
use crate::world::objects::Primitive;
use glam::{Mat3, Mat4};
pub use gpu::{GpuContext, GpuError};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use wgpu::util::DeviceExt;

/// Frames between submission and the copy out of their staging buffers
/// (in flight on the GPU, or queued for the labeler thread that copies them).
pub const SLOTS: usize = 5;

pub const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// 16 bits suffice: label values are class ids (< 1000) or Cityscapes
/// instance ids (class_id*1000 + k <= 65535, enforced by validation).
pub const LABEL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Uint;
pub const ZBUFFER_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

pub const SHADER_SOURCE: &str = include_str!("../../../shaders/camera.wgsl");

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RenderMode {
    /// Colour + label values + depth, all read back.
    Labeled,
    /// Colour only ("bare render"), only the image read back.
    ColorOnly,
}

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct ViewUniform {
    clip_from_world: [[f32; 4]; 4],
    camera_position: [f32; 4],
    camera_forward: [f32; 4],
    sun_direction: [f32; 4],
    sun_color: [f32; 4],
    ambient_color: [f32; 4],
    fog: [f32; 4],
    light_count: [u32; 4],
    light_position: [[f32; 4]; MAX_LIGHTS],
    light_color: [[f32; 4]; MAX_LIGHTS],
    light_direction: [[f32; 4]; MAX_LIGHTS],
    /// x: road wetness; yz: viewport size in pixels; w: snow cover.
    weather: [f32; 4],
}

/// Lamps the shader evaluates per fragment (the nearest to the camera).
pub const MAX_LIGHTS: usize = 16;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
struct InstanceRaw {
    model: [[f32; 4]; 4],
    normal: [[f32; 4]; 3],
    color: [f32; 4],
    ids: [u32; 2],
    _pad: [u32; 2],
}

impl InstanceRaw {
    fn new(model: Mat4, color: [f32; 3], class_id: u32, instance_id: u32) -> InstanceRaw {
        let n = Mat3::from_mat4(model).inverse().transpose();
        InstanceRaw {
            model: model.to_cols_array_2d(),
            normal: [
                n.x_axis.extend(0.0).to_array(),
                n.y_axis.extend(0.0).to_array(),
                n.z_axis.extend(0.0).to_array(),
            ],
            color: [color[0], color[1], color[2], 1.0],
            ids: [class_id, instance_id],
            _pad: [0; 2],
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct MeshRange {
    first_index: u32,
    index_count: u32,
    base_vertex: i32,
}

/// What a view renders and reads back.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum ViewKind {
    /// Colour only (the bare render).
    Color,
    /// Colour + labels + depth (a labeled camera).
    Labeled,
    /// Labels + depth, no shading (a LiDAR view).
    LabelsOnly,
}

impl ViewKind {
    fn has_color(self) -> bool {
        self != ViewKind::LabelsOnly
    }
    fn has_labels(self) -> bool {
        self != ViewKind::Color
    }
}

/// Row pitches and offsets of one view's readback buffer: colour (4 bytes
/// per pixel), label values (2) and depth buffer (4), rows padded; the
/// planes a view kind does not read back take no space.
#[derive(Clone, Copy, Debug)]
struct ReadbackLayout {
    row: u32,
    labels_row: u32,
    labels_offset: u64,
    depth_offset: u64,
    size: u64,
}

fn padded_row(bytes: u32) -> u32 {
    let a = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
    bytes.div_ceil(a) * a
}

impl ReadbackLayout {
    fn new(width: u32, height: u32, kind: ViewKind) -> ReadbackLayout {
        let row = padded_row(width * 4);
        let labels_row = padded_row(width * 2);
        let plane = row as u64 * height as u64;
        let labels_offset = if kind.has_color() { plane } else { 0 };
        let depth_offset = labels_offset + labels_row as u64 * height as u64;
        let size = if kind.has_labels() {
            depth_offset + plane
        } else {
            plane
        };
        ReadbackLayout {
            row,
            labels_row,
            labels_offset,
            depth_offset,
            size,
        }
    }
}

struct CameraTarget {
    info: CameraInfo,
    kind: ViewKind,
    color: wgpu::Texture,
    labels: Option<wgpu::Texture>,
    zbuffer: wgpu::Texture,
    uniform: wgpu::Buffer,
    bind_group: wgpu::BindGroup,
    layout: ReadbackLayout,
}

/// Map state of a staging buffer: pending, ready, or failed.
const MAP_PENDING: u8 = 0;
const MAP_READY: u8 = 1;
const MAP_FAILED: u8 = 2;

struct Slot {
    snapshot: Option<FrameSnapshot>,
    buffers: Vec<wgpu::Buffer>,
    states: Vec<Arc<AtomicU8>>,
    /// Submitted and not yet copied out (its buffers may still be mapped).
    busy: bool,
}

/// Pixel storage of one camera image, recycled between frames: fresh
/// multi-megabyte Vecs every frame cost more in page faults than the render.
#[derive(Default)]
struct PixelBuffers {
    rgba: Vec<u8>,
    labels: Vec<u32>,
    depth_m: Vec<f32>,
    near_over_z: Vec<f32>,
}

/// One camera's pixels for one frame (rows tightly packed, top row first).
/// Dropping it hands its buffers back to the rig that made it.
#[derive(Clone, Debug)]
pub struct CameraImage {
    pub width: u32,
    pub height: u32,
    pub rgba: Vec<u8>,
    /// Label value per pixel (`classes::label_value`: instance id for things,
    /// class id elsewhere); empty in colour-only mode.
    pub labels: Vec<u32>,
    /// z-depth in metres per pixel, 0 where nothing was hit; empty in
    /// colour-only mode and for LiDAR views.
    pub depth_m: Vec<f32>,
    /// LiDAR views only: the reverse-Z depth buffer as rendered, near / z
    /// (0 where nothing was hit), which is what the LiDAR interpolates.
    pub near_over_z: Vec<f32>,
    recycle: Option<crossbeam_channel::Sender<PixelBuffers>>,
}

impl Drop for CameraImage {
    fn drop(&mut self) {
        if let Some(tx) = self.recycle.take() {
            let b = PixelBuffers {
                rgba: std::mem::take(&mut self.rgba),
                labels: std::mem::take(&mut self.labels),
                depth_m: std::mem::take(&mut self.depth_m),
                near_over_z: std::mem::take(&mut self.near_over_z),
            };
            // a full pool just frees the buffers
            let _ = tx.try_send(b);
        }
    }
}

/// Append a tightly packed row of 4-byte values read from mapped bytes.
fn extend_from_bytes<T: bytemuck::Pod>(out: &mut Vec<T>, bytes: &[u8]) {
    match bytemuck::try_cast_slice::<u8, T>(bytes) {
        Ok(v) => out.extend_from_slice(v),
        Err(_) => out.extend(
            bytes
                .chunks_exact(std::mem::size_of::<T>())
                .map(bytemuck::pod_read_unaligned::<T>),
        ),
    }
}

pub struct RenderedFrame {
    pub snapshot: FrameSnapshot,
    pub images: Vec<CameraImage>,
}

/// One view's mapped staging buffer.
struct MappedView {
    buffer: wgpu::Buffer,
    layout: ReadbackLayout,
    kind: ViewKind,
    width: usize,
    height: usize,
}

impl MappedView {
    /// Copy the mapped planes out (rows de-padded, labels widened, depth
    /// converted) into recycled pixel storage, then unmap.
    fn decode(
        &self,
        pool_rx: &crossbeam_channel::Receiver<PixelBuffers>,
        pool_tx: &crossbeam_channel::Sender<PixelBuffers>,
    ) -> CameraImage {
        let (w, h, l) = (self.width, self.height, self.layout);
        let mut b = pool_rx.try_recv().unwrap_or_default();
        b.rgba.clear();
        b.labels.clear();
        b.depth_m.clear();
        b.near_over_z.clear();
        {
            let data = self.buffer.slice(..).get_mapped_range();
            let rows =
                |offset: u64, pitch: u32| (0..h).map(move |y| offset as usize + y * pitch as usize);
            if self.kind.has_color() {
                for r in rows(0, l.row) {
                    b.rgba.extend_from_slice(&data[r..r + w * 4]);
                }
            }
            if self.kind.has_labels() {
                // (rows cast to u16 / f32 when aligned, as the 256-byte row
                // pitch makes them: the conversions then vectorise)
                b.labels.reserve(w * h);
                for r in rows(l.labels_offset, l.labels_row) {
                    let row = &data[r..r + w * 2];
                    match bytemuck::try_cast_slice::<u8, u16>(row) {
                        Ok(v) => b.labels.extend(v.iter().map(|&x| u16::from_le(x) as u32)),
                        Err(_) => b.labels.extend(
                            row.chunks_exact(2)
                                .map(|c| u16::from_le_bytes([c[0], c[1]]) as u32),
                        ),
                    }
                }
                // reverse-Z infinite projection: buffer depth d = near / z
                let near = crate::core::camera::NEAR_M as f32;
                for r in rows(l.depth_offset, l.row) {
                    let row = &data[r..r + w * 4];
                    if self.kind == ViewKind::LabelsOnly {
                        extend_from_bytes(&mut b.near_over_z, row);
                    } else {
                        let to_z = |d: f32| if d > 0.0 { near / d } else { 0.0 };
                        match bytemuck::try_cast_slice::<u8, f32>(row) {
                            Ok(v) => b.depth_m.extend(
                                v.iter()
                                    .map(|&d| to_z(f32::from_bits(u32::from_le(d.to_bits())))),
                            ),
                            Err(_) => b.depth_m.extend(
                                row.chunks_exact(4)
                                    .map(|c| to_z(f32::from_le_bytes([c[0], c[1], c[2], c[3]]))),
                            ),
                        }
                    }
                }
            }
        }
        self.buffer.unmap();
        CameraImage {
            width: w as u32,
            height: h as u32,
            rgba: b.rgba,
            labels: b.labels,
            depth_m: b.depth_m,
            near_over_z: b.near_over_z,
            recycle: Some(pool_tx.clone()),
        }
    }
}

/// A rendered frame, usually still in its mapped staging buffers. `decode`
/// copies the pixels out on the calling thread and hands the slot back to
/// the rig; dropping it hands the slot back unread. The rig waits for the
/// slot before it renders into it again, so take each one on (or drop it)
/// rather than holding it across many submissions.
pub struct ReadbackFrame {
    snapshot: FrameSnapshot,
    pixels: Pixels,
    slot: usize,
    release_tx: Option<crossbeam_channel::Sender<usize>>,
    pool_tx: crossbeam_channel::Sender<PixelBuffers>,
    pool_rx: crossbeam_channel::Receiver<PixelBuffers>,
}

enum Pixels {
    Mapped(Vec<MappedView>),
    /// Copied out already (the rig needed the slot back before anyone took it).
    Copied(Vec<CameraImage>),
}

impl ReadbackFrame {
    pub fn frame(&self) -> u64 {
        self.snapshot.frame
    }

    /// Copy the pixels out (if not done yet) and hand the slot back.
    fn copy_out(&mut self) {
        if let Pixels::Mapped(views) = &self.pixels {
            let images = views
                .iter()
                .map(|v| v.decode(&self.pool_rx, &self.pool_tx))
                .collect();
            self.pixels = Pixels::Copied(images);
        }
        self.hand_back_slot();
    }

    /// Tell the rig the slot's buffers are unmapped (once).
    fn hand_back_slot(&mut self) {
        if let Some(tx) = self.release_tx.take() {
            // the rig may be gone (end of run): then nothing waits for the slot
            let _ = tx.send(self.slot);
        }
    }

    pub fn decode(mut self) -> RenderedFrame {
        self.copy_out();
        let images = match std::mem::replace(&mut self.pixels, Pixels::Copied(Vec::new())) {
            Pixels::Copied(images) => images,
            Pixels::Mapped(_) => unreachable!("copied out above"),
        };
        RenderedFrame {
            snapshot: self.snapshot.clone(),
            images,
        }
    }
}

impl Drop for ReadbackFrame {
    fn drop(&mut self) {
        if let Pixels::Mapped(views) = &self.pixels {
            for v in views {
                v.buffer.unmap();
            }
            self.pixels = Pixels::Copied(Vec::new());
        }
        self.hand_back_slot();
    }
}

pub struct CameraRig {
    gpu: GpuContext,
    mode: RenderMode,
    /// One pipeline per view kind in use.
    pipelines: BTreeMap<u8, wgpu::RenderPipeline>,
    /// Rain and snow, per colour view kind (only when the weather has them).
    particle_pipelines: BTreeMap<u8, wgpu::RenderPipeline>,
    particle_buffer: wgpu::Buffer,
    particle_capacity: usize,
    vertex_buffer: wgpu::Buffer,
    index_buffer: wgpu::Buffer,
    primitive_ranges: BTreeMap<Primitive, MeshRange>,
    static_draws: Vec<(MeshRange, InstanceRaw)>,
    instance_buffer: wgpu::Buffer,
    instance_capacity: usize,
    cameras: Vec<CameraTarget>,
    lighting: Lighting,
    slots: Vec<Slot>,
    next_slot: usize,
    in_flight: VecDeque<usize>,
    done: VecDeque<ReadbackFrame>,
    pool_tx: crossbeam_channel::Sender<PixelBuffers>,
    pool_rx: crossbeam_channel::Receiver<PixelBuffers>,
    /// Slots handed back by decoded or dropped `ReadbackFrame`s.
    release_tx: crossbeam_channel::Sender<usize>,
    release_rx: crossbeam_channel::Receiver<usize>,
}

/// Primitive tessellations, shared by the GPU meshes and the silhouettes.
pub fn primitive_mesh(p: Primitive) -> Mesh {
    match p {
        Primitive::Cube => mesh::unit_cube(),
        Primitive::Cylinder => mesh::unit_cylinder(12),
        Primitive::Sphere => mesh::unit_sphere(6, 12),
        Primitive::Cone => mesh::unit_cone(12),
    }
}

fn vertex_layouts() -> [wgpu::VertexBufferLayout<'static>; 2] {
    const VERTEX: [wgpu::VertexAttribute; 2] =
        wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3];
    const INSTANCE: [wgpu::VertexAttribute; 9] = wgpu::vertex_attr_array![
        2 => Float32x4, 3 => Float32x4, 4 => Float32x4, 5 => Float32x4,
        6 => Float32x4, 7 => Float32x4, 8 => Float32x4, 9 => Float32x4, 10 => Uint32x2
    ];
    [
        wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<Vertex>() as u64,
            step_mode: wgpu::VertexStepMode::Vertex,
            attributes: &VERTEX,
        },
        wgpu::VertexBufferLayout {
            array_stride: std::mem::size_of::<InstanceRaw>() as u64,
            step_mode: wgpu::VertexStepMode::Instance,
            attributes: &INSTANCE,
        },
    ]
}

/// Reverse-Z depth test (nearer is larger), writing depth or not.
fn depth_test(write: bool) -> wgpu::DepthStencilState {
    wgpu::DepthStencilState {
        format: ZBUFFER_FORMAT,
        depth_write_enabled: Some(write),
        depth_compare: Some(wgpu::CompareFunction::Greater),
        stencil: Default::default(),
        bias: Default::default(),
    }
}

/// shaders/camera.wgsl and a pipeline layout with the view uniform.
fn shader_and_layout(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    label: &str,
) -> (wgpu::ShaderModule, wgpu::PipelineLayout) {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(SHADER_SOURCE.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    (module, pipeline_layout)
}

fn create_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    kind: ViewKind,
) -> wgpu::RenderPipeline {
    let (module, pipeline_layout) = shader_and_layout(device, layout, "camera");
    let replace = |format| {
        Some(wgpu::ColorTargetState {
            format,
            blend: None,
            write_mask: wgpu::ColorWrites::ALL,
        })
    };
    let (targets, entry) = match kind {
        ViewKind::Labeled => (
            vec![replace(COLOR_FORMAT), replace(LABEL_FORMAT)],
            "fs_labeled",
        ),
        ViewKind::Color => (vec![replace(COLOR_FORMAT)], "fs_color"),
        ViewKind::LabelsOnly => (vec![replace(LABEL_FORMAT)], "fs_label_only"),
    };
    let buffers = vertex_layouts();
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("camera"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &buffers,
        },
        primitive: wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleList,
            front_face: wgpu::FrontFace::Ccw,
            cull_mode: Some(wgpu::Face::Back),
            ..Default::default()
        },
        depth_stencil: Some(depth_test(true)),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some(entry),
            compilation_options: Default::default(),
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// Rain and snow over the colour target: alpha-blended, depth-tested against
/// the scene but never written, and masked off the label target.
fn create_particle_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    kind: ViewKind,
) -> wgpu::RenderPipeline {
    let (module, pipeline_layout) = shader_and_layout(device, layout, "particles");
    let mut targets = vec![Some(wgpu::ColorTargetState {
        format: COLOR_FORMAT,
        blend: Some(wgpu::BlendState::ALPHA_BLENDING),
        write_mask: wgpu::ColorWrites::ALL,
    })];
    if kind == ViewKind::Labeled {
        targets.push(Some(wgpu::ColorTargetState {
            format: LABEL_FORMAT,
            blend: None,
            write_mask: wgpu::ColorWrites::empty(),
        }));
    }
    const PARTICLE: [wgpu::VertexAttribute; 2] =
        wgpu::vertex_attr_array![0 => Float32x4, 1 => Float32x4];
    let buffers = [wgpu::VertexBufferLayout {
        array_stride: std::mem::size_of::<particles::ParticleRaw>() as u64,
        step_mode: wgpu::VertexStepMode::Instance,
        attributes: &PARTICLE,
    }];
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("particles"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_particle"),
            compilation_options: Default::default(),
            buffers: &buffers,
        },
        primitive: wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull_mode: None,
            ..Default::default()
        },
        depth_stencil: Some(depth_test(false)),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("fs_particle"),
            compilation_options: Default::default(),
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

fn target_texture(
    device: &wgpu::Device,
    label: &str,
    width: u32,
    height: u32,
    format: wgpu::TextureFormat,
    copy: bool,
) -> wgpu::Texture {
    let mut usage = wgpu::TextureUsages::RENDER_ATTACHMENT;
    if copy {
        usage |= wgpu::TextureUsages::COPY_SRC;
    }
    device.create_texture(&wgpu::TextureDescriptor {
        label: Some(label),
        size: wgpu::Extent3d {
            width,
            height,
            depth_or_array_layers: 1,
        },
        mip_level_count: 1,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format,
        usage,
        view_formats: &[],
    })
}

impl CameraRig {
    /// `cameras` render in `mode`; `label_views` (LiDAR views) render labels
    /// and depth only. Frames carry images for the cameras, then the label views.
    pub fn new(
        gpu: GpuContext,
        cameras: &[CameraInfo],
        label_views: &[CameraInfo],
        statics: &[StaticMesh],
        lighting: Lighting,
        mode: RenderMode,
    ) -> CameraRig {
        let device = &gpu.device;
        // all meshes in one vertex and one index buffer
        let mut all = Mesh::default();
        let mut add = |m: &Mesh| {
            let r = MeshRange {
                first_index: all.indices.len() as u32,
                index_count: m.indices.len() as u32,
                base_vertex: all.vertices.len() as i32,
            };
            all.vertices.extend_from_slice(&m.vertices);
            all.indices.extend_from_slice(&m.indices);
            r
        };
        let primitive_ranges: BTreeMap<Primitive, MeshRange> = Primitive::ALL
            .iter()
            .map(|p| (*p, add(&primitive_mesh(*p))))
            .collect();
        let static_draws: Vec<(MeshRange, InstanceRaw)> = statics
            .iter()
            .map(|s| {
                (
                    add(&s.mesh),
                    InstanceRaw::new(Mat4::IDENTITY, s.color, s.class.id() as u32, 0),
                )
            })
            .collect();
        let vertex_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("vertices"),
            contents: bytemuck::cast_slice(&all.vertices),
            usage: wgpu::BufferUsages::VERTEX,
        });
        let index_buffer = device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
            label: Some("indices"),
            contents: bytemuck::cast_slice(&all.indices),
            usage: wgpu::BufferUsages::INDEX,
        });
        let bind_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("view"),
            entries: &[wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::VERTEX_FRAGMENT,
                ty: wgpu::BindingType::Buffer {
                    ty: wgpu::BufferBindingType::Uniform,
                    has_dynamic_offset: false,
                    min_binding_size: None,
                },
                count: None,
            }],
        });
        let camera_kind = if mode == RenderMode::Labeled {
            ViewKind::Labeled
        } else {
            ViewKind::Color
        };
        let views: Vec<(&CameraInfo, ViewKind)> = cameras
            .iter()
            .map(|c| (c, camera_kind))
            .chain(label_views.iter().map(|c| (c, ViewKind::LabelsOnly)))
            .collect();
        let mut pipelines = BTreeMap::new();
        let mut particle_pipelines = BTreeMap::new();
        for (_, kind) in &views {
            pipelines
                .entry(*kind as u8)
                .or_insert_with(|| create_pipeline(device, &bind_layout, *kind));
            if kind.has_color() && !lighting.particles.is_empty() {
                particle_pipelines
                    .entry(*kind as u8)
                    .or_insert_with(|| create_particle_pipeline(device, &bind_layout, *kind));
            }
        }
        let targets = views
            .into_iter()
            .map(|(info, kind)| {
                let (w, h) = (info.intrinsics.width, info.intrinsics.height);
                let uniform = device.create_buffer(&wgpu::BufferDescriptor {
                    label: Some("view uniform"),
                    size: std::mem::size_of::<ViewUniform>() as u64,
                    usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
                    mapped_at_creation: false,
                });
                let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("view"),
                    layout: &bind_layout,
                    entries: &[wgpu::BindGroupEntry {
                        binding: 0,
                        resource: uniform.as_entire_binding(),
                    }],
                });
                let labeled = kind.has_labels();
                let labels =
                    labeled.then(|| target_texture(device, "labels", w, h, LABEL_FORMAT, true));
                CameraTarget {
                    info: info.clone(),
                    kind,
                    color: target_texture(device, "color", w, h, COLOR_FORMAT, kind.has_color()),
                    labels,
                    zbuffer: target_texture(device, "zbuffer", w, h, ZBUFFER_FORMAT, labeled),
                    uniform,
                    bind_group,
                    layout: ReadbackLayout::new(w, h, kind),
                }
            })
            .collect::<Vec<_>>();
        let slots = (0..SLOTS)
            .map(|_| Slot {
                snapshot: None,
                buffers: targets
                    .iter()
                    .map(|t| {
                        device.create_buffer(&wgpu::BufferDescriptor {
                            label: Some("readback"),
                            size: t.layout.size,
                            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                            mapped_at_creation: false,
                        })
                    })
                    .collect(),
                states: targets
                    .iter()
                    .map(|_| Arc::new(AtomicU8::new(MAP_PENDING)))
                    .collect(),
                busy: false,
            })
            .collect();
        let (release_tx, release_rx) = crossbeam_channel::unbounded();
        // enough for every image in flight, queued for writing and being written
        let (pool_tx, pool_rx) = crossbeam_channel::bounded(cameras.len() * (SLOTS + 8));
        let instance_capacity = 1024;
        let instance_buffer = Self::make_instance_buffer(device, instance_capacity);
        let particle_capacity = 1024;
        let particle_buffer = Self::make_particle_buffer(device, particle_capacity);
        CameraRig {
            gpu,
            mode,
            pipelines,
            particle_pipelines,
            particle_buffer,
            particle_capacity,
            vertex_buffer,
            index_buffer,
            primitive_ranges,
            static_draws,
            instance_buffer,
            instance_capacity,
            cameras: targets,
            lighting,
            slots,
            next_slot: 0,
            in_flight: VecDeque::new(),
            done: VecDeque::new(),
            pool_tx,
            pool_rx,
            release_tx,
            release_rx,
        }
    }

    fn make_instance_buffer(device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("instances"),
            size: (capacity * std::mem::size_of::<InstanceRaw>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    fn make_particle_buffer(device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("particles"),
            size: (capacity * std::mem::size_of::<particles::ParticleRaw>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Every colour camera's rain and snow for this frame in one buffer, and
    /// each camera's range of it.
    fn upload_particles(&mut self, snapshot: &FrameSnapshot) -> Vec<std::ops::Range<u32>> {
        let mut all: Vec<particles::ParticleRaw> = Vec::new();
        let ego_velocity = snapshot
            .world_from_ego
            .transform_vector(glam::DVec3::X * snapshot.ego.speed_mps);
        let ranges = self
            .cameras
            .iter()
            .map(|cam| {
                let start = all.len() as u32;
                if self.particle_pipelines.contains_key(&(cam.kind as u8)) {
                    let pose = snapshot.world_from_camera(&cam.info);
                    for look in &self.lighting.particles {
                        all.extend(particles::particles(
                            look,
                            &cam.info.name,
                            &cam.info.intrinsics,
                            &pose,
                            ego_velocity,
                            snapshot.frame,
                        ));
                    }
                }
                start..all.len() as u32
            })
            .collect();
        if all.len() > self.particle_capacity {
            self.particle_capacity = all.len().next_power_of_two();
            self.particle_buffer =
                Self::make_particle_buffer(&self.gpu.device, self.particle_capacity);
        }
        if !all.is_empty() {
            self.gpu
                .queue
                .write_buffer(&self.particle_buffer, 0, bytemuck::cast_slice(&all));
        }
        ranges
    }

    pub fn gpu(&self) -> &GpuContext {
        &self.gpu
    }

    pub fn mode(&self) -> RenderMode {
        self.mode
    }

    /// Re-mount camera `index` (the editor's free view follows the mouse).
    pub fn set_ego_from_camera(
        &mut self,
        index: usize,
        ego_from_camera: crate::core::frames::Pose,
    ) {
        self.cameras[index].info.ego_from_camera = ego_from_camera;
    }

    fn view_uniform(&self, cam: &CameraInfo, snapshot: &FrameSnapshot) -> ViewUniform {
        let world_from_camera = snapshot.world_from_camera(cam);
        let view_from_world = world_from_camera.inverse();
        let view = glam::DMat4::from_rotation_translation(
            view_from_world.rotation,
            view_from_world.translation,
        );
        let clip = cam.intrinsics.clip_from_view().as_dmat4() * view;
        let forward = world_from_camera.transform_vector(-glam::DVec3::Z);
        let l = &self.lighting;
        let v4 = |a: [f32; 3], w: f32| [a[0], a[1], a[2], w];
        let mut u = ViewUniform {
            clip_from_world: clip.as_mat4().to_cols_array_2d(),
            camera_position: world_from_camera
                .translation
                .as_vec3()
                .extend(1.0)
                .to_array(),
            camera_forward: forward.as_vec3().extend(0.0).to_array(),
            sun_direction: v4(l.sun_direction, l.sun_intensity),
            sun_color: v4(l.sun_color, 1.0),
            ambient_color: v4(l.ambient_color, 1.0),
            fog: v4(l.fog_color, l.fog_extinction_per_m),
            light_count: [0; 4],
            light_position: [[0.0; 4]; MAX_LIGHTS],
            light_color: [[0.0; 4]; MAX_LIGHTS],
            light_direction: [[0.0; 4]; MAX_LIGHTS],
            weather: [
                l.road_wetness,
                cam.intrinsics.width as f32,
                cam.intrinsics.height as f32,
                l.snow_cover,
            ],
        };
        // the lamps nearest this camera
        let cam = world_from_camera.translation;
        let mut lamps: Vec<&crate::frame::Lamp> = snapshot.lamps.iter().collect();
        lamps.sort_by(|a, b| {
            a.position
                .distance_squared(cam)
                .total_cmp(&b.position.distance_squared(cam))
        });
        for (i, lamp) in lamps.into_iter().take(MAX_LIGHTS).enumerate() {
            u.light_position[i] = lamp.position.as_vec3().extend(lamp.intensity).to_array();
            u.light_color[i] = v4(lamp.color, lamp.spot_cos.unwrap_or(-1.0));
            u.light_direction[i] = lamp
                .direction
                .as_vec3()
                .extend(lamp.near_field_m)
                .to_array();
            u.light_count[0] = i as u32 + 1;
        }
        u
    }

    /// Render a frame. Blocks only when every slot is still in flight.
    pub fn submit(&mut self, snapshot: FrameSnapshot) {
        let slot_index = self.next_slot;
        self.wait_for_slot(slot_index);
        // group instances by primitive: one instanced draw per primitive
        let mut raws: Vec<InstanceRaw> = self.static_draws.iter().map(|(_, r)| *r).collect();
        let mut groups: Vec<(MeshRange, std::ops::Range<u32>)> = Vec::new();
        for p in Primitive::ALL {
            let start = raws.len() as u32;
            raws.extend(snapshot.instances.iter().filter(|i| i.primitive == p).map(
                |i: &DrawInstance| InstanceRaw::new(i.model, i.color, i.class_id, i.instance_id),
            ));
            if raws.len() as u32 > start {
                groups.push((self.primitive_ranges[&p], start..raws.len() as u32));
            }
        }
        if raws.len() > self.instance_capacity {
            self.instance_capacity = raws.len().next_power_of_two();
            self.instance_buffer =
                Self::make_instance_buffer(&self.gpu.device, self.instance_capacity);
        }
        self.gpu
            .queue
            .write_buffer(&self.instance_buffer, 0, bytemuck::cast_slice(&raws));

        let particle_ranges = self.upload_particles(&snapshot);
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("frame"),
            });
        let sky = self.lighting.sky_color;
        for (ci, cam) in self.cameras.iter().enumerate() {
            let uniform = self.view_uniform(&cam.info, &snapshot);
            self.gpu
                .queue
                .write_buffer(&cam.uniform, 0, bytemuck::bytes_of(&uniform));
            let color_view = cam.color.create_view(&Default::default());
            let z_view = cam.zbuffer.create_view(&Default::default());
            let label_view = cam
                .labels
                .as_ref()
                .map(|t| t.create_view(&Default::default()));
            let clear = |c: wgpu::Color, view| {
                Some(wgpu::RenderPassColorAttachment {
                    view,
                    depth_slice: None,
                    resolve_target: None,
                    ops: wgpu::Operations {
                        load: wgpu::LoadOp::Clear(c),
                        store: wgpu::StoreOp::Store,
                    },
                })
            };
            let mut attachments = Vec::new();
            if cam.kind.has_color() {
                // sRGB target: the clear colour is linear
                let sky = wgpu::Color {
                    r: sky[0] as f64,
                    g: sky[1] as f64,
                    b: sky[2] as f64,
                    a: 1.0,
                };
                attachments.push(clear(sky, &color_view));
            }
            if let Some(view) = &label_view {
                let sky_id = crate::core::classes::Class::Sky.id() as f64;
                attachments.push(clear(
                    wgpu::Color {
                        r: sky_id,
                        g: 0.0,
                        b: 0.0,
                        a: 0.0,
                    },
                    view,
                ));
            }
            // the depth buffer is read back as the depth image in labeled mode
            let keep_depth = if cam.labels.is_some() {
                wgpu::StoreOp::Store
            } else {
                wgpu::StoreOp::Discard
            };
            {
                let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                    label: Some("camera"),
                    color_attachments: &attachments,
                    depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                        view: &z_view,
                        depth_ops: Some(wgpu::Operations {
                            load: wgpu::LoadOp::Clear(0.0),
                            store: keep_depth,
                        }),
                        stencil_ops: None,
                    }),
                    timestamp_writes: None,
                    occlusion_query_set: None,
                    multiview_mask: None,
                });
                pass.set_pipeline(&self.pipelines[&(cam.kind as u8)]);
                pass.set_bind_group(0, &cam.bind_group, &[]);
                pass.set_vertex_buffer(0, self.vertex_buffer.slice(..));
                pass.set_vertex_buffer(1, self.instance_buffer.slice(..));
                pass.set_index_buffer(self.index_buffer.slice(..), wgpu::IndexFormat::Uint32);
                for (i, (range, _)) in self.static_draws.iter().enumerate() {
                    pass.draw_indexed(
                        range.first_index..range.first_index + range.index_count,
                        range.base_vertex,
                        i as u32..i as u32 + 1,
                    );
                }
                for (range, instances) in &groups {
                    pass.draw_indexed(
                        range.first_index..range.first_index + range.index_count,
                        range.base_vertex,
                        instances.clone(),
                    );
                }
                let drops = &particle_ranges[ci];
                if let Some(p) = self.particle_pipelines.get(&(cam.kind as u8))
                    && !drops.is_empty()
                {
                    pass.set_pipeline(p);
                    pass.set_vertex_buffer(0, self.particle_buffer.slice(..));
                    pass.draw(0..6, drops.clone());
                }
            }
            let (w, h) = (cam.info.intrinsics.width, cam.info.intrinsics.height);
            let extent = wgpu::Extent3d {
                width: w,
                height: h,
                depth_or_array_layers: 1,
            };
            let buffer = &self.slots[slot_index].buffers[ci];
            let copy = |encoder: &mut wgpu::CommandEncoder,
                        tex: &wgpu::Texture,
                        aspect,
                        offset: u64,
                        row: u32| {
                encoder.copy_texture_to_buffer(
                    wgpu::TexelCopyTextureInfo {
                        texture: tex,
                        mip_level: 0,
                        origin: wgpu::Origin3d::ZERO,
                        aspect,
                    },
                    wgpu::TexelCopyBufferInfo {
                        buffer,
                        layout: wgpu::TexelCopyBufferLayout {
                            offset,
                            bytes_per_row: Some(row),
                            rows_per_image: Some(h),
                        },
                    },
                    extent,
                );
            };
            let l = cam.layout;
            if cam.kind.has_color() {
                copy(&mut encoder, &cam.color, wgpu::TextureAspect::All, 0, l.row);
            }
            if let Some(labels) = &cam.labels {
                copy(
                    &mut encoder,
                    labels,
                    wgpu::TextureAspect::All,
                    l.labels_offset,
                    l.labels_row,
                );
                copy(
                    &mut encoder,
                    &cam.zbuffer,
                    wgpu::TextureAspect::DepthOnly,
                    l.depth_offset,
                    l.row,
                );
            }
        }
        self.gpu.queue.submit([encoder.finish()]);
        let slot = &mut self.slots[slot_index];
        for (buffer, state) in slot.buffers.iter().zip(&slot.states) {
            state.store(MAP_PENDING, Ordering::Release);
            let state = state.clone();
            buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                state.store(
                    if r.is_ok() { MAP_READY } else { MAP_FAILED },
                    Ordering::Release,
                );
            });
        }
        slot.snapshot = Some(snapshot);
        slot.busy = true;
        self.in_flight.push_back(slot_index);
        self.next_slot = (slot_index + 1) % SLOTS;
        let _ = self.gpu.device.poll(wgpu::PollType::Poll);
    }

    /// Wait until `slot_index` may be rendered into: its frame read back
    /// and copied out by whoever took it.
    fn wait_for_slot(&mut self, slot_index: usize) {
        loop {
            for s in self.release_rx.try_iter() {
                self.slots[s].busy = false;
            }
            if !self.slots[slot_index].busy {
                return;
            }
            if self.slots[slot_index].snapshot.is_some() {
                // still rendering or mapping
                self.collect(true);
            } else if let Some(f) = self.done.iter_mut().find(|f| f.slot == slot_index) {
                // read back but not taken yet: copy it out here
                f.copy_out();
            } else {
                // a consumer holds it; it is handed back once copied out
                match self
                    .release_rx
                    .recv_timeout(std::time::Duration::from_secs(600))
                {
                    Ok(s) => self.slots[s].busy = false,
                    Err(_) => panic!(
                        "readback slot {slot_index} was never handed back: a ReadbackFrame \
                         is held without being decoded or dropped"
                    ),
                }
            }
        }
    }

    /// Move finished frames (in submission order) to the done queue. With
    /// `block`, wait for at least the oldest in-flight frame.
    fn collect(&mut self, block: bool) {
        let mut waited = false;
        while let Some(&slot_index) = self.in_flight.front() {
            let ready = |s: &Slot| {
                s.states
                    .iter()
                    .all(|st| st.load(Ordering::Acquire) != MAP_PENDING)
            };
            if !ready(&self.slots[slot_index]) {
                if block && !waited {
                    let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
                    waited = true;
                    continue;
                }
                let _ = self.gpu.device.poll(wgpu::PollType::Poll);
                if !ready(&self.slots[slot_index]) {
                    break;
                }
            }
            self.in_flight.pop_front();
            let frame = self.mapped_frame(slot_index);
            self.done.push_back(frame);
        }
    }

    fn mapped_frame(&mut self, slot_index: usize) -> ReadbackFrame {
        let slot = &mut self.slots[slot_index];
        let snapshot = slot.snapshot.take().expect("in-flight slot has a snapshot");
        for state in &slot.states {
            assert_eq!(
                state.load(Ordering::Acquire),
                MAP_READY,
                "GPU readback failed for frame {}",
                snapshot.frame
            );
        }
        let views = self
            .cameras
            .iter()
            .zip(&slot.buffers)
            .map(|(cam, buffer)| MappedView {
                buffer: buffer.clone(),
                layout: cam.layout,
                kind: cam.kind,
                width: cam.info.intrinsics.width as usize,
                height: cam.info.intrinsics.height as usize,
            })
            .collect();
        ReadbackFrame {
            snapshot,
            pixels: Pixels::Mapped(views),
            slot: slot_index,
            release_tx: Some(self.release_tx.clone()),
            pool_tx: self.pool_tx.clone(),
            pool_rx: self.pool_rx.clone(),
        }
    }

    /// Frames whose readback finished, oldest first, without waiting; still
    /// mapped, for the caller to decode on its own thread.
    pub fn poll_readbacks(&mut self) -> Vec<ReadbackFrame> {
        self.collect(false);
        self.done.drain(..).collect()
    }

    /// Wait for every frame in flight; still mapped.
    pub fn finish_readbacks(&mut self) -> Vec<ReadbackFrame> {
        while !self.in_flight.is_empty() {
            self.collect(true);
        }
        self.done.drain(..).collect()
    }

    /// As `poll_readbacks`, decoded on this thread.
    pub fn poll_finished(&mut self) -> Vec<RenderedFrame> {
        self.poll_readbacks()
            .into_iter()
            .map(ReadbackFrame::decode)
            .collect()
    }

    /// As `finish_readbacks`, decoded on this thread.
    pub fn finish(&mut self) -> Vec<RenderedFrame> {
        self.finish_readbacks()
            .into_iter()
            .map(ReadbackFrame::decode)
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every shader in shaders/ parses and validates with naga, so a broken
    /// shader fails here, without a GPU.
    #[test]
    fn shaders_validate_with_naga() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("shaders");
        let mut n = 0;
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "wgsl") {
                let src = std::fs::read_to_string(&path).unwrap();
                let module = naga::front::wgsl::parse_str(&src)
                    .unwrap_or_else(|e| panic!("{}: {}", path.display(), e.emit_to_string(&src)));
                naga::valid::Validator::new(
                    naga::valid::ValidationFlags::all(),
                    naga::valid::Capabilities::default(),
                )
                .validate(&module)
                .unwrap_or_else(|e| panic!("{}: {e:?}", path.display()));
                n += 1;
            }
        }
        assert!(n >= 1);
        // the entry points the pipelines name exist
        for entry in [
            "vs_main",
            "fs_labeled",
            "fs_color",
            "fs_label_only",
            "vs_particle",
            "fs_particle",
        ] {
            assert!(SHADER_SOURCE.contains(&format!("fn {entry}(")), "{entry}");
        }
    }

    #[test]
    fn readback_rows_are_copy_aligned() {
        for (w, h) in [(640, 480), (1280, 720), (333, 77)] {
            let l = ReadbackLayout::new(w, h, ViewKind::Labeled);
            let a = wgpu::COPY_BYTES_PER_ROW_ALIGNMENT;
            assert_eq!((l.row % a, l.labels_row % a), (0, 0));
            assert!(l.row >= w * 4 && l.row < w * 4 + a);
            assert!(l.labels_row >= w * 2 && l.labels_row < w * 2 + a);
            // colour, labels, depth back to back
            assert_eq!(l.labels_offset, l.row as u64 * h as u64);
            assert_eq!(
                l.depth_offset,
                l.labels_offset + l.labels_row as u64 * h as u64
            );
            assert_eq!(l.size, l.depth_offset + l.row as u64 * h as u64);
            assert_eq!(
                ReadbackLayout::new(w, h, ViewKind::Color).size,
                l.labels_offset
            );
            let lidar = ReadbackLayout::new(w, h, ViewKind::LabelsOnly);
            assert_eq!(
                (lidar.labels_offset, lidar.size),
                (0, l.size - l.labels_offset)
            );
        }
    }
}
