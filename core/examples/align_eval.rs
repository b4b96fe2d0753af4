//! Does levelling a face by its eye line help? `auto` with and without
//! `ClassifierOptions::align_faces`, on held-out faces turned in the picture's plane and on
//! upright ones (bench/align-eval.sh runs this; numbers in docs/PERFORMANCE.md).
//!
//! `cargo run --release -p glasses-core --example align_eval -- DIR [MODEL.onnx]`
//!
//! DIR is a `glasses-trainer groups` folder: `tight.csv` names the balanced held-out fold-0
//! crops (fold 0 of the bundled recipe's split, as `glasses-trainer checks` splits it), and
//! `truth.csv` + `pictures/` the group pictures made from the same fold. Sets:
//! * turned: each crop scaled by 1.5-2.5, padded by mirroring to 2.2x its size (so the detector
//!   sees a face with surroundings, not a cut edge) and turned about its centre by an angle drawn
//!   uniformly from -30..30 degrees (bilinear, written here, not with the library's sampler);
//! * level: the same pictures at 0 degrees (the control);
//! * tight colour / gray: `tight/` as written by `glasses-trainer groups` (face-filling crops);
//! * groups: per-face F1 through `classify_faces` at a 640x480 detector input.
//!
//! For each: faces found, ROC AUC of `auto`'s P(eyeglasses), F1 and accuracy at the model's
//! threshold, without and with alignment; for the turned set also by |angle| and the eye line's
//! angle error (detected against drawn).

mod common;
#[path = "../../tests/support/turn.rs"]
mod turn;

use std::path::Path;

use common::faces::{Confusion, Res, auc, load, match_faces, read_truth};
use glasses_core::image::{RgbImage, imageops};
use glasses_core::{Classifier, ClassifierOptions, DetectorOptions, Input, Request};

/// Drawn angles reach this far either side of level, in degrees.
const MAX_TURN: f32 = 30.0;

/// A small deterministic generator (SplitMix64), so every run draws the same set.
struct Draw(u64);

impl Draw {
    fn next(&mut self) -> f32 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        ((z ^ (z >> 31)) >> 40) as f32 / (1u64 << 24) as f32
    }
    fn between(&mut self, lo: f32, hi: f32) -> f32 {
        lo + (hi - lo) * self.next()
    }
}

/// `crop` scaled by `scale`, mirrored out to `pad` times its size and turned by `degrees`
/// clockwise on screen about the picture's centre.
fn turned_picture(crop: &RgbImage, scale: f32, pad: f32, degrees: f32) -> RgbImage {
    let (w, h) =
        ((crop.width() as f32 * scale).round() as u32, (crop.height() as f32 * scale).round() as u32);
    let face = imageops::resize(crop, w, h, imageops::Triangle);
    let (cw, ch) = ((w as f32 * pad).round() as u32, (h as f32 * pad).round() as u32);
    turn::turned(&face, (cw, ch), degrees)
}

/// `auto`'s answers for one set, without and with alignment.
#[derive(Default)]
struct Scores {
    labels: Vec<bool>,
    found: usize,
    plain: Vec<f32>,
    aligned: Vec<f32>,
    angle_errors: Vec<f32>,
}

impl Scores {
    fn add(
        &mut self,
        pair: &[Classifier; 2],
        picture: &RgbImage,
        eyeglasses: bool,
        drawn: Option<f32>,
    ) -> Res<()> {
        let [plain, aligned] = pair.each_ref().map(|c| c.classify(Input::Rgb(picture), &Request::new()));
        let (plain, aligned) = (plain?, aligned?);
        if let Some(face) = plain.face {
            self.found += 1;
            if let Some(drawn) = drawn {
                self.angle_errors.push((face.eye_line_angle().to_degrees() - drawn).abs());
            }
        }
        self.labels.push(eyeglasses);
        self.plain.push(plain.probability);
        self.aligned.push(aligned.probability);
        Ok(())
    }

    fn row(&self, name: &str, threshold: f32) -> String {
        let confusion = |p: &[f32]| {
            let mut c = Confusion::default();
            for (&p, &l) in p.iter().zip(&self.labels) {
                c.add(p >= threshold, l);
            }
            c
        };
        let (a, b) = (confusion(&self.plain), confusion(&self.aligned));
        format!(
            "| {name} | {} | {:.1} % | {:.4} | {:.4} | {:.3} | {:.3} | {:.3} | {:.3} |",
            self.labels.len(),
            100.0 * self.found as f64 / self.labels.len().max(1) as f64,
            auc(&self.plain, &self.labels),
            auc(&self.aligned, &self.labels),
            a.f1(),
            b.f1(),
            a.accuracy(),
            b.accuracy()
        )
    }
}

fn tight_rows(dir: &Path) -> Res<Vec<(String, bool, String)>> {
    let text = std::fs::read_to_string(dir.join("tight.csv"))?;
    text.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            match f.as_slice() {
                [file, label, source, ..] => {
                    Ok(((*file).to_owned(), *label == "eyeglasses", (*source).to_owned()))
                }
                _ => Err(format!("tight.csv: bad line `{l}`").into()),
            }
        })
        .collect()
}

/// Per-face F1 and accuracy on the group pictures through `classify_faces`.
fn groups(dir: &Path, classifier: &Classifier) -> Res<Confusion> {
    let mut confusion = Confusion::default();
    for (name, truth) in read_truth(dir)? {
        let picture = load(&dir.join("pictures").join(&name))?;
        let results = classifier.classify_faces(Input::Rgb(&picture), &Request::new())?;
        let faces: Vec<_> = results.iter().map(|r| r.face).collect();
        let (matched, _) = match_faces(&truth, &faces);
        for (t, m) in truth.iter().zip(matched) {
            if let Some(d) = m {
                confusion.add(results[d].prediction.has_glasses, t.eyeglasses);
            }
        }
    }
    Ok(confusion)
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: align_eval DIR [MODEL.onnx]")?;
    let dir = Path::new(&dir);
    let options = ClassifierOptions::default();
    let plain = match args.next() {
        Some(model) => Classifier::from_file(&model, options)?,
        None => Classifier::bundled()?,
    };
    let aligned = plain.with_options(options.with_align_faces(true))?;
    let pair = [plain.clone(), aligned];
    let threshold = plain.threshold();
    let rows = tight_rows(dir)?;
    let mut draw = Draw(20_261_207);
    let (mut turned, mut level) = (Scores::default(), Scores::default());
    // Accuracy without / with alignment by |angle|: 0-10, 10-20, 20-30 degrees.
    let mut bins = [[0usize; 3]; 3];
    for (_, eyeglasses, source) in &rows {
        let crop = load(Path::new(source))?;
        let (scale, degrees) = (draw.between(1.5, 2.5), draw.between(-MAX_TURN, MAX_TURN));
        turned.add(&pair, &turned_picture(&crop, scale, 2.2, degrees), *eyeglasses, Some(degrees))?;
        level.add(&pair, &turned_picture(&crop, scale, 2.2, 0.0), *eyeglasses, Some(0.0))?;
        let k = turned.labels.len() - 1;
        let bin = ((degrees.abs() / 10.0) as usize).min(2);
        bins[bin][0] += 1;
        bins[bin][1] += usize::from((turned.plain[k] >= threshold) == *eyeglasses);
        bins[bin][2] += usize::from((turned.aligned[k] >= threshold) == *eyeglasses);
    }
    let mut tight = [Scores::default(), Scores::default()];
    for (set, scores) in ["color", "gray"].iter().zip(&mut tight) {
        for (file, eyeglasses, _) in &rows {
            scores.add(&pair, &load(&dir.join("tight").join(set).join(file))?, *eyeglasses, None)?;
        }
    }
    println!("threshold {threshold}; alignment off / on\n");
    println!(
        "| set | pictures | with a face | AUC off | AUC on | F1 off | F1 on | accuracy off | accuracy on |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    println!("{}", turned.row(&format!("turned +-{MAX_TURN} deg"), threshold));
    println!("{}", level.row("level (0 deg)", threshold));
    println!("{}", tight[0].row("tight colour", threshold));
    println!("{}", tight[1].row("tight gray", threshold));
    let big = DetectorOptions { input_width: 640, input_height: 480, ..DetectorOptions::default() };
    let [g_plain, g_aligned] = pair.each_ref().map(|c| {
        c.with_options(c.options().with_detector(big)).map_err(Into::into).and_then(|c| groups(dir, &c))
    });
    let (g_plain, g_aligned) = (g_plain?, g_aligned?);
    println!(
        "| groups, per face (640x480) | {} found | - | - | - | {:.3} | {:.3} | {:.3} | {:.3} |",
        g_plain.total(),
        g_plain.f1(),
        g_aligned.f1(),
        g_plain.accuracy(),
        g_aligned.accuracy()
    );
    println!("\n| turned by | pictures | accuracy off | accuracy on |\n|---|---|---|---|");
    for (k, [n, off, on]) in bins.iter().enumerate() {
        let of = |v: usize| 100.0 * v as f64 / (*n).max(1) as f64;
        println!("| {}-{} deg | {n} | {:.1} % | {:.1} % |", 10 * k, 10 * (k + 1), of(*off), of(*on));
    }
    for (name, s) in [("turned", &turned), ("level", &level)] {
        let mut e = s.angle_errors.clone();
        e.sort_by(f32::total_cmp);
        let q = |f: f64| e.get(((e.len() as f64 - 1.0) * f).round() as usize).copied().unwrap_or(f32::NAN);
        println!(
            "\n{name}: eye line angle error (detected - drawn), |deg|: median {:.1}, 90th percentile {:.1}, max {:.1}",
            q(0.5),
            q(0.9),
            q(1.0)
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use glasses_core::image::Rgb;

    #[test]
    fn mirroring_folds_back_without_repeating_the_edge() {
        let got: Vec<u32> = (-3..7).map(|i| turn::mirror(i, 4)).collect();
        assert_eq!(got, [3, 2, 1, 0, 1, 2, 3, 2, 1, 0]);
    }

    #[test]
    fn a_level_picture_keeps_the_face_pixels_in_the_middle() {
        let crop = RgbImage::from_fn(10, 12, |x, y| Rgb([(x * 20) as u8, (y * 20) as u8, 7]));
        let out = turned_picture(&crop, 1.0, 2.0, 0.0);
        assert_eq!(out.dimensions(), (20, 24));
        assert_eq!(out.get_pixel(5 + 3, 6 + 4), crop.get_pixel(3, 4));
        // A half turn puts pixel (3, 4) of the face at (6, 7) of it.
        let half = turned_picture(&crop, 1.0, 2.0, 180.0);
        assert_eq!(half.get_pixel(5 + 6, 6 + 7), crop.get_pixel(3, 4));
    }
}
