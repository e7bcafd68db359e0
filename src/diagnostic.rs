//! The one finding type that every command produces and every renderer shows.
//!
//! A [`Diagnostic`] is data: a rule code, a severity, a message that quotes the
//! value, a help line, and where it was found. Renderers in [`crate::render`]
//! turn a list of them into human, JSON Lines, GitHub or SARIF output.

use std::fmt;
use std::sync::Arc;

/// The seriousness of a finding, ordered so that `Warning < Error`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Probably a mistake, but Qualys would accept the file.
    Warning,
    /// Qualys would reject the record or cancel the upload, or v6map cannot trust the input.
    Error,
}

impl Severity {
    /// Returns the lower-case name used in JSON, SARIF and summaries.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Error => "error",
            Severity::Warning => "warning",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

macro_rules! rules {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $severity:ident, $summary:literal; )*) => {
        /// A stable rule code. The code string is the JSON `code` field, the README
        /// anchor and the SARIF rule id, so a code is never renamed once released.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub enum Rule {
            $( $(#[$doc])* $variant, )*
        }

        impl Rule {
            /// Every rule, in documentation order.
            pub const ALL: &'static [Rule] = &[ $( Rule::$variant, )* ];

            /// Returns the kebab-case code, for example `invalid-v4`.
            pub fn code(self) -> &'static str {
                match self { $( Rule::$variant => $code, )* }
            }

            /// Returns the severity of this rule's findings unless their context changes it.
            pub fn default_severity(self) -> Severity {
                match self { $( Rule::$variant => Severity::$severity, )* }
            }

            /// Returns one sentence that describes when the rule fires.
            pub fn summary(self) -> &'static str {
                match self { $( Rule::$variant => $summary, )* }
            }

            /// Looks a rule up by its code.
            pub fn from_code(code: &str) -> Option<Rule> {
                match code { $( $code => Some(Rule::$variant), )* _ => None }
            }
        }
    };
}

rules! {
    InvalidV4 = "invalid-v4", Error,
        "The V4 value is not four dot-separated decimal octets.";
    V4OutOfRange = "v4-out-of-range", Error,
        "The V4 address is outside Qualys's mapping range 0.0.0.1 - 0.254.255.255.";
    InvalidV6 = "invalid-v6", Error,
        "The V6 value is not an IPv6 address.";
    V6SpecialUse = "v6-special-use", Error,
        "The V6 address is unspecified, loopback, IPv4-mapped, IPv4-compatible or multicast.";
    V6LinkLocal = "v6-link-local", Warning,
        "The V6 address is link-local (fe80::/10), which a scanner cannot reach by routing.";
    V6Documentation = "v6-documentation", Warning,
        "The V6 address is in a documentation prefix (2001:db8::/32 or 3fff::/20).";
    DuplicateV4 = "duplicate-v4", Error,
        "The same IPv4 address is mapped to different IPv6 addresses.";
    DuplicateV6 = "duplicate-v6", Error,
        "The same IPv6 address is mapped to different IPv4 addresses.";
    DuplicateRecord = "duplicate-record", Warning,
        "The identical V4 and V6 pair appears more than once.";
    WhitespaceInValue = "whitespace-in-value", Warning,
        "A value has leading or trailing ASCII whitespace, which was trimmed.";
    EmptyValue = "empty-value", Error,
        "A V4 or V6 value is empty.";
    CustomIdIgnored = "custom-id-ignored", Warning,
        "A record carries an ID, which Qualys accepts but does not save.";
    InventoryFormat = "inventory-format", Error,
        "The inventory cannot be read as records: a short row, a missing column, a JSON type error, a repeated key or an encoding problem.";
    ExtraField = "extra-field", Warning,
        "A CSV field beyond the header or a JSON key that v6map does not use.";
    EmptyInventory = "empty-inventory", Error,
        "The inputs contain no valid record, and Qualys needs at least one IP_MAP.";
    NotWellFormed = "not-well-formed", Error,
        "The document is not well-formed XML.";
    SchemaViolation = "schema-violation", Error,
        "An element does not match its DTD content model or attribute list.";
    UnknownDocument = "unknown-document", Error,
        "The file is not an upload file, a list output or a SIMPLE_RETURN response.";
    DoctypeMismatch = "doctype-mismatch", Error,
        "The DOCTYPE names a different element than the root, or a system id of another DTD.";
    EntityDeclaration = "entity-declaration", Error,
        "The document declares entities, which Qualys files never do.";
    FormHeader = "form-header", Error,
        "The action=...&xml_data= form header is missing, incomplete or inconsistent.";
    FormUnsafeCharacter = "form-unsafe-character", Error,
        "A raw &, %, # or + inside the form value would be decoded by the server.";
    BareCr = "bare-cr", Warning,
        "The file uses bare CR line ends.";
    QualysErrorResponse = "qualys-error-response", Error,
        "A SIMPLE_RETURN response reports an error code.";
    ListTruncated = "list-truncated", Warning,
        "A list output carries a WARNING, so the list is incomplete.";
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A place in a source file: byte span plus the line and column it starts at.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Location {
    /// The file name as the user gave it, or `<stdin>`.
    pub file: Arc<str>,
    /// 1-based line number, counting CR, LF and CRLF each as one line end.
    pub line: u32,
    /// 1-based column, in characters from the start of the line.
    pub column: u32,
    /// 0-based byte offset from the start of the file.
    pub offset: usize,
    /// Length of the span in bytes; 0 points between two characters.
    pub length: usize,
}

/// A second place that a diagnostic refers to, such as an earlier duplicate.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Related {
    /// The location of the other place.
    pub location: Location,
    /// The label of the other place, for example `first used here`.
    pub message: String,
}

/// One finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The stable rule code.
    pub rule: Rule,
    /// The severity in this context; usually `rule.default_severity()`.
    pub severity: Severity,
    /// The problem, quoting the value.
    pub message: String,
    /// How to fix it.
    pub help: Option<String>,
    /// The location, or `None` for findings about a whole run, such as an empty inventory.
    pub location: Option<Location>,
    /// Other places involved, for example every other line of a duplicate.
    pub related: Vec<Related>,
}

impl Diagnostic {
    /// Creates a diagnostic with the rule's default severity and no location.
    pub fn new(rule: Rule, message: impl Into<String>) -> Diagnostic {
        Diagnostic {
            rule,
            severity: rule.default_severity(),
            message: message.into(),
            help: None,
            location: None,
            related: Vec::new(),
        }
    }

    /// Sets the help line.
    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Sets the location.
    pub fn at(mut self, location: Location) -> Diagnostic {
        self.location = Some(location);
        self
    }

    /// Overrides the severity.
    pub fn with_severity(mut self, severity: Severity) -> Diagnostic {
        self.severity = severity;
        self
    }

    /// Adds a related location.
    pub fn with_related(mut self, location: Location, message: impl Into<String>) -> Diagnostic {
        self.related.push(Related {
            location,
            message: message.into(),
        });
        self
    }

    /// Returns true for error severity.
    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Sorts diagnostics by file, then position, then rule, so output does not depend
/// on the order in which checks ran. Diagnostics without a location come last.
pub fn sort_diagnostics(diagnostics: &mut [Diagnostic]) {
    diagnostics.sort_by(|a, b| {
        let key = |d: &Diagnostic| {
            d.location
                .as_ref()
                .map(|l| (0u8, l.file.clone(), l.offset))
                .unwrap_or((1, Arc::from(""), 0))
        };
        key(a).cmp(&key(b)).then(a.rule.cmp(&b.rule))
    });
}

/// Counts of findings by severity.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Counts {
    /// Number of error findings.
    pub errors: usize,
    /// Number of warning findings.
    pub warnings: usize,
}

impl Counts {
    /// Counts the diagnostics in a slice.
    pub fn of(diagnostics: &[Diagnostic]) -> Counts {
        let mut counts = Counts::default();
        for diagnostic in diagnostics {
            match diagnostic.severity {
                Severity::Error => counts.errors += 1,
                Severity::Warning => counts.warnings += 1,
            }
        }
        counts
    }
}
