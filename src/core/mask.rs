//! Per-instance statistics from the id buffer in one pass: visible pixel
//! count, tight box, the class seen under the instance.

use super::classes::split_label_value;
use std::collections::BTreeMap;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InstanceStats {
    pub instance_id: u32,
    pub class_id: u32,
    pub pixels: u64,
    /// Pixel-edge tight box: x_min, y_min inclusive; x_max, y_max exclusive.
    pub x_min: u32,
    pub y_min: u32,
    pub x_max: u32,
    pub y_max: u32,
}

impl InstanceStats {
    pub fn rect(&self) -> [f64; 4] {
        [
            self.x_min as f64,
            self.y_min as f64,
            self.x_max as f64,
            self.y_max as f64,
        ]
    }
}

/// Pixels compared at once while skipping along a run.
const RUN_LANES: usize = 16;

/// Scan a label buffer (row-major, `width` pixels per row, values as in
/// `classes::label_value`). Ordered by instance id, so output order never
/// depends on hashing.
pub fn instance_stats(labels: &[u16], width: u32) -> BTreeMap<u32, InstanceStats> {
    let mut out: BTreeMap<u32, InstanceStats> = BTreeMap::new();
    for (y, row) in labels.chunks_exact(width as usize).enumerate() {
        let mut x = 0usize;
        while x < row.len() {
            let v = row[x];
            // runs of the same value cost one map lookup
            let start = x;
            x += 1;
            // long runs (road, sky) are skipped a vector's width at a time
            while let Some(chunk) = row[x..].first_chunk::<RUN_LANES>()
                && chunk.iter().fold(0, |diff, &p| diff | (p ^ v)) == 0
            {
                x += RUN_LANES;
            }
            while x < row.len() && row[x] == v {
                x += 1;
            }
            let (class_id, id) = split_label_value(v as u32);
            if id == 0 {
                continue;
            }
            let e = out.entry(id).or_insert(InstanceStats {
                instance_id: id,
                class_id,
                pixels: 0,
                x_min: u32::MAX,
                y_min: u32::MAX,
                x_max: 0,
                y_max: 0,
            });
            e.pixels += (x - start) as u64;
            e.x_min = e.x_min.min(start as u32);
            e.x_max = e.x_max.max(x as u32);
            e.y_min = e.y_min.min(y as u32);
            e.y_max = e.y_max.max(y as u32 + 1);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stats_of_two_instances() {
        // 4x3 image
        let z = 23u16;
        let a = 26001;
        let b = 24001;
        let ids = vec![z, a, a, z, z, a, b, b, z, z, b, z];
        let s = instance_stats(&ids, 4);
        assert_eq!(s.len(), 2);
        let sa = s[&26001];
        assert_eq!(
            (sa.pixels, sa.x_min, sa.y_min, sa.x_max, sa.y_max),
            (3, 1, 0, 3, 2)
        );
        assert_eq!(sa.class_id, 26);
        let sb = s[&24001];
        assert_eq!(
            (sb.pixels, sb.x_min, sb.y_min, sb.x_max, sb.y_max),
            (3, 2, 1, 4, 3)
        );
    }
}
