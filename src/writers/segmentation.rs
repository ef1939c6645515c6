//! Segmentation layouts: COCO panoptic (`Format::Panoptic`) and Cityscapes
//! (`Format::Cityscapes`), from each camera's label image.

use super::*;
use crate::core::{cityscapes, panoptic};

/// Per-frame sidecars of the panoptic segments, joined into
/// coco/panoptic.json at the end of the run and removed.
const SEGMENTS_DIR: &str = "coco/panoptic_segments";

/// Panoptic PNG and the image's segments (sidecar).
pub(super) fn write_panoptic(l: &Layout, f: &CameraFrame, sums: &mut Vec<String>) -> Result<()> {
    if !l.output.formats.contains(&Format::Panoptic) {
        return Ok(());
    }
    let img = f.image;
    let cam = &l.cameras[f.index].name;
    let png = encode::rgb8_png(img.width, img.height, &panoptic::rgb(img.labels()));
    l.write(format!("coco/panoptic/{cam}_{}.png", f.name), &png, sums)?;
    let segments = serde_json::to_vec(&panoptic::segments(img.labels(), img.width))?;
    write_atomic(
        &l.root,
        &format!("{SEGMENTS_DIR}/{}_{}.json", f.name, f.index),
        &segments,
    )?;
    Ok(())
}

/// coco/panoptic.json from the sidecars of the images delivered; the sidecars
/// are removed.
pub(super) fn finish_panoptic(
    root: &Path,
    (cameras, image_format): (&[CameraInfo], ImageFormat),
    index: &super::run_index::RunIndex,
) -> Result<()> {
    let tmp = root.join("coco/.panoptic.json.tmp");
    let mut out = BufWriter::new(
        fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
    );
    let info = serde_json::json!({"description": "Edgecase synthetic dataset, COCO panoptic", "version": env!("CARGO_PKG_VERSION")});
    write!(
        out,
        "{{\"info\": {info},\n\"licenses\": [],\n\"categories\": {},\n\"images\": [\n",
        serde_json::to_string(&panoptic::categories())?
    )?;
    let n = cameras.len();
    // the images the cameras delivered (none of a dropped frame)
    let delivered = index.delivered_images();
    let each = || delivered.iter().map(|&(f, i)| (f, i, &cameras[i]));
    for (k, (f, i, cam)) in each().enumerate() {
        let image = CocoImage {
            id: coco::image_id(f, i, n),
            width: cam.intrinsics.width,
            height: cam.intrinsics.height,
            file_name: rgb_path(&cam.name, f, image_format.extension()),
            frame: f,
            camera: cam.name.clone(),
        };
        let sep = if k > 0 { ",\n" } else { "" };
        write!(out, "{sep}{}", serde_json::to_string(&image)?)?;
    }
    out.write_all(b"\n],\n\"annotations\": [\n")?;
    for (k, (f, i, cam)) in each().enumerate() {
        let sidecar = root.join(format!("{SEGMENTS_DIR}/{}_{i}.json", frame_name(f)));
        let segments: Vec<panoptic::Segment> = serde_json::from_slice(&fs::read(&sidecar)?)
            .with_context(|| format!("reading {}", sidecar.display()))?;
        let annotation = serde_json::json!({
            "image_id": coco::image_id(f, i, n),
            "file_name": format!("{}_{}.png", cam.name, frame_name(f)),
            "segments_info": segments,
        });
        let sep = if k > 0 { ",\n" } else { "" };
        write!(out, "{sep}{annotation}")?;
    }
    out.write_all(b"\n]}\n")?;
    out.into_inner()
        .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?
        .sync_all()?;
    fs::rename(&tmp, root.join("coco/panoptic.json"))
        .with_context(|| format!("renaming {}", tmp.display()))?;
    fs::remove_dir_all(root.join(SEGMENTS_DIR))?;
    Ok(())
}

/// Cityscapes: the image (linked to the rgb file) and gtFine's labelIds,
/// instanceIds, color and polygons, in the run's split, the camera as the
/// "city".
pub(super) fn write_cityscapes(l: &Layout, f: &CameraFrame, sums: &mut Vec<String>) -> Result<()> {
    if !l.output.formats.contains(&Format::Cityscapes) {
        return Ok(());
    }
    let img = f.image;
    let (w, h) = (img.width, img.height);
    let labels = img.labels();
    let (city, stem) = cityscapes::file_stem(&l.cameras[f.index].name, f.job.labels.frame);
    let split = l.split;
    let image = format!("cityscapes/leftImg8bit/{split}/{city}/{stem}_leftImg8bit.png");
    f.place_png(l, image, sums)?;
    let gt = format!("cityscapes/gtFine/{split}/{city}/{stem}_gtFine");
    let label_ids: Vec<u8> = labels
        .iter()
        .map(|&v| cityscapes::label_id(crate::core::classes::split_label_value(v as u32).0 as u8))
        .collect();
    l.write(
        format!("{gt}_labelIds.png"),
        &encode::gray8_png(w, h, &label_ids),
        sums,
    )?;
    let instance_ids: Vec<u16> = labels
        .iter()
        .map(|&v| cityscapes::instance_value(v))
        .collect();
    l.write(
        format!("{gt}_instanceIds.png"),
        &encode::instance_png(w, h, &instance_ids),
        sums,
    )?;
    let color: Vec<u8> = label_ids
        .iter()
        .flat_map(|&id| cityscapes::name_and_color(id).1)
        .collect();
    l.write(
        format!("{gt}_color.png"),
        &encode::rgb8_png(w, h, &color),
        sums,
    )?;
    let objects = &f.job.labels.cameras[f.index].objects;
    let polygons = cityscapes::polygons_json(labels, w, h, objects);
    l.write(format!("{gt}_polygons.json"), polygons.as_bytes(), sums)?;
    Ok(())
}
