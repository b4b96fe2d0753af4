//! Expanding the paths given on the command line into the list of image files to classify.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use glasses_core::SkippedFile;

/// One thing found: a file to classify, or a path that could not be searched (a folder without
/// permission, a path longer than the system allows) with the reason, reported as that entry's
/// error so the rest of the tree is still classified.
pub type Entry = Result<PathBuf, (PathBuf, String)>;

/// What the command line's paths expand to.
#[derive(Debug, Default)]
pub struct Found {
    /// The files to classify, and the folders that could not be searched.
    pub entries: Vec<Entry>,
    /// The files of searched folders that are not classified, with the reason.
    pub skipped: Vec<SkippedFile>,
}

/// Files named directly are kept whatever their extension (the user asked for them); folders are
/// searched recursively for files with an image extension, in sorted order, and what else they
/// hold is listed as skipped. The result keeps the order of `paths`, without duplicates, so
/// output order is stable from run to run. A path given on the command line that does not exist
/// or cannot be read at all is still a usage error.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Found> {
    if paths.is_empty() {
        bail!("no input given: name image files or folders (or use --images-path DIR)");
    }
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    let mut skipped = Vec::new();
    for path in paths {
        let (expanded, passed_over) = expand(path)?;
        skipped.extend(passed_over);
        for entry in expanded {
            let key = match &entry {
                Ok(file) | Err((file, _)) => file.clone(),
            };
            if seen.insert(key) {
                entries.push(entry);
            }
        }
    }
    // A file both named and passed over by a folder search was classified.
    skipped.sort_by(|a, b| a.path.cmp(&b.path));
    skipped.dedup_by(|a, b| a.path == b.path);
    skipped.retain(|s| !seen.contains(&s.path));
    if entries.is_empty() {
        let groups = crate::skipped::group(&skipped);
        let why: Vec<String> = groups.iter().map(crate::skipped::SkippedGroup::line).collect();
        let why = if why.is_empty() { String::new() } else { format!(" ({})", why.join("; ")) };
        bail!("no image files found in {}{why}", list(paths));
    }
    Ok(Found { entries, skipped })
}

fn expand(path: &Path) -> anyhow::Result<(Vec<Entry>, Vec<SkippedFile>)> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read input path `{}`", path.display()))?;
    if metadata.is_dir() {
        let scan = glasses_core::scan_folder(path)
            .with_context(|| format!("cannot search folder `{}`", path.display()))?;
        let entries = scan
            .images
            .into_iter()
            .map(|item| {
                item.map_err(|e| {
                    let at = match &e {
                        glasses_core::Error::Io { path, .. } => path.clone(),
                        _ => path.to_path_buf(),
                    };
                    (at, format!("cannot search folder: {}", crate::errors::chain(&e)))
                })
            })
            .collect();
        Ok((entries, scan.skipped))
    } else {
        Ok((vec![Ok(path.to_path_buf())], Vec::new()))
    }
}

fn list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| format!("`{}`", p.display())).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_are_searched_recursively_and_duplicates_dropped() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let nested = dir.path().join("a/b");
        std::fs::create_dir_all(&nested)?;
        for name in ["z.png", "a/y.jpg", "a/b/x.JPEG", "a/notes.txt"] {
            std::fs::write(dir.path().join(name), b"")?;
        }
        let direct = dir.path().join("a/notes.txt");
        let files: Vec<PathBuf> =
            collect(&[direct.clone(), dir.path().to_path_buf(), dir.path().join("z.png")])?
                .entries
                .into_iter()
                .flatten()
                .collect();
        let expected: Vec<PathBuf> =
            [direct, dir.path().join("a/b/x.JPEG"), dir.path().join("a/y.jpg"), dir.path().join("z.png")]
                .into_iter()
                .collect();
        assert_eq!(files, expected);
        // `notes.txt` is skipped by the folder search, unless it is also named (in any order).
        let skipped = |paths: &[PathBuf]| -> anyhow::Result<Vec<PathBuf>> {
            Ok(collect(paths)?.skipped.into_iter().map(|s| s.path).collect())
        };
        assert_eq!(skipped(&[dir.path().to_path_buf()])?, [dir.path().join("a/notes.txt")]);
        assert_eq!(skipped(&[dir.path().to_path_buf(), dir.path().join("a/notes.txt")])?, [] as [PathBuf; 0]);
        Ok(())
    }

    #[test]
    fn missing_paths_and_empty_folders_are_errors() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let missing = dir.path().join("missing.jpg");
        let error = collect(std::slice::from_ref(&missing)).err().map(|e| crate::errors::chain_anyhow(&e));
        assert!(error.as_deref().is_some_and(|e| e.contains("missing.jpg")), "{error:?}");
        assert!(collect(&[dir.path().to_path_buf()]).is_err());
        assert!(collect(&[]).is_err());
        Ok(())
    }
}
