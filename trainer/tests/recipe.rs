//! The ImageNet start (`--init`), several data folders split by person over their union, the
//! three-class head with sunglasses, class-balanced sampling and the check sets.

mod common;

use common::{H, W, config, face, quiet};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use glasses_core::contract::{self, ResizeMode};
use glasses_core::export::{Architecture, WeightPrecision};
use glasses_core::image::{Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};
use glasses_trainer::checks::{CheckReport, ValidationParts, Variant};
use glasses_trainer::data::{Dataset, SUNGLASSES, identities};
use glasses_trainer::export::{export_network, onnx_probabilities, options_for};
use glasses_trainer::init::load_pretrained;
use glasses_trainer::model::Network;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::rng::SplitMix64;
use glasses_trainer::train::{ClassSampler, evaluate, train};
use tch::{Device, Kind, Tensor};

/// A torchvision-like SqueezeNet file: every feature tensor of a fresh network, plus a
/// 1,000-class head, with `edit` applied to the list first.
fn imagenet_like_file(dir: &Path, edit: impl FnOnce(&mut Vec<(String, Tensor)>)) -> (PathBuf, Network) {
    tch::manual_seed(11);
    let source = Network::new(Architecture::SqueezeNet1_1, Device::Cpu).expect("network");
    let mut tensors: Vec<(String, Tensor)> = source
        .vs
        .variables()
        .into_iter()
        .filter(|(n, _)| !n.starts_with("classifier."))
        .map(|(n, t)| (n, t.detach().copy()))
        .collect();
    tensors
        .push(("classifier.1.weight".into(), Tensor::randn([1000, 512, 1, 1], (Kind::Float, Device::Cpu))));
    tensors.push(("classifier.1.bias".into(), Tensor::zeros([1000], (Kind::Float, Device::Cpu))));
    edit(&mut tensors);
    let path = dir.join("weights.safetensors");
    Tensor::write_safetensors(&tensors, &path).expect("write safetensors");
    (path, source)
}

#[test]
fn init_copies_every_feature_tensor_and_recreates_the_head() {
    let dir = tempfile::tempdir().expect("tempdir");
    let (path, source) = imagenet_like_file(dir.path(), |_| {});
    tch::manual_seed(99);
    let net = Network::with_classes(Architecture::SqueezeNet1_1, 3, Device::Cpu).expect("network");
    let report = load_pretrained(&net, &path).expect("loads");
    assert_eq!(report.loaded, 50, "{report}");
    let heads: Vec<&str> = report.reinitialised_head.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(heads, ["classifier.1.bias", "classifier.1.weight"]);
    assert!(report.to_string().contains("re-created"), "{report}");
    let (want, got) = (source.vs.variables(), net.vs.variables());
    for (name, t) in &got {
        if name.starts_with("classifier.") {
            assert_eq!(t.size()[0], 3, "{name} keeps this model's 3 classes");
        } else {
            assert!(t.equal(&want[name]), "{name} was not copied");
        }
    }
}

#[test]
fn init_names_a_misshapen_missing_or_foreign_tensor() {
    let dir = tempfile::tempdir().expect("tempdir");
    let net = Network::with_classes(Architecture::SqueezeNet1_1, 2, Device::Cpu).expect("network");
    type Edit = Box<dyn FnOnce(&mut Vec<(String, Tensor)>)>;
    let cases: [(&str, Edit, &str); 3] = [
        (
            "wrong shape",
            Box::new(|t| {
                let i = t.iter().position(|(n, _)| n == "features.0.weight").expect("present");
                t[i].1 = Tensor::zeros([32, 3, 3, 3], (Kind::Float, Device::Cpu));
            }),
            "`features.0.weight` has shape [32, 3, 3, 3]",
        ),
        (
            "missing",
            Box::new(|t| t.retain(|(n, _)| n != "features.3.squeeze.bias")),
            "lacks tensor `features.3.squeeze.bias`",
        ),
        (
            "foreign",
            Box::new(|t| {
                t.push(("layer1.0.conv1.weight".into(), Tensor::zeros([1], (Kind::Float, Device::Cpu))))
            }),
            "`layer1.0.conv1.weight` is not a parameter",
        ),
    ];
    for (what, edit, needle) in cases {
        let sub = dir.path().join(what.replace(' ', "_"));
        std::fs::create_dir_all(&sub).expect("mkdir");
        let (path, _) = imagenet_like_file(&sub, edit);
        let err = load_pretrained(&net, &path).expect_err(what);
        assert!(err.to_string().contains(needle), "{what}: {err}");
    }
    let err = load_pretrained(&net, &dir.path().join("absent.safetensors")).expect_err("absent");
    assert!(err.to_string().contains("absent.safetensors"), "{err}");
    std::fs::write(dir.path().join("junk.safetensors"), b"not a safetensors file").expect("write");
    let err = load_pretrained(&net, &dir.path().join("junk.safetensors")).expect_err("junk");
    assert!(err.to_string().contains("safetensors"), "{err}");
}

#[test]
fn init_reads_the_shared_imagenet_squeezenet() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../shared/pretrained/squeezenet1_1-imagenet.safetensors");
    if !path.is_file() {
        eprintln!(
            "SKIPPED: {} is absent (the ImageNet weights live in ../shared/pretrained)",
            path.display()
        );
        return;
    }
    let net = Network::with_classes(Architecture::SqueezeNet1_1, 3, Device::Cpu).expect("network");
    let report = load_pretrained(&net, &path).expect("the shared file loads");
    assert_eq!(report.loaded, 50, "{report}");
    assert_eq!(report.reinitialised_head.len(), 2, "{report}");
}

/// Two data folders whose manifests share people, the second with sunglasses.
fn two_roots(dir: &Path) -> Vec<PathBuf> {
    let mut roots = Vec::new();
    for (r, (neg, pos, sun)) in [(8usize, 4usize, 0usize), (2, 10, 6)].into_iter().enumerate() {
        let root = dir.join(format!("root{r}"));
        let mut csv = String::from("file,folder,identity\n");
        for (folder, n) in [("0", neg), ("1", pos), ("sunglasses", sun)] {
            if n == 0 {
                continue;
            }
            std::fs::create_dir_all(root.join(folder)).expect("mkdir");
            for i in 0..n {
                let file = format!("r{r}_{folder}_{i:02}.png");
                let mut img = face(44, 50, folder != "0", (r * 100 + i) as u64 + folder.len() as u64 * 7);
                if folder == "sunglasses" {
                    for (x, y, px) in img.enumerate_pixels_mut() {
                        if (15..22).contains(&y) && (6..38).contains(&x) {
                            *px = Rgb([5, 5, 5]);
                        }
                    }
                }
                img.save(root.join(folder).join(&file)).expect("png");
                // People 0..5 appear in both folders.
                csv.push_str(&format!("{file},{folder},{}\n", i % 6));
            }
        }
        std::fs::write(root.join("manifest.csv"), csv).expect("manifest");
        roots.push(root);
    }
    roots
}

fn three_class_options(roots: Vec<PathBuf>) -> DataOptions {
    DataOptions {
        images_paths: roots,
        all_data: true,
        sunglasses: true,
        resize: ResizeMode::CenterCrop,
        split_seed: 4,
        folds: 3,
        input_width: W,
        input_height: H,
    }
}

#[test]
fn several_roots_are_split_by_person_over_their_union() {
    let dir = tempfile::tempdir().expect("tempdir");
    let roots = two_roots(dir.path());
    let data = Prepared::load(&three_class_options(roots.clone())).expect("loads");
    assert_eq!(data.dataset.samples.len(), 8 + 4 + 2 + 10 + 6, "every image of both folders, sunglasses too");
    assert_eq!(data.dataset.counts(&data.dataset.all_indices()), [10, 14, 6]);
    assert!(data.dataset.samples.iter().any(|s| s.label == SUNGLASSES));
    // The same person in both folders is one identity, in one fold.
    for a in 0..3 {
        for b in a + 1..3 {
            let (fa, fb) =
                (identities(&data.dataset, &data.folds[a]), identities(&data.dataset, &data.folds[b]));
            assert!(fa.is_disjoint(&fb), "folds {a} and {b} share people");
        }
    }
    let people: BTreeSet<&str> = data.dataset.samples.iter().map(|s| s.identity.as_str()).collect();
    assert_eq!(people.len(), 6, "identities are shared across the folders: {people:?}");
    // Without --sunglasses the sunglasses folder is ignored; without --all-data the balanced set.
    let two = Dataset::scan_roots(&roots, false).expect("scan");
    assert_eq!(two.counts(&two.all_indices()), [10, 14, 0]);
    let mut balanced = three_class_options(roots);
    balanced.all_data = false;
    balanced.sunglasses = false;
    let b = Prepared::load(&balanced).expect("balanced");
    assert_eq!(
        b.dataset.counts(&b.balanced),
        [10, 14, 0],
        "all positives and as many negatives as there are"
    );
}

#[test]
fn class_sampler_draws_every_class_equally() {
    let labels: Vec<u8> = [vec![0u8; 90], vec![1u8; 9], vec![2u8; 1]].concat();
    let sampler = ClassSampler::new(&labels);
    let rows = sampler.draw(3000, &mut SplitMix64::new(1));
    let mut counts = [0usize; 3];
    for r in rows {
        counts[labels[r as usize] as usize] += 1;
    }
    for c in counts {
        assert!((850..1150).contains(&c), "{counts:?}");
    }
}

#[test]
fn three_class_model_trains_exports_and_loads_in_core() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let options = three_class_options(two_roots(dir.path()));
    let data = Prepared::load(&options).expect("loads");
    let (train_set, val_set) = data.split(0).expect("split");
    let mut cfg = config(Architecture::SqueezeNet1_1, 2);
    cfg.classes = 3;
    cfg.balanced_sampling = true;
    cfg.epoch_size = 24;
    cfg.robust_augment = true;
    let run = dir.path().join("run");
    let out =
        train(&cfg, Some(options.spec(0)), &train_set, &val_set, None, None, &run, Device::Cpu, quiet())
            .expect("trains");
    let logits = tch::no_grad(|| out.network.forward_t(&val_set.images, false));
    assert_eq!(logits.size()[1], 3);
    let onnx = export_network(
        &out.network,
        &options_for(&out.network, &out.meta, WeightPrecision::F32, Default::default()),
    )
    .expect("export");
    let c = Classifier::from_bytes(&onnx, ClassifierOptions::default()).expect("core loads the 3-class file");
    assert_eq!(c.metadata().class_names, contract::eyewear_class_names());
    assert_eq!(c.metadata().resize, ResizeMode::CenterCrop);
    assert_eq!(c.metadata().contract_version, contract::CONTRACT_VERSION);
    let (tch_probs, _) = evaluate(&out.network, &val_set, 8, Device::Cpu).expect("eval");
    let core_probs = onnx_probabilities(&onnx, &val_set).expect("core");
    for (a, b) in tch_probs.iter().zip(&core_probs) {
        assert!((a - b).abs() < 1e-4, "P(eyeglasses): tch {a} vs core {b}");
    }
    // The check report runs every set through the same function.
    let (_, val) = data.fold_indices(0).expect("fold");
    let parts = ValidationParts::of(&data.dataset, &val, 4);
    let report = CheckReport::measure(&data.dataset, &parts, &options.preprocessing(), |set| {
        onnx_probabilities(&onnx, set)
    })
    .expect("checks");
    assert_eq!(report.checks.len(), Variant::CHECKS.len());
    assert_eq!(report.sunglasses_called_eyeglasses.1, parts.sunglasses.len());
    assert!(report.markdown().contains("check: grayscale"));
}

#[test]
fn check_variants_make_the_pictures_they_name() {
    let img = RgbImage::from_fn(89, 109, |x, y| Rgb([(x * 2) as u8, (y * 2) as u8, 90]));
    assert_eq!(Variant::SquareTight.apply(&img).dimensions(), (62, 62));
    assert_eq!(Variant::Double.apply(&img).dimensions(), (178, 218));
    assert_eq!(Variant::Half.apply(&img).dimensions(), (44, 54));
    assert!(Variant::Grayscale.apply(&img).pixels().all(|p| p.0[0] == p.0[1] && p.0[1] == p.0[2]));
    assert_eq!(Variant::Original.apply(&img), img);
}
