//! `glasses`: classify face images for eyeglasses from the command line.

mod args;
mod batch;
mod bounded_read;
mod classify;
mod errors;
mod eval;
mod eval_render;
mod eval_report;
mod face_boxes;
mod info;
mod inputs;
mod metrics;
mod model;
mod output;
mod skipped;

use std::process::ExitCode;

use args::Command;

fn main() -> ExitCode {
    let cli = args::parse();
    let result = match &cli.command {
        Command::Classify(args) => classify::run(args),
        Command::Eval(args) => eval::run(args),
        Command::Info(args) => info::run(args),
    };
    match result {
        Ok(status) => status.exit_code(),
        Err(error) => {
            errors::warn(&format!("error: {}", errors::chain_anyhow(&error)));
            ExitCode::from(errors::FAILURE as u8)
        }
    }
}
