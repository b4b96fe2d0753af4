//! A face turned in the picture plane, as the alignment tests and `align_eval` draw it: the face
//! centred in a larger picture, mirrored beyond its edges (surroundings, not a cut edge, for the
//! detector), turned clockwise on screen about the centre, bilinear. Shared by core's unit tests
//! (`input/rotated.rs`), its integration tests and the `align_eval` example.

use image::{Rgb, RgbImage};

/// Index `i` folded back into `0..n` without repeating the edge pixel (`-1` -> `1`, `n` -> `n - 2`).
pub fn mirror(i: i64, n: i64) -> u32 {
    if n <= 1 {
        return 0;
    }
    let period = 2 * (n - 1);
    let m = i.rem_euclid(period);
    (if m < n { m } else { period - m }) as u32
}

/// `face` centred in a `size` picture, mirrored beyond its edges, turned clockwise on screen by
/// `degrees` about the picture's centre (bilinear).
pub fn turned(face: &RgbImage, size: (u32, u32), degrees: f32) -> RgbImage {
    let (w, h) = (face.width() as i64, face.height() as i64);
    let (ox, oy) = ((size.0 as f32 - w as f32) / 2.0, (size.1 as f32 - h as f32) / 2.0);
    let (sin, cos) = degrees.to_radians().sin_cos();
    let (cx, cy) = (size.0 as f32 / 2.0, size.1 as f32 / 2.0);
    let at = |x: i64, y: i64| *face.get_pixel(mirror(x, w), mirror(y, h));
    RgbImage::from_fn(size.0, size.1, |x, y| {
        // Output = centre + R(angle) (source - centre), so source = centre + R(-angle) (...).
        let (dx, dy) = (x as f32 + 0.5 - cx, y as f32 + 0.5 - cy);
        let (sx, sy) = (cx + dx * cos + dy * sin - ox - 0.5, cy - dx * sin + dy * cos - oy - 0.5);
        let (fx, fy) = (sx.floor(), sy.floor());
        let (ax, ay) = (sx - fx, sy - fy);
        let (ix, iy) = (fx as i64, fy as i64);
        let p = [at(ix, iy), at(ix + 1, iy), at(ix, iy + 1), at(ix + 1, iy + 1)];
        Rgb(std::array::from_fn(|c| {
            let top = p[0][c] as f32 * (1.0 - ax) + p[1][c] as f32 * ax;
            let bottom = p[2][c] as f32 * (1.0 - ax) + p[3][c] as f32 * ax;
            (top * (1.0 - ay) + bottom * ay).round() as u8
        }))
    })
}
