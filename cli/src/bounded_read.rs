//! Reading a small input file that a caller names (`--face-boxes`) without letting it hang the
//! command, abort it or fill its memory: regular files only, opened non-blocking, size-limited;
//! `-` reads stdin, stopping as soon as the limit is passed.

use std::io::Read;
use std::path::Path;

use anyhow::{Context, anyhow};

/// The whole of `source` (`-`: stdin), at most `max_bytes` bytes; `flag` names the limit's flag
/// in the error. Files are read by core's [`glasses_core::read_regular_file`]: anything but a
/// regular file is refused before a byte is read (a FIFO without a writer would block the open
/// forever and `/dev/zero` never ends), and so is a file over the limit.
pub fn read(source: &Path, max_bytes: u64, flag: &str) -> anyhow::Result<Vec<u8>> {
    if source == Path::new("-") {
        return read_at_most(std::io::stdin().lock(), max_bytes)
            .context("cannot read standard input")?
            .with_context(|| format!("standard input goes on past {max_bytes} bytes (the limit, {flag})"));
    }
    let shown = source.display();
    glasses_core::read_regular_file(source, max_bytes).map_err(|e| match e {
        glasses_core::Error::NotARegularFile { file_type, .. } => {
            anyhow!("`{shown}` is {file_type}, not a regular file (use `-` to read standard input)")
        }
        glasses_core::Error::FileTooLarge { size, .. } => {
            anyhow!("`{shown}` is {size} bytes, over the limit of {max_bytes} bytes ({flag})")
        }
        other => anyhow::Error::new(other).context(format!("cannot read `{shown}`")),
    })
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
