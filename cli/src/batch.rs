//! Classifying many files in parallel on a pool of `--jobs` threads, with a progress bar.

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Context;
use glasses_core::{Classifier, DetectedFace, FaceBox, FaceMode, Input, Prediction, Request};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use rayon::prelude::*;

use crate::args::{Faces, RunArgs};
use crate::errors;
use crate::face_boxes::{FaceBoxes, Usage};

/// Below this many files a run is over before a bar would be worth drawing.
const PROGRESS_MIN_FILES: usize = 20;

/// What `--faces detect` says of a picture without a face (a result, not a failure).
pub const NO_FACE: &str = "no face found";

/// One face of a file (or the whole file) and what became of it. A failure keeps the error's
/// full message so it can be reported next to the successful results instead of stopping the run.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    pub path: PathBuf,
    /// The answer; `Err` holds a failure's message, or [`NO_FACE`] when `no_face`.
    pub result: Result<Prediction, String>,
    /// The `--face-boxes` box it was classified inside; `None`: no box was given.
    pub face: Option<FaceBox>,
    /// The face the detector found and the answer is for; `None`: a `--face-boxes` box, or the
    /// whole picture.
    pub detected: Option<DetectedFace>,
    /// Which of the picture's faces (0 = the largest, or the first `--face-boxes` row); `None`:
    /// the whole picture.
    pub face_index: Option<usize>,
    /// `--faces detect` found no face in the picture: a row that says so, not a failure.
    pub no_face: bool,
}

impl Outcome {
    /// The whole file's outcome (no face box, no detected face).
    pub fn new(path: PathBuf, result: Result<Prediction, String>) -> Self {
        Self { path, result, face: None, detected: None, face_index: None, no_face: false }
    }

    /// A file that could not be classified.
    pub fn failed(path: PathBuf, error: String) -> Self {
        Self::new(path, Err(error))
    }

    /// Whether this outcome is a failure (a picture without a face is not).
    pub fn is_failure(&self) -> bool {
        self.result.is_err() && !self.no_face
    }
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

/// One unit of work: the file's index, its path, and the `--face-boxes` box to classify inside
/// (with its index among the file's boxes); `None`: as `--faces` asks.
type Job = (usize, PathBuf, Option<(usize, FaceBox)>);

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
    let jobs: Vec<Job> = files
        .into_iter()
        .enumerate()
        .flat_map(|(file, path)| {
            let faces = boxes.map_or(&[][..], |b| b.get(&path));
            let faces: Vec<Option<(usize, FaceBox)>> = if faces.is_empty() {
                vec![None]
            } else {
                faces.iter().copied().enumerate().map(Some).collect()
            };
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
    let outcomes: Vec<(usize, Vec<Outcome>)> = pool.install(|| {
        jobs.into_par_iter()
            .map(|(file, path, face)| {
                let outcomes = match face {
                    Some((index, face)) => {
                        let result = classifier.classify_path_region(&path, face);
                        let result = result.map_err(|e| errors::chain(&e));
                        vec![Outcome {
                            face: Some(face),
                            face_index: Some(index),
                            ..Outcome::new(path, result)
                        }]
                    }
                    None => classify_faces(classifier, path, run.faces),
                };
                progress.inc(1);
                (file, outcomes)
            })
            .collect()
    });
    progress.finish_and_clear();
    let mut grouped: Vec<Vec<Outcome>> = (0..groups).map(|_| Vec::new()).collect();
    for (file, outcomes) in outcomes {
        grouped[file].extend(outcomes);
    }
    Ok(grouped)
}

/// The outcomes of a file `--face-boxes` gives no box for, as `--faces` asks: one for its
/// largest face or the whole picture (`auto`, `whole`), or one per face (`detect`).
fn classify_faces(classifier: &Classifier, path: PathBuf, faces: Faces) -> Vec<Outcome> {
    let mode = match faces {
        Faces::Auto => FaceMode::Auto,
        Faces::Whole => FaceMode::Whole,
        Faces::Detect => {
            return match classifier.classify_faces(Input::Path(&path), &Request::new()) {
                Ok(found) if found.is_empty() => {
                    vec![Outcome { no_face: true, ..Outcome::failed(path, NO_FACE.to_owned()) }]
                }
                Ok(found) => found
                    .into_iter()
                    .enumerate()
                    .map(|(index, r)| Outcome {
                        detected: Some(r.face),
                        face_index: Some(index),
                        ..Outcome::new(path.clone(), Ok(r.prediction))
                    })
                    .collect(),
                Err(e) => vec![Outcome::failed(path, errors::chain(&e))],
            };
        }
    };
    match classifier.classify(Input::Path(&path), &Request::new().with_face_mode(mode)) {
        Ok(p) => {
            vec![Outcome { detected: p.face, face_index: p.face.map(|_| 0), ..Outcome::new(path, Ok(p)) }]
        }
        Err(e) => vec![Outcome::failed(path, errors::chain(&e))],
    }
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
