//! The trainer's error type: every failure names the file, folder or setting it is about.

use std::path::PathBuf;

/// Everything that can go wrong while loading data, training or exporting.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The data folder is unusable; `path` is the folder or file at fault.
    #[error("bad data at {path}: {reason}")]
    Data {
        /// Folder or file at fault.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// Reading or writing a file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file or folder.
        path: PathBuf,
        /// The underlying error.
        source: std::io::Error,
    },
    /// A checkpoint or run folder cannot be used as asked.
    #[error("{path}: {reason}")]
    Run {
        /// The checkpoint or run folder.
        path: PathBuf,
        /// Why it cannot be used.
        reason: String,
    },
    /// A setting is out of range or inconsistent.
    #[error("invalid setting: {0}")]
    Config(String),
    /// libtorch reported an error.
    #[error("libtorch: {0}")]
    Torch(#[from] tch::TchError),
    /// glasses-core refused an image, model or export.
    #[error(transparent)]
    Core(#[from] glasses_core::Error),
    /// A JSON document could not be written or read.
    #[error("{path}: JSON: {source}")]
    Json {
        /// The JSON file.
        path: PathBuf,
        /// The underlying error.
        source: serde_json::Error,
    },
    /// Drawing a report picture failed.
    #[error("plot {path}: {reason}")]
    Plot {
        /// The picture being drawn.
        path: PathBuf,
        /// What went wrong.
        reason: String,
    },
}

impl Error {
    pub(crate) fn data(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Data { path: path.into(), reason: reason.into() }
    }
    pub(crate) fn io(path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io { path: path.into(), source }
    }
    pub(crate) fn run(path: impl Into<PathBuf>, reason: impl Into<String>) -> Self {
        Self::Run { path: path.into(), reason: reason.into() }
    }
}

/// Result with the trainer's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;
