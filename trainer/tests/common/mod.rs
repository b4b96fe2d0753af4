//! Tiny generated datasets for the trainer's tests.

#![allow(dead_code)] // each test binary uses a different part of it

use std::path::Path;

use glasses_core::export::Architecture;
use glasses_core::image::{Rgb, RgbImage};
use glasses_trainer::checkpoint::TrainConfig;
use glasses_trainer::data::TensorSet;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::rng::SplitMix64;
use glasses_trainer::train::RunPolicy;

/// Input width of the test models.
pub const W: u32 = 36;
/// Input height of the test models.
pub const H: u32 = 40;

/// Small, fast settings for `epochs` epochs of `arch`.
pub fn config(arch: Architecture, epochs: usize) -> TrainConfig {
    TrainConfig {
        architecture: arch.name().to_owned(),
        epochs,
        batch_size: 8,
        input_width: W,
        input_height: H,
        lr: 2e-3,
        weight_decay: 0.01,
        warmup_epochs: 0,
        seed: 7,
        alpha: 0.0,
        temperature: 4.0,
        augment: true,
        final_relu_grad_leak: 0.1,
        extra_negatives_per_epoch: 0,
        init_from: None,
        prune_fraction: 0.0,
        classes: 2,
        init_weights: None,
        balanced_sampling: false,
        epoch_size: 0,
        robust_augment: false,
        framing_augment: false,
        unlabelled: false,
        hard_negatives: None,
        hard_negative_factor: 0.0,
        gray_hard_share: None,
    }
}

/// No progress output.
pub fn quiet() -> RunPolicy {
    RunPolicy { quiet: true, ..Default::default() }
}

/// The training and validation sets of fold 0 of [`tiny_data`] in a new temporary folder (kept
/// alive by the returned guard), with libtorch on one thread so that runs repeat exactly.
pub fn tiny_split(per_class: usize) -> (tempfile::TempDir, TensorSet, TensorSet) {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let (train_set, val_set) = tiny_data(dir.path(), per_class).split(0).expect("split");
    (dir, train_set, val_set)
}

/// `per_class` generated faces per class in `dir`, loaded with 4 folds.
pub fn tiny_data(dir: &Path, per_class: usize) -> Prepared {
    write_dataset(dir, per_class, 44, 50);
    let options = DataOptions::single(dir.to_owned(), 3, 4, W, H);
    Prepared::load(&options).expect("tiny dataset loads")
}

/// A face-like image: skin-coloured background with noise; `glasses` draws two dark rings and a
/// bridge across the upper third, which a small network learns to see in a few steps.
pub fn face(width: u32, height: u32, glasses: bool, seed: u64) -> RgbImage {
    let mut rng = SplitMix64::new(seed);
    let mut noise = move || rng.below(40) as i32 - 20;
    let mut img = RgbImage::new(width, height);
    for (x, y, px) in img.enumerate_pixels_mut() {
        let base = [200, 160, 130];
        let mut v = base.map(|c| (c + noise()).clamp(0, 255) as u8);
        if glasses {
            let ey = height as f32 * 0.38;
            for ex in [width as f32 * 0.3, width as f32 * 0.7] {
                let d = ((x as f32 - ex).powi(2) + (y as f32 - ey).powi(2)).sqrt();
                let r = width as f32 * 0.14;
                if (d - r).abs() < 1.6 {
                    v = [20, 20, 20];
                }
            }
            if (y as f32 - ey).abs() < 1.0
                && (x as f32) > width as f32 * 0.44
                && (x as f32) < width as f32 * 0.56
            {
                v = [20, 20, 20];
            }
        }
        *px = Rgb(v);
    }
    img
}

/// The header of a `manifest.csv` and one row per image of [`write_dataset`] (`per_class` in each
/// of 0/ and 1/), naming image `i` of folder `label` person `identity(label, i)`.
pub fn dataset_manifest(per_class: usize, identity: impl Fn(usize, usize) -> usize) -> String {
    let mut csv = String::from("file,folder,identity\n");
    for label in 0..2 {
        for i in 0..per_class {
            csv.push_str(&format!("img{i:03}.png,{label},{}\n", identity(label, i)));
        }
    }
    csv
}

/// Writes `per_class` PNGs into `dir/0` and `dir/1`.
pub fn write_dataset(dir: &Path, per_class: usize, width: u32, height: u32) {
    for label in 0..2u64 {
        let sub = dir.join(label.to_string());
        std::fs::create_dir_all(&sub).expect("create class folder");
        for i in 0..per_class as u64 {
            face(width, height, label == 1, label * 1000 + i)
                .save(sub.join(format!("img{i:03}.png")))
                .expect("write png");
        }
    }
}
