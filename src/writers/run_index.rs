//! What the files built at the end of a run need to know of every frame
//! besides its objects: which sensors delivered their data (a `Dropped`
//! failure delivers none) and where the ego was. Read from the canonical
//! labels in one pass, so KITTI's ImageSets, COCO panoptic and the nuScenes
//! tables do not each parse every frame's labels again for it.

use super::files::read_frame_labels;
use super::formats::Layout;
use anyhow::Result;

/// One frame's deliveries and ego position.
struct FrameFacts {
    /// Per sensor, cameras then LiDARs in the layout's order.
    delivered: Vec<bool>,
    /// The first LiDAR delivered, or there is none (`FrameLabels::first_lidar_delivered`).
    first_lidar_delivered: bool,
    /// A KITTI object sample (`Layout::kitti_sample`).
    kitti_sample: bool,
    ego_position_m: [f64; 3],
}

pub(super) struct RunIndex {
    cameras: usize,
    frames: Vec<FrameFacts>,
}

impl RunIndex {
    /// The facts of frames 0..frames of the dataset `layout` writes.
    pub(super) fn read(layout: &Layout, frames: u64) -> Result<RunIndex> {
        let sensors: Vec<&str> = layout
            .cameras
            .iter()
            .map(|c| c.name.as_str())
            .chain(layout.lidars.iter().map(|l| l.name.as_str()))
            .collect();
        let frames = (0..frames)
            .map(|f| {
                let labels = read_frame_labels(&layout.root, f)?;
                Ok(FrameFacts {
                    delivered: sensors.iter().map(|s| labels.delivered(s)).collect(),
                    first_lidar_delivered: labels.first_lidar_delivered(),
                    kitti_sample: layout.kitti_sample(&labels),
                    ego_position_m: labels.ego.position_m,
                })
            })
            .collect::<Result<_>>()?;
        Ok(RunIndex {
            cameras: layout.cameras.len(),
            frames,
        })
    }

    /// Whether sensor `k` (cameras, then LiDARs: camera `i` is sensor `i`)
    /// delivered frame `f`.
    pub(super) fn sensor_delivered(&self, f: u64, k: usize) -> bool {
        self.frames[f as usize].delivered[k]
    }

    /// The frames the first LiDAR delivered (all of them without a LiDAR):
    /// nuScenes samples, and KITTI object samples with the KITTI camera.
    pub(super) fn lidar_samples(&self) -> Vec<u64> {
        self.frame_numbers()
            .filter(|&f| self.frames[f as usize].first_lidar_delivered)
            .collect()
    }

    /// KITTI object samples: the KITTI camera and the first LiDAR both
    /// delivered.
    pub(super) fn kitti_samples(&self) -> Vec<u64> {
        self.frame_numbers()
            .filter(|&f| self.frames[f as usize].kitti_sample)
            .collect()
    }

    /// The (frame, camera index) pairs whose camera delivered its image,
    /// frame by frame.
    pub(super) fn delivered_images(&self) -> Vec<(u64, usize)> {
        self.frame_numbers()
            .flat_map(|f| (0..self.cameras).map(move |i| (f, i)))
            .filter(|&(f, i)| self.sensor_delivered(f, i))
            .collect()
    }

    /// The ego's positions (ENU, metres), frame by frame.
    pub(super) fn ego_positions_m(&self) -> impl Iterator<Item = [f64; 3]> + '_ {
        self.frames.iter().map(|f| f.ego_position_m)
    }

    fn frame_numbers(&self) -> impl Iterator<Item = u64> + use<> {
        0..self.frames.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(delivered: &[[bool; 3]]) -> RunIndex {
        RunIndex {
            cameras: 2,
            frames: delivered
                .iter()
                .enumerate()
                .map(|(f, d)| FrameFacts {
                    delivered: d.to_vec(),
                    first_lidar_delivered: d[2],
                    kitti_sample: d[0] && d[2],
                    ego_position_m: [f as f64, 0.0, 0.0],
                })
                .collect(),
        }
    }

    /// Two cameras and a LiDAR: camera 0 drops frame 1, the LiDAR frame 2,
    /// camera 1 frame 3.
    #[test]
    fn samples_and_images_follow_the_deliveries() {
        let t = true;
        let i = index(&[[t, t, t], [false, t, t], [t, t, false], [t, false, t]]);
        assert_eq!(i.lidar_samples(), vec![0, 1, 3]);
        assert_eq!(i.kitti_samples(), vec![0, 3]);
        assert_eq!(
            i.delivered_images(),
            vec![(0, 0), (0, 1), (1, 1), (2, 0), (2, 1), (3, 0)]
        );
        assert!(!i.sensor_delivered(2, 2) && i.sensor_delivered(3, 2));
        assert_eq!(i.ego_positions_m().map(|p| p[0]).sum::<f64>(), 6.0);
    }
}
