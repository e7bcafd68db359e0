//! Property tests: the inventory readers never panic, whatever the input, and
//! every record points at text that spells its addresses.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use proptest::prelude::*;
use v6map::diagnostic::Rule;
use v6map::inventory::{read_inventory, InputFormat, Inventory, InventoryOptions};
use v6map::source::SourceFile;

const FORMATS: [InputFormat; 3] = [InputFormat::Csv, InputFormat::Json, InputFormat::Jsonl];

fn read(file: &Arc<SourceFile>, format: InputFormat, options: &InventoryOptions) -> Inventory {
    let mut inventory = Inventory::default();
    read_inventory(Arc::clone(file), format, options, &mut inventory);
    inventory
}

/// Checks what must hold for any input: locations inside the text, and record
/// spans whose text is the address (JSON escapes aside).
fn check_invariants(file: &SourceFile, inventory: &Inventory) -> Result<(), TestCaseError> {
    let text = file.text();
    for diagnostic in &inventory.diagnostics {
        if let Some(location) = &diagnostic.location {
            prop_assert!(
                location.offset + location.length <= text.len(),
                "{diagnostic:?}"
            );
        }
    }
    for record in &inventory.records {
        let v4 =
            text.get(record.origin.v4.offset..record.origin.v4.offset + record.origin.v4.length);
        let v6 =
            text.get(record.origin.v6.offset..record.origin.v6.offset + record.origin.v6.length);
        prop_assert!(
            v4.is_some() && v6.is_some(),
            "span outside the text: {record:?}"
        );
        let (v4, v6) = (v4.unwrap_or_default(), v6.unwrap_or_default());
        if !v4.contains('\\') {
            prop_assert_eq!(
                v4.parse::<Ipv4Addr>().ok(),
                Some(record.v4),
                "V4 span {:?}",
                v4
            );
        }
        if !v6.contains('\\') {
            prop_assert_eq!(
                v6.parse::<Ipv6Addr>().ok(),
                Some(record.v6),
                "V6 span {:?}",
                v6
            );
        }
    }
    prop_assert!(inventory.rejected.iter().all(|row| row.line >= 1));
    Ok(())
}

/// Text built from pieces that matter to the readers, so that generated inputs
/// often contain headers, records, quotes and JSON structure.
fn inventory_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "v4",
        "V6",
        "ipv4",
        "ipv6",
        "id",
        ",",
        ";",
        "\t",
        "\"",
        "\"\"",
        "\n",
        "\r\n",
        "\r",
        " ",
        "\u{a0}",
        "\u{feff}",
        "0.0.0.1",
        "0.0.0.2",
        "0.0.0.010",
        "2a01::1",
        "2a01::2",
        "fe80::1%eth0",
        "sep=;",
        "{",
        "}",
        "[",
        "]",
        ":",
        "\"v4\"",
        "\"v6\"",
        "\"0.0.0.1\"",
        "\"2a01::1\"",
        "null",
        "1e400",
        "-",
        "\\",
        "\\u00",
        "é",
        "x",
    ]);
    prop::collection::vec(pieces, 0..40).prop_map(|pieces| pieces.concat())
}

fn options() -> impl Strategy<Value = InventoryOptions> {
    (
        prop::option::of(prop::sample::select(vec![b',', b';', b'\t', b'"', b'\n'])),
        prop::option::of(prop::sample::select(vec![
            "v4".to_string(),
            "V6".to_string(),
            String::new(),
        ])),
        any::<bool>(),
    )
        .prop_map(|(delimiter, v4_column, keep_ids)| InventoryOptions {
            delimiter,
            v4_column,
            v6_column: None,
            keep_ids,
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn readers_never_panic_on_strings(text in any::<String>(), options in options()) {
        let file = Arc::new(SourceFile::new("p", text));
        for format in FORMATS {
            let inventory = read(&file, format, &options);
            check_invariants(&file, &inventory)?;
        }
    }

    #[test]
    fn readers_never_panic_on_bytes(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
        if let Ok(file) = SourceFile::decode("p", bytes, Rule::InventoryFormat) {
            let file = Arc::new(file);
            for format in FORMATS {
                let inventory = read(&file, format, &InventoryOptions::default());
                check_invariants(&file, &inventory)?;
            }
        }
    }

    #[test]
    fn readers_never_panic_on_inventory_pieces(text in inventory_text(), options in options()) {
        let file = Arc::new(SourceFile::new("p", text));
        for format in FORMATS {
            let inventory = read(&file, format, &options);
            check_invariants(&file, &inventory)?;
        }
    }

    #[test]
    fn csv_rows_become_records_or_rejections(rows in prop::collection::vec((0u32..300, 0u16..3, any::<bool>()), 0..20)) {
        // Each row is valid unless its V4 octet is above 255; quoting varies.
        let mut text = String::from("v4,v6\n");
        for (octet, line_end, quoted) in &rows {
            let v4 = format!("0.0.1.{octet}");
            let v4 = if *quoted { format!("\"{v4}\"") } else { v4 };
            text.push_str(&format!("{v4},2a01::{octet:x}{}", ["\n", "\r\n", "\r"][usize::from(*line_end)]));
        }
        let file = Arc::new(SourceFile::new("p.csv", text));
        let inventory = read(&file, InputFormat::Csv, &InventoryOptions::default());
        check_invariants(&file, &inventory)?;
        let valid = rows.iter().filter(|(octet, _, _)| *octet <= 255).count();
        prop_assert_eq!(inventory.records.len(), valid);
        prop_assert_eq!(inventory.rejected.len(), rows.len() - valid);
        for (index, record) in inventory.records.iter().enumerate() {
            prop_assert!(index == 0 || inventory.records[index - 1].origin.v4.offset < record.origin.v4.offset);
        }
        let lines: Vec<u32> = inventory.rejected.iter().map(|row| row.line).collect();
        let expected: Vec<u32> = rows.iter().enumerate().filter(|(_, (octet, _, _))| *octet > 255).map(|(index, _)| index as u32 + 2).collect();
        prop_assert_eq!(lines, expected);
    }
}
