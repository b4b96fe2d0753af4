//! Core's integration tests, one test binary (one link, one run) for every module below.
//! `cargo test -p glasses-core --test integration MODULE::` runs one of them.

mod common;
#[path = "../../../tests/support/golden.rs"]
#[allow(dead_code)]
mod golden_cases;
#[path = "../../fuzz/src/harness.rs"]
mod harness;
#[path = "../../../tests/support/turn.rs"]
mod turn;
#[path = "../../../tests/support/yuv.rs"]
mod yuv_reference;

mod align;
mod default_threshold;
mod errors;
mod export_and_load;
mod face_detector;
mod faces;
mod full_hd_paths;
mod golden;
mod heap;
mod hostile_inputs;
mod huge_regions;
mod inference_threads;
mod inputs;
mod int8;
mod onnx_reader;
mod orientation;
mod region;
mod resource_limits;
mod surface_golden;
mod threads;
mod uniform_pictures;
mod yuv;
