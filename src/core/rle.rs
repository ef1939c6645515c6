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
        if bit != self.current || self.counts.is_empty() {
            self.counts.push(0);
            self.current = bit;
        }
        if let Some(last) = self.counts.last_mut() {
            *last += len;
        }
    }
}

impl Rle {
    /// Encode the pixels where `is_set(x, y)` holds. `bbox` = [x_min, y_min,
    /// x_max, y_max) bounds every set pixel, so only that region is scanned,
    /// in row-major order.
    pub fn encode(
        width: u32,
        height: u32,
        bbox: [u32; 4],
        mut is_set: impl FnMut(u32, u32) -> bool,
    ) -> Rle {
        Rle::encode_rows(width, height, bbox, |y, row| {
            for (x, bit) in (bbox[0]..).zip(row.iter_mut()) {
                *bit = is_set(x, y);
            }
        })
    }

    /// Encode a mask given a row at a time: `fill_row(y, row)` sets every
    /// `row[i]` to whether pixel (x_min + i, y) is set, for each row of
    /// `bbox` = [x_min, y_min, x_max, y_max) from the top, and no pixel
    /// outside `bbox` is set. Row-major reads suit a row-major image; the
    /// column-major runs come from where the mask flips going down each
    /// column, found by comparing each row with the one above it.
    pub fn encode_rows(
        width: u32,
        height: u32,
        bbox: [u32; 4],
        mut fill_row: impl FnMut(u32, &mut [bool]),
    ) -> Rle {
        /// Pixels compared at once where a row equals the one above.
        const LANES: usize = 16;
        let [x0, y0, x1, y1] = bbox;
        let (box_w, box_h) = ((x1 - x0) as usize, (y1 - y0) as usize);
        let (mut above, mut row) = (vec![false; box_w], vec![false; box_w]);
        // (x, y) in the box where a column flips; y = box_h ends a run that
        // reaches the box's bottom
        let mut flips: Vec<(u32, u32)> = Vec::new();
        for y in 0..box_h {
            fill_row(y0 + y as u32, &mut row);
            let mut x = 0;
            while x < box_w {
                if let (Some(a), Some(b)) = (
                    above[x..].first_chunk::<LANES>(),
                    row[x..].first_chunk::<LANES>(),
                ) && a == b
                {
                    x += LANES;
                    continue;
                }
                if above[x] != row[x] {
                    flips.push((x as u32, y as u32));
                }
                x += 1;
            }
            std::mem::swap(&mut above, &mut row);
        }
        flips.extend(
            (0..box_w as u32)
                .filter(|&x| above[x as usize])
                .map(|x| (x, box_h as u32)),
        );
        // column-major order, as the runs are counted: a counting sort by
        // column (each column's flips are already top to bottom)
        let mut column_start = vec![0usize; box_w + 1];
        for &(x, _) in &flips {
            column_start[x as usize + 1] += 1;
        }
        for x in 0..box_w {
            column_start[x + 1] += column_start[x];
        }
        let mut next = column_start.clone();
        let mut flip_rows = vec![0u32; flips.len()];
        for &(x, y) in &flips {
            flip_rows[next[x as usize]] = y;
            next[x as usize] += 1;
        }
        let mut rb = RunBuilder::new();
        let (mut at, mut bit) = (0u64, false);
        for x in 0..box_w {
            for &y in &flip_rows[column_start[x]..column_start[x + 1]] {
                let flip_at = (x0 as u64 + x as u64) * height as u64 + (y0 + y) as u64;
                rb.push(bit, (flip_at - at) as u32);
                (at, bit) = (flip_at, !bit);
            }
        }
        rb.push(false, (width as u64 * height as u64 - at) as u32);
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

    /// Runs counted pixel by pixel down each column, as pycocotools does.
    fn naive_counts(w: u32, h: u32, mask: &[bool]) -> Vec<u32> {
        let mut rb = RunBuilder::new();
        for x in 0..w {
            for y in 0..h {
                rb.push(mask[(y * w + x) as usize], 1);
            }
        }
        rb.counts
    }

    #[test]
    fn row_encoding_matches_column_scan_on_random_masks() {
        let mut rng = crate::core::rng::Stream::new(7, "rle-test", 0);
        for case in 0..300 {
            let (w, h) = (1 + case % 41, 1 + (case * 7) % 23);
            // blobs, stripes and noise, some touching the image's edges
            let density = rng.range(0.0, 1.0);
            let mask: Vec<bool> = (0..w * h)
                .map(|i| {
                    let (x, y) = (i % w, i / w);
                    match case % 3 {
                        0 => rng.range(0.0, 1.0) < density,
                        1 => (x * 3 + y * 5 + case) % 7 < 3,
                        _ => {
                            (x as f64 - w as f64 / 2.0).powi(2)
                                + (y as f64 - h as f64 / 2.0).powi(2)
                                < (w * h) as f64 * density / 3.0
                        }
                    }
                })
                .collect();
            let rle = Rle::from_mask(w, h, &mask);
            assert_eq!(
                rle.counts,
                naive_counts(w, h, &mask),
                "case {case}: {w}x{h}"
            );
            assert_eq!(rle.decode(), mask, "case {case}");
            // any box that holds every set pixel gives the same runs
            let xs = (0..w * h).filter(|&i| mask[i as usize]).map(|i| i % w);
            let ys = (0..w * h).filter(|&i| mask[i as usize]).map(|i| i / w);
            if let (Some(x_min), Some(x_max), Some(y_min), Some(y_max)) =
                (xs.clone().min(), xs.max(), ys.clone().min(), ys.max())
            {
                let tight = Rle::encode(w, h, [x_min, y_min, x_max + 1, y_max + 1], |x, y| {
                    mask[(y * w + x) as usize]
                });
                assert_eq!(tight, rle, "case {case}: tight box");
            }
        }
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
        // the box is visited once, row by row
        let mut visits = Vec::new();
        Rle::encode(w, h, [3, 2, 7, 5], |x, y| {
            visits.push((x, y));
            set(x, y)
        });
        let rows: Vec<(u32, u32)> = (2..5).flat_map(|y| (3..7).map(move |x| (x, y))).collect();
        assert_eq!(visits, rows);
        // an empty box is all zeros
        assert_eq!(Rle::encode(w, h, [4, 3, 4, 3], set).counts, vec![w * h]);
    }
}
