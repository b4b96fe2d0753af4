//! Writes the fixtures the Kotlin/JVM tests of `android/` compare the JNI bindings against:
//! a random-weight SqueezeNet model, a few generated PNG images and `expected.json` with the
//! probabilities `glasses_core` itself gives for them (the reference, computed without JNI).
//!
//! Output folder: `$GLASSES_JNI_FIXTURES_DIR` if set (scripts/test-kotlin.sh sets it to
//! `target/jni-fixtures`), else `$CARGO_TARGET_TMPDIR/jni-fixtures`.
//!
//! Run alone with `cargo test -p glasses-ffi --test jni_fixtures`.

use std::fmt::Write as _;
use std::io::Cursor;
use std::path::PathBuf;

mod support;

use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};
use glasses_core::image::{ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use glasses_core::{Classifier, ClassifierOptions, PixelBuffer};

const MODEL_SEED: u64 = 20_240_611;

struct Case {
    name: &'static str,
    png: Vec<u8>,
    width: u32,
    height: u32,
}

/// xorshift noise so the images are the same on every platform.
struct Noise(u64);
impl Noise {
    fn byte(&mut self) -> u8 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 24) as u8
    }
}

fn png_rgb(img: &RgbImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("PNG encoding of an in-memory image");
    out.into_inner()
}

fn png_rgba(img: &RgbaImage) -> Vec<u8> {
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).expect("PNG encoding of an in-memory image");
    out.into_inner()
}

fn cases() -> Vec<Case> {
    let mut noise = Noise(0x9e37_79b9_7f4a_7c15);
    let gradient = RgbImage::from_fn(64, 64, |x, y| Rgb([(x * 4) as u8, (y * 4) as u8, ((x + y) * 2) as u8]));
    let odd_noise = RgbImage::from_fn(97, 61, |_, _| Rgb([noise.byte(), noise.byte(), noise.byte()]));
    // A pale disc ("face") with two dark rings ("glasses") on a blue background.
    let rings = RgbImage::from_fn(160, 200, |x, y| {
        let (fx, fy) = (x as f32 - 80.0, y as f32 - 100.0);
        let ring = |cx: f32| {
            let d = ((fx - cx).powi(2) + (fy + 15.0).powi(2)).sqrt();
            (14.0..19.0).contains(&d)
        };
        if ring(-25.0) || ring(25.0) || (fx.abs() < 8.0 && (fy + 15.0).abs() < 2.0) {
            Rgb([20, 20, 25])
        } else if (fx / 60.0).powi(2) + (fy / 80.0).powi(2) < 1.0 {
            Rgb([224, 180, 150])
        } else {
            Rgb([40, 90, 200])
        }
    });
    let large = RgbImage::from_fn(640, 480, |x, y| {
        let n = noise.byte() / 4;
        Rgb([((x / 3) as u8).wrapping_add(n), ((y / 2) as u8).wrapping_add(n), 128u8.wrapping_add(n)])
    });
    let alpha = RgbaImage::from_fn(90, 120, |x, y| {
        Rgba([(x * 2) as u8, 255 - (y * 2) as u8, noise.byte(), ((x + y) % 256) as u8])
    });
    let dark =
        RgbImage::from_fn(33, 47, |_, _| Rgb([noise.byte() / 16, noise.byte() / 16, noise.byte() / 16]));
    let mut out = Vec::new();
    for (name, img) in
        [("gradient", gradient), ("noise", odd_noise), ("rings", rings), ("large", large), ("dark", dark)]
    {
        out.push(Case { name, png: png_rgb(&img), width: img.width(), height: img.height() });
    }
    out.push(Case { name: "alpha", png: png_rgba(&alpha), width: alpha.width(), height: alpha.height() });
    out
}

fn out_dir() -> PathBuf {
    match std::env::var_os("GLASSES_JNI_FIXTURES_DIR") {
        Some(dir) => PathBuf::from(dir),
        None => PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("jni-fixtures"),
    }
}

#[test]
fn write_jni_fixtures() {
    let dir = out_dir();
    std::fs::create_dir_all(&dir).expect("fixtures folder is writable");

    let options = ExportOptions::new(Architecture::SqueezeNet1_1, 64);
    let model = export_onnx(&random_weights(Architecture::SqueezeNet1_1, MODEL_SEED), &options)
        .expect("random SqueezeNet exports");
    let classifier =
        Classifier::from_bytes(&model, ClassifierOptions::default()).expect("exported model loads");
    std::fs::write(dir.join("model.onnx"), &model).expect("write model.onnx");
    // The same model with its first Relu made a Tanh (NodeProto.op_type, field 4: tag 0x22, length
    // 4): only the `onnx-any` feature reads it; the Kotlin tests check that the error says how.
    let mut tanh = model.clone();
    let at = tanh.windows(6).position(|w| w == b"\x22\x04Relu").expect("a Relu node");
    tanh[at + 2..at + 6].copy_from_slice(b"Tanh");
    std::fs::write(dir.join("needs-onnx-any.onnx"), &tanh).expect("write needs-onnx-any.onnx");

    // What Kotlin's modelInfo() must report for a three-class int8 model with its own threshold,
    // as core reads the file, and the version every artifact carries.
    let (info_model, info_threshold) = support::info_model();
    std::fs::write(dir.join("info-model.onnx"), &info_model).expect("write info-model.onnx");
    let info = Classifier::from_bytes(&info_model, ClassifierOptions::default()).expect("info model loads");
    let m = info.metadata();
    let classes: Vec<String> = m.class_names.iter().map(|c| format!("\"{c}\"")).collect();
    let mut json =
        String::from("{\n  \"model\": \"model.onnx\",\n  \"threshold\": 0.5,\n  \"tolerance\": 1e-4,\n");
    writeln!(json, "  \"workspace_version\": \"{}\",", support::workspace_version())
        .expect("write to String");
    writeln!(
        json,
        "  \"model_info\": {{\"model\": \"info-model.onnx\", \"version\": \"{}\", \"architecture\": \"{}\", \
         \"classes\": [{}], \"input_width\": {}, \"input_height\": {}, \"default_threshold\": {info_threshold:.9}, \
         \"weight_precision\": \"{}\"}},",
        m.model_version,
        m.architecture,
        classes.join(", "),
        m.input_width,
        m.input_height,
        // Kotlin's WeightPrecision name of the file's entry ("int8" -> INT8).
        m.extra.get(glasses_core::contract::KEY_WEIGHT_PRECISION).map(|p| p.to_uppercase()).unwrap_or_default(),
    )
    .expect("write to String");
    json.push_str("  \"cases\": [\n");
    let cases = cases();
    for (i, case) in cases.iter().enumerate() {
        let file = format!("{}.png", case.name);
        std::fs::write(dir.join(&file), &case.png).expect("write fixture image");
        let encoded = classifier.classify_encoded(&case.png).expect("fixture image classifies");

        // The same pixels as Android's getPixels would hand them over must give the same answer.
        let rgb = glasses_core::image::load_from_memory(&case.png).expect("decodes").to_rgb8();
        let ints: Vec<u32> = rgb
            .pixels()
            .map(|p| 0xff00_0000 | (p[0] as u32) << 16 | (p[1] as u32) << 8 | p[2] as u32)
            .collect();
        let pixels =
            PixelBuffer::from_argb_ints(&ints, case.width, case.height, case.width as usize).expect("valid");
        let from_ints = classifier.classify_pixels(&pixels).expect("pixels classify");
        assert!(
            (encoded.probability - from_ints.probability).abs() < 1e-6,
            "{}: encoded {} vs pixels {}",
            case.name,
            encoded.probability,
            from_ints.probability
        );

        let comma = if i + 1 < cases.len() { "," } else { "" };
        writeln!(
            json,
            "    {{\"image\": \"{file}\", \"width\": {}, \"height\": {}, \"probability\": {:.9}, \"has_glasses\": {}}}{comma}",
            case.width, case.height, encoded.probability, encoded.has_glasses
        )
        .expect("write to String");
    }
    json.push_str("  ]\n}\n");
    std::fs::write(dir.join("expected.json"), &json).expect("write expected.json");
    println!("wrote JNI fixtures to {}:\n{json}", dir.display());
}
