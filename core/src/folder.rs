//! Searching folders for image files, and saying what was passed over and why (a folder of
//! iPhone photos is mostly `.heic`: "2 images found" alone would leave the user guessing).

use std::fmt;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};
use crate::input::unsupported::UnsupportedFormat;

/// Why a folder search passed over a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SkipReason {
    /// An image format this crate cannot decode, known by the file's extension.
    Unsupported(UnsupportedFormat),
    /// An extension that is not an image's (documents, sidecar files, `.DS_Store`, ...).
    NotAnImage,
    /// A FIFO, socket or device: reading one could block or never end.
    NotARegularFile,
    /// A symbolic link to a folder: not followed, since a link loop would never end.
    LinkToFolder,
    /// A symbolic link whose target does not exist.
    BrokenLink,
}

impl fmt::Display for SkipReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Unsupported(format) => format.fmt(f),
            Self::NotAnImage => f.write_str("not an image"),
            Self::NotARegularFile => f.write_str("not a regular file"),
            Self::LinkToFolder => f.write_str("link to a folder, not followed"),
            Self::BrokenLink => f.write_str("broken link"),
        }
    }
}

/// A file a folder search passed over.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SkippedFile {
    /// The file, under the searched folder.
    pub path: PathBuf,
    /// Why it is not among the images.
    pub reason: SkipReason,
}

/// What [`scan_folder`] found.
#[derive(Debug, Default)]
pub struct FolderScan {
    /// As [`find_images_tolerant`] returns them: image files, and entries that could not be read.
    pub images: Vec<Result<PathBuf>>,
    /// Every other entry that is not a folder, sorted by path.
    pub skipped: Vec<SkippedFile>,
}

/// Files under `dir` (recursively, not following links to folders) whose extension looks like an
/// image, sorted. Fails on the first folder or entry that cannot be read; see
/// [`find_images_tolerant`] to keep going.
pub fn find_images(dir: &Path) -> Result<Vec<PathBuf>> {
    find_images_tolerant(dir)?.into_iter().collect()
}

/// Like [`find_images`], but a subfolder or entry that cannot be read (no permission, a path
/// longer than the system allows, ...) becomes an `Err` item (an [`Error::Io`] naming it) in its
/// sorted place instead of failing the whole search. Only `dir` itself failing is an error.
pub fn find_images_tolerant(dir: &Path) -> Result<Vec<Result<PathBuf>>> {
    Ok(scan_folder(dir)?.images)
}

/// [`find_images_tolerant`], plus the files it passed over with the reason for each.
pub fn scan_folder(dir: &Path) -> Result<FolderScan> {
    let read_dir = |d: &Path| std::fs::read_dir(d).map_err(|source| Error::Io { path: d.to_owned(), source });
    let mut scan = FolderScan::default();
    // Folders wait on the stack as paths, not open handles: a wide tree would run out of file
    // descriptors.
    let mut stack = vec![dir.to_path_buf()];
    let mut top = true;
    while let Some(folder) = stack.pop() {
        let entries = match read_dir(&folder) {
            Ok(entries) => entries,
            Err(e) if top => return Err(e),
            Err(e) => {
                scan.images.push(Err(e));
                continue;
            }
        };
        top = false;
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(source) => {
                    scan.images.push(Err(Error::Io { path: folder.clone(), source }));
                    continue;
                }
            };
            let path = entry.path();
            let kind = match entry.file_type() {
                Ok(kind) => kind,
                Err(source) => {
                    scan.images.push(Err(Error::Io { path, source }));
                    continue;
                }
            };
            // Links to folders are not followed: a link loop would never end.
            if kind.is_dir() {
                stack.push(path);
                continue;
            }
            match classify_entry(&path, kind) {
                Ok(()) => scan.images.push(Ok(path)),
                Err(reason) => scan.skipped.push(SkippedFile { path, reason }),
            }
        }
    }
    scan.images.sort_by(|a, b| item_path(a).cmp(item_path(b)));
    scan.skipped.sort_by(|a, b| a.path.cmp(&b.path));
    Ok(scan)
}

/// Whether a non-folder entry is an image file to classify, or why not.
fn classify_entry(path: &Path, kind: std::fs::FileType) -> std::result::Result<(), SkipReason> {
    if kind.is_symlink() {
        match std::fs::metadata(path) {
            Err(_) => return Err(SkipReason::BrokenLink),
            Ok(target) if target.is_dir() => return Err(SkipReason::LinkToFolder),
            Ok(target) if !target.is_file() => return Err(SkipReason::NotARegularFile),
            Ok(_) => {}
        }
    } else if !kind.is_file() {
        return Err(SkipReason::NotARegularFile);
    }
    if is_image_path(path) {
        Ok(())
    } else {
        Err(UnsupportedFormat::from_extension(path).map_or(SkipReason::NotAnImage, SkipReason::Unsupported))
    }
}

fn item_path(item: &Result<PathBuf>) -> &Path {
    match item {
        Ok(path) | Err(Error::Io { path, .. }) => path,
        Err(_) => Path::new(""),
    }
}

/// Whether the file name has an image extension this crate decodes.
pub fn is_image_path(path: &Path) -> bool {
    const EXTS: [&str; 14] =
        ["jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff", "ico", "pbm", "pgm", "ppm", "tga", "qoi"];
    path.extension().and_then(|e| e.to_str()).is_some_and(|e| EXTS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn skipped_files_carry_their_reason() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("sub"))?;
        for name in ["a.jpg", "sub/b.HEIC", "c.heif", "d.avif", "notes.txt", "sub/.DS_Store", "e.jxl"] {
            std::fs::write(dir.path().join(name), b"")?;
        }
        let scan = scan_folder(dir.path()).map_err(std::io::Error::other)?;
        let images: Vec<PathBuf> = scan.images.into_iter().flatten().collect();
        assert_eq!(images, vec![dir.path().join("a.jpg")]);
        let skipped: Vec<(PathBuf, SkipReason)> = scan
            .skipped
            .into_iter()
            .map(|s| (s.path.strip_prefix(dir.path()).map(Path::to_path_buf).unwrap_or(s.path), s.reason))
            .collect();
        let heic = SkipReason::Unsupported(UnsupportedFormat::Heic);
        assert_eq!(
            skipped,
            vec![
                ("c.heif".into(), heic),
                ("d.avif".into(), SkipReason::Unsupported(UnsupportedFormat::Avif)),
                ("e.jxl".into(), SkipReason::Unsupported(UnsupportedFormat::JpegXl)),
                ("notes.txt".into(), SkipReason::NotAnImage),
                ("sub/.DS_Store".into(), SkipReason::NotAnImage),
                ("sub/b.HEIC".into(), heic),
            ]
        );
        assert_eq!(heic.to_string(), "HEIC is not supported, convert to JPEG");
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn links_and_special_files_are_skipped_with_a_reason() -> std::io::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("sub"))?;
        std::fs::write(dir.path().join("sub/a.png"), b"")?;
        std::os::unix::fs::symlink(dir.path().join("sub"), dir.path().join("loop"))?;
        std::os::unix::fs::symlink(dir.path().join("gone.png"), dir.path().join("broken.png"))?;
        std::os::unix::fs::symlink(dir.path().join("sub/a.png"), dir.path().join("link.png"))?;
        let _socket = std::os::unix::net::UnixListener::bind(dir.path().join("s.png"))?;
        let scan = scan_folder(dir.path()).map_err(std::io::Error::other)?;
        let images: Vec<PathBuf> = scan.images.into_iter().flatten().collect();
        assert_eq!(images, vec![dir.path().join("link.png"), dir.path().join("sub/a.png")]);
        let reasons: Vec<SkipReason> = scan.skipped.iter().map(|s| s.reason).collect();
        assert_eq!(
            reasons,
            vec![SkipReason::BrokenLink, SkipReason::LinkToFolder, SkipReason::NotARegularFile]
        );
        Ok(())
    }
}
