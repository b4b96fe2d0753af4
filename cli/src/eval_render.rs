//! `glasses eval`'s report in each format, and the `--misclassified` list.

use std::path::Path;

use anyhow::Context;

use crate::args::EvalFormat;
use crate::eval_report::{Mistake, Report};
use crate::metrics::ThresholdRow;
use crate::output;

pub fn render(report: &Report, format: EvalFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        EvalFormat::Json => json(report),
        EvalFormat::Table => Ok(text(report, Style::Table).into_bytes()),
        EvalFormat::Markdown => Ok(text(report, Style::Markdown).into_bytes()),
        EvalFormat::Csv => csv(report),
    }
}

/// `--misclassified FILE`: JSON for a `.json` name, CSV otherwise.
pub fn mistakes(mistakes: &[Mistake], file: &Path) -> anyhow::Result<Vec<u8>> {
    let is_json = file.extension().is_some_and(|e| e.eq_ignore_ascii_case("json"));
    if is_json {
        let mut bytes = serde_json::to_vec_pretty(mistakes).context("cannot encode the mistakes as JSON")?;
        bytes.push(b'\n');
        return Ok(bytes);
    }
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(["path", "truth", "prediction", "probability", "confidence"])?;
    for m in mistakes {
        writer.write_record([
            m.path.as_str(),
            m.truth,
            m.prediction,
            &m.probability.to_string(),
            &m.confidence.to_string(),
        ])?;
    }
    writer.into_inner().context("cannot encode the mistakes as CSV")
}

fn json(report: &Report) -> anyhow::Result<Vec<u8>> {
    let mut bytes = serde_json::to_vec_pretty(report).context("cannot encode the report as JSON")?;
    bytes.push(b'\n');
    Ok(bytes)
}

/// The run's settings and counts both formats start with (after the images' folder).
fn settings_and_counts(r: &Report) -> [(&'static str, String); 4] {
    [
        ("model", r.model.clone()),
        ("threshold", r.threshold.to_string()),
        ("n", r.n.to_string()),
        ("failed", r.failed.to_string()),
    ]
}

/// The headline metrics, in the order every format shows them; each format writes the numbers
/// its own way.
fn headline_metrics(r: &Report) -> [(&'static str, Option<f64>); 5] {
    [
        ("accuracy", r.accuracy),
        ("precision", r.precision),
        ("recall", r.recall),
        ("f1", r.f1),
        ("roc_auc", r.roc_auc),
    ]
}

/// One header row and one row of the headline numbers: rows of several runs line up. Each column
/// is named next to its value, so the two rows cannot drift apart.
fn csv(r: &Report) -> anyhow::Result<Vec<u8>> {
    let c = &r.confusion_matrix;
    let number = |v: Option<f64>| v.map(|v| v.to_string()).unwrap_or_default();
    let mut columns = vec![("images_path", r.images_path.clone())];
    columns.extend(settings_and_counts(r));
    columns.extend([("positives", r.positives.to_string()), ("negatives", r.negatives.to_string())]);
    columns.extend(headline_metrics(r).map(|(name, value)| (name, number(value))));
    columns.extend([
        ("tn", c.tn.to_string()),
        ("fp", c.fp.to_string()),
        ("fn", c.fn_.to_string()),
        ("tp", c.tp.to_string()),
        ("sunglasses", r.sunglasses.to_string()),
        ("misclassified", r.misclassified.to_string()),
    ]);
    let mut writer = csv::Writer::from_writer(Vec::new());
    writer.write_record(columns.iter().map(|(name, _)| name))?;
    writer.write_record(columns.iter().map(|(_, value)| value))?;
    writer.into_inner().context("cannot encode the report as CSV")
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Style {
    Table,
    Markdown,
}

impl Style {
    /// Rows as aligned columns, or a Markdown table (the first row is the header).
    fn table(self, rows: &[Vec<String>]) -> String {
        match self {
            Self::Table => output::table(rows),
            Self::Markdown => {
                let line = |row: &[String]| format!("| {} |\n", row.join(" | "));
                let mut out = String::new();
                for (i, row) in rows.iter().enumerate() {
                    out.push_str(&line(row));
                    if i == 0 {
                        out.push_str(&line(&vec!["---".to_owned(); row.len()]));
                    }
                }
                out
            }
        }
    }

    fn heading(self, title: &str) -> String {
        match self {
            Self::Table => format!("\n{title}:\n"),
            Self::Markdown => format!("\n### {title}\n\n"),
        }
    }
}

fn metric(value: Option<f64>) -> String {
    value.map_or_else(|| "n/a".to_owned(), |v| format!("{v:.4}"))
}

fn text(r: &Report, style: Style) -> String {
    let mut rows: Vec<Vec<String>> = Vec::new();
    if style == Style::Markdown {
        rows.push(vec!["metric".to_owned(), "value".to_owned()]);
    }
    let mut headline = vec![("images", r.images_path.clone())];
    headline.extend(settings_and_counts(r));
    headline.extend(headline_metrics(r).map(|(name, value)| (name, metric(value))));
    headline.push(("sunglasses", format!("{} (counted as not eyeglasses)", r.sunglasses)));
    headline.push(("misclassified", r.misclassified.to_string()));
    rows.extend(headline.into_iter().map(|(name, value)| vec![name.to_owned(), value]));
    if let Some(p) = &r.precision_at {
        let value = match &p.reached {
            Some(row) => format!(
                "threshold {} (precision {}, recall {})",
                row.threshold,
                metric(row.precision),
                metric(row.recall)
            ),
            None => "not reached at any threshold".to_owned(),
        };
        rows.push(vec![format!("precision >= {}", p.target), value]);
    }
    for group in &r.skipped {
        rows.push(vec!["skipped".to_owned(), group.line()]);
    }
    let mut text = style.table(&rows);

    let c = &r.confusion_matrix;
    let matrix = [
        vec![String::new(), "predicted 0".to_owned(), "predicted 1".to_owned(), "total".to_owned()],
        vec!["actual 0".to_owned(), c.tn.to_string(), c.fp.to_string(), c.negatives().to_string()],
        vec!["actual 1".to_owned(), c.fn_.to_string(), c.tp.to_string(), c.positives().to_string()],
    ];
    text.push_str(&style.heading("confusion matrix (1 = eyeglasses, 0 = none or sunglasses)"));
    text.push_str(&style.table(&matrix));

    if let Some(e) = &r.eyewear_confusion_matrix {
        let header = std::iter::once(String::new()).chain(e.classes.iter().map(|c| format!("predicted {c}")));
        let mut table = vec![header.collect::<Vec<_>>()];
        for (class, counts) in e.classes.iter().zip(&e.counts) {
            table.push(
                std::iter::once(format!("actual {class}"))
                    .chain(counts.iter().map(usize::to_string))
                    .collect(),
            );
        }
        text.push_str(&style.heading("eyewear confusion matrix"));
        text.push_str(&style.table(&table));
    }

    text.push_str(&style.heading("threshold sweep (P(eyeglasses) >= threshold is eyeglasses)"));
    text.push_str(&style.table(&sweep_rows(&r.threshold_sweep, r.threshold)));

    if let Some(f) = &r.faces {
        let plural = crate::skipped::plural;
        text.push_str(&format!(
            "\nfaces (--faces {}): {} answered for its largest face, {} without a face{}\n",
            f.mode,
            plural(f.pictures_with_face, "picture", "pictures"),
            plural(f.pictures_without_face, "picture", "pictures"),
            if f.mode == "auto" { " (classified whole)" } else { " (left out of the metrics)" }
        ));
        if let Some(d) = &f.detected {
            text.push_str(&format!(
                "{} found, {} with more than one\n",
                plural(d.faces, "face", "faces"),
                plural(d.pictures_with_several_faces, "picture", "pictures")
            ));
        }
    }
    if let Some(u) = r.face_boxes {
        text.push_str(&format!(
            "\nface boxes: {} inside a face box, {} whole\n",
            crate::skipped::plural(u.by_face_box, "face", "faces"),
            crate::skipped::plural(u.whole_picture, "picture", "pictures")
        ));
    }
    text
}

/// The sweep as rows; the chosen threshold is marked.
fn sweep_rows(sweep: &[ThresholdRow], chosen: f32) -> Vec<Vec<String>> {
    let header = ["threshold", "precision", "recall", "f1"].map(str::to_owned).to_vec();
    let rows = sweep.iter().map(|row| {
        let mark = if row.threshold == chosen { " (chosen)" } else { "" };
        vec![format!("{}{mark}", row.threshold), metric(row.precision), metric(row.recall), metric(row.f1)]
    });
    std::iter::once(header).chain(rows).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::eval_report::PrecisionTarget;
    use crate::metrics::Confusion;

    fn report() -> Report {
        let confusion = Confusion { tn: 3, fp: 1, fn_: 1, tp: 2 };
        let samples =
            [(true, 0.9), (true, 0.7), (true, 0.2), (false, 0.6), (false, 0.3), (false, 0.1), (false, 0.1)];
        Report {
            images_path: "data".to_owned(),
            model: "bundled".to_owned(),
            threshold: 0.5,
            n: 7,
            failed: 0,
            positives: 3,
            negatives: 4,
            accuracy: confusion.accuracy(),
            precision: confusion.precision(),
            recall: confusion.recall(),
            f1: confusion.f1(),
            roc_auc: None,
            confusion_matrix: confusion,
            sunglasses: 0,
            eyewear_confusion_matrix: None,
            face_boxes: None,
            faces: None,
            threshold_sweep: crate::metrics::sweep(&samples, &crate::metrics::sweep_thresholds(0.5)),
            precision_at: Some(PrecisionTarget {
                target: 0.9,
                reached: crate::metrics::lowest_threshold_for_precision(&samples, 0.9),
            }),
            misclassified: 2,
            skipped: Vec::new(),
        }
    }

    #[test]
    fn the_table_shows_the_sweep_and_the_precision_target() {
        let text =
            String::from_utf8(render(&report(), EvalFormat::Table).unwrap_or_default()).unwrap_or_default();
        assert!(text.contains("precision >= 0.9  threshold 0.7 (precision 1.0000, recall 0.6667)"), "{text}");
        assert!(text.contains("\n0.5 (chosen)  0.6667     0.6667  0.6667\n"), "{text}");
        assert!(text.contains("\n0.1           0.4286     1.0000  0.6000\n"), "{text}");
    }

    #[test]
    fn markdown_and_csv() -> anyhow::Result<()> {
        let md = String::from_utf8(render(&report(), EvalFormat::Markdown)?)?;
        assert!(md.starts_with("| metric | value |\n| --- | --- |\n| images | data |\n"), "{md}");
        assert!(md.contains("### threshold sweep"), "{md}");
        let csv = String::from_utf8(render(&report(), EvalFormat::Csv)?)?;
        let lines: Vec<&str> = csv.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0],
            "images_path,model,threshold,n,failed,positives,negatives,accuracy,precision,recall,f1,roc_auc,\
             tn,fp,fn,tp,sunglasses,misclassified"
        );
        assert!(lines[1].starts_with("data,bundled,0.5,7,0,3,4,"), "{csv}");
        assert_eq!(lines[1].split(',').count(), lines[0].split(',').count(), "a value per column: {csv}");
        Ok(())
    }
}
