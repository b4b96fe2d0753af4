//! `glasses-trainer quantize`: the static int8 (QDQ) copy of a float model file, its activation
//! ranges calibrated on faces of the training folds (never the held-out one), preprocessed by
//! glasses-core exactly as inference does.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::Args;
use glasses_core::export::{QuantizeOptions, RangeMethod, quantize_static};
use glasses_core::{Classifier, ClassifierOptions};
use glasses_trainer::data::{self, Dataset};
use glasses_trainer::report;
use glasses_trainer::rng::SplitMix64;

use super::args::{FoldArgs, Folds};

#[derive(Debug, Args)]
pub struct QuantizeArgs {
    /// The float (fp32) model file, as `export` writes it.
    #[arg(long)]
    model: PathBuf,
    /// Where the static int8 file goes.
    #[arg(long)]
    out: PathBuf,
    /// How many training faces calibrate the activation ranges (drawn class by class in turn).
    #[arg(long, default_value_t = 200)]
    calibration: usize,
    /// Activation range: `minmax`, or `percentile:P` (P in (50, 100], e.g. 99.99).
    #[arg(long, default_value = "minmax")]
    range: String,
    // No calibration face comes from the held-out fold; --seed also draws the calibration faces.
    #[command(flatten)]
    split: FoldArgs,
    /// Also write the calibration tensors as a float32 `[N, 3, H, W]` .npy (for ONNX Runtime's
    /// own quantiser in bench/, so both calibrate on the same faces).
    #[arg(long)]
    npy: Option<PathBuf>,
    /// Replace an existing --out (and --npy).
    #[arg(long)]
    force: bool,
    /// After writing, run the fp32 file, --out and every --versus file on each face of the held-out
    /// fold and print the largest and mean |P(eyeglasses) - P_fp32| of each (core must run the
    /// files: the QDQ file needs core's int8 engine or the `onnx-any` feature).
    #[arg(long)]
    held_out_diff: bool,
    /// Further model files (e.g. the int8-weights export) for --held-out-diff.
    #[arg(long)]
    versus: Vec<PathBuf>,
}

fn parse_range(text: &str) -> anyhow::Result<RangeMethod> {
    match text.split_once(':') {
        None if text == "minmax" => Ok(RangeMethod::MinMax),
        Some(("percentile", p)) => Ok(RangeMethod::Percentile(
            p.parse().with_context(|| format!("percentile {p:?} is not a number"))?,
        )),
        _ => bail!("--range must be `minmax` or `percentile:P`, got {text:?}"),
    }
}

/// `count` training indices, taking each class in turn (none, eyeglasses, sunglasses) from its
/// own seeded shuffle, so the rarer classes' activations are in the ranges too.
fn draw(dataset: &Dataset, train: &[usize], count: usize, seed: u64) -> Vec<usize> {
    let mut by_class: Vec<Vec<usize>> = (0..=data::SUNGLASSES)
        .map(|c| train.iter().copied().filter(|&i| dataset.samples[i].label == c).collect())
        .collect();
    let mut rng = SplitMix64::new(seed ^ 0xca11_b7a7);
    for class in &mut by_class {
        rng.shuffle(class);
        class.reverse();
    }
    let mut picked = Vec::with_capacity(count);
    while picked.len() < count && by_class.iter().any(|c| !c.is_empty()) {
        for class in &mut by_class {
            if picked.len() < count
                && let Some(i) = class.pop()
            {
                picked.push(i);
            }
        }
    }
    picked
}

/// A float32 C-order .npy (format version 1.0).
fn write_npy(path: &Path, shape: [usize; 4], values: &[Vec<f32>]) -> anyhow::Result<()> {
    let dims = shape.iter().map(|d| d.to_string()).collect::<Vec<_>>().join(", ");
    let mut header = format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({dims}), }}");
    // Magic (6) + version (2) + length (2) + header + newline, padded to a multiple of 64.
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = Vec::with_capacity(10 + header.len() + shape.iter().product::<usize>() * 4);
    bytes.extend_from_slice(b"\x93NUMPY\x01\x00");
    bytes.extend_from_slice(&u16::try_from(header.len())?.to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values.iter().flatten() {
        bytes.write_all(&v.to_le_bytes())?;
    }
    report::write_atomic(path, &bytes)?;
    Ok(())
}

pub fn run(args: QuantizeArgs) -> anyhow::Result<()> {
    super::refuse_to_replace(std::iter::once(&args.out).chain(&args.npy), args.force)?;
    if args.calibration == 0 {
        bail!("--calibration must be at least 1");
    }
    let range = parse_range(&args.range)?;
    let fp32 = std::fs::read(&args.model).with_context(|| format!("reading {}", args.model.display()))?;
    let prep = *Classifier::from_bytes(&fp32, ClassifierOptions::default())?.preprocessing();
    let Folds { dataset, train, val } = args.split.split()?;
    let picked = draw(&dataset, &train, args.calibration, args.split.seed);
    if picked.len() < args.calibration {
        bail!("the training folds hold {} faces, {} asked for", picked.len(), args.calibration);
    }
    debug_assert!(picked.iter().all(|i| val.binary_search(i).is_err()));
    let tensors: Vec<Vec<f32>> = picked
        .iter()
        .map(|&i| data::load_tensor(&dataset.samples[i].path, &prep))
        .collect::<Result<_, _>>()?;
    let counts = dataset.counts(&picked);
    let folders: Vec<String> = args
        .split
        .images_path
        .iter()
        .map(|p| p.file_name().map_or_else(|| p.display().to_string(), |n| n.to_string_lossy().into_owned()))
        .collect();
    let source = format!(
        "{} training faces ({} without, {} eyeglasses, {} sunglasses) of {}, every fold but held-out fold {} of {} (identity-disjoint, seed {}), class by class in turn, preprocessed by glasses-core",
        picked.len(),
        counts[0],
        counts[1],
        counts[2],
        folders.join(" + "),
        args.split.val_fold,
        args.split.folds,
        args.split.seed
    );
    let options = QuantizeOptions { range, calibration_source: source.clone() };
    let start = std::time::Instant::now();
    let int8 = quantize_static(&fp32, &tensors, &options)?;
    report::write_atomic(&args.out, &int8)?;
    println!(
        "{} ({} bytes) from {} in {:.1} s: {}, ranges by {}",
        args.out.display(),
        int8.len(),
        args.model.display(),
        start.elapsed().as_secs_f64(),
        source,
        range.name()
    );
    if let Some(npy) = &args.npy {
        write_npy(npy, [tensors.len(), 3, prep.height as usize, prep.width as usize], &tensors)?;
        println!("calibration tensors: {}", npy.display());
    }
    if args.held_out_diff {
        let others: Vec<PathBuf> =
            std::iter::once(args.out.clone()).chain(args.versus.iter().cloned()).collect();
        held_out_diff(&fp32, &others, &dataset, &val, &prep)?;
    }
    Ok(())
}

/// Prints, for the fp32 file and each file of `others`, F1 and ROC-AUC on the held-out faces
/// `val` without sunglasses (the natural ratio) and, against the fp32 file, the largest and mean
/// |P(eyeglasses) - P_fp32| over every held-out face and how many answers at 0.5 differ.
fn held_out_diff(
    fp32: &[u8],
    others: &[PathBuf],
    dataset: &Dataset,
    val: &[usize],
    prep: &glasses_core::Preprocessing,
) -> anyhow::Result<()> {
    let options = ClassifierOptions::default();
    let mut files = vec![("fp32 (--model)".to_owned(), Classifier::from_bytes(fp32, options)?)];
    for p in others {
        let bytes = std::fs::read(p).with_context(|| format!("reading {}", p.display()))?;
        let c = Classifier::from_bytes(&bytes, options)
            .with_context(|| format!("loading {} in core", p.display()))?;
        files.push((p.display().to_string(), c));
    }
    let mut probs = vec![Vec::with_capacity(val.len()); files.len()];
    for &i in val {
        let tensor = data::load_tensor(&dataset.samples[i].path, prep)?;
        for ((_, c), p) in files.iter().zip(&mut probs) {
            p.push(c.probabilities(&tensor)?[glasses_core::contract::EYEGLASSES_INDEX]);
        }
    }
    let natural: Vec<usize> =
        (0..val.len()).filter(|&k| dataset.samples[val[k]].label != data::SUNGLASSES).collect();
    let labels: Vec<u8> = natural.iter().map(|&k| dataset.samples[val[k]].label).collect();
    println!(
        "held-out fold: {} faces; F1 (threshold 0.5) and ROC-AUC on its {} without sunglasses; |P - P_fp32| over all {}:",
        val.len(),
        natural.len(),
        val.len()
    );
    println!("| file | engine | F1 | ROC-AUC | max abs(P - P_fp32) | mean | answers flipped at 0.5 |");
    println!("|---|---|---|---|---|---|---|");
    for ((name, c), p) in files.iter().zip(&probs) {
        let nat: Vec<f32> = natural.iter().map(|&k| p[k]).collect();
        let m = glasses_trainer::metrics::Metrics::compute(&nat, &labels, 0.5);
        let diffs = p.iter().zip(&probs[0]).map(|(a, b)| (a - b).abs());
        let max = diffs.clone().fold(0f32, f32::max);
        let mean = diffs.map(f64::from).sum::<f64>() / p.len().max(1) as f64;
        let flips = p.iter().zip(&probs[0]).filter(|(a, b)| (**a >= 0.5) != (**b >= 0.5)).count();
        println!("| {name} | {} | {:.4} | {:.4} | {max:.4} | {mean:.5} | {flips} |", c.engine(), m.f1, m.auc);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_parse_and_bad_ones_are_refused() {
        assert_eq!(parse_range("minmax").unwrap(), RangeMethod::MinMax);
        assert_eq!(parse_range("percentile:99.99").unwrap(), RangeMethod::Percentile(99.99));
        for bad in ["", "max", "percentile", "percentile:x", "minmax:3"] {
            assert!(parse_range(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn npy_header_is_aligned_and_data_follows() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("t.npy");
        write_npy(&path, [2, 3, 1, 1], &[vec![1.0, 2.0, 3.0], vec![4.0, 5.0, 6.0]]).unwrap();
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
        let header_len = u16::from_le_bytes([bytes[8], bytes[9]]) as usize;
        assert_eq!((10 + header_len) % 64, 0);
        let header = std::str::from_utf8(&bytes[10..10 + header_len]).unwrap();
        assert!(header.contains("'shape': (2, 3, 1, 1)"), "{header}");
        let data = &bytes[10 + header_len..];
        assert_eq!(data.len(), 24);
        assert_eq!(f32::from_le_bytes(data[20..24].try_into().unwrap()), 6.0);
    }
}
