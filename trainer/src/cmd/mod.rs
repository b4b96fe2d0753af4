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
