//! Where results go: stdout, or a file written atomically that is never silently replaced.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// The destination chosen on the command line.
#[derive(Debug, Clone)]
pub enum Destination {
    Stdout,
    File { path: PathBuf, force: bool },
}

impl Destination {
    pub fn new(output: Option<&Path>, force: bool) -> Self {
        match output {
            Some(path) => Self::File { path: path.to_path_buf(), force },
            None => Self::Stdout,
        }
    }

    /// Refuses an unusable destination before any work is done, so a long run is not wasted on an
    /// output that cannot be written. [`Destination::write`] checks again, atomically.
    pub fn check(&self) -> anyhow::Result<()> {
        let Self::File { path, force } = self else { return Ok(()) };
        if path.is_dir() {
            bail!("output `{}` is a folder", path.display());
        }
        if let Ok(metadata) = path.symlink_metadata() {
            if !force {
                bail!("output `{}` already exists; pass --force to replace it", path.display());
            }
            refuse_non_regular(path, &metadata)?;
        }
        let dir = parent_dir(path);
        if !dir.is_dir() {
            bail!("cannot write output `{}`: folder `{}` does not exist", path.display(), dir.display());
        }
        Ok(())
    }

    pub fn write(&self, bytes: &[u8]) -> anyhow::Result<()> {
        match self {
            Self::Stdout => write_stdout(bytes),
            Self::File { path, force } => write_file(path, bytes, *force),
        }
    }
}

fn write_stdout(bytes: &[u8]) -> anyhow::Result<()> {
    let mut stdout = std::io::stdout().lock();
    match stdout.write_all(bytes).and_then(|()| stdout.flush()) {
        // The reader went away (`glasses classify dir | head`): what it wanted it has.
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => other.context("cannot write to stdout"),
    }
}

/// `--force` replaces a regular file only: renaming over a symlink, a FIFO or a device node would
/// silently turn it into a regular file (and a symlink's target would not be written at all).
fn refuse_non_regular(path: &Path, metadata: &std::fs::Metadata) -> anyhow::Result<()> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return Ok(());
    }
    let what = if file_type.is_symlink() {
        "a symbolic link"
    } else if file_type.is_dir() {
        "a folder"
    } else {
        "not a regular file (a device, FIFO or socket)"
    };
    bail!("output `{}` is {what}; --force only replaces regular files", path.display())
}

/// Temp files are named `.glasses-output-<pid>-<random>.tmp`, so a later run can tell the
/// leftovers of a killed run from the live file of a concurrent one.
const TEMP_PREFIX: &str = ".glasses-output-";
const TEMP_SUFFIX: &str = ".tmp";
/// Where a process cannot be looked up, a temp file this old is taken as a leftover.
const STALE_AFTER: std::time::Duration = std::time::Duration::from_secs(3600);

/// Removes the temp files a killed run left in `dir`: those whose process is gone (Linux,
/// Android: no `/proc/<pid>`), or elsewhere, or without a pid (older versions), older than an
/// hour. Failures are ignored: leftovers are untidy, not harmful.
fn remove_stale_temps(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    let own = std::process::id().to_string();
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(TEMP_PREFIX)) else { continue };
        if !rest.ends_with(TEMP_SUFFIX) || !entry.file_type().is_ok_and(|t| t.is_file()) {
            continue;
        }
        let pid = rest.split_once('-').map(|(pid, _)| pid).filter(|p| p.bytes().all(|b| b.is_ascii_digit()));
        let stale = match (pid, process_alive(pid)) {
            (Some(pid), _) if pid == own => false,
            (Some(_), Some(alive)) => !alive,
            _ => entry
                .metadata()
                .and_then(|m| m.modified())
                .is_ok_and(|t| t.elapsed().is_ok_and(|age| age > STALE_AFTER)),
        };
        if stale {
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// Whether process `pid` runs, where that can be told without extra dependencies.
fn process_alive(pid: Option<&str>) -> Option<bool> {
    let pid = pid.filter(|p| !p.is_empty())?;
    if cfg!(any(target_os = "linux", target_os = "android")) && Path::new("/proc/self").exists() {
        Some(Path::new("/proc").join(pid).exists())
    } else {
        None
    }
}

/// Writes to a temp file next to `path` and renames it into place, so readers never see a
/// half-written file and an interrupted run leaves any previous file intact. Without `force` the
/// rename refuses to replace a file, even one created while the run was going on.
fn write_file(path: &Path, bytes: &[u8], force: bool) -> anyhow::Result<()> {
    let shown = path.display();
    remove_stale_temps(parent_dir(path));
    if force && let Ok(metadata) = path.symlink_metadata() {
        refuse_non_regular(path, &metadata)?;
    }
    let prefix = format!("{TEMP_PREFIX}{}-", std::process::id());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(TEMP_SUFFIX);
    if let Some(permissions) = output_permissions(path) {
        builder.permissions(permissions);
    }
    let mut temp = builder
        .tempfile_in(parent_dir(path))
        .with_context(|| format!("cannot create a temporary file next to `{shown}`"))?;
    temp.write_all(bytes)
        .and_then(|()| temp.as_file().sync_all())
        .with_context(|| format!("cannot write output `{shown}`"))?;
    let persisted = if force { temp.persist(path) } else { temp.persist_noclobber(path) };
    match persisted {
        Ok(_) => Ok(()),
        Err(e) if e.error.kind() == std::io::ErrorKind::AlreadyExists => {
            bail!("output `{shown}` already exists; pass --force to replace it")
        }
        Err(e) => Err(e.error).with_context(|| format!("cannot write output `{shown}`")),
    }
}

/// Temp files are private (0600) by default; the result should look like any file the user
/// creates (0666 less the umask), or keep the permissions of the file it replaces.
fn output_permissions(path: &Path) -> Option<std::fs::Permissions> {
    if let Ok(metadata) = std::fs::metadata(path) {
        return Some(metadata.permissions());
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        Some(std::fs::Permissions::from_mode(0o666))
    }
    #[cfg(not(unix))]
    {
        None
    }
}

fn parent_dir(path: &Path) -> &Path {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() => dir,
        _ => Path::new("."),
    }
}

/// Left-aligned columns separated by two spaces; the last cell of each row is not padded, nor
/// counted in its column's width, so a shorter row's last cell (an error message) runs on without
/// widening the columns of the others.
pub fn table(rows: &[Vec<String>]) -> String {
    let columns = rows.iter().map(Vec::len).max().unwrap_or(0);
    let widths: Vec<usize> = (0..columns)
        .map(|c| {
            let padded = rows.iter().filter(|row| c + 1 < row.len()).filter_map(|row| row.get(c));
            padded.map(|cell| cell.chars().count()).max().unwrap_or(0)
        })
        .collect();
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (c, cell) in row.iter().enumerate() {
            if c + 1 < row.len() {
                line.push_str(&format!("{cell:<width$}  ", width = widths[c]));
            } else {
                line.push_str(cell);
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_aligns_columns() {
        let rows = vec![
            vec!["PATH".to_owned(), "GLASSES".to_owned(), "P".to_owned()],
            vec!["a/long/name.png".to_owned(), "yes".to_owned(), "0.9000".to_owned()],
        ];
        assert_eq!(table(&rows), "PATH             GLASSES  P\na/long/name.png  yes      0.9000\n");
    }

    #[test]
    fn file_output_never_replaces_without_force() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let path = dir.path().join("out.txt");
        let destination = Destination::new(Some(&path), false);
        destination.check()?;
        destination.write(b"first")?;
        assert!(destination.check().is_err());
        assert!(destination.write(b"second").is_err());
        assert_eq!(std::fs::read(&path)?, b"first");
        Destination::new(Some(&path), true).write(b"third")?;
        assert_eq!(std::fs::read(&path)?, b"third");
        // No temp files are left behind.
        assert_eq!(std::fs::read_dir(dir.path())?.count(), 1);
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn force_replaces_regular_files_only() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let target = dir.path().join("target.txt");
        std::fs::write(&target, b"keep")?;
        let link = dir.path().join("link.txt");
        std::os::unix::fs::symlink(&target, &link)?;
        let destination = Destination::new(Some(&link), true);
        assert!(destination.check().is_err());
        assert!(destination.write(b"new").is_err());
        assert!(link.symlink_metadata()?.file_type().is_symlink());
        assert_eq!(std::fs::read(&target)?, b"keep");
        let null = Destination::new(Some(Path::new("/dev/null")), true);
        assert!(null.check().is_err());
        Ok(())
    }

    #[test]
    fn leftover_temp_files_of_dead_runs_are_removed() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        // Above Linux's largest pid (2^22): no such process.
        let dead = dir.path().join(".glasses-output-99999999-abc123.tmp");
        let live = dir.path().join(format!(".glasses-output-{}-def456.tmp", std::process::id()));
        std::fs::write(&dead, b"half")?;
        std::fs::write(&live, b"half")?;
        Destination::new(Some(&dir.path().join("out.txt")), false).write(b"x")?;
        if cfg!(target_os = "linux") {
            assert!(!dead.exists());
        }
        assert!(live.exists());
        Ok(())
    }
}
