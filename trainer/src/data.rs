//! The labelled image folders: each root holds `0/` (no eyeglasses), `1/` (eyeglasses),
//! optionally `sunglasses/` and `manifest.csv` (`file,folder,identity`); several roots are read as
//! one set whose identities are shared (CelebA's identity numbers), identity-disjoint splits over
//! that union, and the cached input tensors made by glasses-core's preprocessing (the one path
//! inference uses too).

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use glasses_core::Preprocessing;
use glasses_core::preprocess::{DEFAULT_MAX_PIXELS, decode};
use tch::{Kind, Tensor};

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// The class folders read; anything else in the data folder is ignored.
pub const CLASS_FOLDERS: [&str; 2] = ["0", "1"];
/// The optional folder of sunglasses faces, label [`SUNGLASSES`] in three-class data.
pub const SUNGLASSES_FOLDER: &str = "sunglasses";
/// Label of a sunglasses face (the third class of a three-class model).
pub const SUNGLASSES: u8 = 2;
/// Label of a face without a label (`unclear/`): it only ever learns from a teacher's labels.
pub const UNLABELLED: u8 = u8::MAX;
/// The training label of an [`UNLABELLED`] row: the cross-entropy term ignores it.
pub const IGNORED_LABEL: i64 = -100;

/// One labelled image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sample {
    /// Image file.
    pub path: PathBuf,
    /// 0 = no eyeglasses, 1 = eyeglasses, 2 = sunglasses ([`SUNGLASSES`]).
    pub label: u8,
    /// Person shown; images of one person never straddle a split. Without a manifest every
    /// image is its own identity.
    pub identity: String,
}

/// All labelled images of one or more data folders, sorted by root, label, then path.
#[derive(Debug, Clone)]
pub struct Dataset {
    /// The first data folder (named in errors about the whole set).
    pub root: PathBuf,
    /// Every data folder read, in order.
    pub roots: Vec<PathBuf>,
    /// Their images.
    pub samples: Vec<Sample>,
    /// Whether every root's identities came from its `manifest.csv`.
    pub has_manifest: bool,
}

impl Dataset {
    /// Lists `root/0` and `root/1`; fails naming the folder when one is missing or has no images.
    pub fn scan(root: &Path) -> Result<Self> {
        Self::scan_roots(&[root.to_owned()], false)
    }

    /// Lists `0/` and `1/` of every root and, with `sunglasses`, each root's optional
    /// `sunglasses/` as label [`SUNGLASSES`]. Identities from the roots' manifests are shared
    /// across roots (the same person may be in two folders); images a manifest does not list are
    /// their own identity. Fails naming the folder when a class folder is missing or empty.
    pub fn scan_roots(roots: &[PathBuf], sunglasses: bool) -> Result<Self> {
        let Some(first) = roots.first() else {
            return Err(Error::Config("no data folder given".into()));
        };
        let mut samples = Vec::new();
        let mut has_manifest = true;
        for root in roots {
            if !root.is_dir() {
                return Err(Error::data(root, "not a folder (expected a folder with 0/ and 1/ inside)"));
            }
            let manifest = read_root_manifest(root)?;
            has_manifest &= manifest.is_some();
            let mut folders: Vec<(&str, u8, bool)> =
                CLASS_FOLDERS.iter().enumerate().map(|(l, f)| (*f, l as u8, true)).collect();
            if sunglasses {
                folders.push((SUNGLASSES_FOLDER, SUNGLASSES, false));
            }
            for (folder, label, required) in folders {
                let dir = root.join(folder);
                if !dir.is_dir() {
                    if required {
                        return Err(Error::data(&dir, format!("missing class folder `{folder}/`")));
                    }
                    continue;
                }
                let images = glasses_core::find_images(&dir)?;
                if images.is_empty() && required {
                    return Err(Error::data(&dir, "class folder holds no images"));
                }
                for path in images {
                    let identity = identity_of(manifest.as_ref(), root, folder, &path);
                    samples.push(Sample { path, label, identity });
                }
            }
        }
        Ok(Self { root: first.clone(), roots: roots.to_vec(), samples, has_manifest })
    }

    /// The faces in each root's `folder` (e.g. `unclear/`), labelled [`UNLABELLED`], with their
    /// identities from the manifests. Kept apart from [`Self::samples`]: they are in no fold and
    /// no count. A root without the folder adds nothing.
    pub fn scan_unlabelled(&self, folder: &str) -> Result<Vec<Sample>> {
        let mut out = Vec::new();
        for root in &self.roots {
            let dir = root.join(folder);
            if !dir.is_dir() {
                continue;
            }
            let manifest = read_root_manifest(root)?;
            for path in glasses_core::find_images(&dir)? {
                let identity = identity_of(manifest.as_ref(), root, folder, &path);
                out.push(Sample { path, label: UNLABELLED, identity });
            }
        }
        Ok(out)
    }

    /// Indices of every image.
    pub fn all_indices(&self) -> Vec<usize> {
        (0..self.samples.len()).collect()
    }

    /// Indices of all positives (and sunglasses) plus as many negatives as positives, drawn with
    /// `seed` (fewer when there are fewer negatives), sorted.
    pub fn balanced_indices(&self, seed: u64) -> Vec<usize> {
        // Sunglasses (three-class data) are kept whole, like the positives.
        let (mut neg, pos): (Vec<usize>, Vec<usize>) =
            (0..self.samples.len()).partition(|&i| self.samples[i].label == 0);
        SplitMix64::new(seed).shuffle(&mut neg);
        neg.truncate(pos.iter().filter(|&&i| self.samples[i].label == 1).count());
        let mut out: Vec<usize> = pos.into_iter().chain(neg).collect();
        out.sort_unstable();
        out
    }

    /// Number of images per label (no eyeglasses, eyeglasses, sunglasses) among `indices`.
    pub fn counts(&self, indices: &[usize]) -> [usize; 3] {
        let mut c = [0; 3];
        for &i in indices {
            c[self.samples[i].label as usize] += 1;
        }
        c
    }
}

/// Manifest rows by (folder, file) of `root/manifest.csv`, if the root has one.
type Manifest = HashMap<(String, String), String>;

fn read_root_manifest(root: &Path) -> Result<Option<Manifest>> {
    let path = root.join("manifest.csv");
    if path.is_file() { read_manifest(&path).map(Some) } else { Ok(None) }
}

/// The person of `root/folder/<file>`: the manifest's identity, or the file itself when the
/// manifest does not list it (its own identity).
fn identity_of(manifest: Option<&Manifest>, root: &Path, folder: &str, path: &Path) -> String {
    let file = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
    manifest
        .and_then(|m| m.get(&(folder.to_string(), file.clone())).cloned())
        .unwrap_or_else(|| format!("file:{}/{folder}/{file}", root.display()))
}

fn read_manifest(path: &Path) -> Result<Manifest> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| Error::data(path, e.to_string()))?;
    let headers = reader.headers().map_err(|e| Error::data(path, e.to_string()))?.clone();
    let col = |name: &str| {
        headers.iter().position(|h| h.trim() == name).ok_or_else(|| {
            Error::data(path, format!("manifest lacks the `{name}` column (expected file,folder,identity)"))
        })
    };
    let (file_col, folder_col, id_col) = (col("file")?, col("folder")?, col("identity")?);
    let mut map = HashMap::new();
    for (line, record) in reader.records().enumerate() {
        let record = record.map_err(|e| Error::data(path, format!("row {}: {e}", line + 2)))?;
        let field = |c: usize| record.get(c).unwrap_or("").trim().to_owned();
        map.insert((field(folder_col), field(file_col)), format!("id:{}", field(id_col)));
    }
    Ok(map)
}

/// Splits `indices` into `k` folds such that no identity is in two folds, with positives,
/// sunglasses and negatives spread evenly (greedy on shuffled identity groups, largest first).
pub fn identity_folds(dataset: &Dataset, indices: &[usize], k: usize, seed: u64) -> Result<Vec<Vec<usize>>> {
    if k < 2 {
        return Err(Error::Config(format!("need at least 2 folds, got {k}")));
    }
    let mut groups: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for &i in indices {
        groups.entry(dataset.samples[i].identity.as_str()).or_default().push(i);
    }
    if groups.len() < k {
        return Err(Error::data(
            &dataset.root,
            format!("{} identities cannot fill {k} identity-disjoint folds", groups.len()),
        ));
    }
    let mut groups: Vec<Vec<usize>> = groups.into_values().collect();
    SplitMix64::new(seed).shuffle(&mut groups);
    // Stable sort keeps the shuffled order among equal sizes.
    groups.sort_by_key(|g| std::cmp::Reverse(g.len()));
    let mut folds: Vec<Vec<usize>> = vec![Vec::new(); k];
    let mut counts = vec![[0usize; 3]; k];
    for group in groups {
        let c = dataset.counts(&group);
        // A group goes where its rarest class is scarcest: eyeglasses first, then sunglasses.
        let key = if c[1] > 0 {
            1
        } else if c[2] > 0 {
            2
        } else {
            0
        };
        let target = (0..k).min_by_key(|&f| (counts[f][key], counts[f].iter().sum::<usize>())).unwrap_or(0);
        for (total, n) in counts[target].iter_mut().zip(c) {
            *total += n;
        }
        folds[target].extend(group);
    }
    for f in &mut folds {
        f.sort_unstable();
    }
    Ok(folds)
}

/// Training and validation indices for fold `fold` of [`identity_folds`].
pub fn fold_split(folds: &[Vec<usize>], fold: usize) -> (Vec<usize>, Vec<usize>) {
    let mut train: Vec<usize> =
        folds.iter().enumerate().filter(|(f, _)| *f != fold).flat_map(|(_, v)| v.clone()).collect();
    train.sort_unstable();
    (train, folds[fold].clone())
}

/// Identities of the images at `indices`.
pub fn identities<'a>(dataset: &'a Dataset, indices: &[usize]) -> BTreeSet<&'a str> {
    indices.iter().map(|&i| dataset.samples[i].identity.as_str()).collect()
}

/// The input tensor of one image file, exactly as glasses-core makes it for inference.
pub fn load_tensor(path: &Path, prep: &Preprocessing) -> Result<Vec<f32>> {
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    let rgb = decode(&bytes, DEFAULT_MAX_PIXELS)
        .map_err(|e| Error::data(path, format!("cannot decode image: {e}")))?;
    Ok(prep.tensor_from_rgb(&rgb))
}

/// Preprocessed images and labels, kept in memory as one `[N, 3, H, W]` float tensor.
#[derive(Debug)]
pub struct TensorSet {
    /// Images, normalised NCHW.
    pub images: Tensor,
    /// Labels, int64 `[N]`.
    pub labels: Tensor,
}

impl TensorSet {
    /// Decodes and preprocesses `indices` of `dataset` (fails naming the first bad file).
    pub fn load(dataset: &Dataset, indices: &[usize], prep: &Preprocessing) -> Result<Self> {
        let samples: Vec<&Sample> = indices.iter().map(|&i| &dataset.samples[i]).collect();
        Self::from_samples(&samples, prep)
    }

    /// Decodes and preprocesses `samples` ([`UNLABELLED`] ones get [`IGNORED_LABEL`]).
    pub fn from_samples(samples: &[&Sample], prep: &Preprocessing) -> Result<Self> {
        let mut flat = Vec::with_capacity(samples.len() * prep.tensor_len());
        let mut labels = Vec::with_capacity(samples.len());
        for s in samples {
            flat.extend(load_tensor(&s.path, prep)?);
            labels.push(if s.label == UNLABELLED { IGNORED_LABEL } else { s.label as i64 });
        }
        Ok(Self::from_parts(flat, labels, prep))
    }

    /// This set followed by `other`'s rows.
    pub fn concat(&self, other: &Self) -> Self {
        Self {
            images: Tensor::cat(&[&self.images, &other.images], 0),
            labels: Tensor::cat(&[&self.labels, &other.labels], 0),
        }
    }

    /// A set from already preprocessed tensors (concatenated) and labels.
    pub fn from_parts(flat: Vec<f32>, labels: Vec<i64>, prep: &Preprocessing) -> Self {
        let n = labels.len() as i64;
        let images = Tensor::from_slice(&flat).view([n, 3, prep.height as i64, prep.width as i64]);
        Self { images, labels: Tensor::from_slice(&labels) }
    }

    /// Number of images.
    pub fn len(&self) -> usize {
        self.labels.size()[0] as usize
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The images at positions `rows` of this set.
    pub fn select(&self, rows: &[usize]) -> Self {
        let idx = Tensor::from_slice(&rows.iter().map(|&r| r as i64).collect::<Vec<_>>());
        Self { images: self.images.index_select(0, &idx), labels: self.labels.index_select(0, &idx) }
    }

    /// The same tensors, shared (no copy).
    pub fn shallow_clone(&self) -> Self {
        Self { images: self.images.shallow_clone(), labels: self.labels.shallow_clone() }
    }

    /// Labels as a plain vector.
    pub fn label_vec(&self) -> Result<Vec<u8>> {
        let labels = Vec::<i64>::try_from(&self.labels.to_kind(Kind::Int64))?;
        Ok(labels.into_iter().map(|l| l as u8).collect())
    }
}
