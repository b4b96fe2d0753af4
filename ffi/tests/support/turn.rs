//! Pictures stored turned, as a camera or a photo library stores them, made with the `image`
//! crate's own rotations (not the library's reading), so a surface that reads an orientation
//! wrongly gives a different answer.

use glasses_core::image::{GenericImageView, ImageBuffer, Pixel, imageops};

/// The eight orientations as (clockwise degrees that turn the stored picture upright, mirrored).
pub const ORIENTATIONS: [(u32, bool); 8] =
    [(0, false), (90, false), (180, false), (270, false), (0, true), (90, true), (180, true), (270, true)];

/// The stored picture that `(rotation_degrees, mirrored)` turns into `upright`: turning it
/// clockwise by `rotation_degrees`, then mirroring it if `mirrored`, gives `upright` back.
pub fn stored<P: Pixel + 'static>(
    upright: &ImageBuffer<P, Vec<P::Subpixel>>,
    (rotation_degrees, mirrored): (u32, bool),
) -> ImageBuffer<P, Vec<P::Subpixel>> {
    let unmirrored = if mirrored { imageops::flip_horizontal(upright) } else { upright.clone() };
    // Undo the clockwise turn with the opposite one.
    match rotation_degrees {
        0 => unmirrored,
        90 => imageops::rotate270(&unmirrored),
        180 => imageops::rotate180(&unmirrored),
        270 => imageops::rotate90(&unmirrored),
        other => panic!("rotation {other}"),
    }
}

/// The stored picture's size.
pub fn stored_size<I: GenericImageView>(upright: &I, (rotation_degrees, _): (u32, bool)) -> (u32, u32) {
    let (w, h) = upright.dimensions();
    if rotation_degrees % 180 == 90 { (h, w) } else { (w, h) }
}
