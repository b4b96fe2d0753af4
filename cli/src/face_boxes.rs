//! `--face-boxes FILE`: face detector boxes for some of the images, so that only the face inside
//! each box is classified (as an app does with ML Kit's or Vision's boxes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use glasses_core::FaceBox;

/// The `--face-boxes` file's default size limit: a million boxes take about 40 MB; a detector's
/// boxes for a photo library are far below this.
pub const DEFAULT_MAX_BYTES: u64 = 16 << 20;

/// The boxes of a CSV file, by canonical image path: one entry per face, in the file's order.
/// An image listed only without a box (the detector found no face) has no entry with a box and
/// is classified whole.
#[derive(Debug, Default)]
pub struct FaceBoxes {
    boxes: HashMap<PathBuf, Vec<FaceBox>>,
}

/// How the images of a run were framed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Classified through their face box (one per box: a photo with two faces counts twice).
    pub by_face_box: usize,
    /// Listed without a box, or not listed: classified whole.
    pub whole_picture: usize,
}

impl FaceBoxes {
    /// Reads a CSV with a header naming at least `path`, `x`, `y`, `w` and `h` (pixels of the
    /// upright picture, origin top-left; other columns are ignored). Relative paths are taken
    /// from the CSV file's folder (from the current folder for `-`, stdin). Empty `x,y,w,h` mean
    /// "no face found"; several rows with the same path are several faces in that picture.
    /// At most `max_bytes` are read; see [`crate::bounded_read`].
    pub fn read(file: &Path, max_bytes: u64) -> anyhow::Result<Self> {
        let bytes = crate::bounded_read::read(file, max_bytes, "--max-face-boxes-bytes")
            .context("cannot read face boxes")?;
        let shown = if file == Path::new("-") { "standard input".into() } else { file.display().to_string() };
        let mut reader = csv::Reader::from_reader(bytes.as_slice());
        let headers = reader.headers().with_context(|| format!("`{shown}`: no CSV header"))?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .with_context(|| format!("`{shown}` has no `{name}` column (needs path,x,y,w,h)"))
        };
        let [path_at, x_at, y_at, w_at, h_at] =
            [column("path")?, column("x")?, column("y")?, column("w")?, column("h")?];
        let base = match file.parent() {
            Some(dir) if file != Path::new("-") => dir,
            _ => Path::new("."),
        };
        let mut boxes: HashMap<PathBuf, Vec<FaceBox>> = HashMap::new();
        for (row, record) in reader.records().enumerate() {
            let line = row + 2;
            let record = record.with_context(|| format!("`{shown}` line {line}"))?;
            let field = |at: usize| record.get(at).unwrap_or("").trim();
            let path = base.join(field(path_at));
            let values = [field(x_at), field(y_at), field(w_at), field(h_at)];
            let key = path.canonicalize().unwrap_or(path);
            let faces = boxes.entry(key).or_default();
            if values.iter().all(|v| v.is_empty()) {
                continue;
            }
            let mut numbers = [0f32; 4];
            for (number, text) in numbers.iter_mut().zip(values) {
                *number = text
                    .parse()
                    .with_context(|| format!("`{shown}` line {line}: `{text}` is not a number (x,y,w,h)"))?;
            }
            let face = FaceBox::new(numbers[0], numbers[1], numbers[2], numbers[3]);
            // The same box twice is one face listed twice, not two faces.
            if !faces.contains(&face) {
                faces.push(face);
            }
        }
        if boxes.is_empty() {
            bail!("`{shown}` lists no images");
        }
        Ok(Self { boxes })
    }

    /// The boxes for `image`, in the file's order; empty when it has none.
    pub fn get(&self, image: &Path) -> &[FaceBox] {
        let key = image.canonicalize().unwrap_or_else(|_| image.to_path_buf());
        self.boxes.get(&key).map_or(&[], Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMIT: u64 = DEFAULT_MAX_BYTES;

    #[test]
    fn boxes_are_read_by_column_name_and_relative_to_the_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("0"))?;
        for name in ["0/a.jpg", "b.jpg"] {
            std::fs::write(dir.path().join(name), b"")?;
        }
        let csv = dir.path().join("boxes.csv");
        std::fs::write(&csv, "label,path,x,y,w,h\n0,0/a.jpg,10,20,30.5,40\n1,b.jpg,,,,\n")?;
        let boxes = FaceBoxes::read(&csv, LIMIT)?;
        assert_eq!(boxes.get(&dir.path().join("0/a.jpg")), [FaceBox::new(10.0, 20.0, 30.5, 40.0)]);
        assert_eq!(boxes.get(&dir.path().join("b.jpg")), []);
        assert_eq!(boxes.get(&dir.path().join("c.jpg")), []);
        Ok(())
    }

    #[test]
    fn several_rows_are_several_faces() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::write(dir.path().join("group.jpg"), b"")?;
        let csv = dir.path().join("boxes.csv");
        std::fs::write(
            &csv,
            "path,x,y,w,h\ngroup.jpg,1,2,3,4\ngroup.jpg,,,,\ngroup.jpg,5,6,7,8\ngroup.jpg,1,2,3,4\n",
        )?;
        let boxes = FaceBoxes::read(&csv, LIMIT)?;
        assert_eq!(
            boxes.get(&dir.path().join("group.jpg")),
            [FaceBox::new(1.0, 2.0, 3.0, 4.0), FaceBox::new(5.0, 6.0, 7.0, 8.0)]
        );
        Ok(())
    }

    #[test]
    fn malformed_files_name_the_problem() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let csv = dir.path().join("boxes.csv");
        std::fs::write(&csv, "path,x,y,w\na.jpg,1,2,3\n")?;
        assert!(FaceBoxes::read(&csv, LIMIT).unwrap_err().to_string().contains("`h` column"));
        std::fs::write(&csv, "path,x,y,w,h\na.jpg,1,2,three,4\n")?;
        let message = format!("{:#}", FaceBoxes::read(&csv, LIMIT).unwrap_err());
        assert!(message.contains("line 2") && message.contains("three"), "{message}");
        Ok(())
    }
}
