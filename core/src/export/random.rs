//! Deterministic random weights, for tests and benchmarks that need a model of the real shape.

use super::{Architecture, WeightTensor, Weights};

/// He-initialised weights of `architecture` from a fixed `seed` (same seed, same weights, on
/// every platform). BatchNorm statistics are near identity. Never ship these.
pub fn random_weights(architecture: Architecture, seed: u64) -> Weights {
    random_weights_for(architecture, crate::contract::NUM_CLASSES, seed)
}

/// [`random_weights`] of a network with `classes` outputs.
pub fn random_weights_for(architecture: Architecture, classes: usize, seed: u64) -> Weights {
    let mut rng = SplitMix64(seed ^ 0x9e37_79b9_7f4a_7c15);
    architecture
        .parameter_shapes_for(classes)
        .into_iter()
        .map(|(name, shape)| {
            let n: usize = shape.iter().product();
            let fan_in: usize = shape.iter().skip(1).product::<usize>().max(1);
            let bound = (6.0 / fan_in as f32).sqrt();
            let data: Vec<f32> = if name.ends_with("running_var") {
                (0..n).map(|_| 0.5 + rng.unit()).collect()
            } else if name.contains("bn") || name.contains("downsample.1") {
                if name.ends_with(".weight") {
                    (0..n).map(|_| 0.8 + 0.4 * rng.unit()).collect()
                } else {
                    (0..n).map(|_| 0.2 * (rng.unit() - 0.5)).collect()
                }
            } else if name.ends_with("bias") {
                (0..n).map(|_| 0.1 * (rng.unit() - 0.5)).collect()
            } else {
                (0..n).map(|_| bound * (2.0 * rng.unit() - 1.0)).collect()
            };
            (name, WeightTensor { shape, data })
        })
        .collect()
}

struct SplitMix64(u64);

impl SplitMix64 {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `[0, 1)`.
    fn unit(&mut self) -> f32 {
        (self.next() >> 40) as f32 / (1u64 << 24) as f32
    }
}
