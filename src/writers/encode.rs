//! Image encoders (run on worker threads): PNG in the fast fdeflate mode,
//! float32 .npy for depth.

use crate::core::classes::split_label_value;
use image::codecs::png::{CompressionType, FilterType, PngEncoder};
use image::{ExtendedColorType, ImageEncoder};

// Writing into a Vec fails only when the sizes disagree, which the images'
// own width and height rule out.
#[allow(clippy::expect_used)]
fn png(width: u32, height: u32, bytes: &[u8], color: ExtendedColorType) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() / 4);
    PngEncoder::new_with_quality(&mut out, CompressionType::Fast, FilterType::Sub)
        .write_image(bytes, width, height, color)
        .expect("PNG encoding into memory cannot fail for consistent sizes");
    out
}

pub fn rgb_png(width: u32, height: u32, rgba: &[u8]) -> Vec<u8> {
    let rgb: Vec<u8> = rgba
        .chunks_exact(4)
        .flat_map(|p| [p[0], p[1], p[2]])
        .collect();
    png(width, height, &rgb, ExtendedColorType::Rgb8)
}

/// An RGBA8 image as a colour image file of `format` (alpha dropped). A
/// JPEG the codec refuses (a side over 65535 px, which validation keeps
/// out) falls back to PNG bytes.
pub fn rgb_file(
    format: crate::scenario::ImageFormat,
    width: u32,
    height: u32,
    rgba: &[u8],
) -> Vec<u8> {
    match format {
        crate::scenario::ImageFormat::Jpeg { quality } => {
            crate::core::effects::jpeg_encode(rgba, width, height, quality)
                .unwrap_or_else(|| rgb_png(width, height, rgba))
        }
        crate::scenario::ImageFormat::Png => rgb_png(width, height, rgba),
    }
}

/// 8-bit grey PNG.
pub fn gray8_png(width: u32, height: u32, values: &[u8]) -> Vec<u8> {
    png(width, height, values, ExtendedColorType::L8)
}

/// 8-bit RGB PNG from packed RGB bytes.
pub fn rgb8_png(width: u32, height: u32, rgb: &[u8]) -> Vec<u8> {
    png(width, height, rgb, ExtendedColorType::Rgb8)
}

/// 16-bit RGB PNG from packed R G B values.
pub fn rgb16_png(width: u32, height: u32, rgb: &[u16]) -> Vec<u8> {
    let v: Vec<u8> = rgb.iter().flat_map(|c| c.to_ne_bytes()).collect();
    png(width, height, &v, ExtendedColorType::Rgb16)
}

/// 8-bit semantic PNG holding Cityscapes class ids.
pub fn semantic_png(width: u32, height: u32, labels: &[u16]) -> Vec<u8> {
    let v: Vec<u8> = labels
        .iter()
        .map(|l| split_label_value(*l as u32).0 as u8)
        .collect();
    png(width, height, &v, ExtendedColorType::L8)
}

/// An 8-bit grey mask.
pub fn mask_png(width: u32, height: u32, values: &[u8]) -> Vec<u8> {
    png(width, height, values, ExtendedColorType::L8)
}

/// Cityscapes instanceIds convention in 16 bits: the instance id
/// (class_id*1000 + k) for things, the class id elsewhere — exactly the
/// label value, which validation keeps below 65536.
pub fn instance_png(width: u32, height: u32, labels: &[u16]) -> Vec<u8> {
    let v: Vec<u8> = labels.iter().flat_map(|l| l.to_ne_bytes()).collect();
    png(width, height, &v, ExtendedColorType::L16)
}

/// KITTI depth convention: uint16, metres = value / 256, 0 = no return.
/// Depths beyond 255.99 m are written as 0 (no valid value).
pub fn kitti_depth_value(depth_m: f32) -> u16 {
    let v = (depth_m as f64 * 256.0).round();
    if depth_m <= 0.0 || v > u16::MAX as f64 {
        0
    } else {
        v as u16
    }
}

pub fn depth_png(width: u32, height: u32, depth_m: &[f32]) -> Vec<u8> {
    let v: Vec<u8> = depth_m
        .iter()
        .flat_map(|d| kitti_depth_value(*d).to_ne_bytes())
        .collect();
    png(width, height, &v, ExtendedColorType::L16)
}

/// NumPy .npy v1.0, little-endian float32, shape (height, width).
pub fn depth_npy(width: u32, height: u32, depth_m: &[f32]) -> Vec<u8> {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({height}, {width}), }}");
    // magic(6) + version(2) + len(2) + header, padded with spaces to 64 bytes, ending in \n
    let total = (10 + header.len() + 1).div_ceil(64) * 64;
    while 10 + header.len() + 1 < total {
        header.push(' ');
    }
    header.push('\n');
    let mut out = Vec::with_capacity(total + depth_m.len() * 4);
    out.extend_from_slice(b"\x93NUMPY\x01\x00");
    out.extend_from_slice(&(header.len() as u16).to_le_bytes());
    out.extend_from_slice(header.as_bytes());
    for d in depth_m {
        out.extend_from_slice(&d.to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bit_pngs_decode_to_the_values_written() {
        let labels = vec![26001u16, 23, 7, 24999];
        let png = instance_png(2, 2, &labels);
        let img = image::load_from_memory(&png).unwrap().into_luma16();
        assert_eq!(img.into_raw(), vec![26001, 23, 7, 24999]);
        let sem = image::load_from_memory(&semantic_png(2, 2, &labels))
            .unwrap()
            .into_luma8();
        assert_eq!(sem.into_raw(), vec![26, 23, 7, 24]);
        let depth = depth_png(2, 1, &[12.5, 0.0]);
        let d = image::load_from_memory(&depth).unwrap().into_luma16();
        assert_eq!(d.into_raw(), vec![3200, 0]);
    }

    #[test]
    fn kitti_depth_rounds_and_drops_out_of_range() {
        assert_eq!(kitti_depth_value(1.0), 256);
        assert_eq!(kitti_depth_value(300.0), 0);
        assert_eq!(kitti_depth_value(-1.0), 0);
    }

    #[test]
    fn npy_header_is_aligned_and_parsable() {
        let npy = depth_npy(3, 2, &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0]);
        assert_eq!(&npy[..6], b"\x93NUMPY");
        let hlen = u16::from_le_bytes([npy[8], npy[9]]) as usize;
        assert_eq!((10 + hlen) % 64, 0);
        assert_eq!(npy[10 + hlen - 1], b'\n');
        assert!(
            std::str::from_utf8(&npy[10..10 + hlen])
                .unwrap()
                .contains("'shape': (2, 3)")
        );
        let first = f32::from_le_bytes(npy[10 + hlen..10 + hlen + 4].try_into().unwrap());
        assert_eq!(first, 1.0);
        assert_eq!(npy.len(), 10 + hlen + 24);
    }
}
