//! What storing the bundled files compressed costs when a classifier is made: median ms of
//! `Classifier::bundled()` (inflates the stored classifier, then loads) beside
//! `Classifier::from_bytes` on the same file already in memory (the detector's file is inflated
//! once per process, so both load it alike).
//!
//! `cargo run --release -p glasses-core --example load_time -- [RUNS]`

mod common;

use common::timing;
use glasses_core::{Classifier, ClassifierOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let runs: usize = std::env::args().nth(1).map(|s| s.parse()).transpose()?.unwrap_or(30);
    let file = Classifier::bundled_model_bytes()?.to_vec();
    let mut rounds = Vec::new();
    for _ in 0..3 {
        let bundled = timing::median_ms(3, runs, || {
            Classifier::bundled().expect("bundled");
        });
        let from_bytes = timing::median_ms(3, runs, || {
            Classifier::from_bytes(&file, ClassifierOptions::default()).expect("from_bytes");
        });
        rounds.push((bundled, from_bytes));
    }
    println!("| round | Classifier::bundled() ms | from_bytes(same file in memory) ms | difference ms |");
    println!("|---|---|---|---|");
    for (i, (b, f)) in rounds.iter().enumerate() {
        println!("| {} | {b:.2} | {f:.2} | {:.2} |", i + 1, b - f);
    }
    Ok(())
}
