//! The golden cases (`tests/fixtures/golden.json`, written by core's `write_golden_fixtures`
//! example with the bundled model): every surface must give these numbers, within the file's
//! tolerance. One reader of the file for the Rust tests of every crate: core's integration tests
//! and ffi's (C, uniffi, JNI fixtures) include this file with `#[path]`.

use std::path::{Path, PathBuf};

use glasses_core::image::RgbImage;
use serde_json::Value;

/// The repository root (every crate including this file is one folder below it).
fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("the crate has a parent folder").to_path_buf()
}

/// One golden case: a picture, an optional face box, and the answer.
#[derive(Debug, Clone)]
pub struct Case {
    /// The picture's file.
    pub image: PathBuf,
    /// Its name in golden.json (for messages).
    pub name: String,
    /// A face detector's box (x, y, width, height), for `region_cases`.
    pub face_box: Option<[f32; 4]>,
    /// The face the built-in detector finds and the answer is for (x, y, width, height, score;
    /// rounded to 0.01 pixel and 0.0001), `None` when the whole picture was classified: the
    /// `face` of `cases` (the default request) and of each face of `group_cases`.
    pub found: Option<[f32; 5]>,
    /// The decision.
    pub has_glasses: bool,
    /// `"none"`, `"eyeglasses"` or `"sunglasses"`.
    pub eyewear: String,
    /// [P(none), P(eyeglasses), P(sunglasses)] (two values for a two-class model).
    pub probabilities: Vec<f32>,
    /// P(eyeglasses) of the picture given as RGBA pixels (`cases` only: the decoder's pixels
    /// through the pixel path).
    pub rgba_probability: Option<f32>,
}

impl Case {
    /// P(eyeglasses).
    pub fn probability(&self) -> f32 {
        self.probabilities[1]
    }

    /// The eyewear code of C's `GlassesEyewear` and Kotlin's `Eyewear`.
    pub fn eyewear_code(&self) -> u32 {
        match self.eyewear.as_str() {
            "none" => 0,
            "eyeglasses" => 1,
            "sunglasses" => 2,
            other => panic!("{}: unknown eyewear {other}", self.name),
        }
    }

    /// The picture decoded by the library's own decoder (what its encoded form is classified as).
    pub fn decoded(&self) -> RgbImage {
        let bytes = std::fs::read(&self.image).unwrap_or_else(|e| panic!("{}: {e}", self.image.display()));
        glasses_core::preprocess::decode(&bytes, u64::MAX).expect("golden picture decodes")
    }

    /// Panics unless `got` is this case's answer within `tolerance`.
    pub fn assert_matches(&self, got: &Answer, tolerance: f32, what: &str) {
        let close = |a: f32, b: f32| (a - b).abs() <= tolerance;
        let want = &self.probabilities;
        assert!(close(got.probability, want[1]), "{what}: {got:?}, golden {want:?}");
        assert!(close(got.probability_none, want[0]), "{what}: {got:?}, golden {want:?}");
        match (got.probability_sunglasses, want.get(2)) {
            (Some(g), Some(&w)) => assert!(close(g, w), "{what}: {got:?}, golden {want:?}"),
            (None, None) => {}
            _ => panic!("{what}: P(sunglasses) {:?}, golden {want:?}", got.probability_sunglasses),
        }
        assert_eq!(got.has_glasses, self.has_glasses, "{what}: {got:?}");
        assert_eq!(got.eyewear, self.eyewear_code(), "{what}: {got:?}");
    }
}

/// A surface's answer, in the terms every surface shares.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Answer {
    /// The decision.
    pub has_glasses: bool,
    /// P(eyeglasses).
    pub probability: f32,
    /// C's `GlassesEyewear` code.
    pub eyewear: u32,
    /// P(none).
    pub probability_none: f32,
    /// P(sunglasses), `None` for a two-class model.
    pub probability_sunglasses: Option<f32>,
}

/// A picture of several drawn faces (`group_cases`): every face the detector finds, largest
/// first, each with its answer (a [`Case`] whose `found` is the face).
#[derive(Debug, Clone)]
pub struct Group {
    /// The picture's file.
    pub image: PathBuf,
    /// Its name in golden.json.
    pub name: String,
    /// The faces, largest first.
    pub faces: Vec<Case>,
    /// How many faces were drawn (every one must be found).
    pub drawn: usize,
}

impl Group {
    /// The picture decoded by the library's own decoder.
    pub fn decoded(&self) -> RgbImage {
        let bytes = std::fs::read(&self.image).unwrap_or_else(|e| panic!("{}: {e}", self.image.display()));
        glasses_core::preprocess::decode(&bytes, u64::MAX).expect("golden picture decodes")
    }
}

/// How far a golden face's box (rounded to 0.01 pixel) may be from a surface's, in pixels.
pub const BOX_TOLERANCE: f32 = 0.05;
/// How far a golden face's score (rounded to 0.0001) may be from a surface's.
pub const SCORE_TOLERANCE: f32 = 1e-3;

/// Panics unless the face `got` (x, y, width, height, score) is the golden `want`.
pub fn assert_face(got: [f32; 5], want: [f32; 5], what: &str) {
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let tolerance = if k == 4 { SCORE_TOLERANCE } else { BOX_TOLERANCE };
        assert!((g - w).abs() <= tolerance, "{what}: face {got:?}, golden {want:?}");
    }
}

/// golden.json, read.
pub struct Golden {
    /// The model file the answers were computed with.
    pub model: PathBuf,
    /// That model's version (its metadata's `model_version`).
    pub model_version: String,
    /// How far an answer may be from the golden one.
    pub tolerance: f32,
    /// Whole-picture cases.
    pub cases: Vec<Case>,
    /// Face-box cases.
    pub region_cases: Vec<Case>,
    /// Pictures of several faces.
    pub group_cases: Vec<Group>,
}

impl Golden {
    /// The file's path.
    pub fn path() -> PathBuf {
        repo_root().join("tests/fixtures/golden.json")
    }

    /// golden.json, or `None` (and a line saying so) when it is absent.
    pub fn load() -> Option<Self> {
        let path = Self::path();
        let Ok(text) = std::fs::read_to_string(&path) else {
            eprintln!("GOLDEN: {} is absent; golden assertions skipped", path.display());
            return None;
        };
        let json: Value = serde_json::from_str(&text).expect("golden.json is valid JSON");
        let fixtures = repo_root().join("tests/fixtures");
        let f32_of = |v: &Value| v.as_f64().expect("a number") as f32;
        let five = |v: &Value| {
            v.as_array().map(|a| {
                let a: Vec<f32> = a.iter().map(f32_of).collect();
                [a[0], a[1], a[2], a[3], a[4]]
            })
        };
        let case = |c: &Value| {
            let name = c["image"].as_str().expect("case image").to_owned();
            Case {
                found: five(&c["face"]),
                image: fixtures.join(&name),
                name,
                face_box: c.get("face_box").map(|b| {
                    let b: Vec<f32> = b.as_array().expect("face_box").iter().map(f32_of).collect();
                    [b[0], b[1], b[2], b[3]]
                }),
                has_glasses: c["has_glasses"].as_bool().expect("has_glasses"),
                eyewear: c["eyewear"].as_str().expect("eyewear").to_owned(),
                probabilities: c["probabilities"]
                    .as_array()
                    .expect("probabilities")
                    .iter()
                    .map(f32_of)
                    .collect(),
                rgba_probability: c.get("rgba_probability").map(f32_of),
            }
        };
        let cases =
            |key: &str| json[key].as_array().map(|a| a.iter().map(case).collect()).unwrap_or_default();
        let groups = json["group_cases"].as_array().cloned().unwrap_or_default();
        let group_cases = groups
            .iter()
            .map(|g| {
                let name = g["image"].as_str().expect("group image").to_owned();
                let faces = g["faces"].as_array().expect("group faces").iter().map(|f| {
                    let mut f = f.clone();
                    f["image"] = Value::from(name.as_str());
                    case(&f)
                });
                let drawn = g["drawn"].as_array().map_or(0, Vec::len);
                Group { image: fixtures.join(&name), faces: faces.collect(), drawn, name }
            })
            .collect();
        Some(Self {
            model: repo_root().join(json["model"].as_str().expect("golden.json: model")),
            model_version: json["model_version"].as_str().unwrap_or_default().to_owned(),
            tolerance: f32_of(&json["tolerance"]),
            cases: cases("cases"),
            region_cases: cases("region_cases"),
            group_cases,
        })
    }

    /// Every case, whole pictures first.
    pub fn all(&self) -> impl Iterator<Item = &Case> {
        self.cases.iter().chain(&self.region_cases)
    }
}
