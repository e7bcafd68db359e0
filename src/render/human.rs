//! Human output: one miette report per diagnostic, then a summary line.
//!
//! A report reads:
//!
//! ```text
//! error[invalid-v4]
//!
//!   × '10.0.0.300' is not an IPv4 address: octet 4 '300' is more than 255 (V4 of
//!   │ IP_MAP 1)
//!    ╭─[invalid-v4.xml:4:9]
//!  3 │   <IP_MAP>
//!  4 │     <V4>10.0.0.300</V4>
//!    ·         ──────────
//!  5 │     <V6>2001:db8:0:1::10</V6>
//!    ╰────
//!   help: write each octet as a decimal number from 0 to 255
//! ```
//!
//! Related locations in the same file become extra labels. Those in another
//! file, and the location itself when its file is not among the sources, follow
//! the report as `also at FILE:LINE:COL: MESSAGE` and `at FILE:LINE:COL` lines.

use std::collections::HashMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, SourceCode};

use super::snippet::{visible, LabelRequest, Snippet};
use super::{RenderOptions, MAX_RELATED_SHOWN};
use crate::diagnostic::{Counts, Diagnostic, Location, Severity};
use crate::source::{line_starts, SourceFile};

/// The terminal width used when [`RenderOptions::width`] is `None`.
pub(super) const DEFAULT_WIDTH: usize = 80;

/// The minimum width. A narrower request is raised to it, so that wrapped text
/// keeps some room beside miette's gutter.
const MIN_WIDTH: usize = 40;

/// Columns of a snippet row taken by the line number and gutter, for lines of up
/// to ten digits.
const GUTTER_WIDTH: usize = 16;

/// The minimum number of source characters a cut snippet line keeps.
const MIN_LINE_CHARS: usize = 40;

/// Writes the reports of the first `options.max_shown` diagnostics, a line that
/// counts the rest, and the summary line.
pub(super) fn render(
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
    out: &mut dyn Write,
    options: &RenderOptions,
) -> io::Result<()> {
    let width = options.width.unwrap_or(DEFAULT_WIDTH).max(MIN_WIDTH);
    let theme = if options.color {
        GraphicalTheme::unicode()
    } else {
        GraphicalTheme::unicode_nocolor()
    };
    let handler = GraphicalReportHandler::new_themed(theme).with_width(width);
    let mut files = SourceIndex::new(sources);
    let max_line_chars = width.saturating_sub(GUTTER_WIDTH).max(MIN_LINE_CHARS);

    let shown_count = options
        .max_shown
        .map_or(diagnostics.len(), |max| max.min(diagnostics.len()));
    let (shown_diagnostics, hidden_diagnostics) = diagnostics.split_at(shown_count);
    for (index, diagnostic) in shown_diagnostics.iter().enumerate() {
        if index > 0 {
            writeln!(out)?;
        }
        let report = Report::new(diagnostic, &mut files, max_line_chars);
        let mut text = String::new();
        handler
            .render_report(&mut text, &report)
            .map_err(|_| io::Error::other(format_failure(diagnostic)))?;
        out.write_all(text.as_bytes())?;
        for note in report.notes.iter().chain(&report.trailer) {
            writeln!(out, "  {note}")?;
        }
    }

    if !diagnostics.is_empty() {
        writeln!(out)?;
    }
    if !hidden_diagnostics.is_empty() {
        writeln!(out, "{}", hidden_line(hidden_diagnostics.len()))?;
    }
    writeln!(
        out,
        "{}",
        summary_line(Counts::of(diagnostics), sources.len())
    )
}

/// Returns the line that replaces `hidden` diagnostics beyond `--max-shown`.
fn hidden_line(hidden: usize) -> String {
    let noun = if hidden == 1 { "finding" } else { "findings" };
    format!("... and {hidden} more {noun} not shown (use --max-shown 0 to show all)")
}

/// Returns the line that replaces `hidden` related places beyond [`MAX_RELATED_SHOWN`].
fn hidden_related_line(hidden: usize) -> String {
    let noun = if hidden == 1 { "place" } else { "places" };
    format!("... and {hidden} more related {noun} not shown (use --format json to list all)")
}

/// Returns the summary line: `3 errors, 1 warning` or `no findings`, followed by
/// ` (2 files read)` when there is more than one source.
fn summary_line(counts: Counts, files: usize) -> String {
    let mut parts = Vec::new();
    if counts.errors > 0 {
        parts.push(plural(counts.errors, "error"));
    }
    if counts.warnings > 0 {
        parts.push(plural(counts.warnings, "warning"));
    }
    let mut line = if parts.is_empty() {
        "no findings".to_string()
    } else {
        parts.join(", ")
    };
    if files > 1 {
        line.push_str(&format!(" ({files} files read)"));
    }
    line
}

fn plural(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("1 {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

/// The sources by name, with line indexes built on first use, so each file is
/// scanned once per render whatever the number of diagnostics.
struct SourceIndex<'a> {
    files: HashMap<&'a str, (&'a SourceFile, Option<Vec<usize>>)>,
}

impl<'a> SourceIndex<'a> {
    fn new(sources: &'a [Arc<SourceFile>]) -> SourceIndex<'a> {
        let mut files = HashMap::with_capacity(sources.len());
        for source in sources {
            files.entry(&**source.name()).or_insert((&**source, None));
        }
        SourceIndex { files }
    }

    fn get(&mut self, name: &str) -> Option<(&'a SourceFile, &[usize])> {
        let (source, starts) = self.files.get_mut(name)?;
        let source: &'a SourceFile = source;
        let starts = starts.get_or_insert_with(|| line_starts(source.text().as_bytes()));
        Some((source, starts))
    }
}

/// One diagnostic in the shape miette renders.
struct Report {
    header: String,
    severity: miette::Severity,
    message: String,
    help: Option<String>,
    snippet: Option<Snippet>,
    labels: Vec<LabeledSpan>,
    /// Lines written after the report for places outside the snippet.
    notes: Vec<String>,
    /// The line that counts related places left out, written after the notes.
    trailer: Option<String>,
}

impl Report {
    fn new(diagnostic: &Diagnostic, files: &mut SourceIndex<'_>, max_line_chars: usize) -> Report {
        let mut report = Report {
            header: format!("{}[{}]", diagnostic.severity, diagnostic.rule.code()),
            severity: match diagnostic.severity {
                Severity::Error => miette::Severity::Error,
                Severity::Warning => miette::Severity::Warning,
            },
            message: printable(&diagnostic.message),
            help: diagnostic.help.as_deref().map(printable),
            snippet: None,
            labels: Vec::new(),
            notes: Vec::new(),
            trailer: None,
        };
        let shown_count = diagnostic.related.len().min(MAX_RELATED_SHOWN);
        let (shown_related, hidden_related) = diagnostic.related.split_at(shown_count);
        if !hidden_related.is_empty() {
            report.trailer = Some(hidden_related_line(hidden_related.len()));
        }

        let Some(location) = &diagnostic.location else {
            for related in shown_related {
                report
                    .notes
                    .push(also_at(&related.location, &related.message));
            }
            return report;
        };
        let Some((source, starts)) = files.get(&location.file) else {
            report.notes.push(format!("at {}", position(location)));
            for related in shown_related {
                report
                    .notes
                    .push(also_at(&related.location, &related.message));
            }
            return report;
        };

        let mut requests = vec![LabelRequest {
            location,
            text: None,
            primary: true,
        }];
        for related in shown_related {
            if related.location.file == location.file {
                requests.push(LabelRequest {
                    location: &related.location,
                    text: Some(printable(&related.message)),
                    primary: false,
                });
            } else {
                report
                    .notes
                    .push(also_at(&related.location, &related.message));
            }
        }
        // With other labels around, the unlabelled underline would not show which
        // one the finding is about, so it carries the rule code.
        if requests.len() > 1 {
            requests[0].text = Some(diagnostic.rule.code().to_string());
        }
        let (snippet, labels) = Snippet::build(source, starts, &requests, max_line_chars);
        report.snippet = Some(snippet);
        report.labels = labels;
        report
    }
}

fn format_failure(diagnostic: &Diagnostic) -> String {
    let place = diagnostic.location.as_ref().map_or_else(
        || "without a location".to_string(),
        |location| format!("at {}", position(location)),
    );
    format!(
        "miette failed to format the {} finding {place}",
        diagnostic.rule.code()
    )
}

fn position(location: &Location) -> String {
    format!("{}:{}:{}", location.file, location.line, location.column)
}

fn also_at(location: &Location, message: &str) -> String {
    format!("also at {}: {}", position(location), printable(message))
}

/// Replaces control characters other than line feed and tab, so that a quoted
/// value cannot send escape sequences to the terminal.
fn printable(text: &str) -> String {
    text.chars()
        .map(|character| {
            if character == '\n' {
                character
            } else {
                visible(character)
            }
        })
        .collect()
}

impl fmt::Debug for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Report")
            .field("header", &self.header)
            .field("message", &self.message)
            .finish()
    }
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for Report {}

impl miette::Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.header))
    }

    fn severity(&self) -> Option<miette::Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|help| Box::new(help) as Box<dyn fmt::Display + 'a>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.snippet
            .as_ref()
            .map(|snippet| snippet as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() {
            return None;
        }
        Some(Box::new(self.labels.iter().cloned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summary_counts() {
        let counts = |errors, warnings| Counts { errors, warnings };
        assert_eq!(summary_line(counts(0, 0), 1), "no findings");
        assert_eq!(summary_line(counts(0, 0), 3), "no findings (3 files read)");
        assert_eq!(summary_line(counts(1, 0), 0), "1 error");
        assert_eq!(summary_line(counts(0, 1), 1), "1 warning");
        assert_eq!(
            summary_line(counts(3, 2), 2),
            "3 errors, 2 warnings (2 files read)"
        );
    }

    #[test]
    fn hidden_line_singular() {
        assert_eq!(
            hidden_line(1),
            "... and 1 more finding not shown (use --max-shown 0 to show all)"
        );
        assert_eq!(
            hidden_line(7),
            "... and 7 more findings not shown (use --max-shown 0 to show all)"
        );
    }

    #[test]
    fn printable_keeps_newline() {
        assert_eq!(printable("a\nb\u{1b}c\td"), "a\nb\u{241b}c\td");
    }
}
