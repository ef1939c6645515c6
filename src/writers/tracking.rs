//! Tracking ground truth (`Format::Tracking`), one sequence per camera:
//! MOTChallenge (`tracking/mot/<camera>/{gt/gt.txt,seqinfo.ini,img1/}`) and
//! KITTI-tracking (`tracking/kitti/training/{label_02,image_02,calib,oxts}`,
//! sequence number = camera index), each with the sequence list TrackEval
//! reads (`tracking/mot/seqmaps/MOT17-train.txt`,
//! `tracking/kitti/training/evaluate_tracking.seqmap.training`), so its
//! GT folder can point at either as it is. The label files are joined at
//! the end of the run from the canonical labels, streamed, one frame at a
//! time.

use super::*;
use crate::core::tracking;

/// Per frame: each camera's image, linked to its rgb file under both
/// layouts' names (MOT numbers frames from 1).
pub(super) fn write_images(l: &Layout, f: &CameraFrame, sums: &mut Vec<String>) -> Result<()> {
    if !l.output.formats.contains(&Format::Tracking) {
        return Ok(());
    }
    let cam = &l.cameras[f.index].name;
    let frame = f.job.labels.frame;
    // MOT takes the rgb file's format (its seqinfo names it); KITTI
    // tracking's readers expect PNG
    let ext = f.image_format.extension();
    f.place_rgb(
        l,
        format!("tracking/mot/{cam}/img1/{:06}.{ext}", frame + 1),
        sums,
    )?;
    f.place_png(
        l,
        format!(
            "tracking/kitti/training/image_02/{:04}/{}.png",
            f.index, f.name
        ),
        sums,
    )
}

/// The sequences' label files and seqinfo.ini, from frames 0..frames.
pub(super) fn write_files(
    root: &Path,
    frames: u64,
    (cameras, image_format): (&[CameraInfo], ImageFormat),
    lidars: &[LidarInfo],
) -> Result<()> {
    let mut mot = Vec::new();
    let mut kitti_tracking = Vec::new();
    // one ego: every sequence's oxts is the same, the first written once
    // and linked for the others
    let mut oxts = StagedFile::create(root, "tracking/kitti/training/oxts/0000.txt")?;
    for (i, cam) in cameras.iter().enumerate() {
        write_atomic(
            root,
            &format!("tracking/kitti/training/calib/{i:04}.txt"),
            super::kitti_calib_text(cam, lidars).as_bytes(),
        )?;
        mot.push(StagedFile::create(
            root,
            &format!("tracking/mot/{}/gt/gt.txt", cam.name),
        )?);
        kitti_tracking.push(StagedFile::create(
            root,
            &format!("tracking/kitti/training/label_02/{i:04}.txt"),
        )?);
    }
    let mut times = Vec::new();
    for f in 0..frames {
        let labels = read_frame_labels(root, f)?;
        if times.len() < 2 {
            times.push(labels.time_s);
        }
        oxts.out
            .write_all(tracking::oxts_line(&labels.ego).as_bytes())?;
        for (i, cam) in labels.cameras.iter().enumerate() {
            mot[i]
                .out
                .write_all(tracking::mot_lines(labels.frame, &cam.objects).as_bytes())?;
            kitti_tracking[i]
                .out
                .write_all(tracking::kitti_tracking_lines(labels.frame, &cam.objects).as_bytes())?;
        }
    }
    for s in mot.into_iter().chain(kitti_tracking) {
        s.publish()?;
    }
    oxts.publish()?;
    let first = root.join("tracking/kitti/training/oxts/0000.txt");
    for i in 1..cameras.len() {
        let text = std::fs::read(&first)?;
        write_atomic(
            root,
            &format!("tracking/kitti/training/oxts/{i:04}.txt"),
            &text,
        )?;
    }
    let fps = match times[..] {
        [t0, t1] if t1 > t0 => 1.0 / (t1 - t0),
        _ => 10.0,
    };
    write_atomic(
        root,
        "tracking/mot/seqmaps/MOT17-train.txt",
        tracking::mot_seqmap(cameras.iter().map(|c| c.name.as_str())).as_bytes(),
    )?;
    write_atomic(
        root,
        "tracking/kitti/training/evaluate_tracking.seqmap.training",
        tracking::kitti_seqmap(cameras.len(), frames).as_bytes(),
    )?;
    for cam in cameras {
        let (w, h) = (cam.intrinsics.width, cam.intrinsics.height);
        // img1 holds the rgb files, in their format
        let ext = format!(".{}", image_format.extension());
        let ini = tracking::seqinfo(&cam.name, frames, fps, (w, h), &ext);
        write_atomic(
            root,
            &format!("tracking/mot/{}/seqinfo.ini", cam.name),
            ini.as_bytes(),
        )?;
    }
    Ok(())
}
