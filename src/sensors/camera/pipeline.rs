//! The camera's render pipelines: target formats, the per-view uniform,
//! per-instance vertex data and the pipelines of the scene and particle
//! passes (shaders/camera.wgsl).

use super::*;

pub const COLOR_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;
/// The anti-aliasing pass reads and writes the colour targets through
/// views of this format: the sRGB-encoded bytes as they are, so no texel
/// is decoded to linear and encoded again (FXAA works on encoded values).
pub(super) const ANTIALIAS_VIEW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8Unorm;

/// 16 bits suffice: label values are class ids (< 1000) or Cityscapes
/// instance ids (class_id*1000 + k <= 65535, enforced by validation).
pub const LABEL_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::R16Uint;

pub const ZBUFFER_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

pub const SHADER_SOURCE: &str = include_str!("../../../shaders/camera.wgsl");

pub const ANTIALIAS_SOURCE: &str = include_str!("../../../shaders/antialias.wgsl");

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct ViewUniform {
    pub(super) clip_from_world: [[f32; 4]; 4],
    pub(super) world_from_clip: [[f32; 4]; 4],
    /// World -> the sun's shadow-map clip space (see `core::shadow`).
    pub(super) sun_from_world: [[f32; 4]; 4],
    /// x: shadows on (1) or off (0); y: one shadow-map texel in uv; z: the
    /// distance shadows are drawn to (z-depth), metres; w unused.
    pub(super) look: [f32; 4],
    pub(super) camera_position: [f32; 4],
    pub(super) camera_forward: [f32; 4],
    pub(super) sun_direction: [f32; 4],
    pub(super) sun_color: [f32; 4],
    pub(super) ambient_color: [f32; 4],
    pub(super) fog: [f32; 4],
    pub(super) light_count: [u32; 4],
    pub(super) light_position: [[f32; 4]; MAX_LIGHTS],
    pub(super) light_color: [[f32; 4]; MAX_LIGHTS],
    pub(super) light_direction: [[f32; 4]; MAX_LIGHTS],
    pub(super) light_shield: [[f32; 4]; MAX_LIGHTS],
    /// x: road wetness; yz: viewport size in pixels; w: snow cover.
    pub(super) weather: [f32; 4],
    /// Labeled objects' boxes that cast contact occlusion on the ground:
    /// xyz centre (world); w: the contact shadow's falloff length, metres.
    pub(super) caster_center: [[f32; 4]; MAX_CASTERS],
    /// xyz: the box's unit forward axis (world); w unused.
    pub(super) caster_forward: [[f32; 4]; MAX_CASTERS],
    /// xyz: half length, half height, half width, metres; w: the contact
    /// shadow's reach from the centre, metres (`core::shadow::contact_reach_m`).
    pub(super) caster_half: [[f32; 4]; MAX_CASTERS],
    /// Per screen tile, the casters whose contact shadow can fall in it (bit
    /// i: caster i; `core::shadow::contact_tiles`), four tiles a row.
    pub(super) caster_tiles: [[u32; 4]; crate::core::shadow::CONTACT_TILES / 4],
}

/// Objects whose boxes shade the ground in a view (the nearest).
pub const MAX_CASTERS: usize = 24;

/// The shader's exposure and filmic tone curve (`tone_map` in
/// shaders/camera.wgsl), for colours drawn without it (the sky's clear).
pub fn tone_map(linear: [f32; 3]) -> [f32; 3] {
    linear.map(|x| {
        let e = x * 0.85;
        ((e * (2.51 * e + 0.03)) / (e * (2.43 * e + 0.59) + 0.14)).clamp(0.0, 1.0)
    })
}

/// Lamps the shader evaluates per fragment (the nearest to the camera).
pub const MAX_LIGHTS: usize = 16;

#[repr(C)]
#[derive(Clone, Copy, bytemuck::Pod, bytemuck::Zeroable)]
pub(super) struct InstanceRaw {
    pub(super) model: [[f32; 4]; 4],
    pub(super) normal: [[f32; 4]; 3],
    pub(super) color: [f32; 4],
    pub(super) ids: [u32; 2],
    /// The cloth pattern and a spare lane.
    pub(super) pattern: [u32; 2],
}

impl InstanceRaw {
    /// `draw` at `model`: its emission rides in the colour's alpha, its
    /// cloth pattern after the ids, the pattern's origin in the normal
    /// matrix's spare lanes.
    pub(super) fn new(draw: &crate::snapshot::DrawInstance) -> InstanceRaw {
        let model = draw.model;
        let n = Mat3::from_mat4(model).inverse().transpose();
        let o = draw.pattern_origin;
        let c = draw.color;
        InstanceRaw {
            model: model.to_cols_array_2d(),
            normal: [
                n.x_axis.extend(o.x).to_array(),
                n.y_axis.extend(o.y).to_array(),
                n.z_axis.extend(o.z).to_array(),
            ],
            color: [c[0], c[1], c[2], draw.emission],
            ids: [draw.class_id, draw.instance_id],
            pattern: [draw.pattern, 0],
        }
    }

    /// The road network's meshes: placed as meshed, lit by nothing of
    /// their own, no instance, no pattern.
    pub(super) fn fixed(color: [f32; 3], class_id: u32) -> InstanceRaw {
        InstanceRaw::new(&crate::snapshot::DrawInstance {
            primitive: crate::core::mesh::Primitive::Cube,
            model: Mat4::IDENTITY,
            color,
            emission: 0.0,
            class_id,
            instance_id: 0,
            pattern: 0,
            pattern_origin: glam::Vec3::ZERO,
        })
    }
}

#[derive(Clone, Copy, Debug)]
pub(super) struct MeshRange {
    pub(super) first_index: u32,
    pub(super) index_count: u32,
    pub(super) base_vertex: i32,
}

pub(super) fn vertex_layouts() -> [wgpu::VertexBufferLayout<'static>; 2] {
    const VERTEX: [wgpu::VertexAttribute; 2] =
        wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3];
    const INSTANCE: [wgpu::VertexAttribute; 9] = wgpu::vertex_attr_array![
        2 => Float32x4, 3 => Float32x4, 4 => Float32x4, 5 => Float32x4,
        6 => Float32x4, 7 => Float32x4, 8 => Float32x4, 9 => Float32x4, 10 => Uint32x4
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
pub(super) fn depth_test(write: bool) -> wgpu::DepthStencilState {
    wgpu::DepthStencilState {
        format: ZBUFFER_FORMAT,
        depth_write_enabled: Some(write),
        depth_compare: Some(wgpu::CompareFunction::Greater),
        stencil: Default::default(),
        bias: Default::default(),
    }
}

/// The scene's triangles: counter-clockwise fronts, backs culled.
fn scene_primitive() -> wgpu::PrimitiveState {
    wgpu::PrimitiveState {
        topology: wgpu::PrimitiveTopology::TriangleList,
        front_face: wgpu::FrontFace::Ccw,
        cull_mode: Some(wgpu::Face::Back),
        ..Default::default()
    }
}

/// shaders/camera.wgsl as a shader module: parsed once per device, every
/// scene, depth-only and overlay pipeline of a rig is made from it.
pub(super) fn camera_shader(device: &wgpu::Device, label: &str) -> wgpu::ShaderModule {
    device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(SHADER_SOURCE.into()),
    })
}

/// A pipeline layout with the view uniform (and, for colour views, the
/// shadow map).
fn pipeline_layout(
    device: &wgpu::Device,
    layouts: &[&wgpu::BindGroupLayout],
    label: &str,
) -> wgpu::PipelineLayout {
    device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some(label),
        bind_group_layouts: &layouts.iter().map(|l| Some(*l)).collect::<Vec<_>>(),
        immediate_size: 0,
    })
}

/// Whether a view draws its depth first (`DepthOnly::CameraPrepass`):
/// colour views of the realistic look, whose shading is dear.
pub(super) fn uses_depth_prepass(kind: ViewKind, look: crate::scenario::Look) -> bool {
    kind.has_color() && look == crate::scenario::Look::Realistic
}

/// A view's scene pipeline with `variant`'s code (`clouds`: the sky has
/// clouds); colour views also read the sun's shadow map (bind group 1,
/// `shadow_layout`).
pub(super) fn create_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    (layout, shadow_layout): (&wgpu::BindGroupLayout, &wgpu::BindGroupLayout),
    kind: ViewKind,
    look: crate::scenario::Look,
    (variant, clouds): (ShaderVariant, bool),
) -> wgpu::RenderPipeline {
    let flat = look == crate::scenario::Look::Flat;
    let depth_prepass = uses_depth_prepass(kind, look);
    let layouts: Vec<&wgpu::BindGroupLayout> = if kind.has_color() {
        vec![layout, shadow_layout]
    } else {
        vec![layout]
    };
    let pipeline_layout = pipeline_layout(device, &layouts, "camera");
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
            if flat {
                "fs_labeled_flat"
            } else {
                "fs_labeled"
            },
        ),
        ViewKind::Color => (
            vec![replace(COLOR_FORMAT)],
            if flat { "fs_color_flat" } else { "fs_color" },
        ),
        ViewKind::LabelsOnly => (vec![replace(LABEL_FORMAT)], "fs_label_only"),
    };
    let buffers = vertex_layouts();
    let constants = variant.constants(clouds);
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("camera"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &buffers,
        },
        primitive: scene_primitive(),
        depth_stencil: Some(if depth_prepass {
            // the prepass wrote each pixel's nearest depth: shade only that
            wgpu::DepthStencilState {
                depth_compare: Some(wgpu::CompareFunction::Equal),
                ..depth_test(false)
            }
        } else {
            depth_test(true)
        }),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(entry),
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &constants,
                ..Default::default()
            },
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// What a colour-only pass draws over the scene's targets.
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum Overlay {
    /// Rain and snow: alpha-blended, depth-tested against the scene but
    /// never written.
    Particles,
    /// The sky's gradient and sun: one full-screen triangle drawn after
    /// the scene, only where the depth buffer kept its clear (equal to the
    /// triangle's depth 0, never written), so a software rasteriser shades
    /// no sky pixel the scene then covers.
    Sky,
}

/// A pass that writes the colour target only: masked off the label target
/// (which keeps its clear, or the scene's ids) and never writing depth.
pub(super) fn create_overlay_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    kind: ViewKind,
    overlay: Overlay,
    clouds: bool,
) -> wgpu::RenderPipeline {
    let pipeline_layout = pipeline_layout(device, &[layout], "overlay");
    let mut targets = vec![Some(wgpu::ColorTargetState {
        format: COLOR_FORMAT,
        blend: (overlay == Overlay::Particles).then_some(wgpu::BlendState::ALPHA_BLENDING),
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
    let particle_buffers = [wgpu::VertexBufferLayout {
        array_stride: std::mem::size_of::<particles::ParticleRaw>() as u64,
        step_mode: wgpu::VertexStepMode::Instance,
        attributes: &PARTICLE,
    }];
    let (vs, fs, buffers, depth): (_, _, &[wgpu::VertexBufferLayout], _) = match overlay {
        Overlay::Particles => (
            "vs_particle",
            "fs_particle",
            &particle_buffers,
            depth_test(false),
        ),
        Overlay::Sky => (
            "vs_sky",
            "fs_sky",
            &[],
            wgpu::DepthStencilState {
                depth_compare: Some(wgpu::CompareFunction::Equal),
                ..depth_test(false)
            },
        ),
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("overlay"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some(vs),
            compilation_options: Default::default(),
            buffers,
        },
        primitive: wgpu::PrimitiveState {
            topology: wgpu::PrimitiveTopology::TriangleList,
            cull_mode: None,
            ..Default::default()
        },
        depth_stencil: Some(depth),
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module,
            entry_point: Some(fs),
            // the sky draws its clouds only where it has them (a software
            // rasteriser would run their noises for every sky pixel)
            compilation_options: wgpu::PipelineCompilationOptions {
                constants: &[clouds_constant(clouds)],
                ..Default::default()
            },
            targets: &targets,
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// Side of the sun's shadow map of a camera, texels: twice the image's
/// larger side (a shadow edge as sharp as the image resolves it), 512 ..=
/// 2048 (2048 over the 70 m frustum slice of a 90-degree camera: about
/// 7 cm a texel).
pub fn shadow_map_px(width: u32, height: u32) -> u32 {
    (2 * width.max(height)).clamp(512, 2048)
}

pub const SHADOW_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// The passes that draw the scene's depth only (no fragment stage).
#[derive(Clone, Copy, Debug, PartialEq)]
pub(super) enum DepthOnly {
    /// The sun's shadow map (the view uniform of this pass holds the sun's
    /// matrix), nearest the sun smallest. Slope-scaled bias keeps lit faces
    /// off their own shadow; no culling, so thin parts cast.
    SunShadow,
    /// The camera's depth before its realistic shading: the scene pass then
    /// shades only the fragment that ends up in each pixel (depth Equal,
    /// see `create_pipeline`), where it would otherwise shade every layer
    /// a software rasteriser draws over. Same vertex shader, culling and
    /// test as the scene pass, so the depths it keeps are the scene pass's.
    CameraPrepass,
}

pub(super) fn create_depth_only_pipeline(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    layout: &wgpu::BindGroupLayout,
    pass: DepthOnly,
) -> wgpu::RenderPipeline {
    let pipeline_layout = pipeline_layout(device, &[layout], "depth only");
    let buffers = vertex_layouts();
    let (primitive, depth_stencil) = match pass {
        DepthOnly::SunShadow => (
            wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleList,
                cull_mode: None,
                ..Default::default()
            },
            wgpu::DepthStencilState {
                format: SHADOW_FORMAT,
                depth_write_enabled: Some(true),
                depth_compare: Some(wgpu::CompareFunction::LessEqual),
                stencil: Default::default(),
                bias: wgpu::DepthBiasState {
                    constant: 2,
                    slope_scale: 2.0,
                    clamp: 0.0,
                },
            },
        ),
        DepthOnly::CameraPrepass => (scene_primitive(), depth_test(true)),
    };
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("depth only"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module,
            entry_point: Some("vs_main"),
            compilation_options: Default::default(),
            buffers: &buffers,
        },
        primitive,
        depth_stencil: Some(depth_stencil),
        multisample: wgpu::MultisampleState::default(),
        fragment: None,
        multiview_mask: None,
        cache: None,
    })
}

/// The anti-aliasing pass's one input: the scene's colour as drawn.
pub(super) fn antialias_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("antialias"),
        entries: &[wgpu::BindGroupLayoutEntry {
            binding: 0,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: false },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        }],
    })
}

/// Anti-aliasing: a full-screen triangle reading the scene's colour and
/// writing the colour target that is read back (shaders/antialias.wgsl).
pub(super) fn create_antialias_pipeline(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
) -> wgpu::RenderPipeline {
    let module = device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some("antialias"),
        source: wgpu::ShaderSource::Wgsl(ANTIALIAS_SOURCE.into()),
    });
    let pipeline_layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
        label: Some("antialias"),
        bind_group_layouts: &[Some(layout)],
        immediate_size: 0,
    });
    device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
        label: Some("antialias"),
        layout: Some(&pipeline_layout),
        vertex: wgpu::VertexState {
            module: &module,
            entry_point: Some("vs_fullscreen"),
            compilation_options: Default::default(),
            buffers: &[],
        },
        primitive: wgpu::PrimitiveState::default(),
        depth_stencil: None,
        multisample: wgpu::MultisampleState::default(),
        fragment: Some(wgpu::FragmentState {
            module: &module,
            entry_point: Some("fs_antialias"),
            compilation_options: Default::default(),
            targets: &[Some(wgpu::ColorTargetState {
                format: ANTIALIAS_VIEW_FORMAT,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            })],
        }),
        multiview_mask: None,
        cache: None,
    })
}

/// The shadow map's sampler: comparisons filtered 2x2.
pub(super) fn shadow_sampler(device: &wgpu::Device) -> wgpu::Sampler {
    device.create_sampler(&wgpu::SamplerDescriptor {
        label: Some("shadow"),
        mag_filter: wgpu::FilterMode::Linear,
        min_filter: wgpu::FilterMode::Linear,
        compare: Some(wgpu::CompareFunction::LessEqual),
        ..Default::default()
    })
}

/// Bind group 1 of colour views: the shadow map and its comparison sampler.
pub(super) fn shadow_sample_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
        label: Some("shadow map"),
        entries: &[
            wgpu::BindGroupLayoutEntry {
                binding: 0,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Texture {
                    sample_type: wgpu::TextureSampleType::Depth,
                    view_dimension: wgpu::TextureViewDimension::D2,
                    multisampled: false,
                },
                count: None,
            },
            wgpu::BindGroupLayoutEntry {
                binding: 1,
                visibility: wgpu::ShaderStages::FRAGMENT,
                ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Comparison),
                count: None,
            },
        ],
    })
}

pub(super) fn target_texture(
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
        // colour targets are also written by the anti-aliasing pass
        view_formats: if format == COLOR_FORMAT {
            &[ANTIALIAS_VIEW_FORMAT]
        } else {
            &[]
        },
    })
}

/// The one bind group of every pass: the view uniform.
pub(super) fn view_bind_layout(device: &wgpu::Device) -> wgpu::BindGroupLayout {
    device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
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
    })
}

/// Per view kind (as u8): its sky's pipeline (colour views of the
/// realistic look) and its particles' (colour views, rain or snow).
pub(super) type PipelinesByKind = BTreeMap<u8, wgpu::RenderPipeline>;

/// The sky's and the particles' pipelines of each view kind in `kinds`.
pub(super) fn overlay_pipelines(
    device: &wgpu::Device,
    module: &wgpu::ShaderModule,
    bind_layout: &wgpu::BindGroupLayout,
    kinds: &[ViewKind],
    lighting: &Lighting,
) -> (PipelinesByKind, PipelinesByKind) {
    let (mut sky, mut particles) = Default::default();
    let realistic = lighting.look == crate::scenario::Look::Realistic;
    let clouds = lighting.has_clouds();
    for &kind in kinds {
        if kind.has_color() && realistic {
            let sky: &mut PipelinesByKind = &mut sky;
            sky.entry(kind as u8).or_insert_with(|| {
                create_overlay_pipeline(device, module, bind_layout, kind, Overlay::Sky, clouds)
            });
        }
        if kind.has_color() && !lighting.particles.is_empty() {
            let particles: &mut PipelinesByKind = &mut particles;
            particles.entry(kind as u8).or_insert_with(|| {
                create_overlay_pipeline(
                    device,
                    module,
                    bind_layout,
                    kind,
                    Overlay::Particles,
                    clouds,
                )
            });
        }
    }
    (sky, particles)
}
