//! Agreement with xmllint on a fixed corpus, without running xmllint.
//!
//! `tests/fixtures/dtd-corpus/verdicts.tsv` contains xmllint's recorded verdict
//! for each document there; see the README in that folder.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use v6map::dtd::Dtd;

struct Row {
    file: String,
    dtd: String,
    xmllint_exit: i32,
    first_message: String,
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/dtd-corpus")
}

fn read_verdicts() -> Vec<Row> {
    let text =
        std::fs::read_to_string(corpus_dir().join("verdicts.tsv")).expect("read verdicts.tsv");
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("file\tdtd\txmllint_exit\tfirst_message"),
        "verdicts.tsv header"
    );
    lines
        .map(|line| {
            let fields: Vec<&str> = line.split('\t').collect();
            assert_eq!(fields.len(), 4, "verdicts.tsv row has 4 fields: {line:?}");
            Row {
                file: fields[0].to_owned(),
                dtd: fields[1].to_owned(),
                xmllint_exit: fields[2].parse().expect("exit code is a number"),
                first_message: fields[3].to_owned(),
            }
        })
        .collect()
}

#[test]
fn corpus_verdicts_match_xmllint() {
    let rows = read_verdicts();
    assert!(rows.len() >= 30, "the corpus has {} documents", rows.len());
    let mut disagreements = Vec::new();
    for row in &rows {
        let text =
            std::fs::read_to_string(corpus_dir().join(&row.file)).expect("read corpus document");
        // Qualys responses start with a DOCTYPE, which roxmltree rejects unless allowed.
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..roxmltree::ParsingOptions::default()
        };
        let document = roxmltree::Document::parse_with_options(&text, options)
            .expect("corpus documents are well formed");
        let dtd = Dtd::bundled(&row.dtd)
            .unwrap_or_else(|| panic!("{}: unknown DTD {}", row.file, row.dtd));
        let violations = dtd.validate_tree(document.root_element());
        let xmllint_valid = row.xmllint_exit == 0;
        if violations.is_empty() != xmllint_valid {
            let ours: Vec<&str> = violations
                .iter()
                .map(|violation| violation.message.as_str())
                .collect();
            disagreements.push(format!(
                "{}: xmllint exit {} ({}), v6map {:?}",
                row.file, row.xmllint_exit, row.first_message, ours
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdicts differ:\n{}",
        disagreements.join("\n")
    );
}

#[test]
fn corpus_names_match_verdicts() {
    for row in read_verdicts() {
        let case = row
            .file
            .strip_prefix(&format!("{}.", row.dtd))
            .expect("file name starts with its DTD");
        let named_valid = case.starts_with("valid-");
        assert!(
            named_valid || case.starts_with("invalid-"),
            "{}: name starts with valid- or invalid-",
            row.file
        );
        assert_eq!(
            named_valid,
            row.xmllint_exit == 0,
            "{}: name disagrees with xmllint's verdict",
            row.file
        );
    }
}

#[test]
fn corpus_files_all_have_verdicts() {
    let listed: BTreeSet<String> = read_verdicts().into_iter().map(|row| row.file).collect();
    let present: BTreeSet<String> = std::fs::read_dir(corpus_dir())
        .expect("list corpus")
        .map(|entry| {
            entry
                .expect("corpus entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| name.ends_with(".xml"))
        .collect();
    assert_eq!(
        listed, present,
        "run tests/fixtures/dtd-corpus/regenerate.sh after adding a document"
    );
}
