//! JSON Lines: one object per diagnostic, in the order given, and no summary.
//!
//! The field order below is the order written. `docs/output-formats.md` is the
//! schema; a field is added there and here together, and never renamed.

use std::io::{self, Write};

use serde::Serialize;

use crate::diagnostic::{Diagnostic, Location};

/// One diagnostic. The five location fields are all null when it has no location.
#[derive(Serialize)]
struct JsonDiagnostic<'a> {
    file: Option<&'a str>,
    line: Option<u32>,
    column: Option<u32>,
    offset: Option<usize>,
    length: Option<usize>,
    code: &'static str,
    severity: &'static str,
    message: &'a str,
    help: Option<&'a str>,
    related: Vec<JsonRelated<'a>>,
}

/// A related location; it always has a place.
#[derive(Serialize)]
struct JsonRelated<'a> {
    file: &'a str,
    line: u32,
    column: u32,
    offset: usize,
    length: usize,
    message: &'a str,
}

pub(super) fn render(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in diagnostics {
        let location: Option<&Location> = diagnostic.location.as_ref();
        let object = JsonDiagnostic {
            file: location.map(|location| &*location.file),
            line: location.map(|location| location.line),
            column: location.map(|location| location.column),
            offset: location.map(|location| location.offset),
            length: location.map(|location| location.length),
            code: diagnostic.rule.code(),
            severity: diagnostic.severity.as_str(),
            message: &diagnostic.message,
            help: diagnostic.help.as_deref(),
            related: diagnostic
                .related
                .iter()
                .map(|related| JsonRelated {
                    file: &related.location.file,
                    line: related.location.line,
                    column: related.location.column,
                    offset: related.location.offset,
                    length: related.location.length,
                    message: &related.message,
                })
                .collect(),
        };
        serde_json::to_writer(&mut *out, &object)?;
        out.write_all(b"\n")?;
    }
    Ok(())
}
