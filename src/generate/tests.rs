//! Unit tests of the generate pipeline on inventories built by hand, so they
//! do not depend on the CSV and JSON readers.

use std::net::{Ipv4Addr, Ipv6Addr};

use super::*;
use crate::inventory::RejectedRow;
use crate::record::{Origin, Span};

/// Builds the read state of one CSV-like input from `v4,v6[,id]` lines; a line
/// starting with `!` is a rejected row.
fn read_one(name: &str, lines: &[&str]) -> ReadInputs {
    read_many(&[(name, lines)])
}

fn read_many(files: &[(&str, &[&str])]) -> ReadInputs {
    let mut inventory = Inventory::default();
    let mut inputs = Vec::new();
    for (name, lines) in files {
        let text: String = lines.iter().map(|line| format!("{line}\n")).collect();
        let source = Arc::new(SourceFile::new(*name, text));
        let records_start = inventory.records.len();
        let rejected_start = inventory.rejected.len();
        let mut offset = 0;
        for (line_index, line) in lines.iter().enumerate() {
            if let Some(raw) = line.strip_prefix('!') {
                inventory.rejected.push(RejectedRow {
                    file: source.name().clone(),
                    line: line_index as u32 + 1,
                    raw: raw.to_string(),
                    code: Rule::InvalidV4.code(),
                    message: format!("'{raw}' is not an IPv4 address"),
                });
                inventory.diagnostics.push(
                    Diagnostic::new(Rule::InvalidV4, "invalid")
                        .at(source.location(offset, line.len())),
                );
            } else {
                let fields: Vec<&str> = line.split(',').collect();
                inventory.records.push(Record {
                    v4: fields[0].parse().unwrap(),
                    v6: fields[1].parse().unwrap(),
                    id: fields.get(2).map(|id| Box::from(*id)),
                    origin: Origin {
                        file: source.clone(),
                        v4: Span::new(offset, fields[0].len()),
                        v6: Span::new(offset + fields[0].len() + 1, fields[1].len()),
                    },
                });
            }
            offset += line.len() + 1;
        }
        inputs.push(ReadInput {
            source: Some(source.clone()),
            name: source.name().clone(),
            records: records_start..inventory.records.len(),
            rejected: rejected_start..inventory.rejected.len(),
            decode_error: None,
        });
    }
    ReadInputs { inputs, inventory }
}

fn options() -> GenerateOptions {
    GenerateOptions {
        inputs: vec!["inventory.csv".to_string()],
        input_format: None,
        inventory: InventoryOptions::default(),
        action: Action::Add,
        all_or_nothing: None,
        output: None,
        batch_size: None,
        force: false,
        skip_invalid: false,
        rejects: None,
    }
}

fn codes(analysis: &Analysis) -> Vec<(&'static str, Option<u32>)> {
    analysis
        .diagnostics
        .iter()
        .map(|d| (d.rule.code(), d.location.as_ref().map(|l| l.line)))
        .collect()
}

fn written_pairs(read: &ReadInputs, analysis: &Analysis) -> Vec<(Ipv4Addr, Ipv6Addr)> {
    skip_indices(&read.inventory.records, &analysis.excluded)
        .map(|record| (record.v4, record.v6))
        .collect()
}

fn rejects_csv(read: &ReadInputs, analysis: &Analysis) -> String {
    let mut out = Vec::new();
    let rows = reject_rows(read, analysis);
    assert_eq!(rows.len(), reject_count(read, analysis));
    write_rejects(&mut out, &rows).unwrap();
    String::from_utf8(out).unwrap()
}

#[test]
fn batch_names_before_extension() {
    let cases = [
        ("out/add.xml", 1, 3, "out/add-0001.xml"),
        ("out/add.xml", 12, 12, "out/add-0012.xml"),
        ("out/add", 2, 2, "out/add-0002"),
        ("add.tar.xml", 1, 1, "add.tar-0001.xml"),
        ("out/add.xml", 7, 12345, "out/add-00007.xml"),
        ("out/.hidden", 1, 1, "out/.hidden-0001"),
    ];
    for (path, number, count, expected) in cases {
        assert_eq!(
            batch_path(Path::new(path), number, count),
            Path::new(expected),
            "{path} {number}/{count}"
        );
    }
}

#[test]
fn skip_indices_leaves_out_listed() {
    let read = read_one(
        "t.csv",
        &[
            "0.0.0.1,2001:db8::1",
            "0.0.0.2,2001:db8::2",
            "0.0.0.3,2001:db8::3",
            "0.0.0.4,2001:db8::4",
        ],
    );
    let kept_v4s: Vec<Ipv4Addr> = skip_indices(&read.inventory.records, &[0, 2])
        .map(|r| r.v4)
        .collect();
    assert_eq!(
        kept_v4s,
        [Ipv4Addr::new(0, 0, 0, 2), Ipv4Addr::new(0, 0, 0, 4)]
    );
    assert_eq!(skip_indices(&read.inventory.records, &[]).count(), 4);
}

#[test]
fn clean_inventory_writes_all() {
    let mut read = read_one("t.csv", &["0.0.0.1,2001:db8::1", "0.0.0.2,2001:db8::2"]);
    let analysis = analyse(&options(), &mut read);
    assert!(
        analysis.diagnostics.is_empty(),
        "{:?}",
        analysis.diagnostics
    );
    assert!(!analysis.has_errors);
    assert_eq!(analysis.writable, 2);
}

#[test]
fn repeated_pair_written_once() {
    let mut read = read_one(
        "t.csv",
        &[
            "0.0.0.1,2001:db8::1",
            "0.0.0.2,2001:db8::2",
            "0.0.0.1,2001:DB8::1",
        ],
    );
    let analysis = analyse(&options(), &mut read);
    assert_eq!(codes(&analysis), [("duplicate-record", Some(3))]);
    assert!(!analysis.has_errors);
    assert_eq!(analysis.writable, 2);
    let v6 = |text: &str| text.parse::<Ipv6Addr>().unwrap();
    assert_eq!(
        written_pairs(&read, &analysis),
        [
            (Ipv4Addr::new(0, 0, 0, 1), v6("2001:db8::1")),
            (Ipv4Addr::new(0, 0, 0, 2), v6("2001:db8::2"))
        ]
    );
}

#[test]
fn conflict_is_error_without_skip() {
    let mut read = read_one(
        "t.csv",
        &[
            "0.0.0.1,2001:db8::1",
            "0.0.0.2,2001:db8::2",
            "0.0.0.1,2001:db8::3",
        ],
    );
    let analysis = analyse(&options(), &mut read);
    assert_eq!(codes(&analysis), [("duplicate-v4", Some(3))]);
    assert!(analysis.has_errors);
    assert_eq!(analysis.dropped.len(), 2);
}

#[test]
fn skip_invalid_drops_every_conflicting_record() {
    let mut read = read_one(
        "t.csv",
        &[
            "0.0.0.1,2001:db8::1",
            "0.0.0.2,2001:db8::2",
            "0.0.0.1,2001:db8::3",
            "0.0.0.4,2001:db8::2",
            "0.0.0.5,2001:db8::5",
        ],
    );
    let mut skip = options();
    skip.skip_invalid = true;
    let analysis = analyse(&skip, &mut read);
    assert_eq!(analysis.excluded, [0, 1, 2, 3]);
    assert_eq!(analysis.writable, 1);
    let kept_v4s: Vec<Ipv4Addr> = written_pairs(&read, &analysis)
        .into_iter()
        .map(|(v4, _)| v4)
        .collect();
    assert_eq!(kept_v4s, [Ipv4Addr::new(0, 0, 0, 5)]);
}

#[test]
fn skip_invalid_with_only_conflicts_is_empty() {
    let mut read = read_one("t.csv", &["0.0.0.1,2001:db8::1", "0.0.0.1,2001:db8::2"]);
    let mut skip = options();
    skip.skip_invalid = true;
    let analysis = analyse(&skip, &mut read);
    assert_eq!(analysis.writable, 0);
    assert_eq!(codes(&analysis).last(), Some(&("empty-inventory", None)));
}

#[test]
fn no_records_is_empty_inventory() {
    let mut read = read_one("t.csv", &["!0.0.0.256,2001:db8::1"]);
    let mut skip = options();
    skip.skip_invalid = true;
    let analysis = analyse(&skip, &mut read);
    assert_eq!(
        codes(&analysis),
        [("invalid-v4", Some(1)), ("empty-inventory", None)]
    );
    assert_eq!(analysis.writable, 0);
}

#[test]
fn duplicates_across_files_count() {
    let mut read = read_many(&[
        ("a.csv", &["0.0.0.1,2001:db8::1"]),
        ("b.csv", &["0.0.0.2,2001:db8::1"]),
    ]);
    let analysis = analyse(&options(), &mut read);
    assert_eq!(codes(&analysis), [("duplicate-v6", Some(1))]);
    assert_eq!(
        analysis.diagnostics[0]
            .location
            .as_ref()
            .unwrap()
            .file
            .as_ref(),
        "b.csv"
    );
}

#[test]
fn diagnostics_follow_argument_order() {
    // "z.csv" is read first, so its findings come first although it sorts last by name.
    let mut read = read_many(&[
        ("z.csv", &["!bad-z", "0.0.0.1,2001:db8::1"]),
        ("a.csv", &["!bad-a"]),
    ]);
    let analysis = analyse(&options(), &mut read);
    let files: Vec<&str> = analysis
        .diagnostics
        .iter()
        .map(|d| d.location.as_ref().map_or("", |l| &*l.file))
        .collect();
    assert_eq!(files, ["z.csv", "a.csv"]);
}

#[test]
fn kept_ids_warned_once() {
    let mut read = read_one(
        "t.csv",
        &["0.0.0.1,2001:db8::1,rack-1", "0.0.0.2,2001:db8::2,rack-2"],
    );
    let mut keep = options();
    keep.inventory.keep_ids = true;
    let analysis = analyse(&keep, &mut read);
    assert_eq!(codes(&analysis), [("custom-id-ignored", None)]);
    assert!(analysis.diagnostics[0]
        .message
        .starts_with("2 records carry a custom ID"));
    assert!(!analysis.has_errors);
}

#[test]
fn control_character_id_dropped() {
    let mut read = read_one(
        "t.csv",
        &["0.0.0.1,2001:db8::1,rack\u{1}1", "0.0.0.2,2001:db8::2"],
    );
    let mut keep = options();
    keep.inventory.keep_ids = true;
    keep.skip_invalid = true;
    let analysis = analyse(&keep, &mut read);
    assert!(analysis.has_errors);
    assert_eq!(analysis.excluded, [0]);
    assert_eq!(codes(&analysis)[0], ("inventory-format", Some(1)));
}

#[test]
fn rejects_list_rows_and_conflicts() {
    let mut read = read_many(&[
        (
            "a.csv",
            &[
                "0.0.0.1,2001:db8::1",
                "!0.0.0.300,2001:db8::9",
                "0.0.0.2,2001:db8::2",
            ],
        ),
        ("b.csv", &["0.0.0.1,2001:db8::3"]),
    ]);
    let mut skip = options();
    skip.skip_invalid = true;
    let analysis = analyse(&skip, &mut read);
    let csv = rejects_csv(&read, &analysis);
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(
        reader.headers().unwrap(),
        vec!["file", "line", "code", "message", "row"]
    );
    let rows: Vec<Vec<String>> = reader
        .records()
        .map(|record| record.unwrap().iter().map(str::to_string).collect())
        .collect();
    let conflict = |v6: &str| {
        format!("IPv4 0.0.0.1 is mapped to more than one IPv6 address ({v6} here); conflicting records are not written")
    };
    let expected = [
        [
            "a.csv",
            "1",
            "duplicate-v4",
            &conflict("2001:db8::1"),
            "0.0.0.1,2001:db8::1",
        ],
        [
            "a.csv",
            "2",
            "invalid-v4",
            "'0.0.0.300,2001:db8::9' is not an IPv4 address",
            "0.0.0.300,2001:db8::9",
        ],
        [
            "b.csv",
            "1",
            "duplicate-v4",
            &conflict("2001:db8::3"),
            "0.0.0.1,2001:db8::3",
        ],
    ];
    assert_eq!(rows, expected);
}

#[test]
fn rejects_list_has_undecodable_input() {
    let mut read = read_one("t.csv", &["0.0.0.1,2001:db8::1"]);
    let error =
        SourceFile::decode("bad.csv", vec![b'a', 0xff, b'\n'], Rule::InventoryFormat).unwrap_err();
    read.inputs.push(ReadInput {
        source: None,
        name: Arc::from("bad.csv"),
        records: 1..1,
        rejected: 0..0,
        decode_error: Some(*error),
    });
    let analysis = analyse(&options(), &mut read);
    assert!(analysis.has_errors);
    let csv = rejects_csv(&read, &analysis);
    let mut lines = csv.lines();
    assert_eq!(lines.next(), Some("file,line,code,message,row"));
    let row = lines.next().unwrap();
    assert!(row.starts_with("bad.csv,1,inventory-format,"), "{row}");
    assert_eq!(lines.next(), None);
}

#[test]
fn record_row_spans_json_lines() {
    let text = "[\n  {\"v4\": \"0.0.0.1\",\n   \"v6\": \"2001:db8::1\"}\n]\n";
    let source = Arc::new(SourceFile::new("t.json", text.to_string()));
    let v4_offset = text.find("0.0.0.1").unwrap();
    let v6_offset = text.find("2001:db8::1").unwrap();
    let record = Record {
        v4: "0.0.0.1".parse().unwrap(),
        v6: "2001:db8::1".parse().unwrap(),
        id: None,
        origin: Origin {
            file: source,
            v4: Span::new(v4_offset, 7),
            v6: Span::new(v6_offset, 11),
        },
    };
    assert_eq!(
        record_row(&record),
        (2, "  {\"v4\": \"0.0.0.1\",\n   \"v6\": \"2001:db8::1\"}")
    );
}

#[test]
fn option_conflicts_rejected() {
    let mut remove = options();
    remove.action = Action::Remove;
    remove.all_or_nothing = Some(true);
    let error = check_options(&remove).unwrap_err();
    assert_eq!(
        error.message,
        "--all-or-nothing applies only to --action add"
    );

    let mut batch = options();
    batch.batch_size = Some(10);
    assert!(check_options(&batch)
        .unwrap_err()
        .message
        .starts_with("--batch-size needs -o"));
    batch.output = Some(PathBuf::from("-"));
    assert!(
        check_options(&batch).is_err(),
        "-o - is standard output, which cannot be split"
    );

    let mut two_stdin = options();
    two_stdin.inputs = vec!["-".to_string(), "-".to_string()];
    two_stdin.input_format = Some(InputFormat::Csv);
    assert!(check_options(&two_stdin).is_err());
}

#[test]
fn formats_from_extension_or_option() {
    let mut format_options = options();
    format_options.inputs = vec!["a.csv".into(), "b.JSON".into(), "c.ndjson".into()];
    assert_eq!(
        input_formats(&format_options).unwrap(),
        [InputFormat::Csv, InputFormat::Json, InputFormat::Jsonl]
    );

    format_options.inputs = vec!["-".into()];
    let error = input_formats(&format_options).unwrap_err();
    assert!(
        error.message.contains("needs --input-format"),
        "{}",
        error.message
    );

    format_options.inputs = vec!["hosts.dat".into()];
    let error = input_formats(&format_options).unwrap_err();
    assert!(error.message.contains("'hosts.dat'"), "{}", error.message);
    assert!(error.help.unwrap().contains("--input-format"));

    format_options.input_format = Some(InputFormat::Jsonl);
    assert_eq!(
        input_formats(&format_options).unwrap(),
        [InputFormat::Jsonl]
    );
}

#[test]
fn generated_xml_reparses_to_pairs() {
    let mut read = read_one(
        "t.csv",
        &[
            "0.0.0.2,2001:470:8418:a18::a0a:1805",
            "0.0.0.3,2001:470:8418:a18::a0a:ab7",
            "0.0.0.2,2001:470:8418:a18::a0a:1805",
        ],
    );
    let analysis = analyse(&options(), &mut read);
    let mut out = Vec::new();
    let records = skip_indices(&read.inventory.records, &analysis.excluded);
    write_upload(&mut out, Action::Add, None, records, false).unwrap();
    let text = String::from_utf8(out).unwrap();
    let xml = text.strip_prefix("action=add&xml_data=\n").unwrap();
    let document = roxmltree::Document::parse(xml).unwrap();
    let pairs: Vec<(String, String)> = document
        .root_element()
        .children()
        .filter(|node| node.has_tag_name("IP_MAP"))
        .map(|map| {
            let text_of = |name: &str| {
                map.children()
                    .find(|node| node.has_tag_name(name))
                    .and_then(|node| node.text())
                    .unwrap()
                    .to_string()
            };
            (text_of("V4"), text_of("V6"))
        })
        .collect();
    let expected = [
        (
            "0.0.0.2".to_string(),
            "2001:470:8418:a18::a0a:1805".to_string(),
        ),
        (
            "0.0.0.3".to_string(),
            "2001:470:8418:a18::a0a:ab7".to_string(),
        ),
    ];
    assert_eq!(pairs, expected);
}

/// Runs `generate` with empty standard input and returns its error.
fn run_error(options: &GenerateOptions) -> RunError {
    let mut stdout = Vec::new();
    let error = run(options, &mut io::empty(), &mut stdout).unwrap_err();
    assert!(stdout.is_empty(), "nothing is written before a run error");
    error
}

#[test]
fn missing_input_names_file_and_error() {
    let folder = tempfile::tempdir().unwrap();
    let path = folder.path().join("none.csv");
    let mut missing = options();
    missing.inputs = vec![path.to_string_lossy().into_owned()];
    let error = run_error(&missing);
    assert!(
        error
            .message
            .starts_with(&format!("failed to read '{}': ", path.display())),
        "{}",
        error.message
    );
    assert!(error.message.ends_with("(os error 2)"), "{}", error.message);
}

#[test]
fn output_checked_before_reading() {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("inventory.csv");
    std::fs::write(&input, "v4,v6\n").unwrap();
    let target = folder.path().join("add.xml");
    std::fs::write(&target, "old").unwrap();
    let mut existing = options();
    existing.inputs = vec![input.to_string_lossy().into_owned()];
    existing.output = Some(target.clone());
    let error = run_error(&existing);
    assert_eq!(
        error.message,
        format!(
            "'{}' already exists and --force was not given",
            target.display()
        )
    );
    assert!(error.help.unwrap().contains("--force"));
    assert_eq!(std::fs::read_to_string(&target).unwrap(), "old");
}

#[test]
fn input_as_output_rejected() {
    let folder = tempfile::tempdir().unwrap();
    let input = folder.path().join("inventory.csv");
    std::fs::write(&input, "v4,v6\n").unwrap();
    let mut same = options();
    same.inputs = vec![input.to_string_lossy().into_owned()];
    same.output = Some(folder.path().join(".").join("inventory.csv"));
    same.force = true;
    let error = run_error(&same);
    assert!(
        error
            .message
            .ends_with(&format!("it is the input '{}'", input.display())),
        "{}",
        error.message
    );
    assert_eq!(std::fs::read_to_string(&input).unwrap(), "v4,v6\n");
}

#[test]
fn upload_and_rejects_same_file() {
    let folder = tempfile::tempdir().unwrap();
    let mut same = options();
    same.inputs = vec!["-".to_string()];
    same.input_format = Some(InputFormat::Csv);
    same.output = Some(folder.path().join("out.csv"));
    same.rejects = Some(folder.path().join("out.csv"));
    let error = run_error(&same);
    assert!(
        error
            .message
            .starts_with("-o and --rejects name the same file"),
        "{}",
        error.message
    );
}

#[test]
fn missing_folder_checked_for_batches() {
    let folder = tempfile::tempdir().unwrap();
    let mut batches = options();
    batches.inputs = vec!["-".to_string()];
    batches.input_format = Some(InputFormat::Csv);
    batches.output = Some(folder.path().join("missing").join("add.xml"));
    batches.batch_size = Some(10);
    let error = run_error(&batches);
    assert!(
        error.message.contains("does not exist"),
        "{}",
        error.message
    );
}

#[test]
fn spreadsheet_safe_prefixes_formulas() {
    assert_eq!(spreadsheet_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
    assert_eq!(spreadsheet_safe("+1"), "'+1");
    assert_eq!(spreadsheet_safe("@sum"), "'@sum");
    assert_eq!(
        spreadsheet_safe("0.0.0.1,2001:db8::1"),
        "0.0.0.1,2001:db8::1"
    );
}
