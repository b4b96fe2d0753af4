//! What the integration tests of every surface share: the golden cases of
//! `tests/fixtures/golden.json` and pictures turned by each of the eight orientations.
//!
//! Each test file includes this folder with `mod support;` and uses what it needs.
#![allow(dead_code)]

pub mod golden;
pub mod turn;

use std::path::{Path, PathBuf};

/// The repository root.
pub fn repo_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("ffi/ has a parent").to_path_buf()
}
