//! Properties of `generate` on random CSV inventories, run through the
//! library with the CSV reader: generated uploads re-parse to the input pairs,
//! and duplicate findings do not depend on row order.

use std::collections::{BTreeMap, BTreeSet};
use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;
use v6map::diagnostic::Rule;
use v6map::form::Action;
use v6map::generate::{run, GenerateOptions, GenerateOutcome};
use v6map::inventory::{InputFormat, InventoryOptions};

fn options() -> GenerateOptions {
    GenerateOptions {
        inputs: vec!["-".to_string()],
        input_format: Some(InputFormat::Csv),
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

/// Runs generate on `csv` as standard input and returns the outcome and stdout.
fn generate(csv: &str) -> (GenerateOutcome, String) {
    let mut stdout = Vec::new();
    let outcome = run(&options(), &mut csv.as_bytes(), &mut stdout).expect("the run completes");
    (outcome, String::from_utf8(stdout).expect("UTF-8 upload"))
}

/// Returns the (V4, V6) pairs of an upload, parsed from its XML.
fn parse_pairs(upload: &str) -> Vec<(Ipv4Addr, Ipv6Addr)> {
    let xml = upload
        .strip_prefix("action=add&xml_data=\n")
        .expect("the add header");
    let document = roxmltree::Document::parse(xml).expect("well-formed XML");
    document
        .root_element()
        .children()
        .filter(|node| node.has_tag_name("IP_MAP"))
        .map(|map| {
            let text_of = |name: &str| {
                map.children()
                    .find(|node| node.has_tag_name(name))
                    .and_then(|node| node.text())
                    .unwrap_or_default()
                    .to_string()
            };
            (
                text_of("V4").parse().unwrap(),
                text_of("V6").parse().unwrap(),
            )
        })
        .collect()
}

/// Generates a V4 in Qualys's mapping range 0.0.0.1 - 0.254.255.255.
fn mapping_v4() -> impl Strategy<Value = Ipv4Addr> {
    (1u32..0x00ff_0000).prop_map(Ipv4Addr::from)
}

/// Generates a global unicast V6 from 2000::/3, which no rule rejects.
fn global_v6() -> impl Strategy<Value = Ipv6Addr> {
    (any::<u128>(), any::<u8>()).prop_map(|(bits, zero_mask)| {
        let mut groups = Ipv6Addr::from(bits).segments();
        // Zero some groups so that the `::` shortening is exercised.
        for (index, group) in groups.iter_mut().enumerate().skip(1) {
            if zero_mask & (1 << index) != 0 {
                *group = 0;
            }
        }
        groups[0] = 0x2000 | (groups[0] & 0x1fff);
        Ipv6Addr::from(groups)
    })
}

/// Spells a V6 the way inventories do: canonical, upper case or fully expanded.
fn spell_v6(address: Ipv6Addr, style: u8) -> String {
    match style % 3 {
        0 => address.to_string(),
        1 => address.to_string().to_uppercase(),
        _ => address
            .segments()
            .iter()
            .map(|group| format!("{group:04x}"))
            .collect::<Vec<_>>()
            .join(":"),
    }
}

/// Generates unique pairs: no V4 and no V6 twice.
fn unique_pairs() -> impl Strategy<Value = Vec<(Ipv4Addr, Ipv6Addr, u8)>> {
    proptest::collection::vec((mapping_v4(), global_v6(), any::<u8>()), 1..40).prop_map(|pairs| {
        let mut seen_v4 = BTreeSet::new();
        let mut seen_v6 = BTreeSet::new();
        pairs
            .into_iter()
            .filter(|(v4, v6, _)| seen_v4.insert(*v4) && seen_v6.insert(*v6))
            .collect()
    })
}

/// Generates rows drawn from a few addresses, so that duplicates of every kind are common.
fn rows_with_duplicates() -> impl Strategy<Value = Vec<(u8, u8)>> {
    proptest::collection::vec((0u8..5, 0u8..5), 1..14)
}

fn csv_of(rows: &[(u8, u8)]) -> String {
    let mut csv = String::from("v4,v6\n");
    for (v4, v6) in rows {
        csv.push_str(&format!("0.0.0.{},2001:470::{}\n", v4 + 1, v6 + 1));
    }
    csv
}

/// Returns each duplicate finding as its rule and the set of rows it names,
/// where `row_of_line` maps a line of the file to a row's identity.
fn duplicate_findings(
    outcome: &GenerateOutcome,
    row_of_line: impl Fn(u32) -> usize,
) -> BTreeMap<(Rule, BTreeSet<usize>), usize> {
    let mut findings = BTreeMap::new();
    for diagnostic in &outcome.diagnostics {
        if !matches!(
            diagnostic.rule,
            Rule::DuplicateV4 | Rule::DuplicateV6 | Rule::DuplicateRecord
        ) {
            continue;
        }
        let mut rows = BTreeSet::new();
        rows.insert(row_of_line(
            diagnostic.location.as_ref().expect("a location").line,
        ));
        for related in &diagnostic.related {
            rows.insert(row_of_line(related.location.line));
        }
        *findings.entry((diagnostic.rule, rows)).or_insert(0) += 1;
    }
    findings
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn unique_pairs_round_trip(pairs in unique_pairs()) {
        let mut csv = String::from("v4,v6\n");
        for (v4, v6, style) in &pairs {
            csv.push_str(&format!("{v4},{}\n", spell_v6(*v6, *style)));
        }
        let (outcome, upload) = generate(&csv);
        prop_assert!(outcome.wrote_output, "{:?}", outcome.diagnostics);
        prop_assert!(!outcome.diagnostics.iter().any(|d| d.is_error()), "{:?}", outcome.diagnostics);
        let expected: Vec<(Ipv4Addr, Ipv6Addr)> = pairs.iter().map(|(v4, v6, _)| (*v4, *v6)).collect();
        prop_assert_eq!(parse_pairs(&upload), expected);
        // Every V6 is written in its canonical form.
        for (_, v6, _) in &pairs {
            let canonical = format!("<V6>{v6}</V6>\n");
            prop_assert!(upload.contains(&canonical), "{}", canonical);
        }
    }

    #[test]
    fn duplicates_independent_of_order(
        (rows, shuffled) in rows_with_duplicates().prop_flat_map(|rows| {
            let order: Vec<usize> = (0..rows.len()).collect();
            (Just(rows), Just(order).prop_shuffle())
        })
    ) {
        let (outcome, _) = generate(&csv_of(&rows));
        // Line 1 is the header, so row i is on line i + 2.
        let original = duplicate_findings(&outcome, |line| line as usize - 2);

        let shuffled_rows: Vec<(u8, u8)> = shuffled.iter().map(|&index| rows[index]).collect();
        let (shuffled_outcome, _) = generate(&csv_of(&shuffled_rows));
        let reordered = duplicate_findings(&shuffled_outcome, |line| shuffled[line as usize - 2]);

        prop_assert_eq!(original, reordered);
        prop_assert_eq!(outcome.wrote_output, shuffled_outcome.wrote_output);
        prop_assert_eq!(outcome.records_written, shuffled_outcome.records_written);
    }
}
