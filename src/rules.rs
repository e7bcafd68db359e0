//! The value rules shared by `generate` and `check`: one function a field, each
//! turning an address finding into a diagnostic at the value's location.

use std::net::{Ipv4Addr, Ipv6Addr};

use crate::address::{self, AddressFinding};
use crate::diagnostic::{Diagnostic, Location, Rule, Severity};
use crate::source::SourceFile;

/// The position of a value in its file, so that findings point at the right bytes.
#[derive(Clone, Copy, Debug)]
pub struct ValueSite<'a> {
    /// The file the value was read from.
    pub file: &'a SourceFile,
    /// Byte offset of the value's raw text in the file.
    pub offset: usize,
    /// Byte length of the value's raw text in the file.
    pub length: usize,
    /// True when the value is a verbatim copy of those bytes. A value that was
    /// unescaped (a quoted CSV field with `""`, a JSON string with `\u` escapes,
    /// XML text with entities) is located at its whole span instead.
    pub verbatim: bool,
    /// The value's name in messages, for example `column IPv4` or `element V6`.
    pub label: &'a str,
    /// The highest severity a finding may have. Checks of Qualys's own responses
    /// pass `Severity::Warning`, because such a finding is suspicious, not fatal.
    pub max_severity: Severity,
}

impl ValueSite<'_> {
    /// Returns the location of `length` bytes at `start` within the value.
    pub fn location(&self, start: usize, length: usize) -> Location {
        if self.verbatim && start + length <= self.length {
            self.file.location(self.offset + start, length)
        } else {
            self.file.location(self.offset, self.length)
        }
    }

    fn diagnostic(&self, finding: AddressFinding, start: usize, length: usize) -> Diagnostic {
        Diagnostic::new(
            finding.rule,
            format!("{} ({})", finding.message, self.label),
        )
        .with_help(finding.help)
        .at(self.location(start, length))
        .with_severity(finding.rule.default_severity().min(self.max_severity))
    }
}

/// Cuts a value quoted in a message to its first 60 characters, so a huge
/// field cannot make a huge message.
fn shorten(value: &str) -> std::borrow::Cow<'_, str> {
    match value.char_indices().nth(60) {
        Some((end, _)) => format!("{}...", &value[..end]).into(),
        None => value.into(),
    }
}

/// The help of `whitespace-in-value`. Whether Qualys trims values is not
/// documented, so the help does not promise it.
pub const WHITESPACE_HELP: &str = "remove the spaces, tabs or line breaks around the value; \
generate writes values trimmed, but whether Qualys trims them is not documented";

/// Trims a value and reports surrounding or missing text. Returns the trimmed
/// value and its offset within `raw`, or `None` when the value is empty.
fn trim_value<'v>(
    raw: &'v str,
    kind: &str,
    site: &ValueSite,
    out: &mut Vec<Diagnostic>,
) -> Option<(&'v str, usize)> {
    let (trimmed, start) = address::trim_ascii_whitespace(raw);
    if trimmed.is_empty() {
        out.push(
            Diagnostic::new(Rule::EmptyValue, format!("{kind} is empty ({})", site.label))
                .with_help(format!("every record needs both a V4 and a V6 address; fill in the {kind} or delete the record"))
                .at(site.location(0, raw.len()))
                .with_severity(Rule::EmptyValue.default_severity().min(site.max_severity)),
        );
        return None;
    }
    if trimmed.len() != raw.len() {
        out.push(
            Diagnostic::new(
                Rule::WhitespaceInValue,
                format!(
                    "{kind} '{}' has whitespace around it ({})",
                    shorten(trimmed),
                    site.label
                ),
            )
            .with_help(WHITESPACE_HELP)
            .at(site.location(0, raw.len())),
        );
    }
    Some((trimmed, start))
}

/// Checks a V4 value: syntax, then Qualys's mapping range. Returns the address
/// when no finding of error severity was pushed.
pub fn check_v4(raw: &str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<Ipv4Addr> {
    let (value, start) = trim_value(raw, "V4", site, out)?;
    let address = match address::parse_v4(value) {
        Ok(address) => address,
        Err(finding) => {
            out.push(site.diagnostic(finding, start, value.len()));
            return None;
        }
    };
    if let Some(finding) = address::check_v4_range(address) {
        let diagnostic = site.diagnostic(finding, start, value.len());
        let is_error = diagnostic.is_error();
        out.push(diagnostic);
        if is_error {
            return None;
        }
    }
    Some(address)
}

/// Checks a V6 value: syntax, then special-use, link-local and documentation
/// ranges. Returns the address when no finding of error severity was pushed.
pub fn check_v6(raw: &str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<Ipv6Addr> {
    let (value, start) = trim_value(raw, "V6", site, out)?;
    let address = match address::parse_v6(value) {
        Ok(address) => address,
        Err(finding) => {
            out.push(site.diagnostic(finding, start, value.len()));
            return None;
        }
    };
    if let Some(finding) = address::classify_v6_written(address, Some(value)) {
        let diagnostic = site.diagnostic(finding, start, value.len());
        let is_error = diagnostic.is_error();
        out.push(diagnostic);
        if is_error {
            return None;
        }
    }
    Some(address)
}

/// The characters that form encoding (`application/x-www-form-urlencoded`)
/// would change: `&` ends the field, `+` becomes a space, `%` starts an escape,
/// and Qualys rejects a raw `#`.
pub const FORM_UNSAFE: [char; 4] = ['&', '+', '%', '#'];

/// Checks a custom ID that will be written into an upload file. Returns the
/// trimmed ID, or `None` when it cannot be written safely.
pub fn check_id<'v>(raw: &'v str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<&'v str> {
    let (value, start) = address::trim_ascii_whitespace(raw);
    if value.len() != raw.len() && !value.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::WhitespaceInValue,
                format!(
                    "ID '{}' has whitespace around it ({})",
                    shorten(value),
                    site.label
                ),
            )
            .with_help(WHITESPACE_HELP)
            .at(site.location(0, raw.len())),
        );
    }
    if let Some((index, character)) = value
        .char_indices()
        .find(|(_, c)| FORM_UNSAFE.contains(c) || matches!(c, '<' | '>'))
    {
        let reason = match character {
            '&' => "form encoding ends the xml_data field at '&'",
            '+' => "form encoding turns '+' into a space",
            '%' => "form encoding reads '%' as the start of an escape",
            '#' => "Qualys rejects a raw '#' in the request body",
            _ => "'<' and '>' would break the XML",
        };
        let rule = if matches!(character, '<' | '>') {
            Rule::InventoryFormat
        } else {
            Rule::FormUnsafeCharacter
        };
        out.push(
            Diagnostic::new(rule, format!("ID '{}' contains '{character}': {reason} ({})", shorten(value), site.label))
                .with_help("Qualys does not save custom IDs: drop --keep-ids, or change the ID to letters, digits, '-', '_' and '.'")
                .at(site.location(start + index, character.len_utf8()))
                .with_severity(Severity::Error.min(site.max_severity)),
        );
        return None;
    }
    Some(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site<'a>(file: &'a SourceFile, offset: usize, length: usize) -> ValueSite<'a> {
        ValueSite {
            file,
            offset,
            length,
            verbatim: true,
            label: "column IPv4",
            max_severity: Severity::Error,
        }
    }

    #[test]
    fn trimmed_value_warns_and_parses() {
        let file = SourceFile::new("t.csv", "v4\n 0.0.0.51 \n".to_string());
        let mut out = Vec::new();
        let address = check_v4(" 0.0.0.51 ", &site(&file, 3, 10), &mut out);
        assert_eq!(address, Some(Ipv4Addr::new(0, 0, 0, 51)));
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, Rule::WhitespaceInValue);
        assert_eq!(out[0].location.as_ref().unwrap().line, 2);
    }

    #[test]
    fn invalid_value_points_at_trimmed_text() {
        let file = SourceFile::new("t.csv", "v4\n 0.0.0.010\n".to_string());
        let mut out = Vec::new();
        assert_eq!(check_v4(" 0.0.0.010", &site(&file, 3, 10), &mut out), None);
        let invalid = out.iter().find(|d| d.rule == Rule::InvalidV4).unwrap();
        let location = invalid.location.as_ref().unwrap();
        assert_eq!((location.line, location.column, location.length), (2, 2, 9));
        assert!(
            invalid.message.ends_with("(column IPv4)"),
            "{}",
            invalid.message
        );
    }

    #[test]
    fn out_of_range_capped_for_responses() {
        let file = SourceFile::new("t.xml", "192.0.2.1".to_string());
        let mut out = Vec::new();
        let mut response_site = site(&file, 0, 9);
        response_site.max_severity = Severity::Warning;
        assert!(check_v4("192.0.2.1", &response_site, &mut out).is_some());
        assert_eq!(out[0].rule, Rule::V4OutOfRange);
        assert_eq!(out[0].severity, Severity::Warning);
    }

    #[test]
    fn empty_value_is_error() {
        let file = SourceFile::new("t.csv", "  ".to_string());
        let mut out = Vec::new();
        assert_eq!(check_v6("  ", &site(&file, 0, 2), &mut out), None);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, Rule::EmptyValue);
    }

    #[test]
    fn id_with_plus_rejected() {
        let file = SourceFile::new("t.csv", "rack+7".to_string());
        let mut out = Vec::new();
        assert_eq!(check_id("rack+7", &site(&file, 0, 6), &mut out), None);
        assert_eq!(out[0].rule, Rule::FormUnsafeCharacter);
        assert_eq!(out[0].location.as_ref().unwrap().column, 5);
    }
}
