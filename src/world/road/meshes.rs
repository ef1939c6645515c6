//! The road's static meshes: terrain, carriageways (and a median), lane
//! markings, crossings, stop lines and sidewalks, built once per run.

use super::*;

/// How far the terrain reaches past the road's bounding box, m.
const TERRAIN_MARGIN_M: f32 = 20_000.0;

impl RoadGeometry {
    fn stations(&self) -> Vec<f64> {
        let mut st: Vec<f64> = (1..=(self.apron_m.0 / 5.0) as usize)
            .rev()
            .map(|i| -(i as f64) * 5.0)
            .collect();
        st.extend(self.path.stations(1.0));
        let end = self.path.length_m();
        st.extend((1..=(self.apron_m.1 / 5.0) as usize).map(|i| end + i as f64 * 5.0));
        st
    }

    fn line(&self, stations: &[f64], lateral: f64, height: f64) -> Vec<Vec3> {
        stations
            .iter()
            .map(|s| self.pose(*s).sim_point(lateral, height).as_vec3())
            .collect()
    }

    /// A vertical face along a lateral offset, `height` tall, facing left
    /// (facing = 1) or right (-1) of the road.
    fn wall(&self, stations: &[f64], lateral: f64, facing: f64, height: f64) -> Mesh {
        let base = self.line(stations, lateral, 0.0);
        let normals: Vec<Vec3> = stations
            .iter()
            .map(|s| (self.pose(*s).left() * facing).as_vec2())
            .map(|v| Vec3::new(v.x, 0.0, -v.y))
            .collect();
        mesh::wall(&base, height as f32, &normals)
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
                let (Some(&first), Some(&last)) = (stations.first(), stations.last()) else {
                    return Mesh::default();
                };
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

    /// Static meshes: terrain (main road only), road surface, markings,
    /// sidewalks.
    pub fn static_meshes(&self) -> Vec<StaticMesh> {
        self.meshes(true)
    }

    /// The meshes of the main road and every cross street, in one list.
    pub fn network_meshes(&self, cross: &[RoadGeometry]) -> Vec<StaticMesh> {
        let mut out = self.meshes(true);
        for c in cross {
            out.extend(c.meshes(false));
        }
        out
    }

    pub(super) fn meshes(&self, terrain: bool) -> Vec<StaticMesh> {
        let st = self.stations();
        let mut out = Vec::new();
        if terrain {
            out.push(self.terrain_mesh());
        }
        out.extend(self.carriageway_meshes(&st));
        out.push(self.marking_mesh(&st));
        if self.sidewalk_width_m > 0.0 {
            out.push(self.sidewalk_mesh(&st));
        }
        out.retain(|m| !m.mesh.indices.is_empty());
        out
    }

    /// A large quad under everything, slightly below the road, reaching
    /// `TERRAIN_MARGIN_M` past the road: a camera 1.6 m up sees its edge
    /// 0.005 degrees below the horizon, under a pixel of a 30-degree
    /// 8192-px telephoto (at 400 m a strip of the sky's below-horizon grey
    /// showed between the ground and the sky, 6 px in a 4-degree camera).
    fn terrain_mesh(&self) -> StaticMesh {
        let b = self.path.bounds();
        let m = TERRAIN_MARGIN_M;
        let (x0, z0, x1, z1) = (
            b[0] as f32 - m,
            b[1] as f32 - m,
            b[2] as f32 + m,
            b[3] as f32 + m,
        );
        let y = -0.02;
        StaticMesh {
            mesh: mesh::strip(
                &[Vec3::new(x0, y, z0), Vec3::new(x1, y, z0)],
                &[Vec3::new(x0, y, z1), Vec3::new(x1, y, z1)],
            ),
            class: Class::Terrain,
            color: [0.33, 0.38, 0.22],
        }
    }

    /// The road surface; with a median, two carriageways and the median's
    /// grass and barrier (those first).
    fn carriageway_meshes(&self, st: &[f64]) -> Vec<StaticMesh> {
        let mut out = Vec::new();
        let mut surface = Mesh::default();
        let h = self.median_m / 2.0;
        for run in runs(st, &self.cut_surface_m) {
            if h > 0.0 {
                surface.append(&self.band(&run, self.left_edge_m(), h, 0.0));
                surface.append(&self.band(&run, -h, self.right_edge_m(), 0.0));
            } else {
                surface.append(&self.band(&run, self.left_edge_m(), self.right_edge_m(), 0.0));
            }
        }
        if h > 0.0 {
            let mut grass = Mesh::default();
            let mut barrier = Mesh::default();
            for run in runs(st, &self.median_cuts()) {
                grass.append(&self.band(&run, -h, h, 0.0));
                for (lat, facing) in [(-MEDIAN_BARRIER_HALF_M, -1.0), (MEDIAN_BARRIER_HALF_M, 1.0)]
                {
                    barrier.append(&self.wall(&run, lat, facing, MEDIAN_BARRIER_HEIGHT_M));
                }
                barrier.append(&self.band(
                    &run,
                    -MEDIAN_BARRIER_HALF_M,
                    MEDIAN_BARRIER_HALF_M,
                    MEDIAN_BARRIER_HEIGHT_M,
                ));
            }
            // a zebra crossing's refuge through the median is paved (a
            // junction's box is paved already: not twice)
            for &(a, b) in &self.median_open_m {
                let along: Vec<f64> = st.iter().copied().filter(|s| *s > a && *s < b).collect();
                for refuge in runs(&[vec![a], along, vec![b]].concat(), &self.lane_line_cuts()) {
                    surface.append(&self.band(&refuge, -h, h, 0.0));
                }
            }
            out.push(StaticMesh {
                mesh: grass,
                class: Class::Terrain,
                color: [0.3, 0.4, 0.2],
            });
            out.push(StaticMesh {
                mesh: barrier,
                class: Class::GuardRail,
                color: [0.6, 0.6, 0.58],
            });
        }
        out.push(StaticMesh {
            mesh: surface,
            class: Class::Road,
            color: [0.22, 0.22, 0.23],
        });
        out
    }

    /// Lane, centre and edge lines, zebra crossings and stop lines.
    fn marking_mesh(&self, st: &[f64]) -> StaticMesh {
        let mut marks = Mesh::default();
        let w = self.lane_width_m;
        let h = self.median_m / 2.0;
        for run in runs(st, &self.lane_line_cuts()) {
            if h > 0.0 {
                // solid lines along both sides of the median
                marks.append(&self.marking(&run, -h - 0.25, LineStyle::Solid));
                marks.append(&self.marking(&run, h + 0.25, LineStyle::Solid));
            } else if self.lanes_backward > 0 {
                marks.append(&self.marking(&run, 0.0, self.markings.centre));
            }
            for i in 1..self.lanes_forward {
                marks.append(&self.marking(&run, -h - (i as f64) * w, self.markings.lanes));
            }
            for j in 1..self.lanes_backward {
                marks.append(&self.marking(&run, h + j as f64 * w, self.markings.lanes));
            }
        }
        // edge lines separate the outer lanes from the parking strips (or the kerb)
        let inset = if self.parking_width_m > 0.0 {
            0.0
        } else {
            0.25
        };
        for side in [Side::Right, Side::Left] {
            let lateral = self.edge_m(side) - Self::outward(side) * (self.parking_width_m + inset);
            for run in runs(st, &self.side_cuts(side)) {
                marks.append(&self.marking(&run, lateral, self.markings.edges));
            }
        }
        // zebra crossings: stripes along the road, side by side across it
        for &s in &self.crosswalks {
            let along = [s - ZEBRA_LENGTH_M / 2.0, s, s + ZEBRA_LENGTH_M / 2.0];
            let mut lat = self.right_edge_m() + ZEBRA_GAP_M / 2.0;
            while lat + ZEBRA_STRIPE_M <= self.left_edge_m() {
                marks.append(&self.band(&along, lat, lat + ZEBRA_STRIPE_M, MARK_HEIGHT_M));
                lat += ZEBRA_STRIPE_M + ZEBRA_GAP_M;
            }
        }
        // stop lines across the lanes of their direction
        for stop in &self.stops {
            let (a, b) = match stop.direction {
                Direction::Forward => (self.right_edge_m() + self.parking_width_m, -h),
                Direction::Backward => (h, self.left_edge_m() - self.parking_width_m),
            };
            let along = [stop.s_m - 0.2, stop.s_m + 0.2];
            marks.append(&self.band(&along, a, b, MARK_HEIGHT_M));
        }
        StaticMesh {
            mesh: marks,
            class: Class::LaneMarking,
            color: [0.9, 0.9, 0.88],
        }
    }

    /// Sidewalks on both sides, with kerb faces where they stand higher.
    fn sidewalk_mesh(&self, st: &[f64]) -> StaticMesh {
        let mut walk = Mesh::default();
        let h = self.kerb_height_m;
        for side in [Side::Left, Side::Right] {
            let o = Self::outward(side);
            let inner = self.edge_m(side);
            let outer = inner + o * self.sidewalk_width_m;
            for run in runs(st, &self.side_cuts(side)) {
                walk.append(&self.band(&run, inner, outer, h));
                if h > 0.0 {
                    // kerb face looks back at the road, the outer face away from it
                    for (lat, facing) in [(inner, -o), (outer, o)] {
                        walk.append(&self.wall(&run, lat, facing, h));
                    }
                }
            }
        }
        StaticMesh {
            mesh: walk,
            class: Class::Sidewalk,
            color: [0.62, 0.6, 0.58],
        }
    }
}
