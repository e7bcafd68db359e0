//! `v6map check`: lint upload files and Qualys responses.
//!
//! Each file is recognised from its content: an upload file (form header,
//! then an `IP_MAP_LIST`), a list output (`IP_MAP_LIST_OUTPUT`) or an add or
//! remove response (`SIMPLE_RETURN`). Every document is validated against the
//! bundled DTD its root element selects; a DOCTYPE is read but never fetched.
//! Records are checked with the shared value rules, and duplicates are looked
//! for across all upload files of the same action in one run.

mod chunk;
mod records;
mod response;
mod upload;
mod xml;

use std::io::Read;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::dtd::Dtd;
use crate::form::{self, Action, DataField};
use crate::record::Record;
use crate::source::{self, SourceFile, STDIN_NAME};
use crate::RunError;

use records::RecordTable;
use xml::{Mapping, RecordSource};

/// Options of one `check` run.
#[derive(Clone, Debug, Default)]
pub struct CheckOptions {
    /// Input paths; `-` is standard input.
    pub inputs: Vec<String>,
    /// Look for duplicates within each file only, not across the files of a run.
    pub per_file: bool,
}

/// The findings and inputs of a `check` run.
#[derive(Debug, Default)]
pub struct CheckOutcome {
    /// Every finding, grouped by file in argument order.
    pub diagnostics: Vec<Diagnostic>,
    /// The inputs that could be read, for rendering snippets.
    pub sources: Vec<Arc<SourceFile>>,
    /// Files that could not be read; each makes the exit code 2.
    pub unreadable: Vec<RunError>,
    /// The number of files checked.
    pub files_checked: usize,
}

/// The kind of a checked file, recognised from its content.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DocumentKind {
    /// An upload file; the action is `None` when the header has no valid one.
    Upload(Option<Action>),
    /// A list output, `IP_MAP_LIST_OUTPUT`.
    ListOutput,
    /// An add or remove response, `SIMPLE_RETURN`.
    SimpleReturn,
    /// Anything else, including files that could not be decoded.
    Unknown,
}

/// Settings for checking big uploads in chunks.
#[derive(Clone, Copy, Debug)]
pub struct Tuning {
    /// Uploads whose XML is longer than this many bytes are checked in chunks.
    pub chunk_threshold: usize,
    /// The approximate size of a chunk in bytes; a chunk ends at the first
    /// `</IP_MAP>` after this many bytes.
    pub chunk_bytes: usize,
    /// The number of threads that check chunks.
    pub threads: usize,
    /// Whether chunks read `IP_MAP` elements in the layout that `generate`
    /// writes directly, without roxmltree. The findings are the same either
    /// way; turning this off is for tests that compare the two readers.
    pub fast_path: bool,
}

impl Default for Tuning {
    fn default() -> Tuning {
        Tuning {
            chunk_threshold: 8 << 20,
            chunk_bytes: 8192,
            // NOTE: capped at two threads, the only count measured so far.
            threads: std::thread::available_parallelism().map_or(1, |count| count.get().min(2)),
            fast_path: true,
        }
    }
}

/// The result of checking one file on its own, before duplicates are compared.
#[derive(Debug)]
pub struct FileCheck {
    /// The decoded file; empty when it could not be decoded.
    pub source: Arc<SourceFile>,
    /// The file's kind.
    pub kind: DocumentKind,
    /// The findings about this file alone, in no particular order.
    pub diagnostics: Vec<Diagnostic>,
    /// True when the XML was checked in chunks rather than parsed whole.
    pub chunked: bool,
    records: RecordTable,
}

impl FileCheck {
    /// Returns the number of valid records in the file.
    pub fn record_count(&self) -> usize {
        self.records.len()
    }

    /// Returns the valid records, in file order.
    pub fn records(&self) -> Vec<Record> {
        self.records.to_records(&self.source)
    }
}

/// Checks one file held in memory, duplicates within it included. Returns the
/// decoded file, its findings sorted by position, and its valid records.
pub fn check_bytes(name: &str, bytes: Vec<u8>) -> (Arc<SourceFile>, Vec<Diagnostic>, Vec<Record>) {
    check_bytes_with(name, bytes, &Tuning::default())
}

/// Like [`check_bytes`], with explicit chunk settings.
pub fn check_bytes_with(
    name: &str,
    bytes: Vec<u8>,
    tuning: &Tuning,
) -> (Arc<SourceFile>, Vec<Diagnostic>, Vec<Record>) {
    let mut check = check_document(name, bytes, tuning);
    let group = [(&check.source, &check.records)];
    let (record_severity, max_severity) = duplicate_severities(check.kind);
    let found = records::group_duplicates(&group, record_severity, max_severity);
    check.diagnostics.extend(found);
    sort_in_file(&mut check.diagnostics);
    let records = check.records();
    (check.source, check.diagnostics, records)
}

/// Returns the severity of `duplicate-record` and the cap of every duplicate finding.
fn duplicate_severities(kind: DocumentKind) -> (Severity, Severity) {
    match kind {
        DocumentKind::ListOutput => (Severity::Warning, Severity::Warning),
        _ => (Severity::Error, Severity::Error),
    }
}

/// Sorts the findings of one file by position, then rule, then message, so
/// the order does not depend on how the file was checked.
fn sort_in_file(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map_or((usize::MAX, 0), |l| (l.offset, l.length))
        };
        key(a)
            .cmp(&key(b))
            .then(a.rule.cmp(&b.rule))
            .then_with(|| a.message.cmp(&b.message))
    });
}

/// Checks one file on its own: its kind, form header, XML, DTD and values.
pub fn check_document(name: &str, bytes: Vec<u8>, tuning: &Tuning) -> FileCheck {
    let utf16 = utf16_encoding(&bytes);
    let source = match SourceFile::decode_lossy(name, bytes, Rule::NotWellFormed) {
        (source, None) => Arc::new(source),
        (source, Some(diagnostic)) => {
            return FileCheck {
                source: Arc::new(source),
                kind: DocumentKind::Unknown,
                diagnostics: vec![*diagnostic],
                chunked: false,
                records: RecordTable::default(),
            }
        }
    };
    if let (Some(encoding), true) = (utf16, form::looks_like_form(source.text())) {
        // curl sends the file's bytes unchanged, so a UTF-16 form body reaches
        // Qualys as NUL-interleaved bytes with no readable action parameter.
        return FileCheck {
            diagnostics: vec![Diagnostic::new(
                Rule::FormHeader,
                format!("the upload file is {encoding}, so Qualys would receive no readable form fields"),
            )
            .with_help("save it as UTF-8 without a byte-order mark (iconv -f UTF-16 -t UTF-8), or let v6map write it with generate -o FILE")
            .at(source.location(0, 0))],
            source,
            kind: DocumentKind::Unknown,
            chunked: false,
            records: RecordTable::default(),
        };
    }
    let mut check = FileCheck {
        source: source.clone(),
        kind: DocumentKind::Unknown,
        diagnostics: Vec::new(),
        chunked: false,
        records: RecordTable::default(),
    };
    let text = source.text();
    let content = text.trim_start_matches(['\u{FEFF}', ' ', '\t', '\r', '\n']);

    if form::looks_like_form(text) {
        let header = upload::check_header(&source, &mut check.diagnostics);
        check.kind = DocumentKind::Upload(header.action);
        if header.data == Some(DataField::Csv) {
            // Reported by check_header: the CSV layout is not documented.
        } else if let Some(diagnostic) = upload::encoded_value(&source, header.body_start) {
            check.diagnostics.push(diagnostic);
        } else {
            let body_start = header.body_start;
            if text.len() - body_start > tuning.chunk_threshold && tuning.threads > 1 {
                // The scan for form-unsafe characters runs beside the XML check.
                let body = std::thread::scope(|scope| {
                    let scan = scope.spawn(|| {
                        let mut found = Vec::new();
                        upload::check_body(&source, body_start, &mut found);
                        found
                    });
                    check_xml(&mut check, body_start, true, tuning);
                    scan.join()
                });
                match body {
                    Ok(found) => check.diagnostics.extend(found),
                    Err(panic) => std::panic::resume_unwind(panic),
                }
            } else {
                upload::check_body(&source, body_start, &mut check.diagnostics);
                check_xml(&mut check, body_start, true, tuning);
            }
        }
    } else if content.starts_with('<') {
        check_xml(&mut check, 0, false, tuning);
    } else {
        check.diagnostics.push(unknown_content(&source, content));
    }
    check
}

/// Describes a file that is neither a form body nor XML.
fn unknown_content(file: &SourceFile, content: &str) -> Diagnostic {
    let first_line = content.lines().next().unwrap_or_default();
    let (found, help) = if content.is_empty() {
        (
            "the file is empty".to_string(),
            "check that this is the file you meant",
        )
    } else if content.starts_with(['{', '[']) {
        (
            "it looks like JSON, perhaps an inventory".to_string(),
            "to turn an inventory into an upload file, run `v6map generate FILE -o add.xml`",
        )
    } else if first_line.contains([',', ';', '\t']) {
        (
            "it looks like a CSV file, perhaps an inventory (a CSV file? use v6map generate)"
                .to_string(),
            "to turn an inventory into an upload file, run `v6map generate FILE -o add.xml`",
        )
    } else {
        (
            "it is not XML and has no form header".to_string(),
            "check that this is the file you meant",
        )
    };
    Diagnostic::new(
        Rule::UnknownDocument,
        format!(
            "the file is not an upload file (action=...&xml_data=<IP_MAP_LIST>), a list output (IP_MAP_LIST_OUTPUT) \
             or a SIMPLE_RETURN response: {found}"
        ),
    )
    .with_help(help)
    .at(file.location(0, 0))
}

/// Checks the XML that starts at `start`. `in_form` is true when it is the
/// xml_data value of a form header, so it must be an IP_MAP_LIST.
fn check_xml(check: &mut FileCheck, start: usize, in_form: bool, tuning: &Tuning) {
    let file = check.source.clone();
    let text = file.text();
    let out = &mut check.diagnostics;
    let prolog = xml::scan_prolog(text, start);

    if let Some(diagnostic) = prolog
        .doctype
        .as_ref()
        .and_then(|doctype| xml::entity_diagnostic(&file, doctype))
    {
        out.push(diagnostic);
        if !in_form {
            check.kind = kind_of_root(prolog.root.as_ref().map(|(name, _)| name.as_str()));
        }
        return;
    }

    let root = prolog
        .root
        .as_ref()
        .map(|(name, range)| (name.as_str(), range.clone()));
    let is_upload = match root.clone() {
        Some(("IP_MAP_LIST", _)) => true,
        // A name that runs to the end of the file is a cut-off start tag. The
        // parser then reports the truncation, which is more useful than the name.
        Some((_, range)) if in_form && range.end >= file.text().len() => true,
        Some((name, range)) if in_form => {
            out.push(
                Diagnostic::new(
                    Rule::UnknownDocument,
                    format!("the root element of the xml_data value is {name}, but an upload carries an IP_MAP_LIST"),
                )
                .with_help("put the records to add or remove in <IP_MAP_LIST><IP_MAP><V4>...</V4><V6>...</V6></IP_MAP></IP_MAP_LIST>")
                .at(file.location(range.start, range.len())),
            );
            return;
        }
        Some((name, range)) => {
            check.kind = kind_of_root(Some(name));
            if check.kind == DocumentKind::Unknown {
                out.push(unknown_root(&file, name, range));
                return;
            }
            false
        }
        None => in_form,
    };
    if is_upload && !in_form {
        check.kind = DocumentKind::Upload(None);
        out.push(upload::missing_header(&file));
        upload::check_body(&file, 0, out);
    }

    let dtd = root
        .as_ref()
        .and_then(|(name, _)| xml::dtd_name_for_root(name))
        .and_then(Dtd::bundled);
    if let (Some(doctype), Some((name, _))) = (&prolog.doctype, &root) {
        xml::doctype_diagnostics(&file, doctype, name, out);
    }

    if let Some(diagnostic) = xml::attribute_flood(&file, start) {
        out.push(diagnostic);
        return;
    }

    let xml_text = &text[start..];
    if is_upload && xml_text.len() > tuning.chunk_threshold {
        if let Some((diagnostics, records)) =
            chunk::check_chunked(&file, start, &prolog, dtd, tuning)
        {
            check.diagnostics.extend(diagnostics);
            check.records = records;
            check.chunked = true;
            return;
        }
    }

    let document = match xml::parse(xml_text) {
        Ok(document) => document,
        Err(error) => {
            out.push(xml::parse_error(&file, xml_text, start, &error, in_form));
            return;
        }
    };
    let mapping = Mapping {
        base: start,
        synthetic: 0,
    };
    let root_node = document.root_element();
    if let Some(dtd) = dtd {
        xml::violation_diagnostics(&file, mapping, dtd.validate_tree(root_node), out);
    }
    let mut records = RecordTable::default();
    match check.kind {
        DocumentKind::Upload(_) => xml::check_records(
            root_node,
            xml_text,
            &file,
            mapping,
            RecordSource::Upload,
            out,
            &mut records,
        ),
        DocumentKind::ListOutput => {
            xml::check_records(
                root_node,
                xml_text,
                &file,
                mapping,
                RecordSource::Response,
                out,
                &mut records,
            );
            response::check_list_output(root_node, &file, mapping, out);
        }
        DocumentKind::SimpleReturn => response::check_simple_return(root_node, &file, mapping, out),
        DocumentKind::Unknown => {}
    }
    check.records = records;
}

fn kind_of_root(root: Option<&str>) -> DocumentKind {
    match root {
        Some("IP_MAP_LIST") => DocumentKind::Upload(None),
        Some("IP_MAP_LIST_OUTPUT") => DocumentKind::ListOutput,
        Some("SIMPLE_RETURN") => DocumentKind::SimpleReturn,
        _ => DocumentKind::Unknown,
    }
}

fn unknown_root(file: &SourceFile, name: &str, range: std::ops::Range<usize>) -> Diagnostic {
    Diagnostic::new(
        Rule::UnknownDocument,
        format!(
            "the root element is {name}; v6map checks upload files (IP_MAP_LIST after action=...&xml_data=), \
             list outputs (IP_MAP_LIST_OUTPUT) and SIMPLE_RETURN responses"
        ),
    )
    .with_help("check that this is the file you meant")
    .at(file.location(range.start, range.len()))
}

/// Reads one input; `-` is standard input, which can be read once.
fn read_input(
    input: &str,
    stdin: &mut dyn Read,
    stdin_used: &mut bool,
    threads: usize,
) -> Result<(String, Vec<u8>), RunError> {
    if input == "-" {
        if *stdin_used {
            return Err(
                RunError::new("standard input ('-') is given more than once")
                    .with_help("pass '-' only once"),
            );
        }
        *stdin_used = true;
        let bytes = source::read_bounded(stdin, 0, source::MAX_INPUT_BYTES)
            .map_err(|error| RunError::new(format!("failed to read standard input: {error}")))?;
        return Ok((STDIN_NAME.to_string(), bytes));
    }
    let bytes = read_file(input, threads).map_err(|error| {
        RunError::new(format!("cannot read '{input}': {error}"))
            .with_help("check the path and the file's permissions")
    })?;
    Ok((input.to_string(), bytes))
}

/// Names the UTF-16 encoding that a byte-order mark announces, if any.
fn utf16_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0xFF, 0xFE, 0, 0, ..] | [0, 0, 0xFE, 0xFF, ..] => None,
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        _ => None,
    }
}

/// Regular files at least this big are read by two threads, one half each,
/// so that the kernel copies both halves at once.
const SPLIT_READ_BYTES: u64 = 16 << 20;

/// Reads a whole file, with `threads` threads when it is big.
fn read_file(path: &str, threads: usize) -> std::io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_file() && metadata.len() > source::MAX_INPUT_BYTES {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            format!(
                "the file has {} bytes, more than the {} bytes v6map reads",
                metadata.len(),
                source::MAX_INPUT_BYTES
            ),
        ));
    }
    #[cfg(unix)]
    if threads > 1 && metadata.is_file() && metadata.len() >= SPLIT_READ_BYTES {
        if let Some(bytes) = read_halves(&mut file, metadata.len()) {
            return Ok(bytes);
        }
        file = std::fs::File::open(path)?;
    }
    source::read_bounded(&mut file, metadata.len(), source::MAX_INPUT_BYTES)
}

/// Reads the first `length` bytes in two halves at once, then anything
/// appended since. Returns `None` on any error, for example when the file
/// shrank, so that the caller reads it again from the start.
#[cfg(unix)]
fn read_halves(file: &mut std::fs::File, length: u64) -> Option<Vec<u8>> {
    use std::io::{Seek, SeekFrom};
    use std::os::unix::fs::FileExt;

    let mut bytes = vec![0; usize::try_from(length).ok()?];
    let middle = bytes.len() / 2;
    let (first, second) = bytes.split_at_mut(middle);
    let shared = &*file;
    let (first_read, second_read) = std::thread::scope(|scope| {
        let second_read = scope.spawn(|| shared.read_exact_at(second, middle as u64));
        (shared.read_exact_at(first, 0), second_read.join())
    });
    first_read.ok()?;
    second_read.ok()?.ok()?;
    file.seek(SeekFrom::Start(length)).ok()?;
    file.read_to_end(&mut bytes).ok()?;
    Some(bytes)
}

/// A set of files whose records are compared with each other.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DuplicateGroup {
    Uploads(Option<Action>),
    File(usize),
}

/// Compares the add uploads of a run with the list outputs of the same run,
/// which show what the subscription already holds. Each add record whose V4
/// or V6 a list already maps gets one finding at the record, naming the
/// list's record. Duplicates within the uploads or within a list are
/// reported by the groups in [`run`], so they are not repeated here.
fn conflicts_with_lists(checks: &[FileCheck]) -> Vec<Diagnostic> {
    use std::collections::HashMap;
    use std::net::{Ipv4Addr, Ipv6Addr};

    let lists: Vec<&FileCheck> = checks
        .iter()
        .filter(|check| check.kind == DocumentKind::ListOutput)
        .collect();
    let adds: Vec<&FileCheck> = checks
        .iter()
        .filter(|check| check.kind == DocumentKind::Upload(Some(Action::Add)))
        .collect();
    if lists.is_empty() || adds.is_empty() {
        return Vec::new();
    }

    // The first list record of each address wins, as in the list's own check.
    let mut by_v4: HashMap<Ipv4Addr, Record> = HashMap::new();
    let mut by_v6: HashMap<Ipv6Addr, Record> = HashMap::new();
    for list in &lists {
        for record in list.records.to_records(&list.source) {
            by_v6.entry(record.v6).or_insert_with(|| record.clone());
            by_v4.entry(record.v4).or_insert(record);
        }
    }

    let help = "the list output shows that Qualys already maps this address: drop the record \
                from the upload, or remove the existing mapping first";
    let mut conflicts = Vec::new();
    for add in &adds {
        for record in add.records.to_records(&add.source) {
            let listed_v4 = by_v4.get(&record.v4);
            let listed_v6 = by_v6.get(&record.v6);
            let place = |location: &crate::diagnostic::Location| {
                format!("{}:{}", location.file, location.line)
            };
            match (listed_v4, listed_v6) {
                (Some(listed), _) if listed.v6 == record.v6 => {
                    let location = listed.origin.v4_location();
                    conflicts.push(
                        Diagnostic::new(
                            Rule::DuplicateRecord,
                            format!(
                                "the mapping {} -> {} is already in the list output ({})",
                                record.v4,
                                record.v6,
                                place(&location)
                            ),
                        )
                        .with_help(help)
                        .at(record.origin.v4_location())
                        .with_related(location, "already mapped here"),
                    );
                }
                _ => {
                    if let Some(listed) = listed_v4 {
                        let location = listed.origin.v4_location();
                        conflicts.push(
                            Diagnostic::new(
                                Rule::DuplicateV4,
                                format!(
                                    "IPv4 {} is already mapped to {} in the list output ({}), not to {}",
                                    record.v4,
                                    listed.v6,
                                    place(&location),
                                    record.v6
                                ),
                            )
                            .with_help(help)
                            .at(record.origin.v4_location())
                            .with_related(location, "already mapped here"),
                        );
                    }
                    if let Some(listed) = listed_v6 {
                        let location = listed.origin.v6_location();
                        conflicts.push(
                            Diagnostic::new(
                                Rule::DuplicateV6,
                                format!(
                                    "IPv6 {} is already mapped to {} in the list output ({}), not to {}",
                                    record.v6,
                                    listed.v4,
                                    place(&location),
                                    record.v4
                                ),
                            )
                            .with_help(help)
                            .at(record.origin.v6_location())
                            .with_related(location, "already mapped here"),
                        );
                    }
                }
            }
        }
    }
    conflicts
}

/// Runs `check` over every input. A file that cannot be read is recorded in
/// `unreadable` and the others are still checked.
pub fn run(options: &CheckOptions, stdin: &mut dyn Read) -> Result<CheckOutcome, RunError> {
    let tuning = Tuning::default();
    let mut outcome = CheckOutcome::default();
    let mut checks = Vec::new();
    let mut stdin_used = false;
    // A file named twice (overlapping globs) is checked once, as linters do;
    // otherwise each of its records would be a duplicate of itself.
    let mut seen = std::collections::HashSet::new();
    for input in &options.inputs {
        if input != "-" {
            if let Ok(canonical) = std::fs::canonicalize(input) {
                if !seen.insert(canonical) {
                    continue;
                }
            }
        }
        match read_input(input, stdin, &mut stdin_used, tuning.threads) {
            Ok((name, bytes)) => checks.push(check_document(&name, bytes, &tuning)),
            Err(error) => outcome.unreadable.push(error),
        }
    }

    let mut groups: Vec<(DuplicateGroup, Vec<usize>)> = Vec::new();
    for (index, check) in checks.iter().enumerate() {
        let key = match check.kind {
            DocumentKind::Upload(action) if !options.per_file => DuplicateGroup::Uploads(action),
            _ => DuplicateGroup::File(index),
        };
        match groups.iter_mut().find(|(existing, _)| *existing == key) {
            Some((_, members)) => members.push(index),
            None => groups.push((key, vec![index])),
        }
    }
    let mut found = Vec::new();
    for (_, members) in &groups {
        let group: Vec<_> = members
            .iter()
            .map(|&index| (&checks[index].source, &checks[index].records))
            .collect();
        let (record_severity, max_severity) = duplicate_severities(checks[members[0]].kind);
        found.extend(records::group_duplicates(
            &group,
            record_severity,
            max_severity,
        ));
    }
    found.extend(conflicts_with_lists(&checks));
    for diagnostic in found {
        let owner = diagnostic.location.as_ref().and_then(|location| {
            checks
                .iter()
                .position(|check| Arc::ptr_eq(check.source.name(), &location.file))
        });
        match owner {
            Some(index) => checks[index].diagnostics.push(diagnostic),
            None => outcome.diagnostics.push(diagnostic),
        }
    }

    let mut per_file = Vec::new();
    for mut check in checks {
        sort_in_file(&mut check.diagnostics);
        per_file.extend(check.diagnostics);
        outcome.sources.push(check.source);
        outcome.files_checked += 1;
    }
    per_file.append(&mut outcome.diagnostics);
    outcome.diagnostics = per_file;
    Ok(outcome)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    #[test]
    fn halves_read_whole_file() {
        let directory = tempfile::tempdir().unwrap();
        let path = directory.path().join("big.xml");
        let content: Vec<u8> = (0..10_001u32).map(|index| (index % 251) as u8).collect();
        std::fs::write(&path, &content).unwrap();
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_halves(&mut file, 10_001).unwrap(), content);

        // A file that grew since its length was taken is read to its end.
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_halves(&mut file, 6_000).unwrap(), content);

        // A file that shrank is left to the caller to read again.
        let mut file = std::fs::File::open(&path).unwrap();
        assert_eq!(read_halves(&mut file, 20_000), None);
    }

    #[test]
    fn read_file_errors_name_the_cause() {
        let directory = tempfile::tempdir().unwrap();
        let error = read_file(&directory.path().display().to_string(), 2).unwrap_err();
        assert_eq!(
            error.kind(),
            std::fs::read(directory.path()).unwrap_err().kind()
        );
        let missing = directory.path().join("missing.xml");
        assert!(read_file(&missing.display().to_string(), 2).is_err());
    }
}
