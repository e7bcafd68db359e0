//! v6map: offline generator and linter for Qualys IPv6 mapping upload files.
//!
//! The library does all the work; `main.rs` parses arguments and maps outcomes
//! to exit codes. Nothing outside [`render`] prints.
#![warn(clippy::print_stdout, clippy::print_stderr)]

pub mod address;
pub mod check;
pub mod diagnostic;
pub mod dtd;
pub mod duplicates;
pub mod form;
pub mod generate;
pub mod inventory;
pub mod output;
pub mod record;
pub mod render;
pub mod rules;
pub mod source;
pub mod upload;

/// A failure that stops a command before it can judge its input: a missing or
/// unreadable file, an unwritable output, or arguments that contradict each
/// other. It maps to exit code 2.
#[derive(Debug)]
pub struct RunError {
    /// The failure, naming the file or option.
    pub message: String,
    /// The next step for the user.
    pub help: Option<String>,
}

impl RunError {
    /// Creates a run error.
    pub fn new(message: impl Into<String>) -> RunError {
        RunError {
            message: message.into(),
            help: None,
        }
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> RunError {
        self.help = Some(help.into());
        self
    }
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for RunError {}

/// Exit code: the run finished and found no errors.
pub const EXIT_CLEAN: i32 = 0;
/// Exit code: the run finished and found errors (or warnings with `--deny-warnings`).
pub const EXIT_FINDINGS: i32 = 1;
/// Exit code: the run could not be carried out.
pub const EXIT_COULD_NOT_RUN: i32 = 2;
