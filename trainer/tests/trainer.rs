//! End-to-end behaviour of the trainer on tiny generated images (CPU, a few seconds).

mod common;

use common::{H, W, config, quiet, tiny_data, tiny_split};

use std::path::Path;

use glasses_core::export::{Architecture, ExportOptions};
use glasses_core::{Classifier, ClassifierOptions};
use glasses_trainer::data::{Dataset, TensorSet, load_tensor};
use glasses_trainer::export::{export_network, onnx_probabilities, preprocessing_of};
use glasses_trainer::model::Network;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::train::{Teacher, distillation_loss, evaluate, train};
use tch::{Device, Kind, Tensor};

#[test]
fn training_lowers_the_loss() {
    let (dir, train_set, _) = tiny_split(12);
    for arch in [Architecture::SqueezeNet1_1, Architecture::ResNet18] {
        let mut cfg = config(arch, 6);
        cfg.augment = false;
        tch::manual_seed(cfg.seed as i64);
        let fresh = Network::new(arch, Device::Cpu).expect("network");
        let (_, before) = evaluate(&fresh, &train_set, 32, Device::Cpu).expect("eval");
        let run = dir.path().join(format!("run-{arch}"));
        let out =
            train(&cfg, None, &train_set, &train_set, None, None, &run, Device::Cpu, quiet()).expect("train");
        let (_, after) = evaluate(&out.network, &train_set, 32, Device::Cpu).expect("eval");
        assert!(after < 0.8 * before, "{arch}: loss {before:.4} -> {after:.4}");
        assert!(run.join("checkpoint.ot").is_file());
    }
}

#[test]
fn export_gives_the_same_probabilities_as_tch() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    // Odd sizes exercise ceil-mode pooling and padding in the exported graph.
    let (w, h) = (45u32, 53u32);
    common::write_dataset(dir.path(), 6, 60, 70);
    let options = DataOptions::single(dir.path().to_owned(), 1, 3, w, h);
    let data = Prepared::load(&options).expect("data");
    let (train_set, val_set) = data.split(0).expect("split");
    for arch in [Architecture::SqueezeNet1_1, Architecture::ResNet18] {
        let mut cfg = config(arch, 2);
        cfg.input_width = w;
        cfg.input_height = h;
        cfg.lr = 5e-3;
        let run = dir.path().join(format!("x-{arch}"));
        let out =
            train(&cfg, None, &train_set, &val_set, None, None, &run, Device::Cpu, quiet()).expect("train");
        let (tch_probs, _) = evaluate(&out.network, &train_set, 16, Device::Cpu).expect("eval");
        let mut opts = ExportOptions::new(arch, w);
        opts.input_height = h;
        let onnx = export_network(&out.network, &opts).expect("export");
        let onnx_probs = onnx_probabilities(&onnx, &train_set).expect("classify");
        let spread = tch_probs.iter().fold(0f32, |m, p| m.max((p - 0.5).abs()));
        assert!(spread > 1e-3, "{arch}: outputs carry no signal ({tch_probs:?})");
        for (a, b) in tch_probs.iter().zip(&onnx_probs) {
            assert!((a - b).abs() < 1e-4, "{arch}: tch {a} vs onnx {b}");
        }
        // Logits too, straight from core's classifier.
        let classifier = Classifier::from_bytes(&onnx, ClassifierOptions::default()).expect("load");
        let x = train_set.images.get(0);
        let row = Vec::<f32>::try_from(&x.view([-1])).expect("row");
        let core_logits = classifier.logits(&row).expect("logits");
        let tch_logits = tch::no_grad(|| out.network.forward_t(&x.unsqueeze(0), false));
        let tch_logits = Vec::<f32>::try_from(&tch_logits.view([-1])).expect("logits");
        for (a, b) in core_logits.iter().zip(&tch_logits) {
            assert!(
                (a - b).abs() < 1e-4 * (1.0 + b.abs()),
                "{arch}: logits {core_logits:?} vs {tch_logits:?}"
            );
        }
    }
}

#[test]
fn distillation_step_runs_and_loss_behaves() {
    tch::set_num_threads(1);
    let s = Tensor::from_slice(&[1.0f32, -1.0, 0.5, 2.0]).view([2, 2]);
    let y = Tensor::from_slice(&[0i64, 1]);
    let ce = s.cross_entropy_for_logits(&y).double_value(&[]);
    let pure_ce = distillation_loss(&s, &s, &y, 0.0, 4.0).double_value(&[]);
    assert!((ce - pure_ce).abs() < 1e-6);
    // Student equal to teacher: the soft term vanishes.
    let same = distillation_loss(&s, &s, &y, 1.0, 4.0).double_value(&[]);
    assert!(same.abs() < 1e-6, "{same}");
    let other = distillation_loss(&s, &(-&s), &y, 1.0, 4.0).double_value(&[]);
    assert!(other > 1e-3);

    let (dir, train_set, val_set) = tiny_split(6);
    let teacher_net = Network::new(Architecture::ResNet18, Device::Cpu).expect("teacher");
    let mut cfg = config(Architecture::SqueezeNet1_1, 1);
    cfg.alpha = 0.7;
    let teacher = Teacher::Network { network: &teacher_net, path: dir.path().join("teacher.ot") };
    let out = train(
        &cfg,
        None,
        &train_set,
        &val_set,
        None,
        Some(teacher),
        &dir.path().join("kd"),
        Device::Cpu,
        quiet(),
    )
    .expect("distilled epoch");
    assert!(out.meta.history[0].train_loss.is_finite());
    assert_eq!(out.meta.teacher.as_deref(), Some(dir.path().join("teacher.ot").as_path()));
}

#[test]
fn trainer_input_tensor_equals_cores() {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("face.png");
    common::face(89, 109, true, 5).save(&path).expect("png");
    let mut opts = ExportOptions::new(Architecture::SqueezeNet1_1, 64);
    opts.input_height = 80;
    let model =
        glasses_core::export::export_onnx(&glasses_core::export::random_weights(opts.architecture, 1), &opts)
            .expect("export");
    let classifier = Classifier::from_bytes(&model, ClassifierOptions::default()).expect("load");
    let prep = *classifier.preprocessing();
    assert_eq!(prep, preprocessing_of(&opts));
    let bytes = std::fs::read(&path).expect("read");
    let core =
        prep.tensor_from_encoded(&bytes, glasses_core::preprocess::DEFAULT_MAX_PIXELS).expect("core tensor");
    let ours = load_tensor(&path, &prep).expect("trainer tensor");
    assert_eq!(core, ours);
    // And the batch tensor the training loop reads holds the same numbers.
    common::write_dataset(dir.path(), 2, 89, 109);
    let ds = Dataset::scan(dir.path()).expect("scan");
    let set = TensorSet::load(&ds, &[0], &prep).expect("load");
    let row = Vec::<f32>::try_from(&set.images.get(0).to_kind(Kind::Float).view([-1])).expect("row");
    assert_eq!(
        row,
        prep.tensor_from_encoded(&std::fs::read(&ds.samples[0].path).expect("read"), u64::MAX).expect("core")
    );
}

#[test]
fn bad_data_folders_name_the_culprit() {
    let dir = tempfile::tempdir().expect("tempdir");
    let root = dir.path();
    let opts = |p: &Path| DataOptions::single(p.to_owned(), 1, 2, 32, 32);

    let err = Prepared::load(&opts(&root.join("nope"))).expect_err("missing folder");
    assert!(err.to_string().contains("nope"), "{err}");

    std::fs::create_dir_all(root.join("1")).expect("mkdir");
    common::face(40, 40, true, 1).save(root.join("1/a.png")).expect("png");
    let err = Prepared::load(&opts(root)).expect_err("missing 0/");
    assert!(err.to_string().contains("missing class folder `0/`"), "{err}");

    std::fs::create_dir_all(root.join("0")).expect("mkdir");
    std::fs::write(root.join("0/notes.txt"), "not an image").expect("write");
    let err = Prepared::load(&opts(root)).expect_err("empty 0/");
    assert!(err.to_string().contains("no images") && err.to_string().contains('0'), "{err}");

    common::write_dataset(root, 3, 40, 40);
    std::fs::write(root.join("1/broken.jpg"), b"\xff\xd8\xff garbage").expect("write");
    let err = Prepared::load(&opts(root)).expect_err("corrupt image");
    assert!(err.to_string().contains("broken.jpg"), "{err}");
}

#[test]
fn manifest_identities_keep_folds_disjoint() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dataset(dir.path(), 8, 40, 40);
    // Two images per person; other folders and files are ignored.
    let csv = common::dataset_manifest(8, |label, i| label * 100 + i / 2);
    std::fs::write(dir.path().join("manifest.csv"), csv).expect("manifest");
    std::fs::create_dir_all(dir.path().join("sunglasses")).expect("mkdir");
    common::face(40, 40, true, 9).save(dir.path().join("sunglasses/x.png")).expect("png");
    let ds = Dataset::scan(dir.path()).expect("scan");
    assert_eq!(ds.samples.len(), 16);
    let balanced = ds.balanced_indices(1);
    let folds = glasses_trainer::data::identity_folds(&ds, &balanced, 4, 1).expect("folds");
    for (a, fa) in folds.iter().enumerate() {
        for fb in &folds[a + 1..] {
            let ia = glasses_trainer::data::identities(&ds, fa);
            let ib = glasses_trainer::data::identities(&ds, fb);
            assert!(ia.is_disjoint(&ib));
        }
        assert_eq!(ds.counts(fa), [2, 2, 0], "fold {a} is not balanced");
    }
}

#[test]
fn report_writes_json_and_pictures() {
    let (dir, train_set, val_set) = tiny_split(4);
    let out = train(
        &config(Architecture::SqueezeNet1_1, 1),
        None,
        &train_set,
        &val_set,
        None,
        None,
        &dir.path().join("r"),
        Device::Cpu,
        quiet(),
    )
    .expect("train");
    let run = dir.path().join("r");
    glasses_trainer::report::write(
        &run,
        &out.meta,
        &out.val_probs,
        &out.val_labels,
        serde_json::json!({"x": 1}),
    )
    .expect("report");
    for f in ["metrics.json", "loss.png", "f1.png", "roc.png", "confusion.png"] {
        let len = std::fs::metadata(run.join(f)).map(|m| m.len()).unwrap_or(0);
        assert!(len > 100, "{f} missing or empty");
    }
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(run.join("metrics.json")).expect("read")).expect("json");
    assert_eq!(json["run"]["epoch"], 1);
}

#[test]
fn leaky_gradient_relu_is_relu_forward_and_leaks_backward() {
    let z = Tensor::from_slice(&[-2.0f32, -0.5, 0.0, 0.5, 3.0]).set_requires_grad(true);
    let y = glasses_trainer::model::relu_with_leaky_gradient(&z, 0.1);
    assert_eq!(
        Vec::<f32>::try_from(&y.detach()).expect("y"),
        Vec::<f32>::try_from(&z.detach().relu()).expect("relu")
    );
    y.sum(Kind::Float).backward();
    let g = Vec::<f32>::try_from(&z.grad()).expect("grad");
    assert_eq!(g, vec![0.1, 0.1, 0.0, 1.0, 1.0]);
}

#[test]
fn further_negatives_split_into_a_training_pool_and_a_held_out_check() {
    let dir = tempfile::tempdir().expect("tempdir");
    common::write_dataset(dir.path(), 6, 40, 40);
    // 40 more negatives of 20 people (two images each), outside the balanced set.
    let mut csv = common::dataset_manifest(6, |label, i| label * 100 + i);
    for i in 0..40u64 {
        common::face(40, 40, false, 5000 + i)
            .save(dir.path().join(format!("0/more{i:03}.png")))
            .expect("png");
        csv.push_str(&format!("more{i:03}.png,0,{}\n", 1000 + i / 2));
    }
    std::fs::write(dir.path().join("manifest.csv"), csv).expect("manifest");
    let options = DataOptions::single(dir.path().to_owned(), 5, 3, W, H);
    let data = Prepared::load(&options).expect("load");
    for fold in 0..3 {
        let pool = data.training_negative_indices(fold).expect("pool");
        let check = data.check_negative_indices(fold).expect("check");
        let (_, val) = glasses_trainer::data::fold_split(&data.folds, fold);
        let ids = |idx: &[usize]| glasses_trainer::data::identities(&data.dataset, idx);
        assert!(
            ids(&pool).is_disjoint(&ids(&check)),
            "fold {fold}: a person is in both the pool and the check"
        );
        assert!(ids(&pool).is_disjoint(&ids(&val)), "fold {fold}: the pool holds validation people");
        for i in pool.iter().chain(&check) {
            assert_eq!(data.dataset.samples[*i].label, 0);
            assert!(!data.balanced.contains(i), "fold {fold}: image {i} is in the balanced set");
        }
        // The seeded coin sends some of the 20 people each way.
        assert!(
            !pool.is_empty() && !check.is_empty(),
            "fold {fold}: pool {} check {}",
            pool.len(),
            check.len()
        );
        assert_eq!(data.training_negatives(fold).expect("tensors").len(), pool.len());
    }
    assert_eq!(
        data.check_negative_indices(0).expect("check"),
        Prepared::load(&options).expect("reload").check_negative_indices(0).expect("check"),
        "the check set must not depend on anything but the data and the seed"
    );
}

#[test]
fn further_negatives_join_every_epoch() {
    let (dir, train_set, val_set) = tiny_split(4);
    let pool = train_set.select(&[0, 1, 2]);
    let mut cfg = config(Architecture::SqueezeNet1_1, 1);
    cfg.extra_negatives_per_epoch = 2;
    let err =
        train(&cfg, None, &train_set, &val_set, None, None, &dir.path().join("a"), Device::Cpu, quiet())
            .expect_err("no pool");
    assert!(err.to_string().contains("no pool"), "{err}");
    let with = train(
        &cfg,
        None,
        &train_set,
        &val_set,
        Some(&pool),
        None,
        &dir.path().join("b"),
        Device::Cpu,
        quiet(),
    )
    .expect("train with pool");
    let mut plain = cfg.clone();
    plain.extra_negatives_per_epoch = 0;
    let without =
        train(&plain, None, &train_set, &val_set, None, None, &dir.path().join("c"), Device::Cpu, quiet())
            .expect("train without");
    assert_ne!(
        with.meta.history[0].train_loss, without.meta.history[0].train_loss,
        "the drawn negatives must take part in the epoch"
    );
}

#[test]
fn pruned_fine_tuning_starts_from_the_run_and_keeps_its_zeros() {
    let dir = tempfile::tempdir().expect("tmp");
    let prepared = tiny_data(&dir.path().join("data"), 12);
    let (train_set, val_set) = prepared.split(0).expect("split");
    let base_dir = dir.path().join("base");
    let base_cfg = config(Architecture::SqueezeNet1_1, 2);
    let base = train(&base_cfg, None, &train_set, &val_set, None, None, &base_dir, Device::Cpu, quiet())
        .expect("base run");

    let mut cfg = config(Architecture::SqueezeNet1_1, 2);
    cfg.init_from = Some(base_dir.clone());
    cfg.prune_fraction = 0.5;
    let tuned_dir = dir.path().join("tuned");
    let tuned =
        train(&cfg, None, &train_set, &val_set, None, None, &tuned_dir, Device::Cpu, quiet()).expect("tuned");
    // Two epochs of updates later, each prunable layer still has half its weights at zero, and
    // the others moved from where the base run left them.
    let base_vars = base.network.vs.variables();
    for (name, w) in tuned.network.vs.variables() {
        if name.ends_with(".weight") && w.dim() >= 2 {
            let n = w.numel() as i64;
            let zeros = glasses_trainer::prune::zero_count(&w);
            assert!(zeros >= n / 2 && zeros <= n / 2 + 2, "{name}: {zeros} of {n} zero");
            assert!(!w.equal(&base_vars[&name]), "{name} did not train");
        }
    }
    // The checkpoint on disk holds the pruned weights too.
    let (loaded, meta, _) =
        glasses_trainer::checkpoint::load(&tuned_dir.join("checkpoint.ot"), Device::Cpu).expect("load");
    assert_eq!(meta.config.prune_fraction, 0.5);
    let (lv, tv) = (loaded.vs.variables(), tuned.network.vs.variables());
    assert!(lv.iter().all(|(name, t)| t.equal(&tv[name])), "the checkpoint differs from the trained network");

    // A run that is not finished cannot be a starting point, and the fraction must be below 1.
    let unfinished = dir.path().join("unfinished");
    let stop = glasses_trainer::train::RunPolicy { stop_after: Some(1), ..quiet() };
    train(
        &config(Architecture::SqueezeNet1_1, 3),
        None,
        &train_set,
        &val_set,
        None,
        None,
        &unfinished,
        Device::Cpu,
        stop,
    )
    .expect("one epoch");
    cfg.init_from = Some(unfinished);
    let err =
        train(&cfg, None, &train_set, &val_set, None, None, &dir.path().join("x"), Device::Cpu, quiet())
            .expect_err("unfinished start");
    assert!(err.to_string().contains("finished run"), "{err}");
    cfg.init_from = None;
    cfg.prune_fraction = 1.0;
    let err =
        train(&cfg, None, &train_set, &val_set, None, None, &dir.path().join("y"), Device::Cpu, quiet())
            .expect_err("fraction 1");
    assert!(err.to_string().contains("--prune"), "{err}");
}
