//! Hostile and malformed inputs: every one gives a prediction or a typed error, quickly, without
//! panicking and without allocating what a forged header asks for.
//!
//! Also replays the committed fuzz corpus (`core/fuzz/corpus/<target>/`) through the same checks the
//! cargo-fuzz targets run (`core/fuzz/src/harness.rs`), so CI covers the corpus on stable Rust.
//! `cargo test -p glasses-core --test integration -- --ignored write_fuzz_seeds` regenerates the
//! seed files (names starting with `seed-`).
//!
//! Complements `errors.rs` (basic typed errors, the PNG bomb, contract rules) and `inputs.rs` (all
//! input paths agree). One file per topic: `encoded`, `bombs`, `pixels`, `models`, `fuzz_corpus`.

mod bombs;
mod encoded;
mod fuzz_corpus;
mod models;
mod pixels;

use crate::common::tiny_onnx;
use crate::harness;
use crate::heap;

use std::io::Cursor;
use std::path::{Path, PathBuf};
use std::sync::LazyLock;
use std::time::{Duration, Instant};

use glasses_core::contract::{self, INPUT_NAME, OUTPUT_NAME};
use glasses_core::export::WeightPrecision;
use glasses_core::image::{
    self, DynamicImage, GrayAlphaImage, ImageBuffer, ImageFormat, LumaA, Rgb, RgbImage, Rgba, RgbaImage,
};
use glasses_core::onnx_pb::{StringStringEntryProto, ValueInfoProto};
use glasses_core::preprocess::{self, DEFAULT_MAX_PIXELS};
use glasses_core::{Classifier, ClassifierOptions, Error, PixelFormat};
use harness::{PixelCase, PixelMode};
use prost::Message;
use tiny_onnx::{tiny_model, value_info};

/// Runs `f`, returning its result, the largest single allocation it made and its duration.
fn measured<T>(f: impl FnOnce() -> T) -> (T, usize, Duration) {
    let start = Instant::now();
    let (out, largest) = heap::largest_allocation_during(f);
    (out, largest, start.elapsed())
}

/// Peak resident set size of the process (Linux), in bytes.
fn peak_rss() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb * 1024)
}

const MIB: usize = 1 << 20;

// ---------------------------------------------------------------------------------------------
// Shared fixtures.

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(harness::fuzz_classifier);

/// The same classifier with the library's default pixel limit (64 MP).
fn default_limit_classifier() -> Classifier {
    CLASSIFIER.with_options(ClassifierOptions::default()).expect("default options are valid")
}

/// A deterministic picture with gradients, texture and a dark band.
fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let band = (y * 10 / h.max(1)) == 4;
        let v = if band { 20 } else { 128 };
        Rgb([((x * 255) / w.max(1)) as u8, ((y * 255) / h.max(1)) as u8, v + ((x ^ y) % 64) as u8])
    })
}

/// A picture with only four colours, so palette formats (GIF) store it losslessly.
fn four_colour_picture(w: u32, h: u32) -> RgbImage {
    const COLOURS: [[u8; 3]; 4] = [[250, 10, 10], [10, 200, 30], [20, 40, 220], [240, 240, 240]];
    RgbImage::from_fn(w, h, |x, y| Rgb(COLOURS[((x / 3 + y / 5) % 4) as usize]))
}

fn encode_dynamic(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).unwrap_or_else(|e| panic!("encode {format:?}: {e}"));
    out
}

fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    // ICO and a few others only take RGBA; the alpha channel is opaque either way.
    let dynamic = match format {
        ImageFormat::Ico => DynamicImage::ImageRgba8(DynamicImage::ImageRgb8(img.clone()).to_rgba8()),
        _ => DynamicImage::ImageRgb8(img.clone()),
    };
    encode_dynamic(&dynamic, format)
}

/// Every format the workspace enables in the `image` crate that can be recognised from its bytes,
/// and whether it stores RGB losslessly. TGA has no signature: see `tga_is_not_recognised_from_bytes`.
const FORMATS: [(ImageFormat, bool); 9] = [
    (ImageFormat::Png, true),
    (ImageFormat::Jpeg, false),
    (ImageFormat::Gif, true),  // lossless for the four-colour picture used below
    (ImageFormat::WebP, true), // image's WebP encoder is lossless
    (ImageFormat::Bmp, true),
    (ImageFormat::Tiff, true),
    (ImageFormat::Ico, true),
    (ImageFormat::Pnm, true),
    (ImageFormat::Qoi, true),
];

fn mean_abs_diff(a: &RgbImage, b: &RgbImage) -> f64 {
    assert_eq!(a.dimensions(), b.dimensions());
    let sum: u64 = a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| x.abs_diff(*y) as u64).sum();
    sum as f64 / a.as_raw().len() as f64
}

/// The outcome must be a prediction or an image error; returns whether it was a prediction.
fn expect_prediction_or_image_error(what: &str, r: Result<glasses_core::Prediction, Error>) -> bool {
    match r {
        Ok(p) => {
            harness::check_prediction(p, 0.5, what);
            true
        }
        Err(Error::InvalidImage { .. } | Error::ImageTooLarge { .. } | Error::TruncatedImage { .. }) => false,
        Err(other) => panic!("{what}: expected a prediction or an image error, got {other:?}"),
    }
}
