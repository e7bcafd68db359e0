//! `v6map generate`: inventories in, upload files out.

use std::path::PathBuf;
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::form::Action;
use crate::inventory::{InputFormat, InventoryOptions};
use crate::source::SourceFile;
use crate::RunError;

/// Options of one `generate` run.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Input paths; `-` is standard input.
    pub inputs: Vec<String>,
    /// The format of every input; chosen per file from its extension when `None`.
    pub input_format: Option<InputFormat>,
    /// How to read the inventories.
    pub inventory: InventoryOptions,
    /// `add` or `remove`.
    pub action: Action,
    /// `--all-or-nothing 0|1`; only valid with `add`.
    pub all_or_nothing: Option<bool>,
    /// The output file; standard output when `None`.
    pub output: Option<PathBuf>,
    /// At most this many records a file; batch files are numbered `-0001`, `-0002`...
    pub batch_size: Option<usize>,
    /// Overwrite existing output files.
    pub force: bool,
    /// Write the valid records even when some rows were rejected.
    pub skip_invalid: bool,
    /// Write the rejected rows as CSV to this file.
    pub rejects: Option<PathBuf>,
}

/// What a `generate` run produced.
#[derive(Debug, Default)]
pub struct GenerateOutcome {
    /// Every finding, in input order.
    pub diagnostics: Vec<Diagnostic>,
    /// The inputs, for rendering snippets.
    pub sources: Vec<Arc<SourceFile>>,
    /// The files written, in order; empty when writing to stdout or when nothing was written.
    pub written: Vec<PathBuf>,
    /// The number of records written.
    pub records_written: usize,
    /// True when the upload was written (to files or stdout).
    pub wrote_output: bool,
}

/// Runs `generate`. Diagnostics about the input are returned in the outcome;
/// only failures that stop the run (unreadable input, unwritable output,
/// contradicting options) are errors. `stdout` receives the upload when
/// `options.output` is `None`.
pub fn run(
    _options: &GenerateOptions,
    _stdin: &mut dyn std::io::Read,
    _stdout: &mut dyn std::io::Write,
) -> Result<GenerateOutcome, RunError> {
    todo!("generate")
}
