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

/// One Fire module of SqueezeNet 1.1: a 1x1 "squeeze" convolution whose output feeds a 1x1 and a
/// 3x3 "expand" convolution side by side, concatenated along channels. Every convolution has a
/// bias and is followed by a ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct FireModule {
    /// Position in torchvision's `features` sequence: parameters are named
    /// `features.{index}.squeeze.weight` and so on.
    pub index: usize,
    /// Channels coming in.
    pub input_channels: usize,
    /// Output channels of the squeeze convolution.
    pub squeeze: usize,
    /// Output channels of the 1x1 expand convolution.
    pub expand1x1: usize,
    /// Output channels of the 3x3 expand convolution (padding 1).
    pub expand3x3: usize,
    /// Whether a 3x3, stride 2, ceil-mode max pool (torchvision's `features.{index - 1}`) runs
    /// right before this module.
    pub pool_before: bool,
}

impl FireModule {
    const fn new(
        index: usize,
        input_channels: usize,
        squeeze: usize,
        expand: usize,
        pool_before: bool,
    ) -> Self {
        Self { index, input_channels, squeeze, expand1x1: expand, expand3x3: expand, pool_before }
    }

    /// Channels going out: both expand convolutions, concatenated.
    pub fn output_channels(&self) -> usize {
        self.expand1x1 + self.expand3x3
    }
}

/// SqueezeNet 1.1's Fire modules in order, as torchvision builds them. The trainer builds its
/// network and the exporter its graph from this one table, so their parameter names and shapes
/// cannot drift apart.
pub const SQUEEZENET_FIRES: [FireModule; 8] = [
    FireModule::new(3, 64, 16, 64, true),
    FireModule::new(4, 128, 16, 64, false),
    FireModule::new(6, 128, 32, 128, true),
    FireModule::new(7, 256, 32, 128, false),
    FireModule::new(9, 256, 48, 192, true),
    FireModule::new(10, 384, 48, 192, false),
    FireModule::new(11, 384, 64, 256, false),
    FireModule::new(12, 512, 64, 256, false),
];

/// One stage (`layer1` to `layer4`) of ResNet-18: two basic blocks, the first of which may
/// downsample. Each basic block is conv3x3-BN-ReLU-conv3x3-BN plus a shortcut, then a ReLU.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct ResNetStage {
    /// torchvision's name of the stage: parameters are named `{name}.{block}.conv1.weight` and
    /// so on, with `block` 0 or 1.
    pub name: &'static str,
    /// Channels coming into the first block.
    pub input_channels: usize,
    /// Channels of every convolution in the stage, and going out.
    pub output_channels: usize,
    /// Stride of the first block's first convolution (and of its shortcut); later blocks use 1.
    pub stride: usize,
}

impl ResNetStage {
    /// Basic blocks per stage in ResNet-18.
    pub const BLOCKS: usize = 2;

    const fn new(name: &'static str, input_channels: usize, output_channels: usize, stride: usize) -> Self {
        Self { name, input_channels, output_channels, stride }
    }

    /// Whether the first block's shortcut is a 1x1 convolution plus BatchNorm
    /// (`{name}.0.downsample.{0,1}`) rather than the identity: when its shape changes.
    pub fn downsamples(&self) -> bool {
        self.stride != 1 || self.input_channels != self.output_channels
    }
}

/// ResNet-18's four stages in order, as torchvision builds them; shared by the trainer and the
/// exporter like [`SQUEEZENET_FIRES`].
pub const RESNET18_STAGES: [ResNetStage; 4] = [
    ResNetStage::new("layer1", 64, 64, 1),
    ResNetStage::new("layer2", 64, 128, 2),
    ResNetStage::new("layer3", 128, 256, 2),
    ResNetStage::new("layer4", 256, 512, 2),
];

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
        self.parameter_shapes_for(NUM_CLASSES)
    }

    /// [`Self::parameter_shapes`] of a network with `classes` outputs (2, or 3 with sunglasses).
    pub fn parameter_shapes_for(self, classes: usize) -> Vec<(String, Vec<usize>)> {
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
                for f in SQUEEZENET_FIRES {
                    let p = format!("features.{}", f.index);
                    conv(&mut out, &format!("{p}.squeeze"), f.squeeze, f.input_channels, 1, true);
                    conv(&mut out, &format!("{p}.expand1x1"), f.expand1x1, f.squeeze, 1, true);
                    conv(&mut out, &format!("{p}.expand3x3"), f.expand3x3, f.squeeze, 3, true);
                }
                conv(&mut out, "classifier.1", classes, 512, 1, true);
            }
            Self::ResNet18 => {
                conv(&mut out, "conv1", 64, 3, 7, false);
                bn(&mut out, "bn1", 64);
                for stage in RESNET18_STAGES {
                    let (cin, cout) = (stage.input_channels, stage.output_channels);
                    for block in 0..ResNetStage::BLOCKS {
                        let p = format!("{}.{block}", stage.name);
                        let bin = if block == 0 { cin } else { cout };
                        conv(&mut out, &format!("{p}.conv1"), cout, bin, 3, false);
                        bn(&mut out, &format!("{p}.bn1"), cout);
                        conv(&mut out, &format!("{p}.conv2"), cout, cout, 3, false);
                        bn(&mut out, &format!("{p}.bn2"), cout);
                        if block == 0 && stage.downsamples() {
                            conv(&mut out, &format!("{p}.downsample.0"), cout, cin, 1, false);
                            bn(&mut out, &format!("{p}.downsample.1"), cout);
                        }
                    }
                }
                out.push(("fc.weight".to_owned(), vec![classes, 512]));
                out.push(("fc.bias".to_owned(), vec![classes]));
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
pub(crate) fn check_weights(arch: Architecture, classes: usize, weights: &Weights) -> Result<()> {
    let expected = arch.parameter_shapes_for(classes);
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
