//! The camera rig: one GPU rig rendering every camera and LiDAR view of a
//! run, its meshes and instance buffers, and the submission of a frame.

use super::*;

pub(super) struct CameraTarget {
    pub(super) info: CameraInfo,
    pub(super) kind: ViewKind,
    pub(super) color: wgpu::Texture,
    pub(super) labels: Option<wgpu::Texture>,
    pub(super) zbuffer: wgpu::Texture,
    pub(super) uniform: wgpu::Buffer,
    pub(super) bind_group: wgpu::BindGroup,
    pub(super) layout: ReadbackLayout,
    /// Colour views: the sun's shadow map fitted to this view.
    pub(super) shadow: Option<ShadowTarget>,
    /// Colour views with anti-aliasing: the scene's colour as drawn (the
    /// pass's input) and its bind group; `color` then holds the result.
    pub(super) scene_color: Option<(wgpu::Texture, wgpu::BindGroup)>,
}

impl CameraTarget {
    /// A view's render targets and uniform.
    fn new(
        device: &wgpu::Device,
        bind_layout: &wgpu::BindGroupLayout,
        shadow: Option<(&wgpu::BindGroupLayout, &wgpu::Sampler, bool)>,
        antialias: Option<&wgpu::BindGroupLayout>,
        info: &CameraInfo,
        kind: ViewKind,
    ) -> CameraTarget {
        let (w, h) = (info.intrinsics.width, info.intrinsics.height);
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("view uniform"),
            size: std::mem::size_of::<ViewUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let bind_group = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("view"),
            layout: bind_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            }],
        });
        let labeled = kind.has_labels();
        let labels = labeled.then(|| target_texture(device, "labels", w, h, LABEL_FORMAT, true));
        CameraTarget {
            info: info.clone(),
            kind,
            color: target_texture(device, "color", w, h, COLOR_FORMAT, kind.has_color()),
            labels,
            zbuffer: target_texture(device, "zbuffer", w, h, ZBUFFER_FORMAT, labeled),
            uniform,
            bind_group,
            layout: ReadbackLayout::new(w, h, kind),
            shadow: shadow
                .filter(|_| kind.has_color())
                .map(|(layout, sampler, on)| {
                    let side = if on { shadow_map_px(w, h) } else { 1 };
                    ShadowTarget::new(device, bind_layout, layout, sampler, side)
                }),
            scene_color: antialias.filter(|_| kind.has_color()).map(|layout| {
                let tex = device.create_texture(&wgpu::TextureDescriptor {
                    label: Some("scene colour"),
                    size: wgpu::Extent3d {
                        width: w,
                        height: h,
                        depth_or_array_layers: 1,
                    },
                    mip_level_count: 1,
                    sample_count: 1,
                    dimension: wgpu::TextureDimension::D2,
                    format: COLOR_FORMAT,
                    usage: wgpu::TextureUsages::RENDER_ATTACHMENT
                        | wgpu::TextureUsages::TEXTURE_BINDING,
                    view_formats: &[ANTIALIAS_VIEW_FORMAT],
                });
                let view = tex.create_view(&wgpu::TextureViewDescriptor {
                    format: Some(ANTIALIAS_VIEW_FORMAT),
                    ..Default::default()
                });
                let bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
                    label: Some("antialias"),
                    layout,
                    entries: &[wgpu::BindGroupEntry {
                        binding: 0,
                        resource: wgpu::BindingResource::TextureView(&view),
                    }],
                });
                (tex, bind)
            }),
        }
    }
}

/// Every mesh in one vertex and one index buffer: the primitives' ranges
/// and one draw per static mesh.
type PackedMeshes = (Mesh, BTreeMap<Primitive, MeshRange>, Vec<StaticDraw>);

/// One static mesh's draw.
pub(super) struct StaticDraw {
    pub(super) range: MeshRange,
    pub(super) raw: InstanceRaw,
    /// Its scene pipeline's material code (`MaterialFamily::Every` when
    /// the rig's views are not specialised).
    pub(super) family: MaterialFamily,
    /// Whether it goes into the sun's shadow map. The flat ground (road,
    /// lane paint, terrain) is the lowest surface there is: it shades
    /// nothing, and drawn into the map it would cover all of it, the most
    /// texels of the shadow pass. Sidewalks stay (their kerbs cast).
    pub(super) casts_sun_shadow: bool,
}

/// Which static meshes a pass draws.
#[derive(Clone, Copy, PartialEq)]
pub(super) enum Statics {
    All,
    /// Only those that cast the sun's shadow (the shadow pass).
    Casters,
}

/// `specialised`: the rig's colour views draw with shader variants.
fn pack_meshes(statics: &[StaticMesh], specialised: bool) -> PackedMeshes {
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
    let static_draws: Vec<StaticDraw> = statics
        .iter()
        .map(|s| StaticDraw {
            range: add(&s.mesh),
            raw: InstanceRaw::fixed(s.color, s.class.id() as u32),
            family: family_of(s.class.id() as u32, specialised),
            casts_sun_shadow: !matches!(
                s.class,
                crate::core::classes::Class::Road
                    | crate::core::classes::Class::LaneMarking
                    | crate::core::classes::Class::Terrain
            ),
        })
        .collect();
    (all, primitive_ranges, static_draws)
}

pub struct CameraRig {
    pub(super) gpu: GpuContext,
    pub(super) mode: RenderMode,
    /// Per view kind in use, its scene pipelines: the whole shader, or
    /// (colour views of the realistic look) one per shader variant.
    pub(super) pipelines: ScenePipelines,
    /// Whether colour views draw with shader variants: each draw is then
    /// sorted by its material family.
    pub(super) specialised: bool,
    /// Rain and snow, per colour view kind (only when the weather has them).
    pub(super) particle_pipelines: BTreeMap<u8, wgpu::RenderPipeline>,
    /// The sky under colour views (the realistic look).
    pub(super) sky_pipelines: BTreeMap<u8, wgpu::RenderPipeline>,
    /// The sun's shadow pass (colour views, shadows on).
    pub(super) shadow_pipeline: Option<wgpu::RenderPipeline>,
    /// The realistic look's depth prepass (colour views).
    pub(super) depth_prepass_pipeline: Option<wgpu::RenderPipeline>,
    /// Anti-aliasing of colour views (render.antialias).
    pub(super) antialias_pipeline: Option<wgpu::RenderPipeline>,
    pub(super) particle_buffer: wgpu::Buffer,
    pub(super) particle_capacity: usize,
    pub(super) vertex_buffer: wgpu::Buffer,
    pub(super) index_buffer: wgpu::Buffer,
    pub(super) primitive_ranges: BTreeMap<Primitive, MeshRange>,
    pub(super) static_draws: Vec<StaticDraw>,
    pub(super) instance_buffer: wgpu::Buffer,
    pub(super) instance_capacity: usize,
    pub(super) cameras: Vec<CameraTarget>,
    pub(super) lighting: Lighting,
    /// Frames submitted and not yet read back, oldest first.
    pub(super) in_flight: VecDeque<InFlight>,
    pub(super) done: VecDeque<ReadbackFrame>,
    /// Unmapped staging buffers per view, ready for a frame.
    pub(super) spare: Vec<Vec<wgpu::Buffer>>,
    /// Staging buffers made so far, all views together.
    pub(super) staging_made: usize,
    /// Staging buffers of each view that exist now (spare, in flight, or
    /// held by images).
    pub(super) staging_alive: Vec<usize>,
    /// Most staging buffers per view; at the cap the render waits for an
    /// image to hand one back (see `limit_staging_buffers`).
    pub(super) staging_cap: Option<usize>,
    /// Staging buffers handed back by the images that read them.
    pub(super) recycle_tx: crossbeam_channel::Sender<Recycled>,
    pub(super) recycle_rx: crossbeam_channel::Receiver<Recycled>,
    pub(super) pool_tx: crossbeam_channel::Sender<OwnedPixels>,
    pub(super) pool_rx: crossbeam_channel::Receiver<OwnedPixels>,
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
        let camera_kind = if mode == RenderMode::Labeled {
            ViewKind::Labeled
        } else {
            ViewKind::Color
        };
        let specialised = specialises(camera_kind, &lighting);
        let (all, primitive_ranges, static_draws) = pack_meshes(statics, specialised);
        let buffer = |label, contents, usage| {
            device.create_buffer_init(&wgpu::util::BufferInitDescriptor {
                label: Some(label),
                contents,
                usage,
            })
        };
        let vertex_buffer = buffer(
            "vertices",
            bytemuck::cast_slice(&all.vertices),
            wgpu::BufferUsages::VERTEX,
        );
        let index_buffer = buffer(
            "indices",
            bytemuck::cast_slice(&all.indices),
            wgpu::BufferUsages::INDEX,
        );
        let bind_layout = view_bind_layout(device);
        let views: Vec<(&CameraInfo, ViewKind)> = cameras
            .iter()
            .map(|c| (c, camera_kind))
            .chain(label_views.iter().map(|c| (c, ViewKind::LabelsOnly)))
            .collect();
        let shadow_layout = shadow_sample_layout(device);
        let kinds: Vec<ViewKind> = views.iter().map(|(_, k)| *k).collect();
        let module = camera_shader(device, "camera");
        let pipelines = ScenePipelines::new(
            (device, &module),
            (&bind_layout, &shadow_layout),
            &kinds,
            &lighting,
        );
        let (sky_pipelines, particle_pipelines) =
            overlay_pipelines(device, &module, &bind_layout, &kinds, &lighting);
        let aa_layout = antialias_layout(device);
        let shadow_sampler = shadow_sampler(device);
        let targets: Vec<CameraTarget> = views
            .into_iter()
            .map(|(info, kind)| {
                CameraTarget::new(
                    device,
                    &bind_layout,
                    Some((&shadow_layout, &shadow_sampler, lighting.shadows)),
                    lighting.antialias.then_some(&aa_layout),
                    info,
                    kind,
                )
            })
            .collect();
        let antialias_pipeline = (lighting.antialias && camera_kind.has_color())
            .then(|| create_antialias_pipeline(device, &aa_layout));
        let shadow_pipeline = (lighting.shadows && camera_kind.has_color()).then(|| {
            create_depth_only_pipeline(device, &module, &bind_layout, DepthOnly::SunShadow)
        });
        let depth_prepass_pipeline = uses_depth_prepass(camera_kind, lighting.look).then(|| {
            create_depth_only_pipeline(device, &module, &bind_layout, DepthOnly::CameraPrepass)
        });
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
            specialised,
            particle_pipelines,
            sky_pipelines,
            shadow_pipeline,
            depth_prepass_pipeline,
            antialias_pipeline,
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

    pub(super) fn make_instance_buffer(device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("instances"),
            size: (capacity * std::mem::size_of::<InstanceRaw>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    pub(super) fn make_particle_buffer(device: &wgpu::Device, capacity: usize) -> wgpu::Buffer {
        device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("particles"),
            size: (capacity * std::mem::size_of::<particles::ParticleRaw>()) as u64,
            usage: wgpu::BufferUsages::VERTEX | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        })
    }

    /// Every colour camera's rain and snow for this frame in one buffer, and
    /// each camera's range of it.
    pub(super) fn upload_particles(
        &mut self,
        snapshot: &FrameSnapshot,
    ) -> Vec<std::ops::Range<u32>> {
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

    /// Static meshes, then the instances (vertex and index buffers set).
    /// `statics`: which static meshes (every one, or only those that can
    /// cast a shadow). `pipeline`: the scene pass's pipeline for each
    /// material family (set as the family changes); depth-only passes set
    /// theirs before.
    pub(super) fn draw_scene<'p>(
        &self,
        pass: &mut wgpu::RenderPass,
        statics: Statics,
        groups: &Groups,
        pipeline: Option<&dyn Fn(MaterialFamily) -> &'p wgpu::RenderPipeline>,
    ) {
        pass.set_vertex_buffer(0, self.vertex_buffer.slice(..));
        pass.set_vertex_buffer(1, self.instance_buffer.slice(..));
        pass.set_index_buffer(self.index_buffer.slice(..), wgpu::IndexFormat::Uint32);
        let mut current = None;
        let mut use_family = |pass: &mut wgpu::RenderPass, family: MaterialFamily| {
            if let Some(pipeline) = pipeline
                && current != Some(family)
            {
                pass.set_pipeline(pipeline(family));
                current = Some(family);
            }
        };
        for (i, draw) in self.static_draws.iter().enumerate() {
            if statics == Statics::Casters && !draw.casts_sun_shadow {
                continue;
            }
            use_family(pass, draw.family);
            let range = &draw.range;
            pass.draw_indexed(
                range.first_index..range.first_index + range.index_count,
                range.base_vertex,
                i as u32..i as u32 + 1,
            );
        }
        for (family, range, instances) in groups {
            use_family(pass, *family);
            pass.draw_indexed(
                range.first_index..range.first_index + range.index_count,
                range.base_vertex,
                instances.clone(),
            );
        }
    }

    /// One view's passes: the sun's shadow map (colour views, shadows on),
    /// then static meshes, instances, the sky where they left the clear,
    /// particles.
    pub(super) fn draw_view(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        cam: &CameraTarget,
        uniform: &ViewUniform,
        passes: &ViewPasses,
        particles: &std::ops::Range<u32>,
    ) {
        self.gpu
            .queue
            .write_buffer(&cam.uniform, 0, bytemuck::bytes_of(uniform));
        if let (Some(shadow), Some(groups)) = (&cam.shadow, &passes.shadow) {
            self.draw_shadow_map(encoder, shadow, uniform, groups);
        }
        let groups = &passes.scene;
        // with anti-aliasing the scene is drawn into its own texture first
        let color_view = match &cam.scene_color {
            Some((scene, _)) => scene.create_view(&Default::default()),
            None => cam.color.create_view(&Default::default()),
        };
        let z_view = cam.zbuffer.create_view(&Default::default());
        let label_view = cam
            .labels
            .as_ref()
            .map(|t| t.create_view(&Default::default()));
        let attach = |load, view| {
            Some(wgpu::RenderPassColorAttachment {
                view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load,
                    store: wgpu::StoreOp::Store,
                },
            })
        };
        let clear = |c: wgpu::Color, view| attach(wgpu::LoadOp::Clear(c), view);
        let mut attachments = Vec::new();
        if cam.kind.has_color() {
            // where the sky is drawn it covers every pixel the scene leaves:
            // no clear (a software rasteriser writes each one)
            let load = if self.sky_pipelines.contains_key(&(cam.kind as u8)) {
                wgpu::LoadOp::Load
            } else {
                wgpu::LoadOp::Clear(self.sky_clear())
            };
            attachments.push(attach(load, &color_view));
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
        // colour views of the realistic look draw their depth first
        let prepass = self
            .depth_prepass_pipeline
            .as_ref()
            .filter(|_| cam.kind.has_color());
        if let Some(pipeline) = prepass {
            // reverse Z: cleared to the farthest, 0
            self.draw_depth_only(
                encoder,
                (&z_view, 0.0),
                pipeline,
                &cam.bind_group,
                Statics::All,
                groups,
            );
        }
        {
            let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
                label: Some("camera"),
                color_attachments: &attachments,
                depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                    view: &z_view,
                    depth_ops: Some(wgpu::Operations {
                        load: if prepass.is_some() {
                            wgpu::LoadOp::Load
                        } else {
                            wgpu::LoadOp::Clear(0.0)
                        },
                        store: keep_depth,
                    }),
                    stencil_ops: None,
                }),
                timestamp_writes: None,
                occlusion_query_set: None,
                multiview_mask: None,
            });
            pass.set_bind_group(0, &cam.bind_group, &[]);
            if let Some(shadow) = &cam.shadow {
                pass.set_bind_group(1, &shadow.sample_bind, &[]);
            }
            let lamps = draws_lamps(uniform);
            let pipeline = |family| {
                self.pipelines
                    .get(cam.kind, ShaderVariant { family, lamps })
            };
            self.draw_scene(&mut pass, Statics::All, groups, Some(&pipeline));
            self.draw_overlays(&mut pass, cam.kind, particles);
        }
        if let (Some((_, input)), Some(pipeline)) = (&cam.scene_color, &self.antialias_pipeline) {
            self.antialias(encoder, cam, input, pipeline);
        }
    }

    /// Over a view's scene, in its pass: the sky, only where the scene
    /// left the clear, then the rain or snow `particles`.
    fn draw_overlays(
        &self,
        pass: &mut wgpu::RenderPass,
        kind: ViewKind,
        particles: &std::ops::Range<u32>,
    ) {
        if let Some(sky) = self.sky_pipelines.get(&(kind as u8)) {
            pass.set_pipeline(sky);
            pass.draw(0..3, 0..1);
        }
        if let Some(p) = self.particle_pipelines.get(&(kind as u8))
            && !particles.is_empty()
        {
            pass.set_pipeline(p);
            pass.set_vertex_buffer(0, self.particle_buffer.slice(..));
            pass.draw(0..6, particles.clone());
        }
    }

    /// The colour target's clear: the sky's colour (linear: the target is
    /// sRGB), tone-mapped in the realistic look.
    fn sky_clear(&self) -> wgpu::Color {
        let sky = match self.lighting.look {
            crate::scenario::Look::Realistic => tone_map(self.lighting.sky_color),
            crate::scenario::Look::Flat => self.lighting.sky_color,
        };
        wgpu::Color {
            r: sky[0] as f64,
            g: sky[1] as f64,
            b: sky[2] as f64,
            a: 1.0,
        }
    }

    /// The colour view's anti-aliasing pass: the scene's colour in, the
    /// read-back colour target out.
    fn antialias(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        cam: &CameraTarget,
        input: &wgpu::BindGroup,
        pipeline: &wgpu::RenderPipeline,
    ) {
        let out = cam.color.create_view(&wgpu::TextureViewDescriptor {
            format: Some(ANTIALIAS_VIEW_FORMAT),
            ..Default::default()
        });
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("antialias"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: &out,
                depth_slice: None,
                resolve_target: None,
                // its one triangle writes every pixel: nothing to clear
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, input, &[]);
        pass.draw(0..3, 0..1);
    }
}
