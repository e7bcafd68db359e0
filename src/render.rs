//! Renderers: human output through miette, JSON Lines, GitHub annotations and SARIF.
//! Each is a view of the same `Diagnostic` list.

use std::io::{self, Write};
use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::source::SourceFile;

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
#[derive(Clone, Debug)]
pub struct RenderOptions {
    /// Use ANSI colours (human format only).
    pub color: bool,
    /// Terminal width for wrapping (human format only); `None` means 80.
    pub width: Option<usize>,
    /// Print at most this many diagnostics in human format, then say how many
    /// more there are; `None` prints all. Machine formats always print all.
    pub max_shown: Option<usize>,
}

impl Default for RenderOptions {
    fn default() -> Self {
        RenderOptions {
            color: false,
            width: None,
            max_shown: None,
        }
    }
}

/// Writes `diagnostics` in `format`. `sources` supplies the text for snippets.
pub fn render(
    _format: OutputFormat,
    _diagnostics: &[Diagnostic],
    _sources: &[Arc<SourceFile>],
    _out: &mut dyn Write,
    _options: &RenderOptions,
) -> io::Result<()> {
    todo!("renderers")
}
