//! Range-checked field deserializers. The check runs inside deserialization,
//! so ron reports the error at the offending value's line:col.

use serde::Deserialize;
use serde::de::{Deserializer, Error};

fn check<'de, D: Deserializer<'de>>(
    d: D,
    ok: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<f64, D::Error> {
    let v = f64::deserialize(d)?;
    if v.is_finite() && ok(v) {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "value {v} is out of range: expected {expected}"
        )))
    }
}

/// `check` for an optional value: absent passes.
fn check_opt<'de, D: Deserializer<'de>>(
    d: D,
    ok: impl Fn(f64) -> bool,
    expected: &str,
) -> Result<Option<f64>, D::Error> {
    match Option::<f64>::deserialize(d)? {
        Some(v) if !(v.is_finite() && ok(v)) => Err(D::Error::custom(format!(
            "value {v} is out of range: expected {expected}"
        ))),
        v => Ok(v),
    }
}

/// An integer in `range`; the error names `what` and the range `expected`.
fn check_count<'de, D: Deserializer<'de>>(
    d: D,
    range: std::ops::RangeInclusive<u32>,
    what: &str,
    expected: &str,
) -> Result<u32, D::Error> {
    let v = u32::deserialize(d)?;
    if range.contains(&v) {
        Ok(v)
    } else {
        Err(D::Error::custom(format!(
            "{what} {v} is out of range: expected {expected}"
        )))
    }
}

pub fn positive<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v| v > 0.0, "a number > 0")
}

pub fn non_negative<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v| v >= 0.0, "a number >= 0")
}

pub fn fov_deg<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        // under a degree the focal length runs to millions of pixels, past
        // what float32 projection and 16-bit depth can keep exact
        |v| (1.0..=200.0).contains(&v),
        "a field of view in degrees, 1 <= fov <= 200 (under 180 but for a fisheye lens)",
    )
}

pub fn lane_width_m<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (1.5..=8.0).contains(&v),
        "a lane width in metres, 1.5..=8",
    )
}

pub fn elevation_deg<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (-90.0..=90.0).contains(&v),
        "an elevation in degrees, -90..=90",
    )
}

pub fn wind_speed<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (0.0..=40.0).contains(&v),
        "a wind speed in m/s, 0..=40",
    )
}

pub fn angle_deg<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (-360.0..=360.0).contains(&v),
        "an angle in degrees, -360..=360",
    )
}

pub fn unit<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v| (0.0..=1.0).contains(&v), "a number in 0..=1")
}

pub fn opt_unit<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    check_opt(d, |v| (0.0..=1.0).contains(&v), "a number in 0..=1")
}

pub fn group_size<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    check_count(d, 1..=8, "group size", "1..=8")
}

pub fn opt_positive<'de, D: Deserializer<'de>>(d: D) -> Result<Option<f64>, D::Error> {
    check_opt(d, |v| v > 0.0, "a number > 0")
}

pub fn precipitation_mm_h<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| v > 0.0 && v <= 200.0,
        "a precipitation rate in mm/h, 0 < rate <= 200",
    )
}

pub fn light_level<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v| (0.0..=10.0).contains(&v), "a light level in 0..=10")
}

/// A person's height: a toddler to the tallest adults, metres (the body
/// model scales one human figure; a 20 m or a 5 cm person is a typo).
pub fn person_height_m<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (0.5..=2.5).contains(&v),
        "a person's height in metres, 0.5..=2.5",
    )
}

pub fn speed_mps<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(d, |v| (0.0..=100.0).contains(&v), "a speed in m/s, 0..=100")
}

/// A JPEG quality, 1..=100.
pub fn jpeg_quality<'de, D: Deserializer<'de>>(d: D) -> Result<u8, D::Error> {
    let v = check(
        d,
        |v| (1.0..=100.0).contains(&v) && v.fract() == 0.0,
        "a JPEG quality, an integer 1..=100",
    )?;
    Ok(v as u8)
}

pub fn tick_hz<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| v > 0.0 && v <= 1000.0,
        "a tick rate in Hz, 0 < hz <= 1000",
    )
}

pub fn visibility_m<'de, D: Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    check(
        d,
        |v| (1.0..=100_000.0).contains(&v),
        "a visibility in metres, 1..=100000",
    )
}

pub fn image_side<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    check_count(d, 8..=8192, "image size", "8..=8192 pixels")
}

pub fn lane_count<'de, D: Deserializer<'de>>(d: D) -> Result<u32, D::Error> {
    check_count(d, 0..=8, "lane count", "0..=8")
}

pub fn color<'de, D: Deserializer<'de>>(d: D) -> Result<[f32; 3], D::Error> {
    let c = <(f32, f32, f32)>::deserialize(d)?;
    let a = [c.0, c.1, c.2];
    if a.iter().all(|v| (0.0..=1.0).contains(v)) {
        Ok(a)
    } else {
        Err(D::Error::custom(format!(
            "colour {a:?} is out of range: expected (r, g, b) with each in 0..=1"
        )))
    }
}

pub fn opt_color<'de, D: Deserializer<'de>>(d: D) -> Result<Option<[f32; 3]>, D::Error> {
    match Option::<(f32, f32, f32)>::deserialize(d)? {
        None => Ok(None),
        Some(c) => {
            let a = [c.0, c.1, c.2];
            if a.iter().all(|v| (0.0..=1.0).contains(v)) {
                Ok(Some(a))
            } else {
                Err(D::Error::custom(format!(
                    "colour {a:?} is out of range: expected (r, g, b) with each in 0..=1"
                )))
            }
        }
    }
}
