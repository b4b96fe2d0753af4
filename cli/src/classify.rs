//! `glasses classify`: classify files and folders and report each file's result.

use std::borrow::Cow;
use std::path::Path;

use anyhow::Context;
use serde::Serialize;

use crate::args::{ClassifyArgs, ClassifyFormat};
use crate::batch::{self, Outcome};
use crate::errors::{self, Status};
use crate::face_boxes::Usage;
use crate::output;
use crate::skipped::plural;
use crate::{inputs, model};
use glasses_core::{DetectedFace, Eyewear, FaceBox, Prediction};

pub fn run(args: &ClassifyArgs) -> anyhow::Result<Status> {
    let destination = args.output.destination(args.force);
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
                Err((path, error)) => vec![Outcome::failed(path, error)],
            }
        })
        .collect();
    destination.write(&render(&outcomes, args.output.format())?)?;

    for group in &skipped {
        errors::warn(&group.line());
    }
    errors::warn(&summary(images, &outcomes, batch::usage(&outcomes, boxes.as_ref())));
    Ok(Status::from_failures(outcomes.iter().filter(|o| o.is_failure()).count()))
}

/// The line on stderr after a run: "3 images: 1 with eyeglasses, 1 with sunglasses, 0 without
/// eyewear, 1 failed", each kind counted, and how face boxes were used.
pub fn summary(images: usize, outcomes: &[Outcome], usage: Option<Usage>) -> String {
    let kind = |kind: Eyewear| {
        outcomes.iter().filter(|o| o.result.as_ref().is_ok_and(|p| p.eyewear == kind)).count()
    };
    let failed = outcomes.iter().filter(|o| o.is_failure()).count();
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
    let without_face = outcomes.iter().filter(|o| o.no_face).count();
    if without_face > 0 {
        line.push_str(&format!(
            ", {}",
            plural(without_face, "picture without a face", "pictures without a face")
        ));
    }
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
/// FACE (the detected box and its index in the picture) only when a face was detected or looked
/// for in vain, P(SUNGLASSES) `-` for a two-class model. An error takes the row's place after
/// GLASSES; a picture without a face says "no face" there.
fn render_table(outcomes: &[Outcome]) -> String {
    let boxed = outcomes.iter().any(|o| o.face.is_some());
    let detected = outcomes.iter().any(|o| o.detected.is_some() || o.no_face);
    let mut header = vec!["PATH".to_owned()];
    if boxed {
        header.push("BOX".to_owned());
    }
    if detected {
        header.extend(["FACE".to_owned(), "FACE BOX".to_owned()]);
    }
    header.extend(["GLASSES", "EYEWEAR", "P(GLASSES)", "P(SUNGLASSES)"].map(str::to_owned));
    let rows = outcomes.iter().map(|o| {
        let mut row = vec![escaped_path(&o.path)];
        if boxed {
            row.push(o.face.map(|f| format!("{},{},{},{}", f.x, f.y, f.width, f.height)).unwrap_or_default());
        }
        if detected {
            row.push(
                o.face_index.filter(|_| o.detected.is_some()).map(|i| i.to_string()).unwrap_or_default(),
            );
            row.push(o.detected.map(|d| table_box(d.face_box)).unwrap_or_default());
        }
        match &o.result {
            Err(_) if o.no_face => row.push(batch::NO_FACE.to_owned()),
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

/// A detected box for the table, to a tenth of a pixel.
fn table_box(b: FaceBox) -> String {
    format!("{:.1},{:.1},{:.1},{:.1}", b.x, b.y, b.width, b.height)
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

/// A detected face, in pixels of the upright picture (top-left origin), with its score.
#[derive(Serialize)]
struct JsonFace {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    score: f32,
}

impl From<DetectedFace> for JsonFace {
    fn from(f: DetectedFace) -> Self {
        let b = f.face_box;
        Self { x: b.x, y: b.y, width: b.width, height: b.height, score: f.score }
    }
}

/// One element of the JSON array: the path, then the answer in one of the three shapes the
/// format promises. `path_bytes` appears only for a path that is not UTF-8: its exact bytes
/// (`path` then shows it with U+FFFD in place of the bad bytes).
#[derive(Serialize)]
struct JsonRow<'a> {
    path: Cow<'a, str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    path_bytes: Option<Vec<u8>>,
    #[serde(flatten)]
    answer: JsonAnswer<'a>,
}

/// What a row says after its path; `untagged` writes each shape's fields alone.
#[derive(Serialize)]
#[serde(untagged)]
enum JsonAnswer<'a> {
    Classified {
        #[serde(skip_serializing_if = "Option::is_none")]
        face_box: Option<JsonBox>,
        /// The detected face the answer is for; `null`: the whole picture or a `--face-boxes` box.
        face: Option<JsonFace>,
        /// Which of the picture's faces, largest first; `null`: the whole picture.
        face_index: Option<usize>,
        has_glasses: bool,
        probability: f32,
        eyewear: &'static str,
        probabilities: Probabilities,
    },
    NoFace {
        face: Option<JsonFace>,
        face_index: Option<usize>,
        no_face: bool,
    },
    Failed {
        #[serde(skip_serializing_if = "Option::is_none")]
        face_box: Option<JsonBox>,
        error: &'a str,
    },
}

fn render_json(outcomes: &[Outcome]) -> anyhow::Result<Vec<u8>> {
    let rows: Vec<JsonRow<'_>> = outcomes
        .iter()
        .map(|o| {
            let face_box = o.face.map(JsonBox::from);
            let answer = match &o.result {
                Err(_) if o.no_face => JsonAnswer::NoFace { face: None, face_index: None, no_face: true },
                Ok(p) => JsonAnswer::Classified {
                    face_box,
                    face: o.detected.map(JsonFace::from),
                    face_index: o.face_index,
                    has_glasses: p.has_glasses,
                    probability: p.probability,
                    eyewear: p.eyewear.name(),
                    probabilities: p.into(),
                },
                Err(error) => JsonAnswer::Failed { face_box, error },
            };
            JsonRow { path: o.path.to_string_lossy(), path_bytes: non_utf8_bytes(&o.path), answer }
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
        "face_index",
        "detected_x",
        "detected_y",
        "detected_width",
        "detected_height",
        "detected_score",
        "no_face",
    ])?;
    for o in outcomes {
        let path = raw_path(&o.path);
        let face = o.face.map(|f| [f.x, f.y, f.width, f.height].map(|v| v.to_string())).unwrap_or_default();
        let [x, y, w, h] = face.each_ref().map(|v| v.as_bytes());
        let index = o.face_index.map(|i| i.to_string()).unwrap_or_default();
        let detected = o
            .detected
            .map(|d| {
                let b = d.face_box;
                [b.x, b.y, b.width, b.height, d.score].map(|v| v.to_string())
            })
            .unwrap_or_default();
        let [dx, dy, dw, dh, score] = detected.each_ref().map(|v| v.as_bytes());
        let no_face = if o.no_face { &b"true"[..] } else { b"false" };
        // The columns between the path and the face box: the prediction, or the error in its
        // column, or nothing for a picture without a face.
        let mut result: [String; 7] = Default::default();
        match &o.result {
            Ok(p) => {
                let q = p.probabilities;
                result = [
                    p.has_glasses.to_string(),
                    p.probability.to_string(),
                    String::new(),
                    p.eyewear.name().to_owned(),
                    q.none.to_string(),
                    q.eyeglasses.to_string(),
                    q.sunglasses.map(|s| s.to_string()).unwrap_or_default(),
                ];
            }
            Err(e) if !o.no_face => result[2].clone_from(e),
            Err(_) => {}
        }
        let ids: [&[u8]; 6] = if o.no_face && o.result.is_err() {
            Default::default()
        } else {
            [index.as_bytes(), dx, dy, dw, dh, score]
        };
        let cells = std::iter::once(&*path)
            .chain(result.iter().map(|c| c.as_bytes()))
            .chain([x, y, w, h])
            .chain(ids)
            .chain([no_face]);
        writer.write_record(cells)?;
    }
    writer.into_inner().context("cannot encode the results as CSV")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outcomes() -> Vec<Outcome> {
        vec![
            Outcome::new("a.png".into(), Ok(Prediction::from_probabilities(&[0.25, 0.75], 0.5))),
            Outcome::failed("b, c.jpg".into(), "invalid image: truncated".to_owned()),
            Outcome {
                face: Some(FaceBox::new(1.0, 2.0, 30.0, 40.5)),
                face_index: Some(0),
                ..Outcome::new("s.png".into(), Ok(Prediction::from_probabilities(&[0.125, 0.125, 0.75], 0.5)))
            },
        ]
    }

    /// What `render` writes, as text.
    fn rendered(rows: &[Outcome], format: ClassifyFormat) -> anyhow::Result<String> {
        Ok(String::from_utf8(render(rows, format)?)?)
    }

    /// `--faces detect` rows: the second face of a group picture, and a picture without a face.
    fn detected() -> Vec<Outcome> {
        let face = DetectedFace {
            face_box: FaceBox::new(10.5, 20.0, 40.0, 50.25),
            score: 0.875,
            landmarks: [(0.0, 0.0); 5],
        };
        let prediction = Prediction::from_probabilities(&[0.5, 0.25, 0.25], 0.5);
        vec![
            Outcome {
                detected: Some(face),
                face_index: Some(1),
                ..Outcome::new("g.png".into(), Ok(prediction))
            },
            Outcome { no_face: true, ..Outcome::failed("n.png".into(), batch::NO_FACE.to_owned()) },
        ]
    }

    #[test]
    fn detected_faces_and_pictures_without_one_have_their_columns() -> anyhow::Result<()> {
        let rows = detected();
        let value: serde_json::Value = serde_json::from_slice(&render(&rows, ClassifyFormat::Json)?)?;
        assert_eq!(
            value,
            serde_json::json!([
                {"path": "g.png", "face": {"x": 10.5, "y": 20.0, "width": 40.0, "height": 50.25, "score": 0.875},
                 "face_index": 1, "has_glasses": false, "probability": 0.25, "eyewear": "none",
                 "probabilities": {"none": 0.5, "eyeglasses": 0.25, "sunglasses": 0.25}},
                {"path": "n.png", "face": null, "face_index": null, "no_face": true},
            ])
        );
        let csv = rendered(&rows, ClassifyFormat::Csv)?;
        let lines: Vec<&str> = csv.lines().collect();
        assert!(lines[0].ends_with(
            ",face_index,detected_x,detected_y,detected_width,detected_height,detected_score,no_face"
        ));
        assert_eq!(lines[1], "g.png,false,0.25,,none,0.5,0.25,0.25,,,,,1,10.5,20,40,50.25,0.875,false");
        assert_eq!(lines[2], "n.png,,,,,,,,,,,,,,,,,,true");
        let table = rendered(&rows, ClassifyFormat::Table)?;
        assert_eq!(
            table,
            "PATH   FACE  FACE BOX             GLASSES  EYEWEAR  P(GLASSES)  P(SUNGLASSES)\n\
             g.png  1     10.5,20.0,40.0,50.2  no       none     0.2500      0.2500\n\
             n.png                             no face found\n"
        );
        assert_eq!(
            summary(2, &rows, None),
            "2 images: 0 with eyeglasses, 0 with sunglasses, 1 without eyewear, 0 failed, \
             1 picture without a face"
        );
        Ok(())
    }

    #[test]
    fn json_has_one_shape_per_outcome() -> anyhow::Result<()> {
        let value: serde_json::Value = serde_json::from_slice(&render(&outcomes(), ClassifyFormat::Json)?)?;
        assert_eq!(
            value,
            serde_json::json!([
                {"path": "a.png", "face": null, "face_index": null, "has_glasses": true, "probability": 0.75, "eyewear": "eyeglasses",
                 "probabilities": {"none": 0.25, "eyeglasses": 0.75, "sunglasses": null}},
                {"path": "b, c.jpg", "error": "invalid image: truncated"},
                {"path": "s.png", "face_box": {"x": 1.0, "y": 2.0, "w": 30.0, "h": 40.5}, "face": null, "face_index": 0, "has_glasses": false, "probability": 0.125, "eyewear": "sunglasses",
                 "probabilities": {"none": 0.125, "eyeglasses": 0.125, "sunglasses": 0.75}},
            ])
        );
        Ok(())
    }

    #[test]
    fn csv_quotes_and_table_shows_the_kind_both_probabilities_and_errors_in_place() -> anyhow::Result<()> {
        // CSV leaves missing fields empty; the table shows errors in place of the prediction.
        let cases = [
            (
                ClassifyFormat::Csv,
                "path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses,face_x,face_y,face_w,face_h,\
                 face_index,detected_x,detected_y,detected_width,detected_height,detected_score,no_face\n\
                 a.png,true,0.75,,eyeglasses,0.25,0.75,,,,,,,,,,,,false\n\
                 \"b, c.jpg\",,,invalid image: truncated,,,,,,,,,,,,,,,false\n\
                 s.png,false,0.125,,sunglasses,0.125,0.125,0.75,1,2,30,40.5,0,,,,,,false\n",
            ),
            (
                ClassifyFormat::Table,
                "PATH      BOX          GLASSES  EYEWEAR     P(GLASSES)  P(SUNGLASSES)\n\
                 a.png                  yes      eyeglasses  0.7500      -\n\
                 b, c.jpg               error    invalid image: truncated\n\
                 s.png     1,2,30,40.5  no       sunglasses  0.1250      0.7500\n",
            ),
        ];
        for (format, want) in cases {
            assert_eq!(rendered(&outcomes(), format)?, want, "{format:?}");
        }
        // Without face boxes there is no BOX column.
        let whole: Vec<Outcome> = outcomes().into_iter().map(|o| Outcome { face: None, ..o }).collect();
        let text = rendered(&whole, ClassifyFormat::Table)?;
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
