//! Camera frames end to end on one thread: an NV21 frame (Android's camera format) against the
//! same frame as RGBA and as a JPEG, whole and with a face region, at 1280x720 and 1920x1080.
//! Prints a Markdown table of medians (ms) and the NV21 / RGBA ratio.
//!
//! `cargo run --release -p glasses-core --example camera_latency -- [MODEL.onnx] [RUNS]`
//! (default: the bundled model, 50 runs; rounds alternate the inputs so machine noise hits all).

mod common;

use std::io::Cursor;
use std::time::Instant;

use common::nv21;
use common::timing::median;
use glasses_core::image::{ImageFormat, Rgb, RgbImage};
use glasses_core::{
    Classifier, ClassifierOptions, FaceBox, Orientation, PixelBuffer, PixelFormat, YuvFrame, YuvRange,
};

/// A frame with structure everywhere (gradients and stripes), so no path gets a trivial input.
fn frame(width: u32, height: u32) -> RgbImage {
    RgbImage::from_fn(width, height, |x, y| {
        Rgb([(x * 255 / width) as u8, (y * 255 / height) as u8, (((x / 7) ^ (y / 5)) * 37 % 256) as u8])
    })
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let classifier = match args.next() {
        Some(path) if !path.chars().all(|c| c.is_ascii_digit()) => {
            Classifier::from_file(path, ClassifierOptions::default())?
        }
        _ => Classifier::bundled()?,
    };
    let runs: usize = std::env::args().skip(1).find_map(|a| a.parse().ok()).unwrap_or(50);
    println!("| frame | input | whole ms | face region ms |");
    println!("|---|---|---|---|");
    for (w, h) in [(1280u32, 720u32), (1920, 1080)] {
        let rgb = frame(w, h);
        let rgba: Vec<u8> = rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let (y, vu) = nv21(&rgb);
        let mut jpeg = Vec::new();
        rgb.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)?;
        let yuv = YuvFrame::nv21(&y, w as usize, &vu, w as usize, w, h, YuvRange::Full)?;
        let pixels = PixelBuffer::new(&rgba, w, h, w as usize * 4, PixelFormat::Rgba8)?;
        let upright = Orientation::rotated(0);
        // A face a third of the frame's height, left of centre.
        let face = FaceBox::new(w as f32 * 0.3, h as f32 * 0.3, h as f32 / 3.0, h as f32 / 3.0);
        type Case<'a> = (&'a str, Box<dyn Fn() -> glasses_core::Result<glasses_core::Prediction> + 'a>);
        let cases: Vec<(Case, Case)> = vec![
            (
                ("RGBA", Box::new(|| classifier.classify_pixels(&pixels))),
                ("RGBA", Box::new(|| classifier.classify_pixels_region(&pixels, face))),
            ),
            (
                ("NV21", Box::new(|| classifier.classify_yuv(&yuv, upright))),
                ("NV21", Box::new(|| classifier.classify_yuv_region(&yuv, upright, face))),
            ),
            (
                ("JPEG", Box::new(|| classifier.classify_encoded(&jpeg))),
                ("JPEG", Box::new(|| classifier.classify_encoded_region(&jpeg, face))),
            ),
        ];
        let mut times = vec![[Vec::new(), Vec::new()]; cases.len()];
        for _ in 0..runs {
            for (i, (whole, region)) in cases.iter().enumerate() {
                for (j, (_, run)) in [whole, region].into_iter().enumerate() {
                    let start = Instant::now();
                    run()?;
                    times[i][j].push(start.elapsed().as_secs_f64() * 1e3);
                }
            }
        }
        let medians: Vec<[f64; 2]> = times.into_iter().map(|[a, b]| [median(a), median(b)]).collect();
        for ((whole, _), m) in cases.iter().zip(&medians) {
            println!("| {w}x{h} | {} | {:.3} | {:.3} |", whole.0, m[0], m[1]);
        }
        println!(
            "| {w}x{h} | NV21 / RGBA | {:.2} | {:.2} |",
            medians[1][0] / medians[0][0],
            medians[1][1] / medians[0][1]
        );
    }
    Ok(())
}
