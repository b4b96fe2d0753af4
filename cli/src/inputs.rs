//! Expanding the paths given on the command line into the list of image files to classify.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

/// Files named directly are kept whatever their extension (the user asked for them); folders are
/// searched recursively for files with an image extension, in sorted order. The result keeps the
/// order of `paths`, without duplicates, so output order is stable from run to run.
pub fn collect(paths: &[PathBuf]) -> anyhow::Result<Vec<PathBuf>> {
    if paths.is_empty() {
        bail!("no input given: name image files or folders (or use --images-path DIR)");
    }
    let mut seen = HashSet::new();
    let mut files = Vec::new();
    for path in paths {
        for file in expand(path)? {
            if seen.insert(file.clone()) {
                files.push(file);
            }
        }
    }
    if files.is_empty() {
        bail!("no image files found in {}", list(paths));
    }
    Ok(files)
}

fn expand(path: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let metadata =
        std::fs::metadata(path).with_context(|| format!("cannot read input path `{}`", path.display()))?;
    if metadata.is_dir() {
        glasses_core::find_images(path).with_context(|| format!("cannot search folder `{}`", path.display()))
    } else {
        Ok(vec![path.to_path_buf()])
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
        let files = collect(&[direct.clone(), dir.path().to_path_buf(), dir.path().join("z.png")])?;
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
