//! Command-line syntax: every subcommand, flag and help text.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::errors;
use crate::output::Destination;

const EXIT_CODES_HELP: &str = "\
Exit codes:
  0  success
  1  usage error, unreadable input path, model that cannot be loaded, or output not written
  2  some image files could not be classified (the others were; see the error entries)";

/// Classify face images for eyeglasses with an on-device SqueezeNet model.
#[derive(Debug, Parser)]
#[command(name = "glasses", version, after_help = EXIT_CODES_HELP)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Classify image files and folders (recursively), in parallel.
    #[command(after_help = EXIT_CODES_HELP)]
    Classify(ClassifyArgs),
    /// Measure a model on a labelled folder: `0/` holds faces without eyeglasses, `1/` with,
    /// `sunglasses/` (optional) with sunglasses.
    #[command(after_help = EXIT_CODES_HELP)]
    Eval(EvalArgs),
    /// Show a model's size, parameter count, input size and metadata.
    #[command(after_help = EXIT_CODES_HELP)]
    Info(InfoArgs),
}

// Which model to load; shared by every subcommand. (Plain comments: a doc comment on a flattened
// struct would compete with the subcommand's own description.)
#[derive(Debug, Args)]
pub struct ModelArgs {
    /// ONNX model file following the glasses model contract [default: the bundled model].
    #[arg(long, value_name = "FILE", visible_alias = "model-params-path")]
    pub model: Option<PathBuf>,

    /// Largest model file read, in bytes; larger files, devices and FIFOs are refused unread.
    #[arg(long, value_name = "BYTES", default_value_t = glasses_core::DEFAULT_MAX_MODEL_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_model_bytes: u64,
}

// How classification runs; shared by `classify` and `eval`.
#[derive(Debug, Args)]
pub struct RunArgs {
    /// Decision threshold on P(eyeglasses): an image has eyeglasses when its probability is at
    /// least this [default: the model's own (`glasses info` shows it), 0.5 for a model without one].
    #[arg(long, value_name = "P", value_parser = parse_threshold)]
    pub threshold: Option<f32>,

    /// Number of worker threads, each classifying one picture at a time [default: one per CPU].
    #[arg(long, short = 'j', value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// Threads one picture's inference is split over (0: one per CPU; at most 8). It combines
    /// with --jobs: one picture at a time uses the N - 1 extra threads, the other jobs' pictures
    /// run on their own job thread, so at most jobs + N - 1 threads compute. `-j 1 --threads N`
    /// gives the lowest latency per picture, the default (-j one per CPU, --threads 1) the most
    /// pictures per second.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(0..=glasses_core::MAX_INFERENCE_THREADS as i64))]
    pub threads: u16,

    /// Never draw the progress bar (it is already hidden when stderr is not a terminal).
    #[arg(long)]
    pub no_progress: bool,

    /// Largest image file read, in bytes; larger files are reported as errors without being read.
    #[arg(long, value_name = "BYTES", default_value_t = glasses_core::DEFAULT_MAX_FILE_BYTES,
          value_parser = clap::value_parser!(u64).range(1..))]
    pub max_file_bytes: u64,

    /// Classify truncated pictures (a JPEG cut before its end) as far as they decode, instead of
    /// reporting them as errors.
    #[arg(long)]
    pub accept_truncated: bool,

    /// CSV of face detector boxes (`path,x,y,w,h` in pixels, origin top-left; other columns
    /// ignored; relative paths from the CSV's folder): each listed image is classified inside its
    /// box, expanded to the model's framing. Several rows with one path are several faces: one
    /// result each. Images without a box are classified whole. `-` reads the CSV from stdin.
    #[arg(long, value_name = "CSV")]
    pub face_boxes: Option<PathBuf>,

    /// Which face is classified in a picture --face-boxes gives no box for: `auto` the largest
    /// face the built-in detector finds (the whole picture when it finds none), `detect` every
    /// face it finds (one result each, largest first; a picture without a face is a row that
    /// says so), `whole` the whole picture.
    #[arg(long, value_enum, default_value_t = Faces::Auto)]
    pub faces: Faces,

    /// Largest --face-boxes file (or stdin stream) read, in bytes; FIFOs, devices and folders are
    /// refused unread.
    #[arg(long, value_name = "BYTES", default_value_t = crate::face_boxes::DEFAULT_MAX_BYTES,
          value_parser = clap::value_parser!(u64).range(1..=MAX_FACE_BOXES_BYTES))]
    pub max_face_boxes_bytes: u64,
}

/// The largest `--max-face-boxes-bytes`: the file is read into memory whole.
const MAX_FACE_BOXES_BYTES: u64 = 1 << 30;

impl RunArgs {
    /// The classifier options these flags ask for.
    pub fn options(&self) -> glasses_core::ClassifierOptions {
        let mut options = glasses_core::ClassifierOptions::default()
            .with_max_file_bytes(self.max_file_bytes)
            .with_accept_truncated(self.accept_truncated)
            .with_threads(usize::from(self.threads));
        options.threshold = self.threshold;
        options
    }
}

#[derive(Debug, Args)]
pub struct ClassifyArgs {
    /// Image files and folders; folders are searched recursively for image files.
    #[arg(value_name = "PATH")]
    pub paths: Vec<PathBuf>,

    /// A folder (or file) to classify, as the original tool spelled it; may be repeated.
    #[arg(long = "images-path", value_name = "DIR")]
    pub images_paths: Vec<PathBuf>,

    #[command(flatten)]
    pub model: ModelArgs,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub output: OutputArgs<ClassifyFormat>,

    /// Allow --output to replace an existing file.
    #[arg(long, requires = "output")]
    pub force: bool,
}

impl ClassifyArgs {
    /// Positional paths first, then `--images-path` ones, in the order given.
    pub fn inputs(&self) -> Vec<PathBuf> {
        self.paths.iter().chain(&self.images_paths).cloned().collect()
    }
}

/// A format of `--format`; its help texts name the formats and what is written. They end without
/// a full stop, as clap prints doc comments.
pub trait OutputFormat: ValueEnum + Default + Copy + Send + Sync + std::fmt::Debug + 'static {
    /// `--format`'s help.
    const FORMAT_HELP: &'static str;
    /// `--output`'s help.
    const OUTPUT_HELP: &'static str;
}

// Where the results go and in which format; shared by `classify` and `eval`.
#[derive(Debug, Args)]
pub struct OutputArgs<F: OutputFormat> {
    #[arg(long, value_enum, help = F::FORMAT_HELP)]
    pub format: Option<F>,

    #[arg(long, short = 'o', value_name = "FILE", help = F::OUTPUT_HELP)]
    pub output: Option<PathBuf>,
}

impl<F: OutputFormat> OutputArgs<F> {
    /// `--format`, else the format named like `--output`'s extension (`.json`, `.csv`, ...; any
    /// case), else the default table.
    pub fn format(&self) -> F {
        let extension = self.output.as_deref().and_then(|file| file.extension()?.to_str());
        self.format.or_else(|| F::from_str(extension?, true).ok()).unwrap_or_default()
    }

    /// `--output`, or stdout; `force` lets an existing file be replaced.
    pub fn destination(&self, force: bool) -> Destination {
        Destination::new(self.output.as_deref(), force)
    }
}

#[derive(Debug, Args)]
pub struct EvalArgs {
    /// Labelled folder with `0/` (no eyeglasses), `1/` (eyeglasses) and optionally `sunglasses/`
    /// (counted as "no eyeglasses", and shown in a 3x3 eyewear confusion matrix); other entries
    /// are ignored.
    #[arg(long = "images-path", value_name = "DIR")]
    pub images_path: PathBuf,

    #[command(flatten)]
    pub model: ModelArgs,

    #[command(flatten)]
    pub run: RunArgs,

    #[command(flatten)]
    pub output: OutputArgs<EvalFormat>,

    /// Write the misclassified images to FILE (`path,truth,prediction,probability`; JSON for a
    /// `.json` name), most confident mistakes first.
    #[arg(long, value_name = "FILE")]
    pub misclassified: Option<PathBuf>,

    /// Allow --output and --misclassified to replace existing files.
    #[arg(long)]
    pub force: bool,

    /// Also report the lowest threshold whose precision on this folder is at least P, and its
    /// recall.
    #[arg(long, value_name = "P", value_parser = parse_threshold)]
    pub precision_at: Option<f32>,
}

#[derive(Debug, Args)]
pub struct InfoArgs {
    #[command(flatten)]
    pub model: ModelArgs,

    /// Output format.
    #[arg(long, value_enum, default_value_t = ReportFormat::Table)]
    pub format: ReportFormat,
}

/// `--faces`: which face of a picture is classified.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Faces {
    Auto,
    Detect,
    Whole,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum ClassifyFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// An array of `{"path", "has_glasses", "probability", "eyewear", "probabilities"}` or
    /// `{"path", "error"}` objects.
    Json,
    /// Columns `path,has_glasses,probability,error,eyewear,p_none,p_eyeglasses,p_sunglasses`.
    Csv,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum EvalFormat {
    /// Aligned columns for people.
    #[default]
    Table,
    /// One JSON object.
    Json,
    /// A header and one row of the headline numbers (rows of several runs can be concatenated).
    Csv,
    /// Markdown tables, for a report or a pull request.
    #[value(name = "md", alias = "markdown")]
    Markdown,
}

impl OutputFormat for ClassifyFormat {
    const FORMAT_HELP: &'static str =
        "Output format [default: from the --output file's extension (.json, .csv), else table]";
    const OUTPUT_HELP: &'static str =
        "Write the results to FILE instead of stdout (atomically; an existing file needs --force)";
}

impl OutputFormat for EvalFormat {
    const FORMAT_HELP: &'static str =
        "Report format [default: from the --output file's extension (.json, .csv, .md), else table]";
    const OUTPUT_HELP: &'static str =
        "Write the report to FILE instead of stdout (atomically; an existing file needs --force)";
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ReportFormat {
    /// Aligned columns for people.
    Table,
    /// One JSON object.
    Json,
}

/// Parses a probability threshold; core would refuse it too, but refusing it here turns a bad value
/// into a usage error that names the flag.
fn parse_threshold(text: &str) -> Result<f32, String> {
    let value: f32 = text.trim().parse().map_err(|_| format!("`{text}` is not a number"))?;
    if (0.0..=1.0).contains(&value) { Ok(value) } else { Err(format!("{value} is outside [0, 1]")) }
}

/// Parses the command line. Unlike clap's own `parse`, usage errors exit with
/// [`errors::FAILURE`] so that code 2 keeps meaning "some files failed".
pub fn parse() -> Cli {
    match Cli::try_parse() {
        Ok(cli) => cli,
        Err(error) => {
            // Printing can only fail when stderr/stdout is gone; there is nobody left to tell.
            let _ = error.print();
            let code = if error.use_stderr() { errors::FAILURE } else { errors::SUCCESS };
            std::process::exit(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn the_format_follows_the_output_extension_unless_given() {
        let classify =
            |args: &[&str]| match Cli::try_parse_from([&["glasses", "classify", "x"], args].concat()) {
                Ok(Cli { command: Command::Classify(args) }) => Some(args.output.format()),
                _ => None,
            };
        assert_eq!(classify(&["-o", "out.json"]), Some(ClassifyFormat::Json));
        assert_eq!(classify(&["-o", "OUT.CSV"]), Some(ClassifyFormat::Csv));
        assert_eq!(classify(&["-o", "out.txt"]), Some(ClassifyFormat::Table));
        assert_eq!(classify(&["-o", "out.md"]), Some(ClassifyFormat::Table), "not a classify format");
        assert_eq!(classify(&[]), Some(ClassifyFormat::Table));
        assert_eq!(classify(&["-o", "out.json", "--format", "csv"]), Some(ClassifyFormat::Csv));
        let eval = |args: &[&str]| match Cli::try_parse_from(
            [&["glasses", "eval", "--images-path", "d"], args].concat(),
        ) {
            Ok(Cli { command: Command::Eval(args) }) => Some(args.output.format()),
            _ => None,
        };
        assert_eq!(eval(&["-o", "r.md"]), Some(EvalFormat::Markdown));
        assert_eq!(eval(&["-o", "R.Markdown"]), Some(EvalFormat::Markdown));
        assert_eq!(eval(&["-o", "r.csv"]), Some(EvalFormat::Csv));
        assert_eq!(eval(&["-o", "r.json"]), Some(EvalFormat::Json));
        assert_eq!(eval(&["-o", "r.md", "--format", "table"]), Some(EvalFormat::Table));
        assert_eq!(eval(&["--format", "md"]), Some(EvalFormat::Markdown));
    }

    #[test]
    fn thresholds_outside_the_unit_interval_are_refused() {
        assert_eq!(parse_threshold("0"), Ok(0.0));
        assert_eq!(parse_threshold("1"), Ok(1.0));
        assert_eq!(parse_threshold("0.25"), Ok(0.25));
        for bad in ["-0.1", "1.5", "nan", "inf", "abc", ""] {
            assert!(parse_threshold(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn threads_split_each_picture_and_default_to_one() {
        let threads =
            |args: &[&str]| match Cli::try_parse_from([&["glasses", "classify", "x"], args].concat()) {
                Ok(Cli { command: Command::Classify(args) }) => Some(args.run.options().threads),
                _ => None,
            };
        assert_eq!(threads(&[]), Some(1));
        assert_eq!(threads(&["--threads", "4", "-j", "2"]), Some(4));
        assert_eq!(threads(&["--threads", "0"]), Some(0));
        assert_eq!(threads(&["--threads", "9"]), None, "more than glasses_core::MAX_INFERENCE_THREADS");
        assert_eq!(threads(&["--threads", "-1"]), None);
    }
}
