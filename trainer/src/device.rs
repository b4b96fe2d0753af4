//! `--device auto|cpu|cuda`.

use std::str::FromStr;

use tch::Device;

use crate::error::{Error, Result};

/// The device asked for on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DeviceChoice {
    /// CUDA when libtorch sees a GPU, else CPU.
    #[default]
    Auto,
    /// CPU.
    Cpu,
    /// The first CUDA GPU; an error when libtorch sees none.
    Cuda,
}

impl FromStr for DeviceChoice {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self> {
        match s.to_ascii_lowercase().as_str() {
            "auto" => Ok(Self::Auto),
            "cpu" => Ok(Self::Cpu),
            "cuda" | "gpu" => Ok(Self::Cuda),
            _ => Err(Error::Config(format!("unknown device {s:?} (expected auto, cpu or cuda)"))),
        }
    }
}

impl DeviceChoice {
    /// The tch device; `cuda` fails with a hint when libtorch has no usable GPU.
    pub fn resolve(self) -> Result<Device> {
        match self {
            Self::Auto => Ok(Device::cuda_if_available()),
            Self::Cpu => Ok(Device::Cpu),
            Self::Cuda if tch::Cuda::is_available() => Ok(Device::Cuda(0)),
            Self::Cuda => Err(Error::Config(
                "--device cuda: libtorch sees no CUDA GPU (CPU-only libtorch, a build without the `cuda` \
                 feature, or a GPU the wheel does not support; see docs/TRAINING.md)"
                    .into(),
            )),
        }
    }
}
