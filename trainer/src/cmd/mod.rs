//! One module per subcommand (its arguments and what it does); the arguments several share are
//! in [`args`].

pub mod args;
pub mod checks;
pub mod cv;
pub mod export;
pub mod groups;
pub mod label;
pub mod latency;
pub mod mine;
pub mod quantize;
pub mod train;

use std::path::Path;

/// Refuses to write over the first of `outputs` that exists, unless `force`.
fn refuse_to_replace<P: AsRef<Path>>(
    outputs: impl IntoIterator<Item = P>,
    force: bool,
) -> anyhow::Result<()> {
    match outputs.into_iter().find(|p| p.as_ref().exists()) {
        Some(existing) if !force => {
            anyhow::bail!("{} exists; pass --force to replace it", existing.as_ref().display())
        }
        _ => Ok(()),
    }
}
