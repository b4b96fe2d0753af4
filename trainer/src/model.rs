//! SqueezeNet 1.1 and ResNet-18 in tch, with VarStore names equal to torchvision's state-dict
//! names (and so to [`glasses_core::export::Architecture::parameter_shapes`]).

use glasses_core::export::{
    Architecture, FireModule, RESNET18_STAGES, ResNetStage, SQUEEZENET_FIRES, WeightTensor, Weights,
};
use tch::nn;
use tch::{Device, Kind, Tensor};

use crate::error::{Error, Result};

/// A network and the variables it owns.
#[derive(Debug)]
pub struct Network {
    /// Which network.
    pub architecture: Architecture,
    /// Parameters and BatchNorm statistics, named like torchvision's state dict.
    pub vs: nn::VarStore,
    net: Net,
    final_relu_grad_leak: f64,
}

#[derive(Debug)]
enum Net {
    Squeeze(SqueezeNet),
    Res(ResNet18),
}

impl Network {
    /// A freshly initialised two-class network on `device` (initialisation as torchvision does it).
    pub fn new(architecture: Architecture, device: Device) -> Result<Self> {
        Self::with_classes(architecture, 2, device)
    }

    /// A freshly initialised network with `classes` outputs (2, or 3 with sunglasses).
    pub fn with_classes(architecture: Architecture, classes: usize, device: Device) -> Result<Self> {
        if !(2..=3).contains(&classes) {
            return Err(Error::Config(format!("a model has 2 or 3 classes, not {classes}")));
        }
        let vs = nn::VarStore::new(device);
        let classes = classes as i64;
        let net = match architecture {
            Architecture::SqueezeNet1_1 => Net::Squeeze(SqueezeNet::new(&vs.root(), classes)),
            Architecture::ResNet18 => Net::Res(ResNet18::new(&vs.root(), classes)),
            other => {
                return Err(Error::Config(format!("architecture {other} is not supported by the trainer")));
            }
        };
        Ok(Self { architecture, vs, net, final_relu_grad_leak: 0.0 })
    }

    /// Sets the training-time backward slope of SqueezeNet's final ReLU (no effect on outputs).
    pub fn set_final_relu_grad_leak(&mut self, leak: f64) {
        self.final_relu_grad_leak = leak;
    }

    /// Logits `[N, classes]`; `train` enables dropout and batch statistics.
    pub fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        match &self.net {
            Net::Squeeze(n) => n.forward_t(xs, train, self.final_relu_grad_leak),
            Net::Res(n) => n.forward_t(xs, train),
        }
    }

    /// Every variable as a float32 CPU copy, in glasses-core's export format.
    pub fn weights(&self) -> Result<Weights> {
        let mut out = Weights::new();
        for (name, t) in self.vs.variables() {
            let t = t.detach().to_device(Device::Cpu).to_kind(Kind::Float).contiguous();
            let shape: Vec<usize> = t.size().iter().map(|&d| d as usize).collect();
            let data = Vec::<f32>::try_from(&t.view([-1]))?;
            out.insert(name, WeightTensor::new(shape, data)?);
        }
        Ok(out)
    }
}

/// A channel count or stride from core's architecture tables as tch wants it; they are small
/// constants, so the conversion cannot truncate.
fn dim(n: usize) -> i64 {
    n as i64
}

fn conv(p: nn::Path, cin: i64, cout: i64, k: i64, stride: i64, padding: i64, bias: bool) -> nn::Conv2D {
    let cfg = nn::ConvConfig {
        stride,
        padding,
        bias,
        // torchvision: kaiming_uniform with a=sqrt(5) is the Conv2d default; this is close and
        // keeps ReLU activations alive from the first step.
        ws_init: nn::Init::Kaiming {
            dist: nn::init::NormalOrUniform::Uniform,
            fan: nn::init::FanInOut::FanIn,
            non_linearity: nn::init::NonLinearity::ReLU,
        },
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::conv2d(p, cin, cout, k, cfg)
}

#[derive(Debug)]
struct Fire {
    squeeze: nn::Conv2D,
    expand1x1: nn::Conv2D,
    expand3x3: nn::Conv2D,
}

impl Fire {
    fn new(p: nn::Path, f: &FireModule) -> Self {
        let (cin, s, e1, e3) = (dim(f.input_channels), dim(f.squeeze), dim(f.expand1x1), dim(f.expand3x3));
        Self {
            squeeze: conv(&p / "squeeze", cin, s, 1, 1, 0, true),
            expand1x1: conv(&p / "expand1x1", s, e1, 1, 1, 0, true),
            expand3x3: conv(&p / "expand3x3", s, e3, 3, 1, 1, true),
        }
    }
    fn forward(&self, xs: &Tensor) -> Tensor {
        let x = xs.apply(&self.squeeze).relu();
        Tensor::cat(&[x.apply(&self.expand1x1).relu(), x.apply(&self.expand3x3).relu()], 1)
    }
}

/// Initial bias of SqueezeNet's final (class) convolution, see [`SqueezeNet::new`].
const FINAL_BIAS_INIT: f64 = 1.0;

#[derive(Debug)]
struct SqueezeNet {
    conv0: nn::Conv2D,
    /// Each Fire module with whether a max pool runs before it.
    fires: Vec<(bool, Fire)>,
    final_conv: nn::Conv2D,
}

impl SqueezeNet {
    fn new(root: &nn::Path, classes: i64) -> Self {
        let features = root / "features";
        let fires = SQUEEZENET_FIRES
            .iter()
            .map(|f| (f.pool_before, Fire::new(&features / f.index.to_string(), f)))
            .collect();
        // torchvision initialises the final convolution with N(0, 0.01) and bias 0; trained from
        // scratch, the ReLU after it then often dies within the first steps (all logits 0,
        // loss stuck at ln 2). A positive bias keeps both class scores in the ReLU's linear part
        // while the features form.
        let final_cfg = nn::ConvConfig {
            ws_init: nn::Init::Randn { mean: 0.0, stdev: 0.01 },
            bs_init: nn::Init::Const(FINAL_BIAS_INIT),
            ..Default::default()
        };
        Self {
            conv0: conv(&features / "0", 3, 64, 3, 2, 0, true),
            fires,
            final_conv: nn::conv2d(root / "classifier" / "1", 512, classes, 1, final_cfg),
        }
    }

    fn forward_t(&self, xs: &Tensor, train: bool, leak: f64) -> Tensor {
        let pool = |x: Tensor| x.max_pool2d([3, 3], [2, 2], [0, 0], [1, 1], true);
        let mut x = xs.apply(&self.conv0).relu();
        for (pool_before, fire) in &self.fires {
            if *pool_before {
                x = pool(x);
            }
            x = fire.forward(&x);
        }
        let z = x.dropout(0.5, train).apply(&self.final_conv);
        let z = if train && leak != 0.0 { relu_with_leaky_gradient(&z, leak) } else { z.relu() };
        z.adaptive_avg_pool2d([1, 1]).flatten(1, -1)
    }
}

/// `relu(z)` in the forward pass (bit for bit, so the exported graph computes the same), with
/// gradient `leak` instead of 0 for `z < 0` in the backward pass. SqueezeNet's class scores pass
/// through a ReLU; once every score is negative for every image (which happens in training from
/// scratch, more so with distillation) no gradient flows and the loss stays at ln 2 for good.
pub fn relu_with_leaky_gradient(z: &Tensor, leak: f64) -> Tensor {
    let negative = z.lt(0.0).to_kind(z.kind());
    // `z - z.detach()` is exactly 0 forward but has gradient 1.
    z.relu() + (z - z.detach()) * negative * leak
}

fn bn(p: nn::Path, c: i64) -> nn::BatchNorm {
    let cfg = nn::BatchNormConfig {
        ws_init: nn::Init::Const(1.0),
        bs_init: nn::Init::Const(0.0),
        ..Default::default()
    };
    nn::batch_norm2d(p, c, cfg)
}

#[derive(Debug)]
struct BasicBlock {
    conv1: nn::Conv2D,
    bn1: nn::BatchNorm,
    conv2: nn::Conv2D,
    bn2: nn::BatchNorm,
    downsample: Option<(nn::Conv2D, nn::BatchNorm)>,
}

impl BasicBlock {
    fn new(p: nn::Path, cin: i64, cout: i64, stride: i64, downsample: bool) -> Self {
        let downsample = downsample.then(|| {
            (conv(&p / "downsample" / "0", cin, cout, 1, stride, 0, false), bn(&p / "downsample" / "1", cout))
        });
        Self {
            conv1: conv(&p / "conv1", cin, cout, 3, stride, 1, false),
            bn1: bn(&p / "bn1", cout),
            conv2: conv(&p / "conv2", cout, cout, 3, 1, 1, false),
            bn2: bn(&p / "bn2", cout),
            downsample,
        }
    }
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let y = xs
            .apply(&self.conv1)
            .apply_t(&self.bn1, train)
            .relu()
            .apply(&self.conv2)
            .apply_t(&self.bn2, train);
        let shortcut = match &self.downsample {
            Some((c, b)) => xs.apply(c).apply_t(b, train),
            None => xs.shallow_clone(),
        };
        (y + shortcut).relu()
    }
}

#[derive(Debug)]
struct ResNet18 {
    conv1: nn::Conv2D,
    bn1: nn::BatchNorm,
    blocks: Vec<BasicBlock>,
    fc: nn::Linear,
}

impl ResNet18 {
    fn new(root: &nn::Path, classes: i64) -> Self {
        let mut blocks = Vec::new();
        for stage in RESNET18_STAGES {
            let (cin, cout) = (dim(stage.input_channels), dim(stage.output_channels));
            for block in 0..ResNetStage::BLOCKS {
                let first = block == 0;
                let (bin, stride) = if first { (cin, dim(stage.stride)) } else { (cout, 1) };
                let downsample = first && stage.downsamples();
                blocks.push(BasicBlock::new(
                    root / stage.name / block.to_string(),
                    bin,
                    cout,
                    stride,
                    downsample,
                ));
            }
        }
        Self {
            conv1: conv(root / "conv1", 3, 64, 7, 2, 3, false),
            bn1: bn(root / "bn1", 64),
            blocks,
            fc: nn::linear(root / "fc", 512, classes, Default::default()),
        }
    }
    fn forward_t(&self, xs: &Tensor, train: bool) -> Tensor {
        let mut x = xs.apply(&self.conv1).apply_t(&self.bn1, train).relu().max_pool2d(
            [3, 3],
            [2, 2],
            [1, 1],
            [1, 1],
            false,
        );
        for b in &self.blocks {
            x = b.forward_t(&x, train);
        }
        x.adaptive_avg_pool2d([1, 1]).flatten(1, -1).apply(&self.fc)
    }
}
