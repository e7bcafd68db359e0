//! The mapping record that inventories produce, uploads contain and checks compare.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use crate::diagnostic::Location;
use crate::source::SourceFile;

/// A byte span in a source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Span {
    /// Byte offset from the start of the file's text.
    pub offset: usize,
    /// Length in bytes.
    pub length: usize,
}

impl Span {
    /// Creates a span.
    pub fn new(offset: usize, length: usize) -> Span {
        Span { offset, length }
    }
}

/// The source of a record: its file and the spans of its V4 and V6 values.
#[derive(Clone, Debug)]
pub struct Origin {
    /// The file the record was read from.
    pub file: Arc<SourceFile>,
    /// The span of the V4 value.
    pub v4: Span,
    /// The span of the V6 value.
    pub v6: Span,
}

impl Origin {
    /// Returns the location of the V4 value.
    pub fn v4_location(&self) -> Location {
        self.file.location(self.v4.offset, self.v4.length)
    }

    /// Returns the location of the V6 value.
    pub fn v6_location(&self) -> Location {
        self.file.location(self.v6.offset, self.v6.length)
    }
}

/// One valid IPv6 mapping record: a placeholder IPv4 address and the host's IPv6 address.
#[derive(Clone, Debug)]
pub struct Record {
    /// The placeholder address from Qualys's mapping range.
    pub v4: Ipv4Addr,
    /// The host's IPv6 address.
    pub v6: Ipv6Addr,
    /// A custom ID, kept only with `--keep-ids`; Qualys does not save it.
    pub id: Option<Box<str>>,
    /// The source of the record.
    pub origin: Origin,
}
