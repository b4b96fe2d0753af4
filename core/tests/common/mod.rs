//! Helpers shared by core's integration tests.
#![allow(dead_code)]

use std::io::Cursor;

use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
use glasses_core::image::{ImageFormat, Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};

/// A random-weight SqueezeNet at `size` px.
pub fn squeezenet_bytes(size: u32, seed: u64) -> Vec<u8> {
    export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, seed),
        &ExportOptions::new(Architecture::SqueezeNet1_1, size),
    )
    .expect("export")
}

pub fn squeezenet(size: u32, seed: u64) -> Classifier {
    Classifier::from_bytes(&squeezenet_bytes(size, seed), ClassifierOptions::default()).expect("load")
}

/// A deterministic, structured test picture (gradients and a dark band like a frame).
pub fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let band = (y * 10 / h.max(1)) == 4;
        let v = if band { 20 } else { 128 };
        Rgb([((x * 255) / w.max(1)) as u8, ((y * 255) / h.max(1)) as u8, v + ((x ^ y) % 64) as u8])
    })
}

pub fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).expect("encode");
    out
}

/// The deterministic input tensor used by the golden test: a smooth pattern in [-2, 2].
pub fn golden_input(len: usize) -> Vec<f32> {
    (0..len).map(|i| 2.0 * ((i as f32) * 0.013).sin() * ((i % 97) as f32 / 97.0)).collect()
}
