//! AdamW with decoupled weight decay, written out so its state can go into the checkpoint (tch's
//! built-in optimisers do not expose their moment estimates, so a resumed run would differ).

use tch::{Tensor, nn};

/// One parameter and its moment estimates.
#[derive(Debug)]
struct Slot {
    name: String,
    param: Tensor,
    m: Tensor,
    v: Tensor,
    decay: bool,
}

/// AdamW (Loshchilov & Hutter 2019). Biases and BatchNorm parameters get no weight decay.
#[derive(Debug)]
pub struct AdamW {
    slots: Vec<Slot>,
    /// Steps taken so far (for bias correction).
    pub step: i64,
    /// Decoupled weight decay factor.
    pub weight_decay: f64,
    beta1: f64,
    beta2: f64,
    eps: f64,
}

impl AdamW {
    /// An optimiser over every trainable variable of `vs`, in name order.
    pub fn new(vs: &nn::VarStore, weight_decay: f64) -> Self {
        let mut vars: Vec<(String, Tensor)> =
            vs.variables().into_iter().filter(|(_, t)| t.requires_grad()).collect();
        vars.sort_by(|a, b| a.0.cmp(&b.0));
        let slots = vars
            .into_iter()
            .map(|(name, param)| Slot {
                decay: param.dim() > 1,
                m: param.zeros_like().detach(),
                v: param.zeros_like().detach(),
                name,
                param,
            })
            .collect();
        Self { slots, step: 0, weight_decay, beta1: 0.9, beta2: 0.999, eps: 1e-8 }
    }

    /// Clears every gradient.
    pub fn zero_grad(&mut self) {
        for s in &mut self.slots {
            s.param.zero_grad();
        }
    }

    /// One update with learning rate `lr` from the current gradients.
    pub fn step(&mut self, lr: f64) {
        self.step += 1;
        let bc1 = 1.0 - self.beta1.powi(self.step as i32);
        let bc2 = 1.0 - self.beta2.powi(self.step as i32);
        tch::no_grad(|| {
            for s in &mut self.slots {
                let g = s.param.grad();
                if !g.defined() {
                    continue;
                }
                let _ = s.m.g_mul_scalar_(self.beta1).g_add_(&(&g * (1.0 - self.beta1)));
                let _ = s.v.g_mul_scalar_(self.beta2).g_add_(&(&g * &g * (1.0 - self.beta2)));
                if s.decay && self.weight_decay > 0.0 {
                    let _ = s.param.g_mul_scalar_(1.0 - lr * self.weight_decay);
                }
                let denom = (&s.v / bc2).sqrt() + self.eps;
                let update = (&s.m / bc1) / denom * lr;
                let _ = s.param.g_sub_(&update);
            }
        });
    }

    /// The moment estimates as named tensors, for the checkpoint.
    pub fn state(&self) -> Vec<(String, Tensor)> {
        let mut out = Vec::with_capacity(2 * self.slots.len());
        for s in &self.slots {
            out.push((format!("adam.m/{}", s.name), s.m.shallow_clone()));
            out.push((format!("adam.v/{}", s.name), s.v.shallow_clone()));
        }
        out
    }

    /// Restores moment estimates saved by [`Self::state`]; returns the names that were missing.
    pub fn load_state(&mut self, tensors: &std::collections::HashMap<String, Tensor>) -> Vec<String> {
        let mut missing = Vec::new();
        tch::no_grad(|| {
            for s in &mut self.slots {
                for (kind, dst) in [("m", &mut s.m), ("v", &mut s.v)] {
                    match tensors.get(&format!("adam.{kind}/{}", s.name)) {
                        Some(t) if t.size() == dst.size() => dst.copy_(t),
                        _ => missing.push(format!("adam.{kind}/{}", s.name)),
                    }
                }
            }
        });
        missing
    }
}
