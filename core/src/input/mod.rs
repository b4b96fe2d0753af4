//! Image in: whatever the app holds (encoded bytes, a file, pixel buffers in several layouts, a
//! camera's YUV frame, a face box inside any of them) to the model's input tensor.
//! `pixels` reads buffers, `yuv` converts camera frames, `region` frames a face box, `resize`
//! scales, and `preprocess` decodes, orients and normalises into the `[1, 3, H, W]` tensor.

pub(crate) mod pixels;
pub mod preprocess;
pub mod region;
#[allow(unsafe_code)]
pub(crate) mod resize;
pub mod unsupported;
pub mod yuv;
