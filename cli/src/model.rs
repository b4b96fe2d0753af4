//! Loading the classifier named on the command line.

use anyhow::Context;
use glasses_core::{Classifier, ClassifierOptions};

use crate::args::ModelArgs;

/// Loads `--model FILE`, or the bundled model when no file is given.
pub fn load(args: &ModelArgs, options: ClassifierOptions) -> anyhow::Result<Classifier> {
    let options = options.with_max_model_bytes(args.max_model_bytes);
    match &args.model {
        Some(path) => Classifier::from_file(path, options)
            .with_context(|| format!("cannot load model `{}`", path.display())),
        None => Classifier::bundled_with(options).context("cannot load the bundled model"),
    }
}

/// Where the model came from, for reports.
pub fn source(args: &ModelArgs) -> String {
    args.model.as_ref().map_or_else(|| "bundled".to_owned(), |path| path.display().to_string())
}
