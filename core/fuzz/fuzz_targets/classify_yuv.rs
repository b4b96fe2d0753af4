//! YUV 4:2:0 camera frames (geometry, planes, rotation, face box) through `YuvFrame` and
//! `Classifier::classify_yuv{,_region}`; layout in `harness::classify_yuv`.
#![no_main]

use std::sync::LazyLock;

use glasses_core::Classifier;
use glasses_core_fuzz::harness;
use libfuzzer_sys::fuzz_target;

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(harness::fuzz_classifier);

fuzz_target!(|data: &[u8]| {
    harness::classify_yuv(&CLASSIFIER, data);
});
