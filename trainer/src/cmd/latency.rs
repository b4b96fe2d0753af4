//! `glasses-trainer latency`: one-image inference time of a freshly initialised network in
//! libtorch, for the speed comparison (bench/compare.sh, TORCH=1).

use clap::Args;
use glasses_core::export::Architecture;
use glasses_trainer::device::DeviceChoice;
use glasses_trainer::latency;

#[derive(Debug, Args)]
pub struct LatencyArgs {
    /// squeezenet or resnet18.
    #[arg(long)]
    arch: Architecture,
    /// Input width in pixels.
    #[arg(long, default_value_t = 88)]
    input_width: u32,
    /// Input height in pixels.
    #[arg(long, default_value_t = 108)]
    input_height: u32,
    /// Timed runs per thread setting (after warm-up).
    #[arg(long, default_value_t = 200)]
    runs: usize,
    /// auto (CUDA when available), cpu or cuda.
    #[arg(long, default_value = "cpu")]
    device: DeviceChoice,
}

/// One JSON line: the median with 1 libtorch thread and with libtorch's default (all cores) on
/// the CPU, or one GPU time on CUDA.
pub fn run(args: LatencyArgs) -> anyhow::Result<()> {
    let device = args.device.resolve()?;
    let time = |threads: Option<i32>| -> anyhow::Result<latency::Latency> {
        if let Some(n) = threads {
            tch::set_num_threads(n);
        }
        Ok(latency::forward_latency(args.arch, args.input_width, args.input_height, device, args.runs)?)
    };
    let device_name = match device {
        tch::Device::Cuda(i) => format!("cuda:{i}"),
        _ => "cpu".to_owned(),
    };
    let mut line = serde_json::json!({
        "architecture": args.arch.name(),
        "width": args.input_width,
        "height": args.input_height,
        "device": device_name,
        "runs": args.runs,
    });
    if device == tch::Device::Cpu {
        let all = tch::get_num_threads();
        line["inference_ms"] = time(Some(1))?.median_ms.into();
        line["inference_all_threads_ms"] = time(Some(all))?.median_ms.into();
        line["all_threads"] = all.into();
    } else {
        line["inference_ms"] = time(None)?.median_ms.into();
    }
    println!("{line}");
    Ok(())
}
