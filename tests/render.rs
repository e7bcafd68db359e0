//! Renderer tests through the public API: human output against text fixtures,
//! and the machine formats parsed back into types.
//!
//! Human fixtures live in `tests/fixtures/render/`: each `NAME.txt` is the
//! expected rendering at width 80 with no colour. Run with `V6MAP_BLESS=1` to
//! rewrite them after an intended change, then review the diff.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use serde::Deserialize;
use v6map::diagnostic::{Diagnostic, Location, Rule, Severity};
use v6map::render::{render, OutputFormat, RenderOptions};
use v6map::source::SourceFile;

fn fixture_path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/render")
        .join(name)
}

/// Loads a fixture source under its bare file name, as a user would pass it.
fn load(name: &str) -> Arc<SourceFile> {
    let text = std::fs::read_to_string(fixture_path(name)).unwrap();
    Arc::new(SourceFile::new(name, text))
}

/// Returns the location of the `nth` (0-based) occurrence of `needle`.
fn locate(source: &SourceFile, needle: &str, nth: usize) -> Location {
    let (offset, _) = source
        .text()
        .match_indices(needle)
        .nth(nth)
        .unwrap_or_else(|| {
            panic!(
                "'{needle}' occurs fewer than {} times in {}",
                nth + 1,
                source.name()
            )
        });
    source.location(offset, needle.len())
}

fn render_to_string(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
    options: &RenderOptions,
) -> String {
    let mut out = Vec::new();
    render(format, diagnostics, sources, &mut out, options).unwrap();
    String::from_utf8(out).unwrap()
}

fn human(
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
    max_shown: Option<usize>,
) -> String {
    let options = RenderOptions {
        color: false,
        width: Some(80),
        max_shown,
        ..RenderOptions::default()
    };
    render_to_string(OutputFormat::Human, diagnostics, sources, &options)
}

/// Compares `actual` with the fixture `name`, or rewrites the fixture when
/// `V6MAP_BLESS` is set.
fn assert_fixture(name: &str, actual: &str) {
    let path = fixture_path(name);
    if std::env::var_os("V6MAP_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    if expected != actual {
        panic!(
            "rendering differs from {}\n--- expected\n{expected}--- actual\n{actual}--- end",
            path.display()
        );
    }
}

fn invalid_v4(source: &SourceFile) -> Diagnostic {
    Diagnostic::new(
        Rule::InvalidV4,
        "'10.0.0.300' is not an IPv4 address: octet 4 '300' is more than 255 (V4 of IP_MAP 1)",
    )
    .with_help("write each octet as a decimal number from 0 to 255")
    .at(locate(source, "10.0.0.300", 0))
}

fn duplicate_v4(source: &SourceFile) -> Diagnostic {
    Diagnostic::new(
        Rule::DuplicateV4,
        "V4 '0.0.0.7' is mapped to 2001:db8:0:1::9 here and to 2001:db8:0:1::7 before",
    )
    .with_help("map each IPv4 address to one IPv6 address; delete or change one of the records")
    .at(locate(source, "0.0.0.7", 1))
    .with_related(locate(source, "0.0.0.7", 0), "first used here")
}

fn empty_inventory() -> Diagnostic {
    Diagnostic::new(Rule::EmptyInventory, "the inputs contain no valid record")
        .with_help("fix the rejected rows above, or pass --skip-invalid to write the valid ones")
}

#[test]
fn human_invalid_v4() {
    let source = load("invalid-v4.xml");
    let output = human(&[invalid_v4(&source)], &[source], None);
    assert_fixture("invalid-v4.txt", &output);
}

#[test]
fn human_duplicate_with_related_label() {
    let source = load("duplicate.xml");
    let output = human(&[duplicate_v4(&source)], &[source], None);
    assert_fixture("duplicate.txt", &output);
}

#[test]
fn human_duplicate_on_next_line() {
    let source = load("near.csv");
    let diagnostic = Diagnostic::new(
        Rule::DuplicateV4,
        "V4 '0.0.0.1' is mapped to 2600:1f18::2 here and to 2600:1f18::1 before",
    )
    .at(locate(&source, "0.0.0.1", 1))
    .with_related(locate(&source, "0.0.0.1", 0), "first used here");
    let output = human(&[diagnostic], &[source], None);
    // One snippet box, headed by the finding's own position.
    assert_eq!(output.matches('╭').count(), 1, "{output}");
    assert!(output.contains("╭─[near.csv:3:1]"), "{output}");
    assert_fixture("duplicate-next-line.txt", &output);
}

#[test]
fn human_related_in_other_file() {
    let upload = load("duplicate.xml");
    let inventory = load("inventory.csv");
    let diagnostic = Diagnostic::new(
        Rule::DuplicateV4,
        "V4 '0.0.0.7' is mapped to two IPv6 addresses",
    )
    .at(locate(&upload, "0.0.0.7", 1))
    .with_related(locate(&upload, "0.0.0.7", 0), "first used here")
    .with_related(locate(&inventory, "0.0.0.1", 0), "also listed here");
    let output = human(&[diagnostic], &[upload, inventory], None);
    assert_fixture("related-other-file.txt", &output);
}

#[test]
fn human_without_location() {
    let output = human(&[empty_inventory()], &[], None);
    assert_fixture("no-location.txt", &output);
}

#[test]
fn human_source_not_found() {
    let diagnostic =
        Diagnostic::new(Rule::InvalidV6, "'2001:db8::g' is not an IPv6 address").at(Location {
            file: Arc::from("gone.xml"),
            line: 4,
            column: 9,
            offset: 60,
            length: 11,
        });
    let output = human(&[diagnostic], &[], None);
    assert_fixture("source-not-found.txt", &output);
}

#[test]
fn human_mixed_with_summary() {
    let inventory = load("inventory.csv");
    let upload = load("invalid-v4.xml");
    let diagnostics = vec![
        Diagnostic::new(
            Rule::WhitespaceInValue,
            "whitespace around V4 '0.0.0.2' was trimmed (row 3)",
        )
        .with_help("remove the spaces, tabs or line breaks around the value in the source")
        .at(locate(&inventory, "0.0.0.2 ", 0)),
        Diagnostic::new(Rule::V6LinkLocal, "V6 'fe80::2' is link-local (row 3)")
            .at(locate(&inventory, "fe80::2", 0)),
        Diagnostic::new(
            Rule::V4OutOfRange,
            "V4 '10.1.2.3' is outside Qualys's mapping range 0.0.0.1 - 0.254.255.255 (row 4)",
        )
        .with_help("use a placeholder such as 0.0.0.3")
        .at(locate(&inventory, "10.1.2.3", 0)),
        invalid_v4(&upload),
        empty_inventory(),
    ];
    let output = human(&diagnostics, &[inventory, upload], None);
    assert!(
        output.ends_with("\n3 errors, 2 warnings (2 files read)\n"),
        "{output}"
    );
    assert_fixture("mixed.txt", &output);
}

#[test]
fn human_truncated_list() {
    let inventory = load("inventory.csv");
    let mut diagnostics: Vec<Diagnostic> = ["web-1", "web-2", "db-1"]
        .iter()
        .map(|id| {
            Diagnostic::new(
                Rule::CustomIdIgnored,
                format!("ID '{id}' is accepted but not saved by Qualys"),
            )
            .at(locate(&inventory, id, 0))
        })
        .collect();
    diagnostics.push(
        Diagnostic::new(Rule::V6LinkLocal, "V6 'fe80::2' is link-local")
            .at(locate(&inventory, "fe80::2", 0)),
    );
    diagnostics.push(
        Diagnostic::new(
            Rule::V4OutOfRange,
            "V4 '10.1.2.3' is outside Qualys's mapping range",
        )
        .at(locate(&inventory, "10.1.2.3", 0)),
    );
    let output = human(&diagnostics, &[inventory], Some(2));
    assert!(
        output.contains("\n... and 3 more findings not shown (use --max-shown 0 to show all)\n")
    );
    assert_eq!(output.matches("warning[custom-id-ignored]").count(), 2);
    assert!(output.ends_with("\n1 error, 4 warnings\n"), "{output}");
    assert_fixture("truncated.txt", &output);
}

#[test]
fn human_truncated_to_one() {
    let output = human(&[empty_inventory(), empty_inventory()], &[], Some(1));
    assert!(
        output.contains("\n... and 1 more finding not shown (use --max-shown 0 to show all)\n"),
        "{output}"
    );
    assert_eq!(output.matches("error[empty-inventory]").count(), 1);
}

#[test]
fn human_no_findings() {
    assert_eq!(human(&[], &[], None), "no findings\n");
}

#[test]
fn human_long_line_is_cut() {
    let filler = "<IP_MAP><V4>0.0.0.1</V4><V6>2600:1f18::1</V6></IP_MAP>".repeat(20_000);
    let text = format!("action=add&xml_data=<IP_MAP_LIST>{filler}<IP_MAP><V4>0.0.0.0</V4><V6>2600:1f18::2</V6></IP_MAP>{filler}</IP_MAP_LIST>");
    assert!(text.len() > 1_000_000);
    let source = Arc::new(SourceFile::new("one-line.xml", text));
    let diagnostic = Diagnostic::new(
        Rule::V4OutOfRange,
        "V4 '0.0.0.0' is outside Qualys's mapping range",
    )
    .at(locate(&source, "0.0.0.0", 0))
    .with_related(
        locate(&source, "0.0.0.1", 0),
        "an earlier value on the same line",
    );
    let output = human(&[diagnostic], &[source], None);
    assert!(output.len() < 1_000, "{output}");
    assert_fixture("long-line.txt", &output);
}

#[test]
fn human_many_findings_on_long_line() {
    let text = format!(
        "<IP_MAP_LIST>{}</IP_MAP_LIST>",
        "<IP_MAP><V4>0.0.0.0</V4></IP_MAP>".repeat(30_000)
    );
    let source = Arc::new(SourceFile::new("one-line.xml", text));
    let diagnostics: Vec<Diagnostic> = source
        .text()
        .match_indices("0.0.0.0")
        .step_by(15)
        .map(|(offset, value)| {
            Diagnostic::new(Rule::V4OutOfRange, "V4 '0.0.0.0' is outside the range")
                .at(source.location(offset, value.len()))
        })
        .collect();
    assert_eq!(diagnostics.len(), 2_000);
    let output = human(&diagnostics, &[source], None);
    assert_eq!(output.matches("error[v4-out-of-range]").count(), 2_000);
    // Each report shows one cut line, not the megabyte line.
    assert!(output.len() < 2_000 * 600, "{} bytes", output.len());
}

/// A file with `count` records that all map V4 0.0.0.9, and a duplicate-v4
/// finding at the second with every other record as a related place.
fn repeated_v4(count: usize) -> (Arc<SourceFile>, Diagnostic) {
    let mut text = String::new();
    let mut offsets = Vec::with_capacity(count);
    for index in 0..count {
        offsets.push(text.len());
        text.push_str(&format!("0.0.0.9,2600:1f18::{index:x}\n"));
    }
    let source = Arc::new(SourceFile::new("repeats.csv", text));
    let value_length = "0.0.0.9".len();
    let mut diagnostic = Diagnostic::new(
        Rule::DuplicateV4,
        "IPv4 0.0.0.9 is mapped to more than one IPv6 address",
    )
    .at(source.location(offsets[1], value_length));
    for (index, &offset) in offsets.iter().enumerate() {
        if index != 1 {
            diagnostic =
                diagnostic.with_related(source.location(offset, value_length), "also used here");
        }
    }
    (source, diagnostic)
}

#[test]
fn human_related_places_capped() {
    let (source, diagnostic) = repeated_v4(25);
    let output = human(&[diagnostic], &[source], None);
    assert_eq!(output.matches("also used here").count(), 10, "{output}");
    assert!(
        output.contains(
            "\n  ... and 14 more related places not shown (use --format json to list all)\n"
        ),
        "{output}"
    );
}

#[test]
fn human_many_related_places() {
    let (source, diagnostic) = repeated_v4(100_000);
    let output = human(&[diagnostic], &[source], None);
    assert!(output.len() < 5_000, "{} bytes", output.len());
    assert!(
        output.contains("... and 99989 more related places not shown"),
        "{output}"
    );
}

#[test]
fn human_spans_out_of_bounds() {
    let source = Arc::new(SourceFile::new("short.xml", "<V4>é</V4>\r\n".to_string()));
    let location = |offset, length| Location {
        file: Arc::from("short.xml"),
        line: 1,
        column: 1,
        offset,
        length,
    };
    let diagnostics = vec![
        Diagnostic::new(Rule::InvalidV4, "past the end").at(location(500, 3)),
        Diagnostic::new(Rule::InvalidV4, "inside a character").at(location(5, 1)),
        Diagnostic::new(Rule::InvalidV4, "overflowing length").at(location(2, usize::MAX)),
        Diagnostic::new(Rule::InvalidV4, "inside the line end").at(location(12, 0)),
    ];
    let output = human(&diagnostics, &[source], None);
    assert_eq!(output.matches("error[invalid-v4]").count(), 4, "{output}");
    assert!(output.ends_with("\n4 errors\n"), "{output}");
}

#[test]
fn human_color_uses_ansi() {
    let source = load("invalid-v4.xml");
    let options = RenderOptions {
        color: true,
        width: None,
        max_shown: None,
        ..RenderOptions::default()
    };
    let colored = render_to_string(
        OutputFormat::Human,
        &[invalid_v4(&source)],
        &[source],
        &options,
    );
    assert!(colored.contains('\u{1b}'));
}

#[test]
fn human_escapes_control_characters() {
    let source = Arc::new(SourceFile::new(
        "esc.csv",
        "v4,v6\n\u{1b}[2J0.0.0.1,::1\n".to_string(),
    ));
    let diagnostic = Diagnostic::new(Rule::InvalidV4, "'\u{1b}[2J0.0.0.1' is not an IPv4 address")
        .at(locate(&source, "\u{1b}[2J0.0.0.1", 0));
    let output = human(&[diagnostic], &[source], None);
    assert!(!output.contains('\u{1b}'), "{output}");
    assert!(output.contains("\u{241b}[2J0.0.0.1"), "{output}");
}

/// The JSON Lines schema, as a consumer would declare it.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonDiagnostic {
    file: Option<String>,
    line: Option<u32>,
    column: Option<u32>,
    offset: Option<usize>,
    length: Option<usize>,
    code: String,
    severity: String,
    message: String,
    help: Option<String>,
    related: Vec<JsonRelated>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct JsonRelated {
    file: String,
    line: u32,
    column: u32,
    offset: usize,
    length: usize,
    message: String,
}

fn machine(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
) -> String {
    // max_shown applies to human output only.
    let options = RenderOptions {
        max_shown: Some(1),
        ..RenderOptions::default()
    };
    render_to_string(format, diagnostics, sources, &options)
}

#[test]
fn json_lines_fields() {
    let source = load("duplicate.xml");
    let diagnostics = vec![duplicate_v4(&source), empty_inventory()];
    let output = machine(
        OutputFormat::Json,
        &diagnostics,
        std::slice::from_ref(&source),
    );
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 2, "{output}");
    assert!(output.ends_with('\n'));

    let first: JsonDiagnostic = serde_json::from_str(lines[0]).unwrap();
    let location = locate(&source, "0.0.0.7", 1);
    assert_eq!(first.file.as_deref(), Some("duplicate.xml"));
    assert_eq!(first.line, Some(12));
    assert_eq!(first.column, Some(9));
    assert_eq!(first.offset, Some(location.offset));
    assert_eq!(first.length, Some(7));
    assert_eq!(first.code, "duplicate-v4");
    assert_eq!(first.severity, "error");
    assert_eq!(first.message, diagnostics[0].message);
    assert_eq!(first.help, diagnostics[0].help);
    assert_eq!(first.related.len(), 1);
    let related = &first.related[0];
    assert_eq!(related.file, "duplicate.xml");
    assert_eq!(related.line, 4);
    assert_eq!(related.column, 9);
    assert_eq!(related.offset, locate(&source, "0.0.0.7", 0).offset);
    assert_eq!(related.length, 7);
    assert_eq!(related.message, "first used here");

    let second: JsonDiagnostic = serde_json::from_str(lines[1]).unwrap();
    assert_eq!(second.file, None);
    assert_eq!(second.line, None);
    assert_eq!(second.column, None);
    assert_eq!(second.offset, None);
    assert_eq!(second.length, None);
    assert_eq!(second.code, "empty-inventory");
    assert_eq!(second.severity, "error");
    assert!(second.related.is_empty());
}

#[test]
fn json_lines_nulls_written() {
    let output = machine(
        OutputFormat::Json,
        &[Diagnostic::new(Rule::ListTruncated, "list cut")],
        &[],
    );
    let value: serde_json::Value = serde_json::from_str(output.trim_end()).unwrap();
    for field in ["file", "line", "column", "offset", "length", "help"] {
        assert!(value[field].is_null(), "{field} in {output}");
    }
    assert_eq!(value["severity"], "warning");
}

#[test]
fn json_lines_escaping() {
    let message = "quote \" backslash \\ newline \n tab \t nul \u{0} é";
    let output = machine(
        OutputFormat::Json,
        &[Diagnostic::new(Rule::InvalidV4, message)],
        &[],
    );
    assert_eq!(output.lines().count(), 1);
    let parsed: JsonDiagnostic = serde_json::from_str(output.trim_end()).unwrap();
    assert_eq!(parsed.message, message);
}

#[test]
fn json_lines_empty() {
    assert_eq!(machine(OutputFormat::Json, &[], &[]), "");
}

/// One GitHub workflow command, decoded.
#[derive(Debug)]
struct Annotation {
    command: String,
    properties: Vec<(String, String)>,
    message: String,
}

impl Annotation {
    fn property(&self, key: &str) -> Option<&str> {
        self.properties
            .iter()
            .find(|(name, _)| name == key)
            .map(|(_, value)| value.as_str())
    }
}

fn percent_decode(text: &str) -> String {
    let mut decoded = Vec::new();
    let bytes = text.as_bytes();
    let mut index = 0;
    while index < bytes.len() {
        if bytes[index] == b'%' {
            let hex = std::str::from_utf8(&bytes[index + 1..index + 3]).unwrap();
            decoded.push(u8::from_str_radix(hex, 16).unwrap());
            index += 3;
        } else {
            decoded.push(bytes[index]);
            index += 1;
        }
    }
    String::from_utf8(decoded).unwrap()
}

fn parse_annotation(line: &str) -> Annotation {
    let rest = line.strip_prefix("::").unwrap();
    let (head, data) = rest.split_once("::").unwrap();
    let (command, properties) = head.split_once(' ').unwrap_or((head, ""));
    let properties = properties
        .split(',')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (key, value) = pair.split_once('=').unwrap();
            (key.to_string(), percent_decode(value))
        })
        .collect();
    Annotation {
        command: command.to_string(),
        properties,
        message: percent_decode(data),
    }
}

#[test]
fn github_annotations() {
    let source = load("duplicate.xml");
    let tricky = Diagnostic::new(Rule::V6Documentation, "100% sure: a,b\nnext line\r")
        .with_help("use 50%: c,d")
        .at(locate(&source, "2001:db8:0:1::8", 0));
    let diagnostics = vec![duplicate_v4(&source), tricky, empty_inventory()];
    let output = machine(OutputFormat::Github, &diagnostics, &[source]);
    let lines: Vec<&str> = output.lines().collect();
    assert_eq!(lines.len(), 3, "{output}");

    let first = parse_annotation(lines[0]);
    assert_eq!(first.command, "error");
    assert_eq!(first.property("file"), Some("duplicate.xml"));
    assert_eq!(first.property("line"), Some("12"));
    assert_eq!(first.property("col"), Some("9"));
    assert_eq!(first.property("title"), Some("duplicate-v4"));
    assert_eq!(
        first.message,
        format!(
            "{}. help: {}. also at duplicate.xml:4:9: first used here",
            diagnostics[0].message,
            diagnostics[0].help.as_deref().unwrap()
        )
    );

    let second = parse_annotation(lines[1]);
    assert_eq!(second.command, "warning");
    assert_eq!(second.property("line"), Some("9"));
    assert_eq!(second.property("title"), Some("v6-documentation"));
    assert_eq!(
        second.message,
        "100% sure: a,b\nnext line\r. help: use 50%: c,d"
    );
    assert!(!lines[1].contains('\r'));

    let third = parse_annotation(lines[2]);
    assert_eq!(third.command, "error");
    assert_eq!(third.property("file"), None);
    assert_eq!(third.property("line"), None);
    assert_eq!(third.property("title"), Some("empty-inventory"));
    assert_eq!(
        third.message,
        format!(
            "{}. help: {}",
            diagnostics[2].message,
            diagnostics[2].help.as_deref().unwrap()
        )
    );
}

#[test]
fn github_related_places_capped() {
    let (source, diagnostic) = repeated_v4(25);
    let output = machine(OutputFormat::Github, &[diagnostic], &[source]);
    let annotation = parse_annotation(output.trim_end());
    assert_eq!(
        annotation.message.matches(". also at repeats.csv:").count(),
        10
    );
    assert!(
        annotation.message.ends_with(". and 14 more related places"),
        "{}",
        annotation.message
    );
}

#[test]
fn json_lists_every_related_place() {
    let (source, diagnostic) = repeated_v4(25);
    let output = machine(OutputFormat::Json, &[diagnostic], &[source]);
    let parsed: JsonDiagnostic = serde_json::from_str(output.trim_end()).unwrap();
    assert_eq!(parsed.related.len(), 24);
    assert_eq!(parsed.related[23].line, 25);
}

#[test]
fn github_property_escaping() {
    let diagnostic = Diagnostic::new(Rule::BareCr, "bare CR").at(Location {
        file: Arc::from("dir,x/a:b%.xml"),
        line: 1,
        column: 2,
        offset: 1,
        length: 1,
    });
    let output = machine(OutputFormat::Github, &[diagnostic], &[]);
    assert_eq!(
        output,
        "::warning file=dir%2Cx/a%3Ab%25.xml,line=1,col=2,title=bare-cr::bare CR\n"
    );
    assert_eq!(
        parse_annotation(output.trim_end()).property("file"),
        Some("dir,x/a:b%.xml")
    );
}

#[test]
fn sarif_document() {
    let source = load("duplicate.xml");
    let warning = Diagnostic::new(
        Rule::V6Documentation,
        "V6 '2001:db8:0:1::8' is a documentation address",
    )
    .at(locate(&source, "2001:db8:0:1::8", 0))
    .with_severity(Severity::Warning);
    let diagnostics = vec![duplicate_v4(&source), warning, empty_inventory()];
    let output = machine(
        OutputFormat::Sarif,
        &diagnostics,
        std::slice::from_ref(&source),
    );
    let log: serde_json::Value = serde_json::from_str(&output).unwrap();

    assert!(log["$schema"]
        .as_str()
        .unwrap()
        .ends_with("sarif-schema-2.1.0.json"));
    assert_eq!(log["version"], "2.1.0");
    let runs = log["runs"].as_array().unwrap();
    assert_eq!(runs.len(), 1);
    let run = &runs[0];
    assert_eq!(run["columnKind"], "unicodeCodePoints");

    let driver = &run["tool"]["driver"];
    assert_eq!(driver["name"], "v6map");
    assert_eq!(driver["version"], env!("CARGO_PKG_VERSION"));
    let rules = driver["rules"].as_array().unwrap();
    assert_eq!(rules.len(), Rule::ALL.len());
    for (rule, entry) in Rule::ALL.iter().zip(rules) {
        assert_eq!(entry["id"], rule.code());
        assert_eq!(entry["shortDescription"]["text"], rule.summary());
        assert_eq!(
            entry["defaultConfiguration"]["level"],
            rule.default_severity().as_str()
        );
    }

    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    let first = &results[0];
    assert_eq!(first["ruleId"], "duplicate-v4");
    let rule_index = first["ruleIndex"].as_u64().unwrap() as usize;
    assert_eq!(rules[rule_index]["id"], "duplicate-v4");
    assert_eq!(first["level"], "error");
    let text = first["message"]["text"].as_str().unwrap();
    assert!(text.starts_with(&diagnostics[0].message), "{text}");
    assert!(
        text.ends_with(diagnostics[0].help.as_deref().unwrap()),
        "{text}"
    );

    let location = locate(&source, "0.0.0.7", 1);
    let physical = &first["locations"][0]["physicalLocation"];
    assert_eq!(physical["artifactLocation"]["uri"], "duplicate.xml");
    assert_eq!(physical["region"]["startLine"], 12);
    assert_eq!(physical["region"]["startColumn"], 9);
    assert_eq!(physical["region"]["byteOffset"], location.offset);
    assert_eq!(physical["region"]["byteLength"], 7);

    let related = first["relatedLocations"].as_array().unwrap();
    assert_eq!(related.len(), 1);
    assert_eq!(related[0]["message"]["text"], "first used here");
    assert_eq!(related[0]["physicalLocation"]["region"]["startLine"], 4);
    assert_eq!(
        related[0]["physicalLocation"]["region"]["byteOffset"],
        locate(&source, "0.0.0.7", 0).offset
    );

    assert_eq!(results[1]["level"], "warning");
    assert_eq!(results[1]["message"]["text"], diagnostics[1].message);
    assert!(results[1].get("relatedLocations").is_none());

    assert_eq!(results[2]["ruleId"], "empty-inventory");
    assert_eq!(results[2]["locations"].as_array().unwrap().len(), 0);
}

#[test]
fn sarif_without_results() {
    let output = machine(OutputFormat::Sarif, &[], &[]);
    let log: serde_json::Value = serde_json::from_str(&output).unwrap();
    assert_eq!(log["runs"][0]["results"].as_array().unwrap().len(), 0);
    assert_eq!(
        log["runs"][0]["tool"]["driver"]["rules"]
            .as_array()
            .unwrap()
            .len(),
        Rule::ALL.len()
    );
}

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Text with the characters that break naive slicing and line counting.
    fn text_strategy() -> impl Strategy<Value = String> {
        proptest::collection::vec(
            prop_oneof![
                Just('a'),
                Just(' '),
                Just('\t'),
                Just('\n'),
                Just('\r'),
                Just('é'),
                Just('\u{1b}'),
                Just('\u{10348}'),
                Just('<'),
            ],
            0..300,
        )
        .prop_map(|characters| characters.into_iter().collect())
    }

    fn location(file: &str, offset: usize, length: usize) -> Location {
        Location {
            file: Arc::from(file),
            line: 1,
            column: 1,
            offset,
            length,
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(64))]

        #[test]
        fn any_span_renders(
            text in text_strategy(),
            spans in proptest::collection::vec((0usize..400, prop_oneof![0usize..50, Just(usize::MAX)]), 1..4),
            width in 0usize..200,
        ) {
            let source = Arc::new(SourceFile::new("p.xml", text));
            let (offset, length) = spans[0];
            let mut diagnostic = Diagnostic::new(Rule::InvalidV4, "m").at(location("p.xml", offset, length));
            for &(offset, length) in &spans[1..] {
                diagnostic = diagnostic.with_related(location("p.xml", offset, length), "r");
            }
            let options = RenderOptions { color: false, width: Some(width), max_shown: None, ..RenderOptions::default() };
            for format in [OutputFormat::Human, OutputFormat::Json, OutputFormat::Github, OutputFormat::Sarif] {
                let output = render_to_string(format, std::slice::from_ref(&diagnostic), std::slice::from_ref(&source), &options);
                prop_assert!(!output.is_empty());
                let escape = '\u{1b}';
                prop_assert!(!output.contains(escape), "raw ESC in {:?}", format);
            }
        }
    }
}
