//! Helpers shared by core's integration tests.
#![allow(dead_code)]

pub mod tiny_onnx;

use std::io::Cursor;

use glasses_core::export::{Architecture, ExportOptions, WeightPrecision, export_onnx, random_weights};
use glasses_core::image::{ImageFormat, Rgb, RgbImage, imageops};
use glasses_core::{Classifier, ClassifierOptions, Orientation};

/// A random-weight SqueezeNet at `size` px.
pub fn squeezenet_bytes(size: u32, seed: u64) -> Vec<u8> {
    export_onnx(
        &random_weights(Architecture::SqueezeNet1_1, seed),
        &ExportOptions::new(Architecture::SqueezeNet1_1, size),
    )
    .expect("export")
}

/// A random-weight model (seed 7) of `arch` at `width` x `height` with `precision` weights.
pub fn exported(arch: Architecture, precision: WeightPrecision, width: u32, height: u32) -> Vec<u8> {
    let mut options = ExportOptions::new(arch, width);
    options.input_height = height;
    options.precision = precision;
    export_onnx(&random_weights(arch, 7), &options).expect("export")
}

pub fn squeezenet(size: u32, seed: u64) -> Classifier {
    Classifier::from_bytes(&squeezenet_bytes(size, seed), ClassifierOptions::default()).expect("load")
}

/// A deterministic, structured test picture (gradients and a dark band like a frame).
pub fn picture(w: u32, h: u32) -> RgbImage {
    RgbImage::from_fn(w, h, |x, y| {
        let band = (y * 10 / h.max(1)) == 4;
        let v = if band { 20 } else { 128 };
        Rgb([((x * 255) / w.max(1)) as u8, ((y * 255) / h.max(1)) as u8, v + ((x ^ y) % 64) as u8])
    })
}

pub fn encode(img: &RgbImage, format: ImageFormat) -> Vec<u8> {
    let mut out = Vec::new();
    img.write_to(&mut Cursor::new(&mut out), format).expect("encode");
    out
}

/// The deterministic input tensor used by the golden test: a smooth pattern in [-2, 2].
pub fn golden_input(len: usize) -> Vec<f32> {
    (0..len).map(|i| 2.0 * ((i as f32) * 0.013).sin() * ((i % 97) as f32 / 97.0)).collect()
}

/// The micro-kernels whole-model tests run on: every kernel this CPU runs (phones run NEON, armv7
/// and x86 Android the portable kernel), fastest first, or the comma-separated subset named by
/// `GLASSES_TEST_KERNELS`. scripts/test-aarch64.sh names `neon` alone: under qemu every model run
/// costs seconds, and the portable kernel built for aarch64 is no build any device runs.
pub fn kernels() -> Vec<&'static str> {
    let available = Classifier::available_kernels();
    assert!(available.contains(&"portable"), "every CPU runs the portable kernel: {available:?}");
    let Ok(wanted) = std::env::var("GLASSES_TEST_KERNELS") else {
        return available;
    };
    wanted
        .split(',')
        .map(|name| {
            // A name this CPU lacks must fail, not quietly test fewer kernels.
            *available
                .iter()
                .find(|k| **k == name)
                .unwrap_or_else(|| panic!("GLASSES_TEST_KERNELS names `{name}`; this CPU runs {available:?}"))
        })
        .collect()
}

/// The model loaded once per kernel of [`kernels`], with the kernel's name.
pub fn per_kernel(bytes: &[u8]) -> Vec<(&'static str, Classifier)> {
    kernels()
        .into_iter()
        .map(|kernel| {
            let c = Classifier::from_bytes_with_kernel(bytes, ClassifierOptions::default(), kernel)
                .unwrap_or_else(|e| panic!("{kernel}: {e}"));
            // The engine must really run the forced kernel, or the loop tests one kernel N times.
            assert!(c.engine().contains(&format!("{kernel} kernels")), "{kernel}: {}", c.engine());
            (kernel, c)
        })
        .collect()
}

/// PNG's CRC-32, so a forged chunk passes the decoder's checksum.
pub fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in bytes {
        crc ^= b as u32;
        for _ in 0..8 {
            crc = if crc & 1 == 1 { (crc >> 1) ^ 0xedb8_8320 } else { crc >> 1 };
        }
    }
    !crc
}

/// A real 8x8 PNG whose IHDR now declares `w` x `h` with the given bit depth and colour type (a
/// decompression bomb: far more pixels than the file could hold).
pub fn png_claiming(w: u32, h: u32, depth: u8, colour: u8) -> Vec<u8> {
    let mut png = encode(&picture(8, 8), ImageFormat::Png);
    png[16..20].copy_from_slice(&w.to_be_bytes());
    png[20..24].copy_from_slice(&h.to_be_bytes());
    png[24] = depth;
    png[25] = colour;
    let crc = crc32(&png[12..29]);
    png[29..33].copy_from_slice(&crc.to_be_bytes());
    png
}

/// The eight orientations: every rotation, mirrored and not.
pub fn orientations() -> impl Iterator<Item = Orientation> {
    [0, 90, 180, 270]
        .into_iter()
        .flat_map(|r| [false, true].map(|m| Orientation { rotation_degrees: r, mirrored: m }))
}

/// The stored (sensor) picture whose upright view under `o` is `upright`.
pub fn stored(upright: &RgbImage, o: Orientation) -> RgbImage {
    let unmirrored = if o.mirrored { imageops::flip_horizontal(upright) } else { upright.clone() };
    match o.rotation_degrees {
        90 => imageops::rotate270(&unmirrored),
        180 => imageops::rotate180(&unmirrored),
        270 => imageops::rotate90(&unmirrored),
        _ => unmirrored,
    }
}

/// The byte order of a TIFF (EXIF) block: `II` little-endian or `MM` big-endian; readers must
/// take both.
#[derive(Debug, Clone, Copy)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    /// The TIFF header: byte order, the magic 42, the first IFD at offset 8.
    fn header(self) -> &'static [u8] {
        match self {
            Self::Little => b"II*\0\x08\0\0\0",
            Self::Big => b"MM\0\x2a\0\0\0\x08",
        }
    }

    fn u16(self, v: u16) -> [u8; 2] {
        match self {
            Self::Little => v.to_le_bytes(),
            Self::Big => v.to_be_bytes(),
        }
    }

    fn u32(self, v: u32) -> [u8; 4] {
        match self {
            Self::Little => v.to_le_bytes(),
            Self::Big => v.to_be_bytes(),
        }
    }
}

/// `jpeg` with an APP1 EXIF segment holding only the orientation tag, right after its SOI marker.
pub fn with_exif_orientation(jpeg: &[u8], tag: u16, order: ByteOrder) -> Vec<u8> {
    let mut tiff = order.header().to_vec();
    tiff.extend_from_slice(&order.u16(1)); // one IFD entry
    tiff.extend_from_slice(&order.u16(0x0112)); // Orientation
    tiff.extend_from_slice(&order.u16(3)); // SHORT
    tiff.extend_from_slice(&order.u32(1)); // one value
    tiff.extend_from_slice(&order.u16(tag));
    tiff.extend_from_slice(&[0, 0]);
    tiff.extend_from_slice(&order.u32(0)); // no next IFD
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&tiff);
    let mut out = jpeg[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&(app1.len() as u16 + 2).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&jpeg[2..]);
    out
}
