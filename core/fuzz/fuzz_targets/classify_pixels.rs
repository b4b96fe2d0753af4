//! Raw pixel buffers (format, width, height, stride, data) through `PixelBuffer` and
//! `Classifier::classify_pixels`; layout in `harness::PixelCase::parse`.
#![no_main]

use std::sync::LazyLock;

use glasses_core::Classifier;
use glasses_core_fuzz::harness;
use libfuzzer_sys::fuzz_target;

static CLASSIFIER: LazyLock<Classifier> = LazyLock::new(harness::fuzz_classifier);

fuzz_target!(|data: &[u8]| harness::classify_pixels(&CLASSIFIER, data));
