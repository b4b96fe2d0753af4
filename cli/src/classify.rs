//! `glasses classify`: classify files and folders and report each file's result.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::args::{ClassifyArgs, ClassifyFormat};
use crate::batch::{self, Outcome};
use crate::errors::{self, Status};
use crate::output::{self, Destination};
use crate::{inputs, model};
use glasses_core::Prediction;

pub fn run(args: &ClassifyArgs) -> anyhow::Result<Status> {
    let destination = Destination::new(args.output.as_deref(), args.force);
    destination.check()?;
    let entries = inputs::collect(&args.inputs())?;
    let classifier = model::load(&args.model, args.run.options())?;
    let boxes = batch::face_boxes(&args.run)?;
    let files = entries.iter().filter_map(|e| e.as_ref().ok().cloned()).collect();
    let mut classified = batch::classify(&classifier, files, &args.run, boxes.as_ref())?.into_iter();
    // Back into the order found, each unsearchable folder in its place as an error.
    let outcomes: Vec<Outcome> = entries
        .into_iter()
        .filter_map(|entry| match entry {
            Ok(_) => classified.next(),
            Err((path, error)) => Some(Outcome { path, result: Err(error), by_face_box: false }),
        })
        .collect();
    destination.write(&render(&outcomes, args.format)?)?;

    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let with_glasses = outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|p| p.has_glasses)).count();
    let mut summary = format!(
        "{} images: {with_glasses} with eyeglasses, {} without, {failed} failed",
        outcomes.len(),
        outcomes.len() - with_glasses - failed
    );
    if let Some(usage) = batch::usage(&outcomes, boxes.as_ref()) {
        summary.push_str(&format!(
            "; {} classified inside their face box, {} whole",
            usage.by_face_box, usage.whole_picture
        ));
    }
    errors::warn(&summary);
    Ok(Status::from_failures(failed))
}

/// The results in `format`, in the order of `outcomes`.
pub fn render(outcomes: &[Outcome], format: ClassifyFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ClassifyFormat::Table => Ok(render_table(outcomes).into_bytes()),
        ClassifyFormat::Json => render_json(outcomes),
        ClassifyFormat::Csv => render_csv(outcomes),
    }
}

fn render_table(outcomes: &[Outcome]) -> String {
    let header = ["PATH", "GLASSES", "EYEWEAR", "P(GLASSES)"].map(str::to_owned).to_vec();
    let rows = outcomes.iter().map(|o| {
        let path = escaped_path(&o.path);
        match &o.result {
            Ok(p) => vec![
                path,
                yes_no(p.has_glasses).to_owned(),
                p.eyewear.name().to_owned(),
                format!("{:.4}", p.probability),
            ],
            Err(e) => vec![path, "error".to_owned(), String::new(), escape_controls(e, false)],
        }
    });
    output::table(&std::iter::once(header).chain(rows).collect::<Vec<_>>())
}

fn yes_no(value: bool) -> &'static str {
    if value { "yes" } else { "no" }
}

/// The path for the table: on one line and lossless. Backslash, control characters (`\n`,
/// `\t`, `\r`, `\u{1b}`, ...) and, on Unix, bytes that are not UTF-8 (`\xff`) are escaped;
/// everything else is shown as it is.
pub fn escaped_path(path: &Path) -> String {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        let mut out = String::new();
        for chunk in path.as_os_str().as_bytes().utf8_chunks() {
            out.push_str(&escape_controls(chunk.valid(), true));
            for byte in chunk.invalid() {
                out.push_str(&format!("\\x{byte:02x}"));
            }
        }
        out
    }
    #[cfg(not(unix))]
    {
        escape_controls(&path.to_string_lossy(), true)
    }
}

/// Escapes control characters (and backslashes too when `backslash`, to keep it reversible).
fn escape_controls(text: &str, backslash: bool) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '\\' if backslash => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The exact bytes of a path that is not valid UTF-8 (for JSON's `path_bytes`); `None` otherwise.
fn non_utf8_bytes(path: &Path) -> Option<Vec<u8>> {
    if path.to_str().is_some() {
        return None;
    }
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Some(path.as_os_str().as_bytes().to_vec())
    }
    #[cfg(not(unix))]
    {
        Some(path.to_string_lossy().into_owned().into_bytes())
    }
}

/// The path's bytes as the file system has them (CSV is a byte format; quoting keeps newlines).
fn raw_path(path: &Path) -> Cow<'_, [u8]> {
    #[cfg(unix)]
    {
        use std::os::unix::ffi::OsStrExt;
        Cow::Borrowed(path.as_os_str().as_bytes())
    }
    #[cfg(not(unix))]
    {
        match path.to_string_lossy() {
            Cow::Borrowed(s) => Cow::Borrowed(s.as_bytes()),
            Cow::Owned(s) => Cow::Owned(s.into_bytes()),
        }
    }
}

/// The class probabilities; `sunglasses` is `null` for a two-class model (it has no such class).
#[derive(Serialize)]
struct Probabilities {
    none: f32,
    eyeglasses: f32,
    sunglasses: Option<f32>,
}

impl From<&Prediction> for Probabilities {
    fn from(p: &Prediction) -> Self {
        let q = p.probabilities;
        Self { none: q.none, eyeglasses: q.eyeglasses, sunglasses: q.sunglasses }
    }
}

/// One element of the JSON array; `untagged` gives the two shapes the format promises.
/// `path_bytes` appears only for a path that is not UTF-8: its exact bytes (`path` then shows it
/// with U+FFFD in place of the bad bytes).
#[derive(Serialize)]
#[serde(untagged)]
enum JsonRow<'a> {
    Classified {
        path: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        has_glasses: bool,
        probability: f32,
        eyewear: &'static str,
        probabilities: Probabilities,
    },
    Failed {
        path: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        error: &'a str,
    },
}

fn render_json(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<JsonRow<'_>> = outcomes
        .iter()
        .map(|o| {
            let path = o.path.to_string_lossy();
            let path_bytes = non_utf8_bytes(&o.path);
            match &o.result {
                Ok(p) => JsonRow::Classified {
                    path,
                    path_bytes,
                    has_glasses: p.has_glasses,
                    probability: p.probability,
                    eyewear: p.eyewear.name(),
                    probabilities: p.into(),
                },
                Err(error) => JsonRow::Failed { path, path_bytes, error },
            }
        })
        .collect();
    let mut bytes = serde_json::to_vec_pretty(&rows).context("cannot encode the results as JSON")?;
    bytes.push(b'\n');
    Ok(bytes)
}

fn render_csv(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let mut writer = csv::Writer::from_writer(Vec::new());
    // New columns go after the original four, so readers that index columns keep working.
    writer.write_record([
        "path",
        "has_glasses",
        "probability",
        "error",
        "eyewear",
        "p_none",
        "p_eyeglasses",
        "p_sunglasses",
    ])?;
    for o in outcomes {
        let path = raw_path(&o.path);
        match &o.result {
            Ok(p) => {
                let q = p.probabilities;
                writer.write_record([
                    &*path,
                    p.has_glasses.to_string().as_bytes(),
                    p.probability.to_string().as_bytes(),
                    b"",
                    p.eyewear.name().as_bytes(),
                    q.none.to_string().as_bytes(),
                    q.eyeglasses.to_string().as_bytes(),
                    q.sunglasses.map(|s| s.to_string()).unwrap_or_default().as_bytes(),
                ])?
            }
            Err(e) => writer.write_record([&*path, b"", b"", e.as_bytes(), b"", b"", b"", b""])?,
        }
    }
    writer.into_inner().context("cannot encode the results as CSV")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes() -> Vec<Outcome> {
        vec![
            Outcome {
                path: "a.png".into(),
                result: Ok(Prediction::from_probabilities(&[0.25, 0.75], 0.5)),
                by_face_box: false,
            },
            Outcome {
                path: "b, c.jpg".into(),
                result: Err("invalid image: truncated".to_owned()),
                by_face_box: false,
            },
            Outcome {
                path: "s.png".into(),
                result: Ok(Prediction::from_probabilities(&[0.125, 0.125, 0.75], 0.5)),
                by_face_box: true,
            },
        ]
    }

    #[test]
    fn json_has_one_shape_per_outcome() -> anyhow::Result<()> {
        let value: serde_json::Value = serde_json::from_slice(&render(&outcomes(), ClassifyFormat::Json)?)?;
        assert_eq!(
            value,
            serde_json::json!([
                {"path": "a.png", "has_glasses": true, "probability": 0.75, "eyewear": "eyeglasses",
                 "probabilities": {"none": 0.25, "eyeglasses": 0.75, "sunglasses": null}},
                {"path": "b, c.jpg", "error": "invalid image: truncated"},
                {"path": "s.png", "has_glasses": false, "probability": 0.125, "eyewear": "sunglasses",
                 "probabilities": {"none": 0.125, "eyeglasses": 0.125, "sunglasses": 0.75}},
            ])
        );
        Ok(())
    }

    #[test]
    fn csv_quotes_and_leaves_missing_fields_empty() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&outcomes(), ClassifyFormat::Csv)?)?;
        assert_eq!(
            text,
            "path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses\n\
             a.png,true,0.75,,eyeglasses,0.25,0.75,\n\
             \"b, c.jpg\",,,invalid image: truncated,,,,\n\
             s.png,false,0.125,,sunglasses,0.125,0.125,0.75\n"
        );
        Ok(())
    }

    #[test]
    fn table_shows_errors_in_place() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&outcomes(), ClassifyFormat::Table)?)?;
        assert_eq!(
            text,
            "PATH      GLASSES  EYEWEAR     P(GLASSES)\n\
             a.png     yes      eyeglasses  0.7500\n\
             b, c.jpg  error                invalid image: truncated\n\
             s.png     no       sunglasses  0.1250\n"
        );
        Ok(())
    }
}
