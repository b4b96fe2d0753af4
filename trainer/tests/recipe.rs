//! The ImageNet start (`--init`), several data folders split by person over their union, the
//! three-class head with sunglasses, class-balanced sampling, the check sets and distillation from
//! cached teacher labels (unlabelled faces included).

mod common;

use common::{H, W, config, face, quiet};

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use glasses_core::contract::{self, ResizeMode};
use glasses_core::export::{Architecture, WeightPrecision};
use glasses_core::image::{Rgb, RgbImage};
use glasses_core::{Classifier, ClassifierOptions};
use glasses_trainer::checks::{CheckReport, ValidationParts, Variant};
use glasses_trainer::data::{Dataset, IGNORED_LABEL, SUNGLASSES, TensorSet, UNLABELLED, identities};
use glasses_trainer::export::{export_network, onnx_probabilities, options_for};
use glasses_trainer::init::load_pretrained;
use glasses_trainer::model::Network;
use glasses_trainer::pipeline::{DataOptions, Prepared};
use glasses_trainer::rng::SplitMix64;
use glasses_trainer::soft_labels::{SoftLabels, TeacherModel, UNLABELLED_FOLDER};
use glasses_trainer::train::{ClassSampler, Teacher, distillation_loss, evaluate, probabilities, train};
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
        sunglasses_as_negatives: false,
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

/// Adds an `unclear/` folder of `n` faces to `root` (people `first_person..`), listed in its manifest.
fn add_unclear(root: &Path, n: usize, first_person: usize) {
    let dir = root.join(UNLABELLED_FOLDER);
    std::fs::create_dir_all(&dir).expect("mkdir");
    let mut csv = std::fs::read_to_string(root.join("manifest.csv")).expect("manifest");
    for i in 0..n {
        let file = format!("unclear_{i:02}.png");
        face(44, 50, i % 2 == 0, 9_000 + i as u64).save(dir.join(&file)).expect("png");
        csv.push_str(&format!("{file},{UNLABELLED_FOLDER},{}\n", first_person + i));
    }
    std::fs::write(root.join("manifest.csv"), csv).expect("manifest");
}

/// A fresh (untrained) three-class SqueezeNet exported at `width x height`: a teacher whose
/// outputs are arbitrary but deterministic, which is all the label cache needs.
fn three_class_onnx(width: u32, height: u32) -> Vec<u8> {
    tch::manual_seed(5);
    let net = Network::with_classes(Architecture::SqueezeNet1_1, 3, Device::Cpu).expect("network");
    let mut o = glasses_core::export::ExportOptions::new(Architecture::SqueezeNet1_1, width);
    o.input_width = width;
    o.input_height = height;
    o.class_names = contract::eyewear_class_names();
    o.resize = ResizeMode::CenterCrop;
    export_network(&net, &o).expect("export")
}

#[test]
fn teacher_labels_are_cached_for_every_face_and_read_back() {
    let dir = tempfile::tempdir().expect("tempdir");
    let roots = two_roots(dir.path());
    add_unclear(&roots[1], 4, 0);
    let dataset = Dataset::scan_roots(&roots, true).expect("scan");
    let unlabelled = dataset.scan_unlabelled(UNLABELLED_FOLDER).expect("unclear");
    assert_eq!(unlabelled.len(), 4);
    assert!(unlabelled.iter().all(|s| s.label == UNLABELLED && s.identity.starts_with("id:")));
    let paths: Vec<PathBuf> = dataset.samples.iter().chain(&unlabelled).map(|s| s.path.clone()).collect();
    // Two teachers of different input sizes, each also seeing the mirror image.
    let teachers = [
        TeacherModel { name: "a".into(), bytes: three_class_onnx(W, H) },
        TeacherModel { name: "b".into(), bytes: three_class_onnx(48, 56) },
    ];
    let labels = SoftLabels::compute(&teachers, &paths, true, 2).expect("labels");
    assert_eq!(labels.len(), 30 + 4);
    assert_eq!(labels.classes, 3);
    // The mean of both teachers and both views, as core computes each.
    let probe = &unlabelled[0].path;
    let mut want = [0f32; 3];
    for t in &teachers {
        let c = Classifier::from_bytes(&t.bytes, ClassifierOptions::default()).expect("core");
        let p = c.classify_path(probe).expect("classify").probabilities;
        let img = glasses_core::image::open(probe).expect("open").to_rgb8();
        let mirrored = glasses_core::image::imageops::flip_horizontal(&img);
        let q = c.classify_rgb(&mirrored).expect("classify").probabilities;
        let (p, q) = (
            [p.none, p.eyeglasses, p.sunglasses.expect("3 classes")],
            [q.none, q.eyeglasses, q.sunglasses.expect("3 classes")],
        );
        for k in 0..3 {
            want[k] += (p[k] + q[k]) / 4.0;
        }
    }
    let got = labels.get(probe).expect("labelled");
    for k in 0..3 {
        assert!((got[k] - want[k]).abs() < 2e-3, "class {k}: cached {} vs core {}", got[k], want[k]);
    }
    // Written, refused a second time without force, read back.
    let file = dir.path().join("labels.csv");
    labels.write(&file, false).expect("write");
    let err = labels.write(&file, false).expect_err("kept");
    assert!(err.to_string().contains("--force"), "{err}");
    let back = SoftLabels::read(&file).expect("read");
    assert_eq!((back.len(), back.classes, back.teachers.len()), (34, 3, 2));
    for p in &paths {
        let (a, b) = (labels.get(p).expect("a"), back.get(p).expect("b"));
        assert!(a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-5), "{}", p.display());
    }
    // A face the file does not label is named.
    let stranger = glasses_trainer::data::Sample {
        path: dir.path().join("elsewhere/1/new.png"),
        label: 1,
        identity: "id:77".into(),
    };
    let err = back.targets(&[&stranger], &file).expect_err("unlabelled face");
    assert!(err.to_string().contains("elsewhere/1/new.png"), "{err}");
    // A damaged file is an error naming the line.
    std::fs::write(&file, "image,p_none,p_eyeglasses\nx.png,0.5,oops\n").expect("write");
    let err = SoftLabels::read(&file).expect_err("bad number");
    assert!(err.to_string().contains("line 2"), "{err}");
}

#[test]
fn student_learns_from_cached_labels_and_unlabelled_faces_of_training_people_only() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let roots = two_roots(dir.path());
    // People 0..5 have labelled faces; 10.. are people seen only in unclear/.
    add_unclear(&roots[1], 8, 0);
    let options = three_class_options(roots);
    let data = Prepared::load(&options).expect("loads");
    let (train_idx, val_idx) = data.fold_indices(0).expect("fold");
    let val_people = identities(&data.dataset, &val_idx);
    let unlabelled = data.unlabelled_for_training(0, UNLABELLED_FOLDER).expect("unclear");
    let all_unclear = data.dataset.scan_unlabelled(UNLABELLED_FOLDER).expect("unclear");
    assert!(unlabelled.len() < all_unclear.len(), "validation people's unclear faces are left out");
    assert!(unlabelled.iter().all(|s| !val_people.contains(s.identity.as_str())));
    assert!(!unlabelled.is_empty());

    let teachers = [TeacherModel { name: "t".into(), bytes: three_class_onnx(48, 56) }];
    let paths: Vec<PathBuf> =
        data.dataset.samples.iter().chain(&all_unclear).map(|s| s.path.clone()).collect();
    let labels = SoftLabels::compute(&teachers, &paths, false, 1).expect("labels");
    let (train_set, val_set) = data.split(0).expect("split");
    let extra = TensorSet::from_samples(&unlabelled.iter().collect::<Vec<_>>(), &options.preprocessing())
        .expect("tensors");
    assert!(Vec::<i64>::try_from(&extra.labels).expect("labels").iter().all(|&l| l == IGNORED_LABEL));
    let grown = train_set.concat(&extra);
    let samples: Vec<&glasses_trainer::data::Sample> =
        train_idx.iter().map(|&i| &data.dataset.samples[i]).chain(unlabelled.iter()).collect();
    let file = dir.path().join("labels.csv");
    let targets = labels.targets(&samples, &file).expect("targets");
    assert_eq!(targets.size(), [grown.len() as i64, 3]);

    let mut cfg = config(Architecture::SqueezeNet1_1, 2);
    cfg.classes = 3;
    cfg.balanced_sampling = true;
    cfg.epoch_size = 24;
    cfg.alpha = 0.7;
    cfg.unlabelled = true;
    // Unlabelled rows without a cached teacher, or labels for other rows, are refused.
    let err = train(&cfg, None, &grown, &val_set, None, None, &dir.path().join("r0"), Device::Cpu, quiet())
        .expect_err("no teacher");
    assert!(err.to_string().contains("--soft-labels"), "{err}");
    let short = Teacher::Cached { probabilities: targets.narrow(0, 0, 3), path: file.clone() };
    let err =
        train(&cfg, None, &grown, &val_set, None, Some(short), &dir.path().join("r1"), Device::Cpu, quiet())
            .expect_err("rows");
    assert!(err.to_string().contains("rows"), "{err}");
    let teacher = Teacher::Cached { probabilities: targets, path: file.clone() };
    let run = dir.path().join("run");
    let out =
        train(&cfg, Some(options.spec(0)), &grown, &val_set, None, Some(teacher), &run, Device::Cpu, quiet())
            .expect("trains");
    assert_eq!(out.meta.teacher.as_deref(), Some(file.as_path()));
    assert!(out.meta.history.iter().all(|h| h.train_loss.is_finite() && h.train_loss > 0.0));
}

#[test]
fn distillation_loss_ignores_unlabelled_rows_in_the_cross_entropy() {
    let student = Tensor::from_slice(&[2.0f32, -1.0, 0.5, 0.0, 1.0, -0.5]).view([2, 3]);
    let teacher = Tensor::from_slice(&[1.0f32, 0.0, 0.0, 0.0, 2.0, 0.0]).view([2, 3]);
    let labelled = Tensor::from_slice(&[0i64, 1]);
    let value = |t: Tensor| t.double_value(&[]);
    // Every row labelled: the textbook formula with the usual mean cross-entropy.
    let ce = value(student.cross_entropy_for_logits(&labelled));
    let kl_only = value(distillation_loss(&student, &teacher, &labelled, 1.0, 2.0));
    let both = value(distillation_loss(&student, &teacher, &labelled, 0.5, 2.0));
    assert!((both - (0.5 * kl_only + 0.5 * ce)).abs() < 1e-5, "{both} vs {kl_only} / {ce}");
    // The second row unlabelled: its cross-entropy drops out, its KL term stays.
    let partly = Tensor::from_slice(&[0i64, IGNORED_LABEL]);
    let ce_first = value(student.narrow(0, 0, 1).cross_entropy_for_logits(&labelled.narrow(0, 0, 1)));
    let got = value(distillation_loss(&student, &teacher, &partly, 0.5, 2.0));
    assert!((got - (0.5 * kl_only + 0.5 * ce_first)).abs() < 1e-5, "{got}");
    // No row labelled: still finite, only the teacher's term.
    let none = Tensor::from_slice(&[IGNORED_LABEL, IGNORED_LABEL]);
    let got = value(distillation_loss(&student, &teacher, &none, 0.5, 2.0));
    assert!((got - 0.5 * kl_only).abs() < 1e-5, "{got}");
}

#[test]
fn sunglasses_as_negatives_keep_the_folds_and_train_two_classes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let three = three_class_options(two_roots(dir.path()));
    let mut two = three.clone();
    two.sunglasses_as_negatives = true;
    assert_eq!((three.classes(), two.classes()), (3, 2));
    let (a, b) = (Prepared::load(&three).expect("3"), Prepared::load(&two).expect("2"));
    assert_eq!(a.folds, b.folds, "the same people in the same folds");
    let (la, lb) = (a.tensors.label_vec().expect("a"), b.tensors.label_vec().expect("b"));
    assert!(la.contains(&SUNGLASSES));
    for (x, y) in la.iter().zip(&lb) {
        assert_eq!(*y, if *x == SUNGLASSES { 0 } else { *x });
    }
    // The dataset (and so every check set) still knows which faces wear sunglasses.
    assert!(b.dataset.samples.iter().any(|s| s.label == SUNGLASSES));
    assert!(two.spec(0).sunglasses_as_negatives);
    // The check report of a two-class network reads those sets: a loss against their labels
    // would ask for a third class (the stop-14 run failed there after its last epoch).
    tch::manual_seed(3);
    let net = Network::new(Architecture::SqueezeNet1_1, Device::Cpu).expect("two-class network");
    let parts = (0..two.folds)
        .map(|k| ValidationParts::of(&b.dataset, &b.fold_indices(k).expect("fold").1, two.split_seed))
        .find(|p| !p.sunglasses.is_empty())
        .expect("a fold with sunglasses to check");
    let report = CheckReport::measure(&b.dataset, &parts, &two.preprocessing(), |set| {
        probabilities(&net, set, 8, Device::Cpu)
    })
    .expect("checks of a two-class model");
    assert_eq!(report.sunglasses_called_eyeglasses.1, parts.sunglasses.len());
}

#[test]
fn cv_over_every_face_validates_all_rows_on_the_same_pictures_and_continues_from_result_files() {
    tch::set_num_threads(1);
    let dir = tempfile::tempdir().expect("tempdir");
    let mut data = three_class_options(two_roots(dir.path()));
    data.resize = ResizeMode::Stretch;
    let data_set = Prepared::load(&data).expect("loads");
    // The study's rows learn eyeglasses against none on the fold's balanced subset; validation
    // is the fold's balanced part, which the recipe row is measured on too.
    let fold = (0..data.folds)
        .find(|&k| data_set.dataset.counts(&data_set.fold_indices(k).expect("fold").1)[1] > 0)
        .expect("a fold with eyeglasses");
    let (study_train, study_val) = data_set.study_split(fold).expect("study split");
    assert!(!study_train.label_vec().expect("labels").contains(&SUNGLASSES), "two classes");
    let balanced_val = data_set.balanced_validation(fold).expect("balanced part");
    assert_eq!(study_val.label_vec().expect("a"), balanced_val.label_vec().expect("b"));
    let val_labels = balanced_val.label_vec().expect("labels");
    let positives = val_labels.iter().filter(|&&l| l == 1).count();
    assert!(!val_labels.contains(&SUNGLASSES) && positives > 0);
    assert!(val_labels.len() - positives <= positives, "no more negatives than eyeglasses: {val_labels:?}");

    let mut recipe_data = data.clone();
    recipe_data.resize = ResizeMode::CenterCrop;
    let (init, _) = imagenet_like_file(dir.path(), |_| {});
    let mut recipe = glasses_trainer::cv::RecipeRow::new(recipe_data, init.clone(), 1).expect("recipe row");
    recipe.config.epoch_size = 16;
    recipe.config.batch_size = 8;
    let mut two_class = data.clone();
    two_class.sunglasses = false;
    assert!(
        glasses_trainer::cv::RecipeRow::new(two_class, init, 1).is_err(),
        "the recipe needs three classes"
    );
    let out = dir.path().join("cv");
    let options = glasses_trainer::cv::CvOptions {
        data: data.clone(),
        resnet: config(Architecture::ResNet18, 1),
        squeezenet: config(Architecture::SqueezeNet1_1, 1),
        recipe: Some(recipe),
        out: out.clone(),
        device: Device::Cpu,
        only_folds: vec![fold],
    };
    let rows = glasses_trainer::cv::run(&options).expect("cv runs");
    assert_eq!(rows.len(), 4, "three study rows and the recipe's");
    assert!(rows[3].model.contains(&format!("{W}x{H}")), "{}", rows[3].model);
    let fold_dir = out.join(format!("fold{fold}"));
    let models = ["resnet18", "squeezenet", "squeezenet_distilled", &format!("recipe-{W}x{H}")];
    let results: Vec<glasses_trainer::cv::FoldResult> = models
        .iter()
        .map(|m| {
            let bytes =
                std::fs::read(fold_dir.join(m).join(glasses_trainer::cv::RESULT_FILE)).expect("result file");
            serde_json::from_slice(&bytes).expect("result json")
        })
        .collect();
    for r in &results {
        assert_eq!(r.val_images, val_labels.len(), "{} is validated on the balanced part", r.model);
    }
    for row in &rows {
        assert_eq!(row.folds_done, 1, "{}", row.model);
    }
    // Without checkpoints (another session keeps only the result files) nothing trains again.
    for m in models {
        std::fs::remove_file(fold_dir.join(m).join("checkpoint.ot")).expect("checkpoint was written");
    }
    let again = glasses_trainer::cv::run(&options).expect("cv continues");
    assert_eq!(again, rows);
    for m in models {
        assert!(!fold_dir.join(m).join("checkpoint.ot").exists(), "{m} was trained again");
    }
    // Other settings are refused rather than mixed with the stored results.
    let mut longer = options.clone();
    longer.squeezenet.epochs += 1;
    let err = glasses_trainer::cv::run(&longer).expect_err("other epochs than the stored results");
    let epochs = options.squeezenet.epochs;
    assert!(err.to_string().contains(&format!("epochs: {epochs} -> {}", epochs + 1)), "{err}");
    // A recipe whose data splits other people into the folds is refused.
    let mut other = options.clone();
    let mut shifted = other.recipe.take().expect("recipe");
    shifted.data.folds = data.folds - 1;
    other.recipe = Some(shifted);
    assert!(glasses_trainer::cv::run(&other).is_err());
}

/// The words of `scripts/train-bundled.sh`'s `train` call (its continued lines).
fn bundled_script_train_call() -> (String, Vec<String>) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/train-bundled.sh");
    let script = std::fs::read_to_string(&path).expect("scripts/train-bundled.sh");
    let start = script.find("\"$trainer\" train").expect("the script calls `\"$trainer\" train`");
    let mut call = String::new();
    for line in script[start..].lines() {
        call.push_str(line.trim_end_matches('\\'));
        call.push(' ');
        if !line.trim_end().ends_with('\\') {
            break;
        }
    }
    (script, call.split_whitespace().map(str::to_owned).collect())
}

#[test]
fn the_cv_recipe_row_trains_with_the_flags_of_train_bundled_sh() {
    let (script, words) = bundled_script_train_call();
    let value = |flag: &str| -> Option<&str> {
        words
            .iter()
            .position(|w| w == flag)
            .map(|i| words.get(i + 1).expect("a value after the flag").as_str())
    };
    let has = |flag: &str| words.iter().any(|w| w == flag);
    let (w, h) = glasses_trainer::cv::BUNDLED_SIZE;
    assert!(script.contains(&format!("bundled_size={w}x{h}")), "bundled size {w}x{h}");
    let epochs = value("--epochs").expect("--epochs");
    assert_eq!(epochs, format!("\"${{EPOCHS:-{}}}\"", glasses_trainer::cv::BUNDLED_EPOCHS));

    let data = three_class_options(vec![PathBuf::from("a"), PathBuf::from("b")]);
    let c = glasses_trainer::cv::bundled_recipe(&data, PathBuf::from("imagenet.safetensors"), 10);
    let number = |flag: &str| value(flag).map(|v| v.parse::<f64>().expect("a number"));
    assert_eq!(number("--batch-size"), Some(c.batch_size as f64));
    assert_eq!(number("--lr"), Some(c.lr));
    assert_eq!(number("--warmup-epochs"), Some(c.warmup_epochs as f64));
    assert_eq!(number("--epoch-size"), Some(c.epoch_size as f64));
    // Flags the script leaves at the trainer's defaults (weight decay 0.05, no distillation).
    assert_eq!(number("--weight-decay").unwrap_or(0.05), c.weight_decay);
    assert_eq!(number("--alpha").unwrap_or(0.0), c.alpha);
    assert_eq!(has("--balanced-sampling"), c.balanced_sampling);
    assert_eq!(has("--robust-augment"), c.robust_augment);
    assert_eq!(has("--init"), c.init_weights.is_some());
    assert_eq!(value("--arch"), Some("squeezenet"));
    assert_eq!(c.architecture, Architecture::SqueezeNet1_1.name());
    assert_eq!(value("--resize"), Some("center_crop"), "the CV's recipe row crops too");
    assert!(has("--all-data") && c.classes == 3);
}

/// The `train.recipe` metadata string names each setting next to its value (it read "3 classes,
/// of class-balanced draws epochs10" when its format arguments were out of order).
#[test]
fn the_recipe_text_lists_its_settings_in_order() {
    let mut config = common::config(Architecture::SqueezeNet1_1, 10);
    config.classes = 3;
    config.balanced_sampling = true;
    config.robust_augment = true;
    config.framing_augment = true;
    config.init_weights = Some("core/models/glasses.onnx".into());
    let meta =
        glasses_trainer::checkpoint::RunMeta { config, data: None, teacher: None, epoch: 0, history: vec![] };
    let text = glasses_trainer::export::recipe_text(&meta);
    assert!(
        text.contains("fine-tuned from glasses.onnx, 3 classes, 10 epochs of class-balanced draws, batch 8"),
        "{text}"
    );
    assert!(text.contains("augment true (robust, framing)"), "{text}");
    meta_from_imagenet(&text);
}

fn meta_from_imagenet(fine_tuned: &str) {
    let mut config = common::config(Architecture::SqueezeNet1_1, 2);
    config.init_weights = Some("../shared/pretrained/squeezenet1_1-imagenet.safetensors".into());
    let meta =
        glasses_trainer::checkpoint::RunMeta { config, data: None, teacher: None, epoch: 0, history: vec![] };
    let text = glasses_trainer::export::recipe_text(&meta);
    assert!(text.starts_with("squeezenet1_1 from ImageNet weights, 2 classes, 2 epochs, batch 8"), "{text}");
    assert_ne!(text, fine_tuned);
}

/// `--init model.onnx`: a float32 glasses model's weights load back into a network exactly (head
/// included), and an int8 file is refused with a message naming the remedy.
#[test]
fn init_reads_the_weights_of_a_float32_model_file() {
    let dir = tempfile::tempdir().expect("temp dir");
    let source = Network::with_classes(Architecture::SqueezeNet1_1, 3, Device::Cpu).expect("network");
    let mut meta_config = config(Architecture::SqueezeNet1_1, 1);
    meta_config.classes = 3;
    let meta = glasses_trainer::checkpoint::RunMeta {
        config: meta_config,
        data: None,
        teacher: None,
        epoch: 1,
        history: vec![],
    };
    for (precision, name) in [(WeightPrecision::F32, "m.onnx"), (WeightPrecision::Int8, "m-int8.onnx")] {
        let bytes = export_network(&source, &options_for(&source, &meta, precision, Default::default()))
            .expect("export");
        std::fs::write(dir.path().join(name), bytes).expect("write");
    }
    tch::manual_seed(99);
    let target = Network::with_classes(Architecture::SqueezeNet1_1, 3, Device::Cpu).expect("network");
    let report = load_pretrained(&target, &dir.path().join("m.onnx")).expect("fp32 model loads");
    assert!(report.reinitialised_head.is_empty(), "{report}");
    let (a, b) = (source.vs.variables(), target.vs.variables());
    assert_eq!(report.loaded, a.len());
    for (name, t) in &a {
        let diff = (t - &b[name]).abs().max().double_value(&[]);
        assert_eq!(diff, 0.0, "{name}");
    }
    let err = load_pretrained(&target, &dir.path().join("m-int8.onnx")).expect_err("int8 refused");
    assert!(err.to_string().contains("float32"), "{err}");
}
