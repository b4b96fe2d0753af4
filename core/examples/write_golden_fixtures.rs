//! Writes the cross-surface golden fixtures: a few generated face-like pictures and the
//! probabilities the bundled model gives for them. Rust, C, Kotlin (and Swift, for users with
//! Xcode) assert the same values.
//!
//! `cargo run -p glasses-core --example write_golden_fixtures -- OUT_DIR`
//!
//! The pictures are drawn here (a face with bare eyes, eyeglasses or sunglasses, at the training
//! crops' 89x109, square, landscape and in gray; JPEG and PNG), so the project may redistribute
//! them: they test the arithmetic of every surface, not the model's accuracy (that is measured
//! on the labelled data in `../shared`). `OUT_DIR/golden.json` lists each picture with its
//! probability, decision, and the RGBA pixels' probability (so raw-buffer surfaces are checked too).

use std::io::Cursor;
use std::path::PathBuf;

use glasses_core::image::imageops;
use glasses_core::image::{ImageFormat, Rgb, RgbImage};
use glasses_core::{
    Classifier, DetectedFace, FaceBox, FaceFraming, Input, PixelBuffer, PixelFormat, Prediction, Request,
};

#[derive(Clone, Copy, PartialEq)]
enum Eyewear {
    None,
    Eyeglasses,
    Sunglasses,
}

impl Eyewear {
    /// The label the fixtures use: "0", "1" or "sunglasses".
    fn label(self) -> &'static str {
        match self {
            Eyewear::None => "0",
            Eyewear::Eyeglasses => "1",
            Eyewear::Sunglasses => "sunglasses",
        }
    }
}

/// A frontal face drawn on a plain background: skin-coloured ellipse, hair, eyes, brows, nose,
/// mouth, and the eyewear; deterministic noise so the pictures are not flat.
fn face(width: u32, height: u32, eyewear: Eyewear, gray: bool, seed: u32) -> RgbImage {
    let (w, h) = (width as f32, height as f32);
    // The face fills a 89x109-like portrait box centred in the picture.
    let fh = h.min(w * 109.0 / 89.0);
    let fw = fh * 89.0 / 109.0;
    let (cx, cy) = (w / 2.0, h / 2.0 + fh * 0.05);
    let mut state = seed.wrapping_mul(2_654_435_761) | 1;
    let mut noise = move || {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        (state % 17) as i32 - 8
    };
    RgbImage::from_fn(width, height, |x, y| {
        let (px, py) = ((x as f32 - cx) / fw, (y as f32 - cy) / fh);
        let mut c: [i32; 3] = [70, 90, 120];
        if (px / 0.36).powi(2) + ((py + 0.08) / 0.46).powi(2) < 1.0 {
            c = [96, 62, 40];
        }
        if (px / 0.31).powi(2) + (py / 0.4).powi(2) < 1.0 {
            c = [224, 180, 150];
        }
        let eye_y = -0.06;
        for ex in [-0.13f32, 0.13] {
            let d = ((px - ex).powi(2) + ((py - eye_y) * 1.6).powi(2)).sqrt();
            if d < 0.035 {
                c = [40, 30, 30];
            } else if d < 0.06 {
                c = [245, 245, 245];
            }
            if ((py - eye_y + 0.07).abs() < 0.012) && (px - ex).abs() < 0.07 {
                c = [70, 45, 30];
            }
            let lens = ((px - ex) / 0.1).powi(2) + ((py - eye_y) / 0.075).powi(2);
            match eyewear {
                Eyewear::Eyeglasses if (0.8..1.0).contains(&lens) => c = [25, 25, 30],
                Eyewear::Sunglasses if lens < 1.0 => c = [15, 15, 20],
                _ => {}
            }
        }
        if eyewear != Eyewear::None && (py - eye_y).abs() < 0.01 && px.abs() < 0.03 {
            c = [25, 25, 30];
        }
        if px.abs() < 0.02 && (0.0..0.12).contains(&py) {
            c = [200, 150, 120];
        }
        if (px / 0.1).powi(2) + ((py - 0.2) / 0.02).powi(2) < 1.0 {
            c = [170, 70, 70];
        }
        let n = noise();
        let v = c.map(|v| (v + n).clamp(0, 255) as u8);
        if gray {
            let l = (0.299 * v[0] as f32 + 0.587 * v[1] as f32 + 0.114 * v[2] as f32).round() as u8;
            Rgb([l, l, l])
        } else {
            Rgb(v)
        }
    })
}

/// `[none, eyeglasses, sunglasses]`, or two values for a two-class model.
fn probabilities_json(p: &Prediction) -> String {
    let q = p.probabilities;
    match q.sunglasses {
        Some(s) => format!("[{:.7}, {:.7}, {:.7}]", q.none, q.eyeglasses, s),
        None => format!("[{:.7}, {:.7}]", q.none, q.eyeglasses),
    }
}

/// The face an answer was for, `[x, y, width, height, score]` rounded to 0.01 pixel, or
/// `null` when the whole picture was classified.
fn face_json(face: Option<DetectedFace>) -> String {
    face.map_or_else(
        || "null".to_owned(),
        |f| {
            let b = f.face_box;
            format!("[{:.2}, {:.2}, {:.2}, {:.2}, {:.4}]", b.x, b.y, b.width, b.height, f.score)
        },
    )
}

/// A face drawn into a group picture: its eyewear, width and top-left corner.
type Drawn = (Eyewear, u32, i64, i64);

/// Group pictures: two or three drawn faces of different kinds and sizes side by side in one
/// wide picture, with every face the detector finds (largest first) and the answer for each.
fn group_cases(
    classifier: &Classifier,
    out: &std::path::Path,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let mut cases = Vec::new();
    let groups: [(&str, (u32, u32), &[Drawn]); 2] = [
        (
            "group_three_720x300.png",
            (720, 300),
            &[
                (Eyewear::Sunglasses, 200, 30, 30),
                (Eyewear::Eyeglasses, 160, 300, 70),
                (Eyewear::None, 120, 560, 100),
            ],
        ),
        (
            "group_two_640x320.jpg",
            (640, 320),
            &[(Eyewear::None, 180, 60, 40), (Eyewear::Eyeglasses, 140, 400, 90)],
        ),
    ];
    for (file, (cw, ch), faces) in groups {
        let mut canvas = RgbImage::from_pixel(cw, ch, Rgb([90, 110, 100]));
        for (i, &(eyewear, fw, fx, fy)) in faces.iter().enumerate() {
            let fh = fw * 109 / 89;
            imageops::overlay(&mut canvas, &face(fw, fh, eyewear, false, 20 + i as u32), fx, fy);
        }
        let format = if file.ends_with(".png") { ImageFormat::Png } else { ImageFormat::Jpeg };
        let mut bytes = Vec::new();
        canvas.write_to(&mut Cursor::new(&mut bytes), format)?;
        std::fs::write(out.join("faces").join(file), &bytes)?;
        let found = classifier.classify_faces(Input::Encoded(&bytes), &Request::new())?;
        let kinds: Vec<&str> = faces.iter().map(|f| f.0.label()).collect();
        let rows: Vec<String> = found
            .iter()
            .map(|r| {
                format!(
                    "{{\"face\": {}, \"probability\": {:.7}, \"has_glasses\": {}, \"eyewear\": \"{}\", \
                     \"probabilities\": {}}}",
                    face_json(Some(r.face)),
                    r.prediction.probability,
                    r.prediction.has_glasses,
                    r.prediction.eyewear,
                    probabilities_json(&r.prediction)
                )
            })
            .collect();
        cases.push(format!(
            "    {{\"image\": \"faces/{file}\", \"drawn\": {kinds:?}, \"faces\": [\n      {}\n    ]}}",
            rows.join(",\n      ")
        ));
    }
    Ok(cases)
}

/// Faces pasted into larger pictures, with the box a face detector would report for them (the
/// face's framing shrunk by [`FaceFraming::HAAR_CELEBA`]): one wholly inside, one cut by the
/// picture's left edge.
fn region_cases(
    classifier: &Classifier,
    out: &std::path::Path,
) -> Result<Vec<String>, Box<dyn std::error::Error>> {
    let framing = FaceFraming::HAAR_CELEBA;
    let mut cases = Vec::new();
    for (file, eyewear, (fx, fy), seed) in [
        ("region_eyeglasses_640x400.png", Eyewear::Eyeglasses, (380i64, 90i64), 11),
        ("region_none_edge_480x360.png", Eyewear::None, (-40, 60), 12),
    ] {
        let (cw, ch) = if file.contains("640") { (640, 400) } else { (480, 360) };
        let (fw, fh) = (178u32, 218u32);
        let mut canvas = RgbImage::from_pixel(cw, ch, Rgb([90, 110, 100]));
        imageops::overlay(&mut canvas, &face(fw, fh, eyewear, false, seed), fx, fy);
        let mut bytes = Vec::new();
        canvas.write_to(&mut Cursor::new(&mut bytes), ImageFormat::Png)?;
        std::fs::write(out.join("faces").join(file), &bytes)?;
        let bw = fw as f32 / framing.scale_x;
        let bh = fh as f32 / framing.scale_y;
        let centre_x = fx as f32 + fw as f32 / 2.0 - framing.center_dx * bw;
        let centre_y = fy as f32 + fh as f32 / 2.0 - framing.center_dy * bh;
        let face_box = FaceBox::new(
            (centre_x - bw / 2.0).round(),
            (centre_y - bh / 2.0).round(),
            bw.round(),
            bh.round(),
        );
        let p = classifier.classify_encoded_region(&bytes, face_box)?;
        cases.push(format!(
            "    {{\"image\": \"faces/{file}\", \"face_box\": [{}, {}, {}, {}], \"probability\": {:.7}, \
             \"has_glasses\": {}, \"eyewear\": \"{}\", \"probabilities\": {}}}",
            face_box.x,
            face_box.y,
            face_box.width,
            face_box.height,
            p.probability,
            p.has_glasses,
            p.eyewear,
            probabilities_json(&p)
        ));
    }
    Ok(cases)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let out = PathBuf::from(std::env::args().nth(1).ok_or("usage: write_golden_fixtures OUT_DIR")?);
    let pictures = [
        ("none_89x109.jpg", 89, 109, Eyewear::None, false),
        ("eyeglasses_89x109.jpg", 89, 109, Eyewear::Eyeglasses, false),
        ("sunglasses_89x109.jpg", 89, 109, Eyewear::Sunglasses, false),
        ("eyeglasses_square_160.png", 160, 160, Eyewear::Eyeglasses, false),
        ("none_landscape_240x150.jpg", 240, 150, Eyewear::None, false),
        ("eyeglasses_gray_120x150.png", 120, 150, Eyewear::Eyeglasses, true),
    ];
    let classifier = Classifier::bundled()?;
    std::fs::create_dir_all(out.join("faces"))?;
    let mut cases = Vec::new();
    for (i, (file, w, h, eyewear, gray)) in pictures.into_iter().enumerate() {
        let img = face(w, h, eyewear, gray, i as u32 + 1);
        let format = if file.ends_with(".png") { ImageFormat::Png } else { ImageFormat::Jpeg };
        let mut bytes = Vec::new();
        img.write_to(&mut Cursor::new(&mut bytes), format)?;
        std::fs::write(out.join("faces").join(file), &bytes)?;
        let label = eyewear.label();
        let encoded = classifier.classify_encoded(&bytes)?;
        // The decoded pixels (JPEG is lossy), handed over as RGBA.
        let rgb = glasses_core::preprocess::decode(&bytes, u64::MAX)?;
        let rgba: Vec<u8> = rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let pixels = classifier.classify_pixels(&PixelBuffer::new(
            &rgba,
            w,
            h,
            w as usize * 4,
            PixelFormat::Rgba8,
        )?)?;
        cases.push(format!(
            "    {{\"image\": \"faces/{file}\", \"label\": \"{label}\", \"width\": {w}, \"height\": {h}, \
             \"probability\": {:.7}, \"has_glasses\": {}, \"eyewear\": \"{}\", \"probabilities\": {}, \
             \"rgba_probability\": {:.7}, \"face\": {}}}",
            encoded.probability,
            encoded.has_glasses,
            encoded.eyewear,
            probabilities_json(&encoded),
            pixels.probability,
            face_json(encoded.face)
        ));
    }
    let regions = region_cases(&classifier, &out)?;
    let groups = group_cases(&classifier, &out)?;
    let meta = classifier.metadata();
    let json = format!(
        "{{\n  \"model\": \"core/models/glasses-int8.onnx\",\n  \"model_version\": \"{}\",\n  \"threshold\": {},\n  \
         \"tolerance\": 1e-4,\n  \"cases\": [\n{}\n  ],\n  \"region_cases\": [\n{}\n  ],\n  \"group_cases\": [\n{}\n  ]\n}}\n",
        meta.model_version,
        classifier.threshold(),
        cases.join(",\n"),
        regions.join(",\n"),
        groups.join(",\n")
    );
    std::fs::write(out.join("golden.json"), json)?;
    println!("wrote {} cases to {}", cases.len(), out.join("golden.json").display());
    Ok(())
}
