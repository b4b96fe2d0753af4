//! Allocations and file reads whose size the input decides, made fallible and bounded: a hostile
//! picture or path must cost an error, never the process (Rust aborts on a failed infallible
//! allocation, and across the C, JNI and Swift surfaces that takes the app down).

use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Element types whose all-zero bytes are a valid value, so a zeroed allocation is initialised.
pub(crate) trait Plain: Copy {}
impl Plain for u8 {}
impl Plain for u16 {}
impl Plain for f32 {}

/// `vec![0; len]`, but an allocation failure is [`Error::OutOfMemory`] instead of an abort.
///
/// Zeroed memory comes from `alloc_zeroed` (calloc) like `vec![0; len]`, so pages a lying header
/// asks for are not touched until a decoder writes them.
pub(crate) fn try_zeroed<T: Plain>(len: usize, what: &'static str) -> Result<Vec<T>> {
    let bytes = (len as u64).saturating_mul(size_of::<T>() as u64);
    let oom = || Error::OutOfMemory { bytes, what };
    if len == 0 {
        return Ok(Vec::new());
    }
    let layout = std::alloc::Layout::array::<T>(len).map_err(|_| oom())?;
    // SAFETY: the layout's size is non-zero (len > 0 and no `Plain` type is zero-sized).
    let ptr = unsafe { std::alloc::alloc_zeroed(layout) }.cast::<T>();
    if ptr.is_null() {
        return Err(oom());
    }
    // SAFETY: `ptr` comes from the global allocator with the layout of `len` values of `T`, which
    // is what `Vec` frees it with; all its bytes are zero, a valid `T` (`Plain`).
    Ok(unsafe { Vec::from_raw_parts(ptr, len, len) })
}

/// The bytes of `values`, for decoders that write any sample type through a byte slice.
pub(crate) fn as_bytes_mut<T: Plain>(values: &mut [T]) -> &mut [u8] {
    // SAFETY: `Plain` types have no padding and every bit pattern is a valid value, `u8` has
    // alignment 1, and the byte slice covers exactly the memory of `values`, borrowed mutably.
    unsafe { std::slice::from_raw_parts_mut(values.as_mut_ptr().cast::<u8>(), std::mem::size_of_val(values)) }
}

/// What a non-regular file is, in words, for [`Error::NotARegularFile`].
fn describe(file_type: std::fs::FileType) -> Option<&'static str> {
    if file_type.is_file() {
        return None;
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_char_device() {
            return Some("a character device");
        }
        if file_type.is_block_device() {
            return Some("a block device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// Reads a whole regular file of at most `max_bytes` bytes.
///
/// Anything else is refused before a byte is read: devices (`/dev/zero` never ends), FIFOs (an
/// open blocks until a writer comes), folders, and files over the limit (a sparse 1 GB `.jpg`
/// would otherwise cost 1 GB of memory). The type is checked on the path and again on the open
/// file, which is opened non-blocking, so swapping the path for a FIFO in between cannot hang.
/// Public for the tools that read a file a user names the same way (the CLI's `--face-boxes`).
pub fn read_regular_file(path: &Path, max_bytes: u64) -> Result<Vec<u8>> {
    let io = |source| Error::Io { path: path.to_owned(), source };
    let not_regular = |file_type| Error::NotARegularFile { path: path.to_owned(), file_type };
    if let Some(kind) = describe(std::fs::metadata(path).map_err(io)?.file_type()) {
        return Err(not_regular(kind));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(io)?;
    let metadata = file.metadata().map_err(io)?;
    if let Some(kind) = describe(metadata.file_type()) {
        return Err(not_regular(kind));
    }
    let too_large = |size| Error::FileTooLarge { path: path.to_owned(), size, max_bytes };
    if metadata.len() > max_bytes {
        return Err(too_large(metadata.len()));
    }
    let mut bytes = Vec::new();
    let expected = usize::try_from(metadata.len()).unwrap_or(usize::MAX);
    bytes
        .try_reserve_exact(expected)
        .map_err(|_| Error::OutOfMemory { bytes: metadata.len(), what: "the file's contents" })?;
    // One byte more than the limit tells a file that grew since the check from one that did not.
    file.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes).map_err(io)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn impossible_allocations_are_errors() {
        let err = try_zeroed::<u8>(usize::MAX / 2, "test").unwrap_err();
        assert!(matches!(err, Error::OutOfMemory { what: "test", .. }), "{err}");
        let err = try_zeroed::<u16>(usize::MAX / 2, "test").unwrap_err();
        assert!(matches!(err, Error::OutOfMemory { .. }), "{err}");
        assert_eq!(try_zeroed::<f32>(3, "test").ok(), Some(vec![0.0; 3]));
    }

    #[test]
    fn files_are_limited_and_regular() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("a.jpg");
        std::fs::write(&path, [7u8; 100])?;
        assert_eq!(read_regular_file(&path, 100).ok(), Some(vec![7; 100]));
        let err = read_regular_file(&path, 99).unwrap_err();
        assert!(matches!(err, Error::FileTooLarge { size: 100, max_bytes: 99, .. }), "{err}");
        let err = read_regular_file(dir.path(), 100).unwrap_err();
        assert!(matches!(err, Error::NotARegularFile { file_type: "a folder", .. }), "{err}");
        #[cfg(unix)]
        {
            let err = read_regular_file(Path::new("/dev/zero"), 100).unwrap_err();
            assert!(matches!(err, Error::NotARegularFile { file_type: "a character device", .. }), "{err}");
        }
        Ok(())
    }
}
