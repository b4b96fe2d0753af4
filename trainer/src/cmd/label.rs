//! `glasses-trainer label`: every face labelled once by teacher models, for
//! `train --soft-labels`.

use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct LabelArgs {
    /// Teacher model files (repeatable: an ensemble, probabilities averaged). Any input size.
    #[arg(long, required = true)]
    model: Vec<PathBuf>,
    /// Data folders (repeatable).
    #[arg(long, required = true)]
    images_path: Vec<PathBuf>,
    /// The labels file to write (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Do not average each teacher with its view of the mirrored face.
    #[arg(long)]
    no_mirror: bool,
    /// Images classified at once (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Replace an existing labels file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: LabelArgs) -> anyhow::Result<()> {
    use glasses_trainer::soft_labels::{SoftLabels, TeacherModel, UNLABELLED_FOLDER};
    super::refuse_to_replace([&args.out], args.force)?;
    let mut teachers = Vec::new();
    for path in &args.model {
        let bytes = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        teachers.push(TeacherModel { name: path.display().to_string(), bytes });
    }
    let dataset = glasses_trainer::data::Dataset::scan_roots(&args.images_path, true)?;
    let unlabelled = dataset.scan_unlabelled(UNLABELLED_FOLDER)?;
    let paths: Vec<PathBuf> = dataset.samples.iter().chain(&unlabelled).map(|s| s.path.clone()).collect();
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = std::time::Instant::now();
    let labels = SoftLabels::compute(&teachers, &paths, !args.no_mirror, threads)?;
    labels.write(&args.out, args.force)?;
    eprintln!(
        "{}: {} faces ({} labelled, {} from {UNLABELLED_FOLDER}/) labelled by {} in {:.0} s",
        args.out.display(),
        labels.len(),
        dataset.samples.len(),
        unlabelled.len(),
        labels.teachers.join("; "),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
