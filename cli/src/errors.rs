//! Turning errors into the one-line messages users see, and the process exit codes.

use std::io::Write;
use std::process::ExitCode;

/// Everything worked.
pub const SUCCESS: i32 = 0;
/// Usage error, unreadable input, unusable model, output not written: nothing useful was produced.
pub const FAILURE: i32 = 1;
/// The run finished but some image files could not be classified.
pub const SOME_FILES_FAILED: i32 = 2;

/// How a command that did not fail outright ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// Every file was classified.
    Success,
    /// At least one file failed; the others were classified and reported.
    SomeFilesFailed,
}

impl Status {
    pub fn from_failures(failed: usize) -> Self {
        if failed == 0 { Self::Success } else { Self::SomeFilesFailed }
    }

    pub fn exit_code(self) -> ExitCode {
        let code = match self {
            Self::Success => SUCCESS,
            Self::SomeFilesFailed => SOME_FILES_FAILED,
        };
        ExitCode::from(code as u8)
    }
}

/// The error and all its causes on one line, `outer: inner: innermost`.
///
/// Core's I/O errors already print their source, so a cause whose text the previous message
/// already contains is skipped instead of being printed twice.
pub fn chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut line = error.to_string();
    let mut previous = line.clone();
    let mut cause = error.source();
    while let Some(current) = cause {
        let text = current.to_string();
        if !previous.contains(&text) {
            line.push_str(": ");
            line.push_str(&text);
        }
        previous = text;
        cause = current.source();
    }
    line
}

/// [`chain`] for an `anyhow` error (its context messages come first).
pub fn chain_anyhow(error: &anyhow::Error) -> String {
    chain(error.as_ref())
}

/// Writes one line to stderr. A closed stderr is ignored: there is nobody left to tell, and
/// `eprintln!` would panic instead.
pub fn warn(line: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{line}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use anyhow::Context;

    #[test]
    fn chain_lists_causes_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let core = glasses_core::Error::Io { path: "m.onnx".into(), source: io };
        let error = Err::<(), _>(core).context("cannot load model `m.onnx`").err();
        let text = error.as_ref().map(chain_anyhow).unwrap_or_default();
        assert_eq!(text, "cannot load model `m.onnx`: cannot read m.onnx: no such file");
    }

    #[test]
    fn exit_codes_follow_failures() {
        assert_eq!(Status::from_failures(0), Status::Success);
        assert_eq!(Status::from_failures(3), Status::SomeFilesFailed);
    }
}
