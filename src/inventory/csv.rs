//! CSV inventory reader.
//!
//! The csv crate splits the records. This module maps every field back to its
//! byte span in the file, so that each finding points at the value's line and
//! column whatever the line ends and quoting. Line numbers are physical lines of
//! the file, computed from byte offsets, never csv's record or line counters.

use std::sync::Arc;

use csv::ByteRecord;

use super::{
    clean_name, custom_id_warning, FieldKind, FieldNames, Inventory, InventoryOptions, RowFields,
};
use crate::address::trim_ascii_whitespace;
use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::record::Span;
use crate::rules::{self, ValueSite};
use crate::source::SourceFile;

/// The delimiters that detection chooses from, in order of preference on a tie.
const CANDIDATE_DELIMITERS: [u8; 3] = [b',', b';', b'\t'];

/// The length of the shortest valid row with its line end, `0.0.0.1,2::\n`,
/// which bounds the number of records a file can hold.
const MIN_ROW_LENGTH: usize = 12;

/// The source of the delimiter in use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum DelimiterSource {
    /// `--delimiter`.
    Option,
    /// Excel's `sep=X` first line.
    SepLine,
    /// Counted in the header line.
    Detected,
}

/// One field's place in the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct FieldSpan {
    /// Offset of the field's first byte, an opening quote included.
    raw_start: usize,
    /// Offset of the value: the text inside the quotes for a quoted field.
    offset: usize,
    /// Length of the value's text in the file.
    length: usize,
    /// True when the value equals the file's bytes in `offset..offset + length`,
    /// which is false for a quoted field that contains `""`.
    verbatim: bool,
}

/// The end of a record, and the quote it ended inside when the file ended first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct RowExtent {
    /// Offset just past the record's last byte, before its line end.
    end: usize,
    /// Offset of the opening quote of a field that is never closed.
    unclosed_quote: Option<usize>,
    /// True for a record without quotes, whose field spans follow from the
    /// field lengths; the span list is then left empty.
    plain: bool,
}

/// One record and the place of its fields in the file.
struct Row<'r> {
    record: &'r ByteRecord,
    /// The field spans of a record that is not plain.
    spans: &'r [FieldSpan],
    /// Offset of the record's first byte.
    start: usize,
    extent: RowExtent,
}

impl Row<'_> {
    /// Returns the span of field `index`.
    fn span(&self, index: usize) -> Option<FieldSpan> {
        if !self.extent.plain {
            return self.spans.get(index).copied();
        }
        // Without quotes, field `index` starts after the earlier fields and
        // one delimiter after each of them.
        let range = self.record.range(index)?;
        let offset = self.start + range.start + index;
        Some(FieldSpan {
            raw_start: offset,
            offset,
            length: range.len(),
            verbatim: true,
        })
    }
}

/// Reads a CSV inventory. Every bad row becomes a diagnostic; valid rows become records.
pub fn read_csv(file: Arc<SourceFile>, options: &InventoryOptions, inventory: &mut Inventory) {
    let text = file.text();
    let bytes = text.as_bytes();
    let mut start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };

    // A sep= line is never the header, so it is skipped even when
    // --delimiter overrides the delimiter it declares.
    let mut sep_line_delimiter = None;
    if let Some((delimiter, next_line)) = excel_sep_line(bytes, start) {
        sep_line_delimiter = Some(delimiter);
        start = next_line;
    }

    let Some(header_start) = first_content_line(bytes, start) else {
        inventory.diagnostics.push(
            Diagnostic::new(Rule::InventoryFormat, "the file has no header row: it is empty or contains only blank lines")
                .with_help("a CSV inventory starts with a header row such as 'v4,v6', followed by one record a line")
                .at(file.location(start.min(bytes.len()), 0)),
        );
        return;
    };

    let (delimiter, source) = match (options.delimiter, sep_line_delimiter) {
        (Some(delimiter), _) => (delimiter, DelimiterSource::Option),
        (None, Some(delimiter)) => (delimiter, DelimiterSource::SepLine),
        (None, None) => (
            detect_delimiter(&bytes[header_start..]),
            DelimiterSource::Detected,
        ),
    };

    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(&bytes[header_start..]);
    let mut record = ByteRecord::new();
    let mut spans = Vec::new();

    match reader.read_byte_record(&mut record) {
        Ok(true) => {}
        Ok(false) | Err(_) => {
            inventory.diagnostics.push(
                Diagnostic::new(Rule::InventoryFormat, "the header row cannot be read")
                    .with_help("a CSV inventory starts with a header row such as 'v4,v6'")
                    .at(file.location(header_start, 0)),
            );
            return;
        }
    }
    let header_extent = locate_fields(bytes, header_start, delimiter, &record, &mut spans);
    let header = Header {
        names: record
            .iter()
            .map(|name| clean_name(&String::from_utf8_lossy(name)).to_string())
            .collect(),
        offset: header_start,
        raw: text
            .get(header_start..header_extent.end)
            .unwrap_or_default(),
    };

    let Some(columns) = resolve_columns(&file, &header, delimiter, source, options, inventory)
    else {
        return;
    };
    let rows = RowReader {
        file: &file,
        text,
        delimiter,
        header_names: header.names.join(", "),
        v4_label: format!("column {}", header.names[columns.v4]),
        v6_label: format!("column {}", header.names[columns.v6]),
        id_label: columns
            .id
            .map(|id| format!("column {}", header.names[id]))
            .unwrap_or_default(),
        header,
        columns,
    };

    // The reader's position is just after the header's line end.
    let body_start = header_start + usize::try_from(reader.position().byte()).unwrap_or(0);
    let body_start = body_start.min(bytes.len());
    reserve_records(bytes, body_start, inventory);
    match parallel_split(bytes, body_start) {
        None => read_rows(&rows, bytes, body_start..bytes.len(), delimiter, inventory),
        Some(middle) => {
            let second = std::thread::scope(|scope| {
                let second = scope.spawn(|| {
                    let mut second = Inventory {
                        origin_stand_in: Some(Arc::new(SourceFile::new(
                            file.name().clone(),
                            String::new(),
                        ))),
                        ..Inventory::default()
                    };
                    reserve_records(bytes, middle, &mut second);
                    read_rows(&rows, bytes, middle..bytes.len(), delimiter, &mut second);
                    second
                });
                read_rows(&rows, bytes, body_start..middle, delimiter, inventory);
                second.join()
            });
            match second {
                Ok(second) => {
                    inventory
                        .records
                        .extend(second.records.into_iter().map(|mut record| {
                            record.origin.file = Arc::clone(&file);
                            record
                        }));
                    inventory.rejected.extend(second.rejected);
                    inventory.diagnostics.extend(second.diagnostics);
                }
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    }
}

/// Bodies at least this long are read by two threads.
const PARALLEL_MIN_BYTES: usize = 4 << 20;

/// Returns where to split a CSV body into two halves that two readers can
/// parse on their own: the start of the first line after the middle. Only a
/// body without any `"` is split, because then no record can span a line
/// end, so each half starts at a record boundary. A body with quotes, a small
/// body, or one without LF line ends is read in one piece.
fn parallel_split(bytes: &[u8], body_start: usize) -> Option<usize> {
    let body = bytes.get(body_start..)?;
    if body.len() < PARALLEL_MIN_BYTES || memchr::memchr(b'"', body).is_some() {
        return None;
    }
    let middle = body_start + body.len() / 2;
    let line_end = memchr::memchr(b'\n', bytes.get(middle..)?)?;
    Some(middle + line_end + 1).filter(|&split| split < bytes.len())
}

/// Reserves room for the records of a body from the length of its first line,
/// because growing the record list by doubling would copy it about twice.
fn reserve_records(bytes: &[u8], body_start: usize, inventory: &mut Inventory) {
    let body = bytes.get(body_start..).unwrap_or_default();
    let first_line = memchr::memchr(b'\n', body).unwrap_or(body.len()) + 1;
    inventory
        .records
        .reserve(body.len() / first_line.max(MIN_ROW_LENGTH) + 1);
}

/// Reads the rows of `range`, which starts at a record boundary, into `inventory`.
fn read_rows(
    rows: &RowReader,
    bytes: &[u8],
    range: std::ops::Range<usize>,
    delimiter: u8,
    inventory: &mut Inventory,
) {
    let base = range.start;
    let mut reader = ::csv::ReaderBuilder::new()
        .delimiter(delimiter)
        .has_headers(false)
        .flexible(true)
        .from_reader(bytes.get(range).unwrap_or_default());
    let mut record = ByteRecord::new();
    let mut spans = Vec::new();
    loop {
        match reader.read_byte_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(error) => {
                // Reading from memory with flexible records leaves no error
                // the csv crate can return, but a future version might add one.
                inventory.diagnostics.push(
                    Diagnostic::new(
                        Rule::InventoryFormat,
                        format!("the CSV parser stopped: {error}"),
                    )
                    .with_help("check the quoting of the rows near this place")
                    .at(rows.file.location(base + record_offset(&record), 0)),
                );
                break;
            }
        }
        if is_blank(&record) {
            continue;
        }
        let row_start = skip_line_ends(bytes, base + record_offset(&record));
        let extent = locate_fields(bytes, row_start, delimiter, &record, &mut spans);
        let row = Row {
            record: &record,
            spans: &spans,
            start: row_start,
            extent,
        };
        rows.read_row(&row, inventory);
    }
}

/// The header row, with names cleaned of whitespace and byte-order marks.
struct Header<'t> {
    names: Vec<String>,
    offset: usize,
    raw: &'t str,
}

/// The header indexes of the columns that v6map reads.
#[derive(Clone, Copy, Debug)]
struct Columns {
    v4: usize,
    v6: usize,
    /// The ID column; `None` without `--keep-ids` or when the header has none.
    id: Option<usize>,
}

/// Finds the V4, V6 and ID columns. Reports one error at the header and
/// returns `None` when a column is missing or named twice.
fn resolve_columns(
    file: &SourceFile,
    header: &Header,
    delimiter: u8,
    source: DelimiterSource,
    options: &InventoryOptions,
    inventory: &mut Inventory,
) -> Option<Columns> {
    // The location is computed only on failure, because the first location
    // builds the file's line index.
    let mut fail = |message: String, help: String| {
        let location = file.location(header.offset, header.raw.len());
        inventory.diagnostics.push(
            Diagnostic::new(Rule::InventoryFormat, message)
                .with_help(help)
                .at(location),
        );
        None
    };

    if header.names.len() == 1 {
        let other = CANDIDATE_DELIMITERS
            .into_iter()
            .filter(|&candidate| candidate != delimiter)
            .find(|&candidate| header.raw.as_bytes().contains(&candidate));
        if let Some(other) = other {
            let from = match source {
                DelimiterSource::Option => "--delimiter",
                DelimiterSource::SepLine => "the sep= line",
                DelimiterSource::Detected => "detection",
            };
            return fail(
                format!(
                    "the header '{}' is a single column with the delimiter {} (from {from}), but it contains {}: file looks {}-delimited; pass --delimiter {}",
                    header.raw,
                    quote_delimiter(delimiter),
                    quote_delimiter(other),
                    delimiter_name(other),
                    quote_delimiter(other),
                ),
                format!(
                    "pass --delimiter {} (or remove --delimiter and any sep= line to let v6map detect it)",
                    quote_delimiter(other)
                ),
            );
        }
    }

    let names = FieldNames { options };
    let mut found: [Option<usize>; 3] = [None; 3];
    for (index, name) in header.names.iter().enumerate() {
        let Some(kind) = names.kind_of(name) else {
            continue;
        };
        if kind == FieldKind::Id && !options.keep_ids {
            continue;
        }
        let slot = &mut found[kind as usize];
        if let Some(previous) = *slot {
            return fail(
                format!(
                    "columns {} '{}' and {} '{}' both name the {} value, so it is unclear which to read",
                    previous + 1,
                    header.names[previous],
                    index + 1,
                    name,
                    kind.name(),
                ),
                match kind {
                    FieldKind::Id => "rename or remove one of the columns".to_string(),
                    _ => format!("rename or remove one of the columns, or pass {} NAME", kind.option()),
                },
            );
        }
        *slot = Some(index);
    }

    let [v4, v6, id] = found;
    let (Some(v4), Some(v6)) = (v4, v6) else {
        let missing: Vec<FieldKind> = [(v4, FieldKind::V4), (v6, FieldKind::V6)]
            .into_iter()
            .filter(|(column, _)| column.is_none())
            .map(|(_, kind)| kind)
            .collect();
        let found_names = header
            .names
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ");
        let expected = missing
            .iter()
            .map(|&kind| format!("{} one of {}", kind.name(), names.accepted(kind)))
            .collect::<Vec<_>>()
            .join("; ");
        let missing_names = missing
            .iter()
            .map(|kind| kind.name())
            .collect::<Vec<_>>()
            .join(" and no ");
        let options_hint = missing
            .iter()
            .map(|kind| format!("{} NAME", kind.option()))
            .collect::<Vec<_>>()
            .join(" and ");
        return fail(
            format!(
                "the header has no {missing_names} column: found {found_names} with the delimiter {}; expected {expected} (case does not matter)",
                quote_delimiter(delimiter)
            ),
            format!("rename the header column, or pass {options_hint} to read a column with another name"),
        );
    };
    if v4 == v6 {
        return fail(
            format!(
                "column {} '{}' is named as both the V4 and the V6 column",
                v4 + 1,
                header.names[v4]
            ),
            "pass different names to --v4-column and --v6-column".to_string(),
        );
    }
    Some(Columns { v4, v6, id })
}

/// Checks the rows after the header.
struct RowReader<'a> {
    file: &'a Arc<SourceFile>,
    text: &'a str,
    delimiter: u8,
    header: Header<'a>,
    /// The header names joined with ", ", for field-count messages.
    header_names: String,
    columns: Columns,
    v4_label: String,
    v6_label: String,
    id_label: String,
}

impl RowReader<'_> {
    fn read_row(&self, row: &Row, inventory: &mut Inventory) {
        let first_diagnostic = inventory.diagnostics.len();
        let (record, row_start, extent) = (row.record, row.start, row.extent);
        let raw = self.text.get(row_start..extent.end).unwrap_or_default();

        if let Some(quote) = extent.unclosed_quote {
            let (line, column) = self.file.line_column(quote);
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!("the quoted field that starts at line {line}, column {column} is never closed, so the rest of the file was read as one value"),
                )
                .with_help("add the closing '\"', and write a quote inside a quoted field as '\"\"'")
                .at(self.file.location(quote, 1)),
            );
            inventory.finish_row(
                first_diagnostic,
                RowFields::default(),
                self.file,
                row_start,
                raw,
            );
            return;
        }

        let count = record.len();
        let expected = self.header.names.len();
        if count < expected {
            let missing = self.header.names.get(count..).unwrap_or_default();
            let verb = if missing.len() == 1 { "is" } else { "are" };
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!(
                        "line {}: {count} field{}, expected {expected} ({}); {} {verb} missing",
                        self.file.line_column(row_start).0,
                        plural(count),
                        self.header_names,
                        join_names(missing),
                    ),
                )
                .with_help(format!(
                    "fill in every column of the header, separated by {}",
                    quote_delimiter(self.delimiter)
                ))
                .at(self.file.location(row_start, raw.len())),
            );
            inventory.finish_row(
                first_diagnostic,
                RowFields::default(),
                self.file,
                row_start,
                raw,
            );
            return;
        }
        if count > expected {
            self.check_extra_fields(row, inventory);
        }

        let v4 = self.field(row, self.columns.v4).and_then(|(value, span)| {
            let site = self.site(span, &self.v4_label);
            rules::check_v4(value, &site, &mut inventory.diagnostics)
                .map(|address| (address, value_span(value, span)))
        });
        let v6 = self.field(row, self.columns.v6).and_then(|(value, span)| {
            let site = self.site(span, &self.v6_label);
            rules::check_v6(value, &site, &mut inventory.diagnostics)
                .map(|address| (address, value_span(value, span)))
        });
        let id = self
            .columns
            .id
            .and_then(|column| self.field(row, column))
            .and_then(|(value, span)| {
                let site = self.site(span, &self.id_label);
                let id = rules::check_id(value, &site, &mut inventory.diagnostics)
                    .filter(|id| !id.is_empty())?;
                let (_, offset) = trim_ascii_whitespace(value);
                let location = site.location(offset, id.len());
                inventory
                    .diagnostics
                    .push(custom_id_warning(id, &self.id_label, location));
                Some(Box::<str>::from(id))
            });

        let fields = RowFields { v4, v6, id };
        inventory.finish_row(first_diagnostic, fields, self.file, row_start, raw);
    }

    /// Reports fields beyond the header: a warning when they are all empty, an
    /// error for the first one that contains a value.
    fn check_extra_fields(&self, row: &Row, inventory: &mut Inventory) {
        let expected = self.header.names.len();
        let count = row.record.len();
        let row_start = row.start;
        let line = self.file.line_column(row_start).0;
        let filled = (expected..count).find_map(|index| {
            let (value, span) = self.field(row, index)?;
            let (trimmed, _) = trim_ascii_whitespace(value);
            (!trimmed.is_empty()).then_some((index, trimmed, span))
        });
        let diagnostic = match filled {
            Some((index, value, span)) => Diagnostic::new(
                Rule::ExtraField,
                format!(
                    "line {line}: field {} '{value}' is beyond the header's {expected} column{} ({})",
                    index + 1,
                    plural(expected),
                    self.header_names
                ),
            )
            .with_help("name the column in the header, or remove the value and the delimiter before it")
            .at(self.file.location(span.offset, span.length))
            .with_severity(Severity::Error),
            None => {
                let first_extra = row.span(expected).map_or(row_start, |span| span.raw_start);
                let delimiter_offset = first_extra.saturating_sub(1).max(row_start);
                let extra = count - expected;
                Diagnostic::new(
                    Rule::ExtraField,
                    format!(
                        "line {line}: trailing empty field{} ignored ({count} fields, the header has {expected})",
                        plural(extra)
                    ),
                )
                .with_help("remove the trailing delimiter to silence this warning")
                .at(self.file.location(delimiter_offset, 1))
            }
        };
        inventory.diagnostics.push(diagnostic);
    }

    /// Returns a field's text and span.
    fn field<'r>(&'r self, row: &Row<'r>, index: usize) -> Option<(&'r str, FieldSpan)> {
        let span = row.span(index)?;
        let value = if span.verbatim {
            self.text.get(span.offset..span.offset + span.length)?
        } else {
            std::str::from_utf8(row.record.get(index)?).ok()?
        };
        Some((value, span))
    }

    fn site<'s>(&'s self, span: FieldSpan, label: &'s str) -> ValueSite<'s> {
        ValueSite {
            file: self.file,
            offset: span.offset,
            length: span.length,
            verbatim: span.verbatim,
            label,
            max_severity: Severity::Error,
        }
    }
}

/// Returns the span of a value without its surrounding whitespace.
fn value_span(value: &str, span: FieldSpan) -> Span {
    if !span.verbatim {
        return Span::new(span.offset, span.length);
    }
    let (trimmed, offset) = trim_ascii_whitespace(value);
    Span::new(span.offset + offset, trimmed.len())
}

/// Returns the offset of the csv crate's record position, relative to the
/// text it was given. The position is where the previous record's line end
/// stopped, so the caller skips line ends from there.
fn record_offset(record: &ByteRecord) -> usize {
    record
        .position()
        .and_then(|position| usize::try_from(position.byte()).ok())
        .unwrap_or(0)
}

/// Returns the first offset at or after `offset` that is not CR or LF.
fn skip_line_ends(bytes: &[u8], mut offset: usize) -> usize {
    while matches!(bytes.get(offset), Some(b'\r' | b'\n')) {
        offset += 1;
    }
    offset
}

/// Returns true for a record whose fields are all empty or spaces and tabs.
fn is_blank(record: &ByteRecord) -> bool {
    record.as_slice().iter().all(|&b| b == b' ' || b == b'\t')
}

/// Recognizes Excel's `sep=X` first line. Returns the delimiter and the offset
/// of the next line.
fn excel_sep_line(bytes: &[u8], start: usize) -> Option<(u8, usize)> {
    let rest = bytes.get(start..)?;
    let line_length = rest
        .iter()
        .position(|&b| b == b'\r' || b == b'\n')
        .unwrap_or(rest.len());
    let line = &rest[..line_length];
    match line {
        [s, e, p, b'=', delimiter]
            if [*s, *e, *p].eq_ignore_ascii_case(b"sep") && delimiter.is_ascii() =>
        {
            Some((*delimiter, skip_one_line_end(bytes, start + line_length)))
        }
        _ => None,
    }
}

/// Skips one CR LF, LF or CR at `offset`.
fn skip_one_line_end(bytes: &[u8], offset: usize) -> usize {
    match (bytes.get(offset), bytes.get(offset + 1)) {
        (Some(b'\r'), Some(b'\n')) => offset + 2,
        (Some(b'\r' | b'\n'), _) => offset + 1,
        _ => offset,
    }
}

/// Returns the offset of the first line at or after `start` that contains more
/// than spaces and tabs.
fn first_content_line(bytes: &[u8], start: usize) -> Option<usize> {
    let mut line_start = start;
    while line_start < bytes.len() {
        let rest = &bytes[line_start..];
        let line_length = rest
            .iter()
            .position(|&b| b == b'\r' || b == b'\n')
            .unwrap_or(rest.len());
        if rest[..line_length].iter().any(|&b| b != b' ' && b != b'\t') {
            return Some(line_start);
        }
        line_start = skip_one_line_end(bytes, line_start + line_length);
    }
    None
}

/// Chooses the delimiter of a header line: the candidate found most often
/// outside quotes, with comma, then semicolon, then tab winning a tie. A header
/// with none of them is read as comma-separated.
fn detect_delimiter(header: &[u8]) -> u8 {
    let mut counts = [0usize; CANDIDATE_DELIMITERS.len()];
    let mut in_quotes = false;
    for &byte in header {
        match byte {
            b'"' => in_quotes = !in_quotes,
            b'\r' | b'\n' if !in_quotes => break,
            _ if !in_quotes => {
                if let Some(index) = CANDIDATE_DELIMITERS
                    .iter()
                    .position(|&candidate| candidate == byte)
                {
                    counts[index] += 1;
                }
            }
            _ => {}
        }
    }
    let mut best = 0;
    for index in 1..counts.len() {
        if counts[index] > counts[best] {
            best = index;
        }
    }
    CANDIDATE_DELIMITERS[best]
}

/// Finds the byte span of each field of `record`, which starts at `start`.
///
/// A record without quotes is located from the field lengths alone. Otherwise
/// the raw bytes are scanned with the csv crate's quoting rules: a field that
/// starts with '"' runs to the next '"' that is not doubled, and any text after
/// the closing quote belongs to the field up to the delimiter.
fn locate_fields(
    bytes: &[u8],
    start: usize,
    delimiter: u8,
    record: &ByteRecord,
    spans: &mut Vec<FieldSpan>,
) -> RowExtent {
    spans.clear();
    let unquoted_end = start + record.as_slice().len() + record.len().saturating_sub(1);
    if let Some(raw) = bytes.get(start..unquoted_end) {
        let ends_row = matches!(bytes.get(unquoted_end), None | Some(b'\r' | b'\n'));
        if ends_row && !raw.contains(&b'"') {
            return RowExtent {
                end: unquoted_end,
                unclosed_quote: None,
                plain: true,
            };
        }
    }

    let extent = scan_fields(bytes, start, delimiter, spans);
    if spans.len() != record.len() {
        // The scan disagrees with the csv crate; point every field at the whole
        // record rather than at a wrong place.
        spans.clear();
        spans.extend((0..record.len()).map(|_| FieldSpan {
            raw_start: start,
            offset: start,
            length: extent.end - start,
            verbatim: false,
        }));
    }
    extent
}

/// Scans the fields of one record starting at `start`; see [`locate_fields`].
fn scan_fields(bytes: &[u8], start: usize, delimiter: u8, spans: &mut Vec<FieldSpan>) -> RowExtent {
    let is_field_end = |byte: u8| byte == delimiter || byte == b'\r' || byte == b'\n';
    let mut index = start;
    loop {
        let raw_start = index;
        let span = if bytes.get(index) == Some(&b'"') {
            index += 1;
            let content_start = index;
            let mut doubled = false;
            loop {
                match bytes.get(index) {
                    None => {
                        spans.push(FieldSpan {
                            raw_start,
                            offset: content_start,
                            length: bytes.len() - content_start,
                            verbatim: false,
                        });
                        return RowExtent {
                            end: bytes.len(),
                            unclosed_quote: Some(raw_start),
                            plain: false,
                        };
                    }
                    Some(b'"') if bytes.get(index + 1) == Some(&b'"') => {
                        doubled = true;
                        index += 2;
                    }
                    Some(b'"') => break,
                    Some(_) => index += 1,
                }
            }
            let content_end = index;
            index += 1;
            let tail_start = index;
            while bytes.get(index).is_some_and(|&byte| !is_field_end(byte)) {
                index += 1;
            }
            if index == tail_start {
                FieldSpan {
                    raw_start,
                    offset: content_start,
                    length: content_end - content_start,
                    verbatim: !doubled,
                }
            } else {
                FieldSpan {
                    raw_start,
                    offset: raw_start,
                    length: index - raw_start,
                    verbatim: false,
                }
            }
        } else {
            while bytes.get(index).is_some_and(|&byte| !is_field_end(byte)) {
                index += 1;
            }
            FieldSpan {
                raw_start,
                offset: raw_start,
                length: index - raw_start,
                verbatim: true,
            }
        };
        spans.push(span);
        if bytes.get(index) == Some(&delimiter) {
            index += 1;
        } else {
            return RowExtent {
                end: index,
                unclosed_quote: None,
                plain: false,
            };
        }
    }
}

/// Returns "s" unless `count` is 1.
fn plural(count: usize) -> &'static str {
    if count == 1 {
        ""
    } else {
        "s"
    }
}

/// Joins names as "a", "a and b" or "a, b and c".
fn join_names(names: &[String]) -> String {
    match names {
        [] => String::new(),
        [only] => only.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

/// Quotes a delimiter the way `--delimiter` accepts it.
fn quote_delimiter(delimiter: u8) -> String {
    match delimiter {
        b'\t' => "'\\t'".to_string(),
        other => format!("'{}'", char::from(other)),
    }
}

/// Names a delimiter in words.
fn delimiter_name(delimiter: u8) -> &'static str {
    match delimiter {
        b',' => "comma",
        b';' => "semicolon",
        b'\t' => "tab",
        _ => "other",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with(text: &str, options: &InventoryOptions) -> (Arc<SourceFile>, Inventory) {
        let file = Arc::new(SourceFile::new("t.csv", text.to_string()));
        let mut inventory = Inventory::default();
        read_csv(Arc::clone(&file), options, &mut inventory);
        (file, inventory)
    }

    fn read(text: &str) -> Inventory {
        read_with(text, &InventoryOptions::default()).1
    }

    fn pairs(inventory: &Inventory) -> Vec<(String, String)> {
        inventory
            .records
            .iter()
            .map(|r| (r.v4.to_string(), r.v6.to_string()))
            .collect()
    }

    fn pair(v4: &str, v6: &str) -> (String, String) {
        (v4.to_string(), v6.to_string())
    }

    fn rules(inventory: &Inventory) -> Vec<(u32, Rule)> {
        inventory
            .diagnostics
            .iter()
            .map(|d| (d.location.as_ref().map_or(0, |l| l.line), d.rule))
            .collect()
    }

    #[test]
    fn delimiter_detected_from_header() {
        assert_eq!(detect_delimiter(b"v4,v6\n1;2;3;4"), b',');
        assert_eq!(detect_delimiter(b"v4;v6;id"), b';');
        assert_eq!(detect_delimiter(b"v4\tv6"), b'\t');
        assert_eq!(detect_delimiter(b"\"a;b\",v6"), b',');
        assert_eq!(detect_delimiter(b"v4"), b',');
        assert_eq!(detect_delimiter(b"a;b,c"), b',');
    }

    #[test]
    fn semicolon_and_tab_files_read() {
        let expected = vec![pair("0.0.0.1", "2a01::1")];
        assert_eq!(pairs(&read("v4;v6\n0.0.0.1;2a01::1\n")), expected);
        assert_eq!(pairs(&read("v4\tv6\n0.0.0.1\t2a01::1\n")), expected);
    }

    #[test]
    fn sep_line_with_tab_skipped() {
        let inventory = read("SEP=\t\nv4\tv6\n0.0.0.1\t2a01::1\n");
        assert_eq!(pairs(&inventory), vec![pair("0.0.0.1", "2a01::1")]);
        assert_eq!(inventory.records[0].origin.v4_location().line, 3);
    }

    #[test]
    fn forced_delimiter_hint_for_tab() {
        let options = InventoryOptions {
            delimiter: Some(b','),
            ..InventoryOptions::default()
        };
        let (_, inventory) = read_with("v4\tv6\n0.0.0.1\t2a01::1\n0.0.0.2\t2a01::2\n", &options);
        assert_eq!(inventory.diagnostics.len(), 1);
        assert!(
            inventory.diagnostics[0]
                .message
                .contains("file looks tab-delimited; pass --delimiter '\\t'"),
            "{}",
            inventory.diagnostics[0].message
        );
    }

    #[test]
    fn header_aliases_matched() {
        let headers = [
            "IPv4,IPv6",
            "v4,v6",
            " IP V4 ; Ipv6_Address ",
            "ipv4 address,ipv6 address",
            "IPV4ADDRESS,ipv6address",
            "ip-v4,ip_v6",
            "\u{feff}ipv4,ipv6",
        ];
        for header in headers {
            let inventory = read(&format!(
                "{header}\n0.0.0.1{}2a01::1\n",
                if header.contains(';') { ';' } else { ',' }
            ));
            assert_eq!(
                pairs(&inventory),
                vec![pair("0.0.0.1", "2a01::1")],
                "header {header:?}: {:?}",
                inventory.diagnostics
            );
        }
    }

    #[test]
    fn column_options_override_aliases() {
        let options = InventoryOptions {
            v4_column: Some(" Placeholder ".to_string()),
            v6_column: Some("HOST address".to_string()),
            ..InventoryOptions::default()
        };
        let (_, inventory) = read_with(
            "note,placeholder,host address,v4\nx,0.0.0.7,2a01::7,junk\n",
            &options,
        );
        assert_eq!(pairs(&inventory), vec![pair("0.0.0.7", "2a01::7")]);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
    }

    #[test]
    fn missing_column_one_error() {
        let inventory = read("address,host\n0.0.0.1,2a01::1\n0.0.0.2,2a01::2\n");
        assert!(inventory.records.is_empty());
        assert_eq!(inventory.diagnostics.len(), 1);
        let error = &inventory.diagnostics[0];
        assert_eq!(error.rule, Rule::InventoryFormat);
        assert!(
            error.message.contains("no V4 and no V6 column"),
            "{}",
            error.message
        );
        assert!(
            error.message.contains("'address', 'host'"),
            "{}",
            error.message
        );
        assert!(error.message.contains("'ipv4'"), "{}", error.message);
        assert!(
            error
                .help
                .as_deref()
                .is_some_and(|help| help.contains("--v4-column NAME and --v6-column NAME")),
            "{:?}",
            error.help
        );
    }

    #[test]
    fn two_v4_columns_rejected() {
        let inventory = read("v4,ipv4,v6\n0.0.0.1,0.0.0.2,2a01::1\n");
        assert!(inventory.records.is_empty());
        assert_eq!(inventory.diagnostics.len(), 1);
        assert!(
            inventory.diagnostics[0]
                .message
                .contains("columns 1 'v4' and 2 'ipv4' both name the V4 value"),
            "{}",
            inventory.diagnostics[0].message
        );
    }

    #[test]
    fn cr_only_lines_counted() {
        let inventory = read("v4,v6\r0.0.0.1,2a01::1\r\r0.0.0.300,2a01::2\r0.0.0.3,2a01::3");
        assert_eq!(
            pairs(&inventory),
            vec![pair("0.0.0.1", "2a01::1"), pair("0.0.0.3", "2a01::3")]
        );
        assert_eq!(inventory.rejected.len(), 1);
        assert_eq!(inventory.rejected[0].line, 4);
        assert_eq!(inventory.rejected[0].raw, "0.0.0.300,2a01::2");
        assert_eq!(inventory.records[1].origin.v6_location().line, 5);
    }

    #[test]
    fn mixed_line_ends_and_blank_lines() {
        let inventory = read("\r\n\nv4,v6\r\n\r\n  \n0.0.0.1,2a01::1\n,\n0.0.0.2,2a01::2\r\n");
        assert_eq!(
            pairs(&inventory),
            vec![pair("0.0.0.1", "2a01::1"), pair("0.0.0.2", "2a01::2")]
        );
        let lines: Vec<u32> = inventory
            .records
            .iter()
            .map(|r| r.origin.v4_location().line)
            .collect();
        assert_eq!(lines, vec![6, 8]);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
    }

    #[test]
    fn quoted_fields_spanned_inside_quotes() {
        let text = "v4,v6\n\"0.0.0.1\",\"2a01::1\"\n";
        let (file, inventory) = read_with(text, &InventoryOptions::default());
        let origin = &inventory.records[0].origin;
        assert_eq!(
            &file.text()[origin.v4.offset..origin.v4.offset + origin.v4.length],
            "0.0.0.1"
        );
        assert_eq!(
            &file.text()[origin.v6.offset..origin.v6.offset + origin.v6.length],
            "2a01::1"
        );
    }

    #[test]
    fn doubled_quote_located_at_whole_field() {
        let text = "v4,v6\n\"0.0.\"\"0.1\",2a01::1\n";
        let inventory = read(text);
        assert!(inventory.records.is_empty());
        let error = inventory
            .diagnostics
            .iter()
            .find(|d| d.rule == Rule::InvalidV4)
            .expect("invalid-v4");
        assert!(error.message.contains("'0.0.\"0.1'"), "{}", error.message);
        let location = error.location.as_ref().unwrap();
        // The value was unescaped, so it is located at the whole content.
        assert_eq!((location.line, location.column, location.length), (2, 2, 9));
    }

    #[test]
    fn quoted_line_break_keeps_physical_lines() {
        let text = "v4,note,v6\n0.0.0.1,\"two\r\nlines\",2a01::1\n0.0.0.2,x,2a01::2\n";
        let inventory = read(text);
        assert_eq!(
            pairs(&inventory),
            vec![pair("0.0.0.1", "2a01::1"), pair("0.0.0.2", "2a01::2")]
        );
        let v6 = inventory.records[0].origin.v6_location();
        assert_eq!((v6.line, v6.column), (3, 8));
        assert_eq!(inventory.records[1].origin.v4_location().line, 4);
    }

    #[test]
    fn field_spans_exact() {
        let text = "id,v4,v6\nrack-1, 0.0.0.1 ,2a01::1\n";
        let (file, inventory) = read_with(text, &InventoryOptions::default());
        let origin = &inventory.records[0].origin;
        assert_eq!(origin.v4, Span::new(17, 7));
        assert_eq!(origin.v6, Span::new(26, 7));
        assert_eq!(&file.text()[17..24], "0.0.0.1");
        let warning = &inventory.diagnostics[0];
        assert_eq!(warning.rule, Rule::WhitespaceInValue);
        assert_eq!(
            warning.location.as_ref().map(|l| (l.offset, l.length)),
            Some((16, 9))
        );
    }

    #[test]
    fn unclosed_quote_one_error() {
        let inventory = read("v4,v6\n0.0.0.1,\"2a01::1\n0.0.0.2,2a01::2\n");
        assert!(inventory.records.is_empty());
        assert_eq!(rules(&inventory), vec![(2, Rule::InventoryFormat)]);
        assert!(
            inventory.diagnostics[0].message.contains("never closed"),
            "{}",
            inventory.diagnostics[0].message
        );
        assert_eq!(inventory.rejected[0].line, 2);
    }

    #[test]
    fn extra_fields_checked() {
        let inventory = read("v4,v6\n0.0.0.1,2a01::1, ,\n0.0.0.2,2a01::2,,data\n");
        assert_eq!(pairs(&inventory), vec![pair("0.0.0.1", "2a01::1")]);
        assert_eq!(
            rules(&inventory),
            vec![(2, Rule::ExtraField), (3, Rule::ExtraField)]
        );
        assert_eq!(inventory.diagnostics[0].severity, Severity::Warning);
        assert!(
            inventory.diagnostics[0]
                .message
                .contains("trailing empty fields ignored"),
            "{}",
            inventory.diagnostics[0].message
        );
        let error = &inventory.diagnostics[1];
        assert_eq!(error.severity, Severity::Error);
        assert!(
            error.message.contains("field 4 'data'"),
            "{}",
            error.message
        );
        assert_eq!(inventory.rejected[0].code, "extra-field");
    }

    #[test]
    fn short_row_names_missing_columns() {
        let inventory = read("v4,v6,owner\n0.0.0.1\n");
        assert_eq!(inventory.diagnostics.len(), 1);
        assert_eq!(
            inventory.diagnostics[0].message,
            "line 2: 1 field, expected 3 (v4, v6, owner); v6 and owner are missing"
        );
    }

    #[test]
    fn ids_ignored_without_keep_ids() {
        let inventory = read("id,v4,v6\nrack+1,0.0.0.1,2a01::1\n");
        assert_eq!(inventory.records.len(), 1);
        assert_eq!(inventory.records[0].id, None);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
    }

    #[test]
    fn kept_ids_warned_and_checked() {
        let options = InventoryOptions {
            keep_ids: true,
            ..InventoryOptions::default()
        };
        let (_, inventory) = read_with(
            "ID,v4,v6\n rack-1 ,0.0.0.1,2a01::1\n,0.0.0.2,2a01::2\nrack+3,0.0.0.3,2a01::3\n",
            &options,
        );
        let ids: Vec<Option<&str>> = inventory.records.iter().map(|r| r.id.as_deref()).collect();
        assert_eq!(ids, vec![Some("rack-1"), None]);
        let custom: Vec<&Diagnostic> = inventory
            .diagnostics
            .iter()
            .filter(|d| d.rule == Rule::CustomIdIgnored)
            .collect();
        assert_eq!(custom.len(), 1);
        assert!(
            custom[0].message.contains("'rack-1'"),
            "{}",
            custom[0].message
        );
        assert!(custom[0]
            .help
            .as_deref()
            .is_some_and(|help| help.contains("does not save")));
        assert_eq!(inventory.rejected.len(), 1);
        assert_eq!(
            (inventory.rejected[0].line, inventory.rejected[0].code),
            (4, "form-unsafe-character")
        );
    }

    #[test]
    fn empty_and_blank_files_rejected() {
        for text in ["", "\u{feff}", "\n\r\n  \t\n", "sep=;\n"] {
            let inventory = read(text);
            assert_eq!(inventory.diagnostics.len(), 1, "{text:?}");
            assert_eq!(inventory.diagnostics[0].rule, Rule::InventoryFormat);
            assert!(
                inventory.diagnostics[0].message.contains("no header row"),
                "{}",
                inventory.diagnostics[0].message
            );
        }
    }

    #[test]
    fn header_only_file_has_nothing() {
        for text in ["v4,v6", "v4,v6\n", "v4,v6\r\n\r\n"] {
            let inventory = read(text);
            assert!(
                inventory.records.is_empty() && inventory.diagnostics.is_empty(),
                "{text:?}: {:?}",
                inventory.diagnostics
            );
        }
    }

    #[test]
    fn scan_fields_matches_quoting_rules() {
        let text = b"\"a\"\"b\",\"c\"x,d\r\n";
        let mut spans = Vec::new();
        let extent = scan_fields(text, 0, b',', &mut spans);
        assert_eq!(extent.end, 13);
        assert_eq!(extent.unclosed_quote, None);
        assert_eq!(spans.len(), 3);
        assert_eq!(
            (spans[0].offset, spans[0].length, spans[0].verbatim),
            (1, 4, false)
        );
        assert_eq!(
            (spans[1].offset, spans[1].length, spans[1].verbatim),
            (7, 4, false)
        );
        assert_eq!(
            (spans[2].offset, spans[2].length, spans[2].verbatim),
            (12, 1, true)
        );
    }
}
