//! GitHub Actions workflow commands, one line per diagnostic:
//! `::error file=F,line=L,col=C,title=CODE::MESSAGE. help: HELP`.
//!
//! GitHub decodes `%25`, `%0D` and `%0A` in the message, and also `%3A` and
//! `%2C` in property values, where a raw `:` or `,` would end the value.

use std::io::{self, Write};

use super::{message_with_help, MAX_RELATED_SHOWN};
use crate::diagnostic::{Diagnostic, Severity};

pub(super) fn render(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    for diagnostic in diagnostics {
        writeln!(out, "{}", annotation(diagnostic))?;
    }
    Ok(())
}

/// Returns the workflow command for one diagnostic. Related locations, which an
/// annotation has no field for, are appended to the message as
/// `also at FILE:LINE:COL: MESSAGE` sentences, at most [`MAX_RELATED_SHOWN`] of
/// them, then `and N more related places`.
fn annotation(diagnostic: &Diagnostic) -> String {
    let command = match diagnostic.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let mut properties = Vec::new();
    if let Some(location) = &diagnostic.location {
        properties.push(format!("file={}", escape_property(&location.file)));
        properties.push(format!("line={}", location.line));
        properties.push(format!("col={}", location.column));
    }
    properties.push(format!("title={}", escape_property(diagnostic.rule.code())));

    let mut message = message_with_help(diagnostic);
    for related in diagnostic.related.iter().take(MAX_RELATED_SHOWN) {
        let location = &related.location;
        message.push_str(&format!(
            ". also at {}:{}:{}: {}",
            location.file, location.line, location.column, related.message
        ));
    }
    let hidden = diagnostic.related.len().saturating_sub(MAX_RELATED_SHOWN);
    if hidden > 0 {
        let noun = if hidden == 1 { "place" } else { "places" };
        message.push_str(&format!(". and {hidden} more related {noun}"));
    }
    format!(
        "::{command} {}::{}",
        properties.join(","),
        escape_data(&message)
    )
}

/// Escapes a message: `%`, CR and LF.
fn escape_data(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '%' => escaped.push_str("%25"),
            '\r' => escaped.push_str("%0D"),
            '\n' => escaped.push_str("%0A"),
            _ => escaped.push(character),
        }
    }
    escaped
}

/// Escapes a property value: as a message, plus `:` and `,`.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn data_escaping() {
        assert_eq!(escape_data("100% a:b,c\r\nd"), "100%25 a:b,c%0D%0Ad");
    }

    #[test]
    fn property_escaping() {
        assert_eq!(escape_property("a%:b,c\n"), "a%25%3Ab%2Cc%0A");
    }
}
