//! Arbitrary bytes through `Classifier::from_bytes` (seeded with tiny contract-valid models).
#![no_main]

use glasses_core_fuzz::harness;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| harness::load_model(data));
