//! What every C entry point shares: the thread's last error message, the panic guard, and the
//! static strings (status names, version).

use std::cell::RefCell;
use std::ffi::{CStr, CString, c_char};
use std::panic::{AssertUnwindSafe, catch_unwind};

use crate::codes::{GlassesStatus, SurfaceError};

thread_local! {
    /// The message of the last failed call on this thread; `None` after a successful call.
    static LAST_ERROR: RefCell<Option<CString>> = const { RefCell::new(None) };
}

fn set_last_error(message: Option<String>) {
    // A C string cannot hold NUL; replace it rather than lose the message.
    let message = message.map(|m| CString::new(m.replace('\0', "\u{fffd}")).unwrap_or_default());
    // `try_with` because a call during thread teardown must not panic on a destroyed thread-local.
    let _ = LAST_ERROR.try_with(|slot| *slot.borrow_mut() = message);
}

fn panic_message(payload: &(dyn std::any::Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "unknown panic payload".to_owned()
    }
}

/// Runs one C entry point: clears the last error, catches panics and turns failures into a status.
pub(super) fn guard(body: impl FnOnce() -> Result<(), SurfaceError>) -> GlassesStatus {
    set_last_error(None);
    // AssertUnwindSafe: after a panic nothing the closure touched is used again except the
    // classifier, which is immutable (a run takes its own buffers from the engine's pool).
    match catch_unwind(AssertUnwindSafe(body)) {
        Ok(Ok(())) => GlassesStatus::Ok,
        Ok(Err(e)) => {
            set_last_error(Some(e.to_string()));
            e.status()
        }
        Err(payload) => {
            set_last_error(Some(format!("internal panic: {}", panic_message(payload.as_ref()))));
            GlassesStatus::Panic
        }
    }
}

/// The message of the last failed call on this thread, or "" if it succeeded. The string stays
/// valid until the next library call on this thread; copy it to keep it. Never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_last_error_message() -> *const c_char {
    catch_unwind(|| {
        LAST_ERROR
            .try_with(|slot| slot.borrow().as_ref().map(|m| m.as_ptr()))
            .ok()
            .flatten()
            .unwrap_or(c"".as_ptr())
    })
    .unwrap_or(c"".as_ptr())
}

/// Copies the last error message of this thread into `buffer` (NUL-terminated, truncated to
/// `buffer_len - 1` bytes) and returns the full message length without the NUL, like `snprintf`:
/// call with `buffer_len` 0 to size a buffer. `buffer` may be NULL when `buffer_len` is 0.
///
/// # Safety
/// `buffer` must be NULL or writable for `buffer_len` bytes.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn glasses_last_error_message_copy(buffer: *mut c_char, buffer_len: usize) -> usize {
    catch_unwind(|| {
        // SAFETY: the library's own NUL-terminated string, valid until the next call.
        let message = unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_bytes();
        if !buffer.is_null() && buffer_len > 0 {
            let n = message.len().min(buffer_len - 1);
            // SAFETY: `n + 1 <= buffer_len` bytes are writable by the caller's contract; the source
            // is our own string, which cannot overlap the caller's buffer.
            unsafe {
                std::ptr::copy_nonoverlapping(message.as_ptr(), buffer.cast::<u8>(), n);
                buffer.add(n).write(0);
            }
        }
        message.len()
    })
    .unwrap_or(0)
}

/// The symbolic name of a status code (`"GLASSES_STATUS_OK"`, ...), or `"GLASSES_STATUS_UNKNOWN"`.
/// Static storage, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_status_name(status: i32) -> *const c_char {
    GlassesStatus::from_code(status).map_or(c"GLASSES_STATUS_UNKNOWN", GlassesStatus::name).as_ptr()
}

/// The library version (`"0.2.0"`, the workspace version). Static storage, never NULL.
#[unsafe(no_mangle)]
pub extern "C" fn glasses_version() -> *const c_char {
    const VERSION: &CStr =
        match CStr::from_bytes_with_nul(concat!(env!("CARGO_PKG_VERSION"), "\0").as_bytes()) {
            Ok(v) => v,
            Err(_) => panic!("the package version contains no NUL"),
        };
    VERSION.as_ptr()
}

/// Test hook: panics inside the library so a test can check that the panic comes back as
/// `GLASSES_STATUS_PANIC` and the process keeps running. Only in debug builds and in builds with
/// the `test-panic` cargo feature; never in a release library.
///
/// Debug builds always have it so that every debug build of the library exports the same symbols,
/// whichever features the last `cargo build` used (they share one output file).
#[cfg(any(debug_assertions, feature = "test-panic"))]
#[doc(hidden)]
#[unsafe(no_mangle)]
pub extern "C" fn glasses_test_force_panic() -> GlassesStatus {
    guard(|| panic!("forced by glasses_test_force_panic"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn panics_become_a_status_and_a_message() {
        let status = guard(|| panic!("boom {}", 42));
        assert_eq!(status, GlassesStatus::Panic);
        // SAFETY: our own NUL-terminated string.
        let message = unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_str().expect("utf-8");
        assert_eq!(message, "internal panic: boom 42");
        assert_eq!(guard(|| Ok(())), GlassesStatus::Ok);
        // SAFETY: as above.
        assert_eq!(unsafe { CStr::from_ptr(glasses_last_error_message()) }.to_bytes(), b"");
    }

    #[test]
    fn copy_truncates_like_snprintf() {
        let _ = guard(|| Err(SurfaceError::InvalidArgument("abcdef".into())));
        let full = "invalid argument: abcdef";
        // SAFETY: NULL buffer with length 0 is allowed.
        assert_eq!(unsafe { glasses_last_error_message_copy(std::ptr::null_mut(), 0) }, full.len());
        let mut buf = [0x7f as c_char; 8];
        // SAFETY: `buf` is writable for its length.
        let n = unsafe { glasses_last_error_message_copy(buf.as_mut_ptr(), buf.len()) };
        assert_eq!(n, full.len());
        // SAFETY: the copy wrote a NUL inside `buf`.
        assert_eq!(unsafe { CStr::from_ptr(buf.as_ptr()) }.to_bytes(), &full.as_bytes()[..7]);
    }
}
