//! `glasses-trainer checks`: ONNX model files measured through glasses-core on a validation fold
//! and its check sets.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use glasses_trainer::checks::ValidationParts;
use glasses_trainer::report;

use super::args::{FoldArgs, Folds};

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Model files (repeatable).
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
    #[command(flatten)]
    split: FoldArgs,
    /// Also write every number as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The same folds as `train --all-data --sunglasses` with the same seed and fold count, so the
/// numbers compare with the training report's and with each other.
pub fn run(args: ChecksArgs) -> anyhow::Result<()> {
    let Folds { dataset, val, .. } = args.split.split()?;
    let parts = ValidationParts::of(&dataset, &val, args.split.seed);
    let mut all = Vec::new();
    for model in &args.model {
        let (numbers, text) = glasses_trainer::model_checks::measure_file(model, &dataset, &parts)
            .with_context(|| format!("measuring {}", model.display()))?;
        println!("{text}");
        all.push(serde_json::json!({ "model": model, "numbers": numbers }));
    }
    if let Some(json) = &args.json {
        report::write_atomic(json, &serde_json::to_vec_pretty(&all)?)?;
    }
    Ok(())
}
