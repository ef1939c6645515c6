//! The hazard library: every scenario in scenarios/hazards (and
//! fog_pedestrian) runs for its full length, rendered small, and its hazard
//! actor appears in the labels: visible in at least one frame, with its
//! class, a tight and an amodal box and a 3D box.

use crate::common::{render, repo_path, scenario};
use edgecase::app::headless_app;
use edgecase::core::classes::Class;
use edgecase::world::Thing;

/// (scenario, hazard actor's role, its class)
const HAZARDS: [(&str, &str, Class); 14] = [
    ("fog_pedestrian", "hazard", Class::Person),
    ("hazards/pedestrian_behind_van", "hazard", Class::Person),
    ("hazards/child_ball", "hazard.ball", Class::Debris),
    ("hazards/deer_night_rural", "hazard", Class::Animal),
    ("hazards/debris_truck_motorway", "hazard", Class::Debris),
    ("hazards/stalled_blind_curve", "vehicles[0]", Class::Car),
    ("hazards/lead_vehicle_brakes", "vehicles[0]", Class::Car),
    ("hazards/wrong_way_motorway", "vehicles[0]", Class::Car),
    ("hazards/jaywalking_group", "hazard.4", Class::Person),
    ("hazards/red_light_runner", "vehicles[0]", Class::Car),
    ("hazards/cyclist_door", "cyclists[0]", Class::Rider),
    ("hazards/low_sun_glare_brake", "vehicles[0]", Class::Car),
    ("hazards/dead_rings_rain_debris", "hazard", Class::Debris),
    (
        "hazards/mud_lidar_cyclist_dusk",
        "cyclists[0]",
        Class::Rider,
    ),
];

#[test]
fn every_hazard_scenario_runs_and_labels_its_hazard_actor() {
    let mut shipped: Vec<String> = std::fs::read_dir(repo_path("scenarios/hazards"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "ron"))
        .map(|p| format!("hazards/{}", p.file_stem().unwrap().to_string_lossy()))
        .collect();
    shipped.sort();
    let mut listed: Vec<String> = HAZARDS
        .iter()
        .map(|h| h.0.to_string())
        .filter(|n| n.starts_with("hazards/"))
        .collect();
    listed.sort();
    assert_eq!(
        shipped, listed,
        "every shipped hazard scenario is checked here"
    );
    for (name, role, class) in HAZARDS {
        let src = std::fs::read_to_string(repo_path(&format!("scenarios/{name}.ron"))).unwrap();
        let mut s = scenario(&src);
        s.sensors.cameras.truncate(1);
        s.sensors.cameras[0].width = 128;
        s.sensors.cameras[0].height = 96;
        s.sensors.lidars.clear();
        s.output.kitti_camera = s.sensors.cameras[0].name.clone();
        // the hazard actor's instance id, from the world the scenario builds
        let mut app = headless_app(s.clone());
        app.update();
        let w = app.world_mut();
        let id = w
            .query::<&Thing>()
            .iter(w)
            .find(|t| t.role.to_string() == role)
            .unwrap_or_else(|| panic!("{name}: no actor {role}"))
            .instance_id;
        let (_, frames) = render(&s, s.frames);
        assert_eq!(frames.len() as u64, s.frames, "{name}: ran short");
        let seen: Vec<u64> = frames
            .iter()
            .filter(|f| {
                f.labels.as_ref().unwrap().cameras[0]
                    .objects
                    .iter()
                    .any(|o| {
                        o.instance_id == id
                            && o.class_id == class.id()
                            && o.visible_pixels > 0
                            && o.bbox_visible_px.is_some()
                            && o.bbox_amodal_px[2] > o.bbox_amodal_px[0]
                            && o.box_world_enu.size_lwh_m.iter().all(|v| *v > 0.0)
                    })
            })
            .map(|f| f.frame)
            .collect();
        assert!(!seen.is_empty(), "{name}: {role} ({id}) never visible");
        eprintln!(
            "{name}: {role} ({} {id}) visible in {} of {} frames, first {}",
            class.name(),
            seen.len(),
            s.frames,
            seen[0]
        );
    }
}
