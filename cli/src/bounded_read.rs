//! Reading a small input file that a caller names (`--face-boxes`) without letting it hang the
//! command, abort it or fill its memory: regular files only, opened non-blocking, size-limited;
//! `-` reads stdin, stopping as soon as the limit is passed.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, bail};

/// What a file that is not a regular file is, in words; `None` for a regular file.
fn non_regular(file_type: std::fs::FileType) -> Option<&'static str> {
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
            return Some("a FIFO or pipe");
        }
        if file_type.is_char_device() || file_type.is_block_device() {
            return Some("a device");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
    }
    Some("not a regular file")
}

/// The whole of `source` (`-`: stdin), at most `max_bytes` bytes; `flag` names the limit's flag
/// in the error. Files that are not regular are refused before a byte is read: a FIFO without a
/// writer would block the open forever and `/dev/zero` never ends. The type is checked on the
/// path and again on the open file, which is opened non-blocking, so a path swapped for a FIFO in
/// between cannot hang the open.
pub fn read(source: &Path, max_bytes: u64, flag: &str) -> anyhow::Result<Vec<u8>> {
    if source == Path::new("-") {
        return read_at_most(std::io::stdin().lock(), max_bytes)
            .context("cannot read standard input")?
            .with_context(|| format!("standard input goes on past {max_bytes} bytes (the limit, {flag})"));
    }
    let shown = source.display();
    let refuse = |what: &str| -> anyhow::Result<Vec<u8>> {
        bail!("`{shown}` is {what}, not a regular file (use `-` to read standard input)")
    };
    let metadata = std::fs::metadata(source).with_context(|| format!("cannot read `{shown}`"))?;
    if let Some(what) = non_regular(metadata.file_type()) {
        return refuse(what);
    }
    let file = open_nonblocking(source).with_context(|| format!("cannot open `{shown}`"))?;
    let metadata = file.metadata().with_context(|| format!("cannot read `{shown}`"))?;
    if let Some(what) = non_regular(metadata.file_type()) {
        return refuse(what);
    }
    let too_large =
        |size: u64| format!("`{shown}` is {size} bytes, over the limit of {max_bytes} bytes ({flag})");
    if metadata.len() > max_bytes {
        bail!(too_large(metadata.len()));
    }
    // The file may have grown since the check: the read stops one byte past the limit anyway.
    read_at_most(file, max_bytes)
        .with_context(|| format!("cannot read `{shown}`"))?
        .with_context(|| format!("`{shown}` grew past the limit of {max_bytes} bytes ({flag}) while read"))
}

fn open_nonblocking(path: &Path) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NONBLOCK);
    }
    options.open(path)
}

/// Reads `reader` to its end, or `None` as soon as it yields more than `max_bytes` bytes.
fn read_at_most(reader: impl Read, max_bytes: u64) -> std::io::Result<Option<Vec<u8>>> {
    let mut bytes = Vec::new();
    reader.take(max_bytes.saturating_add(1)).read_to_end(&mut bytes)?;
    Ok((bytes.len() as u64 <= max_bytes).then_some(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_stop_one_byte_past_the_limit() -> std::io::Result<()> {
        assert_eq!(read_at_most(&b"abc"[..], 3)?, Some(b"abc".to_vec()));
        assert_eq!(read_at_most(&b"abcd"[..], 3)?, None);
        // An endless reader ends too.
        assert_eq!(read_at_most(std::io::repeat(b'y'), 1000)?, None);
        Ok(())
    }

    #[test]
    fn files_over_the_limit_and_folders_are_refused() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let file = dir.path().join("boxes.csv");
        std::fs::write(&file, b"0123456789")?;
        assert_eq!(read(&file, 10, "--flag")?, b"0123456789");
        let message = read(&file, 9, "--flag").err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(message.contains("10 bytes") && message.contains("--flag"), "{message}");
        let message = read(dir.path(), 9, "--flag").err().map(|e| format!("{e:#}")).unwrap_or_default();
        assert!(message.contains("a folder"), "{message}");
        Ok(())
    }
}
