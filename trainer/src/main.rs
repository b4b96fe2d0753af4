//! `glasses-trainer`: train, cross-validate and export the glasses classifier.

mod cmd;

use clap::{Parser, Subcommand};
use cmd::{checks, cv, export, groups, label, latency, mine, quantize, train};

#[derive(Debug, Parser)]
#[command(
    name = "glasses-trainer",
    version,
    about = "Train, cross-validate and export the glasses classifier (tch/libtorch)."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Train one model on the balanced set, holding out one identity-disjoint fold for validation.
    Train(train::TrainArgs),
    /// k-fold cross-validation by identity of ResNet-18, SqueezeNet and distilled SqueezeNet (Table 1).
    Cv(cv::CvArgs),
    /// Export a checkpoint to fp32 and int8 ONNX through glasses-core and check both on the validation fold.
    Export(export::ExportArgs),
    /// Time one-image inference of a freshly initialised network in libtorch (bench/compare.sh, TORCH=1).
    Latency(latency::LatencyArgs),
    /// Measure ONNX model files through glasses-core on a validation fold and its check sets
    /// (grayscale, square tight crop, 2x, 0.5x), each with its own preprocessing.
    Checks(checks::ChecksArgs),
    /// Label every face once with teacher models (for `train --soft-labels`): 0/, 1/,
    /// sunglasses/ and the unlabelled unclear/ of each data folder, through glasses-core.
    Label(label::LabelArgs),
    /// Hard-negative mining: score every training-fold face (never the validation fold) with a
    /// model file, for `train --hard-negatives`.
    Mine(mine::MineArgs),
    /// Wide pictures of several held-out people (and face-filling crops of them) with the boxes
    /// where their faces are, for `core/examples/faces_eval.rs` (bench/faces-eval.sh).
    Groups(groups::GroupsArgs),
    /// Static int8 (QDQ) copy of a float model file, activation ranges calibrated on training faces.
    Quantize(quantize::QuantizeArgs),
}

fn main() -> anyhow::Result<()> {
    match Cli::parse().command {
        Command::Train(args) => train::run(args),
        Command::Cv(args) => cv::run(args),
        Command::Export(args) => export::run(args),
        Command::Latency(args) => latency::run(args),
        Command::Checks(args) => checks::run(args),
        Command::Label(args) => label::run(args),
        Command::Mine(args) => mine::run(args),
        Command::Groups(args) => groups::run(args),
        Command::Quantize(args) => quantize::run(args),
    }
}
