//! Latency and throughput of the bundled model (or `GLASSES_BENCH_MODEL=path.onnx`).
//!
//! * `inference`: preprocessed tensor in, logits out (the network alone), 1 thread.
//! * `preprocess`: decode + resize + normalise of a JPEG, no network.
//! * `end_to_end/jpeg` and `end_to_end/rgba`: bytes or an RGBA buffer in, prediction out, 1 thread.
//! * `batch`: 64 JPEGs through `classify_encoded_batch` on all cores (throughput).
//!
//! `cargo bench -p glasses-core --bench classify`

use std::io::Cursor;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use glasses_core::image::{ImageFormat, Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions, PixelBuffer, PixelFormat};

fn classifier() -> Classifier {
    match std::env::var("GLASSES_BENCH_MODEL") {
        Ok(path) => Classifier::from_file(path, ClassifierOptions::default()).expect("model file"),
        Err(_) => Classifier::bundled().expect("bundled model"),
    }
}

/// A face-sized (CelebA aligned crop, 89x109... scaled x2 like a phone crop) structured picture.
fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| Rgb([(x * 255 / w) as u8, (y * 255 / h) as u8, ((x ^ y) & 0xff) as u8]))
}

fn jpeg(img: &RgbImage) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), ImageFormat::Jpeg).expect("encode");
    out
}

fn benches(c: &mut Criterion) {
    let classifier = classifier();
    let prep = *classifier.preprocessing();
    let face = picture(178, 218);
    let face_jpeg = jpeg(&face);
    let tensor = prep.tensor_from_rgb(&face);
    let rgba: Vec<u8> = face.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
    let name = format!("{}_{}x{}", classifier.metadata().architecture, prep.width, prep.height);

    let mut g = c.benchmark_group(format!("single/{name}"));
    g.bench_function("inference", |b| b.iter(|| classifier.logits(&tensor).expect("logits")));
    g.bench_function("preprocess_jpeg", |b| {
        b.iter(|| prep.tensor_from_encoded(&face_jpeg, u64::MAX).expect("tensor"))
    });
    g.bench_function("end_to_end_jpeg", |b| b.iter(|| classifier.classify_encoded(&face_jpeg).expect("p")));
    g.bench_function("end_to_end_rgba", |b| {
        b.iter(|| {
            let buf = PixelBuffer::new(&rgba, 178, 218, 178 * 4, PixelFormat::Rgba8).expect("buffer");
            classifier.classify_pixels(&buf).expect("p")
        })
    });
    g.finish();

    let batch: Vec<Vec<u8>> = (0..64).map(|i| jpeg(&picture(170 + i % 9, 210 + i % 7))).collect();
    let mut g = c.benchmark_group(format!("batch/{name}"));
    g.throughput(Throughput::Elements(batch.len() as u64));
    g.sample_size(10);
    g.bench_function("all_cores_jpeg", |b| b.iter(|| classifier.classify_encoded_batch(&batch)));
    g.finish();
}

fn configure() -> Criterion {
    // The process runs single-threaded except the batch group, which uses rayon's global pool.
    Criterion::default()
        .warm_up_time(std::time::Duration::from_secs(1))
        .measurement_time(std::time::Duration::from_secs(4))
}

criterion_group! { name = classify; config = configure(); targets = benches }
criterion_main!(classify);
