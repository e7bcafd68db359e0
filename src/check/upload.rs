//! Checks that belong to upload files only: the form header, characters that
//! form decoding would change inside the `xml_data` value, and line ends.

use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::form::{self, Action, DataField, FormField};
use crate::source::SourceFile;

/// The parameters the add and remove actions document.
const KNOWN_PARAMETERS: [&str; 5] = [
    "action",
    "echo_request",
    "all_or_nothing",
    "xml_data",
    "csv_data",
];

/// The number of form-unsafe characters reported one by one in a file; the
/// rest are counted in one summary.
pub(crate) const MAX_UNSAFE_REPORTED: usize = 100;

/// The action, data field and data position that the form header gives.
#[derive(Debug)]
pub(crate) struct HeaderSummary {
    /// The action, when the header names a valid one (the last one, as Qualys keeps it).
    pub action: Option<Action>,
    /// The data field, when there is one.
    pub data: Option<DataField>,
    /// The byte offset where the data starts.
    pub body_start: usize,
}

fn quote(text: &str) -> String {
    format!("'{}'", text.escape_debug())
}

/// Checks the form header at the start of `file` and returns its summary.
pub(crate) fn check_header(file: &SourceFile, out: &mut Vec<Diagnostic>) -> HeaderSummary {
    let text = file.text();
    let header = form::parse_header(text);
    let error = |message: String, help: &str, start: usize, length: usize| {
        Diagnostic::new(Rule::FormHeader, message)
            .with_help(help.to_string())
            .at(file.location(start, length))
    };

    if text.starts_with('\u{FEFF}') {
        out.push(error(
            "the file starts with a UTF-8 byte-order mark, so the server reads the first parameter name as '\\u{feff}action', not 'action'"
                .into(),
            "save the file as UTF-8 without a byte-order mark",
            0,
            3,
        ));
    }

    let mut action = None;
    let mut seen: Vec<&FormField> = Vec::new();
    for field in &header.fields {
        check_field(file, field, &mut action, out);
        if let Some(first) = seen.iter().find(|earlier| earlier.name == field.name) {
            let (_, column) = file.line_column(first.name_range.start);
            out.push(error(
                format!(
                    "parameter {} is repeated (first at column {column}); Qualys silently keeps only the last value",
                    quote(&field.name)
                ),
                "keep one occurrence of each parameter",
                field.name_range.start,
                field.name_range.len(),
            ));
        }
        seen.push(field);
    }

    let field_named = |wanted: &str| {
        header
            .fields
            .iter()
            .rev()
            .find(|field| field.name.trim_start_matches('\u{FEFF}') == wanted)
    };
    if field_named("action").is_none() {
        out.push(error(
            "the form header has no action parameter".into(),
            "start the file with action=add&xml_data= or action=remove&xml_data=",
            0,
            0,
        ));
    }
    if action == Some(Action::Remove) {
        if let Some(field) = field_named("all_or_nothing") {
            out.push(error(
                "all_or_nothing is documented only for action=add, not for action=remove".into(),
                "delete the all_or_nothing parameter from remove uploads",
                field.name_range.start,
                field.value_range.end - field.name_range.start,
            ));
        }
    }

    match &header.data {
        None => out.push(error(
            "the form header has no xml_data= parameter, so the server receives no records".into(),
            "end the header with xml_data=, directly before the XML: action=add&xml_data=",
            header.body_start,
            0,
        )),
        Some((DataField::Csv, field)) => check_csv_data(file, field, out),
        Some((DataField::Xml, _)) => {}
    }

    HeaderSummary {
        action,
        data: header.data.as_ref().map(|(kind, _)| *kind),
        body_start: header.body_start,
    }
}

fn check_field(
    file: &SourceFile,
    field: &FormField,
    action: &mut Option<Action>,
    out: &mut Vec<Diagnostic>,
) {
    let whole = field.name_range.start..field.value_range.end.max(field.name_range.end);
    let error = |message: String, help: &str| {
        Diagnostic::new(Rule::FormHeader, message)
            .with_help(help.to_string())
            .at(file.location(whole.start, whole.len()))
    };
    let name = field.name.trim_start_matches('\u{FEFF}');
    if !KNOWN_PARAMETERS.contains(&name) {
        out.push(error(
            format!("unknown form parameter {}", quote(&field.name)),
            "add and remove accept action, echo_request, all_or_nothing, and one of xml_data or csv_data; Qualys answers \
             any other parameter with error 1901 (unrecognized parameter)",
        ));
        return;
    }
    if !field.has_equals {
        out.push(error(
            format!("parameter '{name}' has no '=' and no value"),
            "write the parameter as name=value",
        ));
        return;
    }
    let value = field.value.as_str();
    match name {
        "action" => match value {
            "add" => *action = Some(Action::Add),
            "remove" => *action = Some(Action::Remove),
            "list" => {
                *action = None;
                out.push(error(
                    "action=list lists records and takes no upload data".into(),
                    "use action=add or action=remove in an upload file",
                ));
            }
            _ => {
                *action = None;
                out.push(error(
                    format!(
                        "invalid action {}: expected 'add' or 'remove'",
                        quote(value)
                    ),
                    "write action=add or action=remove, with nothing else before the next '&'",
                ));
            }
        },
        "all_or_nothing" | "echo_request" if value != "0" && value != "1" => out.push(error(
            format!("invalid {name} value {}: expected 0 or 1", quote(value)),
            &format!("write {name}=0 or {name}=1"),
        )),
        _ => {}
    }
}

/// Reports that a `csv_data` upload is not checked, and a second data field after it.
fn check_csv_data(file: &SourceFile, field: &FormField, out: &mut Vec<Diagnostic>) {
    out.push(
        Diagnostic::new(
            Rule::FormHeader,
            "the upload sends csv_data, whose layout Qualys does not document, so v6map does not check its records",
        )
        .with_help("generate an xml_data upload with v6map generate; v6map checks those")
        .with_severity(Severity::Warning)
        .at(file.location(field.name_range.start, field.name_range.len())),
    );
    let text = file.text();
    let value_start = field.value_range.start;
    let rest = &text[field.value_range.clone()];
    for (index, _) in rest.match_indices('&') {
        let segment = &rest[index + 1..];
        let name = &segment[..segment.find(['=', '&']).unwrap_or(segment.len())];
        let decoded = form::percent_decode(name).0;
        if decoded == "xml_data" || decoded == "csv_data" {
            out.push(
                Diagnostic::new(
                    Rule::FormHeader,
                    format!("the upload sends both csv_data and {decoded}; Qualys takes exactly one of xml_data and csv_data"),
                )
                .with_help("keep one data parameter, as the last parameter of the body")
                .at(file.location(value_start + index + 1, name.len())),
            );
        }
    }
}

/// Reports an xml_data value that is percent-encoded as a whole (it starts
/// with `%3C`, an encoded `<`). The server decodes it, but v6map checks only
/// unencoded XML, so its records are not checked.
pub(crate) fn encoded_value(file: &SourceFile, value_start: usize) -> Option<Diagnostic> {
    let value = file.text().get(value_start..)?;
    let trimmed = value.trim_start_matches([' ', '\t', '\r', '\n']);
    let prefix = trimmed.get(..3)?;
    if !prefix.eq_ignore_ascii_case("%3C") {
        return None;
    }
    let offset = value_start + value.len() - trimmed.len();
    Some(
        Diagnostic::new(
            Rule::FormHeader,
            "the xml_data value is percent-encoded, so v6map does not check its XML or its records",
        )
        .with_help(
            "write the XML unencoded after xml_data=, as Qualys's samples do (v6map generate writes it so), \
             and v6map checks it fully",
        )
        .with_severity(Severity::Warning)
        .at(file.location(offset, 3)),
    )
}

/// Reports a file that looks like an upload but has no form header.
pub(crate) fn missing_header(file: &SourceFile) -> Diagnostic {
    Diagnostic::new(
        Rule::FormHeader,
        "the file is an IP_MAP_LIST without the form header, so Qualys would not know what to do with it",
    )
    .with_help("start the file with action=add&xml_data= (or action=remove&xml_data=) directly before <IP_MAP_LIST>")
    .at(file.location(0, 0))
}

/// Shortens text for a message: the start and the end around an ellipsis.
fn excerpt(text: &str, limit: usize) -> String {
    let characters: Vec<char> = text.chars().collect();
    if characters.len() <= limit {
        return text.escape_debug().to_string();
    }
    let half = limit / 2;
    let head: String = characters[..half].iter().collect();
    let tail: String = characters[characters.len() - half..].iter().collect();
    format!("{}…{}", head.escape_debug(), tail.escape_debug())
}

/// Returns the word around `index`: the run of characters that are not
/// whitespace, `<` or `>`, at most about 40 bytes each side.
fn word_around(text: &str, index: usize) -> (usize, &str) {
    let is_boundary = |c: char| c.is_whitespace() || c == '<' || c == '>';
    let mut start = index;
    for (position, character) in text[..index].char_indices().rev() {
        if is_boundary(character) || index - position > 40 {
            break;
        }
        start = position;
    }
    let mut end = index;
    for (position, character) in text[index..].char_indices() {
        if (is_boundary(character) && position > 0) || position > 40 {
            break;
        }
        end = index + position + character.len_utf8();
    }
    (start, &text[start..end])
}

/// Scans the xml_data value (from `value_start` to the end of the file) for
/// characters that form decoding changes, and the whole file for bare CR line
/// ends.
pub(crate) fn check_body(file: &SourceFile, value_start: usize, out: &mut Vec<Diagnostic>) {
    let text = file.text();
    let bytes = text.as_bytes();
    let value = bytes.get(value_start..).unwrap_or_default();
    let mut reported = 0usize;
    let mut unreported = 0usize;
    let mut unreported_error = false;
    let mut first_ampersand = true;

    // Two sorted streams of candidates, merged so that the first ones in the
    // file are the ones reported.
    let mut errors = memchr::memchr3_iter(b'&', b'%', b'#', value)
        .map(|index| value_start + index)
        .peekable();
    let mut pluses = memchr::memchr_iter(b'+', value)
        .map(|index| value_start + index)
        .peekable();
    loop {
        let index = match (errors.peek(), pluses.peek()) {
            (Some(&error), Some(&plus)) if plus < error => pluses.next(),
            (Some(_), _) => errors.next(),
            (None, Some(_)) => pluses.next(),
            (None, None) => None,
        };
        let Some(index) = index else {
            break;
        };
        let byte = bytes[index];
        let severity = if byte == b'+' {
            Severity::Warning
        } else {
            Severity::Error
        };
        if reported >= MAX_UNSAFE_REPORTED {
            unreported += 1;
            unreported_error |= severity == Severity::Error;
            continue;
        }
        reported += 1;
        let diagnostic = match byte {
            b'&' => {
                let diagnostic = ampersand(text, value_start, index, first_ampersand);
                first_ampersand = false;
                diagnostic
            }
            b'%' => percent(text, index),
            b'+' => plus(text, index),
            _ => Diagnostic::new(
                Rule::FormUnsafeCharacter,
                "raw '#' in the xml_data value: the Qualys API rejects a request body with an unencoded '#'",
            )
            .with_help("delete the '#', or write it as %23"),
        };
        out.push(
            diagnostic
                .with_severity(severity)
                .at(file.location(index, 1)),
        );
    }

    let mut bare_cr =
        memchr::memchr_iter(b'\r', bytes).filter(|&index| bytes.get(index + 1) != Some(&b'\n'));
    let first_bare_cr = bare_cr.next();
    let bare_cr_count = first_bare_cr.map_or(0, |_| 1 + bare_cr.count());

    if unreported > 0 {
        out.push(
            Diagnostic::new(
                Rule::FormUnsafeCharacter,
                format!(
                    "{unreported} more raw '&', '%', '#' or '+' characters in the xml_data value are not listed; \
                     only the first {MAX_UNSAFE_REPORTED} are"
                ),
            )
            .with_help("remove these characters from the XML; comments are the usual place they hide")
            .with_severity(if unreported_error { Severity::Error } else { Severity::Warning })
            .at(file.location(value_start, 0)),
        );
    }
    if let Some(offset) = first_bare_cr {
        let lines = if bare_cr_count == 1 {
            "1 line ends".to_string()
        } else {
            format!("{bare_cr_count} lines end")
        };
        out.push(
            Diagnostic::new(
                Rule::BareCr,
                format!("{lines} with a bare CR (carriage return without line feed), as old Mac OS files do"),
            )
            .with_help(
                "convert the line ends to LF, and upload with `curl --data-binary @file`, which sends the file unchanged; \
                 `curl -d @file` strips CR and LF and has handled bare CR differently across versions",
            )
            .at(file.location(offset, 1)),
        );
    }
}

fn ampersand(text: &str, value_start: usize, index: usize, first: bool) -> Diagnostic {
    let after = &text[index + 1..];
    let entity_length = after
        .bytes()
        .take(12)
        .position(|byte| byte == b';')
        .filter(|&length| {
            length > 0
                && after.as_bytes()[..length]
                    .iter()
                    .all(|&byte| byte.is_ascii_alphanumeric() || byte == b'#')
        });
    let part = entity_length.map_or(String::new(), |length| {
        format!(" (part of '&{}')", &after[..=length])
    });
    let name_end = after.find(['=', '&']).unwrap_or(after.len());
    let parameter = excerpt(&after[..name_end], 40);
    let known = KNOWN_PARAMETERS.contains(&form::percent_decode(&after[..name_end]).0.as_str());
    let mut message = if first {
        let received = excerpt(&text[value_start..index], 40);
        format!(
            "raw '&' in the xml_data value{part}: form decoding ends the field here, so the server receives '{received}' \
             as xml_data and reads the rest as a parameter named '{parameter}'"
        )
    } else {
        format!("raw '&' in the xml_data value{part}: form decoding splits the body here again and starts a parameter named '{parameter}'")
    };
    if known {
        message.push_str("; xml_data must be the last parameter");
    }
    Diagnostic::new(Rule::FormUnsafeCharacter, message).with_help(
        "an upload's XML must not contain '&': delete it (a comment can go entirely), or percent-encode it as %26",
    )
}

fn percent(text: &str, index: usize) -> Diagnostic {
    let (_, word) = word_around(text, index);
    match form::percent_escape(text.as_bytes(), index) {
        Some(value) => {
            let escape = &text[index..index + 3];
            let decoded = form::percent_decode(word).0;
            Diagnostic::new(
                Rule::FormUnsafeCharacter,
                format!(
                    "'{escape}' in the xml_data value is a percent escape: the server decodes '{}' to '{}'",
                    word.escape_debug(),
                    decoded.escape_debug()
                ),
            )
            .with_help(format!(
                "write the character itself ('{}') if it is safe in a form body, or remove it; a literal '%' is written %25",
                char::from(value).escape_debug()
            ))
        }
        None => {
            let sequence: String = text[index..].chars().take(3).collect();
            Diagnostic::new(
                Rule::FormUnsafeCharacter,
                format!(
                    "raw '%' in the xml_data value ('{}', in '{}') does not start a valid escape: servers differ, some keep it and some reject the request",
                    sequence.escape_debug(),
                    word.escape_debug()
                ),
            )
            .with_help("remove the '%', or write it as %25")
        }
    }
}

fn plus(text: &str, index: usize) -> Diagnostic {
    let (word_start, word) = word_around(text, index);
    let decoded: String = word
        .char_indices()
        .map(|(position, character)| {
            if word_start + position == index {
                ' '
            } else {
                character
            }
        })
        .collect();
    Diagnostic::new(
        Rule::FormUnsafeCharacter,
        format!(
            "raw '+' in the xml_data value is decoded as a space: the server reads '{}' as '{}'",
            word.escape_debug(),
            decoded.escape_debug()
        ),
    )
    .with_help("remove the '+', or write it as %2B")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str) -> Vec<Diagnostic> {
        let file = SourceFile::new("t.txt", text.to_string());
        let mut out = Vec::new();
        check_body(
            &file,
            text.find("xml_data=").map_or(0, |index| index + 9),
            &mut out,
        );
        out
    }

    fn header(text: &str) -> (HeaderSummary, Vec<Diagnostic>) {
        let file = SourceFile::new("t.txt", text.to_string());
        let mut out = Vec::new();
        (check_header(&file, &mut out), out)
    }

    #[test]
    fn clean_header() {
        let (summary, out) =
            header("action=add&all_or_nothing=1&echo_request=0&xml_data=\n<IP_MAP_LIST/>");
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(summary.action, Some(Action::Add));
        assert_eq!(summary.data, Some(DataField::Xml));
    }

    #[test]
    fn header_errors() {
        let cases = [
            ("xml_data=<X/>", "no action parameter"),
            ("action=list&xml_data=<X/>", "action=list"),
            ("action=ad&xml_data=<X/>", "invalid action 'ad'"),
            (
                "action=add&foo=1&xml_data=<X/>",
                "unknown form parameter 'foo'",
            ),
            (
                "action=add&all_or_nothing=2&xml_data=<X/>",
                "invalid all_or_nothing value '2'",
            ),
            (
                "action=add&echo_request=yes&xml_data=<X/>",
                "invalid echo_request value 'yes'",
            ),
            (
                "action=remove&all_or_nothing=1&xml_data=<X/>",
                "only for action=add",
            ),
            (
                "action=add&action=remove&xml_data=<X/>",
                "parameter 'action' is repeated",
            ),
            ("action=add\n<IP_MAP_LIST/>", "no xml_data= parameter"),
            ("action&xml_data=<X/>", "has no '='"),
        ];
        for (text, expected) in cases {
            let (_, out) = header(text);
            assert!(
                out.iter()
                    .any(|d| d.rule == Rule::FormHeader && d.message.contains(expected)),
                "{text:?}: {out:#?}"
            );
        }
    }

    #[test]
    fn repeated_action_keeps_last() {
        let (summary, _) = header("action=add&action=remove&xml_data=<X/>");
        assert_eq!(summary.action, Some(Action::Remove));
        let (summary, _) = header("action=add&action=ad&xml_data=<X/>");
        assert_eq!(summary.action, None);
    }

    #[test]
    fn encoded_header_values_decoded() {
        let (summary, out) = header("action=a%64d&xml_data=<X/>");
        assert!(out.is_empty(), "{out:?}");
        assert_eq!(summary.action, Some(Action::Add));
    }

    #[test]
    fn csv_data_not_checked() {
        let (summary, out) = header("action=add&csv_data=0.0.0.1,2001:db8::1&xml_data=<X/>");
        assert_eq!(summary.data, Some(DataField::Csv));
        assert_eq!(out[0].severity, Severity::Warning);
        assert!(
            out[1].message.contains("both csv_data and xml_data"),
            "{out:?}"
        );
    }

    #[test]
    fn plus_decoded_as_space() {
        let out = body("action=add&xml_data=<ID>rack+7</ID>");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].severity, Severity::Warning);
        assert!(
            out[0].message.contains("reads 'rack+7' as 'rack 7'"),
            "{}",
            out[0].message
        );
    }

    #[test]
    fn percent_escape_decoded() {
        let out = body("action=add&xml_data=<ID>rack%2B8</ID><!-- 100% lab -->");
        assert_eq!(out.len(), 2);
        assert!(
            out[0].message.contains("decodes 'rack%2B8' to 'rack+8'"),
            "{}",
            out[0].message
        );
        assert!(out[1].message.contains("('% l'"), "{}", out[1].message);
    }

    #[test]
    fn ampersand_names_what_server_receives() {
        let out = body("action=add&xml_data=<A><!-- R&amp;D --></A>&echo_request=1");
        assert_eq!(out.len(), 2);
        assert!(
            out[0].message.contains("receives '<A><!-- R' as xml_data"),
            "{}",
            out[0].message
        );
        assert!(
            out[0].message.contains("(part of '&amp;')"),
            "{}",
            out[0].message
        );
        assert!(
            out[1].message.contains("named 'echo_request'"),
            "{}",
            out[1].message
        );
        assert!(
            out[1].message.contains("must be the last parameter"),
            "{}",
            out[1].message
        );
    }

    #[test]
    fn header_characters_not_scanned() {
        assert!(body("action=add&echo_request=1&xml_data=<A/>").is_empty());
    }

    #[test]
    fn unsafe_characters_capped() {
        let text = format!(
            "action=add&xml_data=<A>{}</A>",
            "#".repeat(MAX_UNSAFE_REPORTED + 5)
        );
        let out = body(&text);
        assert_eq!(out.len(), MAX_UNSAFE_REPORTED + 1);
        assert!(out[MAX_UNSAFE_REPORTED].message.starts_with("5 more"));
    }

    #[test]
    fn bare_cr_reported_once() {
        let out = body("action=add&xml_data=\r<A>\r</A>\r\n");
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].rule, Rule::BareCr);
        assert!(out[0].message.starts_with("2 lines end"));
    }
}
