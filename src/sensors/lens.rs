//! Cameras with a lens: the rasterizer draws pinhole views only, so each
//! lens camera renders the pinhole views its remap asks for
//! (`core::lens::LensRemap`: one wide view, or cube faces for a fisheye),
//! and after read-back those views become the distorted image: colour
//! bilinear, labels and depth nearest (never blended), before labeling.
//! Every later stage (labels, effects, failures, writers) sees only the
//! distorted image.

use crate::core::camera::Intrinsics;
use crate::core::classes::Class;
use crate::core::frames::{Pose, cv_from_bevy_camera};
use crate::core::lens::LensRemap;
use crate::snapshot::CameraInfo;
use crate::snapshot::image::{CameraImage, OwnedPixels};
use std::sync::Arc;

/// How one camera's image is made from the rendered views.
#[derive(Clone, Debug)]
struct CameraSource {
    /// Index of its first rendered view.
    first_view: usize,
    /// None: a pinhole camera, its one view is the image.
    remap: Option<Arc<LensRemap>>,
}

/// The views a run's cameras render, and how they become the cameras' images.
#[derive(Clone, Debug, Default)]
pub struct LensPlan {
    /// The pinhole views the rig renders for the cameras, in order.
    pub views: Vec<CameraInfo>,
    sources: Vec<CameraSource>,
}

impl LensPlan {
    /// A pinhole camera renders itself; a lens camera its remap's views
    /// (named `<camera>#<i>`, mounted at the camera, turned per view).
    pub fn of(cameras: &[CameraInfo]) -> LensPlan {
        let mut plan = LensPlan::default();
        for cam in cameras {
            let first_view = plan.views.len();
            let k = &cam.intrinsics;
            if k.lens.lens.is_pinhole() {
                plan.views.push(cam.clone());
                plan.sources.push(CameraSource {
                    first_view,
                    remap: None,
                });
                continue;
            }
            let remap = LensRemap::new(k.width, k.height, [k.fx, k.fy, k.cx, k.cy], &k.lens);
            tracing::debug!(
                "camera {} ({:?}) renders {} pinhole views: {:?}",
                cam.name,
                k.lens.lens,
                remap.views.len(),
                remap
                    .views
                    .iter()
                    .map(|v| (v.width, v.height, v.f.round()))
                    .collect::<Vec<_>>()
            );
            // ego_from_view = ego_from_camera (Bevy axes) . bevy_from_cv . turn . cv_from_bevy
            let cv_from_bevy = cv_from_bevy_camera();
            let bevy_from_cv = cv_from_bevy.inverse();
            for (i, v) in remap.views.iter().enumerate() {
                let turn = Pose::new(v.cam_from_view, glam::DVec3::ZERO);
                plan.views.push(CameraInfo {
                    name: format!("{}#{i}", cam.name),
                    intrinsics: Intrinsics {
                        width: v.width,
                        height: v.height,
                        fx: v.f,
                        fy: v.f,
                        cx: v.cx,
                        cy: v.cy,
                        lens: Default::default(),
                    },
                    ego_from_camera: cam
                        .ego_from_camera
                        .mul(&bevy_from_cv)
                        .mul(&turn)
                        .mul(&cv_from_bevy),
                    effects: Default::default(),
                    nominal: None,
                    contamination: None,
                });
            }
            plan.sources.push(CameraSource {
                first_view,
                remap: Some(Arc::new(remap)),
            });
        }
        plan
    }

    /// The cameras' images from the rendered views' (`rendered` holds
    /// exactly `views`' images, in order).
    pub fn camera_images(&self, rendered: Vec<CameraImage>) -> Vec<CameraImage> {
        if self.sources.iter().all(|s| s.remap.is_none()) {
            return rendered;
        }
        self.sources
            .iter()
            .enumerate()
            .map(|(ci, s)| {
                let end = self
                    .sources
                    .get(ci + 1)
                    .map_or(rendered.len(), |n| n.first_view);
                let views = &rendered[s.first_view..end];
                match &s.remap {
                    None => views[0].clone(),
                    Some(remap) => distorted_image(remap, views),
                }
            })
            .collect()
    }
}

/// A lens camera's image from its views' planes; planes a mode does not
/// render (labels and depth in colour-only mode) stay empty.
fn distorted_image(remap: &LensRemap, views: &[CameraImage]) -> CameraImage {
    let rgba: Vec<&[u8]> = views.iter().map(|v| v.rgba()).collect();
    let labels: Vec<&[u16]> = views.iter().map(|v| v.labels()).collect();
    let depth: Vec<&[f32]> = views.iter().map(|v| v.near_over_z()).collect();
    let planes = OwnedPixels {
        rgba: if rgba.iter().any(|p| p.is_empty()) {
            Vec::new()
        } else {
            remap.remap_rgba(&rgba)
        },
        labels: if labels.iter().any(|p| p.is_empty()) {
            Vec::new()
        } else {
            // outside the lens nothing is seen: unlabeled
            remap.remap_labels(&labels, Class::Unlabeled.id() as u16)
        },
        near_over_z: if depth.iter().any(|p| p.is_empty()) {
            Vec::new()
        } else {
            remap.remap_near_over_depth(&depth)
        },
    };
    CameraImage::new(remap.width, remap.height, Arc::new(planes))
}
