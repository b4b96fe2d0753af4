//! `glasses-trainer mine`: a model scores every face of the training folds once (never the
//! validation fold), for `train --hard-negatives`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use clap::Args;
use glasses_trainer::data::{Dataset, Sample, fold_split, identity_folds};
use glasses_trainer::hard_negatives::{self, DEFAULT_FACTOR};
use glasses_trainer::soft_labels::{SoftLabels, TeacherModel};

use super::args::DataArgs;

#[derive(Debug, Args)]
pub struct MineArgs {
    /// The model file that scores the faces (ONNX, read through glasses-core).
    #[arg(long)]
    model: PathBuf,
    #[command(flatten)]
    data: DataArgs,
    /// The validation fold of the runs that will use the file: its faces are not scored.
    #[arg(long, default_value_t = 0)]
    val_fold: usize,
    /// The score file to write (CSV).
    #[arg(long)]
    out: PathBuf,
    /// Images scored at once (default: the machine's cores).
    #[arg(long)]
    threads: Option<usize>,
    /// Replace an existing score file.
    #[arg(long)]
    force: bool,
}

pub fn run(args: MineArgs) -> anyhow::Result<()> {
    super::refuse_to_replace([&args.out], args.force)?;
    let options = args.data.options();
    let dataset = Dataset::scan_roots(&options.images_paths, options.sunglasses)?;
    let indices =
        if options.all_data { dataset.all_indices() } else { dataset.balanced_indices(options.split_seed) };
    let folds = identity_folds(&dataset, &indices, options.folds, options.split_seed)?;
    if args.val_fold >= folds.len() {
        bail!("fold {} does not exist ({} folds)", args.val_fold, folds.len());
    }
    let (train, _) = fold_split(&folds, args.val_fold);
    let samples: Vec<&Sample> = train.iter().map(|&i| &dataset.samples[i]).collect();
    let paths: Vec<PathBuf> = samples.iter().map(|s| s.path.clone()).collect();
    let bytes = std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let model = TeacherModel { name: args.model.display().to_string(), bytes };
    let threads = args.threads.unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let started = std::time::Instant::now();
    let mut scores = SoftLabels::compute(&[model], &paths, false, threads)?;
    scores.teachers = scores
        .teachers
        .iter()
        .map(|t| {
            format!("{t}; {}", hard_negatives::fold_note(args.val_fold, options.folds, options.split_seed))
        })
        .collect();
    scores.write(&args.out, args.force)?;
    eprintln!(
        "{}: {} training faces scored in {:.0} s (fold {} not scored)",
        args.out.display(),
        scores.len(),
        started.elapsed().as_secs_f64(),
        args.val_fold
    );
    eprint!("{}", hard_negatives::describe(&scores, &samples, DEFAULT_FACTOR));
    Ok(())
}
