//! The realistic look's scene shader, specialised: one pipeline per
//! material family and per whether the frame has lamps
//! (shaders/camera.wgsl's pipeline-overridable constants). A software
//! rasteriser runs every branch of a shader for every pixel of a block,
//! masked; a pipeline that holds only its family's code shades its pixels
//! for less, and every variant gives the pixels the whole shader gives.

use super::pipeline::create_pipeline;
use super::{Lighting, ViewKind};
use crate::core::classes::Class;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Which material code of the scene shader a draw needs
/// (`MATERIAL_FAMILY` in shaders/camera.wgsl, same numbers).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum MaterialFamily {
    /// The whole shader: views and looks that are not specialised.
    Every = 0,
    Ground = 1,
    Facade = 2,
    Foliage = 3,
    Vehicle = 4,
    Metal = 5,
    Person = 6,
    /// Classes none of the shader's material branches tests.
    Plain = 7,
}

impl MaterialFamily {
    pub(super) const SPECIALISED: [MaterialFamily; 7] = [
        MaterialFamily::Ground,
        MaterialFamily::Facade,
        MaterialFamily::Foliage,
        MaterialFamily::Vehicle,
        MaterialFamily::Metal,
        MaterialFamily::Person,
        MaterialFamily::Plain,
    ];

    /// The family whose code shades class `class_id`: the classes each of
    /// the shader's branches tests (`surface`, `is_ground`, `takes_water`,
    /// `takes_snow`). A class sorted into the wrong family would lose its
    /// material; tests/integration/look.rs renders every family both ways.
    pub(super) fn of_class(class_id: u32) -> MaterialFamily {
        let is = |c: Class| class_id == c.id() as u32;
        if [
            Class::Road,
            Class::Sidewalk,
            Class::Terrain,
            Class::LaneMarking,
        ]
        .into_iter()
        .any(is)
        {
            MaterialFamily::Ground
        } else if is(Class::Building) {
            MaterialFamily::Facade
        } else if is(Class::Vegetation) {
            MaterialFamily::Foliage
        } else if [Class::Car, Class::Truck, Class::Animal]
            .into_iter()
            .any(is)
        {
            MaterialFamily::Vehicle
        } else if [
            Class::Pole,
            Class::GuardRail,
            Class::TrafficLight,
            Class::TrafficSign,
            Class::Bicycle,
        ]
        .into_iter()
        .any(is)
        {
            MaterialFamily::Metal
        } else if [Class::Person, Class::Rider].into_iter().any(is) {
            MaterialFamily::Person
        } else {
            MaterialFamily::Plain
        }
    }
}

/// The family a draw of class `class_id` sorts into: its own in a rig
/// whose colour views are `specialised`, else `Every`.
pub(super) fn family_of(class_id: u32, specialised: bool) -> MaterialFamily {
    if specialised {
        MaterialFamily::of_class(class_id)
    } else {
        MaterialFamily::Every
    }
}

/// One scene pipeline's code: its family, and whether it runs the lamps'
/// loop (a frame without lamps skips it; the loop would otherwise run
/// once for every pixel).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct ShaderVariant {
    pub(super) family: MaterialFamily,
    pub(super) lamps: bool,
}

impl ShaderVariant {
    /// The whole shader.
    pub(super) const WHOLE: ShaderVariant = ShaderVariant {
        family: MaterialFamily::Every,
        lamps: true,
    };

    /// Every variant a specialised view may draw with.
    pub(super) fn specialised() -> impl Iterator<Item = ShaderVariant> {
        MaterialFamily::SPECIALISED.into_iter().flat_map(|family| {
            [false, true]
                .into_iter()
                .map(move |lamps| ShaderVariant { family, lamps })
        })
    }

    /// The overridable constants' values (`clouds`: the sky has clouds,
    /// whose shadows the shader then looks up).
    pub(super) fn constants(self, clouds: bool) -> [(&'static str, f64); 3] {
        [
            ("MATERIAL_FAMILY", self.family as u32 as f64),
            ("LAMPS", flag(self.lamps)),
            clouds_constant(clouds),
        ]
    }
}

/// A boolean pipeline constant's value.
fn flag(b: bool) -> f64 {
    if b { 1.0 } else { 0.0 }
}

/// The `CLOUDS` constant of the scene and sky pipelines: whether the sky
/// has clouds (their noises are compiled in only then).
pub(super) fn clouds_constant(clouds: bool) -> (&'static str, f64) {
    ("CLOUDS", flag(clouds))
}

/// Whether views of `kind` draw with shader variants (colour views of the
/// realistic look).
pub(super) fn specialises(kind: ViewKind, lighting: &Lighting) -> bool {
    lighting.shader_variants
        && kind.has_color()
        && lighting.look == crate::scenario::Look::Realistic
}

/// Every view kind's scene pipelines, each made the first time a draw
/// needs it: a run compiles only the variants it draws (a day never
/// compiles the lamps' ones, a street without people no person's).
pub(super) struct ScenePipelines {
    device: wgpu::Device,
    /// shaders/camera.wgsl, parsed once for the rig (`camera_shader`).
    module: wgpu::ShaderModule,
    /// The view uniform's and the shadow map's bind group layouts.
    layouts: (wgpu::BindGroupLayout, wgpu::BindGroupLayout),
    look: crate::scenario::Look,
    /// The sky has clouds (the shader looks up their shadows).
    clouds: bool,
    made: BTreeMap<(u8, ShaderVariant), OnceLock<wgpu::RenderPipeline>>,
}

impl ScenePipelines {
    pub(super) fn new(
        (device, module): (&wgpu::Device, &wgpu::ShaderModule),
        (layout, shadow_layout): (&wgpu::BindGroupLayout, &wgpu::BindGroupLayout),
        kinds: &[ViewKind],
        lighting: &Lighting,
    ) -> ScenePipelines {
        let mut made = BTreeMap::new();
        for &kind in kinds {
            let variants: Vec<ShaderVariant> = if specialises(kind, lighting) {
                ShaderVariant::specialised().collect()
            } else {
                vec![ShaderVariant::WHOLE]
            };
            for variant in variants {
                made.insert((kind as u8, variant), OnceLock::new());
            }
        }
        ScenePipelines {
            device: device.clone(),
            module: module.clone(),
            layouts: (layout.clone(), shadow_layout.clone()),
            look: lighting.look,
            clouds: lighting.has_clouds(),
            made,
        }
    }

    /// The key of `kind`'s pipeline for `variant` (views that are not
    /// specialised: the whole shader's).
    fn key(&self, kind: ViewKind, variant: ShaderVariant) -> (u8, ShaderVariant) {
        if self.made.contains_key(&(kind as u8, variant)) {
            (kind as u8, variant)
        } else {
            (kind as u8, ShaderVariant::WHOLE)
        }
    }

    /// The pipeline of `kind`'s views for `variant`, made now if it was not.
    pub(super) fn get(&self, kind: ViewKind, variant: ShaderVariant) -> &wgpu::RenderPipeline {
        let key = self.key(kind, variant);
        self.made[&key].get_or_init(|| {
            let layouts = (&self.layouts.0, &self.layouts.1);
            create_pipeline(
                &self.device,
                &self.module,
                layouts,
                kind,
                self.look,
                (key.1, self.clouds),
            )
        })
    }

    fn is_made(&self, kind: ViewKind, variant: ShaderVariant) -> bool {
        self.made[&self.key(kind, variant)].get().is_some()
    }

    /// How many pipelines have been made.
    pub(super) fn made_count(&self) -> usize {
        self.made.values().filter(|p| p.get().is_some()).count()
    }
}

/// Whether a view's scene pass draws with the lamps' variants this frame
/// (a frame without lamps skips their loop).
pub(super) fn draws_lamps(uniform: &super::ViewUniform) -> bool {
    uniform.light_count[0] > 0
}

/// Make the pipelines of `wanted` that any of `devices` lacks, all at once
/// on every core. Making one is CPU work (WGSL to SPIR-V to the driver's
/// compiler, ~25 ms on lavapipe); made one after another by a frame's
/// first draws on each device in turn, a run's first frames would wait
/// for ~14 of them.
pub(super) fn make_pipelines(devices: &[&ScenePipelines], wanted: &[(ViewKind, ShaderVariant)]) {
    // per device, each pipeline once (variants a view does not specialise
    // share the whole shader's)
    let mut keys = std::collections::BTreeSet::new();
    let jobs: Vec<(&ScenePipelines, ViewKind, ShaderVariant)> = (devices.iter().enumerate())
        .flat_map(|(d, p)| {
            wanted
                .iter()
                .map(move |&(kind, variant)| (d, *p, kind, variant))
        })
        .filter(|&(d, p, kind, variant)| {
            !p.is_made(kind, variant) && keys.insert((d, p.key(kind, variant)))
        })
        .map(|(_, p, kind, variant)| (p, kind, variant))
        .collect();
    if jobs.len() < 2 {
        for (p, kind, variant) in jobs {
            p.get(kind, variant);
        }
        return;
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let threads = std::thread::available_parallelism()
        .map_or(1, |n| n.get())
        .min(jobs.len());
    std::thread::scope(|scope| {
        for _ in 0..threads {
            scope.spawn(|| {
                while let Some(&(p, kind, variant)) =
                    jobs.get(next.fetch_add(1, std::sync::atomic::Ordering::Relaxed))
                {
                    p.get(kind, variant);
                }
            });
        }
    });
}

impl super::CameraRig {
    /// The scene pipelines a frame's views draw with: per view, its
    /// static meshes' and its instances' families, with or without lamps.
    pub(super) fn scene_variants(
        &self,
        views: &[super::view::ViewSetup],
        passes: &[super::view::ViewPasses],
    ) -> Vec<(ViewKind, ShaderVariant)> {
        let mut out = Vec::new();
        for ((cam, view), passes) in self.cameras.iter().zip(views).zip(passes) {
            let lamps = draws_lamps(&view.uniform);
            let statics = self.static_draws.iter().map(|d| d.family);
            for family in statics.chain(passes.scene.iter().map(|g| g.0)) {
                let v = (cam.kind, ShaderVariant { family, lamps });
                if !out.contains(&v) {
                    out.push(v);
                }
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_has_one_family_and_the_shader_numbers_them_alike() {
        let shader = super::super::pipeline::SHADER_SOURCE;
        for (family, name) in [
            (MaterialFamily::Ground, "FAMILY_GROUND"),
            (MaterialFamily::Facade, "FAMILY_FACADE"),
            (MaterialFamily::Foliage, "FAMILY_FOLIAGE"),
            (MaterialFamily::Vehicle, "FAMILY_VEHICLE"),
            (MaterialFamily::Metal, "FAMILY_METAL"),
            (MaterialFamily::Person, "FAMILY_PERSON"),
        ] {
            let decl = format!("const {name}: u32 = {}u;", family as u32);
            assert!(shader.contains(&decl), "{decl} not in the shader");
        }
        assert_eq!(
            MaterialFamily::of_class(Class::Road.id() as u32),
            MaterialFamily::Ground
        );
        assert_eq!(
            MaterialFamily::of_class(Class::Bus.id() as u32),
            MaterialFamily::Plain
        );
        assert_eq!(ShaderVariant::specialised().count(), 14);
        assert!(
            ShaderVariant::specialised().all(|v| v.family != MaterialFamily::Every),
            "the whole shader is not a specialisation"
        );
    }
}
