//! SARIF 2.1.0: one log with one run, listing every rule of [`Rule::ALL`] and
//! one result per diagnostic, in the order given.

use std::io::{self, Write};

use serde_json::{json, Value};

use super::message_with_help;
use crate::diagnostic::{Diagnostic, Location, Rule, Severity};

/// The schema of SARIF 2.1.0 with its first errata, as OASIS publishes it.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(super) fn render(diagnostics: &[Diagnostic], out: &mut dyn Write) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(diagnostics))?;
    out.write_all(b"\n")
}

/// Builds the SARIF log.
fn log(diagnostics: &[Diagnostic]) -> Value {
    let rules: Vec<Value> = Rule::ALL
        .iter()
        .map(|rule| {
            json!({
                "id": rule.code(),
                "shortDescription": { "text": rule.summary() },
                "defaultConfiguration": { "level": level(rule.default_severity()) },
            })
        })
        .collect();
    let results: Vec<Value> = diagnostics.iter().map(result).collect();
    json!({
        "$schema": SCHEMA,
        "version": "2.1.0",
        "runs": [{
            "tool": {
                "driver": {
                    "name": "v6map",
                    "version": env!("CARGO_PKG_VERSION"),
                    "rules": rules,
                }
            },
            // Location::column counts characters, not the UTF-16 code units that
            // SARIF assumes by default.
            "columnKind": "unicodeCodePoints",
            "results": results,
        }]
    })
}

fn result(diagnostic: &Diagnostic) -> Value {
    let rule_index = Rule::ALL.iter().position(|rule| *rule == diagnostic.rule);
    let mut result = json!({
        "ruleId": diagnostic.rule.code(),
        "ruleIndex": rule_index,
        "level": level(diagnostic.severity),
        "message": { "text": message_with_help(diagnostic) },
        "locations": diagnostic.location.iter().map(physical_location).collect::<Vec<_>>(),
    });
    if !diagnostic.related.is_empty() {
        let related: Vec<Value> = diagnostic
            .related
            .iter()
            .enumerate()
            .map(|(index, related)| {
                let mut location = physical_location(&related.location);
                location["id"] = json!(index);
                location["message"] = json!({ "text": related.message });
                location
            })
            .collect();
        result["relatedLocations"] = Value::Array(related);
    }
    result
}

fn physical_location(location: &Location) -> Value {
    json!({
        "physicalLocation": {
            "artifactLocation": { "uri": file_uri(&location.file) },
            "region": {
                "startLine": location.line,
                "startColumn": location.column,
                "byteOffset": location.offset,
                "byteLength": location.length,
            }
        }
    })
}

fn level(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// Turns a file name into a relative URI reference: `/` separates segments and
/// every byte other than an RFC 3986 unreserved character is percent-encoded.
/// On Windows a `\` separates segments too.
fn file_uri(name: &str) -> String {
    let mut uri = String::with_capacity(name.len());
    for byte in name.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                uri.push(byte as char)
            }
            b'\\' if cfg!(windows) => uri.push('/'),
            _ => uri.push_str(&format!("%{byte:02X}")),
        }
    }
    uri
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uri_encoding() {
        assert_eq!(file_uri("dir/add.xml"), "dir/add.xml");
        assert_eq!(file_uri("my file%.xml"), "my%20file%25.xml");
        assert_eq!(file_uri("<stdin>"), "%3Cstdin%3E");
        assert_eq!(file_uri("é.xml"), "%C3%A9.xml");
        assert_eq!(file_uri("C:x"), "C%3Ax");
    }
}
