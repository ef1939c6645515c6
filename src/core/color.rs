//! sRGB transfer function (IEC 61966-2-1): one decode for every reader of
//! rendered pixels (labels' contrast, camera effects) and one encode back
//! to 8 bits.

/// An sRGB-encoded value in 0..=1 -> linear light.
pub fn srgb_to_linear(v: f64) -> f64 {
    if v <= 0.04045 {
        v / 12.92
    } else {
        ((v + 0.055) / 1.055).powf(2.4)
    }
}

/// Linear light of each 8-bit sRGB code, computed once.
pub fn srgb_byte_to_linear() -> &'static [f64; 256] {
    static LINEAR: std::sync::OnceLock<[f64; 256]> = std::sync::OnceLock::new();
    LINEAR.get_or_init(|| std::array::from_fn(|i| srgb_to_linear(i as f64 / 255.0)))
}

/// The linear values at which the 8-bit sRGB code steps up: code k covers
/// [t[k-1], t[k]), t[k] = decode((k + 0.5) / 255). A binary search gives
/// round(encode(l) * 255) without a power per channel.
fn code_thresholds() -> &'static [f64; 255] {
    static T: std::sync::OnceLock<[f64; 255]> = std::sync::OnceLock::new();
    T.get_or_init(|| std::array::from_fn(|k| srgb_to_linear((k as f64 + 0.5) / 255.0)))
}

/// Linear light -> the nearest 8-bit sRGB code (clamped to 0..=255).
pub fn linear_to_srgb_u8(l: f64) -> u8 {
    code_thresholds().partition_point(|&t| t <= l) as u8
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_the_curve_and_ends_at_0_and_1() {
        let t = srgb_byte_to_linear();
        assert_eq!((t[0], t[255]), (0.0, 1.0));
        assert_eq!(t[128], srgb_to_linear(128.0 / 255.0));
        assert!(t.windows(2).all(|w| w[0] < w[1]));
    }
}
