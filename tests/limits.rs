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
    eprintln!("{what}: {elapsed:?}");
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
    text.push_str(&"a".repeat(size));
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
    text.push_str(&"a".repeat(size));
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

fn check_text(name: &str, text: String) -> Vec<Diagnostic> {
    let (_, diagnostics, _) = v6map::check::check_bytes(name, text.into_bytes());
    diagnostics
}

fn has_code(diagnostics: &[Diagnostic], rule: Rule) -> bool {
    diagnostics.iter().any(|d| d.rule == rule)
}

/// The billion-laughs entity bomb: ten levels of ten references each. It is
/// rejected from the DOCTYPE scan, before any parser could expand it.
#[test]
fn entity_bomb_rejected_before_expansion() {
    let mut doctype = String::from("<!DOCTYPE IP_MAP_LIST [\n<!ENTITY lol0 \"lol\">\n");
    for level in 1..10 {
        let previous = format!("&lol{};", level - 1);
        doctype.push_str(&format!(
            "<!ENTITY lol{level} \"{}\">\n",
            previous.repeat(10)
        ));
    }
    doctype.push_str("]>\n");
    let text = format!(
        "action=add&xml_data={doctype}<IP_MAP_LIST><IP_MAP><V4>0.0.0.2</V4><V6>&lol9;</V6></IP_MAP></IP_MAP_LIST>\n"
    );
    let diagnostics = within(Duration::from_millis(500), "an entity bomb", || {
        check_text("bomb.xml", text)
    });
    let entity = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::EntityDeclaration)
        .count();
    assert_eq!(entity, 1, "{:?}", codes(&diagnostics));
    // Each raw '&' of the references is also a form-unsafe character, of
    // which at most 100 are reported one by one, plus a summary.
    assert!(diagnostics.len() <= 102, "{} findings", diagnostics.len());
}

/// An external entity would make a parser open a file or a URL.
#[test]
fn external_entity_rejected_unopened() {
    let text = "<?xml version=\"1.0\"?>\n<!DOCTYPE IP_MAP_LIST_OUTPUT [\n\
        <!ENTITY secret SYSTEM \"file:///etc/passwd\">\n\
        <!ENTITY remote SYSTEM \"http://127.0.0.1:9/x.dtd\">\n]>\n\
        <IP_MAP_LIST_OUTPUT><RESPONSE><DATETIME>&secret;&remote;</DATETIME></RESPONSE></IP_MAP_LIST_OUTPUT>\n";
    let diagnostics = within(Duration::from_millis(500), "an external entity", || {
        check_text("external.xml", text.to_string())
    });
    let entity: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::EntityDeclaration)
        .collect();
    assert_eq!(entity.len(), 1, "{diagnostics:?}");
    assert!(
        !diagnostics.iter().any(|d| d.message.contains("root:")),
        "the file was read: {diagnostics:?}"
    );
}

/// The walk that looks for IP_MAP_LIST in a response recursed once per
/// element level and overflowed the stack at 100,000 levels.
#[test]
fn nested_response_elements_no_stack_overflow() {
    let depth = 100_000;
    let text = format!(
        "<IP_MAP_LIST_OUTPUT>{}{}</IP_MAP_LIST_OUTPUT>",
        "<RESPONSE>".repeat(depth),
        "</RESPONSE>".repeat(depth)
    );
    let diagnostics = within(Duration::from_secs(10), "100,000 nested elements", || {
        check_text("deep.xml", text)
    });
    assert!(has_code(&diagnostics, Rule::SchemaViolation));
}

#[test]
fn nested_upload_elements_no_stack_overflow() {
    let depth = 100_000;
    let text = format!(
        "action=add&xml_data={}{}\n",
        "<IP_MAP_LIST>".repeat(depth),
        "</IP_MAP_LIST>".repeat(depth)
    );
    let diagnostics = within(
        Duration::from_secs(10),
        "100,000 nested IP_MAP_LIST",
        || check_text("deep-upload.xml", text),
    );
    assert!(has_code(&diagnostics, Rule::SchemaViolation));
}

/// roxmltree compares every attribute with the earlier ones of its element,
/// so a million attributes on one element took hours before the pre-scan.
#[test]
fn million_attributes_rejected_before_parse() {
    let mut text = String::from("action=add&xml_data=<IP_MAP_LIST");
    for n in 0..1_000_000 {
        text.push_str(&format!(" a{n}=\"x\""));
    }
    text.push_str(
        "><IP_MAP><V4>0.0.0.2</V4><V6>2001:470:8418:a18::1</V6></IP_MAP></IP_MAP_LIST>\n",
    );
    let diagnostics = within(Duration::from_secs(5), "a million attributes", || {
        check_text("attributes.xml", text)
    });
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(diagnostics[0].rule, Rule::SchemaViolation);
    assert!(diagnostics[0].message.contains("1000000 attributes"));
}

/// Many elements of a few attributes each: every attribute would be a finding.
#[test]
fn attributes_over_many_elements_bounded() {
    let element = format!(
        "<IP_MAP {}/>",
        (0..60)
            .map(|n| format!("a{n}=\"x\""))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let text = format!(
        "<IP_MAP_LIST_OUTPUT>{}</IP_MAP_LIST_OUTPUT>",
        element.repeat(20_000)
    );
    let diagnostics = within(Duration::from_secs(5), "1.2 million attributes", || {
        check_text("attributes.xml", text)
    });
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert!(diagnostics[0]
        .message
        .contains("more than 10000 attributes"));
}

/// A form header of millions of `a&` fields once kept every field and two
/// findings for each: 900 MB and minutes for a 4 MB file.
#[test]
fn form_header_field_flood_bounded() {
    let text = format!(
        "action=add&{}xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.2</V4><V6>2001:470:8418:a18::1</V6></IP_MAP></IP_MAP_LIST>\n",
        "a&".repeat(2_000_000)
    );
    let diagnostics = within(Duration::from_secs(10), "2,000,000 header fields", || {
        check_text("fields.xml", text)
    });
    assert!(diagnostics.len() <= 2_100, "{} findings", diagnostics.len());
    assert!(
        diagnostics
            .iter()
            .any(|d| d.message.contains("more parameters after the first 1000")),
        "no summary finding"
    );
}

/// Distinct names made the repeated-parameter lookup quadratic.
#[test]
fn form_header_distinct_names_not_quadratic() {
    let mut fields = String::new();
    for n in 0..900 {
        fields.push_str(&format!("p{n}=1&"));
    }
    let text = format!(
        "action=add&{fields}xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.2</V4><V6>2001:470:8418:a18::1</V6></IP_MAP></IP_MAP_LIST>\n"
    );
    let diagnostics = within(Duration::from_secs(2), "900 distinct fields", || {
        check_text("distinct.xml", text)
    });
    let unknown = diagnostics
        .iter()
        .filter(|d| d.message.starts_with("unknown form parameter"))
        .count();
    assert_eq!(unknown, 900);
}

/// Twenty megabytes of text in one V6 element: one finding, a short message.
#[test]
fn huge_text_node_one_finding() {
    let size = 20 * 1024 * 1024;
    let text = format!(
        "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.2</V4><V6>{}</V6></IP_MAP></IP_MAP_LIST>\n",
        "f".repeat(size)
    );
    let diagnostics = within(Duration::from_secs(20), "a 20 MB text node", || {
        check_text("text.xml", text)
    });
    assert_eq!(diagnostics.len(), 1, "{:?}", codes(&diagnostics));
    assert_eq!(diagnostics[0].rule, Rule::InvalidV6);
    assert!(diagnostics[0].message.len() < 300);
}

/// A whole upload of ten megabytes on one line, without a line end.
#[test]
fn upload_on_one_long_line() {
    let mut text = String::from("action=add&xml_data=<IP_MAP_LIST>");
    let mut n = 0u32;
    while text.len() < 10 * 1024 * 1024 {
        n += 1;
        text.push_str(&format!(
            "<IP_MAP><V4>0.{}.{}.{}</V4><V6>2001:470:8418:a18::{:x}:{:x}</V6></IP_MAP>",
            n >> 16 & 0xff,
            n >> 8 & 0xff,
            n & 0xff,
            n >> 16,
            n & 0xffff
        ));
    }
    text.push_str("</IP_MAP_LIST>");
    let (_, diagnostics, records) = within(Duration::from_secs(20), "a 10 MB line", || {
        v6map::check::check_bytes("line.xml", text.into_bytes())
    });
    assert!(diagnostics.is_empty(), "{:?}", codes(&diagnostics));
    assert_eq!(records.len(), n as usize);
}

/// An endless input such as `/dev/zero` was read until memory ran out.
#[test]
fn endless_input_stops_at_limit() {
    let mut endless = std::io::repeat(0);
    let error = within(Duration::from_secs(2), "an endless reader", || {
        v6map::source::read_bounded(&mut endless, 0, 1 << 20).expect_err("over the limit")
    });
    assert_eq!(error.kind(), std::io::ErrorKind::InvalidData);
    assert!(error.to_string().contains("1048576 bytes"), "{error}");

    let exact = vec![7u8; 1 << 20];
    let read = v6map::source::read_bounded(&mut exact.as_slice(), 1 << 20, 1 << 20)
        .expect("exactly the limit is read");
    assert_eq!(read, exact);
}
