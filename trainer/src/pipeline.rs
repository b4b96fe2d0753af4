//! From data folders to training and validation tensors: the images used (the study's balanced
//! set of all positives plus as many negatives, or with `all_data` every labelled image of every
//! folder), identity-disjoint folds over them, and the leftover negatives for a precision check.

use std::collections::HashMap;
use std::path::PathBuf;

use glasses_core::Preprocessing;
use glasses_core::preprocess::{IMAGENET_MEAN, IMAGENET_STD, ResizeMode};

use crate::checkpoint::DataSpec;
use crate::checks::ValidationParts;
use crate::data::{Dataset, SUNGLASSES, Sample, TensorSet, fold_split, identities, identity_folds};
use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// The data folders and how they are split.
#[derive(Debug, Clone, PartialEq)]
pub struct DataOptions {
    /// Folders with `0/`, `1/` and optionally `sunglasses/` and `manifest.csv`, read as one set.
    pub images_paths: Vec<PathBuf>,
    /// Every labelled image (not the balanced subset): class imbalance is then the sampler's job.
    pub all_data: bool,
    /// Read `sunglasses/` as a third class.
    pub sunglasses: bool,
    /// With `sunglasses`: train sunglasses faces as "no eyeglasses" (a two-class model) instead of
    /// a class of their own. The folds and check sets stay those of the three-class data, so the
    /// two choices compare on the same people.
    pub sunglasses_as_negatives: bool,
    /// How pictures are fitted to the input (recorded in exported models).
    pub resize: ResizeMode,
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
            resize: self.resize,
        }
    }

    /// The study's setting: one folder, its balanced subset, two classes, stretched pictures.
    pub fn single(
        images_path: PathBuf,
        split_seed: u64,
        folds: usize,
        input_width: u32,
        input_height: u32,
    ) -> Self {
        Self {
            images_paths: vec![images_path],
            all_data: false,
            sunglasses: false,
            sunglasses_as_negatives: false,
            resize: ResizeMode::Stretch,
            split_seed,
            folds,
            input_width,
            input_height,
        }
    }

    /// What a checkpoint records about fold `val_fold`.
    pub fn spec(&self, val_fold: usize) -> DataSpec {
        DataSpec {
            images_paths: self.images_paths.clone(),
            split_seed: self.split_seed,
            folds: self.folds,
            val_fold,
            all_data: self.all_data,
            sunglasses: self.sunglasses,
            sunglasses_as_negatives: self.sunglasses_as_negatives,
            resize: self.resize.name().to_owned(),
        }
    }

    /// The options a checkpoint's [`DataSpec`] describes, at `input_width x input_height`.
    pub fn from_spec(spec: &DataSpec, input_width: u32, input_height: u32) -> Self {
        Self {
            images_paths: spec.images_paths.clone(),
            all_data: spec.all_data,
            sunglasses: spec.sunglasses,
            sunglasses_as_negatives: spec.sunglasses_as_negatives,
            resize: if spec.resize == ResizeMode::CenterCrop.name() {
                ResizeMode::CenterCrop
            } else {
                ResizeMode::Stretch
            },
            split_seed: spec.split_seed,
            folds: spec.folds,
            input_width,
            input_height,
        }
    }

    /// Number of classes of a model trained on this data.
    pub fn classes(&self) -> usize {
        if self.sunglasses && !self.sunglasses_as_negatives { 3 } else { 2 }
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
    /// Scans the folders, draws the balanced set (or takes every image) and folds, and
    /// preprocesses those images.
    pub fn load(options: &DataOptions) -> Result<Self> {
        let dataset = Dataset::scan_roots(&options.images_paths, options.sunglasses)?;
        let balanced = if options.all_data {
            dataset.all_indices()
        } else {
            dataset.balanced_indices(options.split_seed)
        };
        let folds = identity_folds(&dataset, &balanced, options.folds, options.split_seed)?;
        let mut tensors = TensorSet::load(&dataset, &balanced, &options.preprocessing())?;
        if options.sunglasses_as_negatives {
            let sunglasses = tensors.labels.eq(crate::data::SUNGLASSES as i64);
            tensors.labels = tensors.labels.masked_fill(&sunglasses, 0);
        }
        let row_of = balanced.iter().enumerate().map(|(r, &i)| (i, r)).collect();
        Ok(Self { dataset, balanced, folds, tensors, row_of, options: options.clone() })
    }

    /// Dataset indices of fold `fold`'s training and validation parts.
    pub fn fold_indices(&self, fold: usize) -> Result<(Vec<usize>, Vec<usize>)> {
        self.fold_parts(fold)
    }

    /// The options the data was loaded with.
    pub fn options(&self) -> &DataOptions {
        &self.options
    }

    /// Training and validation tensors when fold `fold` is held out.
    pub fn split(&self, fold: usize) -> Result<(TensorSet, TensorSet)> {
        let (train, val) = self.fold_parts(fold)?;
        Ok((self.rows(&train), self.rows(&val)))
    }

    /// The study's training and validation sets of fold `fold` (the CV's ResNet-18 and SqueezeNet
    /// rows). On the balanced set these are the fold's two parts. With `all_data`, training is the
    /// fold's part of the balanced subset (every eyeglasses face plus as many drawn "no
    /// eyeglasses", sunglasses left out: two classes, as in the study) and validation is the
    /// fold's balanced part ([`ValidationParts::balanced`]), the same pictures every model of a
    /// CV over all data is measured on.
    pub fn study_split(&self, fold: usize) -> Result<(TensorSet, TensorSet)> {
        if !self.options.all_data {
            return self.split(fold);
        }
        let (train, _) = self.fold_parts(fold)?;
        let subset: std::collections::HashSet<usize> =
            self.dataset.balanced_indices(self.options.split_seed).into_iter().collect();
        let train: Vec<usize> = train
            .into_iter()
            .filter(|i| subset.contains(i) && self.dataset.samples[*i].label != SUNGLASSES)
            .collect();
        Ok((self.rows(&train), self.balanced_validation(fold)?))
    }

    /// The balanced validation part of fold `fold`: its eyeglasses faces plus as many drawn "no
    /// eyeglasses" ([`ValidationParts::balanced`]).
    pub fn balanced_validation(&self, fold: usize) -> Result<TensorSet> {
        let (_, val) = self.fold_parts(fold)?;
        let parts = ValidationParts::of(&self.dataset, &val, self.options.split_seed);
        Ok(self.rows(&parts.balanced))
    }

    fn rows(&self, indices: &[usize]) -> TensorSet {
        let rows: Vec<usize> = indices.iter().map(|i| self.row_of[i]).collect();
        self.tensors.select(&rows)
    }

    /// The held-out check set: negatives outside the balanced set whose person is neither in
    /// fold `fold`'s training part nor reserved for training (see [`reserved_for_training`]).
    /// More "no eyeglasses" images to measure false positives at a realistic class ratio; no run
    /// on any fold ever trains on them, with or without `--extra-negatives`.
    pub fn check_negatives(&self, fold: usize) -> Result<TensorSet> {
        TensorSet::load(&self.dataset, &self.check_negative_indices(fold)?, &self.options.preprocessing())
    }

    /// Dataset indices of [`Self::check_negatives`].
    pub fn check_negative_indices(&self, fold: usize) -> Result<Vec<usize>> {
        let (train, _) = self.fold_parts(fold)?;
        let train_ids = identities(&self.dataset, &train);
        let seed = self.options.split_seed;
        Ok(self
            .leftover_negatives()
            .filter(|&i| {
                let id = self.dataset.samples[i].identity.as_str();
                !train_ids.contains(id) && !reserved_for_training(id, seed)
            })
            .collect())
    }

    /// The training pool of further negatives for fold `fold`: negatives outside the balanced
    /// set whose person is not in the validation fold and is either already in the training part
    /// or reserved for training. Disjoint from [`Self::check_negatives`] by construction.
    pub fn training_negatives(&self, fold: usize) -> Result<TensorSet> {
        TensorSet::load(&self.dataset, &self.training_negative_indices(fold)?, &self.options.preprocessing())
    }

    /// Dataset indices of [`Self::training_negatives`].
    pub fn training_negative_indices(&self, fold: usize) -> Result<Vec<usize>> {
        let (train, val) = self.fold_parts(fold)?;
        let (train_ids, val_ids) = (identities(&self.dataset, &train), identities(&self.dataset, &val));
        let seed = self.options.split_seed;
        Ok(self
            .leftover_negatives()
            .filter(|&i| {
                let id = self.dataset.samples[i].identity.as_str();
                !val_ids.contains(id) && (train_ids.contains(id) || reserved_for_training(id, seed))
            })
            .collect())
    }

    /// The unlabelled faces (each root's `folder`, e.g. `unclear/`) a run holding out fold `fold`
    /// may learn from: those whose person is neither in the validation fold nor among the
    /// held-out check negatives, so no validation or check person is ever trained on.
    pub fn unlabelled_for_training(&self, fold: usize, folder: &str) -> Result<Vec<Sample>> {
        let (_, val) = self.fold_parts(fold)?;
        let mut held_out = identities(&self.dataset, &val);
        let check = self.check_negative_indices(fold)?;
        held_out.extend(identities(&self.dataset, &check));
        let all = self.dataset.scan_unlabelled(folder)?;
        Ok(all.into_iter().filter(|s| !held_out.contains(s.identity.as_str())).collect())
    }

    fn fold_parts(&self, fold: usize) -> Result<(Vec<usize>, Vec<usize>)> {
        if fold >= self.folds.len() {
            return Err(Error::Config(format!("fold {fold} does not exist ({} folds)", self.folds.len())));
        }
        Ok(fold_split(&self.folds, fold))
    }

    fn leftover_negatives(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.dataset.samples.len())
            .filter(|i| !self.row_of.contains_key(i))
            .filter(|&i| self.dataset.samples[i].label == 0)
    }

    /// Images per label in fold `fold`'s training and validation parts.
    pub fn describe(&self, fold: usize) -> String {
        let (train, val) = fold_split(&self.folds, fold);
        let (t, v) = (self.dataset.counts(&train), self.dataset.counts(&val));
        format!(
            "{} {} images ({} identities); fold {fold}: train {} (+{} / -{} / sunglasses {}), validation {} (+{} / -{} / sunglasses {})",
            if self.options.all_data { "all data" } else { "balanced set" },
            self.balanced.len(),
            identities(&self.dataset, &self.balanced).len(),
            train.len(),
            t[1],
            t[0],
            t[2],
            val.len(),
            v[1],
            v[0],
            v[2]
        )
    }
}

/// Whether the negatives of person `identity` (outside the balanced set and the training
/// people) belong to the training pool rather than the held-out check set: a seeded coin per
/// identity, so about half of the unseen people are never trained on and the check stays
/// identity-disjoint from every run.
pub fn reserved_for_training(identity: &str, seed: u64) -> bool {
    // FNV-1a: stable across platforms and Rust versions, unlike std's hasher.
    let hash =
        identity.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ b as u64).wrapping_mul(0x0100_0000_01b3));
    SplitMix64::new(hash ^ seed).next_u64() & 1 == 1
}
