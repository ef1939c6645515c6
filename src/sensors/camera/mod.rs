//! Sensor cameras on our own wgpu pipeline. One render pass per camera writes
//! colour, ids and depth; copies land in staging buffers that are mapped
//! asynchronously, so frame N is read back while N+1 renders. Each frame in
//! flight carries the FrameSnapshot it was rendered from. Images read their
//! planes in place from the mapped staging buffer (copied out only where
//! rows are padded), on the thread that takes the frame (the labeler in
//! batch runs); the last image of a buffer unmaps it and hands it back.

pub mod gpu;
pub mod particles;

use crate::core::mesh::{Mesh, Primitive, Vertex, primitive_mesh};
use crate::snapshot::image::{CameraImage, OwnedPixels, PixelPlanes};
use crate::snapshot::{CameraInfo, DrawInstance, FrameSnapshot, Lighting};
use crate::world::StaticMesh;
use glam::{Mat3, Mat4};
pub use gpu::{GpuContext, GpuError};
use std::collections::{BTreeMap, VecDeque};
use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use wgpu::util::DeviceExt;

/// Frames between submission and readback (in flight on the GPU); the
/// submission after them waits for the oldest.
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

/// One submitted frame whose staging buffers are being mapped.
struct InFlight {
    snapshot: FrameSnapshot,
    /// One staging buffer per view.
    buffers: Vec<wgpu::Buffer>,
    states: Vec<Arc<AtomicU8>>,
}

/// A staging buffer handed back to its rig: (view index, buffer).
type Recycled = (usize, wgpu::Buffer);

/// Unmapped staging buffers kept per view for later frames; more are freed.
pub const SPARE_STAGING: usize = SLOTS + 8;

/// Longest wait for a staging buffer at the cap before making one anyway.
pub const STAGING_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// A view's staging buffer while mapped. The images read from it share it;
/// the last one to go unmaps it and hands it back to the rig for a later
/// frame.
struct MappedStaging {
    bytes: Option<wgpu::BufferView>,
    buffer: wgpu::Buffer,
    view_index: usize,
    recycle: crossbeam_channel::Sender<Recycled>,
}

impl MappedStaging {
    fn bytes(&self) -> &[u8] {
        self.bytes.as_deref().expect("mapped until dropped")
    }
}

impl Drop for MappedStaging {
    fn drop(&mut self) {
        // the view of the mapping goes before the unmap
        self.bytes = None;
        self.buffer.unmap();
        // the rig may be gone (end of run): then the buffer is just freed
        let _ = self.recycle.send((self.view_index, self.buffer.clone()));
    }
}

// Copied-out pixel storage (`OwnedPixels`) is recycled between frames:
// fresh multi-megabyte Vecs every frame cost more in page faults than the
// render.

/// Copied-out planes; dropping them hands their storage back to the rig.
struct OwnedPlanes {
    pixels: OwnedPixels,
    recycle: Option<crossbeam_channel::Sender<OwnedPixels>>,
}

impl Drop for OwnedPlanes {
    fn drop(&mut self) {
        if let Some(tx) = self.recycle.take() {
            // a full pool just frees the buffers
            let _ = tx.try_send(std::mem::take(&mut self.pixels));
        }
    }
}

/// Where an image's planes live.
#[derive(Clone)]
enum Planes {
    /// In the mapped staging buffer itself, read in place: rows tightly
    /// packed (width a multiple of 128 px) and aligned, the usual case.
    /// Copying 3 MB out per 640x480 frame cost a sixth of the frame rate on a
    /// CPU rasterizer.
    Mapped {
        staging: Arc<MappedStaging>,
        rgba: std::ops::Range<usize>,
        labels: std::ops::Range<usize>,
        depth: std::ops::Range<usize>,
    },
    /// De-padded copies (rows padded to the copy alignment).
    Owned(Arc<OwnedPlanes>),
}

impl PixelPlanes for Planes {
    fn rgba(&self) -> &[u8] {
        match self {
            Planes::Mapped { staging, rgba, .. } => &staging.bytes()[rgba.clone()],
            Planes::Owned(p) => &p.pixels.rgba,
        }
    }

    fn labels(&self) -> &[u16] {
        match self {
            // alignment checked when the image was made
            Planes::Mapped {
                staging, labels, ..
            } => bytemuck::cast_slice(&staging.bytes()[labels.clone()]),
            Planes::Owned(p) => &p.pixels.labels,
        }
    }

    fn near_over_z(&self) -> &[f32] {
        match self {
            Planes::Mapped { staging, depth, .. } => {
                bytemuck::cast_slice(&staging.bytes()[depth.clone()])
            }
            Planes::Owned(p) => &p.pixels.near_over_z,
        }
    }

    fn reads_in_place(&self) -> bool {
        matches!(self, Planes::Mapped { .. })
    }
}

pub struct RenderedFrame {
    pub snapshot: FrameSnapshot,
    pub images: Vec<CameraImage>,
}

/// One view's mapped staging buffer.
struct MappedView {
    staging: Arc<MappedStaging>,
    layout: ReadbackLayout,
    kind: ViewKind,
    width: usize,
    height: usize,
}

impl MappedView {
    /// The image of this view: its planes in place when the rows are tightly
    /// packed and aligned, else copied out (rows de-padded) into recycled
    /// storage, which hands the staging buffer back at once.
    fn into_image(
        self,
        pool_rx: &crossbeam_channel::Receiver<OwnedPixels>,
        pool_tx: &crossbeam_channel::Sender<OwnedPixels>,
    ) -> CameraImage {
        let (w, h, l) = (self.width, self.height, self.layout);
        let (rgba, labels, depth) = self.plane_ranges();
        let bytes = self.staging.bytes();
        let in_place = cfg!(target_endian = "little")
            && l.row as usize == w * 4
            && (!self.kind.has_labels() || l.labels_row as usize == w * 2)
            && bytemuck::try_cast_slice::<u8, u16>(&bytes[labels.clone()]).is_ok()
            && bytemuck::try_cast_slice::<u8, f32>(&bytes[depth.clone()]).is_ok();
        let planes = if in_place {
            Planes::Mapped {
                staging: self.staging.clone(),
                rgba,
                labels,
                depth,
            }
        } else {
            Planes::Owned(Arc::new(OwnedPlanes {
                pixels: self.copy_out(pool_rx.try_recv().unwrap_or_default()),
                recycle: Some(pool_tx.clone()),
            }))
        };
        CameraImage::new(w as u32, h as u32, Arc::new(planes))
    }

    /// Byte ranges of the colour, label and depth planes in the staging
    /// buffer if its rows are tightly packed (empty for planes not read back).
    fn plane_ranges(
        &self,
    ) -> (
        std::ops::Range<usize>,
        std::ops::Range<usize>,
        std::ops::Range<usize>,
    ) {
        let (n, l) = (self.width * self.height, self.layout);
        let at = |offset: u64, len: usize| offset as usize..offset as usize + len;
        let rgba = if self.kind.has_color() {
            at(0, n * 4)
        } else {
            0..0
        };
        let (labels, depth) = if self.kind.has_labels() {
            (at(l.labels_offset, n * 2), at(l.depth_offset, n * 4))
        } else {
            (0..0, 0..0)
        };
        (rgba, labels, depth)
    }

    /// Copy the planes out row by row (rows de-padded).
    fn copy_out(&self, mut b: OwnedPixels) -> OwnedPixels {
        let (w, h, l) = (self.width, self.height, self.layout);
        let data = self.staging.bytes();
        b.rgba.clear();
        b.labels.clear();
        b.near_over_z.clear();
        let rows =
            |offset: u64, pitch: u32| (0..h).map(move |y| offset as usize + y * pitch as usize);
        if self.kind.has_color() {
            for r in rows(0, l.row) {
                b.rgba.extend_from_slice(&data[r..r + w * 4]);
            }
        }
        if self.kind.has_labels() {
            for r in rows(l.labels_offset, l.labels_row) {
                extend_from_le_bytes(&mut b.labels, &data[r..r + w * 2]);
            }
            for r in rows(l.depth_offset, l.row) {
                extend_from_le_bytes(&mut b.near_over_z, &data[r..r + w * 4]);
            }
        }
        b
    }
}

/// Append a tightly packed row of little-endian values read from mapped bytes.
fn extend_from_le_bytes<T: bytemuck::Pod>(out: &mut Vec<T>, bytes: &[u8]) {
    let size = std::mem::size_of::<T>();
    if cfg!(target_endian = "little")
        && let Ok(v) = bytemuck::try_cast_slice::<u8, T>(bytes)
    {
        out.extend_from_slice(v);
    } else {
        out.extend(bytes.chunks_exact(size).map(|c| {
            let mut v = T::zeroed();
            let dst = bytemuck::bytes_of_mut(&mut v);
            dst.copy_from_slice(c);
            if cfg!(target_endian = "big") {
                dst.reverse();
            }
            v
        }));
    }
}

/// A rendered frame, still in its mapped staging buffers. `decode` turns it
/// into images (read in place, or copied out where rows are padded) on the
/// calling thread; dropping it unmaps the buffers unread.
pub struct ReadbackFrame {
    snapshot: FrameSnapshot,
    views: Vec<MappedView>,
    pool_tx: crossbeam_channel::Sender<OwnedPixels>,
    pool_rx: crossbeam_channel::Receiver<OwnedPixels>,
}

impl ReadbackFrame {
    pub fn frame(&self) -> u64 {
        self.snapshot.frame
    }

    pub fn decode(self) -> RenderedFrame {
        let images = self
            .views
            .into_iter()
            .map(|v| v.into_image(&self.pool_rx, &self.pool_tx))
            .collect();
        RenderedFrame {
            snapshot: self.snapshot,
            images,
        }
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
    /// Frames submitted and not yet read back, oldest first.
    in_flight: VecDeque<InFlight>,
    done: VecDeque<ReadbackFrame>,
    /// Unmapped staging buffers per view, ready for a frame.
    spare: Vec<Vec<wgpu::Buffer>>,
    /// Staging buffers made so far, all views together.
    staging_made: usize,
    /// Staging buffers of each view that exist now (spare, in flight, or
    /// held by images).
    staging_alive: Vec<usize>,
    /// Most staging buffers per view; at the cap the render waits for an
    /// image to hand one back (see `limit_staging_buffers`).
    staging_cap: Option<usize>,
    /// Staging buffers handed back by the images that read them.
    recycle_tx: crossbeam_channel::Sender<Recycled>,
    recycle_rx: crossbeam_channel::Receiver<Recycled>,
    pool_tx: crossbeam_channel::Sender<OwnedPixels>,
    pool_rx: crossbeam_channel::Receiver<OwnedPixels>,
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
        let spare = targets.iter().map(|_| Vec::new()).collect();
        let targets_len = targets.len();
        let (recycle_tx, recycle_rx) = crossbeam_channel::unbounded();
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
            in_flight: VecDeque::new(),
            done: VecDeque::new(),
            staging_alive: vec![0; targets_len],
            spare,
            staging_made: 0,
            staging_cap: None,
            recycle_tx,
            recycle_rx,
            pool_tx,
            pool_rx,
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

    /// Staging buffers made so far, all views together: one per view for
    /// each frame in flight, and more only while images still hold theirs.
    pub fn staging_buffers_made(&self) -> usize {
        self.staging_made
    }

    /// Keep at most `per_view` staging buffers per view: when images hold
    /// them all (writers behind the render), the next frame waits for one
    /// to come back instead of making another, so memory stops at the cap
    /// however long the run (a slow disk slows the render). After
    /// [`STAGING_WAIT`] without one it makes one anyway: an image held for
    /// good (a caller keeping frames) must not stop the render.
    pub fn limit_staging_buffers(&mut self, per_view: usize) {
        self.staging_cap = Some(per_view.max(SLOTS + 1));
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
        let mut lamps: Vec<&crate::snapshot::Lamp> = snapshot.lamps.iter().collect();
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

    /// Render a frame. Blocks only while `SLOTS` frames are in flight.
    pub fn submit(&mut self, snapshot: FrameSnapshot) {
        // at most SLOTS frames between submission and readback
        while self.in_flight.len() >= SLOTS {
            self.collect(true);
        }
        let buffers = self.staging_buffers();
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
            let buffer = &buffers[ci];
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
        let states = buffers
            .iter()
            .map(|buffer| {
                let state = Arc::new(AtomicU8::new(MAP_PENDING));
                let on_mapped = state.clone();
                buffer.slice(..).map_async(wgpu::MapMode::Read, move |r| {
                    on_mapped.store(
                        if r.is_ok() { MAP_READY } else { MAP_FAILED },
                        Ordering::Release,
                    );
                });
                state
            })
            .collect();
        self.in_flight.push_back(InFlight {
            snapshot,
            buffers,
            states,
        });
        let _ = self.gpu.device.poll(wgpu::PollType::Poll);
    }

    /// One unmapped staging buffer per view: a spare one handed back by an
    /// image that is gone, or a new one while images still hold them all.
    fn staging_buffers(&mut self) -> Vec<wgpu::Buffer> {
        while let Ok((view, buffer)) = self.recycle_rx.try_recv() {
            self.keep_recycled(view, buffer);
        }
        (0..self.cameras.len())
            .map(|view| {
                self.wait_for_staging(view);
                self.spare[view].pop().unwrap_or_else(|| {
                    self.staging_made += 1;
                    self.staging_alive[view] += 1;
                    self.gpu.device.create_buffer(&wgpu::BufferDescriptor {
                        label: Some("readback"),
                        size: self.cameras[view].layout.size,
                        usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
                        mapped_at_creation: false,
                    })
                })
            })
            .collect()
    }

    /// A buffer an image handed back: kept as a spare, or freed.
    fn keep_recycled(&mut self, view: usize, buffer: wgpu::Buffer) {
        if self.spare[view].len() < SPARE_STAGING {
            self.spare[view].push(buffer);
        } else {
            self.staging_alive[view] -= 1;
        }
    }

    /// At the cap with no spare: wait for an image outside the rig to hand a
    /// buffer of `view` back (frames in flight or done hold theirs until
    /// the render thread moves them on, so waiting for those would stall).
    fn wait_for_staging(&mut self, view: usize) {
        let Some(cap) = self.staging_cap else {
            return;
        };
        let held_in_rig = self.in_flight.len() + self.done.len();
        if !self.spare[view].is_empty()
            || self.staging_alive[view] < cap
            || self.staging_alive[view] <= held_in_rig
        {
            return;
        }
        let deadline = std::time::Instant::now() + STAGING_WAIT;
        while self.spare[view].is_empty() {
            match self.recycle_rx.recv_deadline(deadline) {
                Ok((v, buffer)) => self.keep_recycled(v, buffer),
                Err(_) => break,
            }
        }
    }

    /// Move finished frames (in submission order) to the done queue. With
    /// `block`, wait for at least the oldest in-flight frame.
    fn collect(&mut self, block: bool) {
        let ready = |f: &InFlight| {
            f.states
                .iter()
                .all(|st| st.load(Ordering::Acquire) != MAP_PENDING)
        };
        let mut waited = false;
        while let Some(oldest) = self.in_flight.front() {
            if !ready(oldest) {
                if block && !waited {
                    let _ = self.gpu.device.poll(wgpu::PollType::wait_indefinitely());
                    waited = true;
                    continue;
                }
                let _ = self.gpu.device.poll(wgpu::PollType::Poll);
                if !self.in_flight.front().is_some_and(ready) {
                    break;
                }
            }
            let f = self.in_flight.pop_front().expect("checked above");
            let frame = self.mapped_frame(f);
            self.done.push_back(frame);
        }
    }

    fn mapped_frame(&self, f: InFlight) -> ReadbackFrame {
        for state in &f.states {
            assert_eq!(
                state.load(Ordering::Acquire),
                MAP_READY,
                "GPU readback failed for frame {}",
                f.snapshot.frame
            );
        }
        let views = self
            .cameras
            .iter()
            .zip(f.buffers)
            .enumerate()
            .map(|(view_index, (cam, buffer))| MappedView {
                staging: Arc::new(MappedStaging {
                    bytes: Some(buffer.slice(..).get_mapped_range()),
                    buffer,
                    view_index,
                    recycle: self.recycle_tx.clone(),
                }),
                layout: cam.layout,
                kind: cam.kind,
                width: cam.info.intrinsics.width as usize,
                height: cam.info.intrinsics.height as usize,
            })
            .collect();
        ReadbackFrame {
            snapshot: f.snapshot,
            views,
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
