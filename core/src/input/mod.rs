//! Image in: whatever the app holds (encoded bytes, a file, pixel buffers in several layouts, a
//! camera's YUV frame, a face box inside any of them) to the model's input tensor.
//!
//! One path for all of them: `request` names the input and what to classify in it, `source`
//! reads any picture in place as upright rows (`orientation` turns it, EXIF or camera), `region`
//! frames a face box, `sampler` filters the region straight into the model-sized picture with
//! the triangle filter of `resize` (fitted as `resize_mode` says; `rotated` first levels a
//! turned face's framing), `decode` turns encoded bytes
//! into the decoder's buffer, and `preprocess` normalises into the `[1, 3, H, W]` tensor. `pixels`
//! and `yuv` describe raw buffers and camera frames.

pub(crate) mod bt601;
pub(crate) mod decode;
pub(crate) mod orientation;
pub(crate) mod pixels;
pub mod preprocess;
pub mod region;
pub(crate) mod request;
#[allow(unsafe_code)]
pub(crate) mod resize;
pub(crate) mod resize_mode;
pub(crate) mod rotated;
pub(crate) mod sampler;
pub(crate) mod source;
pub mod unsupported;
pub mod yuv;
#[cfg(target_arch = "x86_64")]
#[allow(unsafe_code)]
mod yuv_x86;
