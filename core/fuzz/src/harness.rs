//! The checks behind every fuzz target, shared by the cargo-fuzz binaries (`core/fuzz/fuzz_targets`)
//! and by the stable corpus replay in `core/tests/integration/hostile_inputs/` (which includes this file with
//! `#[path]`), so CI replays the committed corpus without a nightly toolchain.
//!
//! Each entry point takes the raw fuzz input, drives glasses-core's public API with it and panics
//! only when core misbehaves: an error of the wrong kind, a probability outside `[0, 1]`, or a
//! disagreement with an independent oracle (the pixel-buffer rules re-derived here). Panics,
//! aborts, hangs and runaway allocations inside core are findings in themselves.
//!
//! Input layouts (so a corpus file can be written and read by hand):
//! * `classify_encoded`, `load_model`: the bytes as they are.
//! * `classify_pixels`: see [`PixelCase::parse`].
//! * `load_model_mutated`: see [`mutate_model`].
#![allow(dead_code)]

use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::image::{GrayImage, RgbImage};
use glasses_core::preprocess::MAX_PIXELS_CEILING;
use glasses_core::{
    Classifier, ClassifierOptions, Error, FaceBox, Input, Orientation, PixelBuffer, PixelFormat, Prediction,
    Request, YuvFrame, YuvRange,
};

/// Pixel limit of the fuzzing classifier: big enough for real photos, small enough that a
/// legitimate large image does not slow the fuzzer down.
pub const FUZZ_MAX_PIXELS: u64 = 4_000_000;

/// Input side of the random-weight model used to classify (the exporter's minimum).
pub const MODEL_SIDE: u32 = 32;

/// A loaded model whose input is larger than this many pixels is not run after loading (a
/// hostile model may legitimately ask for 4096x4096 inputs, which is slow, not wrong).
const MAX_RUN_INPUT_PIXELS: u64 = 256 * 256;

/// The random-weight SqueezeNet the image targets classify with.
pub fn fuzz_classifier() -> Classifier {
    let bytes = exported_model(WeightPrecision::F32);
    Classifier::from_bytes(&bytes, ClassifierOptions::default().with_max_pixels(FUZZ_MAX_PIXELS))
        .expect("the exported random-weight model loads")
}

/// A valid exported model (random weights, 32x32 input): the base that [`mutate_model`] edits.
pub fn exported_model(precision: WeightPrecision) -> Vec<u8> {
    let mut options = ExportOptions::new(Architecture::SqueezeNet1_1, MODEL_SIDE);
    options.precision = precision;
    export_onnx(&random_weights(Architecture::SqueezeNet1_1, 7), &options).expect("export")
}

/// A prediction must be a probability and agree with the threshold.
pub fn check_prediction(p: Prediction, threshold: f32, what: &str) {
    assert!(
        p.probability.is_finite() && (0.0..=1.0).contains(&p.probability),
        "{what}: probability {} is not in [0, 1]",
        p.probability
    );
    assert_eq!(p.has_glasses, p.probability >= threshold, "{what}: has_glasses disagrees with the threshold");
}

/// Encoded bytes: a prediction, or `InvalidImage` / `TruncatedImage` / `OutOfMemory` /
/// `ImageTooLarge` (consistent with the limit).
pub fn classify_encoded(classifier: &Classifier, data: &[u8]) {
    let max_pixels = classifier.options().max_pixels;
    match classifier.classify_encoded(data) {
        Ok(p) => check_prediction(p, classifier.threshold(), "classify_encoded"),
        Err(Error::InvalidImage { reason }) => assert!(!reason.is_empty(), "InvalidImage without a reason"),
        Err(Error::TruncatedImage { reason }) => {
            assert!(!reason.is_empty(), "TruncatedImage without a reason")
        }
        // Only an allocation the size of the picture (within the limit) may fail.
        Err(Error::OutOfMemory { bytes, .. }) => assert!(bytes > 0, "OutOfMemory of 0 bytes"),
        Err(Error::ImageTooLarge { width, height, pixels, max_pixels: limit }) => {
            assert_eq!(pixels, width as u64 * height as u64, "ImageTooLarge miscounts pixels");
            assert_eq!(limit, max_pixels, "ImageTooLarge reports another limit");
            assert!(pixels > max_pixels, "refused {width}x{height} although it is within {max_pixels}");
        }
        Err(other) => panic!("classify_encoded: unexpected error kind {other:?}"),
    }
}

/// How `classify_pixels` builds its buffer (the first byte of the input, modulo 6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PixelMode {
    /// `PixelBuffer::new` with this format (`Argb32`: native-endian u32 values as bytes).
    Bytes(PixelFormat),
    /// `PixelBuffer::from_argb_ints`, the data read as little-endian u32 values.
    ArgbInts,
}

/// A raw pixel buffer case decoded from fuzz bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelCase {
    /// Which constructor and format.
    pub mode: PixelMode,
    /// Declared width.
    pub width: u32,
    /// Declared height.
    pub height: u32,
    /// Declared stride: bytes for [`PixelMode::Bytes`], pixels for [`PixelMode::ArgbInts`].
    pub stride: usize,
    /// The pixel memory.
    pub data: Vec<u8>,
}

const MODES: [PixelMode; 6] = [
    PixelMode::Bytes(PixelFormat::Rgba8),
    PixelMode::Bytes(PixelFormat::Bgra8),
    PixelMode::Bytes(PixelFormat::Rgb8),
    PixelMode::Bytes(PixelFormat::Gray8),
    PixelMode::Bytes(PixelFormat::Argb32),
    PixelMode::ArgbInts,
];

/// Header length of the `classify_pixels` layout.
pub const PIXEL_HEADER: usize = 17;

impl PixelCase {
    /// Layout: byte 0 mode (`% 6`: Rgba8, Bgra8, Rgb8, Gray8, Argb32-as-bytes, Argb32 ints),
    /// bytes 1..5 width (u32 LE), 5..9 height (u32 LE), 9..17 stride (u64 LE), then the pixel data.
    /// Shorter inputs are zero-padded to the header length.
    pub fn parse(input: &[u8]) -> Self {
        let mut header = [0u8; PIXEL_HEADER];
        let n = input.len().min(PIXEL_HEADER);
        header[..n].copy_from_slice(&input[..n]);
        let u32_at = |i: usize| u32::from_le_bytes(header[i..i + 4].try_into().expect("4 bytes"));
        let stride = u64::from_le_bytes(header[9..17].try_into().expect("8 bytes"));
        Self {
            mode: MODES[header[0] as usize % MODES.len()],
            width: u32_at(1),
            height: u32_at(5),
            stride: usize::try_from(stride).unwrap_or(usize::MAX),
            data: input[n..].to_vec(),
        }
    }

    /// The inverse of [`Self::parse`], for writing seeds.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mode = MODES.iter().position(|m| *m == self.mode).expect("known mode") as u8;
        let mut out = vec![mode];
        out.extend_from_slice(&self.width.to_le_bytes());
        out.extend_from_slice(&self.height.to_le_bytes());
        out.extend_from_slice(&(self.stride as u64).to_le_bytes());
        out.extend_from_slice(&self.data);
        out
    }

    fn bytes_per_pixel(&self) -> u128 {
        match self.mode {
            PixelMode::Bytes(PixelFormat::Rgb8) => 3,
            PixelMode::Bytes(PixelFormat::Gray8) => 1,
            _ => 4,
        }
    }

    fn ints(&self) -> Vec<u32> {
        self.data.chunks_exact(4).map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes"))).collect()
    }

    /// Independent statement of the buffer rules, in exact (u128) arithmetic: whether core must
    /// accept this buffer.
    pub fn should_be_valid(&self) -> bool {
        let (stride_bytes, len_bytes) = match self.mode {
            // A pixel stride whose byte size overflows usize is refused even when it would not
            // matter (height 1): `PixelBuffer::from_argb_ints` converts it to bytes first.
            PixelMode::ArgbInts if self.stride.checked_mul(4).is_none() => return false,
            PixelMode::ArgbInts => (self.stride as u128 * 4, self.data.len() as u128 / 4 * 4),
            // Bytes of u32 pixels: rows must start on whole pixels.
            PixelMode::Bytes(PixelFormat::Argb32) if !self.stride.is_multiple_of(4) => return false,
            PixelMode::Bytes(_) => (self.stride as u128, self.data.len() as u128),
        };
        let row = self.width as u128 * self.bytes_per_pixel();
        self.width > 0
            && self.height > 0
            && stride_bytes >= row
            && (self.height as u128 - 1) * stride_bytes + row <= len_bytes
    }

    /// The RGB value core must produce for pixel (x, y) of a valid buffer.
    fn expected_rgb(&self, ints: &[u32], x: usize, y: usize) -> [u8; 3] {
        match self.mode {
            PixelMode::ArgbInts => {
                let p = ints[y * self.stride + x];
                [(p >> 16) as u8, (p >> 8) as u8, p as u8]
            }
            PixelMode::Bytes(format) => {
                let at = y * self.stride + x * self.bytes_per_pixel() as usize;
                let d = &self.data[at..];
                match format {
                    PixelFormat::Argb32 => {
                        let p = u32::from_ne_bytes([d[0], d[1], d[2], d[3]]);
                        [(p >> 16) as u8, (p >> 8) as u8, p as u8]
                    }
                    PixelFormat::Bgra8 => [d[2], d[1], d[0]],
                    PixelFormat::Gray8 => [d[0]; 3],
                    _ => [d[0], d[1], d[2]],
                }
            }
        }
    }
}

/// Raw buffers: accepted exactly when [`PixelCase::should_be_valid`], refused with
/// `InvalidPixelBuffer` otherwise; an accepted buffer converts pixel-exactly and classifies.
pub fn classify_pixels(classifier: &Classifier, input: &[u8]) {
    let case = PixelCase::parse(input);
    let ints = case.ints();
    let buffer = match case.mode {
        PixelMode::Bytes(format) => {
            PixelBuffer::new(&case.data, case.width, case.height, case.stride, format)
        }
        PixelMode::ArgbInts => PixelBuffer::from_argb_ints(&ints, case.width, case.height, case.stride),
    };
    let buffer = match (buffer, case.should_be_valid()) {
        (Ok(b), true) => b,
        (Err(Error::InvalidPixelBuffer { .. }), false) => return,
        (Ok(_), false) => panic!("accepted an inconsistent buffer: {}", describe(&case)),
        (Err(e), true) => panic!("refused a consistent buffer ({e}): {}", describe(&case)),
        (Err(e), false) => panic!("wrong error kind {e:?} for {}", describe(&case)),
    };
    let rgb = buffer.to_rgb();
    assert_eq!(rgb.dimensions(), (case.width, case.height), "to_rgb changed the size");
    for (x, y, px) in rgb.enumerate_pixels() {
        let want = case.expected_rgb(&ints, x as usize, y as usize);
        assert_eq!(px.0, want, "pixel ({x}, {y}) of {}", describe(&case));
    }
    match classifier.classify_pixels(&buffer) {
        Ok(p) => check_prediction(p, classifier.threshold(), "classify_pixels"),
        Err(e) => panic!("a valid buffer failed to classify: {e:?}"),
    }
    // A face box and an orientation from the input's last five bytes (the layout above is
    // unchanged): box sizes from a quarter pixel to a billion, without a pixel limit.
    let tail = |i: usize| input.len().checked_sub(5 - i).map_or(0, |at| input[at]) as usize;
    let size = |b: usize| 2f32.powf(b as f32 * 32.0 / 255.0 - 2.0);
    let face = FaceBox::new(
        (tail(0) as f32 - 64.0) * case.width as f32 / 64.0,
        (tail(1) as f32 - 64.0) * case.height as f32 / 64.0,
        size(tail(2)),
        size(tail(3)),
    );
    let orientation =
        Orientation { rotation_degrees: [0, 90, 180, 270][tail(4) % 4], mirrored: tail(4) & 4 != 0 };
    let unlimited = classifier
        .with_options(classifier.options().with_max_pixels(MAX_PIXELS_CEILING))
        .expect("valid options");
    let request = Request::new().with_orientation(orientation).with_face(face);
    match unlimited.classify(Input::Pixels(buffer), &request) {
        Ok(p) => check_prediction(p, classifier.threshold(), "classify with a face box"),
        Err(Error::InvalidRegion { .. }) => {}
        Err(e) => panic!("a valid buffer with {face:?} failed with the wrong error kind: {e:?}"),
    }
}

fn describe(case: &PixelCase) -> String {
    format!(
        "{:?} {}x{} stride {} with {} bytes",
        case.mode,
        case.width,
        case.height,
        case.stride,
        case.data.len()
    )
}

/// A YUV 4:2:0 camera frame: the first 16 bytes choose the geometry (sizes, strides, chroma
/// pixel stride, rotation including an impossible one, mirror, range, plane split, a face box
/// from a quarter pixel to a billion pixels on a side),
/// the rest feeds the three planes. Every frame is refused with `InvalidPixelBuffer` (or the box
/// with `InvalidRegion`) or classified; nothing may panic or read out of bounds. Returns whether
/// the frame was valid (and so classified).
pub fn classify_yuv(classifier: &Classifier, input: &[u8]) -> bool {
    let byte = |i: usize| input.get(i).copied().unwrap_or(0) as usize;
    let (width, height) = ((byte(0) % 48) as u32, (byte(1) % 48) as u32);
    let y_stride = (width as usize + byte(2) % 9).saturating_sub(4);
    let pixel_stride = byte(3) % 4;
    let uv_stride = ((width as usize / 2) * pixel_stride.max(1) + byte(4) % 9).saturating_sub(4);
    let rotation = [0, 90, 180, 270, 45][byte(5) % 5];
    let orientation = Orientation { rotation_degrees: rotation, mirrored: byte(6) % 2 == 1 };
    let range = if byte(7) % 2 == 0 { YuvRange::Full } else { YuvRange::Limited };
    let data = input.get(16..).unwrap_or_default();
    let first = data.len() * byte(8) / 255;
    let second = first + (data.len() - first) * byte(9) / 255;
    let (y, rest) = data.split_at(first);
    let (u, v) = rest.split_at(second - first);
    let frame = match YuvFrame::new(y, y_stride, u, v, uv_stride, pixel_stride, width, height, range) {
        Ok(frame) => frame,
        Err(Error::InvalidPixelBuffer { .. }) => return false,
        Err(e) => panic!("YuvFrame::new: wrong error kind {e:?}"),
    };
    let threshold = classifier.threshold();
    match classifier.classify_yuv(&frame, orientation) {
        Ok(p) => check_prediction(p, threshold, "classify_yuv"),
        Err(Error::InvalidPixelBuffer { .. }) if rotation == 45 => {}
        Err(e) => panic!("a valid frame failed to classify ({rotation} degrees): {e:?}"),
    }
    // Box sizes from a quarter pixel to a billion (2^-2 to 2^30, log-spaced), so the region
    // seen runs from far inside the frame to ~10,000 times the model's input per output pixel
    // and beyond; the pixel limit is lifted so such boxes reach the sampler.
    let size = |b: usize| 2f32.powf(b as f32 * 32.0 / 255.0 - 2.0);
    let face = FaceBox::new(byte(10) as f32 - 32.0, byte(11) as f32 - 32.0, size(byte(12)), size(byte(13)));
    let unlimited = classifier
        .with_options(classifier.options().with_max_pixels(MAX_PIXELS_CEILING))
        .expect("valid options");
    for classifier in [classifier, &unlimited] {
        match classifier.classify_yuv_region(&frame, orientation, face) {
            Ok(p) => check_prediction(p, threshold, "classify_yuv_region"),
            Err(Error::InvalidRegion { .. }) => {}
            Err(Error::InvalidPixelBuffer { .. }) if rotation == 45 => {}
            Err(e) => panic!("classify_yuv_region: wrong error kind {e:?}"),
        }
    }
    true
}

/// Model bytes: a classifier that runs, or `InvalidModel` / `ContractViolation` at load.
pub fn load_model(bytes: &[u8]) {
    let classifier = match Classifier::from_bytes(bytes, ClassifierOptions::default()) {
        Ok(c) => c,
        Err(Error::InvalidModel { .. } | Error::ContractViolation { .. }) => return,
        Err(other) => panic!("from_bytes: unexpected error kind {other:?}"),
    };
    let meta = classifier.metadata();
    assert!(
        (1..=glasses_core::contract::MAX_INPUT_SIDE).contains(&meta.input_width)
            && (1..=glasses_core::contract::MAX_INPUT_SIDE).contains(&meta.input_height),
        "a loaded model has input {}x{}",
        meta.input_width,
        meta.input_height
    );
    if meta.input_width as u64 * meta.input_height as u64 > MAX_RUN_INPUT_PIXELS {
        return;
    }
    // A valid-but-hostile model may compute NaN: that must be a typed Inference error.
    let img = GrayImage::from_fn(9, 7, |x, y| glasses_core::image::Luma([(x * 29 + y * 7) as u8]));
    let rgb: RgbImage = glasses_core::image::DynamicImage::ImageLuma8(img).to_rgb8();
    match classifier.classify_rgb(&rgb) {
        Ok(p) => check_prediction(p, classifier.threshold(), "loaded model"),
        Err(Error::Inference { .. }) => {}
        Err(other) => panic!("a loaded model failed with {other:?}"),
    }
}

/// Bytes patched per [`mutate_model`] record.
pub const PATCH_RECORD: usize = 4;

/// Applies a fuzz-chosen edit script to a valid exported model and returns the edited bytes.
///
/// Layout: byte 0 picks the base model (even: float32 weights, odd: int8) and, when bit 1 is set,
/// truncates the result at the offset given by bytes 1..3 (u16 LE, in 1/65536ths of the length).
/// Then 4-byte records `[where, lo, hi, value]`: offset `u16(lo, hi)` counted from the start
/// (`where` even) or from the end (`where` odd) of the file, where the graph structure and the
/// metadata live (prost writes nodes first, then the weights, then inputs, outputs, opsets and
/// metadata), and `value` is XORed into that byte (0 means "set to 0").
pub fn mutate_model(base_f32: &[u8], base_int8: &[u8], script: &[u8]) -> Vec<u8> {
    let Some((&first, rest)) = script.split_first() else {
        return base_f32.to_vec();
    };
    let mut bytes = if first & 1 == 0 { base_f32.to_vec() } else { base_int8.to_vec() };
    let (truncate_at, records) = if first & 2 != 0 && rest.len() >= 2 {
        let frac = u16::from_le_bytes([rest[0], rest[1]]) as usize;
        (Some(bytes.len() * frac / 65536), &rest[2..])
    } else {
        (None, rest)
    };
    for r in records.chunks_exact(PATCH_RECORD) {
        let off = u16::from_le_bytes([r[1], r[2]]) as usize % bytes.len();
        let at = if r[0] & 1 == 0 { off } else { bytes.len() - 1 - off };
        bytes[at] = if r[3] == 0 { 0 } else { bytes[at] ^ r[3] };
    }
    if let Some(n) = truncate_at {
        bytes.truncate(n);
    }
    bytes
}
