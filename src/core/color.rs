//! sRGB transfer function (IEC 61966-2-1): one decode for every reader of
//! rendered pixels (labels' contrast, camera effects).

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
