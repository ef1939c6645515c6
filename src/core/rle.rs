//! COCO run-length encoding, bit-compatible with pycocotools: column-major
//! flattening, runs alternating from zeros, and the compressed string form.

use serde::{Deserialize, Serialize};

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rle {
    /// [height, width], as COCO writes it.
    pub size: [u32; 2],
    pub counts: Vec<u32>,
}

/// Accumulates runs; consecutive pushes of the same bit merge.
struct RunBuilder {
    counts: Vec<u32>,
    current: bool,
}

impl RunBuilder {
    fn new() -> Self {
        RunBuilder {
            counts: vec![0],
            current: false,
        }
    }
    fn push(&mut self, bit: bool, len: u32) {
        if len == 0 {
            return;
        }
        if bit != self.current {
            self.counts.push(0);
            self.current = bit;
        }
        *self.counts.last_mut().unwrap() += len;
    }
}

impl Rle {
    /// Encode the pixels where `is_set(x, y)` holds. `bbox` = [x_min, y_min,
    /// x_max, y_max) bounds every set pixel, so only that region is scanned.
    pub fn encode(
        width: u32,
        height: u32,
        bbox: [u32; 4],
        is_set: impl Fn(u32, u32) -> bool,
    ) -> Rle {
        let mut rb = RunBuilder::new();
        rb.push(false, bbox[0] * height);
        for x in bbox[0]..bbox[2] {
            rb.push(false, bbox[1]);
            for y in bbox[1]..bbox[3] {
                rb.push(is_set(x, y), 1);
            }
            rb.push(false, height - bbox[3]);
        }
        rb.push(false, (width - bbox[2]) * height);
        Rle {
            size: [height, width],
            counts: rb.counts,
        }
    }

    /// Encode a row-major boolean mask (test helper and reference path).
    pub fn from_mask(width: u32, height: u32, mask: &[bool]) -> Rle {
        Rle::encode(width, height, [0, 0, width, height], |x, y| {
            mask[(y * width + x) as usize]
        })
    }

    pub fn area(&self) -> u64 {
        self.counts
            .iter()
            .skip(1)
            .step_by(2)
            .map(|&c| c as u64)
            .sum()
    }

    /// pycocotools `toBbox`: [x, y, w, h] of the set pixels.
    pub fn to_bbox(&self) -> [f64; 4] {
        let h = self.size[0] as u64;
        let (mut x0, mut y0, mut x1, mut y1) = (u64::MAX, u64::MAX, 0u64, 0u64);
        let mut pos = 0u64;
        for (i, &c) in self.counts.iter().enumerate() {
            if i % 2 == 1 && c > 0 {
                let (start, end) = (pos, pos + c as u64 - 1);
                let (xs, xe) = (start / h, end / h);
                x0 = x0.min(xs);
                x1 = x1.max(xe);
                if xs == xe {
                    y0 = y0.min(start % h);
                    y1 = y1.max(end % h);
                } else {
                    // the run wraps a column: it spans the full column height
                    y0 = 0;
                    y1 = h - 1;
                }
            }
            pos += c as u64;
        }
        if x0 == u64::MAX {
            return [0.0; 4];
        }
        [
            x0 as f64,
            y0 as f64,
            (x1 - x0 + 1) as f64,
            (y1 - y0 + 1) as f64,
        ]
    }

    /// pycocotools `rleToString`.
    pub fn to_compressed_string(&self) -> String {
        let mut s = String::new();
        let cnts: Vec<i64> = self.counts.iter().map(|&c| c as i64).collect();
        for i in 0..cnts.len() {
            let mut x = cnts[i];
            if i > 2 {
                x -= cnts[i - 2];
            }
            loop {
                let mut c = x & 0x1f;
                x >>= 5;
                let more = if c & 0x10 != 0 { x != -1 } else { x != 0 };
                if more {
                    c |= 0x20;
                }
                s.push((c as u8 + 48) as char);
                if !more {
                    break;
                }
            }
        }
        s
    }

    /// pycocotools `rleFrString`.
    pub fn from_compressed_string(size: [u32; 2], s: &str) -> Option<Rle> {
        let bytes = s.as_bytes();
        let mut counts: Vec<i64> = Vec::new();
        let mut p = 0usize;
        while p < bytes.len() {
            let (mut x, mut k, mut more) = (0i64, 0u32, true);
            while more {
                let c = *bytes.get(p)? as i64 - 48;
                x |= (c & 0x1f) << (5 * k);
                more = c & 0x20 != 0;
                p += 1;
                k += 1;
                if !more && (c & 0x10) != 0 {
                    x |= -1i64 << (5 * k);
                }
            }
            let m = counts.len();
            if m > 2 {
                x += counts[m - 2];
            }
            counts.push(x);
        }
        let counts = counts
            .into_iter()
            .map(|c| u32::try_from(c).ok())
            .collect::<Option<Vec<u32>>>()?;
        Some(Rle { size, counts })
    }

    /// Decode to a row-major boolean mask.
    pub fn decode(&self) -> Vec<bool> {
        let (h, w) = (self.size[0] as usize, self.size[1] as usize);
        let mut mask = vec![false; h * w];
        let mut pos = 0usize;
        for (i, &c) in self.counts.iter().enumerate() {
            if i % 2 == 1 {
                for j in pos..pos + c as usize {
                    let (x, y) = (j / h, j % h);
                    mask[y * w + x] = true;
                }
            }
            pos += c as usize;
        }
        mask
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_pycocotools_on_the_reference_mask() {
        // [[0,1,0,1],[1,0,1,0]] -> counts [1,2,2,2,1], "1220O"
        let mask = [false, true, false, true, true, false, true, false];
        let rle = Rle::from_mask(4, 2, &mask);
        assert_eq!(rle.counts, vec![1, 2, 2, 2, 1]);
        assert_eq!(rle.size, [2, 4]);
        assert_eq!(rle.to_compressed_string(), "1220O");
        assert_eq!(rle.area(), 4);
        assert_eq!(rle.to_bbox(), [0.0, 0.0, 4.0, 2.0]);
    }

    #[test]
    fn first_pixel_set_starts_with_zero_run() {
        let rle = Rle::from_mask(2, 2, &[true, false, false, false]);
        assert_eq!(rle.counts, vec![0, 1, 3]);
        let empty = Rle::from_mask(2, 2, &[false; 4]);
        assert_eq!(empty.counts, vec![4]);
        assert_eq!(empty.area(), 0);
    }

    #[test]
    fn compressed_string_round_trips_large_counts() {
        // runs > 31 and negative deltas exercise the continuation and sign bits
        let w = 37;
        let h = 29;
        let mask: Vec<bool> = (0..w * h)
            .map(|i| (i * 7919 % 13) < 5 || (i > 400 && i < 700))
            .collect();
        let rle = Rle::from_mask(w, h, &mask);
        let s = rle.to_compressed_string();
        let back = Rle::from_compressed_string([h, w], &s).unwrap();
        assert_eq!(back, rle);
        assert_eq!(back.decode(), mask);
    }

    #[test]
    fn bbox_encode_equals_full_scan_and_to_bbox_is_tight() {
        let (w, h) = (10u32, 6u32);
        let set = |x: u32, y: u32| {
            (3..7).contains(&x) && (2..5).contains(&y) && !(x + y).is_multiple_of(3)
        };
        let full = Rle::encode(w, h, [0, 0, w, h], set);
        let boxed = Rle::encode(w, h, [3, 2, 7, 5], set);
        assert_eq!(full, boxed);
        assert_eq!(boxed.to_bbox(), [3.0, 2.0, 4.0, 3.0]);
    }
}
