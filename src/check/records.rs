//! Records as check keeps them, and duplicate detection across files.
//!
//! A big upload contains a million records, so check keeps each as 32 bytes of
//! addresses and offsets instead of a [`Record`] with its `Arc`. Only records
//! whose V4 or V6 occurs more than once in a group become [`Record`]s and go to
//! [`find_duplicates`], which therefore receives every record that takes part in a
//! duplicate and reports exactly what it would report for the whole group.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::ops::Range;
use std::sync::Arc;

use crate::diagnostic::{Diagnostic, Severity};
use crate::duplicates::find_duplicates;
use crate::record::{Origin, Record, Span};
use crate::source::SourceFile;

/// A valid record: both addresses, and where their values are relative to
/// the base offset of the [`RecordPart`] that contains it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct CompactRecord {
    v6: [u8; 16],
    v4: u32,
    v4_offset: u32,
    v6_offset: u32,
    v4_length: u16,
    v6_length: u16,
}

impl CompactRecord {
    fn v6_key(&self) -> u128 {
        u128::from_be_bytes(self.v6)
    }

    fn to_record(self, base: usize, file: &Arc<SourceFile>) -> Record {
        let offset = |relative: u32| base + usize::try_from(relative).unwrap_or(usize::MAX - base);
        Record {
            v4: Ipv4Addr::from(self.v4),
            v6: Ipv6Addr::from(self.v6),
            id: None,
            origin: Origin {
                file: file.clone(),
                v4: Span::new(offset(self.v4_offset), usize::from(self.v4_length)),
                v6: Span::new(offset(self.v6_offset), usize::from(self.v6_length)),
            },
        }
    }
}

/// Records whose offsets are relative to `base`, so that they fit in 32 bits.
#[derive(Debug)]
struct RecordPart {
    base: usize,
    records: Vec<CompactRecord>,
}

/// The valid records of one file, in file order, at 32 bytes each. A new
/// part starts whenever an offset would not fit in 32 bits, and the parts of
/// chunks are joined without copying their records.
#[derive(Debug, Default)]
pub(crate) struct RecordTable {
    parts: Vec<RecordPart>,
}

impl RecordTable {
    /// Adds a record whose values are at `v4_span` and `v6_span` in the file.
    pub fn push(
        &mut self,
        v4: Ipv4Addr,
        v6: Ipv6Addr,
        v4_span: Range<usize>,
        v6_span: Range<usize>,
    ) {
        let start = v4_span.start.min(v6_span.start);
        let end = v4_span.start.max(v6_span.start);
        let fits = |part: &RecordPart| start >= part.base && end - part.base <= u32::MAX as usize;
        if !self.parts.last().is_some_and(fits) {
            self.parts.push(RecordPart {
                base: start,
                records: Vec::new(),
            });
        }
        let Some(part) = self.parts.last_mut() else {
            return;
        };
        let relative = |offset: usize| u32::try_from(offset - part.base).unwrap_or(u32::MAX);
        let length = |span: &Range<usize>| u16::try_from(span.len()).unwrap_or(u16::MAX);
        part.records.push(CompactRecord {
            v6: v6.octets(),
            v4: u32::from(v4),
            v4_offset: relative(v4_span.start),
            v6_offset: relative(v6_span.start),
            v4_length: length(&v4_span),
            v6_length: length(&v6_span),
        });
    }

    /// Returns an empty table with room for `count` records whose values
    /// start at or after `base`.
    pub fn with_capacity(base: usize, count: usize) -> RecordTable {
        RecordTable {
            parts: vec![RecordPart {
                base,
                records: Vec::with_capacity(count),
            }],
        }
    }

    /// Frees the room that [`with_capacity`](Self::with_capacity) reserved and no record took.
    pub fn shrink_to_fit(&mut self) {
        self.parts.retain(|part| !part.records.is_empty());
        for part in &mut self.parts {
            part.records.shrink_to_fit();
        }
    }

    /// Moves the records of `other`, which come later in the file, to the end.
    pub fn append(&mut self, other: RecordTable) {
        self.parts.extend(other.parts);
    }

    pub fn len(&self) -> usize {
        self.parts.iter().map(|part| part.records.len()).sum()
    }

    fn iter(&self) -> impl Iterator<Item = (usize, &CompactRecord)> {
        self.parts
            .iter()
            .flat_map(|part| part.records.iter().map(move |record| (part.base, record)))
    }

    /// Returns the records as [`Record`]s of `file`.
    pub fn to_records(&self, file: &Arc<SourceFile>) -> Vec<Record> {
        self.iter()
            .map(|(base, record)| record.to_record(base, file))
            .collect()
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
    let all = || {
        group
            .iter()
            .flat_map(|(_, table)| table.iter().map(|(_, record)| record))
    };
    // One vector at a time, so that the peak memory is the larger of the two.
    // Each is allocated at its final size, so that it is written only once.
    let total = group.iter().map(|(_, table)| table.len()).sum();
    let mut v4 = Vec::with_capacity(total);
    v4.extend(all().map(|record| record.v4));
    let repeated_v4 = repeated(v4);
    let mut v6 = Vec::with_capacity(total);
    v6.extend(all().map(CompactRecord::v6_key));
    let repeated_v6 = repeated(v6);
    if repeated_v4.is_empty() && repeated_v6.is_empty() {
        return Vec::new();
    }
    let mut involved = Vec::new();
    for (file, table) in group {
        for (base, record) in table.iter() {
            if repeated_v4.binary_search(&record.v4).is_ok()
                || repeated_v6.binary_search(&record.v6_key()).is_ok()
            {
                involved.push(record.to_record(base, file));
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
        for (v4, v6) in rows {
            let v4_offset = file.text().find(v4).unwrap();
            let v6_offset = file.text().find(v6).unwrap();
            table.push(
                v4.parse().unwrap(),
                v6.parse().unwrap(),
                v4_offset..v4_offset + v4.len(),
                v6_offset..v6_offset + v6.len(),
            );
        }
        table
    }

    #[test]
    fn compact_record_round_trip() {
        let file = Arc::new(SourceFile::new("a.xml", "0.0.0.1 2001:db8::1".to_string()));
        let table = table(&[("0.0.0.1", "2001:db8::1")], &file);
        let record = table.to_records(&file).remove(0);
        assert_eq!(record.v4, Ipv4Addr::new(0, 0, 0, 1));
        assert_eq!(record.v6, "2001:db8::1".parse::<Ipv6Addr>().unwrap());
        assert_eq!(record.origin.v6, Span::new(8, 11));
    }

    #[test]
    fn record_size() {
        assert_eq!(std::mem::size_of::<CompactRecord>(), 32);
    }

    #[test]
    fn far_offsets_start_new_part() {
        let file = Arc::new(SourceFile::new("a.xml", String::new()));
        let mut table = RecordTable::default();
        let far = u32::MAX as usize + 10;
        table.push(
            Ipv4Addr::new(0, 0, 0, 1),
            Ipv6Addr::LOCALHOST,
            5..12,
            20..23,
        );
        table.push(
            Ipv4Addr::new(0, 0, 0, 2),
            Ipv6Addr::LOCALHOST,
            far..far + 7,
            far + 9..far + 12,
        );
        assert_eq!(table.parts.len(), 2);
        let records = table.to_records(&file);
        assert_eq!(records[0].origin.v6, Span::new(20, 3));
        assert_eq!(records[1].origin.v4, Span::new(far, 7));
        assert_eq!(records[1].origin.v6, Span::new(far + 9, 3));
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
