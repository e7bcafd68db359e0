//! Inventory readers: CSV and JSON files of V4 and V6 addresses, turned into
//! records with source positions and diagnostics for every bad row.

pub mod csv;
pub mod json;

use std::sync::Arc;

use crate::diagnostic::Diagnostic;
use crate::record::Record;
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
