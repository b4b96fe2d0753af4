//! Expanding the paths given on the command line into the list of image files to classify.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// One thing found: a file to classify, or a path that could not be searched (a folder without
/// permission, a path longer than the system allows) with the reason, reported as that entry's
/// error so the rest of the tree is still classified.
pub type Entry = Result<PathBuf, (PathBuf, String)>;

/// Files named directly are kept whatever their extension (the user asked for them); folders are
/// searched recursively for files with an image extension, in sorted order. The result keeps the
/// order of `paths`, without duplicates, so output order is stable from run to run. A path given
/// on the command line that does not exist or cannot be read at all is still a usage error.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<Entry>> {
    if paths.is_empty() {
        bail!("no input given: name image files or folders (or use --images-path DIR)");
    }
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for path in paths {
        for entry in expand(path)? {
            let key = match &entry {
                Ok(file) | Err((file, _)) => file.clone(),
            };
            if seen.insert(key) {
                entries.push(entry);
            }
        }
    }
    if entries.is_empty() {
        bail!("no image files found in {}", list(paths));
    }
    Ok(entries)
}

fn expand(path: &Path) -> anyhow::Result<Vec<Entry>> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read input path `{}`", path.display()))?;
    if metadata.is_dir() {
        let found = glasses_core::find_images_tolerant(path)
            .with_context(|| format!("cannot search folder `{}`", path.display()))?;
        Ok(found
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
            .collect())
    } else {
        Ok(vec![Ok(path.to_path_buf())])
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
                .into_iter()
                .flatten()
                .collect();
        let expected: Vec<PathBuf> =
            [direct, dir.path().join("a/b/x.JPEG"), dir.path().join("a/y.jpg"), dir.path().join("z.png")]
                .into_iter()
                .collect();
        assert_eq!(files, expected);
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
