//! A LiDAR point and the files a sweep is written as: KITTI velodyne .bin,
//! SemanticKITTI .label and PCD.

/// One return.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LidarPoint {
    /// Sensor frame, metres: at the frame time (motion-compensated) or at
    /// the point's firing time (see `LidarSpec::motion_compensated`).
    pub position: [f32; 3],
    pub range_m: f32,
    /// 0..1.
    pub intensity: f32,
    pub ring: u16,
    /// Firing time relative to the frame time, seconds (negative: before).
    pub time_s: f32,
    pub class_id: u16,
    /// The same 32-bit instance id as the camera masks and boxes (0 = none).
    pub instance_id: u32,
}

/// KITTI velodyne .bin: little-endian float32 x y z reflectance per point.
pub fn kitti_bin(points: &[LidarPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 16);
    for p in points {
        for v in [p.position[0], p.position[1], p.position[2], p.intensity] {
            out.extend_from_slice(&v.to_le_bytes());
        }
    }
    out
}

/// SemanticKITTI .label: one uint32 per point, semantic & 0xFFFF | instance << 16.
/// Our instance ids (class_id*1000 + k) fit the upper 16 bits.
pub fn semantic_kitti_label(points: &[LidarPoint]) -> Vec<u8> {
    let mut out = Vec::with_capacity(points.len() * 4);
    for p in points {
        let v = (p.class_id as u32 & 0xFFFF) | ((p.instance_id & 0xFFFF) << 16);
        out.extend_from_slice(&v.to_le_bytes());
    }
    out
}

/// PCD v0.7, binary: x y z intensity (f32), ring (u16), time (f32), label (u16), instance (u32).
pub fn pcd(points: &[LidarPoint]) -> Vec<u8> {
    let n = points.len();
    let header = format!(
        "# .PCD v0.7 - Point Cloud Data file format\nVERSION .7\nFIELDS x y z intensity ring time label instance\n\
         SIZE 4 4 4 4 2 4 2 4\nTYPE F F F F U F U U\nCOUNT 1 1 1 1 1 1 1 1\nWIDTH {n}\nHEIGHT 1\n\
         VIEWPOINT 0 0 0 1 0 0 0\nPOINTS {n}\nDATA binary\n"
    );
    let mut out = header.into_bytes();
    for p in points {
        for v in [p.position[0], p.position[1], p.position[2], p.intensity] {
            out.extend_from_slice(&v.to_le_bytes());
        }
        out.extend_from_slice(&p.ring.to_le_bytes());
        out.extend_from_slice(&p.time_s.to_le_bytes());
        out.extend_from_slice(&p.class_id.to_le_bytes());
        out.extend_from_slice(&p.instance_id.to_le_bytes());
    }
    out
}
