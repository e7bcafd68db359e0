//! Inventory readers: CSV and JSON files of V4 and V6 addresses, turned into
//! records with source positions and diagnostics for every bad row.

pub mod csv;
pub mod json;
mod json_syntax;

use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Location, Rule};
use crate::record::{Origin, Record, Span};
use crate::source::SourceFile;

/// The format of an inventory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum InputFormat {
    /// Comma, semicolon or tab separated values with a header row.
    Csv,
    /// A JSON array of objects, or one object per line.
    Json,
    /// JSON Lines: one object per line.
    Jsonl,
}

impl InputFormat {
    /// Chooses a format from a file name's extension: `.csv`, `.tsv` and `.txt`
    /// are CSV, `.json` is JSON, `.jsonl` and `.ndjson` are JSON Lines.
    pub fn from_path(path: &str) -> Option<InputFormat> {
        let extension = path.rsplit_once('.')?.1.to_ascii_lowercase();
        match extension.as_str() {
            "csv" | "tsv" | "txt" => Some(InputFormat::Csv),
            "json" => Some(InputFormat::Json),
            "jsonl" | "ndjson" => Some(InputFormat::Jsonl),
            _ => None,
        }
    }
}

/// How to read inventories.
#[derive(Clone, Debug, Default)]
pub struct InventoryOptions {
    /// The CSV delimiter; detected when `None`.
    pub delimiter: Option<u8>,
    /// The V4 column or key name, matched case-insensitively; found by alias when `None`.
    pub v4_column: Option<String>,
    /// The V6 column or key name, matched case-insensitively; found by alias when `None`.
    pub v6_column: Option<String>,
    /// Keep the `id` column as `<ID>`; otherwise it is dropped.
    pub keep_ids: bool,
}

/// A row that was rejected, for `--rejects`.
#[derive(Clone, Debug)]
pub struct RejectedRow {
    /// The file name.
    pub file: Arc<str>,
    /// The 1-based physical line where the row starts.
    pub line: u32,
    /// The row's raw text as it appears in the file, without its line end.
    pub raw: String,
    /// The first error's rule code.
    pub code: &'static str,
    /// The first error's message.
    pub message: String,
}

/// Everything read from the inventories of one run.
#[derive(Debug, Default)]
pub struct Inventory {
    /// Valid records, in input order.
    pub records: Vec<Record>,
    /// Rows that had at least one error.
    pub rejected: Vec<RejectedRow>,
    /// Every finding, errors and warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// A stand-in for the file in the origins of new records, used by a second
    /// reader thread. Both threads cloning the file's own `Arc` for every
    /// record would make them wait on one reference count. The stand-ins are
    /// replaced by the file once the threads are joined.
    origin_stand_in: Option<Arc<SourceFile>>,
}

/// Reads one inventory file into `inventory`, choosing the reader by `format`.
pub fn read_inventory(
    file: Arc<SourceFile>,
    format: InputFormat,
    options: &InventoryOptions,
    inventory: &mut Inventory,
) {
    match format {
        InputFormat::Csv => csv::read_csv(file, options, inventory),
        InputFormat::Json | InputFormat::Jsonl => json::read_json(file, format, options, inventory),
    }
}

/// The value that a CSV column or a JSON key holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FieldKind {
    V4,
    V6,
    Id,
}

impl FieldKind {
    /// Returns the name used in messages.
    fn name(self) -> &'static str {
        match self {
            FieldKind::V4 => "V4",
            FieldKind::V6 => "V6",
            FieldKind::Id => "ID",
        }
    }

    /// Returns an example value, for messages that show what was expected.
    fn example(self) -> &'static str {
        match self {
            FieldKind::V4 => "0.0.0.1",
            FieldKind::V6 => "2001:db8::1",
            FieldKind::Id => "host-1",
        }
    }

    /// Returns the command-line option that names the column or key.
    fn option(self) -> &'static str {
        match self {
            FieldKind::V4 => "--v4-column",
            FieldKind::V6 => "--v6-column",
            FieldKind::Id => "--keep-ids",
        }
    }
}

/// Column and key names accepted for the V4 value, compared after trimming and
/// ignoring case.
const V4_ALIASES: &[&str] = &[
    "v4",
    "ipv4",
    "ip v4",
    "ip_v4",
    "ip-v4",
    "ipv4 address",
    "ipv4_address",
    "ipv4-address",
    "ipv4address",
];

/// Column and key names accepted for the V6 value.
const V6_ALIASES: &[&str] = &[
    "v6",
    "ipv6",
    "ip v6",
    "ip_v6",
    "ip-v6",
    "ipv6 address",
    "ipv6_address",
    "ipv6-address",
    "ipv6address",
];

/// Column and key names accepted for the custom ID.
const ID_ALIASES: &[&str] = &["id"];

/// Removes surrounding whitespace and byte-order marks from a column or key name.
fn clean_name(name: &str) -> &str {
    name.trim_matches(|c: char| c.is_whitespace() || c == '\u{FEFF}')
}

/// Compares two cleaned names, ignoring case.
fn names_equal(a: &str, b: &str) -> bool {
    a.eq_ignore_ascii_case(b)
        || a.chars()
            .flat_map(char::to_lowercase)
            .eq(b.chars().flat_map(char::to_lowercase))
}

/// Maps column and key names to the values they hold, following the aliases
/// and the `--v4-column` and `--v6-column` options.
#[derive(Clone, Copy)]
struct FieldNames<'o> {
    options: &'o InventoryOptions,
}

impl FieldNames<'_> {
    /// Returns the value that a column or key name holds, or `None` for a name
    /// that v6map does not read. An option names its column exactly, so the
    /// aliases of that value no longer apply.
    fn kind_of(&self, name: &str) -> Option<FieldKind> {
        let name = clean_name(name);
        let v4_option = self.options.v4_column.as_deref().map(clean_name);
        let v6_option = self.options.v6_column.as_deref().map(clean_name);
        if v4_option.is_some_and(|option| names_equal(name, option)) {
            return Some(FieldKind::V4);
        }
        if v6_option.is_some_and(|option| names_equal(name, option)) {
            return Some(FieldKind::V6);
        }
        let is_alias =
            |aliases: &[&str]| aliases.iter().any(|alias| name.eq_ignore_ascii_case(alias));
        if v4_option.is_none() && is_alias(V4_ALIASES) {
            return Some(FieldKind::V4);
        }
        if v6_option.is_none() && is_alias(V6_ALIASES) {
            return Some(FieldKind::V6);
        }
        if is_alias(ID_ALIASES) {
            return Some(FieldKind::Id);
        }
        None
    }

    /// Lists the names accepted for `kind`, for messages.
    fn accepted(&self, kind: FieldKind) -> String {
        let option = match kind {
            FieldKind::V4 => self.options.v4_column.as_deref(),
            FieldKind::V6 => self.options.v6_column.as_deref(),
            FieldKind::Id => None,
        };
        if let Some(option) = option {
            return format!("'{}' (from {})", clean_name(option), kind.option());
        }
        let aliases = match kind {
            FieldKind::V4 => V4_ALIASES,
            FieldKind::V6 => V6_ALIASES,
            FieldKind::Id => ID_ALIASES,
        };
        aliases
            .iter()
            .map(|alias| format!("'{alias}'"))
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// Creates the warning for a custom ID, which Qualys accepts but does not save.
fn custom_id_warning(id: &str, label: &str, location: Location) -> Diagnostic {
    Diagnostic::new(
        Rule::CustomIdIgnored,
        format!("custom ID '{id}' will be sent, but Qualys does not save it ({label})"),
    )
    .with_help("Qualys accepts custom IDs in uploads but does not save them and assigns its own; drop --keep-ids to leave IDs out")
    .at(location)
}

/// The values read from one row or object, each with its span.
#[derive(Default)]
struct RowFields {
    v4: Option<(std::net::Ipv4Addr, Span)>,
    v6: Option<(std::net::Ipv6Addr, Span)>,
    id: Option<Box<str>>,
}

impl Inventory {
    /// Ends one row or object. The row is rejected with its raw text when an
    /// error was reported from diagnostic `first_diagnostic` on. Otherwise a
    /// record is kept if both addresses were read.
    fn finish_row(
        &mut self,
        first_diagnostic: usize,
        fields: RowFields,
        file: &Arc<SourceFile>,
        row_offset: usize,
        raw: &str,
    ) {
        let first_error = self
            .diagnostics
            .get(first_diagnostic..)
            .and_then(|new| new.iter().find(|d| d.is_error()));
        let record = match fields {
            RowFields {
                v4: Some((v4, v4_span)),
                v6: Some((v6, v6_span)),
                id,
            } => Some(Record {
                v4,
                v6,
                id,
                origin: Origin {
                    file: Arc::clone(self.origin_stand_in.as_ref().unwrap_or(file)),
                    v4: v4_span,
                    v6: v6_span,
                },
            }),
            _ => None,
        };
        match (first_error, record) {
            (Some(error), _) => {
                let rejected = RejectedRow {
                    file: file.name().clone(),
                    line: file.line_column(row_offset).0,
                    raw: raw.to_string(),
                    code: error.rule.code(),
                    message: error.message.clone(),
                };
                self.rejected.push(rejected);
            }
            (None, Some(record)) => self.records.push(record),
            (None, None) => {}
        }
    }
}
