//! Check sets for each framing (issue 23): the validation fold's faces as face-crop data sets,
//! apps and cameras frame them, each picture made from the decoded training-framing picture and
//! then passed through glasses-core's preprocessing (centre crop to the model's aspect ratio,
//! resize) like any photo. Plus the eyewear confusions: eyeglasses with dark frames called
//! sunglasses, sunglasses called eyeglasses.
//!
//! * `tight`: the face detector's box only ([`FaceFraming::HAAR_CELEBA`] inverted: the box is
//!   1/1.669 x 1/2.044 of the picture, its centre 0.145 box heights below the picture's), cut out as
//!   its own picture: a face-filling crop.
//! * `wide`: 1.5x the picture on each axis around its centre, the missing part repeating the
//!   nearest edge pixel (what core's region path does for a framing past the picture).
//! * `tiny`: the picture downscaled (triangle filter) until the face box is 40 px wide, handed
//!   over at that size (glasses-core upscales it to the input).
//! * `gray-hard`: luma, contrast x2 about mid-gray, gamma 1.5: a hard-lit grayscale camera.
//! * `dark-frames`: the validation eyeglasses faces whose eye band is darkest relative to the
//!   face ([`eye_band_darkness`]), the darkest tenth; measured against the balanced fold's
//!   "none" faces.
//! * `sunglasses`: the validation sunglasses against its eyeglasses faces.

use glasses_core::image::{Rgb, RgbImage, imageops};
use glasses_core::{FaceFraming, Preprocessing};
use serde::Serialize;

use crate::checks::{ValidationParts, decode_file};
use crate::data::{Dataset, TensorSet};
use crate::error::Result;
use crate::metrics::Metrics;

/// Face width in pixels of the `tiny` check pictures.
pub const TINY_FACE_PX: f32 = 40.0;
/// How much wider than the training framing the `wide` check pictures are, on each axis.
pub const WIDE_FACTOR: f32 = 1.5;
/// Contrast gain about mid-gray of the `gray-hard` pictures.
pub const HARD_CONTRAST: f32 = 2.0;
/// Gamma of the `gray-hard` pictures (after the contrast).
pub const HARD_GAMMA: f32 = 1.5;
/// Fraction of the validation eyeglasses faces in the `dark-frames` set (the darkest).
pub const DARK_FRACTION: f64 = 0.10;

/// How a check picture is framed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Framing {
    /// The face detector's box only.
    Tight,
    /// 1.5x the training framing, edges repeated.
    Wide,
    /// Face 40 px wide, handed over at that size.
    Tiny,
    /// Hard-lit grayscale.
    GrayHard,
}

impl Framing {
    /// Every framing, in report order.
    pub const ALL: [Framing; 4] = [Framing::Tight, Framing::Wide, Framing::Tiny, Framing::GrayHard];

    /// Short name for tables.
    pub fn name(self) -> &'static str {
        match self {
            Self::Tight => "tight",
            Self::Wide => "wide",
            Self::Tiny => "tiny",
            Self::GrayHard => "gray-hard",
        }
    }

    /// The check picture made from `img`, a picture in the training framing.
    pub fn apply(self, img: &RgbImage) -> RgbImage {
        let (w, h) = (img.width() as f32, img.height() as f32);
        match self {
            Self::Tight => {
                let (x, y, bw, bh) = face_box(img.width(), img.height());
                crop_repeating_edges(
                    img,
                    x.round() as i64,
                    y.round() as i64,
                    bw.round() as u32,
                    bh.round() as u32,
                )
            }
            Self::Wide => {
                let (cw, ch) = ((w * WIDE_FACTOR).round(), (h * WIDE_FACTOR).round());
                let (x, y) = (((w - cw) / 2.0).round() as i64, ((h - ch) / 2.0).round() as i64);
                crop_repeating_edges(img, x, y, cw as u32, ch as u32)
            }
            Self::Tiny => {
                let (_, _, bw, _) = face_box(img.width(), img.height());
                let f = (TINY_FACE_PX / bw).min(1.0);
                let (tw, th) = (((w * f).round() as u32).max(1), ((h * f).round() as u32).max(1));
                imageops::resize(img, tw, th, imageops::FilterType::Triangle)
            }
            Self::GrayHard => {
                let mut out = img.clone();
                for px in out.pixels_mut() {
                    let y = luma_of(px) / 255.0;
                    let v = ((y - 0.5) * HARD_CONTRAST + 0.5).clamp(0.0, 1.0).powf(HARD_GAMMA);
                    let v = (v * 255.0).round() as u8;
                    px.0 = [v, v, v];
                }
                out
            }
        }
    }
}

fn luma_of(px: &Rgb<u8>) -> f32 {
    let [r, g, b] = px.0.map(f32::from);
    0.299 * r + 0.587 * g + 0.114 * b
}

/// The face detector's box `(x, y, width, height)` in a `width x height` picture in the
/// training framing: [`FaceFraming::HAAR_CELEBA`] read backwards.
pub fn face_box(width: u32, height: u32) -> (f32, f32, f32, f32) {
    let f = FaceFraming::HAAR_CELEBA;
    let (w, h) = (width as f32, height as f32);
    let (bw, bh) = (w / f.scale_x, h / f.scale_y);
    // center_d* = (framing centre - box centre) / box size.
    let (cx, cy) = (w / 2.0 - f.center_dx * bw, h / 2.0 - f.center_dy * bh);
    (cx - bw / 2.0, cy - bh / 2.0, bw, bh)
}

/// The `width x height` region of `img` at `(x, y)`, which may reach past the picture: a pixel
/// outside takes the value of the nearest edge pixel (the source coordinate is clamped).
pub fn crop_repeating_edges(img: &RgbImage, x: i64, y: i64, width: u32, height: u32) -> RgbImage {
    let (iw, ih) = (img.width() as i64, img.height() as i64);
    RgbImage::from_fn(width.max(1), height.max(1), |u, v| {
        let sx = (x + u as i64).clamp(0, iw - 1) as u32;
        let sy = (y + v as i64).clamp(0, ih - 1) as u32;
        *img.get_pixel(sx, sy)
    })
}

/// How dark a face's eye band is: the mean luma of the band where frames sit (rows 44-58 % of
/// the height, columns 25-75 % of the width in CelebA's aligned framing, eyes at ~51 %) divided
/// by the median luma of the face box. Dark, thick frames pull it down; lighting does not, as
/// both are measured on the same face.
pub fn eye_band_darkness(img: &RgbImage) -> f64 {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let band = |x0: f32, x1: f32, y0: f32, y1: f32| -> Vec<f32> {
        let mut out = Vec::new();
        for y in (y0 * h) as u32..((y1 * h) as u32).min(img.height()) {
            for x in (x0 * w) as u32..((x1 * w) as u32).min(img.width()) {
                out.push(luma_of(img.get_pixel(x, y)));
            }
        }
        out
    };
    let eyes = band(0.25, 0.75, 0.44, 0.58);
    let (bx, by, bw, bh) = face_box(img.width(), img.height());
    let mut face = band(bx / w, (bx + bw) / w, by / h, (by + bh) / h);
    if eyes.is_empty() || face.is_empty() {
        return 1.0;
    }
    face.sort_by(f32::total_cmp);
    let median = face[face.len() / 2].max(1.0) as f64;
    eyes.iter().map(|&v| v as f64).sum::<f64>() / eyes.len() as f64 / median
}

/// The darkest [`DARK_FRACTION`] (at least one) of `eyeglasses` by [`eye_band_darkness`].
pub fn dark_frames(dataset: &Dataset, eyeglasses: &[usize]) -> Result<Vec<usize>> {
    let mut scored = Vec::with_capacity(eyeglasses.len());
    for &i in eyeglasses {
        scored.push((eye_band_darkness(&decode_file(&dataset.samples[i].path)?), i));
    }
    scored.sort_by(|a, b| a.0.total_cmp(&b.0));
    let k = ((scored.len() as f64 * DARK_FRACTION).round() as usize).max(1).min(scored.len());
    Ok(scored[..k].iter().map(|&(_, i)| i).collect())
}

/// Class probabilities of every row of a set (softmax; index 1 eyeglasses, 2 sunglasses).
pub type ClassProbabilities = Vec<Vec<f32>>;

/// One framing check set's numbers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FramingRow {
    /// Set name.
    pub name: String,
    /// Metrics of P(eyeglasses) at 0.5 (F1 only meaningful with both classes).
    pub metrics: Metrics,
    /// Faces of the set's own kind called the wrong eyewear, and how many there were (dark
    /// frames: eyeglasses called sunglasses; sunglasses: called eyeglasses).
    pub confusion: Option<(usize, usize)>,
}

/// The numbers of one model on every framing check set.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FramingReport {
    /// One row per set: `original`, the framings, `dark-frames`, `sunglasses`.
    pub rows: Vec<FramingRow>,
}

fn load(
    dataset: &Dataset,
    indices: &[usize],
    prep: &Preprocessing,
    framing: Option<Framing>,
) -> Result<TensorSet> {
    let mut flat = Vec::with_capacity(indices.len() * prep.tensor_len());
    let mut labels = Vec::with_capacity(indices.len());
    for &i in indices {
        let s = &dataset.samples[i];
        let img = decode_file(&s.path)?;
        let img = match framing {
            Some(f) => f.apply(&img),
            None => img,
        };
        flat.extend(prep.tensor_from_rgb(&img));
        labels.push(s.label as i64);
    }
    Ok(TensorSet::from_parts(flat, labels, prep))
}

fn argmax(p: &[f32]) -> usize {
    p.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).map_or(0, |(i, _)| i)
}

impl FramingReport {
    /// Measures a model given as `probs_of` (class probabilities of every row of a set).
    pub fn measure(
        dataset: &Dataset,
        parts: &ValidationParts,
        prep: &Preprocessing,
        mut probs_of: impl FnMut(&TensorSet) -> Result<ClassProbabilities>,
    ) -> Result<Self> {
        let mut rows = Vec::new();
        let mut eyeglasses_p = |indices: &[usize],
                                framing: Option<Framing>|
         -> Result<(Vec<f32>, Vec<u8>, ClassProbabilities)> {
            let set = load(dataset, indices, prep, framing)?;
            let probs = probs_of(&set)?;
            let p1 = probs.iter().map(|p| p.get(1).copied().unwrap_or(0.0)).collect();
            Ok((p1, set.label_vec()?, probs))
        };
        let (orig, orig_labels, _) = eyeglasses_p(&parts.balanced, None)?;
        rows.push(FramingRow {
            name: "original".into(),
            metrics: Metrics::compute(&orig, &orig_labels, 0.5),
            confusion: None,
        });
        for f in Framing::ALL {
            let (p, l, _) = eyeglasses_p(&parts.balanced, Some(f))?;
            rows.push(FramingRow {
                name: f.name().into(),
                metrics: Metrics::compute(&p, &l, 0.5),
                confusion: None,
            });
        }
        let positives: Vec<usize> =
            parts.balanced.iter().copied().filter(|&i| dataset.samples[i].label == 1).collect();
        let negative_scores: Vec<f32> =
            orig.iter().zip(&orig_labels).filter(|(_, l)| **l == 0).map(|(p, _)| *p).collect();
        let positive_scores: Vec<f32> =
            orig.iter().zip(&orig_labels).filter(|(_, l)| **l == 1).map(|(p, _)| *p).collect();
        if !positives.is_empty() {
            let dark = dark_frames(dataset, &positives)?;
            let (p, _, all) = eyeglasses_p(&dark, None)?;
            let called_sunglasses = all.iter().filter(|c| c.len() > 2 && argmax(c) == 2).count();
            let (scores, labels) = against(&p, 1, &negative_scores, 0);
            rows.push(FramingRow {
                name: "dark-frames".into(),
                metrics: Metrics::compute(&scores, &labels, 0.5),
                confusion: Some((called_sunglasses, dark.len())),
            });
        }
        if !parts.sunglasses.is_empty() {
            let (p, _, all) = eyeglasses_p(&parts.sunglasses, None)?;
            let called_eyeglasses = all.iter().filter(|c| argmax(c) == 1).count();
            let (scores, labels) = against(&positive_scores, 1, &p, 0);
            rows.push(FramingRow {
                name: "sunglasses".into(),
                metrics: Metrics::compute(&scores, &labels, 0.5),
                confusion: Some((called_eyeglasses, p.len())),
            });
        }
        Ok(Self { rows })
    }

    /// A Markdown table.
    pub fn markdown(&self) -> String {
        let mut out = String::from(
            "| check set | images | ROC AUC | F1 @0.5 | recall @0.5 | wrong eyewear |\n|---|---|---|---|---|---|\n",
        );
        for r in &self.rows {
            let m = &r.metrics;
            let confusion = match (r.name.as_str(), r.confusion) {
                (_, None) => String::new(),
                ("sunglasses", Some((k, n))) => format!("{k} of {n} called eyeglasses"),
                (_, Some((k, n))) => format!("{k} of {n} called sunglasses"),
            };
            out.push_str(&format!(
                "| {} | {} | {:.4} | {:.4} | {:.4} | {confusion} |\n",
                r.name,
                m.tp + m.fp + m.tn + m.fn_,
                m.auc,
                m.f1,
                m.recall
            ));
        }
        out.push_str(
            "\ndark-frames: AUC and F1 against the balanced fold's \"none\" faces; sunglasses: eyeglasses faces (positive) against sunglasses (negative)\n",
        );
        out
    }
}

/// Scores of two groups as one labelled set.
fn against(a: &[f32], label_a: u8, b: &[f32], label_b: u8) -> (Vec<f32>, Vec<u8>) {
    let scores = a.iter().chain(b).copied().collect();
    let labels = std::iter::repeat_n(label_a, a.len()).chain(std::iter::repeat_n(label_b, b.len())).collect();
    (scores, labels)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// An 89x109 picture (the data sets' size): 200 outside the face box, 100 inside it.
    fn boxed() -> RgbImage {
        let (x, y, bw, bh) = face_box(89, 109);
        RgbImage::from_fn(89, 109, |u, v| {
            let inside = (u as f32) >= x && (u as f32) < x + bw && (v as f32) >= y && (v as f32) < y + bh;
            Rgb(if inside { [100, 100, 100] } else { [200, 200, 200] })
        })
    }

    #[test]
    fn the_face_box_follows_the_measured_framing() {
        let (x, y, bw, bh) = face_box(178, 218);
        assert!((bw - 178.0 / 1.669).abs() < 1e-3 && (bh - 218.0 / 2.044).abs() < 1e-3);
        // The box centre lies 0.145 box heights below the picture centre, nearly centred across.
        assert!((y + bh / 2.0 - (109.0 + 0.145 * bh)).abs() < 1e-3);
        assert!((x + bw / 2.0 - 89.0).abs() < 0.5);
    }

    #[test]
    fn the_tight_picture_is_the_face_box_only() {
        let tight = Framing::Tight.apply(&boxed());
        let (_, _, bw, bh) = face_box(89, 109);
        assert_eq!((tight.width(), tight.height()), (bw.round() as u32, bh.round() as u32));
        let face = tight.pixels().filter(|p| p.0[0] == 100).count();
        // Whole-pixel rounding of the cut may bring in one row or column of the background.
        assert!(face as f64 >= 0.95 * (tight.width() * tight.height()) as f64, "{face}");
    }

    #[test]
    fn the_wide_picture_repeats_the_edges() {
        let img = RgbImage::from_fn(10, 20, |u, v| Rgb([u as u8 * 10, v as u8 * 10, 0]));
        let wide = Framing::Wide.apply(&img);
        assert_eq!((wide.width(), wide.height()), (15, 30));
        // 2.5 px (rounded to 3) of margin on the left: column 0 repeated, rows kept.
        assert_eq!(wide.get_pixel(0, 12).0, img.get_pixel(0, 7).0);
        assert_eq!(wide.get_pixel(14, 29).0, img.get_pixel(9, 19).0);
        assert_eq!(wide.get_pixel(0, 0).0, img.get_pixel(0, 0).0);
        assert_eq!(wide.get_pixel(7, 15).0, img.get_pixel(4, 10).0, "the middle is the picture");
    }

    #[test]
    fn the_tiny_picture_has_a_40_px_face() {
        let tiny = Framing::Tiny.apply(&RgbImage::new(178, 218));
        let (_, _, bw, _) = face_box(tiny.width(), tiny.height());
        assert!((bw - TINY_FACE_PX).abs() < 1.0, "face {bw} px in {}x{}", tiny.width(), tiny.height());
    }

    #[test]
    fn gray_hard_is_gray_with_more_contrast() {
        let img =
            RgbImage::from_fn(4, 1, |u, _| Rgb([60 + 40 * u as u8, 80 + 40 * u as u8, 70 + 40 * u as u8]));
        let out = Framing::GrayHard.apply(&img);
        assert!(out.pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
        let spread = |i: &RgbImage| i.get_pixel(3, 0).0[1] as i32 - i.get_pixel(0, 0).0[1] as i32;
        assert!(spread(&out) > spread(&img), "{} vs {}", spread(&out), spread(&img));
    }

    #[test]
    fn dark_frames_darken_the_eye_band_measure() {
        let plain = RgbImage::from_pixel(89, 109, Rgb([180, 150, 130]));
        let mut framed = plain.clone();
        for y in 50..60 {
            for x in 25..65 {
                framed.put_pixel(x, y, Rgb([20, 20, 20]));
            }
        }
        let (a, b) = (eye_band_darkness(&plain), eye_band_darkness(&framed));
        assert!((a - 1.0).abs() < 1e-6, "{a}");
        assert!(b < 0.8 * a, "{b} vs {a}");
    }
}
