//! The COCO annotations file, built frame by frame on disk (images and
//! annotations streamed to temp files) and joined at the end.

use super::*;

/// A COCO annotations.json assembled as frames are added, with memory flat
/// in the number of frames: image and annotation records go to two
/// temporary files (JSON, one record per line) that `finish` joins into the
/// document, so a 50,000-frame dataset never holds its annotations at once.
pub struct CocoDocument {
    pub(super) dir: PathBuf,
    pub(super) images: BufWriter<fs::File>,
    pub(super) annotations: BufWriter<fs::File>,
    pub(super) image_count: u64,
    pub(super) annotation_count: u64,
}

pub(super) const COCO_IMAGES_TMP: &str = ".annotations.images.tmp";

pub(super) const COCO_ANNOTATIONS_TMP: &str = ".annotations.records.tmp";

impl CocoDocument {
    /// A document to be written as `root/coco/annotations.json`.
    pub fn create(root: &Path) -> Result<CocoDocument> {
        let dir = root.join("coco");
        fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        let open = |name: &str| -> Result<BufWriter<fs::File>> {
            let path = dir.join(name);
            Ok(BufWriter::new(
                fs::File::create(&path).with_context(|| format!("creating {}", path.display()))?,
            ))
        };
        Ok(CocoDocument {
            images: open(COCO_IMAGES_TMP)?,
            annotations: open(COCO_ANNOTATIONS_TMP)?,
            dir,
            image_count: 0,
            annotation_count: 0,
        })
    }

    /// Image and annotation records for frames 0..frames of the dataset at
    /// `dataset`, from its canonical labels, in frame order. Image ids use
    /// frame `frame_offset + f`; file names get `prefix`.
    pub fn add_frames(
        &mut self,
        dataset: &Path,
        frames: u64,
        camera_count: usize,
        frame_offset: u64,
        prefix: &str,
    ) -> Result<()> {
        // records are separated by ",\n" in the document
        fn record(out: &mut BufWriter<fs::File>, count: &mut u64, json: &str) -> Result<()> {
            if *count > 0 {
                out.write_all(b",\n")?;
            }
            out.write_all(json.as_bytes())?;
            *count += 1;
            Ok(())
        }
        for f in 0..frames {
            let labels = read_frame_labels(dataset, f)?;
            for (ci, cam) in labels.cameras.iter().enumerate() {
                // a dropped frame has no image to annotate
                if cam.dropped {
                    continue;
                }
                let image_id = coco::image_id(frame_offset + labels.frame, ci, camera_count);
                let img = CocoImage {
                    id: image_id,
                    width: cam.width,
                    height: cam.height,
                    file_name: format!(
                        "{prefix}{}",
                        rgb_file_name(dataset, &cam.camera, labels.frame)
                    ),
                    frame: labels.frame,
                    camera: cam.camera.clone(),
                };
                record(
                    &mut self.images,
                    &mut self.image_count,
                    &serde_json::to_string(&img)?,
                )?;
                for a in coco::image_annotations(&cam.objects, image_id) {
                    record(
                        &mut self.annotations,
                        &mut self.annotation_count,
                        &serde_json::to_string(&a)?,
                    )?;
                }
            }
        }
        Ok(())
    }

    /// Join the records into `coco/annotations.json` (written atomically),
    /// and remove the temporary files.
    pub fn finish(self) -> Result<()> {
        let CocoDocument {
            dir,
            images,
            annotations,
            ..
        } = self;
        for part in [images, annotations] {
            part.into_inner()
                .map_err(|e| anyhow!("flushing COCO records: {}", e.error()))?
                .sync_all()?;
        }
        let info = serde_json::json!({"description": "Edgecase synthetic dataset", "version": env!("CARGO_PKG_VERSION")});
        let tmp = dir.join(".annotations.json.tmp");
        let mut out = BufWriter::new(
            fs::File::create(&tmp).with_context(|| format!("creating {}", tmp.display()))?,
        );
        write!(
            out,
            "{{\"info\": {info},\n\"licenses\": [],\n\"categories\": {},\n\"images\": [\n",
            serde_json::to_string(&coco::categories())?
        )?;
        std::io::copy(&mut fs::File::open(dir.join(COCO_IMAGES_TMP))?, &mut out)?;
        out.write_all(b"\n],\n\"annotations\": [\n")?;
        std::io::copy(
            &mut fs::File::open(dir.join(COCO_ANNOTATIONS_TMP))?,
            &mut out,
        )?;
        out.write_all(b"\n]}\n")?;
        out.into_inner()
            .map_err(|e| anyhow!("writing {}: {}", tmp.display(), e.error()))?;
        fs::rename(&tmp, dir.join("annotations.json"))
            .with_context(|| format!("renaming {}", tmp.display()))?;
        fs::remove_file(dir.join(COCO_IMAGES_TMP))?;
        fs::remove_file(dir.join(COCO_ANNOTATIONS_TMP))?;
        Ok(())
    }
}
