//! From a data folder to training and validation tensors: the balanced set (all positives plus
//! as many negatives), identity-disjoint folds, and the leftover negatives for a precision check.

use std::collections::HashMap;
use std::path::PathBuf;

use glasses_core::Preprocessing;
use glasses_core::preprocess::{IMAGENET_MEAN, IMAGENET_STD};

use crate::checkpoint::DataSpec;
use crate::data::{Dataset, TensorSet, fold_split, identities, identity_folds};
use crate::error::{Error, Result};

/// The data folder and how it is split.
#[derive(Debug, Clone, PartialEq)]
pub struct DataOptions {
    /// Folder with `0/`, `1/` and optionally `manifest.csv`.
    pub images_path: PathBuf,
    /// Seed of the balanced subset and the folds.
    pub split_seed: u64,
    /// Number of identity-disjoint folds.
    pub folds: usize,
    /// Input width of the model.
    pub input_width: u32,
    /// Input height of the model.
    pub input_height: u32,
}

impl DataOptions {
    /// The preprocessing of models trained on this data (ImageNet normalisation).
    pub fn preprocessing(&self) -> Preprocessing {
        Preprocessing {
            width: self.input_width,
            height: self.input_height,
            mean: IMAGENET_MEAN,
            std: IMAGENET_STD,
        }
    }

    /// What a checkpoint records about fold `val_fold`.
    pub fn spec(&self, val_fold: usize) -> DataSpec {
        DataSpec {
            images_path: self.images_path.clone(),
            split_seed: self.split_seed,
            folds: self.folds,
            val_fold,
        }
    }
}

/// The balanced set in memory, split into identity-disjoint folds.
#[derive(Debug)]
pub struct Prepared {
    /// Every labelled image of the folder.
    pub dataset: Dataset,
    /// Dataset indices of the balanced set.
    pub balanced: Vec<usize>,
    /// Dataset indices per fold.
    pub folds: Vec<Vec<usize>>,
    /// Tensors of the balanced set, row `r` is `balanced[r]`.
    pub tensors: TensorSet,
    row_of: HashMap<usize, usize>,
    options: DataOptions,
}

impl Prepared {
    /// Scans the folder, draws the balanced set and folds, and preprocesses its images.
    pub fn load(options: &DataOptions) -> Result<Self> {
        let dataset = Dataset::scan(&options.images_path)?;
        let balanced = dataset.balanced_indices(options.split_seed);
        let folds = identity_folds(&dataset, &balanced, options.folds, options.split_seed)?;
        let tensors = TensorSet::load(&dataset, &balanced, &options.preprocessing())?;
        let row_of = balanced.iter().enumerate().map(|(r, &i)| (i, r)).collect();
        Ok(Self { dataset, balanced, folds, tensors, row_of, options: options.clone() })
    }

    /// Training and validation tensors when fold `fold` is held out.
    pub fn split(&self, fold: usize) -> Result<(TensorSet, TensorSet)> {
        if fold >= self.folds.len() {
            return Err(Error::Config(format!("fold {fold} does not exist ({} folds)", self.folds.len())));
        }
        let (train, val) = fold_split(&self.folds, fold);
        let rows = |idx: &[usize]| idx.iter().map(|i| self.row_of[i]).collect::<Vec<_>>();
        Ok((self.tensors.select(&rows(&train)), self.tensors.select(&rows(&val))))
    }

    /// Negatives outside the balanced set whose person is not in fold `fold`'s training part:
    /// more "no eyeglasses" images to measure false positives at a realistic class ratio.
    pub fn extra_negatives(&self, fold: usize) -> Result<TensorSet> {
        let (train, _) = fold_split(&self.folds, fold);
        let train_ids = identities(&self.dataset, &train);
        let extra: Vec<usize> = (0..self.dataset.samples.len())
            .filter(|i| !self.row_of.contains_key(i))
            .filter(|&i| {
                let s = &self.dataset.samples[i];
                s.label == 0 && !train_ids.contains(s.identity.as_str())
            })
            .collect();
        TensorSet::load(&self.dataset, &extra, &self.options.preprocessing())
    }

    /// Images per label in fold `fold`'s training and validation parts.
    pub fn describe(&self, fold: usize) -> String {
        let (train, val) = fold_split(&self.folds, fold);
        let (t, v) = (self.dataset.counts(&train), self.dataset.counts(&val));
        format!(
            "balanced set {} images ({} identities); fold {fold}: train {} (+{} / -{}), validation {} (+{} / -{})",
            self.balanced.len(),
            identities(&self.dataset, &self.balanced).len(),
            train.len(),
            t[1],
            t[0],
            val.len(),
            v[1],
            v[0]
        )
    }
}
