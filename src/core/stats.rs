//! Distribution statistics for the dataset report: histograms, the 1-D
//! Wasserstein distance between two samples (the area between their
//! empirical CDFs, in the samples' unit) and the total variation distance
//! between two frequency tables (half the L1 distance of the proportions).

use std::collections::BTreeMap;

/// Equal-width bins over [lo, hi]; values outside go to the end bins.
#[derive(Clone, Debug, PartialEq)]
pub struct Histogram {
    pub lo: f64,
    pub hi: f64,
    pub counts: Vec<u64>,
}

impl Histogram {
    pub fn of(values: &[f64], lo: f64, hi: f64, bins: usize) -> Histogram {
        let mut counts = vec![0u64; bins.max(1)];
        let width = (hi - lo).max(f64::MIN_POSITIVE) / counts.len() as f64;
        for &v in values.iter().filter(|v| v.is_finite()) {
            let i = ((v - lo) / width)
                .floor()
                .clamp(0.0, (counts.len() - 1) as f64) as usize;
            counts[i] += 1;
        }
        Histogram { lo, hi, counts }
    }
}

/// W1 between the empirical distributions of `a` and `b` (non-finite
/// values ignored); None when either is empty.
pub fn wasserstein_1(a: &[f64], b: &[f64]) -> Option<f64> {
    let sorted = |v: &[f64]| {
        let mut s: Vec<f64> = v.iter().copied().filter(|x| x.is_finite()).collect();
        s.sort_by(f64::total_cmp);
        s
    };
    let (a, b) = (sorted(a), sorted(b));
    if a.is_empty() || b.is_empty() {
        return None;
    }
    // walk the merged support: between consecutive points the CDFs are flat
    let mut points: Vec<f64> = a.iter().chain(&b).copied().collect();
    points.sort_by(f64::total_cmp);
    let (mut i, mut j, mut total) = (0, 0, 0.0);
    for w in points.windows(2) {
        while i < a.len() && a[i] <= w[0] {
            i += 1;
        }
        while j < b.len() && b[j] <= w[0] {
            j += 1;
        }
        let gap = (i as f64 / a.len() as f64 - j as f64 / b.len() as f64).abs();
        total += gap * (w[1] - w[0]);
    }
    Some(total)
}

/// Total variation distance of two frequency tables over the union of
/// their keys; None when either is empty.
pub fn total_variation(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> Option<f64> {
    let (na, nb) = (a.values().sum::<u64>(), b.values().sum::<u64>());
    if na == 0 || nb == 0 {
        return None;
    }
    let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
    let share =
        |m: &BTreeMap<String, u64>, k: &String, n: u64| *m.get(k).unwrap_or(&0) as f64 / n as f64;
    Some(
        0.5 * keys
            .iter()
            .map(|k| (share(a, k, na) - share(b, k, nb)).abs())
            .sum::<f64>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wasserstein_of_a_shift_is_the_shift_and_zero_for_itself() {
        let a = [1.0, 2.0, 3.0, 4.0];
        let b = [3.0, 4.0, 5.0, 6.0];
        assert!((wasserstein_1(&a, &b).unwrap() - 2.0).abs() < 1e-12);
        assert_eq!(wasserstein_1(&a, &a), Some(0.0));
        // different sizes: a point mass against two points
        assert!((wasserstein_1(&[0.0], &[0.0, 2.0]).unwrap() - 1.0).abs() < 1e-12);
        assert_eq!(wasserstein_1(&[], &a), None);
    }

    #[test]
    fn total_variation_is_half_the_l1_of_shares() {
        let t = |p: &[(&str, u64)]| p.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        let a = t(&[("car", 3), ("person", 1)]);
        let b = t(&[("car", 1), ("person", 1)]);
        assert!((total_variation(&a, &b).unwrap() - 0.25).abs() < 1e-12);
        assert_eq!(total_variation(&a, &a), Some(0.0));
        let c = t(&[("deer", 5)]);
        assert_eq!(total_variation(&a, &c), Some(1.0));
    }

    #[test]
    fn histograms_clamp_outliers_into_the_end_bins() {
        let h = Histogram::of(&[-1.0, 0.5, 1.5, 9.0, f64::NAN], 0.0, 2.0, 2);
        assert_eq!(h.counts, vec![2, 2]);
    }
}
