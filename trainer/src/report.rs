//! The per-run report: `metrics.json` and PNG pictures (loss and F1 per epoch, ROC curve,
//! confusion matrix) drawn with plotters' bitmap backend. Text needs a TrueType font: the first
//! of a few common system fonts found is used; without one the pictures are drawn without text.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use plotters::prelude::*;
use serde::Serialize;

use crate::checkpoint::RunMeta;
use crate::error::{Error, Result};
use crate::metrics::{Metrics, pr_curve, roc_curve};

const FONT_CANDIDATES: [&str; 4] = [
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
    "/Library/Fonts/Arial.ttf",
];

/// Whether a font for labels was found and registered (done once per process).
pub fn text_available() -> bool {
    static FONT: OnceLock<bool> = OnceLock::new();
    *FONT.get_or_init(|| {
        let font =
            std::env::var("GLASSES_TRAINER_FONT").ok().into_iter().chain(FONT_CANDIDATES.map(String::from));
        for path in font {
            if let Ok(bytes) = std::fs::read(&path) {
                let bytes: &'static [u8] = Box::leak(bytes.into_boxed_slice());
                if plotters::style::register_font("sans-serif", FontStyle::Normal, bytes).is_ok() {
                    return true;
                }
            }
        }
        false
    })
}

/// What `metrics.json` holds.
#[derive(Debug, Serialize)]
pub struct Report<'a> {
    /// The run's settings and per-epoch history.
    pub run: &'a RunMeta,
    /// Final validation metrics at threshold 0.5.
    pub validation: Option<Metrics>,
    /// Extra results (e.g. the precision check on further negatives).
    pub extra: serde_json::Value,
    /// Whether the PNGs carry text labels.
    pub plots_have_text: bool,
}

/// Writes `metrics.json`, `loss.png`, `f1.png`, `roc.png` and `confusion.png` into `dir`.
pub fn write(
    dir: &Path,
    meta: &RunMeta,
    probs: &[f32],
    labels: &[u8],
    extra: serde_json::Value,
) -> Result<()> {
    let validation = (!probs.is_empty()).then(|| Metrics::compute(probs, labels, 0.5));
    let report = Report { run: meta, validation, extra, plots_have_text: text_available() };
    let path = dir.join("metrics.json");
    let json =
        serde_json::to_vec_pretty(&report).map_err(|e| Error::Json { path: path.clone(), source: e })?;
    write_atomic(&path, &json)?;
    let epochs: Vec<f64> = meta.history.iter().map(|h| h.epoch as f64).collect();
    let train: Vec<f64> = meta.history.iter().map(|h| h.train_loss).collect();
    let val: Vec<f64> = meta.history.iter().map(|h| h.val_loss).collect();
    let f1: Vec<f64> = meta.history.iter().map(|h| h.val.f1).collect();
    line_plot(
        &dir.join("loss.png"),
        "loss per epoch (blue: train, red: validation)",
        "epoch",
        &[(&epochs, &train, BLUE), (&epochs, &val, RED)],
    )?;
    line_plot(&dir.join("f1.png"), "validation F1 per epoch", "epoch", &[(&epochs, &f1, BLUE)])?;
    if !probs.is_empty() {
        roc_plot(&dir.join("roc.png"), "ROC (validation)", probs, labels)?;
        if let Some(m) = validation {
            confusion(&dir.join("confusion.png"), &m)?;
        }
    }
    Ok(())
}

/// Writes `roc_natural.png` and `pr_natural.png` into `dir`: the ROC and precision-recall curves
/// of P(eyeglasses) on a set at its natural class ratio (label 1 positive, every other label
/// negative).
pub fn write_natural_curves(dir: &Path, probs: &[f32], labels: &[u8]) -> Result<()> {
    roc_plot(&dir.join("roc_natural.png"), "ROC (validation, natural class ratio)", probs, labels)?;
    let (recall, precision): (Vec<f64>, Vec<f64>) =
        pr_curve(probs, labels).into_iter().map(|(r, p, _)| (r, p)).unzip();
    line_plot(
        &dir.join("pr_natural.png"),
        "precision (y) against recall (x), natural class ratio",
        "recall",
        &[(&recall, &precision, BLUE)],
    )
}

/// Writes `bytes` to a temporary file next to `path`, then renames it.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    std::fs::write(&tmp, bytes).map_err(|e| Error::io(&tmp, e))?;
    std::fs::rename(&tmp, path).map_err(|e| Error::io(path, e))
}

fn plot_err(path: &Path) -> impl Fn(String) -> Error + '_ {
    move |reason| Error::Plot { path: path.to_owned(), reason }
}

type Series<'a> = (&'a Vec<f64>, &'a Vec<f64>, RGBColor);

/// The ROC curve of `probs` against `labels` (label 1 positive), with chance's diagonal in gray.
fn roc_plot(path: &Path, title: &str, probs: &[f32], labels: &[u8]) -> Result<()> {
    let (x, y): (Vec<f64>, Vec<f64>) = roc_curve(probs, labels).into_iter().unzip();
    let chance = vec![0.0, 1.0];
    line_plot(
        path,
        title,
        "false positive rate",
        &[(&x, &y, BLUE), (&chance, &chance, RGBColor(180, 180, 180))],
    )
}

fn line_plot(path: &Path, title: &str, x_desc: &str, series: &[Series<'_>]) -> Result<()> {
    let err = plot_err(path);
    let root = BitMapBackend::new(path, (640, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    let all_x = series.iter().flat_map(|s| s.0.iter().copied());
    let all_y = series.iter().flat_map(|s| s.1.iter().copied()).filter(|v| v.is_finite());
    let (x0, x1) = all_x.fold((f64::MAX, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (y0, y1) = all_y.fold((0.0f64, f64::MIN), |(a, b), v| (a.min(v), b.max(v)));
    let (x0, x1) = if x0 < x1 { (x0, x1) } else { (0.0, 1.0) };
    let y1 = if y1 > y0 { y1 * 1.05 } else { y0 + 1.0 };
    let text = text_available();
    let mut builder = ChartBuilder::on(&root);
    builder.margin(12);
    if text {
        builder.caption(title, ("sans-serif", 20)).x_label_area_size(40).y_label_area_size(50);
    }
    let mut chart = builder.build_cartesian_2d(x0..x1, y0..y1).map_err(|e| err(e.to_string()))?;
    if text {
        chart.configure_mesh().x_desc(x_desc).draw().map_err(|e| err(e.to_string()))?;
    } else {
        chart
            .configure_mesh()
            .disable_x_mesh()
            .disable_y_mesh()
            .x_labels(0)
            .y_labels(0)
            .draw()
            .map_err(|e| err(e.to_string()))?;
    }
    for (xs, ys, color) in series {
        let pts = xs.iter().copied().zip(ys.iter().copied()).filter(|(_, y)| y.is_finite());
        chart.draw_series(LineSeries::new(pts, color.stroke_width(2))).map_err(|e| err(e.to_string()))?;
    }
    root.present().map_err(|e| err(e.to_string()))
}

fn confusion(path: &Path, m: &Metrics) -> Result<()> {
    let err = plot_err(path);
    let root = BitMapBackend::new(path, (420, 420)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| err(e.to_string()))?;
    // Rows: true class (0 top); columns: predicted class.
    let cells = [[m.tn, m.fp], [m.fn_, m.tp]];
    let max = cells.iter().flatten().copied().max().unwrap_or(1).max(1) as f64;
    let text = text_available();
    for (r, row) in cells.iter().enumerate() {
        for (c, &count) in row.iter().enumerate() {
            let (x, y) = (60 + c as i32 * 170, 60 + r as i32 * 170);
            let shade = 255 - (200.0 * count as f64 / max) as u8;
            let colour = if r == c { RGBColor(shade, 255, shade) } else { RGBColor(255, shade, shade) };
            root.draw(&Rectangle::new([(x, y), (x + 160, y + 160)], colour.filled()))
                .map_err(|e| err(e.to_string()))?;
            if text {
                root.draw(&Text::new(count.to_string(), (x + 60, y + 70), ("sans-serif", 28)))
                    .map_err(|e| err(e.to_string()))?;
            }
        }
    }
    if text {
        let style = ("sans-serif", 16);
        for (s, pos) in [
            ("predicted: no glasses | glasses", (80, 20)),
            ("true: no glasses (top) / glasses (bottom)", (40, 400)),
        ] {
            root.draw(&Text::new(s, pos, style)).map_err(|e| err(e.to_string()))?;
        }
    }
    root.present().map_err(|e| err(e.to_string()))
}
