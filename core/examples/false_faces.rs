//! What the false faces are, and what removing them costs: every box the bundled detector
//! reports at a low score threshold on the group pictures (with truth) and on the web photos
//! (no truth boxes: one main face each, counts only), then the found / false trade-off of
//! each score threshold (bench/false-faces.sh runs this; numbers in docs/PERFORMANCE.md).
//!
//! `cargo run --release -p glasses-core --example false_faces -- GROUPS_DIR WEB_DIR [BOXES.csv]`
//!
//! Thresholding after non-maximum suppression at a lower threshold keeps exactly the boxes a
//! detector run at the higher one keeps (greedy suppression only lets a box remove lower-scoring
//! ones), so one detection pass per picture serves every row.

mod common;

use std::fmt::Write as _;
use std::path::Path;

use common::faces::{Res, TARGET_WIDTHS, load, match_faces, pct, read_truth};
use glasses_core::{DetectedFace, DetectorOptions, FaceDetector, MAX_FACE_ASPECT};

/// The lowest score threshold looked at.
const FLOOR: f32 = 0.5;
/// Score thresholds of the trade-off table.
const THRESHOLDS: [f32; 9] = [0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9];

/// One detected box: its score, whether it found a truth face (and that face's width), and its
/// shape.
struct Box_ {
    score: f32,
    truth_width: Option<f32>,
    /// The box's centre lies inside a pasted photo (the photo's own face found by another box):
    /// someone else in that photo, or a part of a face its crop cut.
    in_photo: bool,
    line: String,
}

fn describe(
    set: &str,
    name: &str,
    size: (u32, u32),
    pic: (u32, u32),
    f: &DetectedFace,
    truth: Option<f32>,
) -> String {
    let b = f.face_box;
    let [(rx, ry), (lx, ly), (nx, ny), (mx1, my1), (mx2, my2)] = f.landmarks;
    let eyes = ((lx - rx).powi(2) + (ly - ry).powi(2)).sqrt();
    let eye_y = (ry + ly) / 2.0;
    let mouth_y = (my1 + my2) / 2.0;
    format!(
        "{set},{name},{}x{},{},{},{:.3},{:.1},{:.1},{:.1},{:.1},{:.3},{:.3},{:.3},{:.3},{:.3},{}",
        size.0,
        size.1,
        pic.0,
        pic.1,
        f.score,
        b.x,
        b.y,
        b.width,
        b.height,
        b.width.min(b.height) / pic.0.min(pic.1) as f32,
        b.height / b.width,
        eyes / b.width,
        (ny - eye_y) / b.height,
        (mouth_y - eye_y) / b.height,
        truth.map_or(String::new(), |w| format!("{w:.1}")),
    ) + &format!(",{:.1},{:.1}", (nx - (rx + lx) / 2.0) / eyes.max(1e-3), (mx1 + mx2) / 2.0 - nx)
}

fn main() -> Res<()> {
    let mut args = std::env::args().skip(1);
    let usage = "usage: false_faces GROUPS_DIR WEB_DIR [BOXES.csv]";
    let groups = args.next().ok_or(usage)?;
    let web = args.next().ok_or(usage)?;
    let out_csv = args.next();
    let truth = read_truth(Path::new(&groups))?;
    let pictures: Vec<_> =
        truth.iter().map(|(n, _)| load(&Path::new(&groups).join("pictures").join(n))).collect::<Res<_>>()?;
    let mut web_pictures = Vec::new();
    for folder in ["0", "1", "sunglasses"] {
        let mut names: Vec<_> = std::fs::read_dir(Path::new(&web).join(folder))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        names.sort();
        for path in names {
            web_pictures.push((
                format!("{folder}/{}", path.file_name().unwrap_or_default().to_string_lossy()),
                load(&path)?,
            ));
        }
    }
    let mut csv = String::from(
        "set,picture,detector,width,height,score,x,y,w,h,rel_size,aspect,eyes_per_width,nose_below_eyes,mouth_below_eyes,truth_width,nose_off_centre,mouth_minus_nose_x,in_photo\n",
    );
    for (size, check) in [((320, 240), false), ((320, 240), true), ((640, 480), false), ((640, 480), true)] {
        let options = DetectorOptions {
            input_width: size.0,
            input_height: size.1,
            score_threshold: FLOOR,
            ..Default::default()
        };
        let detector = FaceDetector::bundled_with(options)?;
        let detector = if check { detector } else { detector.without_shape_check() };
        let checked = if check {
            format!("boxes at most {MAX_FACE_ASPECT} times taller than wide")
        } else {
            "boxes of every shape".into()
        };
        let faces: usize = truth.iter().map(|(_, f)| f.len()).sum();
        let in_target = truth
            .iter()
            .flat_map(|(_, f)| f)
            .filter(|f| (TARGET_WIDTHS.0..=TARGET_WIDTHS.1).contains(&f.face[2]))
            .count();
        let mut boxes = Vec::new();
        for ((name, fs), img) in truth.iter().zip(&pictures) {
            let found = detector.detect_rgb(img)?;
            // Matching depends on which boxes are present: match at every threshold.
            for &t in &THRESHOLDS {
                let kept: Vec<DetectedFace> = found.iter().filter(|f| f.score > t).copied().collect();
                let (matched, _) = match_faces(fs, &kept);
                let mut hit = vec![None; kept.len()];
                for (face, m) in fs.iter().zip(&matched) {
                    if let Some(d) = m {
                        hit[*d] = Some(face.face[2]);
                    }
                }
                for (f, h) in kept.iter().zip(hit) {
                    let b = f.face_box;
                    let (cx, cy) = (b.x + b.width / 2.0, b.y + b.height / 2.0);
                    let in_photo = fs.iter().any(|t| {
                        let c = t.crop;
                        cx >= c[0] && cx < c[0] + c[2] && cy >= c[1] && cy < c[1] + c[3]
                    });
                    let line =
                        describe("groups", name, size, img.dimensions(), f, h) + &format!(",{in_photo}");
                    boxes.push((t, Box_ { score: f.score, truth_width: h, in_photo, line }));
                }
            }
        }
        let mut web_boxes = Vec::new();
        for (name, img) in &web_pictures {
            let found = detector.detect_rgb(img)?;
            for f in found.iter().filter(|_| !check) {
                writeln!(csv, "{},", describe("web", name, size, img.dimensions(), f, None))?;
            }
            web_boxes.push(found);
        }
        println!(
            "\nDetector input {}x{}, {checked} ({} group pictures, {faces} faces, {in_target} at {}-{} px wide; {} web photos, one main face each):\n",
            size.0,
            size.1,
            truth.len(),
            TARGET_WIDTHS.0,
            TARGET_WIDTHS.1,
            web_pictures.len()
        );
        println!(
            "| score threshold | found, all | found, {}-{} px | false faces (% of boxes) | false: inside a pasted photo | web: photos with a box | web: boxes | web: photos with more than one box |",
            TARGET_WIDTHS.0, TARGET_WIDTHS.1
        );
        println!("|---|---|---|---|---|---|---|---|");
        for &t in &THRESHOLDS {
            let at: Vec<&Box_> = boxes.iter().filter(|(bt, _)| *bt == t).map(|(_, b)| b).collect();
            let found = at.iter().filter(|b| b.truth_width.is_some()).count();
            let found_target = at
                .iter()
                .filter(|b| b.truth_width.is_some_and(|w| (TARGET_WIDTHS.0..=TARGET_WIDTHS.1).contains(&w)))
                .count();
            let false_ = at.len() - found;
            let web_kept: Vec<usize> =
                web_boxes.iter().map(|f| f.iter().filter(|f| f.score > t).count()).collect();
            println!(
                "| {t:.2} | {} | {} | {} | {} | {} | {} | {} |",
                pct(found, faces),
                pct(found_target, in_target),
                pct(false_, at.len()),
                at.iter().filter(|b| b.truth_width.is_none() && b.in_photo).count(),
                pct(web_kept.iter().filter(|&&n| n > 0).count(), web_kept.len()),
                web_kept.iter().sum::<usize>(),
                web_kept.iter().filter(|&&n| n > 1).count()
            );
            if t == FLOOR && !check {
                for b in &at {
                    debug_assert!(b.score > FLOOR);
                    writeln!(csv, "{}", b.line)?;
                }
            }
        }
    }
    if let Some(path) = out_csv {
        std::fs::write(&path, csv)?;
        eprintln!("every box at score > {FLOOR}: {path}");
    }
    Ok(())
}
