//! A static int8 QDQ file (`glasses.quantization = static-int8`, the exporter's quantiser, or
//! ONNX Runtime's `quantize_static(QuantFormat.QDQ)` of the bundled model) on the int8 engine:
//! every kernel gives the same logits, and the probabilities stay near the fp32 bundled model's.
//!
//! The file is the one `GLASSES_QDQ_MODEL` names; without it the test says so and checks nothing
//! (no such file is committed yet). The engine's own tests (core/src/net) hold the int8 kernels
//! and the QDQ lowering to exact references on built graphs whatever the environment.

use glasses_core::{Classifier, ClassifierOptions};

use crate::common::{kernels, picture};

fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::MIN, f32::max);
    let e: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = e.iter().sum();
    e.iter().map(|v| v / sum).collect()
}

#[test]
fn a_qdq_file_runs_identically_on_every_int8_kernel_and_near_fp32() {
    let Ok(path) = std::env::var("GLASSES_QDQ_MODEL") else {
        eprintln!("skipped: GLASSES_QDQ_MODEL (a static int8 QDQ copy of the bundled model) is not set");
        return;
    };
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let fp32 = Classifier::bundled().expect("bundled");
    let prep = *fp32.preprocessing();
    let pictures: Vec<Vec<f32>> = [(178, 218), (90, 110), (300, 200)]
        .iter()
        .map(|&(w, h)| prep.tensor_from_rgb(&picture(w, h)))
        .collect();
    let mut first: Option<Vec<Vec<f32>>> = None;
    for kernel in kernels() {
        let int8 =
            Classifier::from_bytes_with_kernel(&bytes, ClassifierOptions::default(), kernel).expect("load");
        let logits: Vec<Vec<f32>> = pictures.iter().map(|t| int8.logits(t).expect("logits")).collect();
        match &first {
            None => first = Some(logits.clone()),
            Some(f) => assert_eq!(&logits, f, "{kernel}: int8 logits differ from the first kernel's"),
        }
        for (t, l) in pictures.iter().zip(&logits) {
            let (p8, p32) = (softmax(l), softmax(&fp32.logits(t).expect("fp32")));
            let diff = p8.iter().zip(&p32).map(|(a, b)| (a - b).abs()).fold(0f32, f32::max);
            assert!(diff <= 0.05, "{kernel}: int8 {p8:?} vs fp32 {p32:?}");
        }
    }
}
