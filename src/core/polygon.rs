//! Outlines of masks as polygons on pixel corners, for the formats that
//! store segments as polygons (YOLO segmentation, Cityscapes): the outline
//! of a set of pixels runs along their outer edges, so filling it (pixel
//! centres inside, even-odd) gives the pixels back. Formats without holes
//! (YOLO) get them joined into one ring through zero-width bridges.

use std::collections::BTreeMap;

/// A closed polygon, vertices in pixel coordinates (pixel (x, y) covers
/// [x, x+1) x [y, y+1)); no vertex repeated at the end.
pub type Polygon = Vec<[u32; 2]>;

/// The outer outlines of the pixels where `inside(x, y)` holds, one per
/// 4-connected part (and one per pinch of a part's boundary), clockwise on
/// the screen (y down), collinear vertices dropped, in a fixed order.
pub fn outer_outlines(width: u32, height: u32, inside: impl Fn(u32, u32) -> bool) -> Vec<Polygon> {
    outlines(width, height, inside)
        .into_iter()
        .filter(|r| signed_area2(r) > 0)
        .collect()
}

/// Every outline of the pixels: outer ones clockwise, holes counter-
/// clockwise (the pixels around a hole stay on the right of its outline).
/// Filled at pixel centres with the even-odd rule, they give the pixels.
pub fn outlines(width: u32, height: u32, inside: impl Fn(u32, u32) -> bool) -> Vec<Polygon> {
    let is_in = |x: i64, y: i64| {
        x >= 0 && y >= 0 && x < width as i64 && y < height as i64 && inside(x as u32, y as u32)
    };
    // directed boundary edges, the pixel on the right when walking along
    // them on the screen: top edges run +x, right +y, bottom -x, left -y
    let mut out_edges: BTreeMap<[u32; 2], Vec<[u32; 2]>> = BTreeMap::new();
    for y in 0..height {
        for x in 0..width {
            if !inside(x, y) {
                continue;
            }
            let (xi, yi) = (x as i64, y as i64);
            let mut edge = |a: [u32; 2], b: [u32; 2]| out_edges.entry(a).or_default().push(b);
            if !is_in(xi, yi - 1) {
                edge([x, y], [x + 1, y]);
            }
            if !is_in(xi + 1, yi) {
                edge([x + 1, y], [x + 1, y + 1]);
            }
            if !is_in(xi, yi + 1) {
                edge([x + 1, y + 1], [x, y + 1]);
            }
            if !is_in(xi - 1, yi) {
                edge([x, y + 1], [x, y]);
            }
        }
    }
    let mut loops = Vec::new();
    while let Some((&start, _)) = out_edges.iter().next() {
        let mut ring = vec![start];
        let mut at = start;
        let mut heading = [0i64, 0];
        // every vertex reached has an exit: each edge in has one out
        while let Some(nexts) = out_edges.get_mut(&at) {
            // at a pinch (two exits), turn right: the pixel on the right stays
            // the same one, so diagonal neighbours stay apart
            let pick = if nexts.len() > 1 {
                (0..nexts.len())
                    .max_by_key(|&i| turn_right_score(heading, at, nexts[i]))
                    .unwrap_or(0)
            } else {
                0
            };
            let next = nexts.swap_remove(pick);
            if nexts.is_empty() {
                out_edges.remove(&at);
            }
            heading = [next[0] as i64 - at[0] as i64, next[1] as i64 - at[1] as i64];
            // (with exits left at the start, it was a pinch: they make
            // another loop)
            if next == start {
                break;
            }
            ring.push(next);
            at = next;
        }
        let ring = drop_collinear(ring);
        if ring.len() >= 4 {
            loops.push(ring);
        }
    }
    loops
}

/// Higher for a sharper right turn from `heading` (y down: right of +x is +y).
fn turn_right_score(heading: [i64; 2], at: [u32; 2], to: [u32; 2]) -> i64 {
    let d = [to[0] as i64 - at[0] as i64, to[1] as i64 - at[1] as i64];
    // cross product on the screen: positive for a right turn
    heading[0] * d[1] - heading[1] * d[0]
}

fn drop_collinear(ring: Vec<[u32; 2]>) -> Polygon {
    let n = ring.len();
    (0..n)
        .filter(|&i| {
            let (a, b, c) = (ring[(i + n - 1) % n], ring[i], ring[(i + 1) % n]);
            let cross = (b[0] as i64 - a[0] as i64) * (c[1] as i64 - b[1] as i64)
                - (b[1] as i64 - a[1] as i64) * (c[0] as i64 - b[0] as i64);
            cross != 0
        })
        .map(|i| ring[i])
        .collect()
}

/// Twice the shoelace area, positive for clockwise on the screen.
pub fn signed_area2(ring: &[[u32; 2]]) -> i64 {
    let n = ring.len();
    (0..n)
        .map(|i| {
            let (a, b) = (ring[i], ring[(i + 1) % n]);
            a[0] as i64 * b[1] as i64 - b[0] as i64 * a[1] as i64
        })
        .sum()
}

/// Several outlines as one ring, the way Ultralytics joins a COCO object's
/// parts: from each ring to the next through their closest vertices and
/// back the same way, so the joins enclose no area.
pub fn join_outlines(mut rings: Vec<Polygon>) -> Polygon {
    if rings.is_empty() {
        return Vec::new();
    }
    let mut joined = rings.remove(0);
    for ring in rings {
        let d2 = |a: [u32; 2], b: [u32; 2]| {
            let (dx, dy) = (a[0] as i64 - b[0] as i64, a[1] as i64 - b[1] as i64);
            dx * dx + dy * dy
        };
        let Some((i, j)) = (0..joined.len())
            .flat_map(|i| (0..ring.len()).map(move |j| (i, j)))
            .min_by_key(|&(i, j)| d2(joined[i], ring[j]))
        else {
            continue;
        };
        // ..., joined[i], ring[j], ring[j+1], ..., ring[j], joined[i], ...
        let mut spliced = joined[..=i].to_vec();
        spliced.extend(ring[j..].iter().chain(&ring[..=j]));
        spliced.extend_from_slice(&joined[i..]);
        joined = spliced;
    }
    joined
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pixels whose centre is inside the ring (even-odd rule).
    fn fill(ring: &[[u32; 2]], width: u32, height: u32) -> Vec<bool> {
        let mut out = vec![false; (width * height) as usize];
        for y in 0..height {
            for x in 0..width {
                let (px, py) = (x as f64 + 0.5, y as f64 + 0.5);
                let mut inside = false;
                for i in 0..ring.len() {
                    let (a, b) = (ring[i], ring[(i + 1) % ring.len()]);
                    let (ax, ay, bx, by) = (a[0] as f64, a[1] as f64, b[0] as f64, b[1] as f64);
                    if (ay > py) != (by > py) && px < ax + (py - ay) * (bx - ax) / (by - ay) {
                        inside = !inside;
                    }
                }
                out[(y * width + x) as usize] = inside;
            }
        }
        out
    }

    fn mask(rows: &[&str]) -> (u32, u32, Vec<bool>) {
        let (w, h) = (rows[0].len() as u32, rows.len() as u32);
        let m = rows
            .iter()
            .flat_map(|r| r.chars().map(|c| c == '#'))
            .collect();
        (w, h, m)
    }

    #[test]
    fn a_rectangle_is_four_corners_clockwise() {
        let (w, h, m) = mask(&["....", ".##.", ".##.", "...."]);
        let rings = outer_outlines(w, h, |x, y| m[(y * w + x) as usize]);
        assert_eq!(rings, vec![vec![[1, 1], [3, 1], [3, 3], [1, 3]]]);
    }

    #[test]
    fn filling_the_outlines_gives_the_pixels_back() {
        let (w, h, m) = mask(&[
            "##....#", "###..##", ".#...#.", ".####..", "......#", "#.#...#",
        ]);
        let rings = outer_outlines(w, h, |x, y| m[(y * w + x) as usize]);
        let mut covered = vec![false; m.len()];
        for r in &rings {
            for (c, f) in covered.iter_mut().zip(fill(r, w, h)) {
                *c |= f;
            }
        }
        assert_eq!(covered, m);
        // the joined ring fills the same pixels: its joins enclose nothing
        let joined = join_outlines(rings.clone());
        let areas: i64 = rings.iter().map(|r| signed_area2(r)).sum();
        assert_eq!(signed_area2(&joined), areas);
    }

    #[test]
    fn holes_joined_into_one_ring_stay_holes_under_even_odd() {
        let (w, h, m) = mask(&[
            "######.", "#..#.##", "#..####", "######.", "...#...", "..###..",
        ]);
        let joined = join_outlines(outlines(w, h, |x, y| m[(y * w + x) as usize]));
        assert_eq!(fill(&joined, w, h), m);
    }

    #[test]
    fn diagonal_neighbours_are_separate_parts_and_holes_are_filled() {
        let (w, h, m) = mask(&["#.", ".#"]);
        let rings = outer_outlines(w, h, |x, y| m[(y * w + x) as usize]);
        assert_eq!(rings.len(), 2);
        let (w, h, m) = mask(&["###", "#.#", "###"]);
        let rings = outer_outlines(w, h, |x, y| m[(y * w + x) as usize]);
        assert_eq!(rings, vec![vec![[0, 0], [3, 0], [3, 3], [0, 3]]]);
    }
}
