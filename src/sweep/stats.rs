//! Coverage of a sweep: per randomised parameter, quantiles and a histogram
//! (numbers) or counts (anything else).

use serde_json::{Value, json};
use std::collections::BTreeMap;

const BINS: usize = 10;

pub fn quantile(sorted: &[f64], q: f64) -> f64 {
    // linear interpolation between closest ranks
    let pos = q * (sorted.len() - 1) as f64;
    let (lo, hi) = (pos.floor() as usize, pos.ceil() as usize);
    sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo as f64)
}

pub fn summarize(samples: &[BTreeMap<String, Value>]) -> Value {
    let mut by_param: BTreeMap<&str, Vec<&Value>> = BTreeMap::new();
    for s in samples {
        for (k, v) in s {
            by_param.entry(k).or_default().push(v);
        }
    }
    let mut out = serde_json::Map::new();
    for (param, vals) in by_param {
        let numbers: Option<Vec<f64>> = vals.iter().map(|v| v.as_f64()).collect();
        let entry = match numbers {
            Some(mut xs) if !param.starts_with("group:") => {
                xs.sort_by(f64::total_cmp);
                let (min, max) = (xs[0], xs[xs.len() - 1]);
                let width = (max - min) / BINS as f64;
                let mut counts = [0u64; BINS];
                for x in &xs {
                    let b = if width > 0.0 {
                        (((x - min) / width) as usize).min(BINS - 1)
                    } else {
                        0
                    };
                    counts[b] += 1;
                }
                json!({
                    "count": xs.len(),
                    "min": min,
                    "max": max,
                    "mean": xs.iter().sum::<f64>() / xs.len() as f64,
                    "quantiles": {"p05": quantile(&xs, 0.05), "p25": quantile(&xs, 0.25), "p50": quantile(&xs, 0.5), "p75": quantile(&xs, 0.75), "p95": quantile(&xs, 0.95)},
                    "histogram": {"bin_edges": (0..=BINS).map(|i| min + width * i as f64).collect::<Vec<_>>(), "counts": counts},
                })
            }
            _ => {
                let mut counts: BTreeMap<String, u64> = BTreeMap::new();
                for v in &vals {
                    *counts.entry(v.to_string()).or_default() += 1;
                }
                json!({"count": vals.len(), "counts": counts})
            }
        };
        out.insert(param.to_string(), entry);
    }
    Value::Object(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_histograms_and_counts() {
        let samples: Vec<BTreeMap<String, Value>> = (0..=100)
            .map(|i| {
                BTreeMap::from([
                    ("x".to_string(), json!(i as f64)),
                    (
                        "kind".to_string(),
                        json!(if i % 4 == 0 { "Van" } else { "Car" }),
                    ),
                ])
            })
            .collect();
        let s = summarize(&samples);
        assert_eq!(s["x"]["quantiles"]["p50"], 50.0);
        assert_eq!(s["x"]["quantiles"]["p05"], 5.0);
        let counts: Vec<u64> =
            serde_json::from_value(s["x"]["histogram"]["counts"].clone()).unwrap();
        assert_eq!(counts.iter().sum::<u64>(), 101);
        assert_eq!(s["kind"]["counts"]["\"Van\""], 26);
    }
}
