//! `--face-boxes FILE`: face detector boxes for some of the images, so that only the face inside
//! each box is classified (as an app does with ML Kit's or Vision's boxes).

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use glasses_core::FaceBox;

/// The boxes of a CSV file, by canonical image path. `None`: the file is listed without a box
/// (the detector found no face); it is classified whole.
#[derive(Debug, Default)]
pub struct FaceBoxes {
    boxes: HashMap<PathBuf, Option<FaceBox>>,
}

/// How the images of a run were framed.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Usage {
    /// Classified through their face box.
    pub by_face_box: usize,
    /// Listed without a box, or not listed: classified whole.
    pub whole_picture: usize,
}

impl FaceBoxes {
    /// Reads a CSV with a header naming at least `path`, `x`, `y`, `w` and `h` (pixels of the
    /// upright picture, origin top-left; other columns are ignored). Relative paths are taken
    /// from the CSV file's folder. Empty `x,y,w,h` mean "no face found".
    pub fn read(file: &Path) -> anyhow::Result<Self> {
        let mut reader = csv::Reader::from_path(file)
            .with_context(|| format!("cannot read face boxes `{}`", file.display()))?;
        let headers =
            reader.headers().with_context(|| format!("`{}`: no CSV header", file.display()))?.clone();
        let column = |name: &str| {
            headers
                .iter()
                .position(|h| h.trim() == name)
                .with_context(|| format!("`{}` has no `{name}` column (needs path,x,y,w,h)", file.display()))
        };
        let [path_at, x_at, y_at, w_at, h_at] =
            [column("path")?, column("x")?, column("y")?, column("w")?, column("h")?];
        let base = file.parent().unwrap_or(Path::new("."));
        let mut boxes = HashMap::new();
        for (row, record) in reader.records().enumerate() {
            let line = row + 2;
            let record = record.with_context(|| format!("`{}` line {line}", file.display()))?;
            let field = |at: usize| record.get(at).unwrap_or("").trim();
            let path = base.join(field(path_at));
            let values = [field(x_at), field(y_at), field(w_at), field(h_at)];
            let face = if values.iter().all(|v| v.is_empty()) {
                None
            } else {
                let mut numbers = [0f32; 4];
                for (number, text) in numbers.iter_mut().zip(values) {
                    *number = text.parse().with_context(|| {
                        format!("`{}` line {line}: `{text}` is not a number (x,y,w,h)", file.display())
                    })?;
                }
                Some(FaceBox::new(numbers[0], numbers[1], numbers[2], numbers[3]))
            };
            let key = path.canonicalize().unwrap_or(path);
            boxes.insert(key, face);
        }
        if boxes.is_empty() {
            bail!("`{}` lists no images", file.display());
        }
        Ok(Self { boxes })
    }

    /// The box for `image`, if it has one.
    pub fn get(&self, image: &Path) -> Option<FaceBox> {
        let key = image.canonicalize().unwrap_or_else(|_| image.to_path_buf());
        self.boxes.get(&key).copied().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boxes_are_read_by_column_name_and_relative_to_the_file() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        std::fs::create_dir(dir.path().join("0"))?;
        for name in ["0/a.jpg", "b.jpg"] {
            std::fs::write(dir.path().join(name), b"")?;
        }
        let csv = dir.path().join("boxes.csv");
        std::fs::write(&csv, "label,path,x,y,w,h\n0,0/a.jpg,10,20,30.5,40\n1,b.jpg,,,,\n")?;
        let boxes = FaceBoxes::read(&csv)?;
        assert_eq!(boxes.get(&dir.path().join("0/a.jpg")), Some(FaceBox::new(10.0, 20.0, 30.5, 40.0)));
        assert_eq!(boxes.get(&dir.path().join("b.jpg")), None);
        assert_eq!(boxes.get(&dir.path().join("c.jpg")), None);
        Ok(())
    }

    #[test]
    fn malformed_files_name_the_problem() -> anyhow::Result<()> {
        let dir = tempfile::tempdir()?;
        let csv = dir.path().join("boxes.csv");
        std::fs::write(&csv, "path,x,y,w\na.jpg,1,2,3\n")?;
        assert!(FaceBoxes::read(&csv).unwrap_err().to_string().contains("`h` column"));
        std::fs::write(&csv, "path,x,y,w,h\na.jpg,1,2,three,4\n")?;
        let message = format!("{:#}", FaceBoxes::read(&csv).unwrap_err());
        assert!(message.contains("line 2") && message.contains("three"), "{message}");
        Ok(())
    }
}
