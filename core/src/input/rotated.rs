//! A turned face, levelled: the model's framed rectangle sampled along the face's own axes.
//!
//! The model was trained on CelebA's aligned crops, whose eye line is level. A face turned in
//! the picture's plane (a tilted head, a camera held askew) is framed by the detector's upright
//! box; here the framing is turned about the box's centre by the eye line's angle instead, so the
//! model sees the face as upright as its training crops.
//!
//! The turned rectangle is cut out at its own size by bilinear sampling (edge pixels repeated
//! beyond the picture, as the region path does), then filtered into the model's input by the one
//! sampler. At a zero angle every cut pixel lands on a pixel centre, so the cut is the upright
//! region with repeated edges and the result is the region path's, bit for bit.

use image::RgbImage;

use crate::error::{Error, Result};
use crate::input::orientation::Orientation;
use crate::input::resize::round_to_u8;
use crate::input::sampler;
use crate::input::source::{Stored, Upright};
use crate::memory;
use crate::region::Region;

/// A whole-pixel rectangle turned by `angle` radians about `pivot` (clockwise on screen, as image
/// rows run down): its x axis runs along `(cos, sin)` in the picture.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct TurnedRegion {
    pub region: Region,
    pub pivot: (f64, f64),
    pub angle: f64,
}

impl TurnedRegion {
    /// Where cut pixel `(i, j)`'s centre lies in the picture, in pixel-index coordinates (pixel
    /// `x` covers `x..x + 1`, so its centre is `x + 0.5`).
    fn mapper(&self) -> impl Fn(u32, u32) -> (f64, f64) + use<> {
        let (sin, cos) = self.angle.sin_cos();
        let (px, py) = self.pivot;
        let r = self.region;
        // The region's centre, turned about the pivot.
        let (rx, ry) = (r.x as f64 + r.width as f64 / 2.0 - px, r.y as f64 + r.height as f64 / 2.0 - py);
        let (cx, cy) = (px + rx * cos - ry * sin, py + rx * sin + ry * cos);
        let (hw, hh) = (r.width as f64 / 2.0, r.height as f64 / 2.0);
        move |i, j| {
            let (dx, dy) = (i as f64 + 0.5 - hw, j as f64 + 0.5 - hh);
            (cx + dx * cos - dy * sin, cy + dx * sin + dy * cos)
        }
    }

    /// The picture pixels the cut reads: columns `x0..=x1`, rows `y0..=y1`, within the picture.
    fn reads(&self, width: u32, height: u32) -> (u32, u32, u32, u32) {
        let map = self.mapper();
        let (w, h) = (self.region.width.saturating_sub(1), self.region.height.saturating_sub(1));
        let corners = [map(0, 0), map(w, 0), map(0, h), map(w, h)];
        let fold = |f: fn(f64, f64) -> f64, pick: fn(&(f64, f64)) -> f64, init: f64| {
            corners.iter().map(pick).fold(init, f)
        };
        // Bilinear taps reach half a pixel either side of a sample position.
        let clampx = |v: f64| v.clamp(0.0, width as f64 - 1.0) as u32;
        let clampy = |v: f64| v.clamp(0.0, height as f64 - 1.0) as u32;
        let x0 = clampx((fold(f64::min, |c| c.0, f64::INFINITY) - 0.5).floor());
        let x1 = clampx((fold(f64::max, |c| c.0, f64::NEG_INFINITY) + 0.5).ceil());
        let y0 = clampy((fold(f64::min, |c| c.1, f64::INFINITY) - 0.5).floor());
        let y1 = clampy((fold(f64::max, |c| c.1, f64::NEG_INFINITY) + 0.5).ceil());
        (x0, x1, y0, y1)
    }
}

/// The model's `width x height` RGB input made from `turned` of the upright picture `source`.
pub(crate) fn sample_turned(
    source: &Upright<'_>,
    turned: TurnedRegion,
    width: u32,
    height: u32,
) -> Result<RgbImage> {
    let cut = cut_turned(source, turned)?;
    let (cw, ch) = cut.dimensions();
    let whole = Upright::new(Stored::Rgb(&cut), Orientation::default())?;
    sampler::sample(&whole, Region { x: 0, y: 0, width: cw, height: ch }, width, height)
}

/// The turned rectangle at its own size, bilinear, edges repeated.
pub(crate) fn cut_turned(source: &Upright<'_>, turned: TurnedRegion) -> Result<RgbImage> {
    let Region { width: rw, height: rh, .. } = turned.region;
    if rw == 0
        || rh == 0
        || !turned.angle.is_finite()
        || !turned.pivot.0.is_finite()
        || !turned.pivot.1.is_finite()
    {
        return Err(Error::region(format!("cannot turn {turned:?}")));
    }
    let (pw, ph) = source.size();
    // The picture pixels read, copied once (only the part under the turned rectangle).
    let (x0, x1, y0, y1) = turned.reads(pw, ph);
    let (sw, sh) = ((x1 - x0 + 1) as usize, (y1 - y0 + 1) as usize);
    let mut seen =
        memory::try_zeroed::<u8>(sw.saturating_mul(sh).saturating_mul(3), "the turned face's pixels")?;
    for (k, row) in seen.chunks_exact_mut(sw * 3).enumerate() {
        source.read_row(y0 + k as u32, x0, row);
    }
    let mut out = memory::try_zeroed::<u8>(
        (rw as usize).saturating_mul(rh as usize).saturating_mul(3),
        "the turned face",
    )?;
    let map = turned.mapper();
    // Index of a picture coordinate in `seen`, the nearest edge pixel beyond the picture.
    let (lastx, lasty) = (pw as i64 - 1, ph as i64 - 1);
    let col = |x: i64| (x.clamp(0, lastx) - x0 as i64).clamp(0, sw as i64 - 1) as usize;
    let row = |y: i64| (y.clamp(0, lasty) - y0 as i64).clamp(0, sh as i64 - 1) as usize;
    for (j, line) in out.chunks_exact_mut(rw as usize * 3).enumerate() {
        for (i, px) in line.chunks_exact_mut(3).enumerate() {
            let (x, y) = map(i as u32, j as u32);
            // Pixel centres sit at index + 0.5.
            let (fx, fy) = (x - 0.5, y - 0.5);
            let (ix, iy) = (fx.floor(), fy.floor());
            let (ax, ay) = ((fx - ix) as f32, (fy - iy) as f32);
            let (ix, iy) = (ix as i64, iy as i64);
            let (c0, c1, r0, r1) = (col(ix), col(ix + 1), row(iy), row(iy + 1));
            let at = |r: usize, c: usize, ch: usize| f32::from(seen[(r * sw + c) * 3 + ch]);
            for (ch, out) in px.iter_mut().enumerate() {
                let top = at(r0, c0, ch) * (1.0 - ax) + at(r0, c1, ch) * ax;
                let bottom = at(r1, c0, ch) * (1.0 - ax) + at(r1, c1, ch) * ax;
                *out = round_to_u8(top * (1.0 - ay) + bottom * ay);
            }
        }
    }
    RgbImage::from_raw(rw, rh, out).ok_or_else(|| Error::invalid_image("turned face size mismatch"))
}

// The turned test pictures core's integration tests and the align_eval example draw too.
#[cfg(test)]
#[path = "../../../tests/support/turn.rs"]
mod turn;

#[cfg(test)]
mod tests {
    use image::Rgb;

    use super::*;
    use crate::input::resize::tests::noise;

    fn upright(image: &RgbImage) -> Upright<'_> {
        Upright::new(Stored::Rgb(image), Orientation::default()).unwrap()
    }

    #[test]
    fn unturned_regions_are_the_region_path_bit_for_bit() {
        let img = noise(300, 200, 11);
        for r in [
            Region { x: 40, y: 30, width: 160, height: 150 },
            Region { x: -60, y: -20, width: 161, height: 199 },
            Region { x: 250, y: 150, width: 90, height: 120 },
            Region { x: -3, y: 1, width: 5, height: 2 },
        ] {
            for pivot in [(0.0, 0.0), (123.4, 56.7)] {
                let turned = TurnedRegion { region: r, pivot, angle: 0.0 };
                let got = sample_turned(&upright(&img), turned, 88, 108).unwrap();
                let want = sampler::sample(&upright(&img), r, 88, 108).unwrap();
                assert!(got == want, "{r:?} about {pivot:?}");
            }
        }
    }

    #[test]
    fn a_half_turn_about_the_centre_reverses_the_cut() {
        let img = noise(40, 30, 5);
        let r = Region { x: 10, y: 5, width: 20, height: 16 };
        let turned = TurnedRegion { region: r, pivot: (20.0, 13.0), angle: std::f64::consts::PI };
        let cut = cut_turned(&upright(&img), turned).unwrap();
        for (i, j) in [(0, 0), (19, 15), (7, 3)] {
            let want = img.get_pixel(r.x as u32 + 19 - i, r.y as u32 + 15 - j);
            assert_eq!(cut.get_pixel(i, j), want, "({i}, {j})");
        }
    }

    #[test]
    fn a_quarter_turn_past_the_edges_repeats_them() {
        // A 2x2 picture, a 6x2 region about its centre turned by 90 degrees: the cut's x runs
        // down the picture, past both edges, reading the clamped rows.
        let img = RgbImage::from_fn(2, 2, |x, y| Rgb([(10 * (1 + x + 2 * y)) as u8; 3]));
        let turned = TurnedRegion {
            region: Region { x: -2, y: 0, width: 6, height: 2 },
            pivot: (1.0, 1.0),
            angle: std::f64::consts::FRAC_PI_2,
        };
        let cut = cut_turned(&upright(&img), turned).unwrap();
        let first_row: Vec<u8> = (0..6).map(|i| cut.get_pixel(i, 0)[0]).collect();
        // Row 0 of the cut is picture column 1 (x axis down, y axis to the left), top to bottom.
        assert_eq!(first_row, [20, 20, 20, 40, 40, 40]);
    }

    #[test]
    fn bad_turns_are_refused() {
        let img = noise(10, 10, 1);
        let r = Region { x: 0, y: 0, width: 4, height: 4 };
        for turned in [
            TurnedRegion { region: r, pivot: (0.0, 0.0), angle: f64::NAN },
            TurnedRegion { region: r, pivot: (f64::INFINITY, 0.0), angle: 0.1 },
            TurnedRegion { region: Region { width: 0, ..r }, pivot: (0.0, 0.0), angle: 0.1 },
        ] {
            assert!(cut_turned(&upright(&img), turned).is_err(), "{turned:?}");
        }
    }
}

#[cfg(all(test, feature = "face-detector"))]
mod known_angle {
    use image::{RgbImage, imageops};

    use super::*;
    use crate::Classifier;
    use crate::region::FaceBox;

    /// How far P(eyeglasses) of a face turned by a known angle and levelled may lie from the
    /// upright face's: two bilinear resamplings blur the drawn face a little, and the model
    /// reads it 0.02-0.07 lower (the turned face, not levelled: 0.08 higher; its inputs differ
    /// 6-10 times more).
    const PROBABILITY_TOLERANCE: f32 = 0.1;
    /// Mean absolute difference of the model inputs, in 0..255 levels.
    const PIXEL_TOLERANCE: f64 = 4.0;

    use super::turn::turned;

    #[test]
    fn a_face_turned_by_a_known_angle_levels_to_the_upright_answer() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/fixtures/faces/eyeglasses_89x109.jpg");
        let face = image::open(path).expect("fixture").to_rgb8();
        let face = imageops::resize(&face, 178, 218, imageops::Triangle);
        let size = (400, 440);
        let classifier = Classifier::bundled().expect("bundled");
        // The box whose framing (HAAR_CELEBA) is the face crop, centred on the picture's centre.
        let framing = classifier.options().face_framing;
        let (bw, bh) = (178.0 / framing.scale_x, 218.0 / framing.scale_y);
        let centre =
            (size.0 as f32 / 2.0 - framing.center_dx * bw, size.1 as f32 / 2.0 - framing.center_dy * bh);
        let box_at = |(x, y): (f32, f32)| FaceBox::new(x - bw / 2.0, y - bh / 2.0, bw, bh);
        let upright_picture = turned(&face, size, 0.0);
        let upright_source = Upright::new(Stored::Rgb(&upright_picture), Orientation::default()).unwrap();
        let upright = classifier.classify_upright(&upright_source, Some(box_at(centre)), 0.0).unwrap();
        for degrees in [-25.0f32, 12.0, 30.0] {
            let picture = turned(&face, size, degrees);
            let source = Upright::new(Stored::Rgb(&picture), Orientation::default()).unwrap();
            // The box's centre turns with the picture about its centre.
            let (sin, cos) = degrees.to_radians().sin_cos();
            let (dx, dy) = (centre.0 - size.0 as f32 / 2.0, centre.1 - size.1 as f32 / 2.0);
            let moved =
                (size.0 as f32 / 2.0 + dx * cos - dy * sin, size.1 as f32 / 2.0 + dx * sin + dy * cos);
            let angle = f64::from(degrees.to_radians());
            let levelled = classifier.classify_upright(&source, Some(box_at(moved)), angle).unwrap();
            let as_is = classifier.classify_upright(&source, Some(box_at(moved)), 0.0).unwrap();
            // The model's inputs, too: the levelled one is the upright one, but for blur.
            let region = |b: FaceBox| {
                let seen = crate::region::framed_region(b, framing, size.0, size.1, u64::MAX).unwrap();
                classifier.preprocessing().crop_region(seen)
            };
            let (mw, mh) = (classifier.preprocessing().width, classifier.preprocessing().height);
            let want = sampler::sample(&upright_source, region(box_at(centre)), mw, mh).unwrap();
            let pivot = (f64::from(moved.0), f64::from(moved.1));
            let got =
                sample_turned(&source, TurnedRegion { region: region(box_at(moved)), pivot, angle }, mw, mh)
                    .unwrap();
            let mean = |a: &RgbImage, b: &RgbImage| {
                a.as_raw().iter().zip(b.as_raw()).map(|(x, y)| f64::from(x.abs_diff(*y))).sum::<f64>()
                    / a.as_raw().len() as f64
            };
            let unlevelled = sampler::sample(&source, region(box_at(moved)), mw, mh).unwrap();
            let (diff, before) = (mean(&got, &want), mean(&unlevelled, &want));
            assert!(
                diff <= PIXEL_TOLERANCE,
                "{degrees} deg: mean difference {diff} (not levelled: {before})"
            );
            assert!(diff < before / 3.0, "{degrees} deg: levelling brings {before} down to {diff} only");
            assert!(
                (levelled.probability - upright.probability).abs() <= PROBABILITY_TOLERANCE,
                "{degrees} deg: levelled {} against upright {} (not levelled: {})",
                levelled.probability,
                upright.probability,
                as_is.probability
            );
            assert_eq!(levelled.eyewear, upright.eyewear, "{degrees} deg");
        }
    }
}
