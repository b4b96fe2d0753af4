//! `glasses-trainer cv`: k-fold cross-validation by identity (Table 1 of docs/TRAINING.md).

use std::path::PathBuf;

use clap::Args;
use glasses_core::export::Architecture;
use glasses_core::preprocess::ResizeMode;
use glasses_trainer::cv::{self, CvOptions, RecipeRow};
use glasses_trainer::pipeline::DataOptions;

use super::args::{DataArgs, HyperArgs, MachineArgs};

#[derive(Debug, Args)]
pub struct CvArgs {
    #[command(flatten)]
    data: DataArgs,
    #[command(flatten)]
    hyper: HyperArgs,
    /// Epochs of the ResNet-18 runs (default: --epochs).
    #[arg(long)]
    resnet_epochs: Option<usize>,
    /// Peak learning rate of the ResNet-18 runs (default 1e-3; --lr sets the SqueezeNet runs).
    #[arg(long)]
    resnet_lr: Option<f64>,
    /// Only these folds (repeatable); default all.
    #[arg(long = "fold")]
    only_folds: Vec<usize>,
    /// Add the bundled recipe (scripts/train-bundled.sh) as a row, starting from these ImageNet
    /// weights, on the same folds; needs --all-data --sunglasses.
    #[arg(long)]
    recipe_init: Option<PathBuf>,
    /// Input width of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_SIZE.0)]
    recipe_width: u32,
    /// Input height of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_SIZE.1)]
    recipe_height: u32,
    /// Epochs of the recipe row.
    #[arg(long, default_value_t = cv::BUNDLED_EPOCHS)]
    recipe_epochs: usize,
    /// Output folder; rerunning with the same settings continues an interrupted CV.
    #[arg(long, default_value = "runs/cv")]
    out: PathBuf,
    #[command(flatten)]
    machine: MachineArgs,
}

pub fn run(args: CvArgs) -> anyhow::Result<()> {
    let device = args.machine.device()?;
    let data = args.data.options();
    let mut resnet = args.hyper.config(Architecture::ResNet18, &data, false);
    resnet.epochs = args.resnet_epochs.unwrap_or(args.hyper.epochs);
    resnet.lr = args.resnet_lr.unwrap_or(1e-3);
    let squeezenet = args.hyper.config(Architecture::SqueezeNet1_1, &data, true);
    let recipe = match args.recipe_init {
        Some(init) => {
            let recipe_data = DataOptions {
                resize: ResizeMode::CenterCrop,
                input_width: args.recipe_width,
                input_height: args.recipe_height,
                ..data.clone()
            };
            Some(RecipeRow::new(recipe_data, init, args.recipe_epochs)?)
        }
        None => None,
    };
    let started = std::time::Instant::now();
    let options = CvOptions {
        data,
        resnet,
        squeezenet,
        recipe,
        out: args.out.clone(),
        device,
        only_folds: args.only_folds,
    };
    let rows = cv::run(&options)?;
    println!("{}", cv::markdown(&rows, options.data.folds));
    println!(
        "wall time of this invocation: {:.1} min; results in {}",
        started.elapsed().as_secs_f64() / 60.0,
        args.out.display()
    );
    Ok(())
}
