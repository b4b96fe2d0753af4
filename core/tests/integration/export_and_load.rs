//! The exporter writes models that core loads and runs, for every architecture, size and precision.

use crate::common;

use glasses_core::contract::{self, KEY_WEIGHT_PRECISION};
use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::{Classifier, ClassifierOptions, Error};

#[test]
fn every_architecture_exports_and_runs() {
    for arch in Architecture::ALL {
        for (w, h) in [(64, 64), (96, 112)] {
            let mut options = ExportOptions::new(arch, 64);
            options.input_width = w;
            options.input_height = h;
            let bytes = export_onnx(&random_weights(arch, 7), &options).unwrap();
            let c = Classifier::from_bytes(&bytes, ClassifierOptions::default()).unwrap();
            assert_eq!(c.metadata().architecture, arch.name());
            assert_eq!((c.metadata().input_width, c.metadata().input_height), (w, h));
            let p = c.classify_rgb(&common::picture(89, 109)).unwrap();
            assert!((0.0..=1.0).contains(&p.probability), "{arch} {p:?}");
        }
    }
}

#[test]
fn squeezenet_fp32_stays_under_three_megabytes_and_counts_parameters() {
    let bytes = common::squeezenet_bytes(96, 1);
    assert!(bytes.len() < 3_000_000, "{} bytes", bytes.len());
    let c = Classifier::from_bytes(&bytes, ClassifierOptions::default()).unwrap();
    let expected: usize =
        Architecture::SqueezeNet1_1.parameter_shapes().iter().map(|(_, s)| s.iter().product::<usize>()).sum();
    assert_eq!(c.info().parameter_count, expected);
    assert_eq!(c.info().size_bytes, bytes.len());
}

#[test]
fn int8_weights_are_small_and_close_to_fp32() {
    for arch in Architecture::ALL {
        let weights = random_weights(arch, 3);
        let mut options = ExportOptions::new(arch, 64);
        let f32_bytes = export_onnx(&weights, &options).unwrap();
        options.precision = WeightPrecision::Int8;
        let int8_bytes = export_onnx(&weights, &options).unwrap();
        assert!(
            int8_bytes.len() * 3 < f32_bytes.len(),
            "{arch}: {} vs {}",
            int8_bytes.len(),
            f32_bytes.len()
        );
        let a = Classifier::from_bytes(&f32_bytes, ClassifierOptions::default()).unwrap();
        let b = Classifier::from_bytes(&int8_bytes, ClassifierOptions::default()).unwrap();
        assert_eq!(b.metadata().extra.get(KEY_WEIGHT_PRECISION).map(String::as_str), Some("int8"));
        let tensor = common::golden_input(a.preprocessing().tensor_len());
        let (la, lb) = (a.logits(&tensor).unwrap(), b.logits(&tensor).unwrap());
        let scale = la[0].abs().max(la[1].abs()).max(1e-3);
        for i in 0..2 {
            assert!((la[i] - lb[i]).abs() / scale < 0.05, "{arch}: fp32 {la:?} int8 {lb:?}");
        }
    }
    let sq = export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, 1),
        &ExportOptions {
            precision: WeightPrecision::Int8,
            ..ExportOptions::new(Architecture::SqueezeNet1_1, 96)
        },
    )
    .unwrap();
    assert!(sq.len() < 1_000_000, "int8 SqueezeNet is {} bytes", sq.len());
}

#[test]
fn exporter_refuses_wrong_weights() {
    let arch = Architecture::SqueezeNet1_1;
    let options = ExportOptions::new(arch, 64);
    let mut missing = random_weights(arch, 1);
    missing.remove("features.3.squeeze.weight");
    let err = export_onnx(&missing, &options).unwrap_err();
    assert!(
        matches!(err, Error::Export { .. }) && err.to_string().contains("features.3.squeeze.weight"),
        "{err}"
    );

    let mut misshaped = random_weights(arch, 1);
    misshaped.get_mut("classifier.1.weight").unwrap().shape = vec![1000, 512, 1, 1];
    assert!(export_onnx(&misshaped, &options).unwrap_err().to_string().contains("classifier.1.weight"));

    let mut extra = random_weights(arch, 1);
    extra.insert("fc.weight".into(), glasses_core::export::WeightTensor::new(vec![1], vec![0.0]).unwrap());
    assert!(export_onnx(&extra, &options).unwrap_err().to_string().contains("unexpected tensor `fc.weight`"));

    let mut nan = random_weights(arch, 1);
    nan.get_mut("features.0.bias").unwrap().data[0] = f32::NAN;
    assert!(export_onnx(&nan, &options).is_err());

    assert!(export_onnx(&random_weights(arch, 1), &ExportOptions::new(arch, 8)).is_err());
    assert!(export_onnx(&random_weights(Architecture::ResNet18, 1), &options).is_err());
}

#[test]
fn extra_metadata_survives_the_round_trip() {
    let arch = Architecture::SqueezeNet1_1;
    let mut options = ExportOptions::new(arch, 64);
    options.model_version = "2026-11-29".into();
    options.extra_metadata.insert("train.val_f1".into(), "0.97".into());
    let c =
        Classifier::from_bytes(&export_onnx(&random_weights(arch, 1), &options).unwrap(), Default::default())
            .unwrap();
    assert_eq!(c.metadata().model_version, "2026-11-29");
    assert_eq!(c.metadata().extra.get("train.val_f1").map(String::as_str), Some("0.97"));
    assert_eq!(c.metadata().contract_version, contract::CONTRACT_VERSION);
    assert_eq!(c.metadata().class_names, contract::default_class_names());
}

#[test]
fn three_class_models_give_p_eyeglasses_from_the_softmax_over_three() {
    let arch = Architecture::SqueezeNet1_1;
    let mut options = ExportOptions::new(arch, 48);
    options.class_names = contract::eyewear_class_names();
    options.resize = contract::ResizeMode::CenterCrop;
    let bytes = export_onnx(&glasses_core::export::random_weights_for(arch, 3, 5), &options).unwrap();
    let c = Classifier::from_bytes(&bytes, Default::default()).unwrap();
    assert_eq!(c.metadata().num_classes(), 3);
    assert_eq!(c.metadata().resize, contract::ResizeMode::CenterCrop);
    assert_eq!(c.preprocessing().resize, contract::ResizeMode::CenterCrop);
    let tensor = common::golden_input(c.preprocessing().tensor_len());
    let logits = c.logits(&tensor).unwrap();
    let probs = c.probabilities(&tensor).unwrap();
    assert_eq!((logits.len(), probs.len()), (3, 3));
    assert!((probs.iter().sum::<f32>() - 1.0).abs() < 1e-5, "{probs:?}");
    let exp: Vec<f32> = logits.iter().map(|l| l.exp()).collect();
    let want = exp[1] / exp.iter().sum::<f32>();
    let p = c.classify_tensor(&tensor).unwrap();
    assert!((p.probability - want).abs() < 1e-6, "{} vs {want}", p.probability);
    assert!((probs[1] - want).abs() < 1e-6);
    assert_eq!(p.probabilities.none, probs[0]);
    assert_eq!(p.probabilities.sunglasses, Some(probs[2]));

    // Class names and head must agree: a two-class head under three names is refused at export.
    let err = export_onnx(&random_weights(arch, 5), &options).unwrap_err();
    assert!(err.to_string().contains("classifier.1"), "{err}");
    options.class_names.push("goggles".into());
    let err = export_onnx(&glasses_core::export::random_weights_for(arch, 3, 5), &options).unwrap_err();
    assert!(err.to_string().contains("2 or 3 classes"), "{err}");
}
