//! Duplicate V4, V6 and record detection across every record of a run.
//!
//! Qualys allows each IPv4 and each IPv6 address in only one mapping record of
//! a subscription. Addresses are compared as parsed values, never as strings,
//! so `2001:DB8::1` and `2001:0db8:0:0:0:0:0:1` are the same address.
//!
//! The first pass marks addresses seen twice: a 2 MiB bitmap covers the V4
//! block 0.0.0.0/8 and a hash set the rest. Only records whose address was seen
//! twice are grouped in the second pass, so the common case of no duplicates
//! costs one hash insert per record.

use std::collections::{HashMap, HashSet};
use std::hash::{BuildHasherDefault, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::diagnostic::{Diagnostic, Location, Rule, Severity};
use crate::record::Record;

/// A fast hasher for integer keys. Addresses are not attacker-chosen hash-flooding
/// input in a local batch tool, so a multiplicative hash is enough.
#[derive(Default, Clone, Copy)]
pub struct IntHasher(u64);

impl Hasher for IntHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &byte in bytes {
            self.write_u64(u64::from(byte));
        }
    }

    fn write_u32(&mut self, value: u32) {
        self.write_u64(u64::from(value));
    }

    fn write_u64(&mut self, value: u64) {
        self.0 = (self.0.rotate_left(5) ^ value).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }

    fn write_u128(&mut self, value: u128) {
        self.write_u64(value as u64);
        self.write_u64((value >> 64) as u64);
    }

    fn write_usize(&mut self, value: usize) {
        self.write_u64(value as u64);
    }
}

/// A `BuildHasher` for [`IntHasher`].
pub type IntBuildHasher = BuildHasherDefault<IntHasher>;

/// Marks which values occur more than once.
struct SeenTwice<K> {
    seen: HashSet<K, IntBuildHasher>,
    twice: HashSet<K, IntBuildHasher>,
}

impl<K: std::hash::Hash + Eq + Copy> SeenTwice<K> {
    fn with_capacity(capacity: usize) -> Self {
        SeenTwice {
            seen: HashSet::with_capacity_and_hasher(capacity, IntBuildHasher::default()),
            twice: HashSet::default(),
        }
    }

    fn insert(&mut self, key: K) {
        if !self.seen.insert(key) {
            self.twice.insert(key);
        }
    }
}

/// A bitmap over 0.0.0.0/8, where every valid V4 lies, with a hash set fallback
/// for the out-of-range addresses that responses may carry.
struct V4SeenTwice {
    bitmap: Vec<u64>,
    others: SeenTwice<u32>,
    twice: HashSet<u32, IntBuildHasher>,
}

impl V4SeenTwice {
    fn new() -> Self {
        V4SeenTwice {
            bitmap: vec![0; (1 << 24) / 64],
            others: SeenTwice::with_capacity(0),
            twice: HashSet::default(),
        }
    }

    fn insert(&mut self, address: Ipv4Addr) {
        let key = u32::from(address);
        if key < (1 << 24) {
            let (word, bit) = ((key / 64) as usize, 1u64 << (key % 64));
            if self.bitmap[word] & bit != 0 {
                self.twice.insert(key);
            }
            self.bitmap[word] |= bit;
        } else {
            self.others.insert(key);
        }
    }

    fn is_twice(&self, address: Ipv4Addr) -> bool {
        let key = u32::from(address);
        self.twice.contains(&key) || self.others.twice.contains(&key)
    }

    fn is_empty(&self) -> bool {
        self.twice.is_empty() && self.others.twice.is_empty()
    }
}

/// The findings of duplicate detection.
#[derive(Debug, Default)]
pub struct DuplicateReport {
    /// One diagnostic a duplicated address or pair, at its second occurrence,
    /// with every other occurrence as a related location.
    pub diagnostics: Vec<Diagnostic>,
    /// Indices of records that repeat an earlier identical pair, so a writer
    /// can emit each pair once.
    pub repeats: Vec<usize>,
    /// Indices of every record that takes part in a `duplicate-v4` or
    /// `duplicate-v6` conflict, ascending, each once with the first rule that
    /// names it (`duplicate-v4` before `duplicate-v6`), so a writer can drop them.
    pub conflicts: Vec<(usize, Rule)>,
}

/// Finds duplicates among `records`, which are in input order.
/// `record_severity` is the severity of `duplicate-record`: a warning in
/// `generate`, which writes the pair once, and an error in `check`.
pub fn find_duplicates(records: &[Record], record_severity: Severity) -> DuplicateReport {
    let mut v4_seen = V4SeenTwice::new();
    let mut v6_seen = SeenTwice::<u128>::with_capacity(records.len());
    for record in records {
        v4_seen.insert(record.v4);
        v6_seen.insert(u128::from(record.v6));
    }
    let mut report = DuplicateReport::default();
    if v4_seen.is_empty() && v6_seen.twice.is_empty() {
        return report;
    }

    let mut by_v4: HashMap<u32, Vec<usize>, IntBuildHasher> = HashMap::default();
    let mut by_v6: HashMap<u128, Vec<usize>, IntBuildHasher> = HashMap::default();
    for (index, record) in records.iter().enumerate() {
        if v4_seen.is_twice(record.v4) {
            by_v4.entry(u32::from(record.v4)).or_default().push(index);
        }
        let v6 = u128::from(record.v6);
        if v6_seen.twice.contains(&v6) {
            by_v6.entry(v6).or_default().push(index);
        }
    }

    let mut repeats = Vec::new();
    let mut conflicts = Vec::new();
    for group in by_v4.values() {
        let mut pairs: HashMap<u128, Vec<usize>, IntBuildHasher> = HashMap::default();
        for &index in group {
            pairs
                .entry(u128::from(records[index].v6))
                .or_default()
                .push(index);
        }
        for same_pair in pairs.values().filter(|indices| indices.len() > 1) {
            report
                .diagnostics
                .push(repeated_pair(records, same_pair, record_severity));
            repeats.extend_from_slice(&same_pair[1..]);
        }
        if pairs.len() > 1 {
            report
                .diagnostics
                .push(conflict(records, group, Rule::DuplicateV4));
            conflicts.extend(group.iter().map(|&index| (index, Rule::DuplicateV4)));
        }
    }
    for group in by_v6.values() {
        let distinct_v4: HashSet<Ipv4Addr> = group.iter().map(|&index| records[index].v4).collect();
        if distinct_v4.len() > 1 {
            report
                .diagnostics
                .push(conflict(records, group, Rule::DuplicateV6));
            conflicts.extend(group.iter().map(|&index| (index, Rule::DuplicateV6)));
        }
    }
    repeats.sort_unstable();
    report.repeats = repeats;
    // Rule orders DuplicateV4 before DuplicateV6, so dedup keeps the V4 entry.
    conflicts.sort_unstable();
    conflicts.dedup_by_key(|(index, _)| *index);
    report.conflicts = conflicts;
    report.diagnostics.sort_by_key(|diagnostic| {
        diagnostic
            .location
            .as_ref()
            .map(|location| (location.file.clone(), location.offset))
    });
    report
}

/// The number of places a duplicate message names before it adds "and N more".
const MAX_LISTED_PLACES: usize = 10;

/// How many other places a duplicate diagnostic carries as related locations.
/// A value repeated on 200,000 rows would otherwise make one finding carry
/// 200,000 locations, which no reader can use and SARIF viewers choke on.
pub const MAX_RELATED: usize = 100;

/// Names a place for a message: `line N` when every place of the group is in
/// one file, `FILE:N` otherwise, so that no line number loses its file.
fn place(location: &Location, single_file: bool) -> String {
    if single_file {
        format!("line {}", location.line)
    } else {
        format!("{}:{}", location.file, location.line)
    }
}

/// Joins the first places of a group, then counts the ones left out.
fn list_places(places: &[String], total: usize) -> String {
    let listed = match places {
        [] => String::new(),
        [only] => only.clone(),
        [first, second] if total == 2 => format!("{first} and {second}"),
        [rest @ .., last] if total == places.len() => format!("{}, and {last}", rest.join(", ")),
        _ => places.join(", "),
    };
    if total > places.len() {
        format!("{listed}, and {} more", total - places.len())
    } else {
        listed
    }
}

/// Returns true when every record of the group comes from the same file.
fn single_file(records: &[Record], indices: &[usize]) -> bool {
    let first = &records[indices[0]].origin.file;
    indices
        .iter()
        .all(|&index| std::sync::Arc::ptr_eq(&records[index].origin.file, first))
}

fn repeated_pair(records: &[Record], indices: &[usize], severity: Severity) -> Diagnostic {
    let first = &records[indices[0]];
    let primary = records[indices[1]].origin.v4_location();
    let single_file = single_file(records, indices);
    let places: Vec<String> = indices
        .iter()
        .take(MAX_LISTED_PLACES)
        .map(|&index| place(&records[index].origin.v4_location(), single_file))
        .collect();
    let mut diagnostic = Diagnostic::new(
        Rule::DuplicateRecord,
        format!(
            "the mapping {} -> {} appears {} times ({})",
            first.v4,
            first.v6,
            indices.len(),
            list_places(&places, indices.len())
        ),
    )
    .with_help(if severity == Severity::Error {
        "delete the repeated records; Qualys treats a repeat as an IP conflict"
    } else {
        "the upload contains the mapping once; delete the repeats from the inventory to silence this"
    })
    .with_severity(severity)
    .at(primary);
    for &index in indices
        .iter()
        .filter(|&&index| index != indices[1])
        .take(MAX_RELATED)
    {
        diagnostic =
            diagnostic.with_related(records[index].origin.v4_location(), "same mapping here");
    }
    diagnostic
}

fn conflict(records: &[Record], group: &[usize], rule: Rule) -> Diagnostic {
    let is_v4 = rule == Rule::DuplicateV4;
    let location_of = |index: usize| {
        let origin = &records[index].origin;
        if is_v4 {
            origin.v4_location()
        } else {
            origin.v6_location()
        }
    };
    let primary = location_of(group[1]);
    let single_file = single_file(records, group);
    let places: Vec<String> = group
        .iter()
        .take(MAX_LISTED_PLACES)
        .map(|&index| {
            let record = &records[index];
            let other: String = if is_v4 {
                record.v6.to_string()
            } else {
                record.v4.to_string()
            };
            format!("{} ({other})", place(&location_of(index), single_file))
        })
        .collect();
    let listed = list_places(&places, group.len());
    let (message, help) = if is_v4 {
        (
            format!("IPv4 {} is mapped to more than one IPv6 address: {listed}", records[group[0]].v4),
            "Qualys allows each IPv4 address in only one mapping record: give each host its own placeholder V4",
        )
    } else {
        let v6: Ipv6Addr = records[group[0]].v6;
        (
            format!("IPv6 {v6} is mapped to more than one IPv4 address: {listed}"),
            "Qualys allows each IPv6 address in only one mapping record: keep one record for this host",
        )
    };
    let mut diagnostic = Diagnostic::new(rule, message).with_help(help).at(primary);
    for &index in group
        .iter()
        .filter(|&&index| index != group[1])
        .take(MAX_RELATED)
    {
        let message = if index == group[0] {
            "first used here"
        } else {
            "also used here"
        };
        diagnostic = diagnostic.with_related(location_of(index), message);
    }
    diagnostic
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;
    use crate::record::{Origin, Span};
    use crate::source::SourceFile;

    fn records(rows: &[(&str, &str)]) -> Vec<Record> {
        let text: String = rows.iter().map(|(v4, v6)| format!("{v4},{v6}\n")).collect();
        let file = Arc::new(SourceFile::new("t.csv", text));
        let mut offset = 0;
        rows.iter()
            .map(|(v4, v6)| {
                let record = Record {
                    v4: v4.parse().unwrap(),
                    v6: v6.parse().unwrap(),
                    id: None,
                    origin: Origin {
                        file: file.clone(),
                        v4: Span::new(offset, v4.len()),
                        v6: Span::new(offset + v4.len() + 1, v6.len()),
                    },
                };
                offset += v4.len() + v6.len() + 2;
                record
            })
            .collect()
    }

    fn codes(report: &DuplicateReport) -> Vec<(Rule, u32)> {
        report
            .diagnostics
            .iter()
            .map(|d| (d.rule, d.location.as_ref().unwrap().line))
            .collect()
    }

    #[test]
    fn spellings_compared_as_addresses() {
        let records = records(&[
            ("0.0.0.40", "2001:db8::40"),
            ("0.0.0.41", "2001:DB8:0:0:0:0:0:40"),
            ("0.0.0.42", "2001:0db8:0000:0000:0000:0000:0000:0042"),
            ("0.0.0.40", "2001:db8::43"),
            ("0.0.0.44", "2001:db8::42"),
            ("0.0.0.45", "2001:db8::45"),
            ("0.0.0.45", "2001:db8::45"),
        ]);
        let report = find_duplicates(&records, Severity::Warning);
        assert_eq!(
            codes(&report),
            vec![
                (Rule::DuplicateV6, 2),
                (Rule::DuplicateV4, 4),
                (Rule::DuplicateV6, 5),
                (Rule::DuplicateRecord, 7),
            ]
        );
        assert_eq!(report.repeats, vec![6]);
        let conflicts = vec![
            (0, Rule::DuplicateV4),
            (1, Rule::DuplicateV6),
            (2, Rule::DuplicateV6),
            (3, Rule::DuplicateV4),
            (4, Rule::DuplicateV6),
        ];
        assert_eq!(report.conflicts, conflicts);
        let v4 = &report.diagnostics[1];
        assert!(
            v4.message
                .contains("line 1 (2001:db8::40) and line 4 (2001:db8::43)"),
            "{}",
            v4.message
        );
        assert_eq!(v4.related.len(), 1);
    }

    #[test]
    fn no_duplicates_no_report() {
        let records = records(&[("0.0.0.1", "2001:db8::1"), ("0.0.0.2", "2001:db8::2")]);
        let report = find_duplicates(&records, Severity::Error);
        assert!(report.diagnostics.is_empty());
        assert!(report.repeats.is_empty());
        assert!(report.conflicts.is_empty());
    }

    #[test]
    fn long_group_capped() {
        let rows: Vec<(String, String)> = (1..=150)
            .map(|i| ("0.0.0.1".to_string(), format!("2001:470::{i:x}")))
            .collect();
        let borrowed: Vec<(&str, &str)> =
            rows.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
        let report = find_duplicates(&records(&borrowed), Severity::Error);
        assert_eq!(report.diagnostics.len(), 1);
        let diagnostic = &report.diagnostics[0];
        assert!(
            diagnostic.message.ends_with("and 140 more"),
            "{}",
            diagnostic.message
        );
        assert_eq!(diagnostic.related.len(), MAX_RELATED);
    }

    #[test]
    fn triple_lists_every_line() {
        let records = records(&[
            ("0.0.0.1", "2001:db8::1"),
            ("0.0.0.1", "2001:db8::2"),
            ("0.0.0.1", "2001:db8::3"),
        ]);
        let report = find_duplicates(&records, Severity::Error);
        assert_eq!(report.diagnostics.len(), 1);
        assert!(report.diagnostics[0]
            .message
            .contains("line 1 (2001:db8::1), line 2 (2001:db8::2), and line 3 (2001:db8::3)"));
        assert_eq!(report.diagnostics[0].related.len(), 2);
    }
}
