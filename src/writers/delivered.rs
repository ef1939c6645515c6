//! A camera frame as the camera delivers it, what `rgb/` holds: a blacked
//! out or saturated image while such a failure lasts; otherwise the
//! scene's motion over the shutter, dirt on the lens, auto-exposure's gain
//! of the frame, then the optics' and sensor's effects. The writers and
//! the editor's sensor view share it, so the editor shows what is written.
//! (A frozen camera repeats an earlier delivered image: its caller keeps
//! that.)

use crate::core::contamination::LensLayer;
use crate::core::failures::FailureKind;
use crate::core::record::FrameLabels;
use crate::snapshot::CameraInfo;
use crate::snapshot::image::CameraImage;
use std::borrow::Cow;

/// This frame's dirt on a camera's lens (the layer the labels counted).
pub fn lens_dirt(info: &CameraInfo, img: &CameraImage, time_s: f64) -> Option<LensLayer> {
    info.contamination
        .as_ref()
        .map(|d| d.layer(img.width, img.height, &info.name, time_s))
}

/// The failure of the image itself in effect on camera `index` this frame
/// (blackout, saturation, frozen), if any.
pub fn image_failure(labels: &FrameLabels, index: usize) -> Option<FailureKind> {
    let name = &labels.cameras.get(index)?.camera;
    labels
        .failures
        .iter()
        .find(|f| &f.sensor == name && f.kind.is_camera())
        .map(|f| f.kind.clone())
}

/// The earlier frame whose image camera `index` repeats this frame (a
/// frozen camera after its window's first frame), if any.
pub fn frozen_since(labels: &FrameLabels, index: usize) -> Option<u64> {
    if image_failure(labels, index) != Some(FailureKind::Frozen) {
        return None;
    }
    let name = &labels.cameras[index].camera;
    let frozen = labels
        .failures
        .iter()
        .find(|f| &f.sensor == name && f.kind == FailureKind::Frozen)?;
    let frame = labels.frame;
    let dt_s = labels.time_s / frame.max(1) as f64;
    let start = frozen.window_start(frame, dt_s);
    (start != frame).then_some(start)
}

/// A camera frame's noise key: the run (any number that tells runs
/// apart), the camera and the frame.
pub fn noise_key(run: u64, camera: usize, frame: u64) -> u64 {
    run ^ (camera as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ frame.wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
}

/// Camera `index`'s RGBA image as delivered (see the module); `noise_key`
/// seeds its sensor noise. A frozen camera's frame comes out as rendered.
pub fn delivered_rgba<'a>(
    labels: &FrameLabels,
    index: usize,
    info: &CameraInfo,
    img: &'a CameraImage,
    dirt: Option<&LensLayer>,
    noise_key: u64,
) -> Cow<'a, [u8]> {
    match image_failure(labels, index) {
        Some(FailureKind::Saturation) => return Cow::Owned(vec![255; img.rgba().len()]),
        Some(FailureKind::Blackout) => return Cow::Owned(vec![0; img.rgba().len()]),
        _ => {}
    }
    let fx = &info.effects;
    let cam = &labels.cameras[index];
    // the scene's motion while the shutter is open, then dirt on the lens,
    // then the optics' and sensor's effects
    let mut rgba = Cow::Borrowed(img.rgba());
    if fx.exposure_ms > 0.0 {
        let streaks = super::exposure::streaks(labels, cam, info, img, fx.exposure_ms / 1000.0);
        rgba = Cow::Owned(crate::core::exposure::motion_blur(
            &rgba, img.width, img.height, &streaks,
        ));
    }
    if let Some(d) = dirt {
        rgba = Cow::Owned(d.apply(&rgba));
    }
    // auto-exposure's gain of this frame (set by whoever runs the frames
    // in order: the batch loop or the editor)
    if let Some(g) = cam.exposure_gain {
        rgba = Cow::Owned(crate::core::exposure::apply_gain(&rgba, g));
    }
    if !fx.is_identity() {
        rgba = Cow::Owned(crate::core::effects::apply(
            &rgba, img.width, img.height, fx, noise_key,
        ));
    }
    rgba
}
