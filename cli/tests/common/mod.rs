//! What every end-to-end test of the `glasses` binary starts from: a temp folder holding a
//! random-weight SqueezeNet written by core's exporter (predictions arbitrary but deterministic,
//! so the tests check structure, consistency and exit codes, never accuracy, and never depend on
//! the bundled model) and whatever pictures and files a test writes into it.

// Each test binary compiles this module and uses its own part of it.
#![allow(dead_code)]

use std::error::Error;
use std::path::{Path, PathBuf};

use assert_cmd::Command;
use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights_for};
use glasses_core::image::{Rgb, RgbImage};
use tempfile::TempDir;

pub type TestResult<T = ()> = Result<T, Box<dyn Error>>;

/// The `glasses` binary under test.
pub fn glasses() -> Command {
    assert_cmd::cargo::cargo_bin_cmd!("glasses")
}

/// A random-weight SqueezeNet with `classes` outputs (3: none, eyeglasses, sunglasses) and the
/// weights of `seed`, exported with `options`.
pub fn random_model(classes: usize, seed: u64, mut options: ExportOptions) -> TestResult<Vec<u8>> {
    if classes == 3 {
        options.class_names = glasses_core::contract::eyewear_class_names();
    }
    Ok(export_onnx(&random_weights_for(Architecture::SqueezeNet1_1, classes, seed), &options)?)
}

/// [`random_model`] at a `size` x `size` input with the exporter's default metadata.
pub fn small_model(classes: usize, seed: u64, size: u32) -> TestResult<Vec<u8>> {
    random_model(classes, seed, ExportOptions::new(Architecture::SqueezeNet1_1, size))
}

/// A temp folder with a model (`model.onnx`) and the files a test writes.
pub struct Fixture {
    pub dir: TempDir,
    pub model: PathBuf,
}

impl Fixture {
    /// A fresh folder holding `model` as `model.onnx`.
    pub fn with_model(model: &[u8]) -> TestResult<Self> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("model.onnx");
        std::fs::write(&path, model)?;
        Ok(Self { dir, model: path })
    }

    pub fn path(&self, relative: &str) -> PathBuf {
        self.dir.path().join(relative)
    }

    /// Writes `bytes` at `relative`, making its folders.
    pub fn write(&self, relative: &str, bytes: &[u8]) -> TestResult<PathBuf> {
        let path = self.path(relative);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, bytes)?;
        Ok(path)
    }

    pub fn read(&self, relative: &str) -> TestResult<String> {
        Ok(std::fs::read_to_string(self.path(relative))?)
    }

    /// Writes distinct small images (format from the extension) at the given relative paths.
    pub fn images(&self, relatives: &[&str]) -> TestResult {
        for (i, relative) in relatives.iter().enumerate() {
            write_image(&self.path(relative), i as u32 + 1)?;
        }
        Ok(())
    }

    /// `glasses <subcommand> --model <the fixture's model>`, run in the fixture folder.
    pub fn cmd(&self, subcommand: &str) -> Command {
        self.cmd_with(subcommand, &self.model)
    }

    /// `glasses <subcommand> --model <model>`, run in the fixture folder.
    pub fn cmd_with(&self, subcommand: &str, model: &Path) -> Command {
        let mut cmd = glasses();
        cmd.current_dir(self.dir.path()).arg(subcommand).arg("--model").arg(model);
        cmd
    }
}

/// A small picture whose size and pixels follow from `seed`, so pictures of a test differ.
pub fn write_image(path: &Path, seed: u32) -> TestResult {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent)?;
    }
    let (width, height) = (40 + seed * 7 % 30, 48 + seed * 5 % 20);
    let image = RgbImage::from_fn(width, height, |x, y| {
        let v = x.wrapping_mul(31 + seed) ^ y.wrapping_mul(17 + 3 * seed);
        Rgb([v as u8, (v >> 3) as u8 ^ seed as u8, (x + y * seed) as u8])
    });
    image.save(path)?;
    Ok(())
}
