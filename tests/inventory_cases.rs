//! Inventory inputs that real tools got wrong, read through the public reader
//! API. Each fixture under `tests/fixtures/cases/` is checked for which lines
//! become records (with their exact addresses), which lines are rejected, with
//! which rule, and the message fragments a user needs to fix the input.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::path::Path;
use std::sync::Arc;

use v6map::diagnostic::{Diagnostic, Rule, Severity};
use v6map::inventory::{read_inventory, InputFormat, Inventory, InventoryOptions};
use v6map::source::SourceFile;

fn read_case_with(name: &str, options: &InventoryOptions) -> Inventory {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name);
    let bytes = std::fs::read(&path)
        .unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()));
    let file = SourceFile::decode(name, bytes, Rule::InventoryFormat)
        .unwrap_or_else(|error| panic!("{name} does not decode: {}", error.message));
    let format = InputFormat::from_path(name).expect("fixture has a known extension");
    let mut inventory = Inventory::default();
    read_inventory(Arc::new(file), format, options, &mut inventory);
    inventory
}

fn read_case(name: &str) -> Inventory {
    read_case_with(name, &InventoryOptions::default())
}

/// Lists the records as (line, V4, V6), with the line of the V4 value.
fn accepted(inventory: &Inventory) -> Vec<(u32, String, String)> {
    inventory
        .records
        .iter()
        .map(|record| {
            (
                record.origin.v4_location().line,
                record.v4.to_string(),
                record.v6.to_string(),
            )
        })
        .collect()
}

/// Lists the rejected rows as (line, rule code).
fn rejected(inventory: &Inventory) -> Vec<(u32, &'static str)> {
    inventory
        .rejected
        .iter()
        .map(|row| (row.line, row.code))
        .collect()
}

fn diagnostics_on(inventory: &Inventory, line: u32) -> Vec<&Diagnostic> {
    inventory
        .diagnostics
        .iter()
        .filter(|d| {
            d.location
                .as_ref()
                .is_some_and(|location| location.line == line)
        })
        .collect()
}

fn errors(inventory: &Inventory) -> Vec<&Diagnostic> {
    inventory
        .diagnostics
        .iter()
        .filter(|d| d.severity == Severity::Error)
        .collect()
}

fn rejection_message(inventory: &Inventory, line: u32) -> &str {
    let row = inventory.rejected.iter().find(|row| row.line == line);
    &row.unwrap_or_else(|| panic!("line {line} was not rejected: {:?}", rejected(inventory)))
        .message
}

fn owned(rows: &[(u32, &str, &str)]) -> Vec<(u32, String, String)> {
    rows.iter()
        .map(|&(line, v4, v6)| (line, v4.to_string(), v6.to_string()))
        .collect()
}

#[test]
fn c01_leading_zero_octets_rejected() {
    let inventory = read_case("C01.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[(6, "0.0.0.14", "2001:db8::105")])
    );
    assert_eq!(
        rejected(&inventory),
        vec![
            (2, "invalid-v4"),
            (3, "invalid-v4"),
            (4, "invalid-v4"),
            (5, "invalid-v4")
        ]
    );

    let line2 = rejection_message(&inventory, 2);
    assert!(line2.contains("octet 4 '010'"), "{line2}");
    assert!(line2.contains("octal 8"), "{line2}");
    assert!(line2.contains("decimal 10"), "{line2}");
    assert!(line2.ends_with("(column ipv4)"), "{line2}");
    let line4 = rejection_message(&inventory, 4);
    assert!(
        line4.contains("octal 10") && line4.contains("decimal 12"),
        "{line4}"
    );
    for line in [3, 5] {
        let message = rejection_message(&inventory, line);
        assert!(
            message.contains("leading zero") && message.contains("octal"),
            "{message}"
        );
    }

    let invalid = diagnostics_on(&inventory, 2)
        .into_iter()
        .find(|d| d.rule == Rule::InvalidV4)
        .expect("invalid-v4 on line 2");
    assert!(
        invalid
            .help
            .as_deref()
            .is_some_and(|help| help.contains("0.0.0.10")),
        "{:?}",
        invalid.help
    );
}

#[test]
fn c03_ascii_space_trimmed_no_break_space_named() {
    let inventory = read_case("C03.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (2, "0.0.0.50", "2001:db8::50"),
            (3, "0.0.0.51", "2001:db8::51"),
            (4, "0.0.0.52", "2001:db8::52"),
            (6, "0.0.0.54", "2001:db8::54"),
        ])
    );
    assert_eq!(rejected(&inventory), vec![(5, "invalid-v4")]);
    let message = rejection_message(&inventory, 5);
    assert!(
        message.contains("U+00A0 NO-BREAK SPACE after '0.0.0.53' (column IPv4)"),
        "{message}"
    );

    let trimmed: Vec<u32> = inventory
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::WhitespaceInValue)
        .filter_map(|d| d.location.as_ref().map(|location| location.line))
        .collect();
    assert_eq!(trimmed, vec![2, 3, 4, 6]);
    assert!(inventory
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::WhitespaceInValue)
        .all(|d| d.severity == Severity::Warning));
}

#[test]
fn c04_bom_quoted_header_crlf_accepted() {
    let inventory = read_case("C04.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (2, "0.0.0.60", "2001:db8::60"),
            (3, "0.0.0.61", "2001:db8::61")
        ])
    );
    assert!(errors(&inventory).is_empty(), "{:?}", errors(&inventory));
    assert!(inventory
        .diagnostics
        .iter()
        .all(|d| d.rule != Rule::InventoryFormat && d.rule != Rule::ExtraField));
    // The quoted value's span is its text inside the quotes.
    let quoted = inventory.records[0].origin.v4_location();
    assert_eq!((quoted.line, quoted.column, quoted.length), (2, 2, 8));
}

#[test]
fn c05_excel_sep_line_honoured() {
    let inventory = read_case("C05.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (3, "0.0.0.70", "2001:db8::70"),
            (4, "0.0.0.71", "2001:db8::71")
        ])
    );
    assert!(errors(&inventory).is_empty(), "{:?}", errors(&inventory));
}

#[test]
fn c05_forced_comma_fails_once_with_hint() {
    let options = InventoryOptions {
        delimiter: Some(b','),
        ..InventoryOptions::default()
    };
    let inventory = read_case_with("C05.csv", &options);
    assert!(inventory.records.is_empty());
    assert_eq!(
        inventory.diagnostics.len(),
        1,
        "{:?}",
        inventory.diagnostics
    );
    let error = &inventory.diagnostics[0];
    assert_eq!(error.rule, Rule::InventoryFormat);
    assert!(
        error
            .message
            .contains("file looks semicolon-delimited; pass --delimiter ';'"),
        "{}",
        error.message
    );
    assert_eq!(
        error.location.as_ref().map(|location| location.line),
        Some(2)
    );
}

#[test]
fn c06_utf16_tab_separated_transcoded() {
    let inventory = read_case("C06.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (2, "0.0.0.80", "2001:db8::80"),
            (3, "0.0.0.81", "2001:db8::81")
        ])
    );
    assert!(errors(&inventory).is_empty(), "{:?}", errors(&inventory));
    assert!(inventory
        .diagnostics
        .iter()
        .all(|d| !d.message.contains('\0')));
}

#[test]
fn c07_ragged_rows_against_header() {
    let inventory = read_case("C07.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (2, "0.0.0.90", "2001:db8::90"),
            (3, "0.0.0.91", "2001:db8::91")
        ])
    );
    assert_eq!(rejected(&inventory), vec![(4, "inventory-format")]);
    assert_eq!(inventory.rejected[0].raw, "0.0.0.92");

    let warning = diagnostics_on(&inventory, 2)
        .into_iter()
        .find(|d| d.rule == Rule::ExtraField)
        .expect("extra-field on line 2");
    assert_eq!(warning.severity, Severity::Warning);
    assert!(
        warning.message.contains("trailing empty field ignored"),
        "{}",
        warning.message
    );

    let error = diagnostics_on(&inventory, 4)
        .into_iter()
        .find(|d| d.is_error())
        .expect("error on line 4");
    assert_eq!(error.rule, Rule::InventoryFormat);
    assert_eq!(
        error.message,
        "line 4: 1 field, expected 2 (IPv4, IPv6); IPv6 is missing"
    );
}

#[test]
fn c08_repeated_key_rejected() {
    let inventory = read_case("C08.json");
    assert_eq!(
        accepted(&inventory),
        owned(&[(3, "0.0.0.102", "2001:db8::102")])
    );
    assert_eq!(rejected(&inventory), vec![(2, "inventory-format")]);
    let message = rejection_message(&inventory, 2);
    assert!(
        message.contains("duplicate key \"v6\" in object at index 0"),
        "{message}"
    );
    let picked = inventory.records.iter().any(|r| {
        r.v6 == "2001:db8::100".parse::<Ipv6Addr>().unwrap()
            || r.v6 == "2001:db8::101".parse::<Ipv6Addr>().unwrap()
    });
    assert!(!picked, "one of the repeated values was picked");
}

#[test]
fn c10_non_string_addresses_rejected() {
    let inventory = read_case("C10.json");
    assert_eq!(
        accepted(&inventory),
        owned(&[(5, "0.0.0.123", "2001:db8::123")])
    );
    assert_eq!(
        rejected(&inventory),
        vec![
            (2, "inventory-format"),
            (3, "inventory-format"),
            (4, "inventory-format")
        ]
    );

    let number = rejection_message(&inventory, 2);
    assert!(
        number.contains("v4 must be a string such as \"0.0.0.1\", found number 1"),
        "{number}"
    );
    assert!(number.contains("/0/v4"), "{number}");
    let big = rejection_message(&inventory, 3);
    assert!(
        big.contains("found number 42540766411282592856903984951653826849"),
        "{big}"
    );
    assert!(big.contains("/1/v6"), "{big}");
    let null = rejection_message(&inventory, 4);
    assert!(
        null.contains("found null") && null.contains("/2/v6"),
        "{null}"
    );
    assert!(
        inventory
            .records
            .iter()
            .all(|r| r.v4 != Ipv4Addr::new(0, 0, 0, 1)),
        "a number became an address"
    );

    let unknown = diagnostics_on(&inventory, 5)
        .into_iter()
        .find(|d| d.rule == Rule::ExtraField)
        .expect("extra-field on line 5");
    assert_eq!(unknown.severity, Severity::Warning);
    assert!(
        unknown.message.contains("\"owner\"") && unknown.message.contains("/3/owner"),
        "{}",
        unknown.message
    );
    let location = unknown.location.as_ref().unwrap();
    assert_eq!((location.line, location.column), (5, 46));
}

#[test]
fn c11_zone_ids_and_brackets_rejected() {
    let inventory = read_case("C11.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[(5, "0.0.0.33", "fe80::33"), (6, "0.0.0.34", "2001:db8::34")])
    );
    assert_eq!(
        rejected(&inventory),
        vec![(2, "invalid-v6"), (3, "invalid-v6"), (4, "invalid-v6")]
    );
    assert!(rejection_message(&inventory, 2).contains("zone index '%eth0'"));
    assert!(rejection_message(&inventory, 3).contains("zone index '%2'"));
    let brackets = diagnostics_on(&inventory, 4)
        .into_iter()
        .find(|d| d.rule == Rule::InvalidV6)
        .unwrap();
    assert!(
        brackets
            .help
            .as_deref()
            .is_some_and(|help| help.contains("remove the brackets")),
        "{:?}",
        brackets.help
    );
    let link_local = diagnostics_on(&inventory, 5)
        .into_iter()
        .find(|d| d.rule == Rule::V6LinkLocal)
        .expect("link-local warning");
    assert_eq!(link_local.severity, Severity::Warning);
}

#[test]
fn c12_spellings_all_read_as_records() {
    // Duplicates are found later over all records; the reader keeps every row.
    let inventory = read_case("C12.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (2, "0.0.0.40", "2001:db8::40"),
            (3, "0.0.0.41", "2001:db8::40"),
            (4, "0.0.0.42", "2001:db8::42"),
            (5, "0.0.0.40", "2001:db8::43"),
            (6, "0.0.0.44", "2001:db8::42"),
            (7, "0.0.0.45", "2001:db8::45"),
            (8, "0.0.0.45", "2001:db8::45"),
        ])
    );
    assert!(errors(&inventory).is_empty(), "{:?}", errors(&inventory));
    let expanded = inventory.records[2].origin.v6_location();
    assert_eq!((expanded.column, expanded.length), (10, 39));
}

#[test]
fn c13_special_ipv6_values_rejected() {
    let inventory = read_case("C13.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[(7, "0.0.0.10", "2001:db8::a")])
    );
    assert_eq!(
        rejected(&inventory),
        vec![
            (2, "invalid-v4"),
            (3, "v6-special-use"),
            (4, "v6-special-use"),
            (5, "v6-special-use"),
            (6, "v6-special-use")
        ]
    );
    assert!(rejection_message(&inventory, 2).contains("IPv4-mapped"));
    assert!(rejection_message(&inventory, 4).contains("loopback"));
    assert!(rejection_message(&inventory, 5).contains("IPv4-compatible"));
    assert!(rejection_message(&inventory, 6).contains("unspecified"));
}

#[test]
fn c15_v4_outside_mapping_range_rejected() {
    let inventory = read_case("C15.csv");
    assert_eq!(
        accepted(&inventory),
        owned(&[
            (5, "0.254.255.255", "2001:db8::153"),
            (6, "0.0.0.1", "2001:db8::154")
        ])
    );
    assert_eq!(
        rejected(&inventory),
        vec![
            (2, "v4-out-of-range"),
            (3, "v4-out-of-range"),
            (4, "v4-out-of-range")
        ]
    );
    assert!(rejection_message(&inventory, 3).contains("below"));
    assert!(rejection_message(&inventory, 4).contains("above"));
}

/// Builds a CSV of `rows` records with a bad value every 9973 rows. With
/// `quoted`, the first V4 is quoted, so the reader stays on one thread.
fn big_csv(rows: u32, quoted: bool) -> String {
    let mut text = String::from("ipv4,ipv6\r\n");
    for index in 1..=rows {
        let v4 = format!("0.{}.{}.{}", index >> 16, (index >> 8) & 255, index & 255);
        let v4 = match (index, quoted) {
            (1, true) => format!("\"{v4}\""),
            _ if index % 9973 == 0 => format!("{v4}0"),
            _ => v4,
        };
        text.push_str(&format!(
            "{v4},2001:470:{:x}::{:x}\r\n",
            index >> 16,
            index & 0xffff
        ));
    }
    text
}

/// Summarizes an inventory as comparable lines: records with their V6 line,
/// and findings with their rule and line.
fn summary(inventory: &Inventory) -> (Vec<String>, Vec<String>) {
    let records = inventory
        .records
        .iter()
        .map(|record| {
            format!(
                "{} {} {}",
                record.v4,
                record.v6,
                record.origin.v6_location().line
            )
        })
        .collect();
    let findings = inventory
        .diagnostics
        .iter()
        .map(|d| {
            format!(
                "{} {} {}",
                d.rule.code(),
                d.location.as_ref().unwrap().line,
                d.message
            )
        })
        .collect();
    (records, findings)
}

#[test]
fn big_csv_two_threads_match_one() {
    let read = |text: String| {
        let file = Arc::new(SourceFile::new("big.csv", text));
        let mut inventory = Inventory::default();
        read_inventory(
            file,
            InputFormat::Csv,
            &InventoryOptions::default(),
            &mut inventory,
        );
        inventory
    };
    // About 6 MB, above the size at which an unquoted body is split in two.
    let split = read(big_csv(150_000, false));
    let whole = read(big_csv(150_000, true));
    assert_eq!(split.records.len(), 150_000 - 15);
    assert_eq!(split.rejected.len(), 15);
    assert_eq!(summary(&split), summary(&whole));
    let lines: Vec<u32> = split.rejected.iter().map(|row| row.line).collect();
    assert_eq!(lines, (1..=15).map(|n| n * 9973 + 1).collect::<Vec<u32>>());
}
