//! `v6map generate`: inventories in, upload files out.
//!
//! The run has four steps. It checks the options and every output path first,
//! so a run that cannot write fails before reading anything. It reads all
//! inputs into one [`Inventory`], because duplicates across files count as
//! duplicates. It looks for duplicates over the whole inventory. Then it
//! writes the upload (to standard output, one file, or numbered batch files)
//! and the `--rejects` list through [`crate::output`], which replaces regular
//! files atomically.
//!
//! Without `--skip-invalid`, one error anywhere means no upload is written. With
//! it, the valid records are written, and records of a `duplicate-v4` or
//! `duplicate-v6` conflict count as invalid. No input field shows which of
//! the conflicting records is right, so all of them are left out and each is
//! listed in `--rejects`. A repeated identical pair is written once.
//!
//! The `--rejects` list is written whenever it is requested, also when errors
//! keep the upload from being written, because it lists what to fix. It is
//! empty apart from its header when nothing was rejected.

use std::borrow::Cow;
use std::collections::HashMap;
use std::io::{self, BufWriter, Read, Write};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::duplicates::find_duplicates;
use crate::form::Action;
use crate::inventory::{read_inventory, InputFormat, Inventory, InventoryOptions};
use crate::output::{self, FileId, Staged, Target, TargetKind};
use crate::record::Record;
use crate::source::{self, SourceFile, STDIN_NAME};
use crate::upload::{id_is_writable, write_upload};
use crate::RunError;

/// Options of one `generate` run.
#[derive(Clone, Debug)]
pub struct GenerateOptions {
    /// Input paths; `-` is standard input.
    pub inputs: Vec<String>,
    /// The format of every input; chosen per file from its extension when `None`.
    pub input_format: Option<InputFormat>,
    /// How to read the inventories.
    pub inventory: InventoryOptions,
    /// `add` or `remove`.
    pub action: Action,
    /// `--all-or-nothing 0|1`; only valid with `add`.
    pub all_or_nothing: Option<bool>,
    /// The output file; standard output when `None` or `-`.
    pub output: Option<PathBuf>,
    /// At most this many records a file; batch files are numbered `-0001`,
    /// `-0002`..., also when one file is enough.
    pub batch_size: Option<usize>,
    /// Overwrite existing output files.
    pub force: bool,
    /// Write the valid records even when some rows were rejected.
    pub skip_invalid: bool,
    /// Write the rejected rows as CSV to this file.
    pub rejects: Option<PathBuf>,
}

/// The result of a `generate` run.
#[derive(Debug, Default)]
pub struct GenerateOutcome {
    /// Every finding, in input order; findings about the whole run come last.
    pub diagnostics: Vec<Diagnostic>,
    /// The inputs, for rendering snippets.
    pub sources: Vec<Arc<SourceFile>>,
    /// The upload files written, in order; empty when writing to stdout or when nothing was written.
    pub written: Vec<PathBuf>,
    /// The number of records written.
    pub records_written: usize,
    /// Batch files of an earlier run that `--force` removed.
    pub removed: Vec<PathBuf>,
    /// True when the upload was written (to files or stdout).
    pub wrote_output: bool,
    /// The `--rejects` file, when it was written.
    pub rejects_written: Option<PathBuf>,
    /// The number of rows listed in the rejects file (or that would be listed).
    pub rejected: usize,
}

/// Runs `generate`. Diagnostics about the input are returned in the outcome;
/// only failures that stop the run (unreadable input, unwritable output,
/// contradicting options) are errors. `stdout` receives the upload when
/// `options.output` is `None`.
pub fn run(
    options: &GenerateOptions,
    stdin: &mut dyn Read,
    stdout: &mut dyn Write,
) -> Result<GenerateOutcome, RunError> {
    check_options(options)?;
    let formats = input_formats(options)?;
    let input_ids: Vec<Option<FileId>> = options
        .inputs
        .iter()
        .map(|input| input_identity(input))
        .collect();
    reject_repeated_inputs(options, &input_ids)?;

    // Check every output path that is known before reading, so a run that
    // cannot write stops before the expensive part.
    let (single_target, rejects_target) = plan_known_targets(options, &input_ids)?;

    let mut read = read_inputs(options, &formats, stdin)?;
    let analysis = analyse(options, &mut read);
    let mut outcome = GenerateOutcome {
        sources: read
            .inputs
            .iter()
            .filter_map(|input| input.source.clone())
            .collect(),
        ..GenerateOutcome::default()
    };

    let write_upload_now = analysis.writable > 0 && (!analysis.has_errors || options.skip_invalid);
    let output = upload_path(options);
    let batch_targets = match (output, options.batch_size) {
        (Some(path), Some(size)) if write_upload_now => plan_batches(
            path,
            analysis.writable,
            size,
            options,
            &input_ids,
            rejects_target.as_ref(),
        )?,
        _ => Vec::new(),
    };

    // Stage every file before committing any, so a failure leaves no output.
    let records = &read.inventory.records;
    let upload_targets: Vec<(&Target, usize)> = match (&single_target, options.batch_size) {
        _ if !write_upload_now => Vec::new(),
        (Some(target), _) => vec![(target, analysis.writable)],
        (None, Some(size)) => batch_targets.iter().map(|target| (target, size)).collect(),
        (None, None) => Vec::new(),
    };
    let mut staged = stage_uploads(options, &upload_targets, records, &analysis.excluded)?;
    outcome.written = upload_targets
        .iter()
        .map(|(target, _)| target.path.clone())
        .collect();
    if let Some(target) = &rejects_target {
        let rows = reject_rows(&read, &analysis);
        outcome.rejected = rows.len();
        staged.push(output::stage(target, |out| write_rejects(out, &rows))?);
    } else if rejects_to_stdout(options) {
        let rows = reject_rows(&read, &analysis);
        outcome.rejected = rows.len();
        write_rejects_to_stdout(stdout, &rows)?;
    } else {
        outcome.rejected = reject_count(&read, &analysis);
    }

    if write_upload_now && output.is_none() {
        let writable = skip_indices(records, &analysis.excluded);
        write_to_stdout(stdout, options, writable)?;
    }
    for file in staged {
        file.commit()?;
    }
    // --force replaces the whole batch set: batch files of an earlier, larger
    // run would otherwise be uploaded with the new ones.
    if let (Some(path), Some(size), true) = (
        output,
        options.batch_size,
        write_upload_now && options.force,
    ) {
        for stale in stale_batches(path, analysis.writable.div_ceil(size)) {
            std::fs::remove_file(&stale).map_err(|error| {
                RunError::new(format!(
                    "failed to remove the old batch file '{}': {error}",
                    stale.display()
                ))
            })?;
            outcome.removed.push(stale);
        }
    }

    if write_upload_now {
        outcome.wrote_output = true;
        outcome.records_written = analysis.writable;
    }
    outcome.rejects_written = rejects_target.map(|target| target.path);
    outcome.diagnostics = analysis.diagnostics;
    Ok(outcome)
}

/// Rejects a file named twice among the inputs: every record would be a
/// duplicate of itself.
fn reject_repeated_inputs(
    options: &GenerateOptions,
    input_ids: &[Option<FileId>],
) -> Result<(), RunError> {
    for (index, id) in input_ids.iter().enumerate() {
        let Some(id) = id else { continue };
        if let Some(first) = input_ids[..index]
            .iter()
            .position(|other| other.as_ref() == Some(id))
        {
            return Err(RunError::new(format!(
                "'{}' and '{}' are the same file, named twice",
                options.inputs[first], options.inputs[index]
            ))
            .with_help("name each inventory once"));
        }
    }
    Ok(())
}

/// Returns the upload's path; `None` (or `-o -`) means standard output.
fn upload_path(options: &GenerateOptions) -> Option<&Path> {
    options
        .output
        .as_deref()
        .filter(|path| path.as_os_str() != "-")
}

/// Plans the upload file (unless it is split into batches) and the rejects
/// list, and checks that neither is an input or the other.
fn plan_known_targets(
    options: &GenerateOptions,
    input_ids: &[Option<FileId>],
) -> Result<(Option<Target>, Option<Target>), RunError> {
    let single_target = match (upload_path(options), options.batch_size) {
        (Some(path), None) => Some(output::plan(path, options.force, "-o")?),
        (Some(path), Some(_)) => {
            output::check_folder(path, "-o")?;
            None
        }
        (None, _) => None,
    };
    let rejects_target = match &options.rejects {
        Some(_) if rejects_to_stdout(options) => None,
        Some(path) => Some(output::plan(path, options.force, "--rejects")?),
        None => None,
    };
    for target in single_target.iter().chain(&rejects_target) {
        reject_input_as_output(target, options, input_ids)?;
    }
    if let (Some(upload), Some(rejects)) = (&single_target, &rejects_target) {
        reject_same_target(upload, rejects)?;
    }
    Ok((single_target, rejects_target))
}

/// Writes the upload files to their temporary files: each target gets the
/// next `size` records that are not excluded.
fn stage_uploads(
    options: &GenerateOptions,
    targets: &[(&Target, usize)],
    records: &[Record],
    excluded: &[usize],
) -> Result<Vec<Staged>, RunError> {
    let mut writable = skip_indices(records, excluded);
    let mut staged = Vec::with_capacity(targets.len() + 1);
    for &(target, size) in targets {
        staged.push(output::stage(target, |out| {
            write_upload(
                out,
                options.action,
                options.all_or_nothing,
                writable.by_ref().take(size),
                options.inventory.keep_ids,
            )
            .map(drop)
        })?);
    }
    Ok(staged)
}

/// Rejects option combinations that contradict each other.
fn check_options(options: &GenerateOptions) -> Result<(), RunError> {
    if options.all_or_nothing.is_some() && options.action == Action::Remove {
        return Err(
            RunError::new("--all-or-nothing applies only to --action add")
                .with_help("Qualys documents all_or_nothing for add only; leave it out for remove"),
        );
    }
    if options.batch_size.is_some() && upload_path(options).is_none() {
        return Err(RunError::new("--batch-size needs -o FILE to name the batch files").with_help(
            "for example, -o out/add.xml --batch-size 1000 writes out/add-0001.xml, out/add-0002.xml, ...",
        ));
    }
    if rejects_to_stdout(options) && upload_path(options).is_none() {
        return Err(
            RunError::new("--rejects - and the upload would both go to standard output")
                .with_help("write the upload to a file with -o add.xml, or the rejects list to a file such as rejects.csv"),
        );
    }
    if options.batch_size == Some(0) {
        return Err(RunError::new("--batch-size must be at least 1"));
    }
    if options.inputs.iter().filter(|input| *input == "-").count() > 1 {
        return Err(RunError::new(
            "standard input ('-') is named more than once",
        ));
    }
    Ok(())
}

/// Chooses each input's format: `--input-format`, else the file's extension.
fn input_formats(options: &GenerateOptions) -> Result<Vec<InputFormat>, RunError> {
    options
        .inputs
        .iter()
        .map(|input| match (options.input_format, input.as_str()) {
            (Some(format), _) => Ok(format),
            (None, "-") => Err(RunError::new("reading standard input ('-') needs --input-format")
                .with_help("pass --input-format csv, json or jsonl")),
            (None, path) => InputFormat::from_path(path).ok_or_else(|| {
                RunError::new(format!("cannot tell the format of '{path}' from its extension"))
                    .with_help("name the file .csv, .tsv, .txt, .json, .jsonl or .ndjson, or pass --input-format csv|json|jsonl")
            }),
        })
        .collect()
}

/// Returns the identity of an input that is a regular file, to compare with outputs.
fn input_identity(input: &str) -> Option<FileId> {
    if input == "-" {
        // Standard input redirected from a file can be that file as well.
        if cfg!(unix) {
            return FileId::of_regular_file(Path::new("/dev/stdin"));
        }
        return None;
    }
    FileId::of_regular_file(Path::new(input))
}

/// Fails when `target` is the same file as one of the inputs.
fn reject_input_as_output(
    target: &Target,
    options: &GenerateOptions,
    input_ids: &[Option<FileId>],
) -> Result<(), RunError> {
    let Some(target_id) = FileId::of_regular_file(target.write_path()) else {
        return Ok(());
    };
    let same = options
        .inputs
        .iter()
        .zip(input_ids)
        .find(|(_, id)| id.as_ref() == Some(&target_id));
    match same {
        Some((input, _)) => {
            let input = if input == "-" {
                "standard input"
            } else {
                input
            };
            Err(RunError::new(format!(
                "cannot write '{}': it is the input '{input}'",
                target.path.display()
            ))
            .with_help("choose another output file; writing there would replace the inventory with its upload"))
        }
        None => Ok(()),
    }
}

/// Fails when the upload and the rejects list would be the same file.
fn reject_same_target(upload: &Target, rejects: &Target) -> Result<(), RunError> {
    if upload.kind == TargetKind::Direct && rejects.kind == TargetKind::Direct {
        return Ok(());
    }
    let same = match (output::target_key(upload), output::target_key(rejects)) {
        (Some(upload_key), Some(rejects_key)) => upload_key == rejects_key,
        _ => false,
    };
    if same {
        return Err(RunError::new(format!(
            "-o and --rejects name the same file '{}'",
            upload.path.display()
        ))
        .with_help("give the rejects list its own file name, for example rejects.csv"));
    }
    Ok(())
}

/// One input as read: its source (unless it could not be decoded) and which
/// records and rejected rows of the inventory came from it.
struct ReadInput {
    source: Option<Arc<SourceFile>>,
    name: Arc<str>,
    records: Range<usize>,
    rejected: Range<usize>,
    /// The encoding error that kept the file from being read, if any.
    decode_error: Option<Diagnostic>,
}

/// Everything the inputs produced.
struct ReadInputs {
    inputs: Vec<ReadInput>,
    inventory: Inventory,
}

/// Reads and decodes every input, then runs the inventory reader on it.
fn read_inputs(
    options: &GenerateOptions,
    formats: &[InputFormat],
    stdin: &mut dyn Read,
) -> Result<ReadInputs, RunError> {
    let mut inventory = Inventory::default();
    let mut inputs = Vec::with_capacity(options.inputs.len());
    for (input, &format) in options.inputs.iter().zip(formats) {
        let (name, bytes): (Arc<str>, Vec<u8>) = if input == "-" {
            let bytes =
                source::read_bounded(stdin, 0, source::MAX_INPUT_BYTES).map_err(|error| {
                    RunError::new(format!("failed to read standard input: {error}"))
                })?;
            (Arc::from(STDIN_NAME), bytes)
        } else {
            let bytes = source::read_file(input)
                .map_err(|error| RunError::new(format!("failed to read '{input}': {error}")))?;
            (Arc::from(input.as_str()), bytes)
        };

        let records_start = inventory.records.len();
        let rejected_start = inventory.rejected.len();
        let (source, decode_error) =
            match SourceFile::decode(name.clone(), bytes, Rule::InventoryFormat) {
                Ok(source) => {
                    let source = Arc::new(source);
                    read_inventory(source.clone(), format, &options.inventory, &mut inventory);
                    (Some(source), None)
                }
                Err(diagnostic) => (None, Some(*diagnostic)),
            };
        inputs.push(ReadInput {
            source,
            name,
            records: records_start..inventory.records.len(),
            rejected: rejected_start..inventory.rejected.len(),
            decode_error,
        });
    }
    Ok(ReadInputs { inputs, inventory })
}

/// A valid record that is not written, and why.
struct DroppedRecord {
    index: usize,
    rule: Rule,
    message: String,
}

/// The findings of a run and the records it will write.
struct Analysis {
    diagnostics: Vec<Diagnostic>,
    has_errors: bool,
    /// Valid records left out of the upload: conflicts and unwritable IDs.
    dropped: Vec<DroppedRecord>,
    /// Indices of records not written, ascending: repeats, and with
    /// `--skip-invalid` the dropped records.
    excluded: Vec<usize>,
    /// The number of records that would be written.
    writable: usize,
}

/// Finds duplicates, decides which records are written and collects every finding.
fn analyse(options: &GenerateOptions, read: &mut ReadInputs) -> Analysis {
    let records = &read.inventory.records;
    let report = find_duplicates(records, Severity::Warning);

    let mut diagnostics: Vec<Diagnostic> = read
        .inputs
        .iter()
        .filter_map(|input| input.decode_error.clone())
        .collect();
    diagnostics.append(&mut read.inventory.diagnostics);
    diagnostics.extend(report.diagnostics);

    let mut dropped: Vec<DroppedRecord> = report
        .conflicts
        .iter()
        .map(|&(index, rule)| DroppedRecord {
            index,
            rule,
            message: conflict_message(&records[index], rule),
        })
        .collect();
    if options.inventory.keep_ids {
        drop_unwritable_ids(records, &mut diagnostics, &mut dropped);
    }
    dropped.sort_by_key(|record| record.index);
    dropped.dedup_by_key(|record| record.index);

    let mut excluded = report.repeats;
    if options.skip_invalid {
        excluded.extend(dropped.iter().map(|record| record.index));
        excluded.sort_unstable();
        excluded.dedup();
    }
    let writable = records.len() - excluded.len();

    if records.is_empty() {
        diagnostics.push(
            Diagnostic::new(Rule::EmptyInventory, "the inputs contain no valid record")
                .with_help("an upload needs at least one IP_MAP; fix the rejected rows, or check the V4 and V6 column names"),
        );
    } else if options.skip_invalid && writable == 0 {
        diagnostics.push(
            Diagnostic::new(
                Rule::EmptyInventory,
                format!(
                    "no record is left to write: all {} valid records take part in a duplicate conflict or have an ID that cannot be written",
                    records.len()
                ),
            )
            .with_help("an upload needs at least one IP_MAP; resolve the duplicate-v4 and duplicate-v6 conflicts first"),
        );
    }
    if options.inventory.keep_ids {
        warn_custom_ids(records, &excluded, &mut diagnostics);
    }
    sort_in_input_order(&mut diagnostics, read);

    let has_errors = diagnostics.iter().any(Diagnostic::is_error);
    Analysis {
        diagnostics,
        has_errors,
        dropped,
        excluded,
        writable,
    }
}

/// Returns the rejects-list message for a record of a duplicate conflict.
fn conflict_message(record: &Record, rule: Rule) -> String {
    if rule == Rule::DuplicateV4 {
        format!(
            "IPv4 {} is mapped to more than one IPv6 address ({} here); conflicting records are not written",
            record.v4, record.v6
        )
    } else {
        format!(
            "IPv6 {} is mapped to more than one IPv4 address ({} here); conflicting records are not written",
            record.v6, record.v4
        )
    }
}

/// Drops records whose ID cannot be written into the form body. The inventory
/// readers already reject IDs with `&`, `+`, `%`, `#`, `<` and `>`; this also
/// catches control characters, which XML 1.0 forbids.
fn drop_unwritable_ids(
    records: &[Record],
    diagnostics: &mut Vec<Diagnostic>,
    dropped: &mut Vec<DroppedRecord>,
) {
    for (index, record) in records.iter().enumerate() {
        let Some(id) = record.id.as_deref() else {
            continue;
        };
        if id_is_writable(id) {
            continue;
        }
        let message = format!(
            "ID '{}' cannot be written into an upload file: it is empty or contains a control character",
            id.escape_debug()
        );
        diagnostics.push(
            Diagnostic::new(Rule::InventoryFormat, message.clone())
                .with_help("Qualys does not save custom IDs: drop --keep-ids, or use letters, digits, '-', '_' and '.'")
                .at(record.origin.v4_location()),
        );
        dropped.push(DroppedRecord {
            index,
            rule: Rule::InventoryFormat,
            message,
        });
    }
}

/// Adds one `custom-id-ignored` warning for the run when records with an ID
/// are written and the inventory reader did not already warn about them.
fn warn_custom_ids(records: &[Record], excluded: &[usize], diagnostics: &mut Vec<Diagnostic>) {
    if diagnostics
        .iter()
        .any(|diagnostic| diagnostic.rule == Rule::CustomIdIgnored)
    {
        return;
    }
    let count = skip_indices(records, excluded)
        .filter(|record| record.id.is_some())
        .count();
    if count == 0 {
        return;
    }
    let subject = if count == 1 {
        "1 record carries a custom ID".to_string()
    } else {
        format!("{count} records carry a custom ID")
    };
    diagnostics.push(
        Diagnostic::new(
            Rule::CustomIdIgnored,
            format!("{subject}, written as <ID>; Qualys accepts custom IDs but does not save them"),
        )
        .with_help(
            "leave out --keep-ids unless a tool downstream reads the IDs from the upload file",
        ),
    );
}

/// Sorts diagnostics by input (in argument order), then offset; findings
/// without a location come last. The sort is stable, so findings at the same
/// place keep the order in which the readers reported them.
fn sort_in_input_order(diagnostics: &mut [Diagnostic], read: &ReadInputs) {
    let mut order: HashMap<&str, usize> = HashMap::new();
    for (index, input) in read.inputs.iter().enumerate() {
        order.entry(&*input.name).or_insert(index);
    }
    diagnostics.sort_by_key(|diagnostic| match &diagnostic.location {
        Some(location) => (
            0,
            order.get(&*location.file).copied().unwrap_or(usize::MAX),
            location.offset,
        ),
        None => (1, 0, 0),
    });
}

/// Iterates over the records whose indices are not in `excluded`, which is ascending.
fn skip_indices<'r>(
    records: &'r [Record],
    excluded: &'r [usize],
) -> impl Iterator<Item = &'r Record> + 'r {
    let mut next_excluded = excluded.iter().copied().peekable();
    records
        .iter()
        .enumerate()
        .filter_map(move |(index, record)| {
            if next_excluded.peek() == Some(&index) {
                next_excluded.next();
                None
            } else {
                Some(record)
            }
        })
}

/// Returns the path of batch file `number` of `count`: `-0001` goes before the
/// extension (`out/add.xml` gives `out/add-0001.xml`). Numbers have at least
/// four digits, and more when there are more batches, so the names sort in order.
pub fn batch_path(path: &Path, number: usize, count: usize) -> PathBuf {
    let width = count.to_string().len().max(4);
    let mut name = path.file_stem().unwrap_or_default().to_os_string();
    name.push(format!("-{number:0width$}"));
    if let Some(extension) = path.extension() {
        name.push(".");
        name.push(extension);
    }
    path.with_file_name(name)
}

/// Lists the files next to `path` that look like batch files of an earlier
/// run (`STEM-NNNN.EXT`) but are not among the `count` files this run writes.
/// Left in place, they would be uploaded together with the new set.
pub fn stale_batches(path: &Path, count: usize) -> Vec<PathBuf> {
    let folder = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let stem = path
        .file_stem()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let extension = path
        .extension()
        .map(|e| format!(".{}", e.to_string_lossy()));
    let current: std::collections::HashSet<PathBuf> = (1..=count)
        .map(|number| batch_path(path, number, count))
        .collect();
    let Ok(entries) = std::fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter(|entry| {
            let name = entry.file_name().to_string_lossy().into_owned();
            let Some(rest) = name
                .strip_prefix(&stem)
                .and_then(|rest| rest.strip_prefix('-'))
            else {
                return false;
            };
            let digits = match &extension {
                Some(extension) => rest.strip_suffix(extension.as_str()),
                None => Some(rest),
            };
            digits.is_some_and(|digits| {
                digits.len() >= 4 && digits.bytes().all(|b| b.is_ascii_digit())
            })
        })
        .map(|entry| path.with_file_name(entry.file_name()))
        .filter(|candidate| !current.contains(candidate))
        .collect();
    stale.sort();
    stale
}

/// Plans every batch file and checks each against the inputs and the rejects
/// list, failing before any file is written.
fn plan_batches(
    path: &Path,
    writable: usize,
    size: usize,
    options: &GenerateOptions,
    input_ids: &[Option<FileId>],
    rejects_target: Option<&Target>,
) -> Result<Vec<Target>, RunError> {
    let count = writable.div_ceil(size);
    let stale = stale_batches(path, count);
    if let (Some(first), false) = (stale.first(), options.force) {
        let more = match stale.len() {
            1 => String::new(),
            n => format!(" and {} more", n - 1),
        };
        return Err(RunError::new(format!(
            "'{}'{more} left from an earlier batch run would be uploaded with this one and --force was not given",
            first.display()
        ))
        .with_help("pass --force to replace the whole set of batch files, or delete the old ones first"));
    }
    let mut targets = Vec::with_capacity(count);
    for number in 1..=count {
        let target = output::plan(&batch_path(path, number, count), options.force, "-o")?;
        reject_input_as_output(&target, options, input_ids)?;
        if let Some(rejects) = rejects_target {
            reject_same_target(&target, rejects)?;
        }
        targets.push(target);
    }
    Ok(targets)
}

/// Writes the upload to standard output. A closed pipe (`| head`) ends the
/// write quietly, because the reader has all the data it wants.
/// True for `--rejects -`, which writes the rejects list to standard output.
fn rejects_to_stdout(options: &GenerateOptions) -> bool {
    options
        .rejects
        .as_deref()
        .is_some_and(|path| path.as_os_str() == "-")
}

/// Writes the rejects list to standard output; a closed pipe ends it quietly.
fn write_rejects_to_stdout(stdout: &mut dyn Write, lines: &[RejectLine]) -> Result<(), RunError> {
    let mut writer = BufWriter::with_capacity(output::BUFFER_SIZE, stdout);
    let result = write_rejects(&mut writer, lines).and_then(|()| writer.flush());
    let _ = writer.into_parts();
    match result {
        Err(error) if error.kind() != io::ErrorKind::BrokenPipe => Err(RunError::new(format!(
            "failed to write the rejects list to standard output: {error}"
        ))),
        _ => Ok(()),
    }
}

fn write_to_stdout<'r>(
    stdout: &mut dyn Write,
    options: &GenerateOptions,
    records: impl Iterator<Item = &'r Record>,
) -> Result<(), RunError> {
    let mut writer = BufWriter::with_capacity(output::BUFFER_SIZE, stdout);
    let result = write_upload(
        &mut writer,
        options.action,
        options.all_or_nothing,
        records,
        options.inventory.keep_ids,
    )
    .and_then(|_| writer.flush());
    match result {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => {
            // Drop the buffered rest instead of retrying the write on drop.
            let _ = writer.into_parts();
            Ok(())
        }
        Err(error) => {
            let _ = writer.into_parts();
            Err(RunError::new(format!(
                "failed to write the upload to standard output: {error}"
            )))
        }
    }
}

/// One line of the rejects list.
struct RejectLine<'a> {
    input: usize,
    file: &'a str,
    line: u32,
    code: &'static str,
    message: Cow<'a, str>,
    row: Cow<'a, str>,
}

/// Returns the number of lines [`reject_rows`] would list.
fn reject_count(read: &ReadInputs, analysis: &Analysis) -> usize {
    let undecodable = read
        .inputs
        .iter()
        .filter(|input| input.decode_error.is_some())
        .count();
    undecodable + read.inventory.rejected.len() + analysis.dropped.len()
}

/// Collects the rejects list: every rejected row, every record left out for a
/// conflict or an unwritable ID, and every input that could not be decoded, in
/// input order and then line order.
fn reject_rows<'a>(read: &'a ReadInputs, analysis: &'a Analysis) -> Vec<RejectLine<'a>> {
    let mut lines = Vec::new();
    for (input_index, input) in read.inputs.iter().enumerate() {
        if let Some(diagnostic) = &input.decode_error {
            lines.push(RejectLine {
                input: input_index,
                file: &input.name,
                line: diagnostic
                    .location
                    .as_ref()
                    .map_or(1, |location| location.line),
                code: diagnostic.rule.code(),
                message: Cow::Borrowed(&diagnostic.message),
                row: Cow::Borrowed(""),
            });
        }
        for row in &read.inventory.rejected[input.rejected.clone()] {
            lines.push(RejectLine {
                input: input_index,
                file: &row.file,
                line: row.line,
                code: row.code,
                message: Cow::Borrowed(&row.message),
                row: Cow::Borrowed(&row.raw),
            });
        }
    }
    for dropped in &analysis.dropped {
        let record = &read.inventory.records[dropped.index];
        let input_index = read
            .inputs
            .iter()
            .position(|input| input.records.contains(&dropped.index))
            .unwrap_or(usize::MAX);
        let (line, row) = record_row(record);
        lines.push(RejectLine {
            input: input_index,
            file: record.origin.file.name(),
            line,
            code: dropped.rule.code(),
            message: Cow::Borrowed(&dropped.message),
            row: Cow::Borrowed(row),
        });
    }
    lines.sort_by_key(|line| (line.input, line.line));
    lines
}

/// Returns the line where a record starts and the text of the whole lines that
/// hold its V4 and V6 values, without the final line end.
fn record_row(record: &Record) -> (u32, &str) {
    let text = record.origin.file.text();
    let (v4, v6) = (record.origin.v4, record.origin.v6);
    let start = v4.offset.min(v6.offset).min(text.len());
    let end = (v4.offset + v4.length)
        .max(v6.offset + v6.length)
        .clamp(start, text.len());
    let is_line_end = |byte: &u8| *byte == b'\n' || *byte == b'\r';
    let bytes = text.as_bytes();
    let line_start = bytes[..start]
        .iter()
        .rposition(is_line_end)
        .map_or(0, |position| position + 1);
    let line_end = bytes[end..]
        .iter()
        .position(is_line_end)
        .map_or(text.len(), |position| end + position);
    let row = text.get(line_start..line_end).unwrap_or_default();
    (record.origin.file.line_column(line_start).0, row)
}

/// Writes the rejects list as CSV: `file,line,code,message,row`.
fn write_rejects(out: &mut dyn Write, lines: &[RejectLine]) -> io::Result<()> {
    let mut writer = csv::Writer::from_writer(out);
    writer.write_record(["file", "line", "code", "message", "row"])?;
    for line in lines {
        writer.write_record([
            spreadsheet_safe(line.file).as_ref(),
            &line.line.to_string(),
            line.code,
            spreadsheet_safe(&line.message).as_ref(),
            spreadsheet_safe(&line.row).as_ref(),
        ])?;
    }
    writer.flush()
}

/// Prefixes with `'` a cell that a spreadsheet would run as a formula: one
/// that starts with `=`, `+`, `-`, `@`, tab or CR. This is the usual defence
/// against CSV formula injection. Rejected rows are copied from untrusted
/// input, and the rejects list is meant to be opened in a spreadsheet.
pub fn spreadsheet_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        std::borrow::Cow::Owned(format!("'{cell}"))
    } else {
        std::borrow::Cow::Borrowed(cell)
    }
}

#[cfg(test)]
mod tests;
