//! Helpers the latency examples share. Each example uses a part of them, hence the dead-code
//! allowance: an example that does not time a camera frame still compiles this module.
#![allow(dead_code)]

pub mod faces;
pub mod timing;

use glasses_core::image::{Rgb, RgbImage};

/// BT.601 full-range NV21 of `rgb`: the Y plane and the interleaved V,U plane.
pub fn nv21(rgb: &RgbImage) -> (Vec<u8>, Vec<u8>) {
    let (w, h) = rgb.dimensions();
    let luma = |p: &Rgb<u8>| (0.299 * p[0] as f32 + 0.587 * p[1] as f32 + 0.114 * p[2] as f32).round() as u8;
    let y: Vec<u8> = rgb.pixels().map(luma).collect();
    let mut vu = Vec::with_capacity((w * h / 2) as usize);
    for cy in 0..h / 2 {
        for cx in 0..w / 2 {
            let p = rgb.get_pixel(2 * cx, 2 * cy);
            let l = luma(p) as f32;
            vu.push(((p[0] as f32 - l) / 1.402 + 128.0).clamp(0.0, 255.0) as u8);
            vu.push(((p[2] as f32 - l) / 1.772 + 128.0).clamp(0.0, 255.0) as u8);
        }
    }
    (y, vu)
}

/// This thread's CPU time in ms: on a machine shared with other work, wall time measures the
/// neighbours too; CPU time of the one thread doing the work does not (it still pays for caches
/// they flush).
#[cfg(unix)]
pub fn thread_cpu_ms() -> f64 {
    let mut t = libc::timespec { tv_sec: 0, tv_nsec: 0 };
    // SAFETY: `t` is a valid, writable timespec; the clock id is a constant of this platform.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut t) };
    t.tv_sec as f64 * 1e3 + t.tv_nsec as f64 / 1e6
}
