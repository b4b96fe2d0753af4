//! `glasses classify`: classify files and folders and report each file's result.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::args::{ClassifyArgs, ClassifyFormat};
use crate::batch::{self, Outcome};
use crate::errors::{self, Status};
use crate::face_boxes::Usage;
use crate::output::{self, Destination};
use crate::skipped::plural;
use crate::{inputs, model};
use glasses_core::{Eyewear, FaceBox, Prediction};

pub fn run(args: &ClassifyArgs) -> anyhow::Result<Status> {
    let destination = Destination::new(args.output.as_deref(), args.force);
    destination.check()?;
    let found = inputs::collect(&args.inputs())?;
    let skipped = crate::skipped::group(&found.skipped);
    // Read before the model loads: a bad boxes file fails at once.
    let boxes = batch::face_boxes(&args.run)?;
    let classifier = model::load(&args.model, args.run.options())?;
    let files = found.entries.iter().filter_map(|e| e.as_ref().ok().cloned()).collect();
    let mut classified = batch::classify(&classifier, files, &args.run, boxes.as_ref())?.into_iter();
    // Back into the order found, each unsearchable folder in its place as an error.
    let mut images = 0;
    let outcomes: Vec<Outcome> = found
        .entries
        .into_iter()
        .flat_map(|entry| {
            images += 1;
            match entry {
                Ok(_) => classified.next().unwrap_or_default(),
                Err((path, error)) => vec![Outcome { path, result: Err(error), face: None }],
            }
        })
        .collect();
    destination.write(&render(&outcomes, args.format())?)?;

    for group in &skipped {
        errors::warn(&group.line());
    }
    errors::warn(&summary(images, &outcomes, batch::usage(&outcomes, boxes.as_ref())));
    Ok(Status::from_failures(outcomes.iter().filter(|o| o.result.is_err()).count()))
}

/// The line on stderr after a run: "3 images: 1 with eyeglasses, 1 with sunglasses, 0 without
/// eyewear, 1 failed", each kind counted, and how face boxes were used.
pub fn summary(images: usize, outcomes: &[Outcome], usage: Option<Usage>) -> String {
    let kind = |kind: Eyewear| {
        outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|p| p.eyewear == kind)).count()
    };
    let failed = outcomes.iter().filter(|o| o.result.is_err()).count();
    let mut line = plural(images, "image", "images");
    if outcomes.len() != images {
        line.push_str(&format!(" ({})", plural(outcomes.len(), "result", "results")));
    }
    line.push_str(&format!(
        ": {} with eyeglasses, {} with sunglasses, {} without eyewear, {failed} failed",
        kind(Eyewear::Eyeglasses),
        kind(Eyewear::Sunglasses),
        kind(Eyewear::None),
    ));
    if let Some(usage) = usage {
        line.push_str(&format!(
            "; {} inside a face box, {} whole",
            plural(usage.by_face_box, "face", "faces"),
            plural(usage.whole_picture, "picture", "pictures")
        ));
    }
    line
}

/// The results in `format`, in the order of `outcomes`.
pub fn render(outcomes: &[Outcome], format: ClassifyFormat) -> anyhow::Result<Vec<u8>> {
    match format {
        ClassifyFormat::Table => Ok(render_table(outcomes).into_bytes()),
        ClassifyFormat::Json => render_json(outcomes),
        ClassifyFormat::Csv => render_csv(outcomes),
    }
}

/// One row per outcome; the BOX column only when some image was classified inside a face box,
/// P(SUNGLASSES) `-` for a two-class model. An error takes the row's place after GLASSES.
fn render_table(outcomes: &[Outcome]) -> String {
    let boxed = outcomes.iter().any(|o| o.face.is_some());
    let mut header = vec!["PATH".to_owned()];
    if boxed {
        header.push("BOX".to_owned());
    }
    header.extend(["GLASSES", "EYEWEAR", "P(GLASSES)", "P(SUNGLASSES)"].map(str::to_owned));
    let rows = outcomes.iter().map(|o| {
        let mut row = vec![escaped_path(&o.path)];
        if boxed {
            row.push(o.face.map(|f| format!("{},{},{},{}", f.x, f.y, f.width, f.height)).unwrap_or_default());
        }
        match &o.result {
            Ok(p) => row.extend([
                yes_no(p.has_glasses).to_owned(),
                p.eyewear.name().to_owned(),
                format!("{:.4}", p.probability),
                p.probabilities.sunglasses.map_or_else(|| "-".to_owned(), |s| format!("{s:.4}")),
            ]),
            Err(e) => row.extend(["error".to_owned(), escape_controls(e, false)]),
        }
        row
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

/// A `--face-boxes` box, in pixels.
#[derive(Serialize)]
struct JsonBox {
    x: f32,
    y: f32,
    w: f32,
    h: f32,
}

impl From<FaceBox> for JsonBox {
    fn from(f: FaceBox) -> Self {
        Self { x: f.x, y: f.y, w: f.width, h: f.height }
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
        #[serde(skip_serializing_if = "Option::is_none")]
        face_box: Option<JsonBox>,
        has_glasses: bool,
        probability: f32,
        eyewear: &'static str,
        probabilities: Probabilities,
    },
    Failed {
        path: Cow<'a, str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        path_bytes: Option<Vec<u8>>,
        #[serde(skip_serializing_if = "Option::is_none")]
        face_box: Option<JsonBox>,
        error: &'a str,
    },
}

fn render_json(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<JsonRow<'_>> = outcomes
        .iter()
        .map(|o| {
            let path = o.path.to_string_lossy();
            let path_bytes = non_utf8_bytes(&o.path);
            let face_box = o.face.map(JsonBox::from);
            match &o.result {
                Ok(p) => JsonRow::Classified {
                    path,
                    path_bytes,
                    face_box,
                    has_glasses: p.has_glasses,
                    probability: p.probability,
                    eyewear: p.eyewear.name(),
                    probabilities: p.into(),
                },
                Err(error) => JsonRow::Failed { path, path_bytes, face_box, error },
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
        "face_x",
        "face_y",
        "face_w",
        "face_h",
    ])?;
    for o in outcomes {
        let path = raw_path(&o.path);
        let face = o.face.map(|f| [f.x, f.y, f.width, f.height].map(|v| v.to_string())).unwrap_or_default();
        let [x, y, w, h] = face.each_ref().map(|v| v.as_bytes());
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
                    x,
                    y,
                    w,
                    h,
                ])?
            }
            Err(e) => {
                writer.write_record([&*path, b"", b"", e.as_bytes(), b"", b"", b"", b"", x, y, w, h])?
            }
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
                face: None,
            },
            Outcome {
                path: "b, c.jpg".into(),
                result: Err("invalid image: truncated".to_owned()),
                face: None,
            },
            Outcome {
                path: "s.png".into(),
                result: Ok(Prediction::from_probabilities(&[0.125, 0.125, 0.75], 0.5)),
                face: Some(FaceBox::new(1.0, 2.0, 30.0, 40.5)),
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
                {"path": "s.png", "face_box": {"x": 1.0, "y": 2.0, "w": 30.0, "h": 40.5}, "has_glasses": false, "probability": 0.125, "eyewear": "sunglasses",
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
            "path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses,face_x,face_y,face_w,face_h\n\
             a.png,true,0.75,,eyeglasses,0.25,0.75,,,,,\n\
             \"b, c.jpg\",,,invalid image: truncated,,,,,,,,\n\
             s.png,false,0.125,,sunglasses,0.125,0.125,0.75,1,2,30,40.5\n"
        );
        Ok(())
    }

    #[test]
    fn table_shows_the_kind_both_probabilities_and_errors_in_place() -> anyhow::Result<()> {
        let text = String::from_utf8(render(&outcomes(), ClassifyFormat::Table)?)?;
        assert_eq!(
            text,
            "PATH      BOX          GLASSES  EYEWEAR     P(GLASSES)  P(SUNGLASSES)\n\
             a.png                  yes      eyeglasses  0.7500      -\n\
             b, c.jpg               error    invalid image: truncated\n\
             s.png     1,2,30,40.5  no       sunglasses  0.1250      0.7500\n"
        );
        // Without face boxes there is no BOX column.
        let whole: Vec<Outcome> = outcomes().into_iter().map(|o| Outcome { face: None, ..o }).collect();
        let text = String::from_utf8(render(&whole, ClassifyFormat::Table)?)?;
        assert!(text.starts_with("PATH      GLASSES  EYEWEAR     P(GLASSES)  P(SUNGLASSES)\n"), "{text}");
        Ok(())
    }

    #[test]
    fn the_summary_counts_each_kind_with_plurals() {
        let all = outcomes();
        assert_eq!(
            summary(3, &all, None),
            "3 images: 1 with eyeglasses, 1 with sunglasses, 0 without eyewear, 1 failed"
        );
        assert_eq!(
            summary(1, &all[..1], Some(Usage { by_face_box: 0, whole_picture: 1 })),
            "1 image: 1 with eyeglasses, 0 with sunglasses, 0 without eyewear, 0 failed; \
             0 faces inside a face box, 1 picture whole"
        );
        assert_eq!(
            summary(2, &all, Some(Usage { by_face_box: 1, whole_picture: 2 })),
            "2 images (3 results): 1 with eyeglasses, 1 with sunglasses, 0 without eyewear, 1 failed; \
             1 face inside a face box, 2 pictures whole"
        );
    }
}
