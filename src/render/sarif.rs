//! SARIF 2.1.0: one log with one run, listing every rule of [`Rule::ALL`] and
//! one result per diagnostic, in the order given.

use std::io::{self, Write};

use serde::Serialize;

use super::message_with_help;
use crate::diagnostic::{Diagnostic, Location, Rule, Severity};

/// The schema of SARIF 2.1.0 with its first errata, as OASIS publishes it.
const SCHEMA: &str =
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json";

pub(super) fn render(
    diagnostics: &[Diagnostic],
    failures: &[String],
    out: &mut dyn Write,
) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, &log(diagnostics, failures))?;
    out.write_all(b"\n")
}

// The log is serialized from borrowing structs rather than built as a
// `serde_json::Value`, whose tree took about 7 KB a related location: 1.5 GB
// for one finding with 200,000 related places. Fields are declared in
// alphabetical order, the order a `Value` map writes them in.

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    runs: [Run<'a>; 1],
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    /// Location::column counts characters, not the UTF-16 code units that
    /// SARIF assumes by default.
    column_kind: &'static str,
    invocations: [Invocation<'a>; 1],
    results: Vec<SarifResult<'a>>,
    tool: Tool,
}

/// Whether the run could read all its inputs. A viewer shows a failed
/// invocation, so a report of a run that skipped an unreadable file does not
/// read as a clean result.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation<'a> {
    execution_successful: bool,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    tool_execution_notifications: Vec<Notification<'a>>,
}

#[derive(Serialize)]
struct Notification<'a> {
    level: &'static str,
    message: Text<&'a str>,
}

#[derive(Serialize)]
struct Tool {
    driver: Driver,
}

#[derive(Serialize)]
struct Driver {
    name: &'static str,
    rules: Vec<RuleEntry>,
    version: &'static str,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RuleEntry {
    default_configuration: Level,
    id: &'static str,
    short_description: Text<&'static str>,
}

#[derive(Serialize)]
struct Level {
    level: &'static str,
}

#[derive(Serialize)]
struct Text<T> {
    text: T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    level: &'static str,
    locations: Vec<SarifLocation>,
    message: Text<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    related_locations: Vec<RelatedLocation<'a>>,
    rule_id: &'static str,
    rule_index: Option<usize>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifLocation {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct RelatedLocation<'a> {
    id: usize,
    message: Text<&'a str>,
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    byte_length: usize,
    byte_offset: usize,
    start_column: u32,
    start_line: u32,
}

/// Builds the SARIF log. `failures` are the messages of inputs that could not be read.
fn log<'a>(diagnostics: &'a [Diagnostic], failures: &'a [String]) -> Log<'a> {
    let rules = Rule::ALL
        .iter()
        .map(|rule| RuleEntry {
            default_configuration: Level {
                level: level(rule.default_severity()),
            },
            id: rule.code(),
            short_description: Text {
                text: rule.summary(),
            },
        })
        .collect();
    Log {
        schema: SCHEMA,
        runs: [Run {
            column_kind: "unicodeCodePoints",
            invocations: [Invocation {
                execution_successful: failures.is_empty(),
                tool_execution_notifications: failures
                    .iter()
                    .map(|failure| Notification {
                        level: "error",
                        message: Text { text: failure },
                    })
                    .collect(),
            }],
            results: diagnostics.iter().map(result).collect(),
            tool: Tool {
                driver: Driver {
                    name: "v6map",
                    rules,
                    version: env!("CARGO_PKG_VERSION"),
                },
            },
        }],
        version: "2.1.0",
    }
}

fn result(diagnostic: &Diagnostic) -> SarifResult<'_> {
    SarifResult {
        level: level(diagnostic.severity),
        locations: diagnostic
            .location
            .iter()
            .map(|location| SarifLocation {
                physical_location: physical_location(location),
            })
            .collect(),
        message: Text {
            text: message_with_help(diagnostic),
        },
        related_locations: diagnostic
            .related
            .iter()
            .enumerate()
            .map(|(index, related)| RelatedLocation {
                id: index,
                message: Text {
                    text: &related.message,
                },
                physical_location: physical_location(&related.location),
            })
            .collect(),
        rule_id: diagnostic.rule.code(),
        rule_index: Rule::ALL.iter().position(|rule| *rule == diagnostic.rule),
    }
}

fn physical_location(location: &Location) -> PhysicalLocation {
    PhysicalLocation {
        artifact_location: ArtifactLocation {
            uri: file_uri(&location.file),
        },
        region: Region {
            byte_length: location.length,
            byte_offset: location.offset,
            start_column: location.column,
            start_line: location.line,
        },
    }
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
