//! The functions each fuzz target runs on one input. `tests/fuzz_corpus.rs`
//! includes this file too, so plain `cargo test` replays the committed corpus
//! through exactly the code the fuzzers exercised.
//!
//! Every function takes raw bytes. A target that needs text skips input that
//! is not UTF-8, as libFuzzer's `&str` targets do.

#![allow(dead_code)]

use std::sync::Arc;

use v6map::address;
use v6map::check;
use v6map::diagnostic::{Diagnostic, Rule};
use v6map::dtd::Dtd;
use v6map::form::{self, Action};
use v6map::generate::GenerateOptions;
use v6map::inventory::{self, InputFormat, Inventory, InventoryOptions};
use v6map::render::{self, OutputFormat, RenderOptions};
use v6map::source::SourceFile;

/// Runs the address parsers, the range check and the classifier.
pub fn address(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (trimmed, offset) = address::trim_ascii_whitespace(text);
    assert!(offset + trimmed.len() <= text.len());
    for character in text.chars().take(8) {
        let _ = address::character_name(character);
    }
    if let Ok(v4) = address::parse_v4(text) {
        let _ = address::check_v4_range(v4);
    }
    if let Ok(v6) = address::parse_v6(text) {
        let _ = address::classify_v6(v6);
    }
    if !trimmed.is_empty() {
        let _ = address::parse_v4(trimmed);
        let _ = address::parse_v6(trimmed);
    }
}

/// Parses a DTD. When the input contains a NUL byte, the text after it is an
/// XML document validated against the DTD before it.
pub fn dtd_parse(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (dtd_text, document) = match text.split_once('\0') {
        Some((dtd_text, document)) => (dtd_text, Some(document)),
        None => (text, None),
    };
    let dtd = match Dtd::parse(dtd_text) {
        Ok(dtd) => dtd,
        Err(error) => {
            assert!(error.offset <= dtd_text.len());
            let _ = error.to_string();
            return;
        }
    };
    let names: Vec<String> = dtd.element_names().map(str::to_string).collect();
    for name in &names {
        let _ = dtd.content_model(name);
        assert!(dtd.is_declared(name));
    }
    let _ = dtd.root_names();
    let Some(document) = document else {
        return;
    };
    if let Ok(tree) = roxmltree::Document::parse(document) {
        for violation in dtd.validate_tree(tree.root_element()) {
            assert!(violation.range.start <= violation.range.end);
            assert!(violation.range.end <= document.len());
        }
    }
}

/// Decodes bytes as a CSV inventory and reads it, with the delimiter detected
/// and with `;` given explicitly.
pub fn inventory_csv(data: &[u8]) {
    let detected = InventoryOptions::default();
    let semicolon = InventoryOptions {
        delimiter: Some(b';'),
        keep_ids: true,
        ..InventoryOptions::default()
    };
    read_inventory_bytes(data, "fuzz.csv", InputFormat::Csv, &detected);
    read_inventory_bytes(data, "fuzz.csv", InputFormat::Csv, &semicolon);
}

/// Decodes bytes as a JSON inventory and reads it as JSON and as JSON Lines.
pub fn inventory_json(data: &[u8]) {
    let options = InventoryOptions {
        keep_ids: true,
        ..InventoryOptions::default()
    };
    read_inventory_bytes(data, "fuzz.json", InputFormat::Json, &options);
    read_inventory_bytes(data, "fuzz.jsonl", InputFormat::Jsonl, &options);
}

fn read_inventory_bytes(data: &[u8], name: &str, format: InputFormat, options: &InventoryOptions) {
    let file = match SourceFile::decode(name, data.to_vec(), Rule::InventoryFormat) {
        Ok(file) => Arc::new(file),
        Err(diagnostic) => {
            render_all(&[*diagnostic], &[]);
            return;
        }
    };
    let mut read = Inventory::default();
    inventory::read_inventory(file.clone(), format, options, &mut read);
    let length = file.text().len();
    for record in &read.records {
        assert!(record.origin.v4.offset + record.origin.v4.length <= length);
        assert!(record.origin.v6.offset + record.origin.v6.length <= length);
    }
    render_all(&read.diagnostics, &[file]);
}

/// Runs the form-header parser, checking that every range it returns lies
/// inside the text on character boundaries.
pub fn form_header(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let _ = form::looks_like_form(text);
    let header = form::parse_header(text);
    assert!(header.body_start <= text.len());
    let fields = header
        .fields
        .iter()
        .chain(header.data.as_ref().map(|(_, field)| field));
    for field in fields {
        for range in [&field.name_range, &field.value_range] {
            assert!(range.start <= range.end);
            assert!(range.end <= text.len());
            assert!(
                text.get(range.clone()).is_some(),
                "{range:?} splits a character"
            );
        }
        let _ = form::percent_decode(&text[field.value_range.clone()]);
    }
}

/// Checks one in-memory file as `v6map check` does, and renders its findings.
pub fn check_document(data: &[u8]) {
    let (source, diagnostics, _records) = check::check_bytes("fuzz.xml", data.to_vec());
    if source.text().is_empty() && !data.is_empty() {
        // The file could not be decoded: check returns an empty source, and
        // the one finding points at the offending byte of the raw data.
        assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
        for diagnostic in &diagnostics {
            let offset = diagnostic.location.as_ref().map_or(0, |l| l.offset);
            assert!(offset <= data.len(), "{diagnostic:?}");
        }
        render_first(&diagnostics, &[source]);
        return;
    }
    // Uploads over 8 MB are checked in chunks, which must give the same
    // findings as one whole parse; tiny chunks bring that path within reach.
    // Chunks also have a fast reader for generate's layout, which must agree
    // with roxmltree.
    for fast_path in [true, false] {
        let chunked = check::Tuning {
            chunk_threshold: 0,
            chunk_bytes: 16,
            threads: 1,
            fast_path,
        };
        let (_, chunked_diagnostics, _) =
            check::check_bytes_with("fuzz.xml", data.to_vec(), &chunked);
        assert_eq!(
            diagnostics, chunked_diagnostics,
            "chunked check differs (fast path {fast_path})"
        );
    }
    render_all(&diagnostics, &[source]);
}

/// Runs the whole generate pipeline on one inventory given as standard input,
/// in the format chosen by the first byte, writing the upload to memory. A
/// written upload must be well-formed and hold one IP_MAP per written record.
pub fn generate(data: &[u8]) {
    let Some((&selector, inventory)) = data.split_first() else {
        return;
    };
    let format = match selector % 3 {
        0 => InputFormat::Csv,
        1 => InputFormat::Json,
        _ => InputFormat::Jsonl,
    };
    let options = GenerateOptions {
        inputs: vec!["-".to_string()],
        input_format: Some(format),
        inventory: InventoryOptions {
            keep_ids: selector & 0x10 != 0,
            ..InventoryOptions::default()
        },
        action: if selector & 0x20 != 0 {
            Action::Remove
        } else {
            Action::Add
        },
        all_or_nothing: None,
        output: None,
        batch_size: None,
        force: false,
        skip_invalid: selector & 0x40 != 0,
        rejects: None,
    };

    let mut stdin = std::io::Cursor::new(inventory.to_vec());
    let mut stdout = Vec::new();
    let Ok(outcome) = v6map::generate::run(&options, &mut stdin, &mut stdout) else {
        return;
    };
    render_all(&outcome.diagnostics, &outcome.sources);
    if !outcome.wrote_output {
        assert!(stdout.is_empty());
        return;
    }

    let text = String::from_utf8(stdout).expect("the upload is UTF-8");
    let (header, xml) = text.split_once('\n').expect("a header line");
    assert!(
        header.starts_with("action=") && header.ends_with("&xml_data="),
        "{header}"
    );
    let document = roxmltree::Document::parse(xml).expect("the upload is well-formed");
    let maps = document
        .root_element()
        .children()
        .filter(|node| node.has_tag_name("IP_MAP"))
        .count();
    assert_eq!(maps, outcome.records_written);
    // What generate writes, check must accept without errors.
    let (_, findings, _) = check::check_bytes("generated.xml", text.into_bytes());
    assert!(
        !findings.iter().any(|finding| finding.is_error()),
        "check rejects generated output: {findings:?}"
    );
}

/// Checks that every location lies inside its file, and renders the first
/// few diagnostics in every format to memory, as the binary would print them.
/// Rendering all of them would make the fuzzers several times slower.
pub fn render_all(diagnostics: &[Diagnostic], sources: &[Arc<SourceFile>]) {
    for diagnostic in diagnostics {
        if let Some(location) = &diagnostic.location {
            if let Some(source) = sources.iter().find(|s| s.name() == &location.file) {
                assert!(
                    location.offset <= source.text().len(),
                    "offset {} past the end of {} bytes: {diagnostic:?}",
                    location.offset,
                    source.text().len()
                );
            }
        }
    }
    render_first(diagnostics, sources);
}

/// Renders the first few diagnostics in every format to memory.
pub fn render_first(diagnostics: &[Diagnostic], sources: &[Arc<SourceFile>]) {
    let options = RenderOptions {
        color: false,
        width: Some(80),
        max_shown: Some(20),
        ..RenderOptions::default()
    };
    for format in [
        OutputFormat::Human,
        OutputFormat::Json,
        OutputFormat::Github,
        OutputFormat::Sarif,
    ] {
        let mut out = Vec::new();
        let first = &diagnostics[..diagnostics.len().min(4)];
        render::render(format, first, sources, &mut out, &options)
            .expect("rendering to memory cannot fail");
    }
}
