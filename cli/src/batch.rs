//! Classifying many files in parallel on a pool of `--jobs` threads, with a progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use glasses_core::{Classifier, FaceBox, Prediction};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::RunArgs;
use crate::errors;
use crate::face_boxes::{FaceBoxes, Usage};

/// Below this many files a run is over before a bar would be worth drawing.
const PROGRESS_MIN_FILES: usize = 20;

/// One file and what became of it. A failure keeps the error's full message so it can be reported
/// next to the successful results instead of stopping the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub path: PathBuf,
    pub result: Result<Prediction, String>,
    /// The `--face-boxes` box it was classified inside; `None`: the whole picture.
    pub face: Option<FaceBox>,
}

/// Loads `--face-boxes` when given.
pub fn face_boxes(run: &RunArgs) -> anyhow::Result<Option<FaceBoxes>> {
    run.face_boxes.as_deref().map(|file| FaceBoxes::read(file, run.max_face_boxes_bytes)).transpose()
}

/// How many of `outcomes` used a face box; `None` without `--face-boxes`.
pub fn usage(outcomes: &[Outcome], boxes: Option<&FaceBoxes>) -> Option<Usage> {
    boxes?;
    let by_face_box = outcomes.iter().filter(|o| o.face.is_some()).count();
    Some(Usage { by_face_box, whole_picture: outcomes.len() - by_face_box })
}

/// Most worker threads per CPU `--jobs` may ask for: beyond a few per core, threads only add
/// memory (a decoded picture each) and start-up time (8,000 threads took over a minute).
const MAX_THREADS_PER_CPU: usize = 4;

/// Threads for `files` files: `--jobs` (default one per CPU), but never more than there are
/// files, nor more than [`MAX_THREADS_PER_CPU`] per CPU.
pub fn pool_size(jobs: Option<u16>, files: usize, cpus: usize) -> usize {
    let cpus = cpus.max(1);
    jobs.map_or(cpus, usize::from).min(cpus * MAX_THREADS_PER_CPU).min(files).max(1)
}

/// Classifies `files` on a dedicated pool, so `--jobs` bounds the threads without touching rayon's
/// global pool. Results come back in the order of `files`, one group per file: one outcome per
/// face box in `boxes` (a group photo has several), or one for the whole picture.
pub fn classify(
    classifier: &Classifier,
    files: Vec<PathBuf>,
    run: &RunArgs,
    boxes: Option<&FaceBoxes>,
) -> anyhow::Result<Vec<Vec<Outcome>>> {
    let groups = files.len();
    let jobs: Vec<(usize, PathBuf, Option<FaceBox>)> = files
        .into_iter()
        .enumerate()
        .flat_map(|(file, path)| {
            let faces = boxes.map_or(&[][..], |b| b.get(&path));
            let faces: Vec<Option<FaceBox>> =
                if faces.is_empty() { vec![None] } else { faces.iter().copied().map(Some).collect() };
            faces.into_iter().map(move |face| (file, path.clone(), face))
        })
        .collect();
    let cpus = std::thread::available_parallelism().map_or(1, usize::from);
    let pool = rayon::ThreadPoolBuilder::new()
        .thread_name(|i| format!("glasses-{i}"))
        .num_threads(pool_size(run.jobs, jobs.len(), cpus))
        .build()
        .context("cannot start the worker threads")?;
    let progress = progress_bar(jobs.len(), run.no_progress);
    let outcomes: Vec<(usize, Outcome)> = pool.install(|| {
        jobs.into_par_iter()
            .map(|(file, path, face)| {
                let result = match face {
                    Some(face) => classifier.classify_path_region(&path, face),
                    None => classifier.classify_path(&path),
                };
                let result = result.map_err(|e| errors::chain(&e));
                progress.inc(1);
                (file, Outcome { path, result, face })
            })
            .collect()
    });
    progress.finish_and_clear();
    let mut grouped: Vec<Vec<Outcome>> = (0..groups).map(|_| Vec::new()).collect();
    for (file, outcome) in outcomes {
        grouped[file].push(outcome);
    }
    Ok(grouped)
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pool_is_capped_by_files_and_cpus() {
        assert_eq!(pool_size(Some(8000), 1, 2), 1);
        assert_eq!(pool_size(Some(8000), 100_000, 2), 8);
        assert_eq!(pool_size(Some(3), 100, 2), 3);
        assert_eq!(pool_size(None, 100, 16), 16);
        assert_eq!(pool_size(None, 0, 16), 1);
    }
}
