//! Bounded work on hostile input: nesting bombs, entity bombs, huge lines,
//! huge elements. Each test gives a result (or an error) in bounded time and
//! never overflows the stack. The time limits are loose on purpose, so a
//! loaded machine does not fail them, but tight enough that quadratic work on
//! these sizes would.

use std::sync::Arc;
use std::time::{Duration, Instant};

use v6map::diagnostic::{Diagnostic, Rule};
use v6map::inventory::{self, InputFormat, Inventory, InventoryOptions};
use v6map::source::SourceFile;

/// Runs `work` and fails when it takes longer than `limit`.
fn within<T>(limit: Duration, what: &str, work: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let result = work();
    let elapsed = start.elapsed();
    assert!(
        elapsed <= limit,
        "{what} took {elapsed:?}, more than {limit:?}"
    );
    result
}

fn read_inventory_text(name: &str, text: String, format: InputFormat) -> Inventory {
    let file = Arc::new(SourceFile::new(name, text));
    let mut read = Inventory::default();
    inventory::read_inventory(file, format, &InventoryOptions::default(), &mut read);
    read
}

fn codes(diagnostics: &[Diagnostic]) -> Vec<&'static str> {
    diagnostics.iter().map(|d| d.rule.code()).collect()
}

#[test]
fn json_nested_brackets_no_overflow() {
    let depth = 100_000;
    let unclosed = "[".repeat(depth);
    let read = within(Duration::from_secs(5), "100,000 unclosed [", || {
        read_inventory_text("deep.json", unclosed, InputFormat::Json)
    });
    assert!(read.records.is_empty());
    assert!(
        codes(&read.diagnostics).contains(&Rule::InventoryFormat.code()),
        "{:?}",
        codes(&read.diagnostics)
    );

    let closed = format!("[{}{}]", "[".repeat(depth), "]".repeat(depth));
    let read = within(Duration::from_secs(5), "100,000 nested arrays", || {
        read_inventory_text("deep.json", closed, InputFormat::Json)
    });
    assert!(read.records.is_empty());
    assert!(!read.diagnostics.is_empty());
}

#[test]
fn json_nested_objects_in_value_no_overflow() {
    let depth = 100_000;
    let text = format!(
        "[{{\"v4\": \"0.0.0.1\", \"v6\": {}{}}}]",
        "{\"a\":".repeat(depth),
        "}".repeat(depth)
    );
    let read = within(Duration::from_secs(5), "100,000 nested objects", || {
        read_inventory_text("deep.json", text, InputFormat::Json)
    });
    assert!(read.records.is_empty());
    assert!(!read.diagnostics.is_empty());
}

/// Thirty megabytes of one CSV line without a line end.
#[test]
fn csv_long_line_without_newline() {
    let size = 30 * 1024 * 1024;
    let mut text = String::with_capacity(size + 16);
    text.push_str("v4,v6\n0.0.0.1,");
    text.extend(std::iter::repeat('a').take(size));
    let read = within(Duration::from_secs(20), "a 30 MB CSV line", || {
        read_inventory_text("long.csv", text, InputFormat::Csv)
    });
    assert!(read.records.is_empty());
    assert_eq!(read.rejected.len(), 1);
    let invalid: Vec<&Diagnostic> = read
        .diagnostics
        .iter()
        .filter(|d| d.rule == Rule::InvalidV6)
        .collect();
    assert_eq!(invalid.len(), 1, "{:?}", codes(&read.diagnostics));
    assert!(
        invalid[0].message.len() < 1000,
        "the message quotes the whole value: {} bytes",
        invalid[0].message.len()
    );
}

/// Thirty megabytes of one JSON Lines line without a line end.
#[test]
fn jsonl_long_line_without_newline() {
    let size = 30 * 1024 * 1024;
    let mut text = String::with_capacity(size + 32);
    text.push_str("{\"v4\": \"0.0.0.1\", \"v6\": \"");
    text.extend(std::iter::repeat('a').take(size));
    let read = within(Duration::from_secs(20), "a 30 MB JSON line", || {
        read_inventory_text("long.jsonl", text, InputFormat::Jsonl)
    });
    assert!(read.records.is_empty());
    assert_eq!(codes(&read.diagnostics), vec!["inventory-format"]);
    assert!(read.diagnostics[0].message.len() < 1000);
}

/// An invalid address of megabytes once produced a message that quoted it
/// whole, once per output format.
#[test]
fn huge_address_value_not_quoted_whole() {
    let value = format!("2001:db8::{}", "f".repeat(1 << 20));
    let finding = v6map::address::parse_v6(&value).expect_err("not an address");
    assert_eq!(finding.rule, Rule::InvalidV6);
    assert!(
        finding.message.len() < 200,
        "{} bytes",
        finding.message.len()
    );
    assert!(
        finding.message.contains("1048586 bytes"),
        "{}",
        finding.message
    );

    let value = format!("10.0.0.{}", "1".repeat(1 << 20));
    let finding = v6map::address::parse_v4(&value).expect_err("not an address");
    assert_eq!(finding.rule, Rule::InvalidV4);
    assert!(
        finding.message.len() < 200,
        "{} bytes",
        finding.message.len()
    );
}

/// A megabyte custom ID with a form-unsafe character is quoted by its start.
#[test]
fn huge_id_value_not_quoted_whole() {
    let text = format!("{}&", "x".repeat(1 << 20));
    let file = SourceFile::new("ids.csv", text.clone());
    let site = v6map::rules::ValueSite {
        file: &file,
        offset: 0,
        length: text.len(),
        verbatim: true,
        label: "column id",
        max_severity: v6map::diagnostic::Severity::Error,
    };
    let mut out = Vec::new();
    assert_eq!(v6map::rules::check_id(&text, &site, &mut out), None);
    assert_eq!(out.len(), 1);
    assert!(out[0].message.len() < 300, "{} bytes", out[0].message.len());
}

/// Columns are counted in characters; the block index must agree with a plain
/// count at every offset, around block boundaries and multi-byte characters.
#[test]
fn column_matches_plain_count_across_blocks() {
    let mut text = String::new();
    for n in 0..1500 {
        text.push(match n % 7 {
            0 => 'é',
            1 => '€',
            2 => '𝄞',
            3 if n % 300 == 3 => '\n',
            _ => 'a',
        });
    }
    let file = SourceFile::new("columns.txt", text.clone());
    for offset in (0..=text.len()).filter(|&offset| text.is_char_boundary(offset)) {
        let line_start = text[..offset].rfind('\n').map_or(0, |index| index + 1);
        let line = text[..offset].matches('\n').count() + 1;
        let column = text[line_start..offset].chars().count() + 1;
        assert_eq!(
            file.line_column(offset),
            (line as u32, column as u32),
            "offset {offset}"
        );
    }
}

/// A finding's column once cost a scan from the start of its line, so 100,000
/// findings on one 10 MB line took minutes.
#[test]
fn many_columns_on_one_long_line_fast() {
    let text = "é".repeat(5 << 20);
    let file = SourceFile::new("line.txt", text.clone());
    within(
        Duration::from_secs(5),
        "100,000 columns on a 10 MB line",
        || {
            for n in 0..100_000usize {
                let offset = (n * 104_729) % (text.len() / 2) * 2;
                let (line, column) = file.line_column(offset);
                assert_eq!(line, 1);
                assert_eq!(column as usize, offset / 2 + 1);
            }
        },
    );
}
