//! Hard-negative mining: a mined score file turns into sampling weights for the training rows
//! (refusing files mined on another fold), the balanced sampler draws the hard faces more often,
//! the same rows for the same seed, and `glasses-trainer mine` scores the training folds only.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use glasses_trainer::data::{SUNGLASSES, Sample};
use glasses_trainer::hard_negatives::{hard_counts, row_weights};
use glasses_trainer::rng::SplitMix64;
use glasses_trainer::sampler::ClassSampler;
use glasses_trainer::soft_labels::{SoftLabels, image_key};

fn sample(folder: &str, n: usize, label: u8) -> Sample {
    Sample {
        path: PathBuf::from(format!("/data/celeba/{folder}/{n:06}.jpg")),
        label,
        identity: format!("id:{n}"),
    }
}

/// 40 bare faces (the first 4 called eyeglasses by the miner), 20 eyeglasses faces (the first 2
/// called sunglasses), 10 sunglasses faces (none called eyeglasses), and the scores.
fn mined() -> (Vec<Sample>, SoftLabels) {
    let mut samples = Vec::new();
    let mut rows = BTreeMap::new();
    for n in 0..40 {
        let s = sample("0", n, 0);
        let p = if n < 4 { vec![0.05, 0.95, 0.0] } else { vec![0.98, 0.01, 0.01] };
        rows.insert(image_key(&s.path), p);
        samples.push(s);
    }
    for n in 100..120 {
        let s = sample("1", n, 1);
        let p = if n < 102 { vec![0.0, 0.1, 0.9] } else { vec![0.02, 0.97, 0.01] };
        rows.insert(image_key(&s.path), p);
        samples.push(s);
    }
    for n in 200..210 {
        let s = sample("sunglasses", n, SUNGLASSES);
        rows.insert(image_key(&s.path), vec![0.01, 0.02, 0.97]);
        samples.push(s);
    }
    (samples, SoftLabels::from_rows(3, vec!["miner".into()], rows).expect("rows"))
}

fn refs(samples: &[Sample]) -> Vec<&Sample> {
    samples.iter().collect()
}

#[test]
fn hard_faces_get_the_factor_and_easy_ones_about_one() {
    let (samples, scores) = mined();
    let w = row_weights(&scores, &refs(&samples), &[], 8.0, Path::new("mined.csv")).expect("weights");
    assert!((w[0] - (1.0 + 7.0 * 0.95)).abs() < 1e-6, "a bare face called eyeglasses: {}", w[0]);
    assert!((w[10] - (1.0 + 7.0 * 0.01)).abs() < 1e-6, "an easy bare face: {}", w[10]);
    assert!((w[40] - (1.0 + 7.0 * 0.9)).abs() < 1e-6, "eyeglasses called sunglasses: {}", w[40]);
    assert!((w[45] - (1.0 + 7.0 * 0.01)).abs() < 1e-6, "easy eyeglasses: {}", w[45]);
    assert!(w[60] < 1.2, "sunglasses the miner gets right: {}", w[60]);
    let (hard, all) = hard_counts(&scores, &refs(&samples));
    assert_eq!((hard, all), ([4, 2, 0], [40, 20, 10]));
}

#[test]
fn sampler_draws_hard_faces_more_often_and_the_same_rows_per_seed() {
    let (samples, scores) = mined();
    let labels: Vec<u8> = samples.iter().map(|s| s.label).collect();
    let w = row_weights(&scores, &refs(&samples), &[], 8.0, Path::new("mined.csv")).expect("weights");
    let sampler = ClassSampler::weighted(&labels, &w).expect("sampler");
    let rows = sampler.draw(30_000, &mut SplitMix64::new(5));
    let mut per_row = vec![0usize; samples.len()];
    for &r in &rows {
        per_row[r as usize] += 1;
    }
    let class_total =
        |l: u8| labels.iter().zip(&per_row).filter(|(x, _)| **x == l).map(|(_, c)| c).sum::<usize>();
    for l in 0..3 {
        assert!((9_000..11_000).contains(&class_total(l)), "classes stay balanced: {per_row:?}");
    }
    // Bare faces: 4 hard of weight 7.65 and 36 easy of 1.07: the hard ones take ~44 % of the
    // class's draws, each about 7 times an easy one (uniform would give 10 %).
    let hard_bare: usize = per_row[..4].iter().sum();
    let easy_bare = per_row[4..40].iter().sum::<usize>() as f64 / 36.0;
    assert!((3_900..4_900).contains(&hard_bare), "{hard_bare} of ~10,000");
    let ratio = hard_bare as f64 / 4.0 / easy_bare;
    assert!((5.5..9.0).contains(&ratio), "hard / easy draws per face {ratio:.2}");
    let hard_glasses: usize = per_row[40..42].iter().sum();
    assert!(hard_glasses > 3 * 10_000 / 20, "dark frames drawn more often: {hard_glasses}");

    let again = sampler.draw(30_000, &mut SplitMix64::new(5));
    assert_eq!(rows, again, "the same seed draws the same rows");
    let other = sampler.draw(30_000, &mut SplitMix64::new(6));
    assert_ne!(rows, other, "another seed draws others");
    let uniform = ClassSampler::new(&labels).draw(30_000, &mut SplitMix64::new(5));
    let uniform_hard = uniform.iter().filter(|&&r| r < 4).count();
    assert!(uniform_hard < 1_400, "without weights the hard bare faces get ~10 %: {uniform_hard}");
}

#[test]
fn files_mined_on_another_fold_or_missing_faces_are_refused() {
    let (samples, scores) = mined();
    let (train, validation) = samples.split_at(50);
    let err = row_weights(&scores, &refs(train), &refs(validation), 8.0, Path::new("mined.csv"))
        .expect_err("a scored validation face");
    assert!(err.to_string().contains("validation face"), "{err}");
    let mut more = refs(train);
    let stranger = sample("0", 999, 0);
    more.push(&stranger);
    let err = row_weights(&scores, &more, &[], 8.0, Path::new("mined.csv")).expect_err("unscored face");
    assert!(err.to_string().contains("no score") && err.to_string().contains("000999"), "{err}");
    let err = row_weights(&scores, &refs(train), &[], 0.5, Path::new("mined.csv")).expect_err("factor");
    assert!(err.to_string().contains("at least 1"), "{err}");
}

#[test]
fn mine_scores_the_training_folds_only() {
    use glasses_core::export::{Architecture, WeightPrecision};
    use glasses_trainer::export::{export_network, options_for};
    use glasses_trainer::model::Network;
    let dir = tempfile::tempdir().expect("tempdir");
    let data_dir = dir.path().join("faces");
    let data = common::tiny_data(&data_dir, 12);
    tch::manual_seed(3);
    let net = Network::new(Architecture::SqueezeNet1_1, tch::Device::Cpu).expect("network");
    let model = dir.path().join("model.onnx");
    let meta = glasses_trainer::checkpoint::RunMeta {
        config: common::config(Architecture::SqueezeNet1_1, 1),
        data: None,
        teacher: None,
        epoch: 1,
        history: vec![],
    };
    let bytes = export_network(&net, &options_for(&net, &meta, WeightPrecision::F32, Default::default()))
        .expect("export");
    std::fs::write(&model, bytes).expect("write model");
    let out = dir.path().join("mined.csv");
    let run = |extra: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_glasses-trainer"))
            .arg("mine")
            .arg("--model")
            .arg(&model)
            .arg("--images-path")
            .arg(&data_dir)
            .args(["--input-width", &common::W.to_string(), "--input-height", &common::H.to_string()])
            .args(["--seed", "3", "--folds", "4", "--val-fold", "1", "--threads", "1", "--out"])
            .arg(&out)
            .args(extra)
            .output()
            .expect("run glasses-trainer")
    };
    let done = run(&[]);
    assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
    let scores = SoftLabels::read(&out).expect("reads back");
    let (train, val) = data.fold_indices(1).expect("fold 1");
    let samples = &data.dataset.samples;
    assert_eq!(scores.len(), train.len());
    assert!(train.iter().all(|&i| scores.get(&samples[i].path).is_some()));
    assert!(val.iter().all(|&i| scores.get(&samples[i].path).is_none()), "validation faces unscored");
    assert!(scores.teachers.iter().any(|t| t.contains("fold 1 of 4")), "{:?}", scores.teachers);
    let again = run(&[]);
    assert!(!again.status.success(), "an existing file is kept without --force");
    assert!(String::from_utf8_lossy(&again.stderr).contains("--force"));
}

#[test]
fn a_weighted_run_records_its_mined_file_and_refuses_other_settings() {
    use glasses_core::export::Architecture;
    use glasses_trainer::checkpoint;
    use glasses_trainer::train::train_weighted;
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let data = common::tiny_data(&dir.path().join("faces"), 6);
    let (train_set, val_set) = data.split(0).expect("split");
    let weights: Vec<f64> = (0..train_set.len()).map(|r| if r % 3 == 0 { 8.0 } else { 1.0 }).collect();
    let mut cfg = common::config(Architecture::SqueezeNet1_1, 1);
    cfg.epoch_size = 16;
    cfg.hard_negatives = Some(PathBuf::from("mined.csv"));
    cfg.hard_negative_factor = 8.0;
    let out = dir.path().join("run");
    let run = |cfg: &glasses_trainer::checkpoint::TrainConfig| {
        train_weighted(
            cfg,
            None,
            &train_set,
            &val_set,
            None,
            None,
            Some(&weights),
            &out,
            tch::Device::Cpu,
            common::quiet(),
        )
    };
    let err = run(&cfg).expect_err("needs the balanced sampler");
    assert!(err.to_string().contains("--balanced-sampling"), "{err}");
    cfg.balanced_sampling = true;
    let done = run(&cfg).expect("trains");
    assert_eq!(done.meta.epoch, 1);
    let meta = checkpoint::read_meta(&out.join("checkpoint.ot")).expect("meta");
    assert_eq!(meta.config.hard_negatives.as_deref(), Some(Path::new("mined.csv")));
    assert_eq!(meta.config.hard_negative_factor, 8.0);
    cfg.hard_negative_factor = 4.0;
    let err = run(&cfg).expect_err("another factor is another run");
    assert!(err.to_string().contains("hard_negative_factor"), "{err}");
    let short = &weights[..weights.len() - 1];
    let err = train_weighted(
        &cfg,
        None,
        &train_set,
        &val_set,
        None,
        None,
        Some(short),
        &dir.path().join("other"),
        tch::Device::Cpu,
        common::quiet(),
    )
    .expect_err("one weight per row");
    assert!(err.to_string().contains("sampling weights"), "{err}");
}
