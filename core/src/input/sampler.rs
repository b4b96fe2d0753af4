//! The one sampler: a rectangle of the upright picture (the centre crop, or a framed face box
//! that may reach past the picture's edges) resampled straight into the model-sized RGB image by
//! the contract's triangle filter (see [`crate::input::resize`]), reading the source in place.
//!
//! Beyond the picture the filter sees the nearest edge pixel repeated, as if the region had been
//! cut out with repeated edges and then resized; here that is a clamp of the source position, and
//! the taps that clamp to the same pixel are added to it. A run of more than [`EXACT_RUN`] such
//! taps is summed in closed form, so a box millions of pixels larger than the picture costs what
//! a box the picture's size does: time grows with the model input and the picture pixels inside
//! the region, memory with the model input and the region's inside columns, never with the box.
//!
//! For a region inside the picture (or one that reaches past it by fewer than [`EXACT_RUN`]
//! taps), every output bit is that of cropping and then [`crate::input::resize`]'s `resize_rgb8`, and
//! so `image`'s `FilterType::Triangle`: the same weights, the same products summed in the same
//! order, the same choice of pass order under [`EXACT_ORDER_BUDGET`]. The passes stream: each
//! source row is read once and added to the few output rows whose filter covers it, and an
//! output row is finished as soon as its last source row is in.

use image::RgbImage;

use crate::error::{Error, Result};
use crate::input::resize::{EXACT_ORDER_BUDGET, Taps, add_weighted, round_to_u8, triangle_f32};
use crate::input::source::Upright;
use crate::memory;
use crate::region::Region;

/// Outside the picture, runs of up to this many taps on one edge pixel are applied one by one
/// (as a cut-out-then-resize would); longer runs are merged into one weight in closed form.
const EXACT_RUN: i64 = 1024;

/// Source pixels read at a time along a row in the horizontal-first order.
const CHUNK: usize = 4096;

/// How one output position's weights are normalised.
#[derive(Debug, Clone, Copy)]
enum Norm {
    /// `image`'s way: every tap's f32 kernel value over their f32 sum.
    Exact(f32),
    /// Long runs beyond the edges merged: f64 sums, `before` and `after` the merged weights of
    /// the first and last source pixel's outside runs.
    Merged { total: f64, before: f32, after: f32 },
}

/// The filter of one output position: region taps `left..right` around `center`.
#[derive(Debug, Clone, Copy)]
struct Window {
    left: i64,
    right: i64,
    center: f32,
    sratio: f32,
    norm: Norm,
    /// First and last source position read.
    lo: usize,
    hi: usize,
}

/// One axis: region positions `start..start + len` of a picture `limit` long, filtered down (or
/// up) to `new_len` positions.
struct Axis {
    start: i64,
    limit: i64,
    windows: Vec<Window>,
}

impl Axis {
    fn new(start: i64, len: u32, limit: u32, new_len: u32) -> Self {
        let (start, limit) = (start, limit as i64);
        let src = |i: i64| (start + i).clamp(0, limit - 1);
        let windows = (0..new_len as usize)
            .map(|out| {
                let Taps { left, right, center, sratio } = Taps::new(len as usize, new_len as usize, out);
                // Taps `left..inside_from` lie before the picture, `inside_to..right` after it.
                let inside_from = (-start).clamp(left, right);
                let inside_to = (limit - start).clamp(inside_from, right);
                let kernel = |i: i64| triangle_f32(i, center, sratio);
                let norm = if inside_from - left <= EXACT_RUN && right - inside_to <= EXACT_RUN {
                    let mut sum = 0f32;
                    for i in left..right {
                        sum += kernel(i);
                    }
                    Norm::Exact(sum)
                } else {
                    let (c, s) = (center as f64, sratio as f64);
                    let before = triangle_sum(left, inside_from, c, s);
                    let after = triangle_sum(inside_to, right, c, s);
                    let inside: f64 = (inside_from..inside_to).map(|i| kernel_f64(i, c, s)).sum();
                    let total = before + inside + after;
                    Norm::Merged { total, before: (before / total) as f32, after: (after / total) as f32 }
                };
                Window {
                    left,
                    right,
                    center,
                    sratio,
                    norm,
                    lo: src(left) as usize,
                    hi: src(right - 1) as usize,
                }
            })
            .collect();
        Self { start, limit, windows }
    }

    /// The weights window `w` gives source position `s`, in tap order.
    #[inline]
    fn weights_at(&self, w: &Window, s: usize, mut f: impl FnMut(f32)) {
        let s = s as i64;
        let weight = |i: i64| match w.norm {
            Norm::Exact(sum) => triangle_f32(i, w.center, w.sratio) / sum,
            Norm::Merged { total, .. } => (kernel_f64(i, w.center as f64, w.sratio as f64) / total) as f32,
        };
        let inside_from = (-self.start).clamp(w.left, w.right);
        let inside_to = (self.limit - self.start).clamp(inside_from, w.right);
        if s == 0 && inside_from > w.left {
            match w.norm {
                Norm::Exact(_) => (w.left..inside_from).for_each(|i| f(weight(i))),
                Norm::Merged { before, .. } => f(before),
            }
        }
        let i = s - self.start;
        if (inside_from..inside_to).contains(&i) {
            f(weight(i));
        }
        if s == self.limit - 1 && inside_to < w.right {
            match w.norm {
                Norm::Exact(_) => (inside_to..w.right).for_each(|i| f(weight(i))),
                Norm::Merged { after, .. } => f(after),
            }
        }
    }

    /// Source positions read, first and last.
    fn range(&self) -> (usize, usize) {
        let first = self.windows.first().map_or(0, |w| w.lo);
        (first, self.windows.last().map_or(first, |w| w.hi))
    }

    /// The most windows that cover one source position at once.
    fn overlap(&self) -> usize {
        let mut first = 0;
        let mut most = 1;
        for (y, w) in self.windows.iter().enumerate() {
            while self.windows[first].hi < w.lo {
                first += 1;
            }
            most = most.max(y + 1 - first);
        }
        most
    }

    /// Every output position's (source position - `origin`, weight) pairs in tap order, flat,
    /// with where each position's pairs start.
    fn table(&self, origin: usize) -> (Vec<(u32, f32)>, Vec<usize>) {
        let mut pairs = Vec::new();
        let mut starts = Vec::with_capacity(self.windows.len() + 1);
        for w in &self.windows {
            starts.push(pairs.len());
            for s in w.lo..=w.hi {
                self.weights_at(w, s, |weight| pairs.push(((s - origin) as u32, weight)));
            }
        }
        starts.push(pairs.len());
        (pairs, starts)
    }
}

#[inline]
fn kernel_f64(i: i64, center: f64, sratio: f64) -> f64 {
    let x = (i as f64 - center) / sratio;
    if x.abs() < 1.0 { 1.0 - x.abs() } else { 0.0 }
}

/// `sum(kernel_f64(i) for i in a..b)` without visiting each `i`: the triangle is linear on each
/// side of its centre, so each side is an arithmetic series.
fn triangle_sum(a: i64, b: i64, center: f64, sratio: f64) -> f64 {
    let lo = a.max((center - sratio).floor() as i64 + 1);
    let hi = b.min((center + sratio).ceil() as i64);
    if lo >= hi {
        return 0.0;
    }
    let mid = (center.floor() as i64 + 1).clamp(lo, hi);
    // sum over i in p..q of (1 - sign * (center - i) / sratio)
    let side = |p: i64, q: i64, sign: f64| {
        if p >= q {
            return 0.0;
        }
        let n = (q - p) as f64;
        let sum_i = (p + q - 1) as f64 * n / 2.0;
        (n - sign * (n * center - sum_i) / sratio).max(0.0)
    };
    side(lo, mid, 1.0) + side(mid, hi, -1.0)
}

/// The model's `width x height` RGB input made from `region` of the upright picture `source`.
pub(crate) fn sample(source: &Upright<'_>, region: Region, width: u32, height: u32) -> Result<RgbImage> {
    sample_with_budget(source, region, width, height, EXACT_ORDER_BUDGET)
}

pub(crate) fn sample_with_budget(
    source: &Upright<'_>,
    region: Region,
    width: u32,
    height: u32,
    budget: usize,
) -> Result<RgbImage> {
    let (uw, uh) = source.size();
    if region.width == 0 || region.height == 0 {
        return Err(Error::region(format!("empty region {region:?}")));
    }
    let mut out = memory::try_zeroed::<u8>(width as usize * height as usize * 3, "the model input")?;
    if width > 0 && height > 0 {
        let columns = Axis::new(region.x, region.width, uw, width);
        let rows = Axis::new(region.y, region.height, uh, height);
        let (c0, c1) = columns.range();
        let (r0, r1) = rows.range();
        let (ncols, nrows) = (c1 - c0 + 1, r1 - r0 + 1);
        // The choice `resize_rgb8` makes for the cut-out region, on the columns and rows read.
        let vertical_first = ncols.saturating_mul(height as usize).saturating_mul(12);
        let horizontal_first = nrows.saturating_mul(width as usize).saturating_mul(12);
        if vertical_first > budget && horizontal_first < vertical_first {
            horizontal_then_vertical(source, &columns, &rows, &mut out)?;
        } else {
            vertical_then_horizontal(source, &columns, &rows, &mut out)?;
        }
    }
    RgbImage::from_raw(width, height, out).ok_or_else(|| Error::invalid_image("model input size mismatch"))
}

/// Output rows being summed: the ones whose windows cover the current source position, in a
/// ring as long as the most that overlap.
struct Active {
    slots: Vec<f32>,
    len: usize,
    /// Values readable past each slot's `len` (the next slot's, or zeros after the last).
    pad: usize,
    capacity: usize,
    /// Output positions `done..next` are open.
    done: usize,
    next: usize,
}

impl Active {
    fn new(axis: &Axis, len: usize, pad: usize, what: &'static str) -> Result<Self> {
        let capacity = axis.overlap();
        Ok(Self {
            slots: memory::try_zeroed(capacity.saturating_mul(len).saturating_add(pad), what)?,
            len,
            pad,
            capacity,
            done: 0,
            next: 0,
        })
    }

    /// Opens the windows that start at or before source position `s`.
    fn open(&mut self, axis: &Axis, s: usize) {
        while self.next < axis.windows.len() && axis.windows[self.next].lo <= s {
            let slot = self.next % self.capacity;
            self.slots[slot * self.len..(slot + 1) * self.len].fill(0.0);
            self.next += 1;
        }
    }

    /// Adds source line `line` (at position `s`) to every open window.
    fn add(&mut self, axis: &Axis, s: usize, line: &[u8]) {
        for o in self.done..self.next {
            let slot = o % self.capacity;
            let acc = &mut self.slots[slot * self.len..(slot + 1) * self.len];
            axis.weights_at(&axis.windows[o], s, |w| add_weighted(acc, line, w));
        }
    }

    /// Adds f32 line `line` (at position `s`) to every open window.
    fn add_f32(&mut self, axis: &Axis, s: usize, line: &[f32]) {
        for o in self.done..self.next {
            let slot = o % self.capacity;
            let acc = &mut self.slots[slot * self.len..(slot + 1) * self.len];
            axis.weights_at(&axis.windows[o], s, |w| {
                for (a, &v) in acc.iter_mut().zip(line) {
                    *a += v * w;
                }
            });
        }
    }

    /// Closes the windows that end at source position `s`, handing each (position, sums and
    /// `pad` values after them) to `f`.
    fn close(&mut self, axis: &Axis, s: usize, mut f: impl FnMut(usize, &[f32])) {
        while self.done < self.next && axis.windows[self.done].hi <= s {
            let slot = self.done % self.capacity;
            f(self.done, &self.slots[slot * self.len..(slot + 1) * self.len + self.pad]);
            self.done += 1;
        }
    }
}

/// `image`'s order: each output row sums source rows, then each output pixel sums columns of it.
fn vertical_then_horizontal(source: &Upright<'_>, columns: &Axis, rows: &Axis, out: &mut [u8]) -> Result<()> {
    let (c0, c1) = columns.range();
    let (r0, r1) = rows.range();
    let ncols = c1 - c0 + 1;
    // Rows read in place keep their layout (RGBA's fourth byte is summed too, and never used):
    // cheaper than converting each row, and the red, green and blue sums are the same.
    let channels = source.row_channels();
    let line_len = ncols * channels;
    let row_bytes = columns.windows.len() * 3;
    let mut line = memory::try_zeroed::<u8>(ncols * 3, "a row of the region")?;
    // An output row's sums, rounded to bytes in one loop (vector code) once the row is done.
    // Plus one: each pixel's four lanes are stored whole (the fourth is overwritten by the next
    // pixel's red); a fourth lane never stored is one the compiler drops, splitting the vector.
    let mut sums_row = memory::try_zeroed::<f32>(row_bytes + 1, "a resized row")?;
    // One value of padding: a pixel of three channels is read as four lanes.
    let mut active = Active::new(rows, line_len, 1, "the region's filtered rows")?;
    let (pairs, starts) = columns.table(c0);
    for s in r0..=r1 {
        active.open(rows, s);
        let row = source.row(s as u32, c0 as u32, ncols, &mut line);
        debug_assert_eq!(row.len(), line_len, "rows of one picture share a layout");
        active.add(rows, s, row);
        active.close(rows, s, |y, sums| {
            for x in 0..columns.windows.len() {
                // Four lanes (the fourth unused) so that each tap is one vector product and sum.
                let mut acc = [0f32; 4];
                for &(col, w) in &pairs[starts[x]..starts[x + 1]] {
                    let at = col as usize * channels;
                    let v: &[f32; 4] = sums[at..at + 4].try_into().expect("four lanes");
                    for c in 0..4 {
                        acc[c] += v[c] * w;
                    }
                }
                sums_row[3 * x..3 * x + 4].copy_from_slice(&acc);
            }
            for (o, &v) in out[y * row_bytes..(y + 1) * row_bytes].iter_mut().zip(sums_row.iter()) {
                *o = round_to_u8(v);
            }
        });
    }
    Ok(())
}

/// The swapped order, for regions far wider than tall: each source row is summed across into
/// one model-wide line, which is added to the output rows it falls in.
fn horizontal_then_vertical(source: &Upright<'_>, columns: &Axis, rows: &Axis, out: &mut [u8]) -> Result<()> {
    let (c0, c1) = columns.range();
    let (r0, r1) = rows.range();
    let mid_len = columns.windows.len() * 3;
    let mut chunk = memory::try_zeroed::<u8>(CHUNK * 3, "a span of the region")?;
    let mut mid = memory::try_zeroed::<f32>(mid_len, "a filtered row")?;
    let mut across = Active::new(columns, 3, 0, "the filtered columns")?;
    let mut down = Active::new(rows, mid_len, 0, "the region's filtered rows")?;
    for s in r0..=r1 {
        across.done = 0;
        across.next = 0;
        let mut col = c0;
        while col <= c1 {
            let n = CHUNK.min(c1 + 1 - col);
            let span = &mut chunk[..n * 3];
            source.read_row(s as u32, col as u32, span);
            for (i, px) in span.chunks_exact(3).enumerate() {
                let sc = col + i;
                across.open(columns, sc);
                across.add(columns, sc, px);
                across.close(columns, sc, |x, sums| mid[x * 3..x * 3 + 3].copy_from_slice(sums));
            }
            col += n;
        }
        down.open(rows, s);
        down.add_f32(rows, s, &mid);
        down.close(rows, s, |y, sums| {
            for (o, &v) in out[y * mid_len..(y + 1) * mid_len].iter_mut().zip(sums) {
                *o = round_to_u8(v);
            }
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use image::imageops::FilterType;
    use image::{Rgb, RgbImage};

    use super::*;
    use crate::input::orientation::Orientation;
    use crate::input::resize::tests::{IMAGE_PARITY_SIZES, noise};
    use crate::input::resize::{resize_rgb8, resize_rgb8_with_budget};
    use crate::input::source::Stored;

    fn upright(image: &RgbImage) -> Upright<'_> {
        Upright::new(Stored::Rgb(image), Orientation::default()).unwrap()
    }

    fn whole(image: &RgbImage) -> Region {
        Region { x: 0, y: 0, width: image.width(), height: image.height() }
    }

    /// The region cut out with repeated edges, the old way.
    fn cut(image: &RgbImage, r: Region) -> RgbImage {
        RgbImage::from_fn(r.width, r.height, |x, y| {
            let sx = (r.x + x as i64).clamp(0, image.width() as i64 - 1) as u32;
            let sy = (r.y + y as i64).clamp(0, image.height() as i64 - 1) as u32;
            *image.get_pixel(sx, sy)
        })
    }

    #[test]
    fn whole_pictures_are_bit_identical_to_image_and_to_resize_rgb8() {
        for (i, ((w, h), (nw, nh))) in IMAGE_PARITY_SIZES.into_iter().enumerate() {
            let img = noise(w, h, i as u32);
            let want = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
            let got = sample(&upright(&img), whole(&img), nw, nh).unwrap();
            assert!(want == got, "{w}x{h} -> {nw}x{nh}");
            // The swapped order, forced by a zero budget, is the old swapped order exactly.
            let swapped = sample_with_budget(&upright(&img), whole(&img), nw, nh, 0).unwrap();
            let old = resize_rgb8_with_budget(img.as_raw(), (w, h), (nw, nh), 0);
            assert!(swapped.as_raw() == &old, "swapped {w}x{h} -> {nw}x{nh}");
        }
    }

    #[test]
    fn regions_inside_or_a_little_past_the_edges_equal_cut_then_resize() {
        let img = noise(300, 200, 7);
        for r in [
            Region { x: 0, y: 0, width: 300, height: 200 },
            Region { x: 40, y: 30, width: 160, height: 150 },
            Region { x: -60, y: -20, width: 160, height: 200 },
            Region { x: 250, y: 150, width: 90, height: 120 },
            Region { x: -500, y: -700, width: 1300, height: 1600 },
            Region { x: 400, y: -30, width: 17, height: 9 },
            Region { x: -3, y: 1, width: 5, height: 2 },
            Region { x: 20, y: 10, width: 179, height: 190 },
        ] {
            for (nw, nh) in [(88, 108), (5, 2)] {
                let c = cut(&img, r);
                let want = resize_rgb8(c.as_raw(), (r.width, r.height), (nw, nh));
                let got = sample(&upright(&img), r, nw, nh).unwrap();
                assert!(got.as_raw() == &want, "{r:?} -> {nw}x{nh}");
            }
        }
        // Same size: the cut itself, edges repeated.
        let gray = RgbImage::from_fn(3, 2, |x, y| Rgb([(1 + x + 3 * y) as u8; 3]));
        let got = sample(&upright(&gray), Region { x: -1, y: 1, width: 5, height: 2 }, 5, 2).unwrap();
        let firsts: Vec<u8> = got.as_raw().chunks_exact(3).map(|p| p[0]).collect();
        assert_eq!(firsts, [4, 4, 5, 6, 6, 4, 4, 5, 6, 6]);
    }

    #[test]
    fn long_runs_past_the_edges_are_merged_within_rounding_of_the_cut() {
        // 3,000 positions left of a 40-pixel-wide picture: runs longer than EXACT_RUN taps.
        let img = noise(40, 30, 3);
        let r = Region { x: -3000, y: -10, width: 3060, height: 50 };
        let c = cut(&img, r);
        let want = resize_rgb8(c.as_raw(), (r.width, r.height), (88, 108));
        let got = sample(&upright(&img), r, 88, 108).unwrap();
        let worst = want.iter().zip(got.as_raw()).map(|(a, b)| a.abs_diff(*b)).max();
        assert!(worst <= Some(1), "{worst:?}");
    }

    #[test]
    fn the_closed_form_sums_like_the_loop() {
        for (a, b, c, s) in
            [(0, 10, 4.5, 3.0), (-100, 100, 0.25, 50.0), (5, 6, 5.1, 1.0), (-7, 1000, 333.3, 400.0)]
        {
            let looped: f64 = (a..b).map(|i| kernel_f64(i, c, s)).sum();
            let closed = triangle_sum(a, b, c, s);
            assert!((looped - closed).abs() < 1e-9 * looped.max(1.0), "{a}..{b} {c} {s}: {looped} {closed}");
        }
    }

    #[test]
    fn a_box_a_billion_pixels_wide_samples_a_uniform_picture_uniformly() {
        let img = RgbImage::from_pixel(2, 3, Rgb([200, 100, 50]));
        for r in [
            Region { x: -500_000_000, y: -1, width: 1_000_000_000, height: 4 },
            Region { x: -7, y: -2_000_000_000, width: 16, height: 4_000_000_000 },
        ] {
            let got = sample(&upright(&img), r, 88, 108).unwrap();
            assert!(got.pixels().all(|p| p.0 == [200, 100, 50]), "{r:?}");
        }
    }
}
