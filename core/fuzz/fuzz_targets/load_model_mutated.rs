//! A valid exported SqueezeNet (float32 or int8), edited by the fuzz input (`harness::mutate_model`),
//! through `Classifier::from_bytes`: explores the graph structure and metadata of real exporter output
//! without committing megabyte-sized seeds.
#![no_main]

use std::sync::LazyLock;

use glasses_core::export::WeightPrecision;
use glasses_core_fuzz::harness;
use libfuzzer_sys::fuzz_target;

static BASES: LazyLock<(Vec<u8>, Vec<u8>)> = LazyLock::new(|| {
    (harness::exported_model(WeightPrecision::F32), harness::exported_model(WeightPrecision::Int8))
});

fuzz_target!(|script: &[u8]| {
    let (f32_model, int8_model) = &*BASES;
    harness::load_model(&harness::mutate_model(f32_model, int8_model, script));
});
