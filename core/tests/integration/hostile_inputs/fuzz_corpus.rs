//! The committed fuzz corpus, replayed through the fuzz targets' own checks.

use super::bombs::{bombs, png_claiming};
use super::encoded::{cmyk_jpeg, gif_frames};
use super::models::tiny_model_bytes;
use super::pixels::pixel_case;
use super::*;

// ---------------------------------------------------------------------------------------------
// The fuzz corpus, replayed through the fuzz targets' own checks.

fn corpus_dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus").join(target)
}

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let dir = corpus_dir(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("dir entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(!files.is_empty(), "{} holds no corpus files", dir.display());
    files
}

fn replay(target: &str, run: impl Fn(&[u8])) {
    for path in corpus_files(target) {
        let bytes = std::fs::read(&path).expect("read corpus file");
        let (_, _, took) = measured(|| run(&bytes));
        assert!(took < Duration::from_secs(30), "{}: took {took:?}", path.display());
    }
}

#[test]
fn fuzz_corpus_classify_encoded_replays_cleanly() {
    replay("classify_encoded", |b| harness::classify_encoded(&CLASSIFIER, b));
}

#[test]
fn fuzz_corpus_classify_pixels_replays_cleanly() {
    replay("classify_pixels", |b| harness::classify_pixels(&CLASSIFIER, b));
}

#[test]
fn fuzz_corpus_load_model_replays_cleanly() {
    replay("load_model", harness::load_model);
}

#[test]
fn fuzz_corpus_load_model_mutated_replays_cleanly() {
    let f32_model = harness::exported_model(WeightPrecision::F32);
    let int8_model = harness::exported_model(WeightPrecision::Int8);
    replay("load_model_mutated", |script| {
        harness::load_model(&harness::mutate_model(&f32_model, &int8_model, script));
    });
}

/// Writes the generated seeds into `core/fuzz/corpus/<target>/seed-*` (run on demand).
#[test]
#[ignore = "writes the fuzz seed corpus; run with --ignored to regenerate"]
fn write_fuzz_seeds() {
    let write = |target: &str, name: &str, bytes: &[u8]| {
        let name: String = name.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
        let dir = corpus_dir(target);
        std::fs::create_dir_all(&dir).expect("create corpus dir");
        std::fs::write(dir.join(format!("seed-{name}")), bytes).expect("write seed");
    };
    let img = picture(12, 10);
    for (format, _) in FORMATS {
        write("classify_encoded", &format!("{format:?}").to_lowercase(), &encode(&img, format));
    }
    let small = four_colour_picture(6, 5);
    write("classify_encoded", "gif-animated", &gif_frames(&[small.clone(), picture(6, 5)]));
    let img16: ImageBuffer<Rgb<u16>, Vec<u16>> =
        ImageBuffer::from_fn(6, 5, |x, y| Rgb(small.get_pixel(x, y).0.map(|v| v as u16 * 257)));
    write(
        "classify_encoded",
        "png-16bit",
        &encode_dynamic(&DynamicImage::ImageRgb16(img16), ImageFormat::Png),
    );
    let la = GrayAlphaImage::from_fn(6, 5, |x, y| LumaA([(x * 40) as u8, (y * 50) as u8]));
    write(
        "classify_encoded",
        "png-gray-alpha",
        &encode_dynamic(&DynamicImage::ImageLumaA8(la), ImageFormat::Png),
    );
    write("classify_encoded", "jpeg-cmyk", &cmyk_jpeg(16));
    write("classify_encoded", "png-1x1", &encode(&picture(1, 1), ImageFormat::Png));
    for (name, bytes, _, _) in bombs() {
        write("classify_encoded", &format!("bomb-{name}"), &bytes);
    }
    // Issue 13: extreme aspect ratios within the fuzz limit (4 MP), declared sizes far past it
    // (100,000 x 100,000 RGB: 30 GB, refused by the limit; with `max_pixels` raised, fallible),
    // and a JPEG cut before its end marker.
    let ramp = |w: u32, h: u32| {
        use image::ImageEncoder;
        use image::codecs::png::{CompressionType, FilterType, PngEncoder};
        let gray = image::GrayImage::from_fn(w, h, |x, y| image::Luma([((x + y) * 255 / (w + h)) as u8]));
        let mut out = Vec::new();
        PngEncoder::new_with_quality(&mut out, CompressionType::Best, FilterType::NoFilter)
            .write_image(gray.as_raw(), w, h, image::ExtendedColorType::L8)
            .expect("encode PNG");
        out
    };
    write("classify_encoded", "aspect-4000000x1", &ramp(4_000_000, 1));
    write("classify_encoded", "aspect-1x4000000", &ramp(1, 4_000_000));
    write("classify_encoded", "aspect-65536x61", &ramp(65_536, 61));
    write("classify_encoded", "declares-100000-square-rgb8", &png_claiming(100_000, 100_000, 8, 2));
    write("classify_encoded", "declares-4000000x1-rgba16", &png_claiming(4_000_000, 1, 16, 6));
    write("classify_encoded", "declares-1x4000000-gray", &png_claiming(1, 4_000_000, 8, 0));
    let jpeg = encode(&picture(64, 48), ImageFormat::Jpeg);
    write("classify_encoded", "jpeg-truncated-60pct", &jpeg[..jpeg.len() * 6 / 10]);
    write("classify_encoded", "jpeg-no-end-marker", &jpeg[..jpeg.len() - 2]);

    let pixel_seeds = [
        ("rgba-3x2", pixel_case(PixelMode::Bytes(PixelFormat::Rgba8), 3, 2, 12, 24)),
        ("bgra-2x2-padded", pixel_case(PixelMode::Bytes(PixelFormat::Bgra8), 2, 2, 11, 19)),
        ("rgb-odd-stride", pixel_case(PixelMode::Bytes(PixelFormat::Rgb8), 2, 3, 7, 20)),
        ("gray-5x4", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 5, 4, 5, 20)),
        ("argb-bytes", pixel_case(PixelMode::Bytes(PixelFormat::Argb32), 2, 2, 8, 16)),
        ("argb-ints-3x2", pixel_case(PixelMode::ArgbInts, 3, 2, 4, 28)),
        ("short", pixel_case(PixelMode::Bytes(PixelFormat::Rgba8), 4, 4, 16, 63)),
        ("huge-dims", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), u32::MAX, u32::MAX, usize::MAX, 8)),
        ("gray-65536x1", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 65_536, 1, 65_536, 65_536)),
        ("gray-1x65536", pixel_case(PixelMode::Bytes(PixelFormat::Gray8), 1, 65_536, 1, 65_536)),
    ];
    for (name, case) in pixel_seeds {
        write("classify_pixels", name, &case.to_bytes());
    }

    write("load_model", "tiny", &tiny_model_bytes());
    write("load_model", "tiny-1000-classes", &tiny_model(4, 1000, 0.5).encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.graph.as_mut().expect("graph").input[0] = value_info(INPUT_NAME, &[None, Some(3), None, None]);
    write("load_model", "tiny-symbolic", &m.encode_to_vec());
    let mut m = tiny_model(16, 2, 0.5);
    m.metadata_props.clear();
    write("load_model", "tiny-no-metadata", &m.encode_to_vec());

    write("load_model_mutated", "unchanged-f32", &[0]);
    write("load_model_mutated", "unchanged-int8", &[1]);
    write("load_model_mutated", "truncated-half", &[3, 0, 0x80]);
    write("load_model_mutated", "head-and-tail-edits", &[0, 0, 40, 0, 0x01, 1, 20, 0, 0x20, 1, 200, 0, 0]);
}

/// The YUV fuzz target's checks on stable, over random and edge-case geometry: every frame is
/// refused with a typed error or classified, never a panic or an out-of-bounds read.
#[test]
fn random_yuv_frames_are_refused_or_classified() {
    let mut state = 0x9e37_79b9_7f4a_7c15u64;
    let mut next = || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut valid = 0;
    for case in 0..3000 {
        let len = 16 + (next() % 6000) as usize;
        let mut input: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if case % 3 == 0 {
            // Consistent geometry more often: even sizes, exact strides, planes of the right size.
            input[0] = (input[0] % 24) * 2;
            input[1] = (input[1] % 24) * 2;
            input[2] = 4;
            input[3] = 1 + input[3] % 2;
            input[4] = 4;
            input[8] = 100;
            input[9] = 128;
        }
        valid += usize::from(harness::classify_yuv(&CLASSIFIER, &input));
    }
    // Enough frames pass validation that classification itself is exercised, not only refusals.
    assert!(valid >= 100, "only {valid} of 3000 frames were valid");
    for input in [&[][..], &[0; 16][..], &[255; 64][..]] {
        harness::classify_yuv(&CLASSIFIER, input);
    }
}
