//! The supported architectures and their parameter names, as torchvision names them.

use std::fmt;
use std::str::FromStr;

use super::Weights;
use crate::contract::NUM_CLASSES;
use crate::error::{Error, Result};

/// A network the exporter can write.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Architecture {
    /// SqueezeNet 1.1 (Iandola et al. 2016, torchvision `squeezenet1_1`), 2 classes: ~0.72 M
    /// parameters, under 3 MB as float32.
    SqueezeNet1_1,
    /// ResNet-18 (He et al. 2015, torchvision `resnet18`), 2 classes: the distillation teacher.
    ResNet18,
}

/// SqueezeNet 1.1 Fire modules: (features index, input channels, squeeze, expand1x1, expand3x3).
pub(crate) const SQUEEZENET_FIRES: [(usize, usize, usize, usize, usize); 8] = [
    (3, 64, 16, 64, 64),
    (4, 128, 16, 64, 64),
    (6, 128, 32, 128, 128),
    (7, 256, 32, 128, 128),
    (9, 256, 48, 192, 192),
    (10, 384, 48, 192, 192),
    (11, 384, 64, 256, 256),
    (12, 512, 64, 256, 256),
];

/// ResNet-18 stages: (layer name, input channels, output channels, first stride).
pub(crate) const RESNET18_STAGES: [(&str, usize, usize, usize); 4] =
    [("layer1", 64, 64, 1), ("layer2", 64, 128, 2), ("layer3", 128, 256, 2), ("layer4", 256, 512, 2)];

impl Architecture {
    /// Every supported architecture.
    pub const ALL: [Architecture; 2] = [Self::SqueezeNet1_1, Self::ResNet18];

    /// The name used in metadata and on command lines.
    pub fn name(self) -> &'static str {
        match self {
            Self::SqueezeNet1_1 => "squeezenet1_1",
            Self::ResNet18 => "resnet18",
        }
    }

    /// Smallest input side the network's downsampling accepts.
    pub fn min_input_size(self) -> u32 {
        match self {
            Self::SqueezeNet1_1 => 32,
            Self::ResNet18 => 32,
        }
    }

    /// Every parameter (and BatchNorm statistic) with its shape, in a stable order.
    pub fn parameter_shapes(self) -> Vec<(String, Vec<usize>)> {
        let mut out = Vec::new();
        let conv =
            |out: &mut Vec<(String, Vec<usize>)>, name: &str, o: usize, i: usize, k: usize, bias: bool| {
                out.push((format!("{name}.weight"), vec![o, i, k, k]));
                if bias {
                    out.push((format!("{name}.bias"), vec![o]));
                }
            };
        let bn = |out: &mut Vec<(String, Vec<usize>)>, name: &str, c: usize| {
            for p in ["weight", "bias", "running_mean", "running_var"] {
                out.push((format!("{name}.{p}"), vec![c]));
            }
        };
        match self {
            Self::SqueezeNet1_1 => {
                conv(&mut out, "features.0", 64, 3, 3, true);
                for (idx, cin, s, e1, e3) in SQUEEZENET_FIRES {
                    conv(&mut out, &format!("features.{idx}.squeeze"), s, cin, 1, true);
                    conv(&mut out, &format!("features.{idx}.expand1x1"), e1, s, 1, true);
                    conv(&mut out, &format!("features.{idx}.expand3x3"), e3, s, 3, true);
                }
                conv(&mut out, "classifier.1", NUM_CLASSES, 512, 1, true);
            }
            Self::ResNet18 => {
                conv(&mut out, "conv1", 64, 3, 7, false);
                bn(&mut out, "bn1", 64);
                for (layer, cin, cout, stride) in RESNET18_STAGES {
                    for block in 0..2 {
                        let p = format!("{layer}.{block}");
                        let bin = if block == 0 { cin } else { cout };
                        conv(&mut out, &format!("{p}.conv1"), cout, bin, 3, false);
                        bn(&mut out, &format!("{p}.bn1"), cout);
                        conv(&mut out, &format!("{p}.conv2"), cout, cout, 3, false);
                        bn(&mut out, &format!("{p}.bn2"), cout);
                        if block == 0 && (stride != 1 || cin != cout) {
                            conv(&mut out, &format!("{p}.downsample.0"), cout, cin, 1, false);
                            bn(&mut out, &format!("{p}.downsample.1"), cout);
                        }
                    }
                }
                out.push(("fc.weight".to_owned(), vec![NUM_CLASSES, 512]));
                out.push(("fc.bias".to_owned(), vec![NUM_CLASSES]));
            }
        }
        out
    }
}

impl fmt::Display for Architecture {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Architecture {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().replace(['-', '.'], "_").as_str() {
            "squeezenet" | "squeezenet1_1" | "squeezenet11" => Ok(Self::SqueezeNet1_1),
            "resnet18" | "resnet_18" => Ok(Self::ResNet18),
            _ => {
                Err(Error::export(format!("unknown architecture {s:?} (expected squeezenet1_1 or resnet18)")))
            }
        }
    }
}

/// Every expected tensor is present with its shape, and nothing unexpected is.
pub(crate) fn check_weights(arch: Architecture, weights: &Weights) -> Result<()> {
    let expected = arch.parameter_shapes();
    for (name, shape) in &expected {
        let Some(t) = weights.get(name) else {
            return Err(Error::export(format!("{} weights lack `{name}`", arch.name())));
        };
        if &t.shape != shape {
            return Err(Error::export(format!(
                "`{name}` has shape {:?}, {} needs {shape:?}",
                t.shape,
                arch.name()
            )));
        }
        if t.data.len() != shape.iter().product::<usize>() {
            return Err(Error::export(format!("`{name}` holds {} values for shape {shape:?}", t.data.len())));
        }
        if t.data.iter().any(|v| !v.is_finite()) {
            return Err(Error::export(format!("`{name}` contains NaN or infinite values")));
        }
    }
    for name in weights.keys() {
        if !name.ends_with("num_batches_tracked") && !expected.iter().any(|(n, _)| n == name) {
            return Err(Error::export(format!("unexpected tensor `{name}` for {}", arch.name())));
        }
    }
    Ok(())
}
