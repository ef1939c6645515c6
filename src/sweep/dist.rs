//! Distributions of a sweep parameter, drawn from counter-based streams.

use crate::core::rng::Stream;
use serde::{Deserialize, Serialize};
use serde_json::Value;

#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
pub enum Dist {
    /// Uniform real in [min, max].
    Uniform { min: f64, max: f64 },
    /// Normal, clipped to [min, max].
    Normal {
        mean: f64,
        std: f64,
        min: f64,
        max: f64,
    },
    /// Uniform integer in [min, max] (inclusive).
    IntRange { min: i64, max: i64 },
    /// One of `values`, with optional relative `weights`.
    Choice {
        values: Vec<Value>,
        #[serde(default)]
        weights: Option<Vec<f64>>,
    },
    /// Always this value (useful inside correlated groups).
    Fixed(Value),
}

/// Pick an index with relative weights (None: equal weights).
pub fn weighted_index(rng: &mut Stream, n: usize, weights: Option<&[f64]>) -> usize {
    match weights {
        None => rng.index(n),
        Some(w) => {
            let total: f64 = w.iter().sum();
            let mut x = rng.next_f64() * total;
            for (i, wi) in w.iter().enumerate() {
                if x < *wi {
                    return i;
                }
                x -= wi;
            }
            n - 1
        }
    }
}

pub fn check_weights(weights: Option<&[f64]>, n: usize) -> Result<(), String> {
    if let Some(w) = weights {
        if w.len() != n {
            return Err(format!("{} weights for {n} values", w.len()));
        }
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
            return Err("weights must be >= 0 with a positive sum".into());
        }
    }
    Ok(())
}

impl Dist {
    /// Why this distribution cannot be sampled, if it cannot.
    pub fn check(&self) -> Result<(), String> {
        match self {
            Dist::Uniform { min, max } if !(min.is_finite() && max.is_finite() && min <= max) => {
                Err(format!(
                    "Uniform needs finite min <= max (got {min}, {max})"
                ))
            }
            Dist::Normal {
                std,
                min,
                max,
                mean,
            } if !(std.is_finite() && *std >= 0.0 && min <= max && mean.is_finite()) => {
                Err(format!(
                    "Normal needs std >= 0 and min <= max (got std {std}, min {min}, max {max})"
                ))
            }
            Dist::IntRange { min, max } if min > max => {
                Err(format!("IntRange needs min <= max (got {min}, {max})"))
            }
            Dist::Choice { values, .. } if values.is_empty() => {
                Err("Choice needs at least one value".into())
            }
            Dist::Choice { values, weights } => check_weights(weights.as_deref(), values.len()),
            _ => Ok(()),
        }
    }

    pub fn sample(&self, rng: &mut Stream) -> Value {
        match self {
            Dist::Uniform { min, max } => Value::from(rng.range(*min, *max)),
            Dist::Normal {
                mean,
                std,
                min,
                max,
            } => {
                // Box-Muller; clipping keeps the value in range
                let u1 = rng.next_f64().max(f64::MIN_POSITIVE);
                let u2 = rng.next_f64();
                let z = (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos();
                Value::from((mean + std * z).clamp(*min, *max))
            }
            Dist::IntRange { min, max } => {
                let span = (max - min) as u64 + 1;
                Value::from(min + (rng.next_u64() % span) as i64)
            }
            Dist::Choice { values, weights } => {
                values[weighted_index(rng, values.len(), weights.as_deref())].clone()
            }
            Dist::Fixed(v) => v.clone(),
        }
    }

    /// Values that bound what `sample` can return, to type-check a path
    /// against the scenario before anything runs.
    pub fn extremes(&self) -> Vec<Value> {
        match self {
            Dist::Uniform { min, max } | Dist::Normal { min, max, .. } => {
                vec![Value::from(*min), Value::from(*max)]
            }
            Dist::IntRange { min, max } => vec![Value::from(*min), Value::from(*max)],
            Dist::Choice { values, .. } => values.clone(),
            Dist::Fixed(v) => vec![v.clone()],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_stay_in_range_and_follow_weights() {
        let mut rng = Stream::new(3, "t", 0);
        let n = Dist::Normal {
            mean: 5.0,
            std: 10.0,
            min: 0.0,
            max: 8.0,
        };
        let u = Dist::IntRange { min: -2, max: 2 };
        let c = Dist::Choice {
            values: vec![Value::from("a"), Value::from("b")],
            weights: Some(vec![3.0, 1.0]),
        };
        let mut a = 0;
        for _ in 0..4000 {
            let x = n.sample(&mut rng).as_f64().unwrap();
            assert!((0.0..=8.0).contains(&x));
            let i = u.sample(&mut rng).as_i64().unwrap();
            assert!((-2..=2).contains(&i));
            if c.sample(&mut rng) == "a" {
                a += 1;
            }
        }
        assert!((2850..3150).contains(&a), "{a}");
    }

    #[test]
    fn impossible_distributions_are_rejected() {
        assert!(Dist::Uniform { min: 2.0, max: 1.0 }.check().is_err());
        assert!(
            Dist::Normal {
                mean: 0.0,
                std: -1.0,
                min: 0.0,
                max: 1.0
            }
            .check()
            .is_err()
        );
        assert!(Dist::IntRange { min: 3, max: 1 }.check().is_err());
        assert!(
            Dist::Choice {
                values: vec![],
                weights: None
            }
            .check()
            .is_err()
        );
        assert!(
            Dist::Choice {
                values: vec![Value::from(1)],
                weights: Some(vec![1.0, 2.0])
            }
            .check()
            .is_err()
        );
        assert!(
            Dist::Choice {
                values: vec![Value::from(1)],
                weights: Some(vec![0.0])
            }
            .check()
            .is_err()
        );
        assert!(Dist::Uniform { min: 1.0, max: 1.0 }.check().is_ok());
    }
}
