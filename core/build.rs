//! Stores the bundled model files zlib-compressed in the library (`model::embedded` inflates them
//! when a classifier or detector is made): the int8 weights deflate by about 15 %, 150 KB of the
//! Android library (bench/size.sh).

use std::env;
use std::fs;
use std::path::Path;

/// miniz_oxide's highest level: the files are compressed once per build, inflated on every load.
const LEVEL: u8 = 10;

fn main() {
    let out = env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    for (feature, file) in [("BUNDLED_MODEL", "glasses-int8.onnx"), ("FACE_DETECTOR", "face-detector.onnx")] {
        let source = Path::new("models").join(file);
        println!("cargo::rerun-if-changed={}", source.display());
        if env::var_os(format!("CARGO_FEATURE_{feature}")).is_none() {
            continue;
        }
        let bytes = fs::read(&source).unwrap_or_else(|e| panic!("reading {}: {e}", source.display()));
        let packed = miniz_oxide::deflate::compress_to_vec_zlib(&bytes, LEVEL);
        fs::write(Path::new(&out).join(format!("{file}.zlib")), packed).expect("writing OUT_DIR");
        // The inflated length, so that loading allocates once and can check it got every byte.
        fs::write(Path::new(&out).join(format!("{file}.len")), format!("{}", bytes.len()))
            .expect("writing OUT_DIR");
    }
}
