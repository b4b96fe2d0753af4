//! Magnitude pruning: the smallest weights of every convolution and dense layer set to zero.
//!
//! Used by `glasses-trainer export --prune F` to measure what pruning buys a glasses model: the
//! ONNX file stores weights densely, so zeros shrink only a compressed copy of it, and tract's
//! kernels do the same work for a zero as for any other weight.

use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::model::Network;

/// What [`magnitude_prune`] did.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PruneStats {
    /// Weights of the pruned layers that are zero afterwards.
    pub zeroed: i64,
    /// All weights of the pruned layers.
    pub total: i64,
}

/// Sets the `fraction` of smallest-magnitude weights of each convolution and dense layer (every
/// `*.weight` of rank 2 or more) to zero, layer by layer. Biases and BatchNorm parameters are
/// kept. Weights equal to the threshold go too, so a layer may lose slightly more than asked.
pub fn magnitude_prune(net: &Network, fraction: f64) -> Result<PruneStats> {
    if !(0.0..1.0).contains(&fraction) {
        return Err(Error::Config(format!("prune fraction {fraction} must be in [0, 1)")));
    }
    let _no_grad = tch::no_grad_guard();
    let mut stats = PruneStats { zeroed: 0, total: 0 };
    for (name, mut weight) in net.vs.variables() {
        if !name.ends_with(".weight") || weight.dim() < 2 {
            continue;
        }
        let n = weight.numel() as i64;
        let k = (n as f64 * fraction).floor() as i64;
        if k > 0 {
            let magnitude = weight.abs();
            let (threshold, _) = magnitude.flatten(0, -1).kthvalue(k, 0, false);
            let keep = magnitude.gt_tensor(&threshold).to_kind(weight.kind());
            let pruned = &weight * keep;
            weight.copy_(&pruned);
        }
        stats.zeroed += weight.eq(0.0).sum(Kind::Int64).int64_value(&[]);
        stats.total += n;
    }
    Ok(stats)
}

/// Each prunable weight (see [`magnitude_prune`]) with a mask of its non-zero entries, taken now.
pub fn zero_masks(net: &Network) -> Vec<(Tensor, Tensor)> {
    let _no_grad = tch::no_grad_guard();
    net.vs
        .variables()
        .into_iter()
        .filter(|(name, w)| name.ends_with(".weight") && w.dim() >= 2)
        .map(|(_, w)| {
            let mask = w.ne(0.0).to_kind(w.kind());
            (w, mask)
        })
        .collect()
}

/// Zeros again every weight that was zero when its mask was taken.
pub fn apply_masks(masks: &[(Tensor, Tensor)]) {
    let _no_grad = tch::no_grad_guard();
    for (weight, mask) in masks {
        let _ = weight.shallow_clone().g_mul_(mask);
    }
}

/// Zeros among a tensor's values (for tests and reports).
pub fn zero_count(t: &Tensor) -> i64 {
    t.eq(0.0).sum(Kind::Int64).int64_value(&[])
}

#[cfg(test)]
mod tests {
    use glasses_core::export::Architecture;
    use tch::Device;

    use super::*;

    #[test]
    fn each_layer_loses_its_smallest_weights_and_nothing_else() {
        let net = Network::new(Architecture::SqueezeNet1_1, Device::Cpu).expect("net");
        let before: Vec<(String, Tensor)> =
            net.vs.variables().into_iter().map(|(n, t)| (n, t.detach().copy())).collect();
        let stats = magnitude_prune(&net, 0.5).expect("prune");
        assert!(stats.total > 700_000, "{stats:?}");
        let share = stats.zeroed as f64 / stats.total as f64;
        assert!((0.5..0.501).contains(&share), "zeroed {share} of the weights");
        let after = net.vs.variables();
        for (name, old) in &before {
            let new = &after[name];
            if name.ends_with(".weight") && old.dim() >= 2 {
                let n = old.numel() as i64;
                let zeros = zero_count(new);
                assert!(zeros >= n / 2 && zeros <= n / 2 + 2, "{name}: {zeros} of {n} zero");
                // Every kept weight is unchanged, and none is smaller than a pruned one.
                let kept = new.ne(0.0);
                assert!(new.masked_select(&kept).equal(&old.masked_select(&kept)), "{name} changed");
                let smallest_kept = old.masked_select(&kept).abs().min().double_value(&[]);
                let largest_pruned = old.masked_select(&kept.logical_not()).abs().max().double_value(&[]);
                assert!(
                    smallest_kept >= largest_pruned,
                    "{name}: kept {smallest_kept} < pruned {largest_pruned}"
                );
            } else {
                assert!(new.equal(old), "{name} must not be pruned");
            }
        }
    }

    #[test]
    fn masks_restore_the_zeros_an_update_moved() {
        let net = Network::new(Architecture::SqueezeNet1_1, Device::Cpu).expect("net");
        magnitude_prune(&net, 0.3).expect("prune");
        let masks = zero_masks(&net);
        let zeros: i64 = masks.iter().map(|(w, _)| zero_count(w)).sum();
        {
            let _g = tch::no_grad_guard();
            for (w, _) in &masks {
                let _ = w.shallow_clone().fill_(0.5);
            }
        }
        assert_eq!(masks.iter().map(|(w, _)| zero_count(w)).sum::<i64>(), 0, "the update left no zero");
        apply_masks(&masks);
        assert_eq!(masks.iter().map(|(w, _)| zero_count(w)).sum::<i64>(), zeros);
    }

    #[test]
    fn zero_fraction_changes_nothing_and_out_of_range_fails() {
        let net = Network::new(Architecture::SqueezeNet1_1, Device::Cpu).expect("net");
        let before = net.weights().expect("weights");
        // Random initialisation can itself produce an exact zero now and then; those are counted.
        let zeros_before: i64 = zero_masks(&net).iter().map(|(w, _)| zero_count(w)).sum();
        let stats = magnitude_prune(&net, 0.0).expect("prune 0");
        assert_eq!(stats.zeroed, zeros_before);
        assert_eq!(net.weights().expect("weights"), before);
        for bad in [1.0, -0.1, f64::NAN] {
            assert!(matches!(magnitude_prune(&net, bad), Err(Error::Config(_))), "{bad}");
        }
    }
}
