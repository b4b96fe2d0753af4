//! Bad images, bad buffers, bad options and bad models give their specific typed errors.

use crate::common;

use glasses_core::contract::{INPUT_NAME, KEY_MEAN};
use glasses_core::image::{ImageFormat, RgbImage};
use glasses_core::onnx_pb::{ModelProto, tensor_shape_proto::dimension::Value, type_proto};
use glasses_core::{Classifier, ClassifierOptions, Error, PixelBuffer, PixelFormat};
use prost::Message;

#[test]
fn bad_images_are_invalid_image() {
    let c = common::squeezenet(64, 1);
    let png = common::encode(&common::picture(64, 64), ImageFormat::Png);
    let jpeg = common::encode(&common::picture(64, 64), ImageFormat::Jpeg);
    let mut corrupt_header = png.clone();
    corrupt_header[12..16].copy_from_slice(b"XXXX");
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("one byte", vec![0xff]),
        ("text", b"this is not an image at all".to_vec()),
        ("truncated png", png[..png.len() / 2].to_vec()),
        ("truncated jpeg", jpeg[..jpeg.len() / 3].to_vec()),
        ("png header only", png[..8].to_vec()),
        ("corrupt png chunk", corrupt_header),
    ];
    for (name, bytes) in cases {
        match c.classify_encoded(&bytes) {
            Err(Error::InvalidImage { reason }) => assert!(!reason.is_empty(), "{name}"),
            other => panic!("{name}: expected InvalidImage, got {other:?}"),
        }
    }
}

#[test]
fn huge_images_are_refused_before_decoding() {
    let c =
        common::squeezenet(64, 1).with_options(ClassifierOptions::default().with_max_pixels(1000)).unwrap();
    let png = common::encode(&RgbImage::new(40, 30), ImageFormat::Png);
    match c.classify_encoded(&png) {
        Err(Error::ImageTooLarge { width: 40, height: 30, pixels: 1200, max_pixels: 1000 }) => {}
        other => panic!("expected ImageTooLarge, got {other:?}"),
    }
    // A PNG header claiming 100000 x 100000 pixels in a few bytes: refused by the default limit.
    let bomb = common::png_claiming(100_000, 100_000, 8, 2);
    let c = common::squeezenet(64, 1);
    match c.classify_encoded(&bomb) {
        Err(Error::ImageTooLarge { width: 100_000, height: 100_000, .. }) => {}
        other => panic!("expected ImageTooLarge for the bomb, got {other:?}"),
    }
}

#[test]
fn bad_pixel_buffers_are_refused() {
    let data = vec![0u8; 100];
    assert!(matches!(
        PixelBuffer::new(&data, 0, 5, 20, PixelFormat::Rgba8),
        Err(Error::InvalidPixelBuffer { .. })
    ));
    assert!(matches!(
        PixelBuffer::new(&data, 5, 5, 19, PixelFormat::Rgba8),
        Err(Error::InvalidPixelBuffer { .. })
    ));
    assert!(matches!(
        PixelBuffer::new(&data, 5, 6, 20, PixelFormat::Rgba8),
        Err(Error::InvalidPixelBuffer { .. })
    ));
    assert!(PixelBuffer::new(&data, 5, 5, 20, PixelFormat::Rgba8).is_ok());
}

#[test]
fn wrong_tensor_length_and_options_are_typed_errors() {
    let c = common::squeezenet(64, 1);
    assert!(matches!(c.classify_tensor(&[0.0; 10]), Err(Error::TensorShape { expected: 12288, actual: 10 })));
    for t in [-0.1, 1.5, f32::NAN] {
        let r = Classifier::from_bytes(
            &common::squeezenet_bytes(64, 1),
            ClassifierOptions::default().with_threshold(t),
        );
        assert!(matches!(r, Err(Error::InvalidOptions { .. })), "threshold {t}");
    }
}

#[test]
fn threshold_decides() {
    let bytes = common::squeezenet_bytes(64, 1);
    let img = common::picture(64, 64);
    let low = Classifier::from_bytes(&bytes, ClassifierOptions::default().with_threshold(0.0)).unwrap();
    let high = Classifier::from_bytes(&bytes, ClassifierOptions::default().with_threshold(1.0)).unwrap();
    let (a, b) = (low.classify_rgb(&img).unwrap(), high.classify_rgb(&img).unwrap());
    assert_eq!(a.probability, b.probability);
    assert!(a.has_glasses);
    assert_eq!(b.has_glasses, b.probability >= 1.0);
}

fn load(proto: &ModelProto) -> Result<Classifier, Error> {
    Classifier::from_bytes(&proto.encode_to_vec(), ClassifierOptions::default())
}

fn model() -> ModelProto {
    ModelProto::decode(common::squeezenet_bytes(64, 1).as_slice()).expect("exported model decodes")
}

fn expect_violation(proto: &ModelProto, words: &str) {
    match load(proto) {
        Err(Error::ContractViolation { rule }) => assert!(rule.contains(words), "{rule:?} lacks {words:?}"),
        other => panic!("expected a contract violation about {words:?}, got {other:?}"),
    }
}

#[test]
fn bad_model_bytes_are_invalid_model() {
    let bytes = common::squeezenet_bytes(64, 1);
    for (name, b) in [
        ("empty", vec![]),
        ("random", (0..4096u32).map(|i| (i.wrapping_mul(2654435761) >> 13) as u8).collect()),
        ("truncated", bytes[..bytes.len() / 2].to_vec()),
    ] {
        let r = Classifier::from_bytes(&b, ClassifierOptions::default());
        assert!(
            matches!(r, Err(Error::InvalidModel { .. } | Error::ContractViolation { .. })),
            "{name}: {r:?}"
        );
    }
    let missing = Classifier::from_file("/definitely/not/here.onnx", ClassifierOptions::default());
    assert!(matches!(missing, Err(Error::Io { .. })));
}

#[test]
fn contract_violations_name_the_rule() {
    let mut m = model();
    m.metadata_props.retain(|p| p.key != KEY_MEAN);
    expect_violation(&m, KEY_MEAN);

    let mut m = model();
    let graph = m.graph.as_mut().unwrap();
    graph.input[0].name = "data".into();
    for n in &mut graph.node {
        for i in &mut n.input {
            if i == INPUT_NAME {
                *i = "data".into();
            }
        }
    }
    expect_violation(&m, "named `image`");

    let mut m = model();
    m.graph.as_mut().unwrap().output[0].name = "prob".into();
    expect_violation(&m, "named `logits`");

    let mut m = model();
    if let Some(type_proto::Value::TensorType(t)) =
        m.graph.as_mut().unwrap().input[0].r#type.as_mut().unwrap().value.as_mut()
    {
        t.shape.as_mut().unwrap().dim.pop();
    }
    expect_violation(&m, "rank 4");

    let mut m = model();
    if let Some(type_proto::Value::TensorType(t)) =
        m.graph.as_mut().unwrap().input[0].r#type.as_mut().unwrap().value.as_mut()
    {
        t.shape.as_mut().unwrap().dim[3].value = Some(Value::DimValue(65));
    }
    expect_violation(&m, "dimension 3");

    // An ImageNet-style head: 1000 classes computed, nothing declared.
    let mut m = model();
    let graph = m.graph.as_mut().unwrap();
    for t in &mut graph.initializer {
        if t.name == "classifier.1.weight" || t.name == "classifier.1.bias" {
            t.dims[0] = 1000;
            let per = t.raw_data.len() / 2;
            t.raw_data = t.raw_data[..4].repeat(per * 1000 / 4);
        }
    }
    if let Some(type_proto::Value::TensorType(t)) = graph.output[0].r#type.as_mut().unwrap().value.as_mut() {
        t.shape = None;
    }
    expect_violation(&m, "[1, 2]");
}
