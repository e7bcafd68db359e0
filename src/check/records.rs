//! Records as check keeps them, and duplicate detection across files.
//!
//! A big upload contains a million records, so check keeps each as 40 bytes of
//! addresses and offsets instead of a [`Record`] with its `Arc`. Only records
//! whose V4 or V6 occurs more than once in a group become [`Record`]s and go to
//! [`find_duplicates`], which therefore sees every record that takes part in a
//! duplicate and reports exactly what it would report for the whole group.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::duplicates::find_duplicates;
use crate::record::{Origin, Record, Span};
use crate::source::SourceFile;

/// A valid record: both addresses and the byte offsets of their values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct CompactRecord {
    v4_offset: usize,
    v6_offset: usize,
    v6: [u8; 16],
    v4: u32,
    v4_length: u16,
    v6_length: u16,
}

impl CompactRecord {
    pub fn new(
        v4: Ipv4Addr,
        v6: Ipv6Addr,
        v4_span: Range<usize>,
        v6_span: Range<usize>,
    ) -> CompactRecord {
        CompactRecord {
            v4_offset: v4_span.start,
            v6_offset: v6_span.start,
            v6: v6.octets(),
            v4: u32::from(v4),
            v4_length: u16::try_from(v4_span.len()).unwrap_or(u16::MAX),
            v6_length: u16::try_from(v6_span.len()).unwrap_or(u16::MAX),
        }
    }

    fn v6_key(&self) -> u128 {
        u128::from_be_bytes(self.v6)
    }

    pub fn to_record(self, file: &Arc<SourceFile>) -> Record {
        Record {
            v4: Ipv4Addr::from(self.v4),
            v6: Ipv6Addr::from(self.v6),
            id: None,
            origin: Origin {
                file: file.clone(),
                v4: Span::new(self.v4_offset, usize::from(self.v4_length)),
                v6: Span::new(self.v6_offset, usize::from(self.v6_length)),
            },
        }
    }
}

/// The records of one file, in file order, kept in the pieces they were
/// collected in so that a big file is never copied into one vector.
#[derive(Debug, Default)]
pub(crate) struct RecordTable {
    parts: Vec<Vec<CompactRecord>>,
}

impl RecordTable {
    pub fn push_part(&mut self, part: Vec<CompactRecord>) {
        if !part.is_empty() {
            self.parts.push(part);
        }
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(Vec::len).sum()
    }

    pub fn iter(&self) -> impl Iterator<Item = &CompactRecord> {
        self.parts.iter().flatten()
    }
}

/// Returns the sorted values that occur more than once.
fn repeated<T: Ord + Copy>(mut values: Vec<T>) -> Vec<T> {
    values.sort_unstable();
    let mut repeated: Vec<T> = values
        .windows(2)
        .filter(|pair| pair[0] == pair[1])
        .map(|pair| pair[0])
        .collect();
    repeated.dedup();
    repeated
}

/// Finds duplicates among the records of several files, compared as one
/// group in the given order. `record_severity` is the severity of
/// `duplicate-record`; `max_severity` caps every finding (Qualys's own list
/// output is suspicious, not fatal).
pub(crate) fn group_duplicates(
    group: &[(&Arc<SourceFile>, &RecordTable)],
    record_severity: Severity,
    max_severity: Severity,
) -> Vec<Diagnostic> {
    let all = || group.iter().flat_map(|(_, table)| table.iter());
    let repeated_v4 = repeated(all().map(|record| record.v4).collect());
    let repeated_v6 = repeated(all().map(CompactRecord::v6_key).collect());
    if repeated_v4.is_empty() && repeated_v6.is_empty() {
        return Vec::new();
    }
    let mut involved = Vec::new();
    for (file, table) in group {
        for record in table.iter() {
            if repeated_v4.binary_search(&record.v4).is_ok()
                || repeated_v6.binary_search(&record.v6_key()).is_ok()
            {
                involved.push(record.to_record(file));
            }
        }
    }
    let mut diagnostics = find_duplicates(&involved, record_severity).diagnostics;
    for diagnostic in &mut diagnostics {
        diagnostic.severity = diagnostic.severity.min(max_severity);
    }
    diagnostics
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diagnostic::Rule;

    fn table(rows: &[(&str, &str)], file: &Arc<SourceFile>) -> RecordTable {
        let mut table = RecordTable::default();
        let part = rows
            .iter()
            .map(|(v4, v6)| {
                let v4_offset = file.text().find(v4).unwrap();
                let v6_offset = file.text().find(v6).unwrap();
                CompactRecord::new(
                    v4.parse().unwrap(),
                    v6.parse().unwrap(),
                    v4_offset..v4_offset + v4.len(),
                    v6_offset..v6_offset + v6.len(),
                )
            })
            .collect();
        table.push_part(part);
        table
    }

    #[test]
    fn compact_record_round_trip() {
        let file = Arc::new(SourceFile::new("a.xml", "0.0.0.1 2001:db8::1".to_string()));
        let table = table(&[("0.0.0.1", "2001:db8::1")], &file);
        let record = table.iter().next().unwrap().to_record(&file);
        assert_eq!(record.v4, Ipv4Addr::new(0, 0, 0, 1));
        assert_eq!(record.v6, "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(record.origin.v6, Span::new(8, 11));
    }

    #[test]
    fn duplicates_across_files_in_group() {
        let a = Arc::new(SourceFile::new(
            "a.xml",
            "0.0.0.1 2001:db8::1 0.0.0.2 2001:db8::2".to_string(),
        ));
        let b = Arc::new(SourceFile::new("b.xml", "0.0.0.1 2001:db8::9".to_string()));
        let a_table = table(
            &[("0.0.0.1", "2001:db8::1"), ("0.0.0.2", "2001:db8::2")],
            &a,
        );
        let b_table = table(&[("0.0.0.1", "2001:db8::9")], &b);
        let found = group_duplicates(
            &[(&a, &a_table), (&b, &b_table)],
            Severity::Error,
            Severity::Error,
        );
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].rule, Rule::DuplicateV4);
        assert_eq!(&*found[0].location.as_ref().unwrap().file, "b.xml");

        let capped = group_duplicates(
            &[(&a, &a_table), (&b, &b_table)],
            Severity::Error,
            Severity::Warning,
        );
        assert_eq!(capped[0].severity, Severity::Warning);
    }

    #[test]
    fn no_duplicates_in_distinct_records() {
        let a = Arc::new(SourceFile::new(
            "a.xml",
            "0.0.0.1 2001:db8::1 0.0.0.2 2001:db8::2".to_string(),
        ));
        let a_table = table(
            &[("0.0.0.1", "2001:db8::1"), ("0.0.0.2", "2001:db8::2")],
            &a,
        );
        assert!(group_duplicates(&[(&a, &a_table)], Severity::Error, Severity::Error).is_empty());
    }
}
