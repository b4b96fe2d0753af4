//! Prints median latencies (ms) of one model, for `bench/compare.sh` to set beside ONNX Runtime.
//!
//! `cargo run --release -p glasses-core --example latency -- MODEL.onnx [RUNS]`
//!
//! One JSON line: inference only (tensor in), end to end from JPEG bytes (the default request,
//! `FaceMode::Auto`: the face detector first, then the classifier; and `FaceMode::Whole`: decode,
//! centre crop, resize, inference, the work ONNX Runtime's bare inference is compared with), end
//! to end from RGBA, each single-threaded (tract runs a plan on the calling thread); and the throughput of
//! `classify_encoded_batch` over 64 JPEGs on all cores, as ms per image.

mod common;

use std::io::Cursor;

use common::timing;
use glasses_core::image::{ImageFormat, Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions, FaceMode, Input, PixelBuffer, PixelFormat, Request};

/// The median of `runs` timed calls of `f` after a tenth as many (at least 5) to warm up.
fn median_ms(runs: usize, f: impl FnMut()) -> f64 {
    timing::median_ms(runs.div_ceil(10).max(5), runs, f)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: latency MODEL.onnx [RUNS]")?;
    let runs: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(200);
    let c = Classifier::from_file(&path, ClassifierOptions::default())?;
    let prep = *c.preprocessing();
    // The bench input: a 178x218 picture (CelebA crop at 2x), as a phone's face crop would be.
    let img = RgbImage::from_fn(178, 218, |x, y| {
        Rgb([(x * 255 / 178) as u8, (y * 255 / 218) as u8, ((x ^ y) & 0xff) as u8])
    });
    let mut jpeg = Vec::new();
    img.write_to(&mut Cursor::new(&mut jpeg), ImageFormat::Jpeg)?;
    let rgba: Vec<u8> = img.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let tensor = prep.tensor_from_rgb(&img);
    let inference = median_ms(runs, || {
        c.logits(&tensor).expect("logits");
    });
    let preprocess = median_ms(runs, || {
        prep.tensor_from_encoded(&jpeg, u64::MAX).expect("tensor");
    });
    let e2e_jpeg = median_ms(runs, || {
        c.classify_encoded(&jpeg).expect("prediction");
    });
    let whole = Request::new().with_face_mode(FaceMode::Whole);
    let e2e_jpeg_whole = median_ms(runs, || {
        c.classify(Input::Encoded(&jpeg), &whole).expect("prediction");
    });
    let e2e_rgba = median_ms(runs, || {
        let buf = PixelBuffer::new(&rgba, 178, 218, 178 * 4, PixelFormat::Rgba8).expect("buffer");
        c.classify_pixels(&buf).expect("prediction");
    });
    let batch: Vec<&[u8]> = vec![jpeg.as_slice(); 64];
    let batch_ms = median_ms(runs.div_ceil(10).max(5), || {
        for r in c.classify_encoded_batch(&batch) {
            r.expect("prediction");
        }
    }) / batch.len() as f64;
    println!(
        "{{\"model\": \"{path}\", \"architecture\": \"{}\", \"width\": {}, \"height\": {}, \"runs\": {runs}, \
         \"inference_ms\": {inference:.4}, \"preprocess_jpeg_ms\": {preprocess:.4}, \"e2e_jpeg_ms\": {e2e_jpeg:.4}, \"e2e_jpeg_whole_ms\": {e2e_jpeg_whole:.4}, \
         \"e2e_rgba_ms\": {e2e_rgba:.4}, \"batch_jpeg_ms_per_image\": {batch_ms:.4}, \"threads\": {}}}",
        c.metadata().architecture,
        prep.width,
        prep.height,
        std::thread::available_parallelism().map_or(1, |n| n.get())
    );
    Ok(())
}
