//! JNI surface for Kotlin/Android: the native half of `dev.glasses.GlassesDetector`.
//!
//! Every function of `entry` is the implementation of one `external fun` of the Kotlin object
//! `dev.glasses.GlassesNative` (android/src/main/kotlin/dev/glasses/GlassesNative.kt); the names,
//! argument types and return types must stay in step with that file.
//!
//! # One path
//!
//! There is one entry point per input kind (encoded bytes, file, ARGB ints, direct `ByteBuffer`,
//! YUV planes). Each ends with the same request, one `IntArray` (Kotlin's `NativeRequest`:
//! `rotationDegrees, flags (mirrored, hasBox), x, y, boxWidth, boxHeight` as float bits,
//! `faceMode, task`), which becomes core's `Request` in one place (`convert::Call::new`, through
//! `codes::request`; the entry points are declared once, in `declare.rs`); `task` says which of
//! core's calls on that input and request answers: `Classifier::classify` (0), `detect_faces` (1) or `classify_faces`
//! (2). The rotation is clockwise (Android's `rotationDegrees`: 0, 90, 180 or 270, anything else
//! [`GlassesStatus`]`::InvalidPixelBuffer`), applied after an encoded picture's EXIF orientation;
//! the box is a face detector's, in pixels of the upright picture (a bad one is
//! `InvalidRegion`); without `hasBox`, `faceMode` (Kotlin's `FaceMode.code`, C's
//! `GlassesFaceMode`) says which face is classified.
//!
//! # Handles
//!
//! A loaded classifier lives in a process-wide registry and Kotlin holds only its id (a `jlong`),
//! never a pointer. Each call looks the id up and clones the `Arc<Classifier>` out of the registry,
//! so a `free` that races with a `classify` on another thread cannot free memory in use: the
//! classification finishes on its own clone, and the next lookup of the id fails with
//! `IllegalStateException`. A stale, forged or twice-freed id is therefore an exception, never
//! undefined behaviour.
//!
//! # Errors and panics
//!
//! Every entry point runs inside `EnvUnowned::with_env`, which wraps the body in `catch_unwind`;
//! errors and panics are turned into Java exceptions by [`ThrowGlassesException`]:
//!
//! * [`glasses_core::Error`] and bad arguments (null arrays, negative sizes, non-direct buffers)
//!   become `dev.glasses.GlassesException(code, reason)`, where `code` is the C status
//!   ([`GlassesStatus`]) of the same failure: Kotlin's `ErrorKind` has C's numbers and names, and
//!   the status and the words of a core error come from the table every surface shares
//!   (`codes.rs`);
//! * a closed or unknown handle becomes `java.lang.IllegalStateException`;
//! * a Rust panic becomes `GlassesException` with code [`GlassesStatus::Internal`];
//! * a JNI failure leaves the JVM's pending exception in place (or throws `RuntimeException`).
//!
//! The return value after a thrown exception is `0`/`null`, which the JVM discards.
//!
//! # Results
//!
//! Every answer is one `FloatArray` of records (`convert::Call::answer`), decoded by Kotlin's
//! `NativeRecords`: a face is 15 floats (box x, y, width, height, score, five landmarks' x and
//! y), a prediction 6 (`hasGlasses` 0/1, P(eyeglasses), the eyewear code of C's
//! `GlassesEyewear`, P(none), whether the model has a sunglasses class, P(sunglasses) or NaN).
//! `classify` answers `hasFace`, a face and a prediction; `detect_faces` a face per face found;
//! `classify_faces` a face and a prediction per face. One primitive array crosses the boundary,
//! whatever the number of faces; floats hold every value exactly.
//!
//! # Buffers
//!
//! Direct `ByteBuffer`s (pixels, camera planes) are read in place from their addresses up to their
//! capacities, never copied on the JVM side; a heap buffer is [`GlassesStatus`]`::InvalidArgument`.
//! `IntArray`s are copied once (only the rows the picture needs).
//!
//! # Options and files
//!
//! The loader (`nativeLoad`: ONNX bytes, or `null` for the bundled model) takes Kotlin's
//! `GlassesOptions` as primitives (threshold, `maxPixels`, `maxFileBytes`, `threads`, and the face
//! detector's input size, confidence, suppression and smallest face; a negative limit and threads
//! outside 0 to 8 are [`GlassesStatus`]`::InvalidArgument`), and
//! `nativeClassifyPath` reads an image file in native code, refusing one over `maxFileBytes`
//! unread (`FileTooLarge`).

mod convert;
#[macro_use]
mod declare;
mod entry;
mod failure;
mod registry;

#[cfg(doc)]
use crate::codes::GlassesStatus;
pub use entry::*;
pub use failure::{JniFailure, ThrowGlassesException};
pub use registry::live_handles;
