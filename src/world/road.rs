//! The road as geometry: lane positions for actors and the static meshes
//! (surface, markings, sidewalks with kerbs, terrain) for the renderer.

use crate::core::classes::Class;
use crate::core::mesh::{self, Mesh};
use crate::core::road::{RoadPath, RoadPose, Segment};
use crate::scenario::{Direction, LineStyle, Road, SegmentSpec, Side, Turn};
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
/// Road meshed this far before its start and past its end (straight on).
const APRON_BEFORE_M: f64 = 40.0;
const APRON_AFTER_M: f64 = 150.0;

impl RoadGeometry {
    pub fn new(road: &Road) -> RoadGeometry {
        let segments: Vec<Segment> = road
            .segments
            .iter()
            .map(|s| match *s {
                SegmentSpec::Straight { length_m } => Segment::Straight { length_m },
                SegmentSpec::Arc {
                    length_m,
                    radius_m,
                    turn,
                } => Segment::Arc {
                    length_m,
                    curvature_per_m: if turn == Turn::Left {
                        1.0 / radius_m
                    } else {
                        -1.0 / radius_m
                    },
                },
            })
            .collect();
        RoadGeometry {
            path: RoadPath::new(&segments),
            lanes_forward: road.lanes_forward,
            lanes_backward: road.lanes_backward,
            lane_width_m: road.lane_width_m,
            parking_width_m: road.parking_width_m,
            sidewalk_width_m: road.sidewalk.as_ref().map_or(0.0, |s| s.width_m),
            kerb_height_m: road.sidewalk.as_ref().map_or(0.0, |s| s.kerb_height_m),
            markings: road.markings.clone(),
            crosswalks: road.crosswalks.clone(),
        }
    }

    /// Lateral offset of the right road edge (kerb line, negative) and the left one.
    pub fn right_edge_m(&self) -> f64 {
        -(self.lanes_forward as f64) * self.lane_width_m - self.parking_width_m
    }
    pub fn left_edge_m(&self) -> f64 {
        self.lanes_backward as f64 * self.lane_width_m + self.parking_width_m
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
        if side == Side::Left { 1.0 } else { -1.0 }
    }

    pub fn lane_center_m(&self, direction: Direction, lane: u32) -> f64 {
        let c = (lane as f64 + 0.5) * self.lane_width_m;
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

    fn stations(&self) -> Vec<f64> {
        let mut st: Vec<f64> = (1..=(APRON_BEFORE_M / 5.0) as usize)
            .rev()
            .map(|i| -(i as f64) * 5.0)
            .collect();
        st.extend(self.path.stations(1.0));
        let end = self.path.length_m();
        st.extend((1..=(APRON_AFTER_M / 5.0) as usize).map(|i| end + i as f64 * 5.0));
        st
    }

    fn line(&self, stations: &[f64], lateral: f64, height: f64) -> Vec<Vec3> {
        stations
            .iter()
            .map(|s| self.pose(*s).sim_point(lateral, height).as_vec3())
            .collect()
    }

    fn band(&self, stations: &[f64], lat_a: f64, lat_b: f64, height: f64) -> Mesh {
        let (lo, hi) = (lat_a.min(lat_b), lat_a.max(lat_b));
        mesh::strip(
            &self.line(stations, hi, height),
            &self.line(stations, lo, height),
        )
    }

    fn marking(&self, stations: &[f64], lateral: f64, style: LineStyle) -> Mesh {
        let half = MARK_WIDTH_M / 2.0;
        match style {
            LineStyle::None => Mesh::default(),
            LineStyle::Solid => self.band(stations, lateral - half, lateral + half, MARK_HEIGHT_M),
            LineStyle::Dashed => {
                let mut m = Mesh::default();
                let (first, last) = (stations[0], *stations.last().unwrap());
                let mut s = (first / DASH_PERIOD_M).floor() * DASH_PERIOD_M;
                while s < last {
                    let dash: Vec<f64> = std::iter::once(s.max(first))
                        .chain(
                            stations
                                .iter()
                                .copied()
                                .filter(|x| *x > s && *x < s + DASH_ON_M),
                        )
                        .chain(std::iter::once((s + DASH_ON_M).min(last)))
                        .collect();
                    if dash.len() >= 2 && dash[dash.len() - 1] > dash[0] {
                        m.append(&self.band(&dash, lateral - half, lateral + half, MARK_HEIGHT_M));
                    }
                    s += DASH_PERIOD_M;
                }
                m
            }
        }
    }

    /// Static meshes: terrain, road surface, markings, sidewalks.
    pub fn static_meshes(&self) -> Vec<StaticMesh> {
        let st = self.stations();
        let mut out = Vec::new();
        // terrain: a large quad under everything, slightly below the road
        let b = self.path.bounds();
        let m = 400.0f32;
        let (x0, z0, x1, z1) = (
            b[0] as f32 - m,
            b[1] as f32 - m,
            b[2] as f32 + m,
            b[3] as f32 + m,
        );
        let y = -0.02;
        out.push(StaticMesh {
            mesh: mesh::strip(
                &[Vec3::new(x0, y, z0), Vec3::new(x1, y, z0)],
                &[Vec3::new(x0, y, z1), Vec3::new(x1, y, z1)],
            ),
            class: Class::Terrain,
            color: [0.33, 0.38, 0.22],
        });
        out.push(StaticMesh {
            mesh: self.band(&st, self.left_edge_m(), self.right_edge_m(), 0.0),
            class: Class::Road,
            color: [0.22, 0.22, 0.23],
        });

        let mut marks = Mesh::default();
        let w = self.lane_width_m;
        if self.lanes_backward > 0 {
            marks.append(&self.marking(&st, 0.0, self.markings.centre));
        }
        for i in 1..self.lanes_forward {
            marks.append(&self.marking(&st, -(i as f64) * w, self.markings.lanes));
        }
        for j in 1..self.lanes_backward {
            marks.append(&self.marking(&st, j as f64 * w, self.markings.lanes));
        }
        // edge lines separate the outer lanes from the parking strips (or the kerb)
        let inset = if self.parking_width_m > 0.0 {
            0.0
        } else {
            0.25
        };
        marks.append(&self.marking(
            &st,
            self.right_edge_m() + self.parking_width_m + inset,
            self.markings.edges,
        ));
        marks.append(&self.marking(
            &st,
            self.left_edge_m() - self.parking_width_m - inset,
            self.markings.edges,
        ));
        // zebra crossings: stripes along the road, side by side across it
        for &s in &self.crosswalks {
            let along = [s - ZEBRA_LENGTH_M / 2.0, s, s + ZEBRA_LENGTH_M / 2.0];
            let mut lat = self.right_edge_m() + ZEBRA_GAP_M / 2.0;
            while lat + ZEBRA_STRIPE_M <= self.left_edge_m() {
                marks.append(&self.band(&along, lat, lat + ZEBRA_STRIPE_M, MARK_HEIGHT_M));
                lat += ZEBRA_STRIPE_M + ZEBRA_GAP_M;
            }
        }
        out.push(StaticMesh {
            mesh: marks,
            class: Class::LaneMarking,
            color: [0.9, 0.9, 0.88],
        });

        if self.sidewalk_width_m > 0.0 {
            let mut walk = Mesh::default();
            let h = self.kerb_height_m;
            for side in [Side::Left, Side::Right] {
                let o = Self::outward(side);
                let inner = self.edge_m(side);
                let outer = inner + o * self.sidewalk_width_m;
                walk.append(&self.band(&st, inner, outer, h));
                if h > 0.0 {
                    // kerb face looks back at the road, the outer face away from it
                    for (lat, facing) in [(inner, -o), (outer, o)] {
                        let edge = self.line(&st, lat, 0.0);
                        let normals: Vec<Vec3> = st
                            .iter()
                            .map(|s| (self.pose(*s).left() * facing).as_vec2())
                            .map(|v| Vec3::new(v.x, 0.0, -v.y))
                            .collect();
                        walk.append(&mesh::wall(&edge, h as f32, &normals));
                    }
                }
            }
            out.push(StaticMesh {
                mesh: walk,
                class: Class::Sidewalk,
                color: [0.62, 0.6, 0.58],
            });
        }
        out.retain(|m| !m.mesh.indices.is_empty());
        out
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
