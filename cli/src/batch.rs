//! Classifying many files in parallel on a pool of `--jobs` threads, with a progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use glasses_core::{Classifier, Prediction};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::RunArgs;
use crate::errors;

/// Below this many files a run is over before a bar would be worth drawing.
const PROGRESS_MIN_FILES: usize = 20;

/// One file and what became of it. A failure keeps the error's full message so it can be reported
/// next to the successful results instead of stopping the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub path: PathBuf,
    pub result: Result<Prediction, String>,
}

/// Classifies `files` on a dedicated pool, so `--jobs` bounds the threads without touching rayon's
/// global pool. Results come back in the order of `files`.
pub fn classify(classifier: &Classifier, files: Vec<PathBuf>, run: &RunArgs) -> anyhow::Result<Vec<Outcome>> {
    let mut pool = rayon::ThreadPoolBuilder::new().thread_name(|i| format!("glasses-{i}"));
    if let Some(jobs) = run.jobs {
        pool = pool.num_threads(usize::from(jobs));
    }
    let pool = pool.build().context("cannot start the worker threads")?;
    let progress = progress_bar(files.len(), run.no_progress);
    let outcomes = pool.install(|| {
        files
            .into_par_iter()
            .map(|path| {
                let result = classifier.classify_path(&path).map_err(|e| errors::chain(&e));
                progress.inc(1);
                Outcome { path, result }
            })
            .collect()
    });
    progress.finish_and_clear();
    Ok(outcomes)
}

fn progress_bar(len: usize, disabled: bool) -> ProgressBar {
    // indicatif hides a bar on a non-terminal by itself; checking first also skips its setup.
    if disabled || len < PROGRESS_MIN_FILES || !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let style =
        ProgressStyle::with_template("{bar:40.cyan/blue} {pos}/{len} images  {elapsed} elapsed, ~{eta} left")
            .unwrap_or_else(|_| ProgressStyle::default_bar());
    ProgressBar::with_draw_target(Some(len as u64), ProgressDrawTarget::stderr()).with_style(style)
}
