//! Check sets: the validation people's pictures as users' photos differ from the training crops
//! (grayscale, a square crop tight around the face, twice and half the resolution), each made
//! from the decoded picture and then passed through glasses-core's preprocessing like any photo,
//! and the numbers every model is reported with on them and on the validation fold.

use std::path::Path;

use glasses_core::Preprocessing;
use glasses_core::image::{RgbImage, imageops};
use glasses_core::preprocess::{DEFAULT_MAX_PIXELS, decode};
use serde::Serialize;

use crate::data::{Dataset, SUNGLASSES, TensorSet};
use crate::error::{Error, Result};
use crate::metrics::{Metrics, precision_at_recall};
use crate::rng::SplitMix64;

/// How a check picture is made from a validation picture.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Variant {
    /// Unchanged.
    Original,
    /// Luma (BT.601) in all three channels, as from a gray camera or a black-and-white photo.
    Grayscale,
    /// A square around the face, its side 70 % of the picture's width: tighter than the training
    /// crops, and of another aspect ratio.
    SquareTight,
    /// Twice the resolution (bilinear upscaling).
    Double,
    /// Half the resolution (area-averaged), then handed over at that size.
    Half,
}

impl Variant {
    /// Every variant but [`Variant::Original`], in report order.
    pub const CHECKS: [Variant; 4] =
        [Variant::Grayscale, Variant::SquareTight, Variant::Double, Variant::Half];

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Original => "original",
            Self::Grayscale => "grayscale",
            Self::SquareTight => "square_tight",
            Self::Double => "2x",
            Self::Half => "0.5x",
        }
    }

    /// The check picture made from `img`.
    pub fn apply(self, img: &RgbImage) -> RgbImage {
        let (w, h) = img.dimensions();
        match self {
            Self::Original => img.clone(),
            Self::Grayscale => {
                let mut out = img.clone();
                for px in out.pixels_mut() {
                    let [r, g, b] = px.0.map(f32::from);
                    let y = (0.299 * r + 0.587 * g + 0.114 * b).round().clamp(0.0, 255.0) as u8;
                    px.0 = [y, y, y];
                }
                out
            }
            Self::SquareTight => {
                // CelebA's aligned crops put the eyes at ~45 % and the mouth at ~70 % of the
                // height: centre the square a little below the middle.
                let side = ((w as f32 * 0.7).round() as u32).clamp(1, w.min(h));
                let x0 = (w - side) / 2;
                let cy = (h as f32 * 0.55).round() as u32;
                let y0 = cy.saturating_sub(side / 2).min(h - side);
                imageops::crop_imm(img, x0, y0, side, side).to_image()
            }
            Self::Double => imageops::resize(img, w * 2, h * 2, imageops::FilterType::Triangle),
            Self::Half => {
                imageops::resize(img, (w / 2).max(1), (h / 2).max(1), imageops::FilterType::Triangle)
            }
        }
    }
}

/// The tensors of `indices` of `dataset` made through `variant` and glasses-core's preprocessing.
pub fn load_variant(
    dataset: &Dataset,
    indices: &[usize],
    prep: &Preprocessing,
    variant: Variant,
) -> Result<TensorSet> {
    let mut flat = Vec::with_capacity(indices.len() * prep.tensor_len());
    let mut labels = Vec::with_capacity(indices.len());
    for &i in indices {
        let s = &dataset.samples[i];
        flat.extend(prep.tensor_from_rgb(&variant.apply(&decode_file(&s.path)?)));
        labels.push(s.label as i64);
    }
    Ok(TensorSet::from_parts(flat, labels, prep))
}

/// The decoded picture at `path`.
pub fn decode_file(path: &Path) -> Result<RgbImage> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    decode(&bytes, DEFAULT_MAX_PIXELS).map_err(|e| Error::data(path, format!("cannot decode image: {e}")))
}

/// The validation fold's parts the report speaks of, as dataset indices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationParts {
    /// Every eyeglasses image of the fold plus as many "no eyeglasses" images, drawn with the
    /// split seed: the balanced fold F1 and AUC are measured here (and the check sets made).
    pub balanced: Vec<usize>,
    /// Every eyeglasses and "no eyeglasses" image of the fold: the natural class ratio.
    pub natural: Vec<usize>,
    /// Every sunglasses image of the fold.
    pub sunglasses: Vec<usize>,
}

impl ValidationParts {
    /// Splits the validation indices `val` of `dataset`.
    pub fn of(dataset: &Dataset, val: &[usize], seed: u64) -> Self {
        let label = |i: &usize| dataset.samples[*i].label;
        let positives: Vec<usize> = val.iter().copied().filter(|i| label(i) == 1).collect();
        let mut negatives: Vec<usize> = val.iter().copied().filter(|i| label(i) == 0).collect();
        let natural: Vec<usize> = val.iter().copied().filter(|i| label(i) != SUNGLASSES).collect();
        let sunglasses = val.iter().copied().filter(|i| label(i) == SUNGLASSES).collect();
        SplitMix64::new(seed ^ 0x5eed_ba1a).shuffle(&mut negatives);
        negatives.truncate(positives.len());
        let mut balanced: Vec<usize> = positives.into_iter().chain(negatives).collect();
        balanced.sort_unstable();
        Self { balanced, natural, sunglasses }
    }
}

/// One model's numbers on the validation fold and the check sets (threshold 0.5 unless said).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// Metrics on the balanced validation fold.
    pub balanced: Metrics,
    /// Metrics at the natural ratio (every validation image without sunglasses).
    pub natural: Metrics,
    /// Best precision at the natural ratio among thresholds with recall >= 0.90, and that threshold.
    pub natural_precision_at_recall_90: Option<(f64, f32)>,
    /// Validation sunglasses with P(eyeglasses) >= 0.5, and how many there were.
    pub sunglasses_called_eyeglasses: (usize, usize),
    /// (variant name, metrics on the balanced fold made through that variant).
    pub checks: Vec<(String, Metrics)>,
    /// P(eyeglasses) and labels at the natural ratio, for operating points.
    #[serde(skip)]
    pub natural_scores: (Vec<f32>, Vec<u8>),
}

impl CheckReport {
    /// Measures a model given as `probs_of` (P(eyeglasses) of every row of a set).
    pub fn measure(
        dataset: &Dataset,
        parts: &ValidationParts,
        prep: &Preprocessing,
        mut probs_of: impl FnMut(&TensorSet) -> Result<Vec<f32>>,
    ) -> Result<Self> {
        let mut metrics_of = |indices: &[usize], variant: Variant| -> Result<(Metrics, Vec<f32>, Vec<u8>)> {
            let set = load_variant(dataset, indices, prep, variant)?;
            let probs = probs_of(&set)?;
            let labels = set.label_vec()?;
            Ok((Metrics::compute(&probs, &labels, 0.5), probs, labels))
        };
        let (balanced, _, _) = metrics_of(&parts.balanced, Variant::Original)?;
        let (natural, probs, labels) = metrics_of(&parts.natural, Variant::Original)?;
        let natural_precision_at_recall_90 = precision_at_recall(&probs, &labels, 0.90);
        let sunglasses = if parts.sunglasses.is_empty() {
            (0, 0)
        } else {
            let (_, p, _) = metrics_of(&parts.sunglasses, Variant::Original)?;
            (p.iter().filter(|&&v| v >= 0.5).count(), p.len())
        };
        let mut checks = Vec::new();
        for v in Variant::CHECKS {
            checks.push((v.name().to_owned(), metrics_of(&parts.balanced, v)?.0));
        }
        Ok(Self {
            balanced,
            natural,
            natural_precision_at_recall_90,
            sunglasses_called_eyeglasses: sunglasses,
            checks,
            natural_scores: (probs, labels),
        })
    }

    /// A Markdown table row per set.
    pub fn markdown(&self) -> String {
        let mut out =
            String::from("| set | images | F1 | precision | recall | ROC AUC |\n|---|---|---|---|---|---|\n");
        let mut row = |name: &str, m: &Metrics| {
            out.push_str(&format!(
                "| {name} | {} | {:.4} | {:.4} | {:.4} | {:.4} |\n",
                m.tp + m.fp + m.tn + m.fn_,
                m.f1,
                m.precision,
                m.recall,
                m.auc
            ));
        };
        row("validation, balanced", &self.balanced);
        row("validation, natural ratio", &self.natural);
        for (name, m) in &self.checks {
            row(&format!("check: {name}"), m);
        }
        let (s, n) = self.sunglasses_called_eyeglasses;
        out.push_str(&format!(
            "\nsunglasses called eyeglasses: {s} of {n} ({:.1} %)\n",
            if n == 0 { 0.0 } else { 100.0 * s as f64 / n as f64 }
        ));
        match self.natural_precision_at_recall_90 {
            Some((p, t)) => out
                .push_str(&format!("natural ratio: precision {p:.4} at recall >= 0.90 (threshold {t:.3})\n")),
            None => out.push_str("natural ratio: recall 0.90 is never reached\n"),
        }
        out
    }
}
