//! `ClassifierOptions::threads`: one picture's inference split over several threads gives the
//! same bits as on one thread, on every kernel, for the bundled (int8-weights) file, the fp32
//! file, static int8 files and the golden-fixture models; classifiers with workers stay correct
//! when many threads classify at once.

use crate::common;

use std::path::PathBuf;
use std::sync::Arc;

use glasses_core::export::{Architecture, ExportOptions, QuantizeOptions, WeightPrecision};
use glasses_core::export::{export_onnx, quantize_static, random_weights};
use glasses_core::{Classifier, ClassifierOptions, MAX_INFERENCE_THREADS};

/// The static int8 file of issue 24 (ONNX Runtime's calibration of the bundled model), when this
/// machine has it; `GLASSES_QDQ_MODEL` names another.
const STATIC_INT8_FILE: &str = "/work/runs/int8/glasses-static-int8.onnx";

fn bits(values: &[f32]) -> Vec<u32> {
    values.iter().map(|v| v.to_bits()).collect()
}

fn fp32_file() -> Option<Vec<u8>> {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("models/glasses.onnx");
    match std::fs::read(&path) {
        Ok(bytes) => Some(bytes),
        Err(e) => {
            eprintln!("skipped the fp32 file: {}: {e}", path.display());
            None
        }
    }
}

/// Every model the engine runs differently: float compute on int8 weights (the bundled file),
/// fp32, static int8 on the int8 engine, and the golden fixture's random-weight models.
fn models() -> Vec<(String, Vec<u8>)> {
    let mut models =
        vec![("bundled".to_owned(), Classifier::bundled_model_bytes().expect("bundled").to_vec())];
    if let Some(fp32) = fp32_file() {
        let c = Classifier::from_bytes(&fp32, ClassifierOptions::default()).expect("fp32 file");
        let prep = *c.preprocessing();
        let calibration: Vec<Vec<f32>> = [(178, 218), (120, 90)]
            .iter()
            .map(|&(w, h)| prep.tensor_from_rgb(&common::picture(w, h)))
            .collect();
        let quantised = quantize_static(&fp32, &calibration, &QuantizeOptions::default()).expect("quantise");
        models.push(("static int8 (core's quantiser)".to_owned(), quantised));
        models.push(("fp32".to_owned(), fp32));
    }
    let file = std::env::var("GLASSES_QDQ_MODEL").unwrap_or_else(|_| STATIC_INT8_FILE.to_owned());
    match std::fs::read(&file) {
        Ok(bytes) => models.push((file, bytes)),
        Err(e) => eprintln!("skipped the static int8 file: {file}: {e}"),
    }
    for precision in [WeightPrecision::F32, WeightPrecision::Int8] {
        let arch = Architecture::SqueezeNet1_1;
        let options = ExportOptions { precision, ..ExportOptions::new(arch, 96) };
        let bytes = export_onnx(&random_weights(arch, 42), &options).expect("export");
        models.push((format!("golden SqueezeNet 96 {}", precision.name()), bytes));
    }
    models
}

#[test]
fn every_kernel_gives_the_same_bits_on_two_to_four_threads() {
    for (name, bytes) in models() {
        for kernel in common::kernels() {
            let load = |threads: usize| {
                let options = ClassifierOptions::default().with_threads(threads);
                Classifier::from_bytes_with_kernel(&bytes, options, kernel)
                    .unwrap_or_else(|e| panic!("{name} on {kernel}: {e}"))
            };
            let one = load(1);
            let prep = one.preprocessing();
            let inputs =
                [prep.tensor_from_rgb(&common::picture(178, 218)), common::golden_input(prep.tensor_len())];
            let want: Vec<Vec<u32>> = inputs.iter().map(|t| bits(&one.logits(t).expect("logits"))).collect();
            // Three threads cut steps unevenly; the engine's own tests (net/split_tests.rs) run
            // every split on every kernel.
            for threads in [2, 3, 4] {
                let split = load(threads);
                for (t, want) in inputs.iter().zip(&want) {
                    let got = bits(&split.logits(t).expect("logits"));
                    assert_eq!(&got, want, "{name} on {kernel}, {threads} threads");
                }
            }
        }
    }
}

#[test]
fn concurrent_classifications_share_the_workers_correctly() {
    let c =
        Arc::new(Classifier::bundled_with(ClassifierOptions::default().with_threads(3)).expect("bundled"));
    let alone = Classifier::bundled().expect("bundled");
    let pictures: Arc<Vec<_>> =
        Arc::new((0..6).map(|i| common::picture(100 + 13 * i, 120 + 7 * i)).collect());
    let want: Vec<u32> =
        pictures.iter().map(|p| alone.classify_rgb(p).expect("classify").probability.to_bits()).collect();
    let handles: Vec<_> = (0..4)
        .map(|t| {
            // Clones share the workers: one picture uses them, the others run on their thread.
            let (c, pictures) = ((*c).clone(), Arc::clone(&pictures));
            std::thread::spawn(move || {
                let mut got = vec![0; pictures.len()];
                for round in 0..5 {
                    for k in 0..pictures.len() {
                        let i = (k + t + round) % pictures.len();
                        got[i] = c.classify_rgb(&pictures[i]).expect("classify").probability.to_bits();
                    }
                }
                got
            })
        })
        .collect();
    for handle in handles {
        assert_eq!(handle.join().expect("no panic"), want, "a concurrent classification differs");
    }
    drop(c);
}

#[test]
fn the_thread_count_is_resolved_and_changed_without_reload() {
    let defaults = ClassifierOptions::default();
    assert_eq!(defaults.threads, 1);
    assert_eq!(defaults.inference_threads(), 1);
    let cores = std::thread::available_parallelism().map_or(1, usize::from);
    assert_eq!(defaults.with_threads(0).inference_threads(), cores.min(MAX_INFERENCE_THREADS));
    let one = Classifier::bundled().expect("bundled");
    // More than the most is refused everywhere (C, Kotlin, Swift, Python, CLI and here), not
    // quietly lowered.
    for too_many in [MAX_INFERENCE_THREADS + 1, 1000, usize::MAX] {
        let err = one.with_options(defaults.with_threads(too_many)).expect_err("too many threads");
        assert!(matches!(err, glasses_core::Error::InvalidOptions { .. }), "{too_many}: {err:?}");
        assert!(err.to_string().contains(&too_many.to_string()), "{err}");
        assert!(Classifier::bundled_with(defaults.with_threads(too_many)).is_err());
    }
    let most = one.with_options(defaults.with_threads(MAX_INFERENCE_THREADS)).expect("the most");
    assert_eq!(most.options().inference_threads(), MAX_INFERENCE_THREADS);
    let four = one.with_options(defaults.with_threads(4)).expect("with_options");
    assert_eq!(four.options().threads, 4);
    let tensor = common::golden_input(one.preprocessing().tensor_len());
    assert_eq!(bits(&four.logits(&tensor).expect("logits")), bits(&one.logits(&tensor).expect("logits")));
    let back = four.with_options(defaults).expect("with_options");
    assert_eq!(bits(&back.logits(&tensor).expect("logits")), bits(&one.logits(&tensor).expect("logits")));
}
