//! Face-detection counts on the shared test sets, for docs/PERFORMANCE.md (the reference's
//! counterpart is scripts/face-detector-eval.py).
//!
//! `cargo run --release -p glasses-core --example detect_eval -- [MODEL.onnx|bundled] [DATASETS]`
//!
//! DATASETS defaults to ../shared/datasets. For 320x240 and 640x480, one JSON line per set:
//! * `web`: the 38 photos of web-photos/{0,1,sunglasses} (one main face each): photos with at
//!   least one box, boxes in all, and the photos with more than one box;
//! * `crops`: the first 100 files (sorted) of celeba-eyeglasses/1, 89x109 as they are: how many
//!   get exactly one box, none, or more.

use std::path::{Path, PathBuf};

use glasses_core::{DetectorOptions, FaceDetector};

fn files(dir: &Path) -> Result<Vec<PathBuf>, Box<dyn std::error::Error>> {
    let mut out: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "jpg" || e == "png"))
        .collect();
    out.sort();
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let model = args.next().filter(|a| a != "bundled");
    let root = args
        .next()
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/datasets"));
    let bytes = match &model {
        Some(path) => std::fs::read(path)?,
        None => include_bytes!("../models/face-detector.onnx").to_vec(),
    };
    let mut web = Vec::new();
    for folder in ["0", "1", "sunglasses"] {
        web.extend(files(&root.join("web-photos").join(folder))?);
    }
    let crops: Vec<PathBuf> = files(&root.join("celeba-eyeglasses/1"))?.into_iter().take(100).collect();
    let load = |p: &Path| glasses_core::image::open(p).map(|i| i.to_rgb8());
    let web_pictures = web.iter().map(|p| load(p)).collect::<Result<Vec<_>, _>>()?;
    let crop_pictures = crops.iter().map(|p| load(p)).collect::<Result<Vec<_>, _>>()?;
    let name = model.as_deref().unwrap_or("bundled");
    for (w, h) in [(320, 240), (640, 480)] {
        let options = DetectorOptions { input_width: w, input_height: h, ..DetectorOptions::default() };
        let detector = FaceDetector::from_bytes(&bytes, options)?;
        let (mut found, mut boxes, mut several) = (0, 0, Vec::new());
        let mut lowest = f32::INFINITY;
        for (path, img) in web.iter().zip(&web_pictures) {
            let faces = detector.detect_rgb(img)?;
            found += usize::from(!faces.is_empty());
            boxes += faces.len();
            lowest = faces.iter().map(|f| f.score).fold(lowest, f32::min);
            if faces.len() > 1 {
                let file = path.file_stem().map(|s| s.to_string_lossy().into_owned()).unwrap_or_default();
                several.push(format!("\"{file}\":{}", faces.len()));
            }
        }
        println!(
            "{{\"model\":\"{name}\",\"input\":\"{w}x{h}\",\"set\":\"web\",\"photos\":{},\"with_a_box\":{found},\"boxes\":{boxes},\"lowest_score\":{lowest:.3},\"several\":{{{}}}}}",
            web.len(),
            several.join(",")
        );
        let mut counts = [0usize; 3];
        let mut lowest = f32::INFINITY;
        for img in &crop_pictures {
            let faces = detector.detect_rgb(img)?;
            counts[faces.len().min(2)] += 1;
            lowest = faces.iter().map(|f| f.score).fold(lowest, f32::min);
        }
        println!(
            "{{\"model\":\"{name}\",\"input\":\"{w}x{h}\",\"set\":\"crops\",\"pictures\":{},\"exactly_one\":{},\"none\":{},\"several\":{},\"lowest_score\":{lowest:.3}}}",
            crops.len(),
            counts[1],
            counts[0],
            counts[2]
        );
    }
    Ok(())
}
