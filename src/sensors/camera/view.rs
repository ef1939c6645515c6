//! What each view draws in a frame: its uniform (camera, light, the sun's
//! shadow matrix, shadow casters, lamps), its instances culled to its
//! frustum and to its shadow map's, and the shadow pass itself.

use super::rig::Statics;
use super::*;

/// A colour view's shadow map, the view uniform of its shadow pass (the
/// sun's matrix as `clip_from_world`) and the bind groups of both passes.
pub(crate) struct ShadowTarget {
    pub(super) map: wgpu::Texture,
    pub(super) uniform: wgpu::Buffer,
    pub(super) pass_bind: wgpu::BindGroup,
    pub(super) sample_bind: wgpu::BindGroup,
}

impl ShadowTarget {
    /// `side`: the map's size in texels (1 when shadows are off: the
    /// colour pipelines still bind a map, never read).
    pub(super) fn new(
        device: &wgpu::Device,
        bind_layout: &wgpu::BindGroupLayout,
        shadow_layout: &wgpu::BindGroupLayout,
        sampler: &wgpu::Sampler,
        side: u32,
    ) -> ShadowTarget {
        let map = device.create_texture(&wgpu::TextureDescriptor {
            label: Some("shadow map"),
            size: wgpu::Extent3d {
                width: side,
                height: side,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: SHADOW_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::TEXTURE_BINDING,
            view_formats: &[],
        });
        let uniform = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("shadow uniform"),
            size: std::mem::size_of::<ViewUniform>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let pass_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadow pass"),
            layout: bind_layout,
            entries: &[wgpu::BindGroupEntry {
                binding: 0,
                resource: uniform.as_entire_binding(),
            }],
        });
        let view = map.create_view(&Default::default());
        let sample_bind = device.create_bind_group(&wgpu::BindGroupDescriptor {
            label: Some("shadow map"),
            layout: shadow_layout,
            entries: &[
                wgpu::BindGroupEntry {
                    binding: 0,
                    resource: wgpu::BindingResource::TextureView(&view),
                },
                wgpu::BindGroupEntry {
                    binding: 1,
                    resource: wgpu::BindingResource::Sampler(sampler),
                },
            ],
        });
        ShadowTarget {
            map,
            uniform,
            pass_bind,
            sample_bind,
        }
    }
}

/// One instanced draw per primitive and material family: the family, the
/// mesh and its instances.
pub(super) type Groups = Vec<(MaterialFamily, MeshRange, std::ops::Range<u32>)>;

/// A view's draws this frame: its scene pass and its shadow pass (colour
/// views with the sun's shadows).
pub(super) struct ViewPasses {
    pub(super) scene: Groups,
    pub(super) shadow: Option<Groups>,
}

/// A view's set-up for a frame: its uniform, and where its shadows are
/// drawn (colour views with the sun's shadows), which culls the casters.
pub(super) struct ViewSetup {
    pub(super) uniform: ViewUniform,
    pub(super) shadowed: Option<crate::core::shadow::ShadowedSlice>,
    /// Its scene pass draws with shader variants, so its instances are
    /// grouped by material family (other passes draw with one pipeline).
    pub(super) by_family: bool,
}

impl CameraRig {
    pub(super) fn view_setup(
        &self,
        cam: &CameraInfo,
        kind: ViewKind,
        snapshot: &FrameSnapshot,
    ) -> ViewSetup {
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
        let shadow_px = shadow_map_px(cam.intrinsics.width, cam.intrinsics.height);
        let mut u = ViewUniform {
            clip_from_world: clip.as_mat4().to_cols_array_2d(),
            world_from_clip: clip.inverse().as_mat4().to_cols_array_2d(),
            camera_position: world_from_camera
                .translation
                .as_vec3()
                .extend(1.0)
                .to_array(),
            // w: the frame's time, for the clouds' drift
            camera_forward: forward.as_vec3().extend(snapshot.time_s as f32).to_array(),
            sun_direction: v4(l.sun_direction, l.sun_intensity),
            // w of each: the clouds' drift, world x and z, m/s
            sun_color: v4(l.sun_color, l.cloud_wind_mps[0]),
            ambient_color: v4(l.ambient_color, l.cloud_wind_mps[2]),
            fog: v4(l.fog_color, l.fog_extinction_per_m),
            light_count: [0; 4],
            light_position: [[0.0; 4]; MAX_LIGHTS],
            light_color: [[0.0; 4]; MAX_LIGHTS],
            light_direction: [[0.0; 4]; MAX_LIGHTS],
            light_shield: [[0.0; 4]; MAX_LIGHTS],
            weather: [
                l.road_wetness,
                cam.intrinsics.width as f32,
                cam.intrinsics.height as f32,
                l.snow_cover,
            ],
            sun_from_world: Mat4::IDENTITY.to_cols_array_2d(),
            look: [
                0.0,
                1.0 / shadow_px as f32,
                crate::core::shadow::SHADOW_DISTANCE_M as f32,
                l.cloud_cover,
            ],
            caster_center: [[0.0; 4]; MAX_CASTERS],
            caster_forward: [[0.0; 4]; MAX_CASTERS],
            caster_half: [[0.0; 4]; MAX_CASTERS],
            caster_tiles: [[0; 4]; crate::core::shadow::CONTACT_TILES / 4],
        };
        // the sun's shadow map, fitted to this view's first 70 m
        let sun = glam::DVec3::from_array(l.sun_direction.map(f64::from));
        let mut shadowed = None;
        if l.shadows && l.sun_intensity > 0.0 && sun.y > 0.01 {
            let world_from_cv = crate::core::frames::cv_from_world(&world_from_camera).inverse();
            let corners = crate::core::shadow::frustum_corners(
                &world_from_cv,
                &cam.intrinsics,
                crate::core::camera::NEAR_M,
                crate::core::shadow::SHADOW_DISTANCE_M,
            );
            let m = crate::core::shadow::sun_from_world(&corners, sun, shadow_px);
            u.sun_from_world = m.as_mat4().to_cols_array_2d();
            u.look[0] = 1.0;
            shadowed = Some(crate::core::shadow::ShadowedSlice::new(&corners, sun));
        }
        if l.shadows {
            set_contact_casters(&mut u, &clip, cam, snapshot, world_from_camera.translation);
        }
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
            u.light_shield[i] = match lamp.cut_off {
                Some(c) => c.towards.as_vec3().extend(c.edge).to_array(),
                None => [0.0; 4],
            };
            u.light_count[0] = i as u32 + 1;
        }
        ViewSetup {
            uniform: u,
            shadowed,
            by_family: self.specialised && specialises(kind, l),
        }
    }

    /// Upload this frame's instances for every pass of every view: static
    /// meshes first (drawn by every pass), then per pass the instances that
    /// can reach its view (frustum-culled by bounding sphere), grouped by
    /// primitive, and in a view with shader variants by material family:
    /// one instanced draw per group.
    pub(super) fn upload_instances(
        &mut self,
        snapshot: &FrameSnapshot,
        views: &[ViewSetup],
    ) -> Vec<ViewPasses> {
        let all: Vec<(InstanceRaw, (Primitive, MaterialFamily), glam::Vec3, f32)> = snapshot
            .instances
            .iter()
            .map(|i: &DrawInstance| {
                let (c, r) = crate::core::frustum::unit_primitive_sphere(&i.model);
                let raw = InstanceRaw::new(i);
                let family = family_of(i.class_id, self.specialised);
                (raw, (i.primitive, family), c, r)
            })
            .collect();
        let mut raws: Vec<InstanceRaw> = self.static_draws.iter().map(|d| d.raw).collect();
        let ranges = &self.primitive_ranges;
        // `keep`: whether a pass draws an instance, by its bounding sphere;
        // `by_family`: one group per primitive and family, else per
        // primitive. One stable sort by that key: groups in the order of
        // `Primitive::ALL` and of the families, instances in snapshot order
        // within each.
        let groups_in = |keep: &dyn Fn(glam::Vec3, f32) -> bool,
                         by_family: bool,
                         raws: &mut Vec<InstanceRaw>| {
            let mut kept: Vec<((Primitive, MaterialFamily), InstanceRaw)> = (all.iter())
                .filter(|(.., c, r)| keep(*c, *r))
                .map(|(raw, (p, f), ..)| {
                    let family = if by_family { *f } else { MaterialFamily::Every };
                    ((*p, family), *raw)
                })
                .collect();
            kept.sort_by_key(|(key, _)| *key);
            let mut groups: Groups = Vec::new();
            for run in kept.chunk_by(|a, b| a.0 == b.0) {
                let ((p, f), _) = run[0];
                let start = raws.len() as u32;
                raws.extend(run.iter().map(|(_, raw)| *raw));
                groups.push((f, ranges[&p], start..raws.len() as u32));
            }
            groups
        };
        let in_frustum = |clip: [[f32; 4]; 4]| {
            let planes = crate::core::frustum::planes(&Mat4::from_cols_array_2d(&clip));
            move |c: glam::Vec3, r: f32| crate::core::frustum::sphere_visible(&planes, c, r)
        };
        let passes = views
            .iter()
            .map(|v| {
                let scene = groups_in(
                    &in_frustum(v.uniform.clip_from_world),
                    v.by_family,
                    &mut raws,
                );
                // the sun's map: what is in it and can shade this view
                let shadow = v.shadowed.as_ref().map(|slice| {
                    let in_map = in_frustum(v.uniform.sun_from_world);
                    let casts = |c, r| in_map(c, r) && slice.may_be_shaded_by(c, r);
                    groups_in(&casts, false, &mut raws)
                });
                ViewPasses { scene, shadow }
            })
            .collect();
        if raws.len() > self.instance_capacity {
            self.instance_capacity = raws.len().next_power_of_two();
            self.instance_buffer =
                Self::make_instance_buffer(&self.gpu.device, self.instance_capacity);
        }
        self.gpu
            .queue
            .write_buffer(&self.instance_buffer, 0, bytemuck::cast_slice(&raws));
        passes
    }

    /// The sun's shadow pass of a colour view: the scene's depth seen from
    /// the sun, fitted to this view (`uniform.sun_from_world`).
    pub(super) fn draw_shadow_map(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        shadow: &ShadowTarget,
        uniform: &ViewUniform,
        groups: &Groups,
    ) {
        let Some(pipeline) = &self.shadow_pipeline else {
            return;
        };
        let mut sun_view = *uniform;
        sun_view.clip_from_world = uniform.sun_from_world;
        self.gpu
            .queue
            .write_buffer(&shadow.uniform, 0, bytemuck::bytes_of(&sun_view));
        let map_view = shadow.map.create_view(&Default::default());
        // the sun's map: nearest the sun smallest, cleared to the farthest
        self.draw_depth_only(
            encoder,
            (&map_view, 1.0),
            pipeline,
            &shadow.pass_bind,
            Statics::Casters,
            groups,
        );
    }

    /// A depth-only pass (`DepthOnly`): `groups` and `statics` drawn with
    /// `pipeline` and the view uniform in `bind` into `depth`'s target,
    /// cleared to its value first.
    pub(super) fn draw_depth_only(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        (depth, clear): (&wgpu::TextureView, f32),
        pipeline: &wgpu::RenderPipeline,
        bind: &wgpu::BindGroup,
        statics: Statics,
        groups: &Groups,
    ) {
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("depth only"),
            color_attachments: &[],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: depth,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(clear),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            timestamp_writes: None,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(pipeline);
        pass.set_bind_group(0, bind, &[]);
        self.draw_scene(&mut pass, statics, groups, None);
    }
}

/// The labeled objects nearest the camera at `eye` whose contact shadow
/// can be in its view (`clip`: its clip_from_world) shade the ground under
/// them: their boxes into `u`, and the screen tiles each can reach.
fn set_contact_casters(
    u: &mut ViewUniform,
    clip: &glam::DMat4,
    cam: &CameraInfo,
    snapshot: &FrameSnapshot,
    eye: glam::DVec3,
) {
    let planes = crate::core::frustum::planes(&clip.as_mat4());
    let mut boxes: Vec<(&crate::core::boxes::Box3, f64)> = snapshot
        .objects
        .iter()
        .map(|o| (&o.box3, crate::core::shadow::contact_reach_m(&o.box3)))
        .filter(|(b, reach)| {
            let radius = reach.hypot(b.height_m / 2.0) as f32;
            crate::core::frustum::sphere_visible(&planes, b.center.as_vec3(), radius)
        })
        .collect();
    boxes.sort_by(|(a, _), (b, _)| {
        a.center
            .distance_squared(eye)
            .total_cmp(&b.center.distance_squared(eye))
    });
    boxes.truncate(MAX_CASTERS);
    let reaches: Vec<(glam::DVec3, f64)> = boxes.iter().map(|(b, r)| (b.center, *r)).collect();
    let tiles = crate::core::shadow::contact_tiles(
        clip,
        cam.intrinsics.width,
        cam.intrinsics.height,
        &reaches,
    );
    for (row, four) in u.caster_tiles.iter_mut().zip(tiles.chunks(4)) {
        row.copy_from_slice(four);
    }
    for (i, (b, reach)) in boxes.into_iter().enumerate() {
        let falloff = crate::core::shadow::contact_falloff_m(b) as f32;
        u.caster_center[i] = b.center.as_vec3().extend(falloff).to_array();
        u.caster_forward[i] = b.forward().as_vec3().extend(0.0).to_array();
        u.caster_half[i] = [
            b.length_m as f32 / 2.0,
            b.height_m as f32 / 2.0,
            b.width_m as f32 / 2.0,
            reach as f32,
        ];
    }
}
