//! "Every face in any photo", measured on pictures of people no model was trained on: the face
//! detector on the group pictures of `glasses-trainer groups`, then the classifier on each box
//! (bench/faces-eval.sh writes both and runs this; numbers in docs/PERFORMANCE.md).
//!
//! `cargo run --release -p glasses-core --example faces_eval -- DIR [MODEL.onnx]`
//!
//! DIR holds `pictures/` + `truth.csv` and `tight/{color,gray}/` + `tight.csv`. MODEL defaults to
//! the bundled classifier. For detector inputs 320x240 and 640x480 it prints, as Markdown:
//! * faces found: a truth face is found by a box whose IoU with its expected face box is at least
//!   0.3 or whose centre lies inside its pasted crop (each box finds one face, largest box first;
//!   a box that finds none is a false face), overall and by the expected box's width;
//! * per face (found faces, each through its detected box with `classify_region`): eyeglasses vs
//!   not, F1 and accuracy at the model's threshold; the same through the expected box once, to
//!   tell the detector's part from the classifier's;
//! * per picture, on the largest truth face's label: "auto" (the largest detected face through
//!   its box, the whole picture when there is none) against "whole" (`FaceMode::Whole`: the centre
//!   crop of the whole picture, today's path);
//! * on the face-filling crops (colour and gray): ROC AUC of auto and whole.

mod common;

use std::path::Path;

use common::faces::{Confusion, Res, TARGET_WIDTHS, auc, auto, load, match_faces, pct, read_truth};
use glasses_core::image::RgbImage;
use glasses_core::{
    Classifier, ClassifierOptions, DetectorOptions, FaceBox, FaceDetector, FaceMode, Input, Request,
};

/// Today's path before faces: the centre crop of the whole picture (`classify_rgb` now finds the
/// face first).
fn whole_picture() -> Request {
    Request::new().with_face_mode(FaceMode::Whole)
}

fn groups(dir: &Path, classifier: &Classifier) -> Res<()> {
    let truth = read_truth(dir)?;
    let pictures: Vec<RgbImage> =
        truth.iter().map(|(name, _)| load(&dir.join("pictures").join(name))).collect::<Res<_>>()?;
    let threshold = classifier.threshold();
    let faces: usize = truth.iter().map(|(_, f)| f.len()).sum();
    // The classifier through the expected boxes and through the whole picture: the same for
    // every detector size.
    let (mut through_truth, mut whole) = (Confusion::default(), Confusion::default());
    for ((_, fs), img) in truth.iter().zip(&pictures) {
        for f in fs {
            let b = FaceBox::new(f.face[0], f.face[1], f.face[2], f.face[3]);
            through_truth.add(classifier.classify_region(img, b)?.has_glasses, f.eyeglasses);
        }
        if let Some(largest) = fs.iter().max_by(|a, b| a.face[2].total_cmp(&b.face[2])) {
            whole
                .add(classifier.classify(Input::Rgb(img), &whole_picture())?.has_glasses, largest.eyeglasses);
        }
    }
    println!(
        "{} pictures, {faces} faces; threshold {threshold}. Through the expected face boxes: per-face F1 {:.3}, accuracy {:.3}.\n",
        truth.len(),
        through_truth.f1(),
        through_truth.accuracy()
    );
    println!(
        "| detector input | faces found | found, {}-{} px | found, < {} px | found, > {} px | false faces (% of boxes) | per-face F1 | per-face accuracy | per picture: auto | per picture: whole |",
        TARGET_WIDTHS.0, TARGET_WIDTHS.1, TARGET_WIDTHS.0, TARGET_WIDTHS.1
    );
    println!("|---|---|---|---|---|---|---|---|---|---|");
    for (w, h) in [(320, 240), (640, 480)] {
        let detector = FaceDetector::bundled_with(DetectorOptions {
            input_width: w,
            input_height: h,
            ..Default::default()
        })?;
        let mut found = [(0usize, 0usize); 3];
        let (mut boxes, mut false_boxes) = (0, 0);
        let (mut per_face, mut per_picture) = (Confusion::default(), Confusion::default());
        for ((_, fs), img) in truth.iter().zip(&pictures) {
            let dets = detector.detect_rgb(img)?;
            let (matched, wrong) = match_faces(fs, &dets);
            boxes += dets.len();
            false_boxes += wrong;
            for (f, m) in fs.iter().zip(&matched) {
                let bin = if f.face[2] < TARGET_WIDTHS.0 {
                    1
                } else if f.face[2] > TARGET_WIDTHS.1 {
                    2
                } else {
                    0
                };
                found[bin].1 += 1;
                if let Some(d) = m {
                    found[bin].0 += 1;
                    per_face
                        .add(classifier.classify_region(img, dets[*d].face_box)?.has_glasses, f.eyeglasses);
                }
            }
            if let Some(largest) = fs.iter().max_by(|a, b| a.face[2].total_cmp(&b.face[2])) {
                per_picture.add(auto(classifier, img, &dets)? >= threshold, largest.eyeglasses);
            }
        }
        let all = found.iter().fold((0, 0), |a, b| (a.0 + b.0, a.1 + b.1));
        println!(
            "| {w}x{h} | {} | {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            pct(all.0, all.1),
            pct(found[0].0, found[0].1),
            pct(found[1].0, found[1].1),
            pct(found[2].0, found[2].1),
            pct(false_boxes, boxes),
            per_face.f1(),
            per_face.accuracy(),
            per_picture.accuracy(),
            whole.accuracy()
        );
        eprintln!(
            "{w}x{h}: per-face counts (tp, fp, tn, fn) {:?} over {} faces",
            per_face.0,
            per_face.total()
        );
    }
    println!(
        "\n(per picture: accuracy on the largest face's eyeglasses-vs-not label, {} pictures)",
        whole.total()
    );
    Ok(())
}

fn tight(dir: &Path, classifier: &Classifier) -> Res<()> {
    let text = std::fs::read_to_string(dir.join("tight.csv"))?;
    let rows: Vec<(String, bool)> = text
        .lines()
        .skip(1)
        .filter_map(|l| l.split_once(',').map(|(f, rest)| (f.to_owned(), rest.starts_with("eyeglasses,"))))
        .collect();
    let detector = FaceDetector::bundled()?;
    let labels: Vec<bool> = rows.iter().map(|r| r.1).collect();
    println!(
        "\n| face-filling crops (64-96 px) | pictures | with a box (320x240) | auto ROC AUC | whole ROC AUC |"
    );
    println!("|---|---|---|---|---|");
    for set in ["color", "gray"] {
        let (mut auto_p, mut whole_p, mut boxed) = (Vec::new(), Vec::new(), 0);
        for (file, _) in &rows {
            let img = load(&dir.join("tight").join(set).join(file))?;
            let dets = detector.detect_rgb(&img)?;
            boxed += usize::from(!dets.is_empty());
            auto_p.push(auto(classifier, &img, &dets)?);
            whole_p.push(classifier.classify(Input::Rgb(&img), &whole_picture())?.probability);
        }
        println!(
            "| {set} | {} | {} | {:.4} | {:.4} |",
            rows.len(),
            pct(boxed, rows.len()),
            auc(&auto_p, &labels),
            auc(&whole_p, &labels)
        );
    }
    Ok(())
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let dir = args.next().ok_or("usage: faces_eval DIR [MODEL.onnx]")?;
    let classifier = match args.next() {
        Some(model) => Classifier::from_file(&model, ClassifierOptions::default())?,
        None => Classifier::bundled()?,
    };
    let dir = Path::new(&dir);
    groups(dir, &classifier)?;
    tight(dir, &classifier)
}

#[cfg(test)]
mod tests {
    use super::*;
    use common::faces::Face;
    use glasses_core::DetectedFace;

    fn det(x: f32, y: f32, w: f32) -> DetectedFace {
        DetectedFace { face_box: FaceBox::new(x, y, w, w), score: 0.9, landmarks: [(0.0, 0.0); 5] }
    }

    #[test]
    fn each_box_finds_one_face_and_extra_boxes_are_false() {
        let truth = vec![
            Face { crop: [0.0, 0.0, 167.0, 204.0], face: [33.0, 62.0, 100.0, 100.0], eyeglasses: true },
            Face { crop: [300.0, 0.0, 167.0, 204.0], face: [333.0, 62.0, 100.0, 100.0], eyeglasses: false },
        ];
        // A box on the first face, a duplicate on it, and one on empty background.
        let found = [det(35.0, 60.0, 98.0), det(60.0, 90.0, 40.0), det(600.0, 300.0, 50.0)];
        let (matched, false_boxes) = match_faces(&truth, &found);
        assert_eq!(matched, vec![Some(0), None]);
        assert_eq!(false_boxes, 2);
    }

    #[test]
    fn auc_counts_ties_half() {
        assert_eq!(auc(&[0.9, 0.1], &[true, false]), 1.0);
        assert_eq!(auc(&[0.5, 0.5], &[true, false]), 0.5);
        assert_eq!(auc(&[0.1, 0.9], &[true, false]), 0.0);
    }
}
