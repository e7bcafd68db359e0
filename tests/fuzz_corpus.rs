//! Replays the minimized fuzz corpus in `tests/fixtures/fuzz-corpus/TARGET/`
//! through the same functions the fuzz targets call, so every input that once
//! crashed a reader, or that covers a path the fuzzers found, is re-checked by
//! plain `cargo test`.

use std::path::{Path, PathBuf};

#[path = "../fuzz/harness.rs"]
mod harness;

fn corpus_files(target: &str) -> Vec<PathBuf> {
    let folder = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/fuzz-corpus")
        .join(target);
    let mut files: Vec<PathBuf> = std::fs::read_dir(&folder)
        .unwrap_or_else(|error| panic!("cannot list {}: {error}", folder.display()))
        .map(|entry| entry.expect("folder entry").path())
        .filter(|path| path.is_file())
        .collect();
    files.sort();
    files
}

/// Runs `run` on every corpus file of `target`, naming the file that panics.
fn replay(target: &str, run: fn(&[u8])) {
    let files = corpus_files(target);
    assert!(!files.is_empty(), "the {target} corpus is empty");
    for path in files {
        let data = std::fs::read(&path).expect("readable corpus file");
        let outcome = std::panic::catch_unwind(|| run(&data));
        assert!(outcome.is_ok(), "{} panicked", path.display());
    }
}

#[test]
fn address_corpus() {
    replay("address", harness::address);
}

#[test]
fn dtd_parse_corpus() {
    replay("dtd_parse", harness::dtd_parse);
}

#[test]
fn inventory_csv_corpus() {
    replay("inventory_csv", harness::inventory_csv);
}

#[test]
fn inventory_json_corpus() {
    replay("inventory_json", harness::inventory_json);
}

#[test]
fn form_header_corpus() {
    replay("form_header", harness::form_header);
}

#[test]
fn check_document_corpus() {
    replay("check_document", harness::check_document);
}

#[test]
fn generate_corpus() {
    replay("generate", harness::generate);
}
