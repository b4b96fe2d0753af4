//! `glasses-trainer groups`: wide pictures of several held-out people and face-filling crops of
//! them, to measure "every face in any photo" (detector, then classifier on each box) on faces no
//! model was trained on.
//!
//! Faces come from one validation fold of the identity-disjoint split `train --all-data
//! --sunglasses` and `checks` use (same folders, fold count and seed), so no person in these
//! pictures was seen in training. Each face is a whole training crop (the training framing, about
//! 1.67 face-box widths wide) scaled so its face box is 60-400 px wide and pasted, without
//! overlap, on a flat, gradient, noise or blurred-background picture of 640x480 to 1920x1080; no
//! person appears twice in one picture. Where each face box should be follows from
//! [`FaceFraming::HAAR_CELEBA`], the framing core's region path undoes. Everything is drawn from
//! the seed, so a rerun writes the same pictures.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail, ensure};
use clap::Args;
use glasses_core::FaceFraming;
use glasses_core::image::codecs::jpeg::JpegEncoder;
use glasses_core::image::imageops::{self, FilterType};
use glasses_core::image::{Rgb, RgbImage};
use glasses_trainer::checks::{ValidationParts, Variant, decode_file};
use glasses_trainer::data::{Dataset, SUNGLASSES};
use glasses_trainer::rng::SplitMix64;

use super::args::{FoldArgs, Folds};

/// Narrowest and widest face box pasted, in pixels.
const FACE_WIDTH: (f64, f64) = (60.0, 400.0);
/// Picture sizes drawn from (landscape photo and video sizes).
const PICTURE_SIZES: [(u32, u32); 6] =
    [(640, 480), (800, 600), (1024, 768), (1280, 720), (1600, 900), (1920, 1080)];
/// Side of the face-filling pictures, in pixels (inclusive).
const TIGHT_SIDE: (u32, u32) = (64, 96);
/// Share of the pasted faces per class (none, eyeglasses, sunglasses), in percent: eyeglasses
/// as often as bare faces so F1 is measured on enough positives.
const CLASS_PERCENT: [u64; 3] = [40, 40, 20];
/// Class names in label order, as `truth.csv` writes them.
pub const LABEL_NAMES: [&str; 3] = ["none", "eyeglasses", "sunglasses"];

/// Arguments of `glasses-trainer groups`.
#[derive(Debug, Args)]
pub struct GroupsArgs {
    /// Folder to write `pictures/`, `truth.csv`, `tight/` and `tight.csv` into (keep it under
    /// /work/runs: CelebA pictures are not redistributable).
    #[arg(long)]
    out: PathBuf,
    // The held-out fold's people are shown; --seed also draws the pictures.
    #[command(flatten)]
    split: FoldArgs,
    /// Group pictures to write.
    #[arg(long, default_value_t = 300)]
    pictures: usize,
    /// Write into a folder that already has a truth.csv.
    #[arg(long)]
    force: bool,
}

/// A rectangle in pixels, origin top-left.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rect {
    /// Left edge.
    pub x: f64,
    /// Top edge.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// Whether the two rectangles, each grown by `margin` on every side, intersect.
    pub fn overlaps(&self, other: &Rect, margin: f64) -> bool {
        self.x - margin < other.x + other.w
            && other.x - margin < self.x + self.w
            && self.y - margin < other.y + other.h
            && other.y - margin < self.y + self.h
    }
}

/// Where a face detector's box should lie on a crop placed at `crop` that is the training
/// framing: the inverse of core's region path with [`FaceFraming::HAAR_CELEBA`].
pub fn expected_box(crop: Rect) -> Rect {
    let f = FaceFraming::HAAR_CELEBA;
    let (bw, bh) = (crop.w / f64::from(f.scale_x), crop.h / f64::from(f.scale_y));
    let cx = crop.x + crop.w / 2.0 - f64::from(f.center_dx) * bw;
    let cy = crop.y + crop.h / 2.0 - f64::from(f.center_dy) * bh;
    Rect { x: cx - bw / 2.0, y: cy - bh / 2.0, w: bw, h: bh }
}

fn uniform(rng: &mut SplitMix64, lo: f64, hi: f64) -> f64 {
    lo + (hi - lo) * ((rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64)
}

/// Places crops of the given aspect ratios (height / width) on a `width` x `height` picture
/// without overlap: each face box is drawn log-uniformly between [`FACE_WIDTH`]'s bounds (capped
/// so the crop fits), tried at random positions, shrunk when it finds no room; `None` for a crop
/// that found no room at the smallest size. Corners are whole pixels.
pub fn place(rng: &mut SplitMix64, width: u32, height: u32, aspects: &[f64]) -> Vec<Option<Rect>> {
    let scale_x = f64::from(FaceFraming::HAAR_CELEBA.scale_x);
    let (w, h) = (f64::from(width), f64::from(height));
    let mut placed: Vec<Rect> = Vec::new();
    let mut out = Vec::with_capacity(aspects.len());
    for &aspect in aspects {
        let largest = FACE_WIDTH.1.min(w * 0.95 / scale_x).min(h * 0.95 / aspect / scale_x);
        let mut face =
            if largest < FACE_WIDTH.0 { 0.0 } else { uniform(rng, FACE_WIDTH.0.ln(), largest.ln()).exp() };
        let mut found = None;
        while found.is_none() && face >= FACE_WIDTH.0 {
            let cw = (face * scale_x).round();
            let ch = (cw * aspect).round();
            for _ in 0..40 {
                let x = uniform(rng, 0.0, w - cw).floor();
                let y = uniform(rng, 0.0, h - ch).floor();
                let r = Rect { x, y, w: cw, h: ch };
                if !placed.iter().any(|p| p.overlaps(&r, 4.0)) {
                    found = Some(r);
                    break;
                }
            }
            face *= 0.8;
        }
        if let Some(r) = found {
            placed.push(r);
        }
        out.push(found);
    }
    out
}

/// What fills the picture behind the faces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backdrop {
    Flat,
    Gradient,
    Noise,
    /// A corner of another person's crop (background, no face), enlarged and blurred.
    Blurred,
}

fn colour(rng: &mut SplitMix64) -> [f64; 3] {
    [0, 1, 2].map(|_| rng.below(256) as f64)
}

fn backdrop(rng: &mut SplitMix64, kind: Backdrop, width: u32, height: u32, donor: &RgbImage) -> RgbImage {
    match kind {
        Backdrop::Flat => {
            let c = colour(rng).map(|v| v as u8);
            RgbImage::from_pixel(width, height, Rgb(c))
        }
        Backdrop::Gradient => {
            let (a, b) = (colour(rng), colour(rng));
            let angle = uniform(rng, 0.0, std::f64::consts::TAU);
            let (dx, dy) = (angle.cos(), angle.sin());
            let span = (f64::from(width) * dx.abs() + f64::from(height) * dy.abs()).max(1.0);
            let (cx, cy) = (f64::from(width) / 2.0, f64::from(height) / 2.0);
            RgbImage::from_fn(width, height, |x, y| {
                let t = (((f64::from(x) - cx) * dx + (f64::from(y) - cy) * dy) / span + 0.5).clamp(0.0, 1.0);
                Rgb([0, 1, 2].map(|c| (a[c] + (b[c] - a[c]) * t).round() as u8))
            })
        }
        Backdrop::Noise => {
            let cell = 8 + rng.below(57) as u32;
            let small = RgbImage::from_fn((width / cell).max(2), (height / cell).max(2), |_, _| {
                Rgb(colour(rng).map(|v| v as u8))
            });
            let mut out = imageops::resize(&small, width, height, FilterType::Triangle);
            for px in out.pixels_mut() {
                let n = rng.next_u64();
                for (c, v) in px.0.iter_mut().enumerate() {
                    let jitter = ((n >> (8 * c)) & 0x1f) as i32 - 16;
                    *v = (i32::from(*v) + jitter).clamp(0, 255) as u8;
                }
            }
            out
        }
        Backdrop::Blurred => {
            let (dw, dh) = donor.dimensions();
            let side = (dw.min(dh) / 4).max(1);
            let x0 = if rng.below(2) == 0 { 0 } else { dw - side };
            let corner = imageops::crop_imm(donor, x0, 0, side, side).to_image();
            let small =
                imageops::resize(&corner, (width / 8).max(1), (height / 8).max(1), FilterType::Triangle);
            let blurred = imageops::fast_blur(&small, 3.0);
            imageops::resize(&blurred, width, height, FilterType::Triangle)
        }
    }
}

/// The validation faces still to paste, per class, each class in seeded random order.
struct Pools {
    by_class: [Vec<usize>; 3],
}

impl Pools {
    fn new(dataset: &Dataset, val: &[usize], rng: &mut SplitMix64) -> Self {
        let mut by_class: [Vec<usize>; 3] = Default::default();
        for &i in val {
            by_class[usize::from(dataset.samples[i].label.min(SUNGLASSES))].push(i);
        }
        for pool in &mut by_class {
            rng.shuffle(pool);
        }
        Self { by_class }
    }

    /// A face of a class drawn by [`CLASS_PERCENT`] whose person is not in `taken`.
    fn draw(
        &mut self,
        dataset: &Dataset,
        rng: &mut SplitMix64,
        taken: &BTreeSet<String>,
    ) -> anyhow::Result<usize> {
        let roll = rng.below(100) as u64;
        let class = if roll < CLASS_PERCENT[0] {
            0
        } else if roll < CLASS_PERCENT[0] + CLASS_PERCENT[1] {
            1
        } else {
            2
        };
        let pool = &mut self.by_class[class];
        let at = pool
            .iter()
            .rposition(|&i| !taken.contains(&dataset.samples[i].identity))
            .with_context(|| format!("the held-out fold has too few {} faces left", LABEL_NAMES[class]))?;
        Ok(pool.remove(at))
    }
}

fn write_jpeg(path: &Path, img: &RgbImage) -> anyhow::Result<()> {
    let file = std::fs::File::create(path).with_context(|| format!("creating {}", path.display()))?;
    let mut writer = std::io::BufWriter::new(file);
    img.write_with_encoder(JpegEncoder::new_with_quality(&mut writer, 90))
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(())
}

fn label_name(label: u8) -> &'static str {
    LABEL_NAMES[usize::from(label.min(SUNGLASSES))]
}

/// Writes the group pictures and their `truth.csv`; returns (pictures, faces).
fn write_groups(args: &GroupsArgs, dataset: &Dataset, val: &[usize]) -> anyhow::Result<(usize, usize)> {
    let dir = args.out.join("pictures");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    let mut rng = SplitMix64::new(args.split.seed ^ 0x6709_0b5e);
    let mut pools = Pools::new(dataset, val, &mut rng);
    let mut csv =
        String::from("picture,face,crop_x,crop_y,crop_w,crop_h,box_x,box_y,box_w,box_h,label,source\n");
    let mut faces = 0;
    for p in 0..args.pictures {
        let (width, height) = PICTURE_SIZES[rng.below(PICTURE_SIZES.len())];
        let wanted = 1 + rng.below(5);
        let mut taken = BTreeSet::new();
        let mut chosen = Vec::with_capacity(wanted);
        for _ in 0..wanted {
            let i = pools.draw(dataset, &mut rng, &taken)?;
            taken.insert(dataset.samples[i].identity.clone());
            chosen.push((i, decode_file(&dataset.samples[i].path)?));
        }
        let donor = loop {
            let i = val[rng.below(val.len())];
            if !taken.contains(&dataset.samples[i].identity) {
                break decode_file(&dataset.samples[i].path)?;
            }
        };
        let kind = [Backdrop::Flat, Backdrop::Gradient, Backdrop::Noise, Backdrop::Blurred][rng.below(4)];
        let mut canvas = backdrop(&mut rng, kind, width, height, &donor);
        let aspects: Vec<f64> =
            chosen.iter().map(|(_, img)| f64::from(img.height()) / f64::from(img.width())).collect();
        let name = format!("g{p:04}.jpg");
        let mut face = 0;
        for ((i, img), crop) in chosen.iter().zip(place(&mut rng, width, height, &aspects)) {
            let Some(crop) = crop else { continue };
            let scaled = imageops::resize(img, crop.w as u32, crop.h as u32, FilterType::CatmullRom);
            imageops::replace(&mut canvas, &scaled, crop.x as i64, crop.y as i64);
            let b = expected_box(crop);
            let s = &dataset.samples[*i];
            writeln!(
                csv,
                "{name},{face},{},{},{},{},{:.1},{:.1},{:.1},{:.1},{},{}",
                crop.x,
                crop.y,
                crop.w,
                crop.h,
                b.x,
                b.y,
                b.w,
                b.h,
                label_name(s.label),
                s.path.display()
            )?;
            face += 1;
        }
        faces += face;
        write_jpeg(&dir.join(&name), &canvas)?;
    }
    let truth = args.out.join("truth.csv");
    std::fs::write(&truth, csv).with_context(|| format!("writing {}", truth.display()))?;
    Ok((args.pictures, faces))
}

/// The face-box region of a crop that is the training framing, as a square picture `side`
/// pixels wide.
pub fn tight_crop(img: &RgbImage, side: u32) -> RgbImage {
    let (w, h) = img.dimensions();
    let b = expected_box(Rect { x: 0.0, y: 0.0, w: f64::from(w), h: f64::from(h) });
    let x0 = b.x.round().clamp(0.0, f64::from(w - 1)) as u32;
    let y0 = b.y.round().clamp(0.0, f64::from(h - 1)) as u32;
    let cw = (b.w.round() as u32).clamp(1, w - x0);
    let ch = (b.h.round() as u32).clamp(1, h - y0);
    let region = imageops::crop_imm(img, x0, y0, cw, ch).to_image();
    imageops::resize(&region, side, side, FilterType::CatmullRom)
}

/// Writes `tight/color/`, `tight/gray/` and `tight.csv` from the balanced validation images;
/// returns how many pictures each folder holds.
fn write_tight(args: &GroupsArgs, dataset: &Dataset, parts: &ValidationParts) -> anyhow::Result<usize> {
    let (color, gray) = (args.out.join("tight/color"), args.out.join("tight/gray"));
    for dir in [&color, &gray] {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let mut rng = SplitMix64::new(args.split.seed ^ 0x0716_74e7);
    let mut csv = String::from("file,label,source\n");
    for (n, &i) in parts.balanced.iter().enumerate() {
        let s = &dataset.samples[i];
        let side = TIGHT_SIDE.0 + rng.below((TIGHT_SIDE.1 - TIGHT_SIDE.0 + 1) as usize) as u32;
        let tight = tight_crop(&decode_file(&s.path)?, side);
        let name = format!("t{n:04}.png");
        for (dir, img) in [(&color, tight.clone()), (&gray, Variant::Grayscale.apply(&tight))] {
            let path = dir.join(&name);
            img.save(&path).with_context(|| format!("writing {}", path.display()))?;
        }
        writeln!(csv, "{name},{},{}", label_name(s.label), s.path.display())?;
    }
    let path = args.out.join("tight.csv");
    std::fs::write(&path, csv).with_context(|| format!("writing {}", path.display()))?;
    Ok(parts.balanced.len())
}

/// `glasses-trainer groups`.
pub fn run(args: GroupsArgs) -> anyhow::Result<()> {
    ensure!(args.pictures > 0, "--pictures must be at least 1");
    if args.out.join("truth.csv").exists() && !args.force {
        bail!("{} already holds a truth.csv; pass --force to write over it", args.out.display());
    }
    let Folds { dataset, val, .. } = args.split.split()?;
    let parts = ValidationParts::of(&dataset, &val, args.split.seed);
    let (pictures, faces) = write_groups(&args, &dataset, &val)?;
    let tight = write_tight(&args, &dataset, &parts)?;
    eprintln!(
        "{}: {pictures} group pictures with {faces} faces and {tight} face-filling crops (colour and gray) of the {} people of fold {}",
        args.out.display(),
        glasses_trainer::data::identities(&dataset, &val).len(),
        args.split.val_fold
    );
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expected_box_is_the_framing_undone() {
        let crop = Rect { x: 100.0, y: 50.0, w: 167.0, h: 204.0 };
        let b = expected_box(crop);
        assert!((b.w - 100.06).abs() < 0.1, "{b:?}");
        assert!((b.h - 99.8).abs() < 0.1, "{b:?}");
        // The face sits below the crop's centre (the framing reaches higher, over the hair).
        assert!(b.y + b.h / 2.0 > crop.y + crop.h / 2.0 + 10.0, "{b:?}");
        assert!(b.x > crop.x && b.y > crop.y && b.x + b.w < crop.x + crop.w && b.y + b.h < crop.y + crop.h);
    }

    #[test]
    fn placement_is_deterministic_disjoint_and_inside() {
        let aspects = [109.0 / 89.0; 5];
        for (w, h) in PICTURE_SIZES {
            let a = place(&mut SplitMix64::new(7), w, h, &aspects);
            let b = place(&mut SplitMix64::new(7), w, h, &aspects);
            assert_eq!(a, b);
            let rects: Vec<Rect> = a.into_iter().flatten().collect();
            assert!(!rects.is_empty());
            for (k, r) in rects.iter().enumerate() {
                assert!(r.x >= 0.0 && r.y >= 0.0 && r.x + r.w <= f64::from(w) && r.y + r.h <= f64::from(h));
                let face = expected_box(*r).w;
                assert!((FACE_WIDTH.0 * 0.99..=FACE_WIDTH.1 * 1.01).contains(&face), "face {face}");
                assert!(rects[..k].iter().all(|o| !o.overlaps(r, 0.0)), "{r:?} overlaps");
            }
        }
    }

    #[test]
    fn tight_crop_keeps_the_face_region() {
        // A crop whose face-box region is white on black: the tight picture is (almost) all white.
        let (w, h) = (89, 109);
        let b = expected_box(Rect { x: 0.0, y: 0.0, w: 89.0, h: 109.0 });
        let img = RgbImage::from_fn(w, h, |x, y| {
            let inside = f64::from(x) >= b.x.round()
                && f64::from(x) < (b.x + b.w).round()
                && f64::from(y) >= b.y.round()
                && f64::from(y) < (b.y + b.h).round();
            Rgb(if inside { [255; 3] } else { [0; 3] })
        });
        let tight = tight_crop(&img, 80);
        assert_eq!(tight.dimensions(), (80, 80));
        let white = tight.pixels().filter(|p| p.0[0] > 200).count();
        assert!(white > 80 * 80 * 95 / 100, "{white}");
    }
}
