//! Validation of the cameras' lenses (see `validate`): a field of view the
//! model can give, coefficients in range, and a distortion that does not
//! fold back inside the image.

use super::Scenario;
use super::locate::{field, item};
use super::validate::{Invalid, MAX_CAMERA_PIXELS};
use crate::core::lens::{Lens, LensModel, LensRemap, MAX_FISHEYE_FOV_DEG};

/// Largest |k| of a radial term a lens may have.
const MAX_RADIAL_COEFF: f64 = 10.0;
/// Largest |p| of a tangential term (decentring is a fraction of a percent
/// in real lenses).
const MAX_TANGENTIAL_COEFF: f64 = 0.2;

pub(super) fn check_lenses(s: &Scenario) -> Result<(), Invalid> {
    for (i, c) in s.sensors.cameras.iter().enumerate() {
        let at = |name: &'static str| vec![field("sensors"), item("cameras", i), field(name)];
        let half_rad = (c.hfov_deg / 2.0).to_radians();
        for (name, v, max) in c.contamination.fields() {
            if !(v.is_finite() && (0.0..=max).contains(&v)) {
                return Err((
                    vec![
                        field("sensors"),
                        item("cameras", i),
                        field("contamination"),
                        field(name),
                    ],
                    format!("contamination {name} is {v}; it must be in 0 ..= {max}"),
                ));
            }
        }
        match c.lens {
            Lens::Pinhole | Lens::RadialTangential { .. } if c.hfov_deg >= 180.0 => {
                return Err((
                    at("hfov_deg"),
                    format!(
                        "hfov_deg is {}; a pinhole or radial-tangential camera sees under 180 degrees (a KannalaBrandt fisheye lens sees up to {MAX_FISHEYE_FOV_DEG})",
                        c.hfov_deg
                    ),
                ));
            }
            Lens::Pinhole => {}
            Lens::RadialTangential { k1, k2, p1, p2, k3 } => {
                for (name, v, max) in [
                    ("k1", k1, MAX_RADIAL_COEFF),
                    ("k2", k2, MAX_RADIAL_COEFF),
                    ("k3", k3, MAX_RADIAL_COEFF),
                    ("p1", p1, MAX_TANGENTIAL_COEFF),
                    ("p2", p2, MAX_TANGENTIAL_COEFF),
                ] {
                    if !(v.is_finite() && v.abs() <= max) {
                        return Err((at("lens"), format!("lens {name} is {v}; |{name}| <= {max}")));
                    }
                }
                let model = LensModel::new(c.lens);
                if half_rad.tan() > model.max_x {
                    return Err((
                        at("lens"),
                        format!(
                            "this distortion folds back {:.1} degrees off the axis (the image radius shrinks beyond): the image's side edges at hfov_deg/2 = {:.1} degrees lie past it; weaken k1..k3 or narrow hfov_deg",
                            model.max_x.atan().to_degrees(),
                            c.hfov_deg / 2.0
                        ),
                    ));
                }
            }
            Lens::KannalaBrandt {
                k1,
                k2,
                k3,
                k4,
                fov_deg,
            } => {
                for (name, v) in [("k1", k1), ("k2", k2), ("k3", k3), ("k4", k4)] {
                    if !(v.is_finite() && v.abs() <= MAX_RADIAL_COEFF) {
                        return Err((
                            at("lens"),
                            format!("lens {name} is {v}; |{name}| <= {MAX_RADIAL_COEFF}"),
                        ));
                    }
                }
                if !(fov_deg > 0.0 && fov_deg <= MAX_FISHEYE_FOV_DEG) {
                    return Err((
                        at("lens"),
                        format!("lens fov_deg is {fov_deg}; 0 < fov_deg <= {MAX_FISHEYE_FOV_DEG}"),
                    ));
                }
                // the image width's angle sets fx through the polynomial:
                // it must grow up to there as well as over the lens's field
                let widest = LensModel::new(Lens::KannalaBrandt {
                    k1,
                    k2,
                    k3,
                    k4,
                    fov_deg: fov_deg.max(c.hfov_deg),
                });
                if let Some(at_rad) = widest.folds_at() {
                    return Err((
                        at("lens"),
                        format!(
                            "this fisheye polynomial folds back {:.1} degrees off the axis, inside the field it must cover (max of fov_deg and hfov_deg, halved: {:.1}); weaken k1..k4",
                            at_rad.to_degrees(),
                            fov_deg.max(c.hfov_deg) / 2.0
                        ),
                    ));
                }
            }
        }
    }
    check_rendered_pixels(s)
}

/// The pixel budget of all cameras together: their images, and a lens
/// camera's source views (one wide view or cube faces) besides, must fit
/// what two of the largest cameras render.
fn check_rendered_pixels(s: &Scenario) -> Result<(), Invalid> {
    let mut total: u64 = 0;
    for c in &s.sensors.cameras {
        total += c.width as u64 * c.height as u64;
        if !c.lens.is_pinhole() {
            let k = c.intrinsics();
            let views =
                LensRemap::source_views_of(k.width, k.height, [k.fx, k.fy, k.cx, k.cy], &k.lens);
            total += views
                .iter()
                .map(|v| v.width as u64 * v.height as u64)
                .sum::<u64>();
        }
    }
    if total > 2 * MAX_CAMERA_PIXELS {
        return Err((
            vec![field("sensors"), field("cameras")],
            format!(
                "the cameras (with the pinhole views any lens camera is rendered from) have {total} pixels together; at most {} (two 8192x3072 cameras): fewer or smaller cameras",
                2 * MAX_CAMERA_PIXELS
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use crate::scenario::parse;
    use crate::scenario::tests::err;
    use std::path::Path;

    #[test]
    fn lens_errors_point_at_the_camera() {
        // a pinhole cannot see 180 degrees; a fisheye may
        let e = err("(sensors: (cameras: [(\n  hfov_deg: 185)]))");
        assert!(e.message.contains("KannalaBrandt"), "{e}");
        assert_eq!((e.line, e.col), (2, 3), "{e}");
        assert!(
            parse(
                "(sensors: (cameras: [(hfov_deg: 185, lens: KannalaBrandt(fov_deg: 200))]))",
                Path::new("t.ron")
            )
            .is_ok()
        );
        // a barrel polynomial that folds back inside the image
        let e = err("(sensors: (cameras: [(hfov_deg: 120,\n  lens: RadialTangential(k1: -0.5))]))");
        assert!(e.message.contains("folds back"), "{e}");
        assert_eq!(e.line, 2, "{e}");
        // the same lens over a narrow field is fine
        assert!(
            parse(
                "(sensors: (cameras: [(hfov_deg: 60, lens: RadialTangential(k1: -0.5))]))",
                Path::new("t.ron")
            )
            .is_ok()
        );
        let e = err("(sensors: (cameras: [(lens: RadialTangential(p1: 0.9))]))");
        assert!(e.message.contains("p1"), "{e}");
        let e = err("(sensors: (cameras: [(lens: KannalaBrandt(fov_deg: 230))]))");
        assert!(e.message.contains("fov_deg"), "{e}");
        let e = err("(sensors: (cameras: [(hfov_deg: 190, lens: KannalaBrandt(k1: -0.4))]))");
        assert!(e.message.contains("folds back"), "{e}");
    }
}
