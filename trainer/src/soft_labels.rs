//! Cached teacher labels for distillation. A teacher (one or more exported models, each also
//! shown the mirrored face) classifies every face once through glasses-core, the unlabelled
//! `unclear/` faces included; the student then learns from those probabilities without running
//! the teacher again. The teacher may have another input size than the student (it reads the
//! pictures through its own preprocessing), which an online teacher cannot.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use glasses_core::{Classifier, ClassifierOptions, Preprocessing};
use tch::Tensor;

use crate::data::{Sample, load_tensor};
use crate::error::{Error, Result};

/// The unlabelled folder of a data root (goggles, fashion tints, faint eyewear).
pub const UNLABELLED_FOLDER: &str = "unclear";

/// An image's key and its teacher probabilities.
type Row = (String, Vec<f32>);

/// One teacher model: a name for the report and its ONNX bytes.
#[derive(Debug, Clone)]
pub struct TeacherModel {
    /// File name or version, written into the labels file.
    pub name: String,
    /// The model file's bytes.
    pub bytes: Vec<u8>,
}

/// Teacher probabilities per image, keyed by [`image_key`].
#[derive(Debug, Clone, PartialEq)]
pub struct SoftLabels {
    /// Classes per row (2 or 3: none, eyeglasses, sunglasses).
    pub classes: usize,
    /// The teachers that made them, as written in the file's header.
    pub teachers: Vec<String>,
    probabilities: BTreeMap<String, Vec<f32>>,
}

/// The name an image has in a labels file: its data folder's name, class folder and file
/// (`celeba-more/unclear/012345.jpg`), so a file made on one machine works on another.
pub fn image_key(path: &Path) -> String {
    let parts: Vec<String> =
        path.components().rev().take(3).map(|c| c.as_os_str().to_string_lossy().into_owned()).collect();
    parts.into_iter().rev().collect::<Vec<_>>().join("/")
}

impl SoftLabels {
    /// Classifies every image of `paths` with every teacher (and, with `mirror`, its mirror
    /// image too) and averages the probabilities. The teachers must agree on the classes; their
    /// input sizes may differ. `threads` images are classified at once.
    pub fn compute(
        teachers: &[TeacherModel],
        paths: &[PathBuf],
        mirror: bool,
        threads: usize,
    ) -> Result<Self> {
        let Some(first) = teachers.first() else {
            return Err(Error::Config("no teacher model given".into()));
        };
        let mut classifiers = Vec::with_capacity(teachers.len());
        for t in teachers {
            let c = Classifier::from_bytes(&t.bytes, ClassifierOptions::default())
                .map_err(|e| Error::data(&t.name, format!("cannot load the teacher: {e}")))?;
            classifiers.push(c);
        }
        let classes = classifiers[0].metadata().num_classes();
        if let Some((t, c)) =
            teachers.iter().zip(&classifiers).find(|(_, c)| c.metadata().num_classes() != classes)
        {
            return Err(Error::Config(format!(
                "teachers disagree on the classes: {} has {classes}, {} has {}",
                first.name,
                t.name,
                c.metadata().num_classes()
            )));
        }
        let threads = threads.clamp(1, 64);
        let chunk = paths.len().div_ceil(threads).max(1);
        let rows: Vec<Result<Vec<Row>>> = std::thread::scope(|scope| {
            let handles: Vec<_> = paths
                .chunks(chunk)
                .map(|part| {
                    let classifiers = &classifiers;
                    scope.spawn(move || {
                        part.iter()
                            .map(|path| {
                                Ok((image_key(path), teacher_probabilities(classifiers, path, mirror)?))
                            })
                            .collect::<Result<Vec<_>>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .map(|h| {
                    h.join().unwrap_or_else(|_| Err(Error::Config("a labelling thread panicked".into())))
                })
                .collect()
        });
        let mut probabilities = BTreeMap::new();
        for part in rows {
            for (key, p) in part? {
                if probabilities.insert(key.clone(), p).is_some() {
                    return Err(Error::Config(format!(
                        "two images share the name {key}: give the data folders different names"
                    )));
                }
            }
        }
        let teachers = teachers
            .iter()
            .zip(&classifiers)
            .map(|(t, c)| {
                let p = c.preprocessing();
                format!("{} ({}, {}x{})", t.name, c.metadata().model_version, p.width, p.height)
            })
            .collect();
        Ok(Self { classes, teachers: mirror_note(teachers, mirror), probabilities })
    }

    /// Labels from rows already computed (tests, merging files).
    pub fn from_rows(
        classes: usize,
        teachers: Vec<String>,
        rows: BTreeMap<String, Vec<f32>>,
    ) -> Result<Self> {
        if let Some((key, p)) = rows.iter().find(|(_, p)| p.len() != classes) {
            return Err(Error::Config(format!("{key} has {} probabilities, expected {classes}", p.len())));
        }
        Ok(Self { classes, teachers, probabilities: rows })
    }

    /// Number of images labelled.
    pub fn len(&self) -> usize {
        self.probabilities.len()
    }

    /// Whether no image is labelled.
    pub fn is_empty(&self) -> bool {
        self.probabilities.is_empty()
    }

    /// The probabilities of the image at `path`, if labelled.
    pub fn get(&self, path: &Path) -> Option<&[f32]> {
        self.probabilities.get(&image_key(path)).map(Vec::as_slice)
    }

    /// The teacher's most probable class of the image at `path`.
    pub fn argmax(&self, path: &Path) -> Option<u8> {
        let p = self.get(path)?;
        (0..p.len()).max_by(|&a, &b| p[a].total_cmp(&p[b])).map(|c| c as u8)
    }

    /// A `[samples, classes]` float tensor of the samples' probabilities, in order. Fails naming
    /// the first image the file does not label.
    pub fn targets(&self, samples: &[&Sample], file: &Path) -> Result<Tensor> {
        let mut flat = Vec::with_capacity(samples.len() * self.classes);
        for s in samples {
            let p = self.get(&s.path).ok_or_else(|| {
                Error::data(
                    &s.path,
                    format!(
                        "{} holds no teacher label for this image ({}); run `glasses-trainer label` over every data folder",
                        file.display(),
                        image_key(&s.path)
                    ),
                )
            })?;
            flat.extend_from_slice(p);
        }
        Ok(Tensor::from_slice(&flat).view([samples.len() as i64, self.classes as i64]))
    }

    /// Writes the labels as CSV (`image,p_none,p_eyeglasses[,p_sunglasses]`, `#` header lines
    /// naming the teachers). An existing file is kept unless `force`.
    pub fn write(&self, path: &Path, force: bool) -> Result<()> {
        let mut text = String::new();
        for t in &self.teachers {
            text.push_str(&format!("# teacher: {t}\n"));
        }
        let names = ["p_none", "p_eyeglasses", "p_sunglasses"];
        text.push_str("image");
        for n in names.iter().take(self.classes) {
            text.push(',');
            text.push_str(n);
        }
        text.push('\n');
        for (key, p) in &self.probabilities {
            text.push_str(key);
            for v in p {
                text.push_str(&format!(",{v:.6}"));
            }
            text.push('\n');
        }
        let mut open = std::fs::OpenOptions::new();
        open.write(true);
        if force {
            open.create(true).truncate(true);
        } else {
            open.create_new(true);
        }
        let mut file = open.open(path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::AlreadyExists {
                Error::run(path, "exists; pass --force to replace it")
            } else {
                Error::io(path, e)
            }
        })?;
        file.write_all(text.as_bytes()).map_err(|e| Error::io(path, e))
    }

    /// Reads a file written by [`Self::write`]; fails naming the row at fault.
    pub fn read(path: &Path) -> Result<Self> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let mut teachers = Vec::new();
        let mut lines = text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty());
        let mut header = None;
        for (n, line) in lines.by_ref() {
            match line.strip_prefix("# teacher: ") {
                Some(t) => teachers.push(t.to_owned()),
                None if line.starts_with('#') => {}
                None => {
                    header = Some((n, line));
                    break;
                }
            }
        }
        let Some((_, header)) = header else {
            return Err(Error::data(path, "no header line (image,p_none,p_eyeglasses[,p_sunglasses])"));
        };
        let columns: Vec<&str> = header.split(',').map(str::trim).collect();
        if columns.first() != Some(&"image") || !(3..=4).contains(&columns.len()) {
            return Err(Error::data(
                path,
                format!("header `{header}` is not image,p_none,p_eyeglasses[,p_sunglasses]"),
            ));
        }
        let classes = columns.len() - 1;
        let mut probabilities = BTreeMap::new();
        for (n, line) in lines {
            let fields: Vec<&str> = line.split(',').collect();
            let bad = |why: &str| Error::data(path, format!("line {}: {why}", n + 1));
            if fields.len() != columns.len() {
                return Err(bad(&format!("{} fields, expected {}", fields.len(), columns.len())));
            }
            let p = fields[1..]
                .iter()
                .map(|f| f.trim().parse::<f32>().ok().filter(|v| (0.0..=1.0).contains(v)))
                .collect::<Option<Vec<f32>>>()
                .ok_or_else(|| bad("probabilities must be numbers in [0, 1]"))?;
            probabilities.insert(fields[0].trim().to_owned(), p);
        }
        Ok(Self { classes, teachers, probabilities })
    }
}

fn mirror_note(teachers: Vec<String>, mirror: bool) -> Vec<String> {
    if mirror {
        teachers.into_iter().map(|t| format!("{t}, averaged with the mirror image")).collect()
    } else {
        teachers
    }
}

/// The mean class probabilities of every classifier (and each one's mirrored view) for one image.
fn teacher_probabilities(classifiers: &[Classifier], path: &Path, mirror: bool) -> Result<Vec<f32>> {
    let mut sum: Vec<f32> = Vec::new();
    let mut views = 0usize;
    for c in classifiers {
        let prep: &Preprocessing = c.preprocessing();
        let tensor = load_tensor(path, prep)?;
        let mut add = |t: &[f32]| -> Result<()> {
            let p = c.probabilities(t)?;
            if sum.is_empty() {
                sum = vec![0.0; p.len()];
            }
            for (s, v) in sum.iter_mut().zip(p) {
                *s += v;
            }
            views += 1;
            Ok(())
        };
        add(&tensor)?;
        if mirror {
            add(&mirrored(&tensor, prep.width as usize))?;
        }
    }
    Ok(sum.into_iter().map(|s| s / views.max(1) as f32).collect())
}

/// A CHW tensor flipped left to right (rows of `width` values reversed).
fn mirrored(tensor: &[f32], width: usize) -> Vec<f32> {
    tensor.chunks(width.max(1)).flat_map(|row| row.iter().rev().copied()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_folder_class_and_file() {
        assert_eq!(
            image_key(Path::new("/data/celeba-more/unclear/012345.jpg")),
            "celeba-more/unclear/012345.jpg"
        );
        assert_eq!(image_key(Path::new("a/b")), "a/b");
    }

    #[test]
    fn mirroring_reverses_each_row() {
        let t = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0];
        assert_eq!(mirrored(&t, 3), [3.0, 2.0, 1.0, 6.0, 5.0, 4.0]);
    }
}
