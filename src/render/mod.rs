//! Renderers: human output through miette, JSON Lines, GitHub annotations and SARIF.
//! Each is a view of the same `Diagnostic` list.
//!
//! The machine formats are a contract, described in `docs/output-formats.md`.
//! Human output is for people and may change between releases.

use std::io::{self, Write};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

mod github;
mod human;
mod json;
mod sarif;
mod snippet;

/// An output format for diagnostics.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// miette's graphical report, for people.
    Human,
    /// One JSON object per line.
    Json,
    /// GitHub Actions workflow commands (`::error file=...`).
    Github,
    /// One SARIF 2.1.0 document.
    Sarif,
}

/// Options for rendering.
#[derive(Clone, Debug, Default)]
pub struct RenderOptions {
    /// Use ANSI colours (human format only).
    pub color: bool,
    /// Terminal width for wrapping (human format only); `None` means 80.
    pub width: Option<usize>,
    /// The maximum number of diagnostics printed in human format, followed by a
    /// count of the rest. `None` prints all, and machine formats always do.
    pub max_shown: Option<usize>,
    /// Messages of inputs that could not be read. SARIF marks its run as not
    /// successful and lists them; other formats leave them to standard error.
    pub failures: Vec<String>,
}

/// Writes `diagnostics` in `format`, in the order given. `sources` supplies the
/// text for human snippets, looked up by `Location::file`; a diagnostic whose
/// file is not among them is shown without a snippet.
///
/// Spans past the end of a source or inside a character are clamped, not
/// rejected. An error comes from writing to `out`, or from miette failing to lay
/// out a human report, which the clamping is there to prevent.
pub fn render(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
    out: &mut dyn Write,
    options: &RenderOptions,
) -> io::Result<()> {
    match format {
        OutputFormat::Human => human::render(diagnostics, sources, out, options)?,
        OutputFormat::Json => json::render(diagnostics, out)?,
        OutputFormat::Github => github::render(diagnostics, out)?,
        OutputFormat::Sarif => sarif::render(diagnostics, &options.failures, out)?,
    }
    out.flush()
}

/// The maximum number of related places that the human and GitHub formats show
/// for one finding. A value repeated thousands of times would otherwise print
/// thousands of labels per finding, and miette's layout time grows with the
/// number of labels times the number of lines. JSON Lines and SARIF list all.
const MAX_RELATED_SHOWN: usize = 10;

/// Joins a message and its help into one text, for formats without a help field:
/// `message. help: help`.
fn message_with_help(diagnostic: &Diagnostic) -> String {
    match &diagnostic.help {
        None => diagnostic.message.clone(),
        Some(help) => {
            let separator = if diagnostic.message.ends_with(['.', '!', '?']) {
                " "
            } else {
                ". "
            };
            format!("{}{separator}help: {help}", diagnostic.message)
        }
    }
}
