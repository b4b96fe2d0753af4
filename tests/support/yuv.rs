//! The reference RGB to YUV 4:2:0 conversion the camera-frame tests of every crate compare the
//! library's YUV path against (core's integration tests and ffi's include this file with
//! `#[path]`).

use glasses_core::image::RgbImage;

/// BT.601, full range: Y per pixel, U (Cb) and V (Cr) of each 2x2 block's average; the three
/// planes packed (rows of `width` and `width / 2` bytes).
pub fn to_yuv(rgb: &RgbImage) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let (w, h) = rgb.dimensions();
    let px = |x: u32, y: u32| rgb.get_pixel(x, y).0.map(f32::from);
    let luma = |[r, g, b]: [f32; 3]| 0.299 * r + 0.587 * g + 0.114 * b;
    let y: Vec<u8> =
        (0..h).flat_map(|y| (0..w).map(move |x| (y, x))).map(|(y, x)| luma(px(x, y)).round() as u8).collect();
    let (mut u, mut v) = (Vec::new(), Vec::new());
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let mut sum = [0f32; 3];
            for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                let p = px(2 * cx + dx, 2 * cy + dy);
                for c in 0..3 {
                    sum[c] += p[c] / 4.0;
                }
            }
            let l = luma(sum);
            u.push(((sum[2] - l) / 1.772 + 128.0).round().clamp(0.0, 255.0) as u8);
            v.push(((sum[0] - l) / 1.402 + 128.0).round().clamp(0.0, 255.0) as u8);
        }
    }
    (y, u, v)
}

/// Rows of `width` bytes padded to `stride` with junk.
pub fn padded(rows: &[u8], width: usize, stride: usize) -> Vec<u8> {
    rows.chunks(width).flat_map(|r| [r, &vec![7u8; stride - width][..]].concat()).collect()
}
