//! `glasses-trainer checks`: ONNX model files measured through glasses-core on a validation fold
//! and its check sets.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;
use glasses_trainer::checks::ValidationParts;
use glasses_trainer::report;

#[derive(Debug, Args)]
pub struct ChecksArgs {
    /// Model files (repeatable).
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
    /// Data folders (repeatable), split by person over their union into --folds folds with --seed,
    /// every labelled image used (as `train --all-data`), sunglasses/ read.
    #[arg(long, required = true)]
    images_path: Vec<PathBuf>,
    /// Identity-disjoint folds.
    #[arg(long, default_value_t = 5)]
    folds: usize,
    /// Seed of the folds.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// The held-out fold to measure on.
    #[arg(long, default_value_t = 0)]
    val_fold: usize,
    /// Also write every number as JSON to this file.
    #[arg(long)]
    json: Option<PathBuf>,
}

/// The same folds as `train --all-data --sunglasses` with the same seed and fold count, so the
/// numbers compare with the training report's and with each other.
pub fn run(args: ChecksArgs) -> anyhow::Result<()> {
    let dataset = glasses_trainer::data::Dataset::scan_roots(&args.images_path, true)?;
    let folds =
        glasses_trainer::data::identity_folds(&dataset, &dataset.all_indices(), args.folds, args.seed)?;
    let val = folds.get(args.val_fold).with_context(|| format!("fold {} does not exist", args.val_fold))?;
    let parts = ValidationParts::of(&dataset, val, args.seed);
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
