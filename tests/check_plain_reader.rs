//! The plain reader of chunked checking against roxmltree: the same upload
//! checked with the plain reader, with roxmltree chunk by chunk, and as one
//! document must give the same findings and the same records.

use proptest::prelude::*;
use v6map::check::{check_bytes_with, check_document, Tuning};
use v6map::diagnostic::{Diagnostic, Rule};
use v6map::record::{Record, Span};

/// A record's addresses, ID and value spans.
type RecordKey = (
    std::net::Ipv4Addr,
    std::net::Ipv6Addr,
    Option<Box<str>>,
    Span,
    Span,
);

fn key(record: Record) -> RecordKey {
    (
        record.v4,
        record.v6,
        record.id,
        record.origin.v4,
        record.origin.v6,
    )
}

fn check(text: &str, tuning: &Tuning) -> (Vec<Diagnostic>, Vec<RecordKey>) {
    let (_, diagnostics, records) = check_bytes_with("big.xml", text.as_bytes().to_vec(), tuning);
    (diagnostics, records.into_iter().map(key).collect())
}

fn chunked(chunk_bytes: usize, fast_path: bool) -> Tuning {
    Tuning {
        chunk_threshold: 0,
        chunk_bytes,
        threads: 2,
        fast_path,
    }
}

fn whole() -> Tuning {
    Tuning {
        chunk_threshold: usize::MAX,
        ..Tuning::default()
    }
}

/// Checks `text` three ways and asserts that the results agree; returns
/// whether the chunked check kept its chunks.
fn assert_same(text: &str, chunk_bytes: usize) -> bool {
    let plain = check(text, &chunked(chunk_bytes, true));
    let tree = check(text, &chunked(chunk_bytes, false));
    assert_eq!(plain, tree, "plain reader against roxmltree chunks");
    assert_eq!(
        plain,
        check(text, &whole()),
        "plain reader against whole document"
    );
    let tuning = chunked(chunk_bytes, true);
    check_document("big.xml", text.as_bytes().to_vec(), &tuning).chunked
}

/// An upload in the layout that `generate` writes, with findings the plain
/// reader must report itself: whitespace around values, empty values, bad
/// and out-of-range addresses, custom IDs and duplicates.
fn plain_upload(count: usize) -> String {
    let mut text = String::from("action=add&xml_data=\n<IP_MAP_LIST>\n");
    for index in 1..=count {
        let v4 = format!("0.0.{}.{}", index / 256, index % 256);
        let v6 = format!("2001:470:1::{index:x}");
        let (id, v4, v6) = match index % 29 {
            2 => (Some("rack 7".to_string()), v4, v6),
            3 => (Some(" spaced ".to_string()), v4, v6),
            4 => (Some(String::new()), v4, v6),
            5 => (None, format!(" {v4}\t"), v6),
            6 => (None, v4, format!("\n{v6}\n")),
            7 => (None, String::new(), v6),
            8 => (None, v4, "   ".to_string()),
            9 => (None, "0.0.0.256".to_string(), v6),
            10 => (None, "10.0.0.1".to_string(), v6),
            11 => (None, v4, "fe80::1".to_string()),
            12 => (None, v4, "2001:db8::1".to_string()),
            13 => (None, v4, "2001:470::zz".to_string()),
            14 => (None, "0.0.0.1".to_string(), v6),
            15 => (None, v4, "2001:470:1::1".to_string()),
            16 => (None, "0.0.0.01".to_string(), v6),
            _ => (None, v4, v6),
        };
        text.push_str("<IP_MAP>\n");
        if let Some(id) = id {
            text.push_str(&format!("  <ID>{id}</ID>\n"));
        }
        text.push_str(&format!("  <V4>{v4}</V4>\n  <V6>{v6}</V6>\n</IP_MAP>\n"));
    }
    text.push_str("</IP_MAP_LIST>\n");
    text
}

#[test]
fn plain_upload_findings_match_roxmltree() {
    let text = plain_upload(400);
    let (diagnostics, records) = check(&text, &chunked(500, true));
    for rule in [
        Rule::WhitespaceInValue,
        Rule::EmptyValue,
        Rule::InvalidV4,
        Rule::V4OutOfRange,
        Rule::CustomIdIgnored,
        Rule::DuplicateV4,
        Rule::DuplicateV6,
    ] {
        assert!(
            diagnostics.iter().any(|d| d.rule == rule),
            "no {rule} in the fixture"
        );
    }
    assert!(records.len() > 300, "only {} records", records.len());
    for chunk_bytes in [1, 97, 500, 4096] {
        assert!(assert_same(&text, chunk_bytes), "{chunk_bytes}-byte chunks");
    }
}

#[test]
fn odd_element_mid_chunk_matches_roxmltree() {
    let base = plain_upload(120);
    let edits = [
        ("<V4>0.0.0.64</V4>", "<V4><![CDATA[0.0.0.64]]></V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.&#54;4</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4 >0.0.0.64</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4/>"),
        ("<V4>0.0.0.64</V4>", "<!-- c --><V4>0.0.0.64</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64</V4><V4>0.0.0.65</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64\r\n</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64></V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64]]></V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64\r</V4>"),
        ("<V4>0.0.0.64</V4>", "<V4>0.0.0.64é</V4>"),
        ("<V4>0.0.0.64</V4>", "x<V4>0.0.0.64</V4>"),
        ("<V4>0.0.0.64</V4>", "<HOST/><V4>0.0.0.64</V4>"),
        ("<V4>0.0.0.64</V4>", ""),
        ("<IP_MAP>\n  <V4>0.0.0.64", "<IP_MAP a='1'>\n  <V4>0.0.0.64"),
        (
            "<IP_MAP>\n  <V4>0.0.0.64",
            "<STRAY/><IP_MAP>\n  <V4>0.0.0.64",
        ),
        ("<IP_MAP>\n  <V4>0.0.0.64", "text<IP_MAP>\n  <V4>0.0.0.64"),
        (
            "<IP_MAP>\n  <V4>0.0.0.64",
            "<?pi x?><IP_MAP>\n  <V4>0.0.0.64",
        ),
    ];
    for (from, to) in edits {
        assert!(base.contains(from), "{from:?}");
        let text = base.replacen(from, to, 1);
        for chunk_bytes in [1, 300, 2000] {
            assert_same(&text, chunk_bytes);
        }
    }
}

/// Characters for values: mostly plain, some that make the reader fall back.
fn value() -> impl Strategy<Value = String> {
    let piece = prop::sample::select(vec![
        "0",
        "1",
        "2",
        "9",
        ".",
        ":",
        "::",
        "a",
        "f",
        "2001",
        "470",
        "db8",
        "fe80",
        "256",
        " ",
        "\t",
        "\n",
        "+",
        "%",
        "#",
        "z",
        "/",
        "\"",
        "'",
        "]]",
        ">",
        "\r",
        "é",
        "&amp;",
        "&#x31;",
        "<![CDATA[1]]>",
        "<!--c-->",
    ]);
    prop_oneof![
        3 => prop::sample::select(vec![
            "0.0.0.1", "0.0.0.2", "0.0.1.0", "0.254.255.255", "0.255.0.1", "10.0.0.1", "0.0.0.256",
            "", " 0.0.0.3", "0.0.0.4\n", "2001:470::1", "2001:470::2", "2001:470:1::3", "fe80::1",
            "2001:db8::5", "::1", "::", "2001:470::zz", " 2001:470::6 ", "\t", "0.0.0.7\r",
            "2001:470::8\r\n", "a]]>b", "a>b", "0.0.0.9&#10;", "0.0.0.10\u{85}", "\u{A0}0.0.0.11",
        ])
        .prop_map(str::to_string),
        2 => prop::collection::vec(piece, 0..6).prop_map(|pieces| pieces.concat()),
    ]
}

fn space() -> impl Strategy<Value = &'static str> {
    prop::sample::select(vec!["", "", "\n", "\n  ", " ", "\t", "\r\n", "\n\n"])
}

/// Generates an `IP_MAP` in the plain layout, with any values and white space.
fn plain_ip_map() -> impl Strategy<Value = String> {
    (
        prop::option::of(value()),
        value(),
        value(),
        prop::collection::vec(space(), 5),
    )
        .prop_map(|(id, v4, v6, spaces)| {
            let id = id.map_or(String::new(), |id| format!("<ID>{id}</ID>{}", spaces[0]));
            format!(
                "<IP_MAP>{}{id}<V4>{v4}</V4>{}<V6>{v6}</V6>{}</IP_MAP>{}",
                spaces[1], spaces[2], spaces[3], spaces[4]
            )
        })
}

/// One child of the root: a plain `IP_MAP`, one with a change that the
/// plain reader must hand to roxmltree, or something else at the root.
fn item() -> impl Strategy<Value = String> {
    let plain = plain_ip_map;
    let change = prop::sample::select(vec![
        ("<V4>", "<V4 a='1'>"),
        ("<IP_MAP>", "<IP_MAP b=\">\">"),
        ("<V4>", "<!-- </IP_MAP> --><V4>"),
        ("<V4>", "<?pi?><V4>"),
        ("<V4>", "<V6>2001:470::9</V6><V4>"),
        ("</V6>", "</V6><V4>0.0.0.9</V4>"),
        ("</V6>", "</V6><HOST>h</HOST>"),
        ("</V6>", "</V6>text"),
        ("<ID>", "<ID a='x'>"),
        ("<V6>", "<ID>late</ID><V6>"),
        ("<V4>", "<v4>"),
        ("</V4>", "</v4>"),
        ("<V4>", "<V44>"),
        ("</V4>", "</V44>"),
        ("</IP_MAP>", "</IP_MAP >"),
        ("<V6>", "<a:V6 xmlns:a='urn:x'>"),
        ("</V6>", "</a:V6>"),
        ("<IP_MAP>", "<IP_MAP xmlns='urn:x'>"),
        ("<V4>", "<V4/><V4>"),
        ("<V4>", ""),
        ("</V6>", ""),
        ("<IP_MAP>", "<IP_MAP><IP_MAP>"),
        ("</IP_MAP>", ""),
        ("<V6>", "<![CDATA[x]]><V6>"),
    ]);
    let changed =
        (plain_ip_map(), change).prop_map(|(element, (from, to))| element.replacen(from, to, 1));
    let other = prop::sample::select(vec![
        "<STRAY/>",
        "text",
        "<!-- c&d -->",
        "<!-- </IP_MAP> -->",
        "<?pi </IP_MAP> ?>",
        "<![CDATA[ ]]>",
        "&#32;",
        "&amp;",
        "<IP_MAP/>",
        "<IP_MAP></IP_MAP>",
        "</IP_MAP>",
        "<IP_MAP>",
        "\r",
        "é",
        ">",
    ])
    .prop_map(str::to_string);
    prop_oneof![8 => plain(), 2 => changed, 1 => other]
}

fn upload() -> impl Strategy<Value = String> {
    (prop::collection::vec(item(), 0..40), space()).prop_map(|(items, space)| {
        format!(
            "action=add&xml_data=\n<IP_MAP_LIST>{space}{}</IP_MAP_LIST>\n",
            items.concat()
        )
    })
}

proptest! {
    #[test]
    fn plain_reader_equals_roxmltree(text in upload(), chunk_bytes in 1usize..400) {
        let plain = check(&text, &chunked(chunk_bytes, true));
        let tree = check(&text, &chunked(chunk_bytes, false));
        prop_assert_eq!(&plain, &tree);
        prop_assert_eq!(&plain, &check(&text, &whole()));
    }
}
