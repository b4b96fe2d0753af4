//! The training loop: AdamW, linear warm-up then cosine decay per step, optional Hinton-style
//! distillation, evaluation and a checkpoint after every epoch.

use std::path::{Path, PathBuf};
use std::time::Instant;

use indicatif::{ProgressBar, ProgressStyle};
use tch::{Device, Kind, Tensor};

use crate::augment::Augment;
use crate::checkpoint::{self, CHECKPOINT_FILE, DataSpec, EpochStats, RunMeta, TrainConfig};
use crate::data::TensorSet;
use crate::error::{Error, Result};
use crate::metrics::Metrics;
use crate::model::Network;
use crate::optim::AdamW;
use crate::prune;
use crate::rng::SplitMix64;
pub use crate::sampler::ClassSampler;

/// What to do with an existing run folder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunPolicy {
    /// Continue an unfinished checkpoint (a finished one is returned as is).
    pub resume: bool,
    /// Start over even when a (finished) checkpoint exists.
    pub force: bool,
    /// No progress bar or epoch lines.
    pub quiet: bool,
    /// Stop (checkpointed, unfinished) after this many epochs in this call, e.g. to time-box.
    pub stop_after: Option<usize>,
}

/// The teacher of a distilled run.
#[derive(Debug)]
pub enum Teacher<'a> {
    /// A trained network of the same input size, run on every augmented batch in inference mode.
    Network {
        /// The network.
        network: &'a Network,
        /// Its checkpoint, recorded in the student's metadata.
        path: PathBuf,
    },
    /// Probabilities computed once per training row (`[rows, classes]`, rows in the training
    /// set's order) by [`crate::soft_labels`]; the only teacher unlabelled rows can learn from.
    Cached {
        /// The probabilities.
        probabilities: Tensor,
        /// The labels file, recorded in the student's metadata.
        path: PathBuf,
    },
}

impl Teacher<'_> {
    /// The file recorded in the student's metadata.
    pub fn path(&self) -> &Path {
        match self {
            Self::Network { path, .. } | Self::Cached { path, .. } => path,
        }
    }
}

/// A finished run: the network and its history.
#[derive(Debug)]
pub struct RunOutcome {
    /// The trained network (last epoch).
    pub network: Network,
    /// Metadata as written into the checkpoint.
    pub meta: RunMeta,
    /// P(eyeglasses) of each validation image, in set order.
    pub val_probs: Vec<f32>,
    /// Validation labels, in set order.
    pub val_labels: Vec<u8>,
}

impl RunOutcome {
    /// Validation metrics of the last epoch.
    pub fn final_metrics(&self) -> Option<&Metrics> {
        self.meta.history.last().map(|h| &h.val)
    }
}

/// Learning rate at `step` of `total`: linear warm-up over `warmup` steps, then cosine to 1% of `peak`.
pub fn learning_rate(peak: f64, step: usize, warmup: usize, total: usize) -> f64 {
    if step < warmup {
        return peak * (step + 1) as f64 / warmup as f64;
    }
    let span = (total - warmup).max(1) as f64;
    let progress = ((step - warmup) as f64 / span).min(1.0);
    let floor = 0.01 * peak;
    floor + (peak - floor) * 0.5 * (1.0 + (std::f64::consts::PI * progress).cos())
}

/// Hinton et al. (2015) distillation loss: `alpha * T^2 * KL(teacher_T || student_T) + (1 - alpha) * CE`.
/// `teacher` holds logits (or log-probabilities, which give the same softmax). The cross-entropy
/// averages over the rows with a label; rows labelled [`crate::data::IGNORED_LABEL`] learn from the teacher only.
pub fn distillation_loss(
    student: &Tensor,
    teacher: &Tensor,
    labels: &Tensor,
    alpha: f64,
    temperature: f64,
) -> Tensor {
    let labelled = labels.ge(0).to_kind(Kind::Float);
    let picked = student
        .log_softmax(-1, Kind::Float)
        .gather(1, &labels.clamp_min(0).unsqueeze(1), false)
        .squeeze_dim(1);
    let ce = -(picked * &labelled).sum(Kind::Float) / labelled.sum(Kind::Float).clamp_min(1.0);
    let log_s = (student / temperature).log_softmax(-1, Kind::Float);
    let log_t = (teacher / temperature).log_softmax(-1, Kind::Float);
    let kl = (log_t.exp() * (&log_t - log_s))
        .sum_dim_intlist([1i64].as_slice(), false, Kind::Float)
        .mean(Kind::Float);
    kl * (alpha * temperature * temperature) + ce * (1.0 - alpha)
}

/// P(eyeglasses) and mean cross-entropy of `set` in inference mode.
pub fn evaluate(
    net: &Network,
    set: &TensorSet,
    batch_size: usize,
    device: Device,
) -> Result<(Vec<f32>, f64)> {
    let n = set.len();
    let mut probs = Vec::with_capacity(n);
    let mut loss_sum = 0.0;
    tch::no_grad(|| -> Result<()> {
        for start in (0..n).step_by(batch_size.max(1)) {
            let len = batch_size.min(n - start) as i64;
            let x = set.images.narrow(0, start as i64, len).to_device(device);
            let y = set.labels.narrow(0, start as i64, len).to_device(device);
            let logits = net.forward_t(&x, false);
            loss_sum += logits.cross_entropy_for_logits(&y).double_value(&[]) * len as f64;
            let p = logits.softmax(-1, Kind::Float).select(1, 1).to_device(Device::Cpu);
            probs.extend(Vec::<f32>::try_from(&p)?);
        }
        Ok(())
    })?;
    Ok((probs, if n == 0 { 0.0 } else { loss_sum / n as f64 }))
}

/// P(eyeglasses) of every image of `set`, without a loss: the labels are not read, so sets that
/// carry labels the network has no class for (sunglasses, for a two-class model) are fine.
pub fn probabilities(net: &Network, set: &TensorSet, batch_size: usize, device: Device) -> Result<Vec<f32>> {
    let n = set.len();
    let mut probs = Vec::with_capacity(n);
    tch::no_grad(|| -> Result<()> {
        for start in (0..n).step_by(batch_size.max(1)) {
            let len = batch_size.min(n - start) as i64;
            let x = set.images.narrow(0, start as i64, len).to_device(device);
            let p = net.forward_t(&x, false).softmax(-1, Kind::Float).select(1, 1).to_device(Device::Cpu);
            probs.extend(Vec::<f32>::try_from(&p)?);
        }
        Ok(())
    })?;
    Ok(probs)
}

/// Trains (or resumes, or returns a finished run) in `out_dir`, checkpointing every epoch.
/// `extra_negatives` is the pool that `config.extra_negatives_per_epoch` images are drawn from
/// each epoch (required when that is not 0).
#[allow(clippy::too_many_arguments)]
pub fn train(
    config: &TrainConfig,
    data: Option<DataSpec>,
    train_set: &TensorSet,
    val_set: &TensorSet,
    extra_negatives: Option<&TensorSet>,
    teacher: Option<Teacher<'_>>,
    out_dir: &Path,
    device: Device,
    policy: RunPolicy,
) -> Result<RunOutcome> {
    train_weighted(config, data, train_set, val_set, extra_negatives, teacher, None, out_dir, device, policy)
}

/// [`train`] with the balanced sampler drawing each training row, within its class, in
/// proportion to `row_weights` (one per row of `train_set`; hard-negative mining, see
/// [`crate::hard_negatives`]). Needs `config.balanced_sampling`.
#[allow(clippy::too_many_arguments)]
pub fn train_weighted(
    config: &TrainConfig,
    data: Option<DataSpec>,
    train_set: &TensorSet,
    val_set: &TensorSet,
    extra_negatives: Option<&TensorSet>,
    teacher: Option<Teacher<'_>>,
    row_weights: Option<&[f64]>,
    out_dir: &Path,
    device: Device,
    policy: RunPolicy,
) -> Result<RunOutcome> {
    if row_weights.is_some() && !config.balanced_sampling {
        return Err(Error::Config(
            "hard negatives are drawn by the balanced sampler: add --balanced-sampling".into(),
        ));
    }
    validate(config, train_set)?;
    check_teacher(config, train_set, teacher.as_ref())?;
    let extra_pool = match (config.extra_negatives_per_epoch, extra_negatives) {
        (0, _) => None,
        (_, Some(pool)) if !pool.is_empty() => Some(pool),
        (k, _) => {
            return Err(Error::Config(format!(
                "{k} extra negatives per epoch asked for, but there is no pool of further negatives to draw from"
            )));
        }
    };
    let extra_per_epoch = extra_pool.map_or(0, |p| config.extra_negatives_per_epoch.min(p.len()));
    std::fs::create_dir_all(out_dir).map_err(|e| Error::io(out_dir, e))?;
    let ckpt = out_dir.join(CHECKPOINT_FILE);
    let mut meta = RunMeta {
        config: config.clone(),
        data,
        teacher: teacher.as_ref().map(|t| t.path().to_owned()),
        epoch: 0,
        history: Vec::new(),
    };
    tch::manual_seed(config.seed as i64);
    let mut net = Network::with_classes(config.arch()?, config.classes, device)?;
    if let Some(path) = &config.init_weights {
        let report = crate::init::load_pretrained(&net, path)?;
        if !policy.quiet {
            eprintln!("{}: {report}", path.display());
        }
    }
    if let Some(init) = &config.init_from {
        let (start, start_meta, _) = checkpoint::load(&checkpoint::checkpoint_path(init), device)?;
        if start.architecture != net.architecture {
            return Err(Error::Config(format!(
                "--init-from holds a {} run, this run trains {}",
                start.architecture, net.architecture
            )));
        }
        if !start_meta.finished() {
            return Err(Error::run(init, "--init-from needs a finished run".to_owned()));
        }
        net.vs.copy(&start.vs)?;
    }
    if config.prune_fraction > 0.0 {
        prune::magnitude_prune(&net, config.prune_fraction)?;
    }
    net.set_final_relu_grad_leak(config.final_relu_grad_leak);
    let mut opt = AdamW::new(&net.vs, config.weight_decay);
    if ckpt.exists() && !policy.force {
        let old = checkpoint::read_meta(&ckpt)?;
        let differences = differing_settings(&old, &meta);
        if !differences.is_empty() {
            return Err(Error::run(
                &ckpt,
                format!(
                    "a run with other settings is stored here ({}); pick another --out or pass --force to replace it",
                    differences.join(", ")
                ),
            ));
        }
        if !policy.resume {
            let state = if old.finished() { "finished" } else { "unfinished" };
            return Err(Error::run(
                &ckpt,
                format!(
                    "a {state} run is stored here (epoch {}/{}); pass --resume to continue it or --force to replace it",
                    old.epoch, old.config.epochs
                ),
            ));
        }
        let (loaded, old, tensors) = checkpoint::load(&ckpt, device)?;
        net = loaded;
        net.set_final_relu_grad_leak(config.final_relu_grad_leak);
        opt = AdamW::new(&net.vs, config.weight_decay);
        checkpoint::restore_optimizer(&ckpt, &mut opt, &tensors)?;
        meta = old;
    }

    // Pruned weights are zero now (fresh or resumed); the masks keep them there, since AdamW's
    // moments and weight decay would otherwise move them again.
    let masks = if config.prune_fraction > 0.0 { prune::zero_masks(&net) } else { Vec::new() };
    let sampler = match (config.balanced_sampling, row_weights) {
        (false, _) => None,
        (true, None) => Some(ClassSampler::new(&sampling_labels(train_set, teacher.as_ref())?)),
        (true, Some(w)) => Some(ClassSampler::weighted(&sampling_labels(train_set, teacher.as_ref())?, w)?),
    };
    let n = match &sampler {
        Some(_) if config.epoch_size > 0 => config.epoch_size,
        _ => train_set.len() + extra_per_epoch,
    };
    let steps_per_epoch = n.div_ceil(config.batch_size);
    let total_steps = steps_per_epoch * config.epochs;
    let warmup = (steps_per_epoch * config.warmup_epochs).min(total_steps / 2);
    let prep_mean = glasses_core::preprocess::IMAGENET_MEAN;
    let prep_std = glasses_core::preprocess::IMAGENET_STD;
    let augment = match (config.framing_augment, config.robust_augment) {
        (true, _) => Augment::framing_with_gray_hard(config.gray_hard_share),
        (false, true) => Augment::robust(),
        (false, false) => Augment::default(),
    };
    let bar = progress_bar(policy.quiet, total_steps, meta.epoch * steps_per_epoch, &config.architecture);

    let stop_at = policy.stop_after.map_or(config.epochs, |k| (meta.epoch + k).min(config.epochs));
    while meta.epoch < stop_at {
        let epoch = meta.epoch;
        let started = Instant::now();
        // Seeding per epoch makes a resumed run draw the same numbers as an uninterrupted one.
        tch::manual_seed((config.seed as i64).wrapping_mul(1_000_003).wrapping_add(epoch as i64));
        let epoch_set = match extra_pool {
            Some(pool) => with_drawn_negatives(train_set, pool, extra_per_epoch, config.seed, epoch),
            None => train_set.shallow_clone(),
        };
        let mut rng = SplitMix64::new(config.seed ^ ((epoch as u64 + 1) << 32));
        let order: Vec<i64> = match &sampler {
            Some(s) => s.draw(n, &mut rng),
            None => {
                let mut order: Vec<i64> = (0..n as i64).collect();
                rng.shuffle(&mut order);
                order
            }
        };
        let mut loss_sum = 0.0;
        let mut lr = config.lr;
        for (step, chunk) in order.chunks(config.batch_size).enumerate() {
            let idx = Tensor::from_slice(chunk);
            let mut x = epoch_set.images.index_select(0, &idx).to_device(device);
            let y = epoch_set.labels.index_select(0, &idx).to_device(device);
            if config.augment {
                x = augment.apply(&x, prep_mean, prep_std);
            }
            let logits = net.forward_t(&x, true);
            let loss = match &teacher {
                Some(Teacher::Network { network, .. }) => {
                    let t_logits = tch::no_grad(|| network.forward_t(&x, false));
                    distillation_loss(&logits, &t_logits, &y, config.alpha, config.temperature)
                }
                Some(Teacher::Cached { probabilities, .. }) => {
                    let t_log = probabilities.index_select(0, &idx).to_device(device).clamp_min(1e-7).log();
                    distillation_loss(&logits, &t_log, &y, config.alpha, config.temperature)
                }
                None => logits.cross_entropy_for_logits(&y),
            };
            lr = learning_rate(config.lr, epoch * steps_per_epoch + step, warmup, total_steps);
            opt.zero_grad();
            loss.backward();
            opt.step(lr);
            prune::apply_masks(&masks);
            let l = loss.double_value(&[]);
            if !l.is_finite() {
                return Err(Error::Config(format!(
                    "training diverged (loss {l}) at epoch {}; lower --lr",
                    epoch + 1
                )));
            }
            loss_sum += l * chunk.len() as f64;
            bar.inc(1);
        }
        let (probs, val_loss) = evaluate(&net, val_set, 64, device)?;
        let labels = val_set.label_vec()?;
        let val = Metrics::compute(&probs, &labels, 0.5);
        let stats = EpochStats {
            epoch: epoch + 1,
            lr,
            train_loss: loss_sum / n as f64,
            val_loss,
            val,
            seconds: started.elapsed().as_secs_f64(),
        };
        let line = format!(
            "{} epoch {}/{}: loss {:.4}, val loss {:.4}, val F1 {:.4}, AUC {:.4}, lr {:.2e}, {:.1}s",
            config.architecture,
            stats.epoch,
            config.epochs,
            stats.train_loss,
            val_loss,
            val.f1,
            val.auc,
            lr,
            stats.seconds
        );
        bar.set_message(format!("loss {:.3} val F1 {:.3}", stats.train_loss, val.f1));
        if !policy.quiet {
            if bar.is_hidden() { eprintln!("{line}") } else { bar.println(line) }
        }
        meta.history.push(stats);
        meta.epoch += 1;
        checkpoint::save(&ckpt, &net, &opt, &meta)?;
    }
    bar.finish_and_clear();
    let (val_probs, _) = evaluate(&net, val_set, 64, device)?;
    Ok(RunOutcome { network: net, meta, val_probs, val_labels: val_set.label_vec()? })
}

/// The classes the balanced sampler groups rows by: the label, or for an unlabelled row the
/// cached teacher's most probable class (so goggles the teacher calls sunglasses are drawn as
/// often as sunglasses, not as a class of their own).
fn sampling_labels(train_set: &TensorSet, teacher: Option<&Teacher<'_>>) -> Result<Vec<u8>> {
    let labels = Vec::<i64>::try_from(&train_set.labels.to_kind(Kind::Int64))?;
    let guessed = match teacher {
        Some(Teacher::Cached { probabilities, .. }) => Vec::<i64>::try_from(&probabilities.argmax(1, false))?,
        _ => Vec::new(),
    };
    Ok(labels
        .iter()
        .enumerate()
        .map(|(row, &l)| if l >= 0 { l as u8 } else { guessed.get(row).copied().unwrap_or(0) as u8 })
        .collect())
}

/// `name: stored -> requested` for each setting in which a stored run differs from a new one.
fn differing_settings(stored: &RunMeta, requested: &RunMeta) -> Vec<String> {
    let as_map = |meta: &RunMeta| {
        let mut map = match serde_json::to_value(&meta.config) {
            Ok(serde_json::Value::Object(map)) => map,
            _ => serde_json::Map::new(),
        };
        map.insert("data".into(), serde_json::to_value(&meta.data).unwrap_or_default());
        map.insert("teacher".into(), serde_json::to_value(&meta.teacher).unwrap_or_default());
        map
    };
    let (old, new) = (as_map(stored), as_map(requested));
    new.iter()
        .filter(|(key, value)| old.get(key.as_str()) != Some(value))
        .map(|(key, value)| {
            format!("{key}: {} -> {value}", old.get(key.as_str()).unwrap_or(&serde_json::Value::Null))
        })
        .collect()
}

/// The training set plus `k` rows of `pool`, drawn without replacement by a generator seeded
/// with the run seed and the epoch, so a resumed run sees the same draws.
fn with_drawn_negatives(
    train_set: &TensorSet,
    pool: &TensorSet,
    k: usize,
    seed: u64,
    epoch: usize,
) -> TensorSet {
    let mut rows: Vec<usize> = (0..pool.len()).collect();
    SplitMix64::new(seed.rotate_left(17) ^ 0xe7_2a ^ epoch as u64).shuffle(&mut rows);
    rows.truncate(k);
    let drawn = pool.select(&rows);
    TensorSet {
        images: Tensor::cat(&[&train_set.images, &drawn.images], 0),
        labels: Tensor::cat(&[&train_set.labels, &drawn.labels], 0),
    }
}

fn validate(config: &TrainConfig, train_set: &TensorSet) -> Result<()> {
    if config.epochs == 0 || config.batch_size == 0 {
        return Err(Error::Config("--epochs and --batch-size must be positive".into()));
    }
    if !(config.lr > 0.0 && config.lr.is_finite()) {
        return Err(Error::Config(format!("learning rate must be positive, got {}", config.lr)));
    }
    if !(0.0..=1.0).contains(&config.alpha) || config.temperature <= 0.0 {
        return Err(Error::Config(format!(
            "need 0 <= alpha <= 1 and temperature > 0, got alpha {} temperature {}",
            config.alpha, config.temperature
        )));
    }
    if train_set.is_empty() {
        return Err(Error::Config("the training set is empty".into()));
    }
    if config.balanced_sampling && config.extra_negatives_per_epoch > 0 {
        return Err(Error::Config(
            "balanced sampling draws from every training image already; drop --extra-negatives".into(),
        ));
    }
    if let Some(p) = config.gray_hard_share
        && !(0.0..=1.0).contains(&p)
    {
        return Err(Error::Config(format!("--gray-hard-share must be in [0, 1], got {p}")));
    }
    if !(0.0..1.0).contains(&config.prune_fraction) {
        return Err(Error::Config(format!("--prune must be in [0, 1), got {}", config.prune_fraction)));
    }
    Ok(())
}

fn check_teacher(config: &TrainConfig, train_set: &TensorSet, teacher: Option<&Teacher<'_>>) -> Result<()> {
    let unlabelled = Vec::<i64>::try_from(&train_set.labels.to_kind(Kind::Int64))?.iter().any(|&l| l < 0);
    match teacher {
        Some(Teacher::Cached { probabilities, path }) => {
            let size = probabilities.size();
            if size != [train_set.len() as i64, config.classes as i64] {
                return Err(Error::run(
                    path,
                    format!(
                        "teacher labels for {size:?} rows x classes, the training set has {} rows of {} classes",
                        train_set.len(),
                        config.classes
                    ),
                ));
            }
            if config.extra_negatives_per_epoch > 0 {
                return Err(Error::Config(
                    "cached teacher labels cover the training set only; drop --extra-negatives".into(),
                ));
            }
            Ok(())
        }
        _ if unlabelled => Err(Error::Config(
            "unlabelled faces can only learn from cached teacher labels (--soft-labels)".into(),
        )),
        _ => Ok(()),
    }
}

fn progress_bar(quiet: bool, total: usize, done: usize, name: &str) -> ProgressBar {
    if quiet {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(total as u64);
    if let Ok(style) = ProgressStyle::with_template(
        "{prefix} [{elapsed_precise}] {wide_bar} {pos}/{len} steps, eta {eta} {msg}",
    ) {
        bar.set_style(style);
    }
    bar.set_prefix(name.to_owned());
    bar.set_position(done as u64);
    bar
}
