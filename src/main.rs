//! The `v6map` binary: parses arguments, runs one command, renders its
//! diagnostics and maps the outcome to an exit code.

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand, ValueEnum};
use v6map::diagnostic::{Counts, Diagnostic};
use v6map::form::Action;
use v6map::inventory::{InputFormat, InventoryOptions};
use v6map::render::{self, OutputFormat, RenderOptions};
use v6map::{check, dtd, generate, RunError, EXIT_CLEAN, EXIT_COULD_NOT_RUN, EXIT_FINDINGS};

/// Offline generator and linter for Qualys IPv6 mapping upload files.
#[derive(Parser, Debug)]
#[command(name = "v6map", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Turn CSV or JSON inventories into action=add|remove&xml_data= upload files.
    Generate(GenerateArgs),
    /// Lint upload files and Qualys responses (list output, SIMPLE_RETURN).
    Check(CheckArgs),
    /// Print a bundled DTD: ip_map_list, ip_map_list_output or simple_return.
    Schema {
        /// The DTD's name, with or without `.dtd`.
        name: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum FormatArg {
    Human,
    Json,
    Github,
    Sarif,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum InputFormatArg {
    Csv,
    Json,
    Jsonl,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ActionArg {
    Add,
    Remove,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

#[derive(Args, Debug)]
struct OutputArgs {
    /// Diagnostic format. json writes one object per line.
    #[arg(long, value_enum, default_value_t = FormatArg::Human)]
    format: FormatArg,
    /// When to colour human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,
    /// Print at most N findings in human format (all are still checked); 0 prints all.
    #[arg(long, value_name = "N", default_value_t = 50)]
    max_shown: usize,
}

#[derive(Args, Debug)]
struct GenerateArgs {
    /// Inventory files (CSV, JSON, JSON Lines); - reads standard input.
    #[arg(required = true, value_name = "INPUT")]
    inputs: Vec<String>,
    /// Write the upload file here instead of standard output.
    #[arg(short, long, value_name = "FILE")]
    output: Option<PathBuf>,
    /// The upload's action.
    #[arg(long, value_enum, default_value_t = ActionArg::Add)]
    action: ActionArg,
    /// Add all_or_nothing=0|1 to the form header (add only). 1: one IP conflict cancels the whole upload.
    #[arg(long, value_name = "0|1", value_parser = clap::value_parser!(u8).range(0..=1))]
    all_or_nothing: Option<u8>,
    /// Split the output into files of at most N records: FILE-0001.xml, FILE-0002.xml, ...
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    batch_size: Option<u64>,
    /// The format of the inputs; needed for standard input, otherwise taken from each file's extension.
    #[arg(long, value_enum, value_name = "FORMAT")]
    input_format: Option<InputFormatArg>,
    /// The CSV delimiter (one character; \t for tab). Detected when not given.
    #[arg(long, value_name = "CHAR")]
    delimiter: Option<String>,
    /// The name of the V4 column or JSON key.
    #[arg(long, value_name = "NAME")]
    v4_column: Option<String>,
    /// The name of the V6 column or JSON key.
    #[arg(long, value_name = "NAME")]
    v6_column: Option<String>,
    /// Write the id column as <ID>. Qualys accepts custom IDs but does not save them.
    #[arg(long)]
    keep_ids: bool,
    /// Overwrite output files that already exist.
    #[arg(long)]
    force: bool,
    /// Write the valid records even when some rows are rejected (every rejected row is still reported).
    #[arg(long)]
    skip_invalid: bool,
    /// Write the rejected rows as CSV (file, line, rule code, message, row) to FILE; - writes them to standard output (with -o FILE).
    #[arg(long, value_name = "FILE")]
    rejects: Option<PathBuf>,
    #[command(flatten)]
    output_args: OutputArgs,
}

#[derive(Args, Debug)]
struct CheckArgs {
    /// Upload files or Qualys XML responses; - reads standard input.
    #[arg(required = true, value_name = "FILE")]
    inputs: Vec<String>,
    /// Look for duplicates within each file only, not across all upload files of the run.
    #[arg(long)]
    per_file: bool,
    /// Exit with 1 when there are warnings, not only errors.
    #[arg(long)]
    deny_warnings: bool,
    #[command(flatten)]
    output_args: OutputArgs,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let code = match cli.command {
        Command::Generate(args) => run_generate(args),
        Command::Check(args) => run_check(args),
        Command::Schema { name } => run_schema(&name),
    };
    ExitCode::from(code as u8)
}

/// Builds render options. `terminal` is true when the report's stream is a terminal.
fn render_options(args: &OutputArgs, terminal: bool) -> RenderOptions {
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => terminal && std::env::var_os("NO_COLOR").is_none(),
    };
    RenderOptions {
        color,
        width: None,
        max_shown: (args.max_shown > 0).then_some(args.max_shown),
        failures: Vec::new(),
    }
}

fn output_format(format: FormatArg) -> OutputFormat {
    match format {
        FormatArg::Human => OutputFormat::Human,
        FormatArg::Json => OutputFormat::Json,
        FormatArg::Github => OutputFormat::Github,
        FormatArg::Sarif => OutputFormat::Sarif,
    }
}

/// Prints an error that stopped the run to stderr, as plain text in every format.
fn report_run_error(error: &RunError) {
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "error: {}", error.message);
    if let Some(help) = &error.help {
        let _ = writeln!(stderr, "  help: {help}");
    }
}

/// Writes diagnostics. A closed pipe is not reported, because the reader chose to stop.
fn write_diagnostics(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &[std::sync::Arc<v6map::source::SourceFile>],
    out: &mut dyn Write,
    options: &RenderOptions,
) {
    // Standard error is unbuffered, and the JSON and SARIF writers make a
    // write call for every token: 200,000 related places took 5 s unbuffered.
    let mut out = io::BufWriter::with_capacity(1 << 16, out);
    if let Err(error) = render::render(format, diagnostics, sources, &mut out, options) {
        if error.kind() != io::ErrorKind::BrokenPipe {
            report_run_error(&RunError::new(format!(
                "failed to write diagnostics: {error}"
            )));
        }
    }
}

fn run_generate(args: GenerateArgs) -> i32 {
    let delimiter = match args.delimiter.as_deref().map(parse_delimiter).transpose() {
        Ok(delimiter) => delimiter,
        Err(error) => {
            report_run_error(&error);
            return EXIT_COULD_NOT_RUN;
        }
    };

    let options = generate::GenerateOptions {
        inputs: args.inputs,
        input_format: args.input_format.map(|format| match format {
            InputFormatArg::Csv => InputFormat::Csv,
            InputFormatArg::Json => InputFormat::Json,
            InputFormatArg::Jsonl => InputFormat::Jsonl,
        }),
        inventory: InventoryOptions {
            delimiter,
            v4_column: args.v4_column,
            v6_column: args.v6_column,
            keep_ids: args.keep_ids,
        },
        action: match args.action {
            ActionArg::Add => Action::Add,
            ActionArg::Remove => Action::Remove,
        },
        all_or_nothing: args.all_or_nothing.map(|value| value == 1),
        output: args.output,
        batch_size: args
            .batch_size
            .map(|size| usize::try_from(size).unwrap_or(usize::MAX)),
        force: args.force,
        skip_invalid: args.skip_invalid,
        rejects: args.rejects,
    };

    let render_options = render_options(&args.output_args, io::stderr().is_terminal());
    let format = output_format(args.output_args.format);
    let mut stdin = io::stdin().lock();
    let mut stdout = io::stdout().lock();
    let outcome = match generate::run(&options, &mut stdin, &mut stdout) {
        Ok(outcome) => outcome,
        Err(error) => {
            report_run_error(&error);
            return EXIT_COULD_NOT_RUN;
        }
    };

    // The upload may be on stdout, so diagnostics go to stderr in every format.
    // A clean run is silent in human format, like other Unix filters, except
    // for naming the files it wrote.
    let mut stderr = io::stderr().lock();
    let human = format == OutputFormat::Human;
    if !(human && outcome.diagnostics.is_empty()) {
        write_diagnostics(
            format,
            &outcome.diagnostics,
            &outcome.sources,
            &mut stderr,
            &render_options,
        );
    }
    if human && !outcome.written.is_empty() {
        let _ = writeln!(stderr, "{}", written_summary(&outcome));
    }
    if human && !outcome.removed.is_empty() {
        let _ = writeln!(
            stderr,
            "removed {} batch file(s) of an earlier run, from {}",
            outcome.removed.len(),
            outcome.removed[0].display()
        );
    }
    if Counts::of(&outcome.diagnostics).errors > 0 && !outcome.wrote_output {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

/// Describes what `generate` wrote, for example `wrote 2 records to add.xml`.
fn written_summary(outcome: &generate::GenerateOutcome) -> String {
    let records = match outcome.records_written {
        1 => "1 record".to_string(),
        count => format!("{count} records"),
    };
    match outcome.written.as_slice() {
        [only] => format!("wrote {records} to {}", only.display()),
        [first, .., last] => format!(
            "wrote {records} to {} files, {} to {}",
            outcome.written.len(),
            first.display(),
            last.display()
        ),
        [] => format!("wrote {records}"),
    }
}

/// Parses `--delimiter`: one ASCII character, or `\t` / `tab` for a tab.
fn parse_delimiter(text: &str) -> Result<u8, RunError> {
    match text {
        "\\t" | "tab" | "\t" => Ok(b'\t'),
        _ if text.len() == 1 && text.is_ascii() => Ok(text.as_bytes()[0]),
        _ => Err(RunError::new(format!(
            "invalid --delimiter '{text}': expected one ASCII character"
        ))
        .with_help("use --delimiter ';' or --delimiter '\\t'")),
    }
}

fn run_check(args: CheckArgs) -> i32 {
    let options = check::CheckOptions {
        inputs: args.inputs,
        per_file: args.per_file,
    };
    let mut render_options = render_options(&args.output_args, io::stdout().is_terminal());
    let format = output_format(args.output_args.format);
    let mut stdin = io::stdin().lock();
    let outcome = match check::run(&options, &mut stdin) {
        Ok(outcome) => outcome,
        Err(error) => {
            report_run_error(&error);
            return EXIT_COULD_NOT_RUN;
        }
    };
    for error in &outcome.unreadable {
        report_run_error(error);
    }
    render_options.failures = outcome
        .unreadable
        .iter()
        .map(|error| error.message.clone())
        .collect();
    // Findings are check's output, so every format goes to stdout, as with ruff and typos.
    // A human "no findings" summary would be false when a file could not be read.
    let nothing_to_say = format == OutputFormat::Human
        && outcome.diagnostics.is_empty()
        && !outcome.unreadable.is_empty();
    if !nothing_to_say {
        write_diagnostics(
            format,
            &outcome.diagnostics,
            &outcome.sources,
            &mut io::stdout().lock(),
            &render_options,
        );
    }
    let counts = Counts::of(&outcome.diagnostics);
    if !outcome.unreadable.is_empty() {
        EXIT_COULD_NOT_RUN
    } else if counts.errors > 0 || (args.deny_warnings && counts.warnings > 0) {
        EXIT_FINDINGS
    } else {
        EXIT_CLEAN
    }
}

fn run_schema(name: &str) -> i32 {
    match dtd::bundled_text(name) {
        Some(text) => {
            let mut stdout = io::stdout().lock();
            match stdout
                .write_all(text.as_bytes())
                .and_then(|()| stdout.flush())
            {
                Ok(()) => EXIT_CLEAN,
                Err(error) if error.kind() == io::ErrorKind::BrokenPipe => EXIT_CLEAN,
                Err(error) => {
                    report_run_error(&RunError::new(format!(
                        "failed to write to standard output: {error}"
                    )));
                    EXIT_COULD_NOT_RUN
                }
            }
        }
        None => {
            report_run_error(
                &RunError::new(format!("no bundled DTD named '{name}'"))
                    .with_help(format!("choose one of: {}", dtd::BUNDLED.join(", "))),
            );
            EXIT_COULD_NOT_RUN
        }
    }
}
