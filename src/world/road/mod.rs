//! The road as geometry: lane positions for actors and the static meshes
//! (surface, markings, sidewalks with kerbs, terrain) for the renderer.

mod meshes;

use crate::core::classes::Class;
use crate::core::mesh::{self, Mesh};
use crate::core::road::{APRON_AFTER_M, APRON_BEFORE_M, RoadPath, RoadPose, kerb_offset_m};
use crate::scenario::{Direction, JUNCTION_ZEBRA_OFFSET_M, LineStyle, Road, Side};
use glam::Vec3;

#[derive(Clone, Debug)]
pub struct RoadGeometry {
    pub path: RoadPath,
    pub lanes_forward: u32,
    pub lanes_backward: u32,
    pub lane_width_m: f64,
    pub parking_width_m: f64,
    pub sidewalk_width_m: f64,
    pub kerb_height_m: f64,
    pub markings: crate::scenario::Markings,
    pub crosswalks: Vec<f64>,
    /// Width of the median between the directions (0 = none), metres.
    pub median_m: f64,
    /// Where the median's barrier is open: junction mouths and zebra
    /// crossings (`Road::median_openings_m`).
    pub median_open_m: Vec<(f64, f64)>,
    /// Meshed this far before the start and past the end (straight on).
    pub apron_m: (f64, f64),
    /// Station intervals without sidewalks, kerbs and edge lines (a cross
    /// street across the main road's footprint)...
    pub cut_m: Vec<(f64, f64)>,
    /// ... and without surface and lane lines (across its carriageway).
    pub cut_surface_m: Vec<(f64, f64)>,
    /// Junctions on this road: no lane lines inside, and no sidewalk, kerb
    /// or edge line on a side where a cross street leaves.
    pub junction_boxes: Vec<JunctionBox>,
    /// Stop lines, for signals.
    pub stops: Vec<StopLine>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct JunctionBox {
    pub s0_m: f64,
    pub s1_m: f64,
    pub arm_left: bool,
    pub arm_right: bool,
}

/// Where traffic in `direction` stops for junction `junction`'s lights.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StopLine {
    pub junction: usize,
    pub direction: Direction,
    pub s_m: f64,
}

/// Split a station list into runs outside `cuts` (boundaries included).
fn runs(stations: &[f64], cuts: &[(f64, f64)]) -> Vec<Vec<f64>> {
    let inside = |s: f64| cuts.iter().any(|(a, b)| s > *a && s < *b);
    let mut out = Vec::new();
    let mut cur: Vec<f64> = Vec::new();
    for w in stations.windows(2) {
        let mut pts = vec![w[0], w[1]];
        for (c0, c1) in cuts {
            for c in [*c0, *c1] {
                if c > w[0] && c < w[1] {
                    pts.push(c);
                }
            }
        }
        pts.sort_by(f64::total_cmp);
        for p in pts.windows(2) {
            if inside((p[0] + p[1]) / 2.0) {
                if cur.len() >= 2 {
                    out.push(std::mem::take(&mut cur));
                }
                cur.clear();
            } else {
                if cur.last() != Some(&p[0]) {
                    if cur.len() >= 2 {
                        out.push(std::mem::take(&mut cur));
                    }
                    cur = vec![p[0]];
                }
                cur.push(p[1]);
            }
        }
    }
    if cur.len() >= 2 {
        out.push(cur);
    }
    out
}

/// A static mesh with one class and colour (drawn once, identity transform).
#[derive(Clone, Debug)]
pub struct StaticMesh {
    pub mesh: Mesh,
    pub class: Class,
    pub color: [f32; 3],
}

const MARK_WIDTH_M: f64 = 0.15;
const MARK_HEIGHT_M: f64 = 0.01;
const DASH_ON_M: f64 = 3.0;
/// Zebra crossing: stripes this wide across the road, this far apart
/// (edge to edge), this long along it.
const ZEBRA_STRIPE_M: f64 = 0.5;
const ZEBRA_GAP_M: f64 = 0.5;
const ZEBRA_LENGTH_M: f64 = 3.0;
const DASH_PERIOD_M: f64 = 9.0;
/// Stop lines this far before the cross street's edge (before the zebra
/// crossing, if any).
const STOP_CLEAR_M: f64 = 1.5;
/// The median's crash barrier: half its thickness and its height, metres.
pub const MEDIAN_BARRIER_HALF_M: f64 = 0.15;
pub const MEDIAN_BARRIER_HEIGHT_M: f64 = 0.8;
const STOP_CLEAR_ZEBRA_M: f64 = 5.0;

impl RoadGeometry {
    pub fn new(road: &Road) -> RoadGeometry {
        RoadGeometry {
            path: road.path(),
            lanes_forward: road.lanes_forward,
            lanes_backward: road.lanes_backward,
            lane_width_m: road.lane_width_m,
            parking_width_m: road.parking_width_m,
            sidewalk_width_m: road.sidewalk.as_ref().map_or(0.0, |s| s.width_m),
            kerb_height_m: road.sidewalk.as_ref().map_or(0.0, |s| s.kerb_height_m),
            markings: road.markings.clone(),
            crosswalks: road.zebra_crossings_m(),
            median_m: road.median_width_m,
            median_open_m: road.median_openings_m(),
            apron_m: (APRON_BEFORE_M, APRON_AFTER_M),
            cut_m: Vec::new(),
            cut_surface_m: Vec::new(),
            junction_boxes: Vec::new(),
            stops: Vec::new(),
        }
        .with_junctions(road)
    }

    /// Half the width of the carriageway plus a sidewalk, on one side.
    fn footprint_m(&self, side: Side) -> f64 {
        self.edge_m(side).abs() + self.sidewalk_width_m
    }

    /// The main road's boxes, zebra crossings and stop lines at its junctions.
    fn with_junctions(mut self, road: &Road) -> RoadGeometry {
        for (k, j) in road.junctions.iter().enumerate() {
            let lanes_half = j.lanes as f64 * self.lane_width_m;
            let half = j.mouth_half_width_m(road);
            self.junction_boxes.push(JunctionBox {
                s0_m: j.s_m - half,
                s1_m: j.s_m + half,
                arm_left: j.has_arm(Side::Left),
                arm_right: j.has_arm(Side::Right),
            });
            let clear = lanes_half
                + if j.crosswalks {
                    STOP_CLEAR_ZEBRA_M
                } else {
                    STOP_CLEAR_M
                };
            self.stops.push(StopLine {
                junction: k,
                direction: Direction::Forward,
                s_m: j.s_m - clear,
            });
            self.stops.push(StopLine {
                junction: k,
                direction: Direction::Backward,
                s_m: j.s_m + clear,
            });
        }
        self
    }

    /// The cross street of each junction (road k + 1): straight, forward to
    /// the main road's left, unmeshed where it crosses the main road.
    pub fn cross_streets(&self, junctions: &[crate::scenario::Junction]) -> Vec<RoadGeometry> {
        junctions
            .iter()
            .enumerate()
            .map(|(k, j)| {
                // the main road covers [-right, +left] around the centre, in the
                // cross street's stations measured from the centre
                let (right, left) = (self.footprint_m(Side::Right), self.footprint_m(Side::Left));
                let (from, to) = j.arms_m();
                let path = self.path.cross_street(j.s_m, from, to);
                let (length, centre_s) = (to - from, -from);
                let (lo, hi) = (centre_s - right, centre_s + left);
                let mut g = RoadGeometry {
                    path,
                    lanes_forward: j.lanes,
                    lanes_backward: j.lanes,
                    lane_width_m: self.lane_width_m,
                    parking_width_m: 0.0,
                    sidewalk_width_m: self.sidewalk_width_m,
                    kerb_height_m: self.kerb_height_m,
                    markings: crate::scenario::Markings {
                        centre: LineStyle::Solid,
                        lanes: LineStyle::Dashed,
                        edges: LineStyle::Solid,
                    },
                    crosswalks: Vec::new(),
                    median_m: 0.0,
                    median_open_m: Vec::new(),
                    apron_m: (0.0, 0.0),
                    cut_m: vec![(lo, hi)],
                    cut_surface_m: vec![(lo + self.sidewalk_width_m, hi - self.sidewalk_width_m)],
                    junction_boxes: Vec::new(),
                    stops: Vec::new(),
                };
                let clear = if j.crosswalks {
                    STOP_CLEAR_ZEBRA_M
                } else {
                    STOP_CLEAR_M
                };
                // the zebra and the stop line sit outside the main road's kerb
                if lo > 0.0 {
                    if j.crosswalks {
                        g.crosswalks
                            .push(lo - JUNCTION_ZEBRA_OFFSET_M + self.sidewalk_width_m);
                    }
                    g.stops.push(StopLine {
                        junction: k,
                        direction: Direction::Forward,
                        s_m: lo + self.sidewalk_width_m - clear,
                    });
                }
                if hi < length {
                    if j.crosswalks {
                        g.crosswalks
                            .push(hi + JUNCTION_ZEBRA_OFFSET_M - self.sidewalk_width_m);
                    }
                    g.stops.push(StopLine {
                        junction: k,
                        direction: Direction::Backward,
                        s_m: hi - self.sidewalk_width_m + clear,
                    });
                }
                g
            })
            .collect()
    }

    /// Station cuts for one side's sidewalk, kerb and edge line.
    fn side_cuts(&self, side: Side) -> Vec<(f64, f64)> {
        let mut cuts = self.cut_m.clone();
        cuts.extend(
            self.junction_boxes
                .iter()
                .filter(|b| {
                    if side == Side::Left {
                        b.arm_left
                    } else {
                        b.arm_right
                    }
                })
                .map(|b| (b.s0_m, b.s1_m)),
        );
        cuts
    }

    /// Station cuts for the lane lines.
    fn lane_line_cuts(&self) -> Vec<(f64, f64)> {
        let mut cuts = self.cut_surface_m.clone();
        cuts.extend(self.junction_boxes.iter().map(|b| (b.s0_m, b.s1_m)));
        cuts
    }

    /// Where the median barrier stands (for physics): station runs (none
    /// without a median; open at junctions and zebra crossings).
    pub fn median_runs(&self, step_m: f64) -> Vec<Vec<f64>> {
        if self.median_m <= 0.0 {
            return Vec::new();
        }
        runs(&self.path.stations(step_m), &self.median_cuts())
    }

    /// Station cuts for the median's barrier and grass.
    fn median_cuts(&self) -> Vec<(f64, f64)> {
        let mut cuts = self.lane_line_cuts();
        cuts.extend(&self.median_open_m);
        cuts
    }

    /// Where the road's edge walls stand (for physics): station runs and
    /// the edge's lateral offset, per side.
    pub fn edge_runs(&self, step_m: f64) -> Vec<(Vec<f64>, f64)> {
        let st = self.path.stations(step_m);
        [Side::Right, Side::Left]
            .into_iter()
            .flat_map(|side| {
                runs(&st, &self.side_cuts(side))
                    .into_iter()
                    .map(move |r| (r, self.edge_m(side)))
            })
            .collect()
    }

    /// Lateral offset of the right road edge (kerb line, negative) and the left one.
    pub fn right_edge_m(&self) -> f64 {
        -kerb_offset_m(
            self.median_m,
            self.lanes_forward,
            self.lane_width_m,
            self.parking_width_m,
        )
    }
    pub fn left_edge_m(&self) -> f64 {
        kerb_offset_m(
            self.median_m,
            self.lanes_backward,
            self.lane_width_m,
            self.parking_width_m,
        )
    }
    pub fn edge_m(&self, side: Side) -> f64 {
        if side == Side::Left {
            self.left_edge_m()
        } else {
            self.right_edge_m()
        }
    }
    /// +1 for the left side, -1 for the right: multiplies offsets away from the road.
    pub fn outward(side: Side) -> f64 {
        side.outward()
    }

    pub fn lane_center_m(&self, direction: Direction, lane: u32) -> f64 {
        let c = crate::core::road::lane_centre_offset_m(self.median_m, lane, self.lane_width_m);
        if direction == Direction::Forward {
            -c
        } else {
            c
        }
    }

    pub fn pose(&self, s_m: f64) -> RoadPose {
        self.path.pose_at(s_m)
    }

    /// Ground height at a lateral offset (kerb height on sidewalks).
    pub fn ground_height_m(&self, lateral_m: f64) -> f64 {
        let beyond = if lateral_m >= 0.0 {
            lateral_m - self.left_edge_m()
        } else {
            self.right_edge_m() - lateral_m
        };
        if beyond > 0.0 && beyond <= self.sidewalk_width_m {
            self.kerb_height_m
        } else {
            0.0
        }
    }

    /// The ground's height at a station and offset: as `ground_height_m`,
    /// but road level where that side's sidewalk is open (a cross street's
    /// mouth, where people walking along the sidewalk step down onto the
    /// road: they floated at the kerb's height over it).
    pub fn ground_height_at_m(&self, s_m: f64, lateral_m: f64) -> f64 {
        let side = if lateral_m >= 0.0 {
            Side::Left
        } else {
            Side::Right
        };
        let open = self
            .side_cuts(side)
            .iter()
            .any(|&(a, b)| s_m > a && s_m < b);
        if open {
            0.0
        } else {
            self.ground_height_m(lateral_m)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lanes_and_edges() {
        let g = RoadGeometry::new(&Road {
            lanes_forward: 2,
            lanes_backward: 1,
            parking_width_m: 0.0,
            ..Road::default()
        });
        assert_eq!(g.right_edge_m(), -7.0);
        assert_eq!(g.left_edge_m(), 3.5);
        let parked = RoadGeometry::new(&Road {
            lanes_forward: 2,
            lanes_backward: 1,
            parking_width_m: 2.0,
            ..Road::default()
        });
        assert_eq!(parked.right_edge_m(), -9.0);
        assert_eq!(g.lane_center_m(Direction::Forward, 1), -5.25);
        assert_eq!(g.lane_center_m(Direction::Backward, 0), 1.75);
        assert_eq!(g.ground_height_m(-8.0), 0.15);
        assert_eq!(g.ground_height_m(-3.0), 0.0);
        assert_eq!(g.ground_height_m(-20.0), 0.0);
    }

    #[test]
    fn junctions_open_the_sidewalks_and_the_cross_street_stops_at_the_kerb() {
        use crate::scenario::{Junction, JunctionKind};
        let road = Road {
            junctions: vec![Junction {
                s_m: 100.0,
                kind: JunctionKind::TLeft,
                arm_length_m: 40.0,
                lanes: 1,
                crosswalks: true,
                signals: None,
            }],
            ..Road::default()
        };
        let main = RoadGeometry::new(&road);
        let cross = main.cross_streets(&road.junctions);
        assert_eq!(cross.len(), 1);
        // people walking the left sidewalk step down into the mouth, not
        // the right one (no arm there)
        let on_walk = main.left_edge_m() + 1.0;
        assert_eq!(main.ground_height_at_m(100.0, on_walk), 0.0);
        assert_eq!(main.ground_height_at_m(80.0, on_walk), 0.15);
        assert_eq!(main.ground_height_at_m(100.0, -on_walk), 0.15);
        let walk = |g: &RoadGeometry, terrain| {
            g.meshes(terrain)
                .into_iter()
                .find(|m| m.class == Class::Sidewalk)
                .unwrap()
                .mesh
        };
        // main sidewalk: open on the left (the arm) around s = 100, closed on the right
        let half = 3.5 + main.sidewalk_width_m;
        let near = |p: &Vec3| (p.x as f64 - 100.0).abs() < half - 0.01;
        let left: Vec<Vec3> = walk(&main, true)
            .positions()
            .filter(|p| near(p) && -p.z > 0.0)
            .collect();
        // on the right, sidewalk triangles still span s = 100
        let m = walk(&main, true);
        let pos: Vec<Vec3> = m.positions().collect();
        let spans = m.indices.chunks_exact(3).any(|t| {
            let v: Vec<Vec3> = t.iter().map(|i| pos[*i as usize]).collect();
            v.iter().all(|p| -p.z < 0.0)
                && v.iter().any(|p| p.x < 100.0)
                && v.iter().any(|p| p.x > 100.0)
        });
        assert!(left.is_empty(), "{left:?}");
        assert!(spans, "the right sidewalk has a gap");
        // the cross street starts at the main road's kerb line: its asphalt
        // begins at the left edge (5.7 m) and heads north
        let asphalt = cross[0]
            .meshes(false)
            .into_iter()
            .find(|m| m.class == Class::Road)
            .unwrap()
            .mesh;
        let min_north = asphalt.positions().map(|p| -p.z).fold(f32::MAX, f32::min);
        assert!((min_north - 5.7).abs() < 1e-3, "{min_north}");
        // one stop line each way on the main road, one on the T's arm
        assert_eq!(main.stops.len(), 2);
        assert_eq!(cross[0].stops.len(), 1);
        assert_eq!(cross[0].stops[0].direction, Direction::Backward);
    }

    /// Two lanes each way either side of a 3 m median, no parking or
    /// sidewalk, zebras at `crosswalks`.
    fn divided(crosswalks: Vec<f64>) -> RoadGeometry {
        RoadGeometry::new(&Road {
            median_width_m: 3.0,
            lanes_forward: 2,
            lanes_backward: 2,
            parking_width_m: 0.0,
            sidewalk: None,
            crosswalks,
            ..Road::default()
        })
    }

    #[test]
    fn a_median_separates_the_directions_with_grass_and_a_barrier() {
        let g = divided(Vec::new());
        assert_eq!(g.lane_center_m(Direction::Forward, 0), -1.5 - 1.75);
        assert_eq!(g.lane_center_m(Direction::Backward, 1), 1.5 + 5.25);
        assert_eq!((g.right_edge_m(), g.left_edge_m()), (-8.5, 8.5));
        let meshes = g.static_meshes();
        let barrier = meshes.iter().find(|m| m.class == Class::GuardRail).unwrap();
        assert!(barrier.mesh.positions().all(|p| p.z.abs() <= 0.15 + 1e-6));
        assert!(barrier.mesh.positions().any(|p| (p.y - 0.8).abs() < 1e-6));
        // no asphalt inside the median
        let road = meshes.iter().find(|m| m.class == Class::Road).unwrap();
        assert!(road.mesh.positions().all(|p| p.z.abs() >= 1.5 - 1e-6));
        assert_eq!(g.median_runs(2.0).len(), 1);
    }

    #[test]
    fn a_zebra_opens_the_median_and_paves_a_refuge() {
        let g = divided(vec![50.0]);
        // the barrier stops 3 m short of the zebra's centre either side
        let runs = g.median_runs(1.0);
        assert_eq!(runs.len(), 2);
        assert_eq!(
            (runs[0].last().copied(), runs[1].first().copied()),
            (Some(47.0), Some(53.0))
        );
        let meshes = g.static_meshes();
        let of = |class: Class| meshes.iter().find(|m| m.class == class).unwrap();
        // the road runs east from the origin: x is the station
        let in_gap = |x: f32| x > 47.0 + 1e-3 && x < 53.0 - 1e-3;
        assert!(!of(Class::GuardRail).mesh.positions().any(|p| in_gap(p.x)));
        assert!(
            !of(Class::Terrain)
                .mesh
                .positions()
                .any(|p| p.z.abs() < 1.4 && in_gap(p.x))
        );
        // asphalt inside the median (triangles whose centre lies there)
        // only in the refuge
        let road = &of(Class::Road).mesh;
        let centre = |t: &[u32]| -> Vec3 {
            t.iter()
                .map(|&i| Vec3::from(road.vertices[i as usize].position))
                .sum::<Vec3>()
                / 3.0
        };
        let refuge: Vec<Vec3> = road
            .indices
            .chunks(3)
            .map(centre)
            .filter(|c| c.z.abs() < 1.5 - 1e-3)
            .collect();
        assert!(!refuge.is_empty());
        assert!(refuge.iter().all(|c| in_gap(c.x)), "{refuge:?}");
    }

    #[test]
    fn static_meshes_have_every_surface_class() {
        let g = RoadGeometry::new(&Road::default());
        let meshes = g.static_meshes();
        let classes: Vec<Class> = meshes.iter().map(|m| m.class).collect();
        assert_eq!(
            classes,
            vec![
                Class::Terrain,
                Class::Road,
                Class::LaneMarking,
                Class::Sidewalk
            ]
        );
        // a zebra crossing adds stripes around its station only
        let with = RoadGeometry::new(&Road {
            crosswalks: vec![60.0],
            ..Road::default()
        })
        .static_meshes();
        let (before, after) = (meshes[2].mesh.indices.len(), with[2].mesh.indices.len());
        assert!(after > before, "{after} vs {before}");
        let width = g.left_edge_m() - g.right_edge_m();
        let stripes = ((width - ZEBRA_GAP_M / 2.0 - ZEBRA_STRIPE_M)
            / (ZEBRA_STRIPE_M + ZEBRA_GAP_M))
            .floor() as usize
            + 1;
        assert_eq!(after - before, stripes * 2 * 2 * 3, "two quads per stripe");
        // markings sit on the road surface, within its lateral extent
        let marks = &meshes[2].mesh;
        let edge = g.left_edge_m() as f32;
        assert!(
            marks
                .positions()
                .all(|p| (p.y - 0.01).abs() < 1e-6 && p.z.abs() <= edge)
        );
    }
}
