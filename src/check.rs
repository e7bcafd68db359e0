//! `v6map check`: lint upload files and Qualys responses.

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;
use crate::RunError;

/// Options of one `check` run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Input paths; `-` is standard input.
    pub inputs: Vec<String>,
    /// Look for duplicates within each file only, not across the files of a run.
    pub per_file: bool,
}

/// What a `check` run found.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    /// Every finding, grouped by file in argument order.
    pub diagnostics: Vec<Diagnostic>,
    /// The inputs that could be read, for rendering snippets.
    pub sources: Vec<Arc<SourceFile>>,
    /// Files that could not be read; each makes the exit code 2.
    pub unreadable: Vec<RunError>,
    /// The number of files checked.
    pub files_checked: usize,
}

/// Runs `check` over every input. A file that cannot be read is recorded in
/// `unreadable` and the others are still checked.
pub fn run(
    _options: &CheckOptions,
    _stdin: &mut dyn std::io::Read,
) -> Result<CheckOutcome, RunError> {
    todo!("check")
}
