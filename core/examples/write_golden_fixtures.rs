//! Writes the cross-surface golden fixtures: a few face images and the probabilities the bundled
//! model gives for them. Rust, C, Kotlin (and Swift, for users with Xcode) assert the same values.
//!
//! `cargo run -p glasses-core --example write_golden_fixtures -- OUT_DIR IMAGE...`
//!
//! Images are copied to `OUT_DIR/faces/` (their bytes unchanged); `OUT_DIR/golden.json` lists
//! each with its probability, decision, and the RGBA pixels' probability (so raw-buffer
//! surfaces are checked too).

use std::path::{Path, PathBuf};

use glasses_core::{Classifier, PixelBuffer, PixelFormat};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: write_golden_fixtures OUT_DIR IMAGE...")?);
    let images: Vec<PathBuf> = args.map(PathBuf::from).collect();
    if images.is_empty() {
        return Err("no images given".into());
    }
    let classifier = Classifier::bundled()?;
    std::fs::create_dir_all(out.join("faces"))?;
    let mut cases = Vec::new();
    for path in &images {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or("image path without a file name")?;
        let label = path.parent().and_then(Path::file_name).and_then(|n| n.to_str()).unwrap_or("unknown");
        let file = format!("{label}_{name}");
        let bytes = std::fs::read(path)?;
        std::fs::write(out.join("faces").join(&file), &bytes)?;
        let encoded = classifier.classify_encoded(&bytes)?;
        let rgb = glasses_core::preprocess::decode(&bytes, u64::MAX)?;
        let rgba: Vec<u8> = rgb.pixels().flat_map(|p| [p[0], p[1], p[2], 255]).collect();
        let (w, h) = rgb.dimensions();
        let pixels = classifier.classify_pixels(&PixelBuffer::new(
            &rgba,
            w,
            h,
            w as usize * 4,
            PixelFormat::Rgba8,
        )?)?;
        cases.push(format!(
            "    {{\"image\": \"faces/{file}\", \"label\": \"{label}\", \"width\": {w}, \"height\": {h}, \
             \"probability\": {:.7}, \"has_glasses\": {}, \"rgba_probability\": {:.7}}}",
            encoded.probability, encoded.has_glasses, pixels.probability
        ));
    }
    let meta = classifier.metadata();
    let json = format!(
        "{{\n  \"model\": \"core/models/glasses-int8.onnx\",\n  \"model_version\": \"{}\",\n  \"threshold\": {},\n  \
         \"tolerance\": 1e-4,\n  \"cases\": [\n{}\n  ]\n}}\n",
        meta.model_version,
        classifier.options().threshold,
        cases.join(",\n")
    );
    std::fs::write(out.join("golden.json"), json)?;
    println!("wrote {} cases to {}", images.len(), out.join("golden.json").display());
    Ok(())
}
