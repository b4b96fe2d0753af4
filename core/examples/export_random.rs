//! Writes a random-weight model (for benchmarks and tests; never ship one).
//!
//! `cargo run -p glasses-core --example export_random -- OUT.onnx [squeezenet1_1|resnet18] [SIZE] [f32|int8] [SEED]`

use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().ok_or("usage: export_random OUT.onnx [ARCH] [SIZE] [f32|int8] [SEED]")?;
    let arch: Architecture =
        args.get(1).map(|s| s.parse()).transpose()?.unwrap_or(Architecture::SqueezeNet1_1);
    let size: u32 = args.get(2).map(|s| s.parse()).transpose()?.unwrap_or(96);
    let mut options = ExportOptions::new(arch, size);
    if args.get(3).map(String::as_str) == Some("int8") {
        options.precision = WeightPrecision::Int8;
    }
    let seed: u64 = args.get(4).map(|s| s.parse()).transpose()?.unwrap_or(1);
    options.model_version = format!("random-seed-{seed}");
    let bytes = export_onnx(&random_weights(arch, seed), &options)?;
    if std::path::Path::new(out).exists() {
        return Err(format!("{out} exists; refusing to overwrite").into());
    }
    std::fs::write(out, &bytes)?;
    println!("wrote {out}: {} bytes, {arch}, {size}px, {:?}", bytes.len(), options.precision);
    Ok(())
}
