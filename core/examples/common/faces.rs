//! What the face examples share: the group pictures' truth (`truth.csv` of `glasses-trainer
//! groups`), matching detected boxes to it, and the counts and curves they are scored by.

use std::collections::BTreeMap;
use std::error::Error;
use std::path::Path;

use glasses_core::image::RgbImage;
use glasses_core::{Classifier, DetectedFace, FaceBox, FaceMode, Input, Request};

pub type Res<T> = Result<T, Box<dyn Error>>;

/// Smallest IoU with the expected face box that counts a box as finding the face.
pub const MIN_IOU: f32 = 0.3;
/// Face widths (expected box, px) the targets speak of.
pub const TARGET_WIDTHS: (f32, f32) = (70.0, 360.0);

pub struct Face {
    pub crop: [f32; 4],
    pub face: [f32; 4],
    pub eyeglasses: bool,
}

pub fn numbers(fields: &[&str], line: usize) -> Res<[f32; 8]> {
    let mut out = [0.0; 8];
    for (k, v) in out.iter_mut().enumerate() {
        *v = fields[2 + k]
            .trim()
            .parse()
            .map_err(|e| format!("truth.csv line {line}: field {}: {e}", 3 + k))?;
    }
    Ok(out)
}

/// The pictures of `truth.csv` in file order, each with its faces.
pub fn read_truth(dir: &Path) -> Res<Vec<(String, Vec<Face>)>> {
    let text = std::fs::read_to_string(dir.join("truth.csv"))?;
    let mut order: Vec<String> = Vec::new();
    let mut faces: BTreeMap<String, Vec<Face>> = BTreeMap::new();
    for (n, line) in text.lines().enumerate().skip(1) {
        let fields: Vec<&str> = line.split(',').collect();
        if fields.len() < 11 {
            return Err(format!("truth.csv line {}: expected at least 11 fields", n + 1).into());
        }
        let v = numbers(&fields, n + 1)?;
        let face = Face {
            crop: [v[0], v[1], v[2], v[3]],
            face: [v[4], v[5], v[6], v[7]],
            eyeglasses: fields[10] == "eyeglasses",
        };
        let name = fields[0].to_owned();
        if !faces.contains_key(&name) {
            order.push(name.clone());
        }
        faces.entry(name).or_default().push(face);
    }
    Ok(order.into_iter().map(|name| (name.clone(), faces.remove(&name).unwrap_or_default())).collect())
}

pub fn iou(a: [f32; 4], b: &FaceBox) -> f32 {
    let ix = (a[0] + a[2]).min(b.x + b.width) - a[0].max(b.x);
    let iy = (a[1] + a[3]).min(b.y + b.height) - a[1].max(b.y);
    let inter = ix.max(0.0) * iy.max(0.0);
    inter / (a[2] * a[3] + b.width * b.height - inter)
}

/// For each truth face, the index of the box that found it; and how many boxes found none.
pub fn match_faces(truth: &[Face], found: &[DetectedFace]) -> (Vec<Option<usize>>, usize) {
    let mut by_face = vec![None; truth.len()];
    let mut false_boxes = 0;
    for (d, det) in found.iter().enumerate() {
        let b = &det.face_box;
        let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
        let best = truth
            .iter()
            .enumerate()
            .filter(|(t, _)| by_face[*t].is_none())
            .map(|(t, f)| (t, iou(f.face, b)))
            .filter(|(t, overlap)| {
                let c = truth[*t].crop;
                *overlap >= MIN_IOU || (cx >= c[0] && cx < c[0] + c[2] && cy >= c[1] && cy < c[1] + c[3])
            })
            .max_by(|a, b| a.1.total_cmp(&b.1));
        match best {
            Some((t, _)) => by_face[t] = Some(d),
            None => false_boxes += 1,
        }
    }
    (by_face, false_boxes)
}

/// Eyeglasses-vs-not counts: (tp, fp, tn, fn).
#[derive(Default)]
pub struct Confusion(pub [usize; 4]);

impl Confusion {
    pub fn add(&mut self, predicted: bool, actual: bool) {
        self.0[match (predicted, actual) {
            (true, true) => 0,
            (true, false) => 1,
            (false, false) => 2,
            (false, true) => 3,
        }] += 1;
    }
    pub fn f1(&self) -> f64 {
        let [tp, fp, _, fn_] = self.0.map(|v| v as f64);
        if tp == 0.0 { 0.0 } else { 2.0 * tp / (2.0 * tp + fp + fn_) }
    }
    pub fn accuracy(&self) -> f64 {
        let total: usize = self.0.iter().sum();
        (self.0[0] + self.0[2]) as f64 / total.max(1) as f64
    }
    pub fn total(&self) -> usize {
        self.0.iter().sum()
    }
}

/// ROC AUC (Mann-Whitney, ties counted half).
pub fn auc(scores: &[f32], positive: &[bool]) -> f64 {
    let (mut wins, mut pairs) = (0.0, 0.0);
    for (s, _) in scores.iter().zip(positive).filter(|(_, p)| **p) {
        for (n, _) in scores.iter().zip(positive).filter(|(_, p)| !**p) {
            pairs += 1.0;
            wins += if s > n {
                1.0
            } else if s == n {
                0.5
            } else {
                0.0
            };
        }
    }
    if pairs == 0.0 { f64::NAN } else { wins / pairs }
}

pub fn pct(n: usize, of: usize) -> String {
    if of == 0 { "-".into() } else { format!("{:.1} % ({n}/{of})", 100.0 * n as f64 / of as f64) }
}

/// P(eyeglasses) of the largest detected face through its box, of the whole picture if none.
pub fn auto(classifier: &Classifier, img: &RgbImage, found: &[DetectedFace]) -> Res<f32> {
    Ok(match found.first() {
        Some(face) => classifier.classify_region(img, face.face_box)?.probability,
        None => {
            classifier.classify(Input::Rgb(img), &Request::new().with_face_mode(FaceMode::Whole))?.probability
        }
    })
}

pub fn load(path: &Path) -> Res<RgbImage> {
    Ok(glasses_core::image::open(path).map_err(|e| format!("{}: {e}", path.display()))?.to_rgb8())
}
