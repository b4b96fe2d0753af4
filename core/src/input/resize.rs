//! The model's resize, fast: a triangle-filter (bilinear) resize of packed RGB8 that gives exactly
//! the pixels of `image::imageops::resize(.., FilterType::Triangle)`, which every model was
//! trained with.
//!
//! `sampler.rs` runs this filter on every input (straight from the source, in place); the
//! whole-image functions here are the reference it is tested against, themselves tested against
//! `image`. The row accumulation and the rounding below are shared by both.
//!
//! `image`'s version reads and writes one 4-channel pixel at a time through its generic pixel API
//! and took most of the preprocessing time. This one computes the same filter weights the same
//! way (f32, same formulas, same order of operations), sums the same products in the same order
//! (a vertical pass into f32 rows, then a horizontal pass rounded to u8), so the output is
//! bit-identical (tested against `image` on many sizes), and both passes work on contiguous
//! lines the compiler vectorises. On the bench picture (178x218 to 88x108) it is ~10x faster.

/// Above this many bytes for the vertical pass's intermediate image (`width x new_height` f32
/// pixels), the resize sums horizontally first when that needs less memory. Below it (every
/// picture up to ~51,000 pixels wide at the 108-row model input) the order, and so every output
/// bit, is `image`'s. `sampler.rs` makes the same choice on the columns and rows it reads, so
/// its bits match these functions'; it streams, holding only a few rows of that intermediate.
pub(crate) const EXACT_ORDER_BUDGET: usize = 64 << 20;

/// The input positions `left..right` that `image`'s triangle filter reads for output position
/// `out` when resizing `len` positions to `new_len`, where its kernel is centred and how far it
/// is stretched: `image`'s formulas in the same f32 operations, so that the weights
/// ([`triangle_f32`]) are `image`'s bit for bit, here and in `sampler.rs`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Taps {
    pub left: i64,
    pub right: i64,
    pub center: f32,
    pub sratio: f32,
}

impl Taps {
    pub(crate) fn new(len: usize, new_len: usize, out: usize) -> Self {
        let ratio = len as f32 / new_len as f32;
        let sratio = if ratio < 1.0 { 1.0 } else { ratio };
        let support = sratio;
        let center = (out as f32 + 0.5) * ratio;
        let left = ((center - support).floor() as i64).clamp(0, len as i64 - 1);
        let right = ((center + support).ceil() as i64).clamp(left + 1, len as i64);
        Self { left, right, center: center - 0.5, sratio }
    }
}

/// The triangle kernel at tap `i`, unnormalised, as `image` computes it in f32.
#[inline]
pub(crate) fn triangle_f32(i: i64, center: f32, sratio: f32) -> f32 {
    let x = (i as f32 - center) / sratio;
    if x.abs() < 1.0 { 1.0 - x.abs() } else { 0.0 }
}

/// `image`'s weights for output position `out` when resizing `len` positions to `new_len` with
/// the triangle kernel: returns the first input position and leaves the weights in `weights`.
///
/// Computed per position when needed rather than tabulated for the whole axis: a table holds
/// about two weights per input position, 8 bytes per row of a 64-million-row picture.
#[cfg(test)]
fn tap(len: usize, new_len: usize, out: usize, weights: &mut Vec<f32>) -> usize {
    let Taps { left, right, center, sratio } = Taps::new(len, new_len, out);
    weights.clear();
    let mut sum = 0.0;
    for i in left..right {
        let w = triangle_f32(i, center, sratio);
        weights.push(w);
        sum += w;
    }
    for w in weights.iter_mut() {
        *w /= sum;
    }
    left as usize
}

/// Resizes packed RGB8 `src` (`width x height`) to `new_width x new_height`.
///
/// Both passes run along contiguous memory: the vertical pass over whole input rows, then it
/// stores its rows transposed (one column of the image per row of `columns`), so that the
/// horizontal pass, too, sums whole contiguous lines (every output row at once for one output
/// column). Each output value is still the same sum of the same products in the same order.
///
/// Memory: the vertical-first order needs `width * new_height * 12` bytes, which grows with the
/// picture's width whatever its height (83 GB for a 64,000,000 x 1 picture). When that exceeds
/// [`EXACT_ORDER_BUDGET`] and summing horizontally first needs less (`height * new_width * 12`),
/// the passes swap: the result then differs from `image`'s by float rounding (at most 1 per
/// channel, tested), and memory stays below `max(64 MiB, 12 * sqrt(pixels * new pixels))`.
#[cfg(test)]
pub(crate) fn resize_rgb8(src: &[u8], size: Size, new_size: Size) -> Vec<u8> {
    resize_rgb8_with_budget(src, size, new_size, EXACT_ORDER_BUDGET)
}

/// A `(width, height)` in pixels, as the tests' tables and `image` hold sizes.
#[cfg(test)]
pub(crate) type Size = (u32, u32);

#[cfg(test)]
pub(crate) fn resize_rgb8_with_budget(src: &[u8], size: Size, new_size: Size, budget: usize) -> Vec<u8> {
    let (width, height) = (size.0 as usize, size.1 as usize);
    let (new_width, new_height) = (new_size.0 as usize, new_size.1 as usize);
    assert_eq!(src.len(), width * height * 3, "packed RGB8");
    if width == 0 || height == 0 || new_width == 0 || new_height == 0 {
        return vec![0u8; new_width * new_height * 3];
    }
    let vertical_first = width.saturating_mul(new_height).saturating_mul(12);
    let horizontal_first = height.saturating_mul(new_width).saturating_mul(12);
    if vertical_first > budget && horizontal_first < vertical_first {
        return resize_rgb8_horizontal_first(src, width, height, new_width, new_height);
    }
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above.
        return unsafe { resize_rgb8_avx2(src, width, height, new_width, new_height) };
    }
    resize_rgb8_body(src, width, height, new_width, new_height)
}

/// The same code compiled for AVX2 (8 lanes instead of SSE2's 4; the sums are the same, lane by
/// lane, since no value is summed across lanes).
#[cfg(all(test, target_arch = "x86_64"))]
#[target_feature(enable = "avx2")]
fn resize_rgb8_avx2(src: &[u8], width: usize, height: usize, new_width: usize, new_height: usize) -> Vec<u8> {
    resize_rgb8_body(src, width, height, new_width, new_height)
}

#[cfg(test)]
#[inline(always)]
fn resize_rgb8_body(src: &[u8], width: usize, height: usize, new_width: usize, new_height: usize) -> Vec<u8> {
    let mut out = vec![0u8; new_width * new_height * 3];
    let row_len = width * 3;
    let col_len = new_height * 3;
    let mut weights = Vec::new();
    // Vertical pass: `new_height` rows of `width` f32 pixels (what `image` keeps in an Rgba32F
    // image; the fourth channel is never read back for RGB, so it is not computed), stored
    // transposed: `columns[x][y][c]`.
    let mut row = vec![0f32; row_len];
    let mut columns = vec![0f32; width * col_len];
    for y in 0..new_height {
        filter_window(&mut row, src, (height, new_height, y), &mut weights);
        for (column, px) in columns.chunks_exact_mut(col_len).zip(row.chunks_exact(3)) {
            column[y * 3..y * 3 + 3].copy_from_slice(px);
        }
    }
    // Horizontal pass, one output column at a time, rounded to the nearest u8 after clamping,
    // as `image` does.
    let mut acc = vec![0f32; col_len];
    for x in 0..new_width {
        filter_window(&mut acc, &columns, (width, new_width, x), &mut weights);
        for (y, px) in acc.chunks_exact(3).enumerate() {
            let dst = &mut out[(y * new_width + x) * 3..(y * new_width + x) * 3 + 3];
            for (o, &v) in dst.iter_mut().zip(px) {
                *o = round_to_u8(v);
            }
        }
    }
    out
}

/// The same filter with the passes swapped, for pictures far wider than tall: the intermediate
/// image is `height x new_width` instead of `new_height x width`.
#[cfg(test)]
fn resize_rgb8_horizontal_first(
    src: &[u8],
    width: usize,
    height: usize,
    new_width: usize,
    new_height: usize,
) -> Vec<u8> {
    let mut out = vec![0u8; new_width * new_height * 3];
    let row_len = width * 3;
    let mid_len = new_width * 3;
    let mut weights = Vec::new();
    let mut rows = vec![0f32; height * mid_len];
    for x in 0..new_width {
        let left = tap(width, new_width, x, &mut weights);
        for (y, mid) in rows.chunks_exact_mut(mid_len).enumerate() {
            let line = &src[y * row_len + left * 3..];
            let mut acc = [0f32; 3];
            for (px, &w) in line.chunks_exact(3).zip(&weights) {
                for (a, &v) in acc.iter_mut().zip(px) {
                    *a += f32::from(v) * w;
                }
            }
            mid[x * 3..x * 3 + 3].copy_from_slice(&acc);
        }
    }
    let mut acc = vec![0f32; mid_len];
    for (y, dst) in out.chunks_exact_mut(mid_len).enumerate() {
        filter_window(&mut acc, &rows, (height, new_height, y), &mut weights);
        for (o, &v) in dst.iter_mut().zip(&acc) {
            *o = round_to_u8(v);
        }
    }
    out
}

/// `dst[j] += src[j] * weight` for every `j`: one tap of the filter over a line. Summing a
/// window's lines with this, in tap order from zeros, gives every value `weighted_rows` gives.
pub(crate) fn add_weighted(dst: &mut [f32], src: &[u8], weight: f32) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") {
        // SAFETY: AVX2 was detected just above.
        return unsafe { add_weighted_avx2(dst, src, weight) };
    }
    add_weighted_body(dst, src, weight)
}

/// The same loop compiled for AVX2: products and sums stay separate operations (no fused
/// multiply-add), so every lane computes what SSE2 computes.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2")]
fn add_weighted_avx2(dst: &mut [f32], src: &[u8], weight: f32) {
    add_weighted_body(dst, src, weight)
}

#[inline(always)]
fn add_weighted_body(dst: &mut [f32], src: &[u8], weight: f32) {
    for (d, &s) in dst.iter_mut().zip(src) {
        *d += f32::from(s) * weight;
    }
}

/// Output position `out` of an axis of `len` positions resized to `new_len`, into `dst`: the
/// weighted sum of its window of `lines` (one `dst.len()`-long line per input position).
#[cfg(test)]
#[inline(always)]
fn filter_window<T: Copy + Into<f32>>(
    dst: &mut [f32],
    lines: &[T],
    (len, new_len, out): (usize, usize, usize),
    weights: &mut Vec<f32>,
) {
    let left = tap(len, new_len, out, weights);
    let n = dst.len();
    weighted_rows(dst, |i| &lines[(left + i) * n..(left + i + 1) * n], weights);
}

/// `dst[j] = sum_i line(i)[j] * weights[i]`, summed from 0 in the order of `i` (as `image` does),
/// 16 positions at a time so the partial sums stay in registers across the taps.
#[cfg(test)]
#[inline(always)]
fn weighted_rows<'a, T: Copy + Into<f32> + 'a>(
    dst: &mut [f32],
    line: impl Fn(usize) -> &'a [T],
    weights: &[f32],
) {
    const LANES: usize = 16;
    let full = dst.len() / LANES * LANES;
    for (x, chunk) in dst[..full].chunks_exact_mut(LANES).enumerate() {
        let mut t = [0f32; LANES];
        for (i, &w) in weights.iter().enumerate() {
            let src = &line(i)[x * LANES..x * LANES + LANES];
            for (acc, &v) in t.iter_mut().zip(src) {
                *acc += v.into() * w;
            }
        }
        chunk.copy_from_slice(&t);
    }
    for (x, out) in dst.iter_mut().enumerate().skip(full) {
        let mut t = 0f32;
        for (i, &w) in weights.iter().enumerate() {
            t += line(i)[x].into() * w;
        }
        *out = t;
    }
}

/// `v.clamp(0.0, 255.0).round() as u8`, without `round`, which baseline x86_64 (no SSE4.1) calls
/// out to libm for: it was most of this resize's time. For `0 <= v <= 255`, `v - trunc(v)` is
/// exact, so comparing it with one half rounds half away from zero exactly like `round`. Signed
/// conversion and no branch (NaN truncates to 0 and fails the comparison, as it always did): a
/// loop of these compiles to vector code.
#[inline]
pub(crate) fn round_to_u8(v: f32) -> u8 {
    let v = v.clamp(0.0, 255.0);
    let whole = v as i32;
    (whole + i32::from(v - whole as f32 >= 0.5)) as u8
}

#[cfg(test)]
pub(super) mod tests {
    use image::imageops::FilterType;
    use image::{Rgb, RgbImage};

    use super::*;

    /// (source, target) sizes whose resize must match `image`'s Triangle filter bit for bit: a face
    /// crop, no change, landscape, odd sizes, upscales, one pixel, extreme aspect ratios and a
    /// large downscale; the sampler's tests check the same list.
    pub(in crate::input) const IMAGE_PARITY_SIZES: [((u32, u32), (u32, u32)); 9] = [
        ((178, 218), (88, 108)),
        ((88, 108), (88, 108)),
        ((640, 480), (88, 108)),
        ((89, 109), (48, 40)),
        ((31, 17), (88, 108)),
        ((1, 1), (5, 7)),
        ((300, 7), (3, 200)),
        ((1000, 1000), (64, 80)),
        ((88, 500), (88, 108)),
    ];

    /// Smooth gradients plus noise; the sampler's tests draw from it too.
    pub(in crate::input) fn noise(w: u32, h: u32, seed: u32) -> RgbImage {
        let mut s = seed.wrapping_mul(2_654_435_761) | 1;
        RgbImage::from_fn(w, h, |x, y| {
            s ^= s << 13;
            s ^= s >> 17;
            s ^= s << 5;
            // Smooth gradients plus noise, so both flat and busy areas are covered.
            let g = ((x * 255 / w.max(1)) as u8).wrapping_add((s & 31) as u8);
            Rgb([g, (y * 255 / h.max(1)) as u8, (s >> 8) as u8])
        })
    }

    #[test]
    fn rounding_matches_round_near_every_integer_and_half() {
        // 64 representable values on each side of every k and k + 0.5 in [0, 256], where a
        // rounding shortcut would go wrong, plus the extremes.
        for k in 0..=512 {
            let mut v = k as f32 / 2.0;
            for _ in 0..64 {
                v = v.next_down();
            }
            for _ in 0..129 {
                assert_eq!(round_to_u8(v), v.clamp(0.0, 255.0).round() as u8, "{v}");
                v = v.next_up();
            }
        }
        for v in [f32::MIN, -1.0, f32::MAX, f32::INFINITY, f32::NEG_INFINITY, 1e-30, 0.49999997, 254.49998] {
            assert_eq!(round_to_u8(v), v.clamp(0.0, 255.0).round() as u8, "{v}");
        }
    }

    #[test]
    fn bit_identical_to_image_triangle_resize() {
        for (i, ((w, h), (nw, nh))) in IMAGE_PARITY_SIZES.into_iter().enumerate() {
            let img = noise(w, h, i as u32);
            let want = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
            let got = resize_rgb8(img.as_raw(), (w, h), (nw, nh));
            assert!(want.as_raw() == &got, "{w}x{h} -> {nw}x{nh}");
        }
    }

    #[test]
    fn horizontal_first_order_is_within_one_of_image() {
        // A budget of 0 forces the swapped order on sizes `image` itself can still resize.
        for (i, ((w, h), (nw, nh))) in [
            ((5000, 1), (88, 108)),
            ((3000, 7), (88, 108)),
            ((640, 480), (88, 108)),
            ((300, 7), (3, 200)),
            ((1, 1), (5, 7)),
        ]
        .into_iter()
        .enumerate()
        {
            let img = noise(w, h, i as u32 + 100);
            let want = image::imageops::resize(&img, nw, nh, FilterType::Triangle);
            let got = resize_rgb8_with_budget(img.as_raw(), (w, h), (nw, nh), 0);
            let worst = want.as_raw().iter().zip(&got).map(|(a, b)| a.abs_diff(*b)).max();
            assert!(worst <= Some(1), "{w}x{h} -> {nw}x{nh}: {worst:?}");
        }
    }

    #[test]
    fn an_8_million_pixel_wide_row_resizes_in_little_memory() {
        // The vertical-first order would allocate 8e6 * 108 * 12 bytes (10 GB) here.
        let (w, h) = (8_000_000, 1);
        let src: Vec<u8> = (0..w * h * 3).map(|i| (i / 3 * 255 / w) as u8).collect();
        let out = resize_rgb8(&src, (w as u32, h as u32), (88, 108));
        assert_eq!(out.len(), 88 * 108 * 3);
        // A left-to-right ramp stays a ramp.
        assert!(out[0] < 4 && out[87 * 3] > 251, "{} {}", out[0], out[87 * 3]);
    }
}
