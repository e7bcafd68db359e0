//! Arbitrary bytes given to `check` and `generate` through the library always
//! give a result: findings, an outcome or a run error, never a panic.

use std::io::Cursor;

use proptest::collection::vec;
use proptest::prelude::*;
use v6map::check;
use v6map::form::Action;
use v6map::generate::{self, GenerateOptions};
use v6map::inventory::{InputFormat, InventoryOptions};

/// Pieces of upload files and Qualys responses, so that random sequences
/// reach the XML, DTD and value checks instead of stopping at the first byte.
const XML_PIECES: &[&str] = &[
    "action=add&xml_data=",
    "action=remove&all_or_nothing=1&xml_data=",
    "xml_data=%3CIP_MAP_LIST%3E",
    "\n",
    "\r",
    " ",
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>",
    "<!DOCTYPE IP_MAP_LIST SYSTEM \"ip_map_list.dtd\">",
    "<!DOCTYPE IP_MAP_LIST_OUTPUT SYSTEM \"https://example.invalid/ip_map_list_output.dtd\">",
    "<!DOCTYPE x [<!ENTITY a \"b\">]>",
    "<IP_MAP_LIST>",
    "</IP_MAP_LIST>",
    "<IP_MAP_LIST_OUTPUT>",
    "</IP_MAP_LIST_OUTPUT>",
    "<RESPONSE>",
    "</RESPONSE>",
    "<DATETIME>2024-01-01T00:00:00Z</DATETIME>",
    "<SIMPLE_RETURN>",
    "</SIMPLE_RETURN>",
    "<CODE>1905</CODE>",
    "<TEXT>x</TEXT>",
    "<WARNING>",
    "</WARNING>",
    "<IP_MAP>",
    "</IP_MAP>",
    "<V4>",
    "</V4>",
    "<V6>",
    "</V6>",
    "<ID>",
    "</ID>",
    "0.0.0.1",
    "0.0.0.1",
    "10.0.0.1",
    "2001:470:8418:a18::1",
    "2001:db8::1",
    "::1",
    "fe80::1%eth0",
    "&amp;",
    "&#x41;",
    "&a;",
    "<![CDATA[",
    "]]>",
    "<!--",
    "-->",
    "<x/>",
    "é",
    "\u{FEFF}",
    "&",
    "%",
    "+",
    "#",
];

const INVENTORY_PIECES: &[&str] = &[
    "v4,v6\n",
    "v4;v6;id\n",
    "sep=;\n",
    "IPv4\tIPv6\n",
    "0.0.0.1",
    "0.0.0.2",
    "0.254.255.255",
    "2001:470:8418:a18::1",
    "2001:db8::1",
    "::ffff:1.2.3.4",
    ",",
    ";",
    "\t",
    "\"",
    "\"\"",
    "\n",
    "\r\n",
    "\r",
    " ",
    "[",
    "]",
    "{",
    "}",
    "\"v4\":",
    "\"v6\":",
    "\"id\":",
    "\"0.0.0.1\"",
    "\"2001:470:8418:a18::1\"",
    "null",
    "1e999",
    "\\u0000",
    "\\ud800",
    "\u{FEFF}",
    "x&y",
];

fn pieces(alphabet: &'static [&'static str]) -> impl Strategy<Value = Vec<u8>> {
    vec(0..alphabet.len(), 0..60).prop_map(move |indices| {
        indices
            .into_iter()
            .flat_map(|index| alphabet[index].bytes())
            .collect()
    })
}

fn generate_stdin(bytes: Vec<u8>, format: InputFormat) {
    let options = GenerateOptions {
        inputs: vec!["-".to_string()],
        input_format: Some(format),
        inventory: InventoryOptions {
            keep_ids: true,
            ..InventoryOptions::default()
        },
        action: Action::Add,
        all_or_nothing: None,
        output: None,
        batch_size: None,
        force: false,
        skip_invalid: true,
        rejects: None,
    };
    let mut stdin = Cursor::new(bytes);
    let mut stdout = Vec::new();
    if let Ok(outcome) = generate::run(&options, &mut stdin, &mut stdout) {
        if outcome.wrote_output {
            assert!(stdout.starts_with(b"action=add&xml_data=\n"));
            let text = String::from_utf8(stdout).expect("the upload is UTF-8");
            let xml = text.split_once('\n').expect("a header line").1;
            let document = roxmltree::Document::parse(xml).expect("the upload is well-formed");
            let maps = document
                .root_element()
                .children()
                .filter(|node| node.has_tag_name("IP_MAP"))
                .count();
            assert_eq!(maps, outcome.records_written);
        } else {
            assert!(stdout.is_empty());
        }
    }
}

fn format_strategy() -> impl Strategy<Value = InputFormat> {
    prop_oneof![
        Just(InputFormat::Csv),
        Just(InputFormat::Json),
        Just(InputFormat::Jsonl)
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn check_arbitrary_bytes_no_panic(bytes in vec(any::<u8>(), 0..2048)) {
        let _ = check::check_bytes("arbitrary.xml", bytes);
    }

    #[test]
    fn check_xml_pieces_no_panic(bytes in pieces(XML_PIECES)) {
        let (source, diagnostics, _) = check::check_bytes("pieces.xml", bytes);
        for diagnostic in &diagnostics {
            if let Some(location) = &diagnostic.location {
                prop_assert!(location.offset <= source.text().len());
            }
        }
    }

    #[test]
    fn generate_arbitrary_bytes_no_panic(
        bytes in vec(any::<u8>(), 0..2048),
        format in format_strategy(),
    ) {
        generate_stdin(bytes, format);
    }

    #[test]
    fn generate_inventory_pieces_no_panic(
        bytes in pieces(INVENTORY_PIECES),
        format in format_strategy(),
    ) {
        generate_stdin(bytes, format);
    }
}
