//! Light and participating media from the scenario. One extinction
//! coefficient per metre (fog + rain + snow) drives the camera's fog, the
//! LiDAR's two-way attenuation and the visibility labels; rain and snow also
//! put particles in the camera, false returns in the LiDAR and water on the road.

use crate::core::visibility::{VISIBILITY_CONTRAST, extinction_per_m};
use crate::scenario::{Light, Precipitation, Weather};
use crate::snapshot::{Lighting, ParticleLook};
use serde::Serialize;

/// Hydrometeor kinds, for the LiDAR echo model and the camera particles.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PrecipitationKind {
    Rain,
    Snow,
}

/// Empirical power laws of one precipitation kind, rate R in mm/h
/// (liquid-water equivalent for snow). Snow scatters far more per mm of
/// water than rain: flakes are large, slow and many.
#[derive(Clone, Copy, Debug)]
struct PrecipitationLaw {
    /// Extinction beta = a R^b per km (near infrared and visible alike:
    /// the particles are much larger than the wavelength).
    extinction_a_per_km: f64,
    extinction_b: f64,
    /// False LiDAR returns per metre of beam path = c R^0.6, only within
    /// `echo_max_range_m`: beyond it one particle returns too little light.
    echo_c_per_m: f64,
    echo_max_range_m: f64,
    echo_intensity: f32,
    /// Camera: particles per m^3 drawn = k sqrt(R); fall speed; size.
    visual_density_k: f64,
    fall_speed_mps: f64,
    particle_size_m: f64,
    particle_max_distance_m: f64,
    particle_alpha: f32,
}

const RAIN: PrecipitationLaw = PrecipitationLaw {
    // 10 mm/h: beta 1.4 /km, visibility 2.1 km; 50 mm/h: 730 m
    extinction_a_per_km: 0.3,
    extinction_b: 0.67,
    // 10 mm/h: about 1% of beams answered by a drop within 6 m
    echo_c_per_m: 0.0005,
    echo_max_range_m: 6.0,
    echo_intensity: 0.03,
    visual_density_k: 0.5,
    fall_speed_mps: 7.0,
    particle_size_m: 0.002,
    particle_max_distance_m: 15.0,
    particle_alpha: 0.45,
};

const SNOW: PrecipitationLaw = PrecipitationLaw {
    // 1 mm/h water equivalent: beta 2.5 /km, visibility 1.2 km; 5 mm/h: 360 m
    extinction_a_per_km: 2.5,
    extinction_b: 0.75,
    // 1 mm/h: about 5% of beams answered by a flake within 12 m
    echo_c_per_m: 0.005,
    echo_max_range_m: 12.0,
    echo_intensity: 0.12,
    visual_density_k: 1.0,
    fall_speed_mps: 1.2,
    particle_size_m: 0.012,
    particle_max_distance_m: 20.0,
    particle_alpha: 0.9,
};

impl PrecipitationKind {
    fn law(self) -> &'static PrecipitationLaw {
        match self {
            PrecipitationKind::Rain => &RAIN,
            PrecipitationKind::Snow => &SNOW,
        }
    }

    /// Extinction per metre at `rate_mm_h`.
    pub fn extinction_per_m(self, rate_mm_h: f64) -> f64 {
        let l = self.law();
        l.extinction_a_per_km * rate_mm_h.powf(l.extinction_b) / 1000.0
    }
}

/// False LiDAR returns from falling particles: a uniform medium answering
/// `rate_per_m` of the beams per metre, out to `max_range_m`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HydrometeorEcho {
    pub kind: PrecipitationKind,
    pub rate_per_m: f64,
    pub max_range_m: f64,
    pub intensity: f32,
}

/// Everything the sensors need to know about the air and the road.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Atmosphere {
    pub fog_extinction_per_m: f64,
    pub precipitation_extinction_per_m: f64,
    /// Rain, then snow.
    pub echoes: Vec<HydrometeorEcho>,
    pub road_wetness: f64,
    pub snow_cover: f64,
}

impl Atmosphere {
    pub fn new(weather: &Weather) -> Atmosphere {
        let kinds = precipitations(weather);
        let echoes = kinds
            .iter()
            .map(|(kind, p)| {
                let l = kind.law();
                HydrometeorEcho {
                    kind: *kind,
                    rate_per_m: l.echo_c_per_m * p.rate_mm_h.powf(0.6),
                    max_range_m: l.echo_max_range_m,
                    intensity: l.echo_intensity,
                }
            })
            .collect();
        Atmosphere {
            fog_extinction_per_m: weather
                .fog
                .as_ref()
                .map_or(0.0, |f| extinction_per_m(f.visibility_m)),
            precipitation_extinction_per_m: kinds
                .iter()
                .map(|(k, p)| k.extinction_per_m(p.rate_mm_h))
                .sum(),
            echoes,
            road_wetness: road_wetness(weather),
            snow_cover: weather.snow_cover.unwrap_or(if weather.snow.is_some() {
                0.7
            } else {
                0.0
            }),
        }
    }

    /// Total extinction per metre: what every sensor and label uses.
    pub fn extinction_per_m(&self) -> f64 {
        self.fog_extinction_per_m + self.precipitation_extinction_per_m
    }
}

fn precipitations(weather: &Weather) -> Vec<(PrecipitationKind, &Precipitation)> {
    [
        (PrecipitationKind::Rain, weather.rain.as_ref()),
        (PrecipitationKind::Snow, weather.snow.as_ref()),
    ]
    .into_iter()
    .filter_map(|(k, p)| p.map(|p| (k, p)))
    .collect()
}

/// The scenario's wetness, else soaked from 2 mm/h of rain up and half as
/// wet under snow alone.
pub fn road_wetness(weather: &Weather) -> f64 {
    weather.road_wetness.unwrap_or_else(|| {
        let rain = weather
            .rain
            .as_ref()
            .map_or(0.0, |r| (r.rate_mm_h / 2.0).min(1.0));
        let snow = if weather.snow.is_some() { 0.5 } else { 0.0 };
        f64::max(rain, snow)
    })
}

/// Camera particles for the scenario's rain and snow (those drawn).
pub fn particle_looks(weather: &Weather, seed: u64) -> Vec<ParticleLook> {
    precipitations(weather)
        .into_iter()
        .filter(|(_, p)| p.particles)
        .map(|(kind, p)| {
            let l = kind.law();
            ParticleLook {
                snow: kind == PrecipitationKind::Snow,
                density_per_m3: (l.visual_density_k * p.rate_mm_h.sqrt()) as f32,
                fall_speed_mps: l.fall_speed_mps as f32,
                size_m: l.particle_size_m as f32,
                max_distance_m: l.particle_max_distance_m as f32,
                alpha: l.particle_alpha,
                wind_mps: winds(weather).0,
                seed,
            }
        })
        .collect()
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
}

fn scale3(a: [f32; 3], k: f32) -> [f32; 3] {
    a.map(|v| v * k)
}

/// Without a wind the clouds still drift, as winds aloft do: 7 m/s from
/// the west-south-west.
const CALM_CLOUD_WIND: (f64, f64) = (7.0, 240.0);

/// A wind of `speed_mps` from compass `from_deg` as a velocity in the sim
/// world (horizontal, m/s).
fn wind_velocity(speed_mps: f64, from_deg: f64) -> [f32; 3] {
    sun_direction(0.0, from_deg + 180.0).map(|c| c * speed_mps as f32)
}

/// The wind near the ground (rain and snow drift with it) and at the
/// clouds' height (twice as strong), sim world, m/s.
pub fn winds(weather: &Weather) -> ([f32; 3], [f32; 3]) {
    match &weather.wind {
        Some(w) => (
            wind_velocity(w.speed_mps, w.from_deg),
            wind_velocity(2.0 * w.speed_mps, w.from_deg),
        ),
        None => (
            [0.0; 3],
            wind_velocity(CALM_CLOUD_WIND.0, CALM_CLOUD_WIND.1),
        ),
    }
}

/// Sun direction in the sim world from compass azimuth (0 north, 90 east)
/// and elevation above the horizon.
pub fn sun_direction(elevation_deg: f64, azimuth_deg: f64) -> [f32; 3] {
    let (el, az) = (elevation_deg.to_radians(), azimuth_deg.to_radians());
    let enu = glam::DVec3::new(az.sin() * el.cos(), az.cos() * el.cos(), el.sin());
    crate::core::frames::enu_to_sim(enu).as_vec3().to_array()
}

pub fn lighting(light: &Light, weather: &Weather, atmosphere: &Atmosphere, seed: u64) -> Lighting {
    let el = light.sun_elevation_deg as f32;
    // daylight: 0 below -6 deg (civil dusk), 1 from 10 deg up
    let day = ((el + 6.0) / 16.0).clamp(0.0, 1.0);
    let low_sun = (1.0 - (el / 20.0).clamp(0.0, 1.0)) * day;
    let sun_color = lerp3([1.0, 0.97, 0.92], [1.0, 0.55, 0.3], low_sun);
    let sky = lerp3(
        [0.015, 0.02, 0.04],
        lerp3([0.35, 0.55, 0.85], [0.55, 0.4, 0.35], low_sun),
        day,
    );
    // sky light: a night sky (moon and city glow) gives a twentieth of a
    // day's, so at night the lamps, lit windows and headlights carry the
    // scene and unlit walls fall dark, as a camera sees them
    let ambient = scale3(
        lerp3([0.045, 0.052, 0.075], [0.9, 0.95, 1.05], day),
        light.ambient as f32,
    );
    let sun_visible = if el > 0.0 { 1.0 } else { 0.0 };
    let extinction = atmosphere.extinction_per_m() as f32;
    // haze is lit as the scene is: at night by the street lights and the
    // city's glow (a dark warm grey), no brighter than what it hides
    let grey = scale3(
        lerp3([0.78, 0.7, 0.6], [0.72, 0.74, 0.77], day),
        0.03 + 0.97 * day,
    );
    let fog_color = match &weather.fog {
        Some(f) => f.color.unwrap_or(grey),
        None if extinction > 0.0 => grey,
        None => sky,
    };
    Lighting {
        sun_direction: sun_direction(light.sun_elevation_deg, light.sun_azimuth_deg),
        sun_intensity: light.sun_intensity as f32 * sun_visible,
        sun_color,
        ambient_color: ambient,
        // the sky is infinitely far: in fog, rain or snow it is all haze
        sky_color: if extinction > 0.0 { fog_color } else { sky },
        fog_color,
        fog_extinction_per_m: extinction,
        road_wetness: atmosphere.road_wetness as f32,
        snow_cover: atmosphere.snow_cover as f32,
        cloud_cover: weather.clouds.unwrap_or(0.0) as f32,
        cloud_wind_mps: winds(weather).1,
        particles: particle_looks(weather, seed),
        look: crate::scenario::Look::Realistic,
        shadows: true,
        antialias: true,
        shader_variants: true,
    }
}

/// Weather as recorded in the manifest.
#[derive(Clone, Debug, Serialize)]
pub struct WeatherRecord {
    pub fog_visibility_m: Option<f64>,
    pub fog_extinction_per_m: f64,
    pub rain_mm_h: Option<f64>,
    pub snow_mm_h: Option<f64>,
    pub precipitation_extinction_per_m: f64,
    /// Fog + rain + snow: what the camera, LiDAR and visibility labels use.
    pub extinction_per_m: f64,
    pub road_wetness: f64,
    pub snow_cover: f64,
    pub cloud_cover: f64,
    pub wind_speed_mps: f64,
    /// Compass direction the wind blows from (absent in calm air).
    pub wind_from_deg: Option<f64>,
    pub lidar_false_returns: Vec<HydrometeorEcho>,
    pub visibility_contrast_threshold: f64,
    pub sun_elevation_deg: f64,
    pub sun_azimuth_deg: f64,
    pub sun_intensity: f64,
    pub ambient: f64,
}

pub fn record(light: &Light, weather: &Weather) -> WeatherRecord {
    let a = Atmosphere::new(weather);
    WeatherRecord {
        fog_visibility_m: weather.fog.as_ref().map(|f| f.visibility_m),
        fog_extinction_per_m: a.fog_extinction_per_m,
        rain_mm_h: weather.rain.as_ref().map(|r| r.rate_mm_h),
        snow_mm_h: weather.snow.as_ref().map(|r| r.rate_mm_h),
        precipitation_extinction_per_m: a.precipitation_extinction_per_m,
        extinction_per_m: a.extinction_per_m(),
        road_wetness: a.road_wetness,
        snow_cover: a.snow_cover,
        cloud_cover: weather.clouds.unwrap_or(0.0),
        wind_speed_mps: weather.wind.as_ref().map_or(0.0, |w| w.speed_mps),
        wind_from_deg: weather.wind.as_ref().map(|w| w.from_deg),
        lidar_false_returns: a.echoes.clone(),
        visibility_contrast_threshold: VISIBILITY_CONTRAST,
        sun_elevation_deg: light.sun_elevation_deg,
        sun_azimuth_deg: light.sun_azimuth_deg,
        sun_intensity: light.sun_intensity,
        ambient: light.ambient,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A north wind blows towards the south (ENU -y), the clouds at twice
    /// its speed; calm air leaves rain and snow falling straight and the
    /// clouds drifting at 7 m/s.
    #[test]
    fn winds_blow_from_their_compass_direction() {
        let enu =
            |v: [f32; 3]| crate::core::frames::sim_to_enu(glam::Vec3::from_array(v).as_dvec3());
        let north = Weather {
            wind: Some(crate::scenario::Wind {
                speed_mps: 10.0,
                from_deg: 0.0,
            }),
            ..Default::default()
        };
        let (ground, aloft) = winds(&north);
        assert!((enu(ground) - glam::DVec3::new(0.0, -10.0, 0.0)).length() < 1e-5);
        assert!((enu(aloft) - glam::DVec3::new(0.0, -20.0, 0.0)).length() < 1e-5);
        let (ground, aloft) = winds(&Weather::default());
        assert_eq!(ground, [0.0; 3]);
        assert!((enu(aloft).length() - 7.0).abs() < 1e-5 && enu(aloft).z == 0.0);
    }

    #[test]
    fn extinction_reaches_the_contrast_threshold_at_the_visibility() {
        let beta = extinction_per_m(50.0);
        assert!(((-beta * 50.0).exp() - VISIBILITY_CONTRAST).abs() < 1e-12);
    }

    #[test]
    fn rain_and_snow_add_extinction_and_wet_the_road() {
        let rain = |r: f64| crate::scenario::Precipitation {
            rate_mm_h: r,
            particles: true,
        };
        let w = Weather {
            rain: Some(rain(10.0)),
            ..Weather::default()
        };
        let a = Atmosphere::new(&w);
        // 10 mm/h of rain: visibility of a couple of kilometres
        let v = -VISIBILITY_CONTRAST.ln() / a.extinction_per_m();
        assert!((1500.0..3000.0).contains(&v), "{v}");
        assert_eq!(a.road_wetness, 1.0);
        assert_eq!(a.echoes.len(), 1);
        // heavier rain, more extinction; snow per mm far more than rain
        let heavy = Atmosphere::new(&Weather {
            rain: Some(rain(50.0)),
            ..Weather::default()
        });
        assert!(heavy.extinction_per_m() > a.extinction_per_m());
        assert!(
            PrecipitationKind::Snow.extinction_per_m(1.0)
                > 5.0 * PrecipitationKind::Rain.extinction_per_m(1.0)
        );
        // fog and rain add up; an explicit wetness wins
        let both = Atmosphere::new(&Weather {
            fog: Some(crate::scenario::Fog {
                visibility_m: 100.0,
                color: None,
            }),
            rain: Some(rain(1.0)),
            road_wetness: Some(0.2),
            ..Weather::default()
        });
        assert!(
            (both.extinction_per_m()
                - extinction_per_m(100.0)
                - PrecipitationKind::Rain.extinction_per_m(1.0))
            .abs()
                < 1e-12
        );
        assert_eq!(both.road_wetness, 0.2);
        assert_eq!(Atmosphere::new(&Weather::default()).extinction_per_m(), 0.0);
    }

    #[test]
    fn sun_from_the_east_at_the_horizon() {
        let d = sun_direction(0.0, 90.0);
        assert!((d[0] - 1.0).abs() < 1e-6 && d[1].abs() < 1e-6 && d[2].abs() < 1e-6);
        let up = sun_direction(90.0, 0.0);
        assert!((up[1] - 1.0).abs() < 1e-6);
    }
}
