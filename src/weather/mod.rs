//! Light and participating media from the scenario. One extinction
//! coefficient per metre drives the camera fog (and later the LiDAR).

use crate::frame::Lighting;
use crate::scenario::{Light, Weather};
use serde::Serialize;

/// Contrast threshold behind "visibility" (WMO meteorological optical range).
pub const VISIBILITY_CONTRAST: f64 = 0.05;

/// Koschmieder: visibility V at contrast threshold C gives extinction
/// beta = -ln(C) / V.
pub fn extinction_per_m(visibility_m: f64) -> f64 {
    -VISIBILITY_CONTRAST.ln() / visibility_m
}

fn lerp3(a: [f32; 3], b: [f32; 3], t: f32) -> [f32; 3] {
    std::array::from_fn(|i| a[i] + (b[i] - a[i]) * t)
}

fn scale3(a: [f32; 3], k: f32) -> [f32; 3] {
    a.map(|v| v * k)
}

/// Sun direction in the sim world from compass azimuth (0 north, 90 east)
/// and elevation above the horizon.
pub fn sun_direction(elevation_deg: f64, azimuth_deg: f64) -> [f32; 3] {
    let (el, az) = (elevation_deg.to_radians(), azimuth_deg.to_radians());
    let enu = glam::DVec3::new(az.sin() * el.cos(), az.cos() * el.cos(), el.sin());
    crate::core::frames::enu_to_sim(enu).as_vec3().to_array()
}

pub fn lighting(light: &Light, weather: &Weather) -> Lighting {
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
    let ambient = scale3(
        lerp3([0.3, 0.35, 0.5], [0.9, 0.95, 1.05], day),
        light.ambient as f32,
    );
    let sun_visible = if el > 0.0 { 1.0 } else { 0.0 };
    let (fog_color, fog_extinction) = match &weather.fog {
        Some(f) => {
            let grey = scale3([0.72, 0.74, 0.77], 0.1 + 0.9 * day);
            (
                f.color.unwrap_or(grey),
                extinction_per_m(f.visibility_m) as f32,
            )
        }
        None => (sky, 0.0),
    };
    Lighting {
        sun_direction: sun_direction(light.sun_elevation_deg, light.sun_azimuth_deg),
        sun_intensity: light.sun_intensity as f32 * sun_visible,
        sun_color,
        ambient_color: ambient,
        // the sky is infinitely far: in fog it is all fog
        sky_color: if weather.fog.is_some() {
            fog_color
        } else {
            sky
        },
        fog_color,
        fog_extinction_per_m: fog_extinction,
    }
}

/// Weather as recorded in the manifest.
#[derive(Clone, Debug, Serialize)]
pub struct WeatherRecord {
    pub fog_visibility_m: Option<f64>,
    pub fog_extinction_per_m: f64,
    pub visibility_contrast_threshold: f64,
    pub sun_elevation_deg: f64,
    pub sun_azimuth_deg: f64,
    pub sun_intensity: f64,
    pub ambient: f64,
}

pub fn record(light: &Light, weather: &Weather) -> WeatherRecord {
    WeatherRecord {
        fog_visibility_m: weather.fog.as_ref().map(|f| f.visibility_m),
        fog_extinction_per_m: weather
            .fog
            .as_ref()
            .map_or(0.0, |f| extinction_per_m(f.visibility_m)),
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

    #[test]
    fn extinction_reaches_the_contrast_threshold_at_the_visibility() {
        let beta = extinction_per_m(50.0);
        assert!(((-beta * 50.0).exp() - VISIBILITY_CONTRAST).abs() < 1e-12);
    }

    #[test]
    fn sun_from_the_east_at_the_horizon() {
        let d = sun_direction(0.0, 90.0);
        assert!((d[0] - 1.0).abs() < 1e-6 && d[1].abs() < 1e-6 && d[2].abs() < 1e-6);
        let up = sun_direction(90.0, 0.0);
        assert!((up[1] - 1.0).abs() < 1e-6);
    }
}
