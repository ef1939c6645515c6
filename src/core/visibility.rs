//! Meteorological visibility: the contrast threshold behind it, shared by
//! the weather model (fog density from a visibility) and the labels (is an
//! object visible against its background).

/// Contrast threshold behind "visibility" (WMO meteorological optical range).
pub const VISIBILITY_CONTRAST: f64 = 0.05;

/// Koschmieder: visibility V at contrast threshold C gives extinction
/// beta = -ln(C) / V.
pub fn extinction_per_m(visibility_m: f64) -> f64 {
    -VISIBILITY_CONTRAST.ln() / visibility_m
}
