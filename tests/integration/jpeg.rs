//! `output.image_format: Jpeg`: colour images stored as JPEG files, carried
//! by every format, the labels untouched.

use crate::common::{python_checker, render_cli, repo_path, scenario, temp_dir};
use edgecase::scenario::ImageFormat;
use std::fs;
use std::path::Path;

/// cyclist_door small, with a roof LiDAR, stored as `format`.
fn cyclist(dir: &Path, format: ImageFormat) -> String {
    let src = fs::read_to_string(repo_path("scenarios/hazards/cyclist_door.ron")).unwrap();
    let mut s = scenario(&src);
    for cam in &mut s.sensors.cameras {
        cam.width = 320;
        cam.height = 240;
    }
    s.output.image_format = format;
    let p = dir.join(format!("{}.ron", format.extension()));
    fs::write(&p, edgecase::scenario::to_ron(&s)).unwrap();
    p.to_str().unwrap().to_string()
}

fn is_jpeg(bytes: &[u8]) -> bool {
    bytes.starts_with(&[0xFF, 0xD8, 0xFF])
}

/// The rgb files are JPEGs several times smaller than the PNGs of the
/// same run; COCO, YOLO, nuScenes, MOT and MCAP carry those files (the
/// same bytes); KITTI and Cityscapes get PNGs of exactly the JPEG's
/// decoded pixels; the labels and the label images are byte for byte those
/// of the PNG run; and the readers' checkers pass on it (pycocotools,
/// Ultralytics' checker via supervision, py-motmetrics, the mcap reader,
/// cityscapesscripts).
#[test]
fn jpeg_images_are_carried_by_every_format_and_leave_the_labels_alone() {
    let tmp = temp_dir();
    let all = ["--formats", "all"];
    let png = tmp.path().join("png");
    let jpg = tmp.path().join("jpg");
    for (format, out) in [
        (ImageFormat::Png, &png),
        (ImageFormat::Jpeg { quality: 90 }, &jpg),
    ] {
        let o = render_cli(&cyclist(tmp.path(), format), 6, out, &all);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    }
    let frame = "000003";
    let cam = "front";
    let rgb = fs::read(jpg.join(format!("cameras/{cam}/rgb/{frame}.jpg"))).unwrap();
    assert!(is_jpeg(&rgb));
    assert!(!jpg.join(format!("cameras/{cam}/rgb/{frame}.png")).exists());
    let rgb_png = fs::read(png.join(format!("cameras/{cam}/rgb/{frame}.png"))).unwrap();
    assert!(
        rgb.len() * 3 < rgb_png.len(),
        "{} vs {}",
        rgb.len(),
        rgb_png.len()
    );
    // the same file under the formats that take JPEG
    for rel in [
        format!("yolo/detect/images/train/{cam}_{frame}.jpg"),
        format!("nuscenes/samples/CAM_FRONT/{frame}.jpg"),
        format!("tracking/mot/{cam}/img1/000004.jpg"),
    ] {
        assert_eq!(fs::read(jpg.join(&rel)).unwrap(), rgb, "{rel}");
    }
    // PNGs of the JPEG's pixels where readers expect PNG
    let decoded = edgecase::core::effects::jpeg_decode_rgb(&rgb, 320, 240).unwrap();
    for rel in [
        format!("kitti/training/image_2/{frame}.png"),
        format!("tracking/kitti/training/image_02/0000/{frame}.png"),
    ] {
        let p = image::open(jpg.join(&rel)).unwrap().into_rgb8();
        assert!(p.as_raw() == &decoded, "{rel}: not the JPEG's pixels");
    }
    let text = |d: &Path, rel: &str| fs::read_to_string(d.join(rel)).unwrap();
    assert!(text(&jpg, "coco/annotations.json").contains(&format!("rgb/{frame}.jpg")));
    assert!(text(&jpg, "nuscenes/v1.0-trainval/sample_data.json").contains("\"jpg\""));
    assert!(text(&jpg, &format!("tracking/mot/{cam}/seqinfo.ini")).contains("imExt=.jpg"));
    // labels and label images as the PNG run's
    for rel in [
        format!("labels/{frame}.json"),
        format!("cameras/{cam}/instance/{frame}.png"),
        format!("cameras/{cam}/depth/{frame}.png"),
        format!("kitti/training/label_2/{frame}.txt"),
        format!("yolo/segment/labels/train/{cam}_{frame}.txt"),
    ] {
        assert_eq!(
            fs::read(jpg.join(&rel)).unwrap(),
            fs::read(png.join(&rel)).unwrap(),
            "{rel}"
        );
    }
    for (script, modules) in [
        ("check_coco.py", "pycocotools, numpy, PIL"),
        ("check_yolo.py", "supervision, yaml, numpy, PIL"),
        ("check_tracking.py", "motmetrics, trackeval"),
        ("check_mcap.py", "mcap, google.protobuf"),
        ("check_cityscapes.py", "cityscapesscripts, numpy, PIL"),
    ] {
        python_checker("python3", script, modules, &jpg);
    }
}
