//! Validation of the output section (see `validate`): the formats asked
//! for and the files and sensors each one needs, so a run `--check`
//! accepts never writes a dataset whose files point at nothing.

use super::locate::{Step, field, item};
use super::validate::Invalid;
use super::{Format, Output, Scenario};

/// The output: the default folder's name, the formats and what each needs.
pub(super) fn check_output(s: &Scenario) -> Result<(), Invalid> {
    let fail = |steps: Vec<Step<'static>>, msg: String| Err((steps, msg));
    if let Err(why) = folder_name(&s.name) {
        return fail(
            vec![field("name")],
            format!(
                "name {:?} names the default output folder out/<name>: {why}",
                s.name
            ),
        );
    }
    // flow is computed from each frame's depth and instance images
    if s.output.formats.contains(&Format::Flow) && (!s.output.instance || s.output.depth.is_empty())
    {
        return fail(
            vec![field("output"), field("formats")],
            "the Flow format needs the instance images and a depth format (set output.instance: true and output.depth: [Png16] or [Npy32])".into(),
        );
    }
    // COCO's and COCO panoptic's `images` are the rgb files themselves
    // (cameras/<name>/rgb/): without them those files point at nothing
    if !s.output.rgb
        && let Some(f) = [Format::Coco, Format::Panoptic]
            .into_iter()
            .find(|f| s.output.formats.contains(f))
    {
        return fail(
            vec![field("output"), field("rgb")],
            format!(
                "the {f:?} format lists the rgb files (cameras/<name>/rgb/) as its images: set output.rgb: true, or leave {f:?} out of output.formats"
            ),
        );
    }
    if !s.output.rgb
        && let Some(i) = s.sensors.cameras.iter().position(|c| c.effects.clean_twin)
    {
        return fail(
            vec![
                field("sensors"),
                item("cameras", i),
                field("effects"),
                field("clean_twin"),
            ],
            "the clean twin is written beside the rgb files (cameras/<name>/rgb_clean/): it needs output.rgb (on by default)".into(),
        );
    }
    if s.output.formats.contains(&Format::Yolo) {
        let min = crate::core::yolo::MIN_IMAGE_SIDE_PX;
        if let Some((i, c)) =
            (s.sensors.cameras.iter().enumerate()).find(|(_, c)| c.width < min || c.height < min)
        {
            let side = if c.width < min { "width" } else { "height" };
            return fail(
                vec![field("sensors"), item("cameras", i), field(side)],
                format!(
                    "the Yolo format: Ultralytics skips images under {min} pixels on a side as corrupt, and camera {:?} is {}x{} (make it at least {min}x{min}, or leave Yolo out of output.formats)",
                    c.name, c.width, c.height
                ),
            );
        }
    }
    if s.output.formats.contains(&Format::Kitti)
        && !s
            .sensors
            .cameras
            .iter()
            .any(|c| c.name == s.output.kitti_camera)
    {
        // a defaulted kitti_camera has no text to point at: blame the cameras
        let steps = if s.output.kitti_camera == Output::default().kitti_camera {
            vec![field("sensors"), field("cameras")]
        } else {
            vec![field("output"), field("kitti_camera")]
        };
        return fail(
            steps,
            format!(
                "kitti_camera {:?} names no camera in sensors.cameras (name a camera {:?} or set output.kitti_camera)",
                s.output.kitti_camera, s.output.kitti_camera
            ),
        );
    }
    Ok(())
}

/// Longest scenario name, bytes (it names a folder, and sweeps add
/// `-NNNNN`; file systems take 255).
pub const MAX_SCENARIO_NAME: usize = 200;

/// Whether `name` is one folder's name: a run writes `out/<name>`, and
/// `--overwrite` replaces it, so `../x`, `/abs`, `.` or an empty name
/// would write (or clear) somewhere else.
fn folder_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name == "." || name == ".." {
        return Err("it must be a folder name, not empty, `.` or `..`".into());
    }
    if name.len() > MAX_SCENARIO_NAME {
        return Err(format!("at most {MAX_SCENARIO_NAME} bytes"));
    }
    if let Some(c) = name
        .chars()
        .find(|c| matches!(c, '/' | '\\') || c.is_control())
    {
        return Err(format!("it must be one folder name, without {c:?}"));
    }
    Ok(())
}
