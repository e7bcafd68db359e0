//! The upload file writer: the form header, then the `IP_MAP_LIST` in the
//! layout of Qualys's own samples.
//!
//! The layout is one element a line, LF line ends, no XML declaration, no
//! comments and no indentation, exactly like `file2.xml` on Qualys's page about
//! the XML format. Addresses are written in canonical text: IPv4 as dotted
//! decimal, IPv6 as RFC 5952 recommends (lower case, no leading zeros, the
//! longest run of two or more zero groups shortened to `::`).
//!
//! The body is sent as `application/x-www-form-urlencoded`, so it must never
//! contain `&`, `+`, `%` or `#` after the header. Addresses cannot contain them;
//! custom IDs are checked by [`id_is_writable`] before they get here.

use std::io::{self, Write};
use std::net::{Ipv4Addr, Ipv6Addr};

use crate::form::{header_line, Action};
use crate::record::Record;
use crate::rules::FORM_UNSAFE;

/// The longest IPv6 text: eight groups of four digits and seven colons, or
/// `ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255` for a mapped form (45).
pub const V6_TEXT_MAX: usize = 45;

/// The size at which formatted records are handed to the writer.
const CHUNK_SIZE: usize = 1 << 16;

/// The longest IPv4 text, `255.255.255.255`.
pub const V4_TEXT_MAX: usize = 15;

/// Room for one `<IP_MAP>` without an ID: 39 bytes of tags and line ends plus
/// the longest V4 and V6 texts, rounded up.
const IP_MAP_MAX: usize = 128;

/// Returns true when `id` can be written into `<ID>` unchanged. It must not be
/// empty or contain a character that form encoding changes (`&`, `+`, `%`,
/// `#`), `<`, `>` or a control character. XML 1.0 forbids most control
/// characters, and a line break would break the one-element-a-line layout.
pub fn id_is_writable(id: &str) -> bool {
    !id.is_empty()
        && !id
            .chars()
            .any(|c| FORM_UNSAFE.contains(&c) || matches!(c, '<' | '>') || c.is_control())
}

/// Writes a whole upload file: header line, `<IP_MAP_LIST>`, one `<IP_MAP>` a
/// record, `</IP_MAP_LIST>`. With `keep_ids`, a record's ID is written as `<ID>`.
/// Returns the number of records written.
///
/// Fails with `InvalidInput` before writing a record whose ID is not
/// [`id_is_writable`], so a bad ID cannot corrupt the form body. Callers check
/// IDs first, so this does not happen in practice.
pub fn write_upload<'r, W: Write + ?Sized>(
    out: &mut W,
    action: Action,
    all_or_nothing: Option<bool>,
    records: impl IntoIterator<Item = &'r Record>,
    keep_ids: bool,
) -> io::Result<usize> {
    // Records are formatted into one chunk that goes to `out` when full: one
    // `write_all` per chunk instead of one per record.
    let mut chunk = Vec::with_capacity(CHUNK_SIZE + 256);
    chunk.extend_from_slice(header_line(action, all_or_nothing).as_bytes());
    chunk.extend_from_slice(b"\n<IP_MAP_LIST>\n");

    let mut count = 0;
    for record in records {
        let id = if keep_ids { record.id.as_deref() } else { None };
        append_ip_map(&mut chunk, record.v4, record.v6, id)?;
        count += 1;
        if chunk.len() >= CHUNK_SIZE {
            out.write_all(&chunk)?;
            chunk.clear();
        }
    }
    chunk.extend_from_slice(b"</IP_MAP_LIST>\n");
    out.write_all(&chunk)?;
    Ok(count)
}

/// Appends one `<IP_MAP>` element, each child on its own line.
fn append_ip_map(
    chunk: &mut Vec<u8>,
    v4: Ipv4Addr,
    v6: Ipv6Addr,
    id: Option<&str>,
) -> io::Result<()> {
    // The element is assembled in a stack buffer with fixed-size copies and
    // appended with one copy, because many small copies of unknown length
    // were the largest cost in a profile.
    let mut text = [0u8; IP_MAP_MAX];
    let mut at = 0;
    match id {
        Some(id) if !id_is_writable(id) => {
            return Err(io::Error::new(
                io::ErrorKind::InvalidInput,
                format!(
                    "the ID '{}' cannot be written into an upload file",
                    id.escape_debug()
                ),
            ));
        }
        Some(id) => {
            chunk.extend_from_slice(b"<IP_MAP>\n<ID>");
            chunk.extend_from_slice(id.as_bytes());
            chunk.extend_from_slice(b"</ID>\n");
        }
        None => at = put(&mut text, at, b"<IP_MAP>\n"),
    }
    at = put(&mut text, at, b"<V4>");
    at = write_v4(v4, &mut text, at);
    at = put(&mut text, at, b"</V4>\n<V6>");
    at = write_v6(v6, &mut text, at);
    at = put(&mut text, at, b"</V6>\n</IP_MAP>\n");
    chunk.extend_from_slice(&text[..at]);
    Ok(())
}

/// Copies `bytes` to `text` at `at`; returns the position after them.
fn put(text: &mut [u8], at: usize, bytes: &[u8]) -> usize {
    let end = at + bytes.len();
    text[at..end].copy_from_slice(bytes);
    end
}

/// Formats an IPv4 address as dotted decimal into `text` and returns the used part.
pub fn format_v4(address: Ipv4Addr, text: &mut [u8; V4_TEXT_MAX]) -> &[u8] {
    let length = write_v4(address, text, 0);
    &text[..length]
}

/// Formats an IPv6 address in the RFC 5952 text form into `text` and returns
/// the used part. IPv4-mapped addresses (`::ffff:0:0/96`) end in dotted
/// decimal, as RFC 5952 section 5 recommends. The standard library's `Display`
/// prints the same text, and a property test compares the two.
pub fn format_v6(address: Ipv6Addr, text: &mut [u8; V6_TEXT_MAX]) -> &[u8] {
    let length = write_v6(address, text, 0);
    &text[..length]
}

/// Writes an IPv4 address as dotted decimal at `at`; returns the position after it.
fn write_v4(address: Ipv4Addr, text: &mut [u8], mut at: usize) -> usize {
    let [a, b, c, d] = address.octets();
    at = write_decimal(a, text, at);
    for octet in [b, c, d] {
        text[at] = b'.';
        at = write_decimal(octet, text, at + 1);
    }
    at
}

/// Writes an octet in decimal without leading zeros at `at`; returns the position after it.
fn write_decimal(value: u8, text: &mut [u8], at: usize) -> usize {
    if value >= 100 {
        text[at] = b'0' + value / 100;
        text[at + 1] = b'0' + value / 10 % 10;
        text[at + 2] = b'0' + value % 10;
        at + 3
    } else if value >= 10 {
        text[at] = b'0' + value / 10;
        text[at + 1] = b'0' + value % 10;
        at + 2
    } else {
        text[at] = b'0' + value;
        at + 1
    }
}

/// Writes an IPv6 address in the RFC 5952 text form at `at`; returns the
/// position after it.
fn write_v6(address: Ipv6Addr, text: &mut [u8], at: usize) -> usize {
    if let Some(v4) = address.to_ipv4_mapped() {
        let at = put(text, at, b"::ffff:");
        return write_v4(v4, text, at);
    }
    let groups = address.segments();
    let (run_start, run_length) = longest_zero_run(&groups);
    if run_length == 0 {
        return write_groups(&groups, text, at);
    }
    let at = write_groups(&groups[..run_start], text, at);
    let at = put(text, at, b"::");
    write_groups(&groups[run_start + run_length..], text, at)
}

/// Returns the start and length of the longest run of two or more zero
/// groups, the first one on a tie, or length 0 when there is none. RFC 5952
/// section 4.2 forbids shortening a single zero group.
fn longest_zero_run(groups: &[u16; 8]) -> (usize, usize) {
    let mut zeros: u32 = 0;
    for (index, group) in groups.iter().enumerate() {
        if *group == 0 {
            zeros |= 1 << index;
        }
    }
    let (mut best_start, mut best_length) = (0, 0);
    while zeros != 0 {
        let start = zeros.trailing_zeros();
        let length = (!(zeros >> start)).trailing_zeros();
        if length > best_length {
            (best_start, best_length) = (start, length);
        }
        // Clear this run; `length` is at most 8, so the shift cannot overflow.
        zeros &= !(((1u32 << length) - 1) << start);
    }
    if best_length < 2 {
        return (0, 0);
    }
    (best_start as usize, best_length as usize)
}

/// Writes groups separated by colons at `at`; returns the position after them.
fn write_groups(groups: &[u16], text: &mut [u8], mut at: usize) -> usize {
    for (index, group) in groups.iter().enumerate() {
        if index > 0 {
            text[at] = b':';
            at += 1;
        }
        at = write_hex_group(*group, text, at);
    }
    at
}

/// Writes a 16-bit group in lower-case hex without leading zeros at `at`;
/// returns the position after it.
fn write_hex_group(value: u16, text: &mut [u8], at: usize) -> usize {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let significant_bits = 16 - value.leading_zeros() as usize;
    let end = at + significant_bits.div_ceil(4).max(1);
    let mut rest = value;
    for slot in text[at..end].iter_mut().rev() {
        *slot = DIGITS[usize::from(rest & 0xf)];
        rest >>= 4;
    }
    end
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use proptest::prelude::*;

    use super::*;
    use crate::record::{Origin, Span};
    use crate::source::SourceFile;

    fn record(v4: &str, v6: &str, id: Option<&str>) -> Record {
        Record {
            v4: v4.parse().unwrap(),
            v6: v6.parse().unwrap(),
            id: id.map(Box::from),
            origin: Origin {
                file: Arc::new(SourceFile::new("t.csv", String::new())),
                v4: Span::default(),
                v6: Span::default(),
            },
        }
    }

    fn upload(
        records: &[Record],
        action: Action,
        all_or_nothing: Option<bool>,
        keep_ids: bool,
    ) -> String {
        let mut out = Vec::new();
        let count = write_upload(&mut out, action, all_or_nothing, records, keep_ids).unwrap();
        assert_eq!(count, records.len());
        String::from_utf8(out).unwrap()
    }

    fn v6_text(address: Ipv6Addr) -> String {
        let mut text = [0u8; V6_TEXT_MAX];
        String::from_utf8(format_v6(address, &mut text).to_vec()).unwrap()
    }

    #[test]
    fn layout_matches_qualys_sample() {
        let records = [
            record("0.0.0.2", "2001:470:8418:a18::a0a:1805", None),
            record("0.0.0.3", "2001:470:8418:a18::a0a:ab7", None),
        ];
        let expected = "action=add&xml_data=\n<IP_MAP_LIST>\n\
            <IP_MAP>\n<V4>0.0.0.2</V4>\n<V6>2001:470:8418:a18::a0a:1805</V6>\n</IP_MAP>\n\
            <IP_MAP>\n<V4>0.0.0.3</V4>\n<V6>2001:470:8418:a18::a0a:ab7</V6>\n</IP_MAP>\n\
            </IP_MAP_LIST>\n";
        assert_eq!(upload(&records, Action::Add, None, false), expected);
    }

    #[test]
    fn header_carries_action_and_all_or_nothing() {
        let records = [record("0.0.0.4", "2001:db8::4", None)];
        let remove = upload(&records, Action::Remove, None, false);
        assert!(
            remove.starts_with("action=remove&xml_data=\n<IP_MAP_LIST>\n"),
            "{remove}"
        );
        let add = upload(&records, Action::Add, Some(false), false);
        assert!(
            add.starts_with("action=add&all_or_nothing=0&xml_data=\n"),
            "{add}"
        );
    }

    #[test]
    fn ids_written_only_when_kept() {
        let records = [record("0.0.0.7", "2001:db8::7", Some("rack-7"))];
        let with_ids = upload(&records, Action::Add, None, true);
        assert!(
            with_ids.contains("<IP_MAP>\n<ID>rack-7</ID>\n<V4>0.0.0.7</V4>\n"),
            "{with_ids}"
        );
        let dropped = upload(&records, Action::Add, None, false);
        assert!(!dropped.contains("<ID>"), "{dropped}");
    }

    #[test]
    fn unsafe_id_fails_before_writing_it() {
        for id in ["rack+7", "a&b", "100%", "x#1", "<x>", "tab\tin", ""] {
            let records = [record("0.0.0.7", "2001:db8::7", Some(id))];
            let mut out = Vec::new();
            let error = write_upload(&mut out, Action::Add, None, &records, true).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{id:?}");
            assert!(!String::from_utf8_lossy(&out).contains("<ID>"), "{id:?}");
        }
    }

    #[test]
    fn v6_text_is_rfc_5952() {
        let cases = [
            ("2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
            ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
            ("2001:db8:0:1:1:1:1:1", "2001:db8:0:1:1:1:1:1"),
            ("2001:0:0:1:0:0:0:1", "2001:0:0:1::1"),
            ("0:0:0:0:0:0:0:0", "::"),
            ("fe80::", "fe80::"),
            ("::2:3:4:5:6:7:8", "0:2:3:4:5:6:7:8"),
            ("0:0:3:4:5:6:7:8", "::3:4:5:6:7:8"),
            ("1:2:3:4:5:6:7:0", "1:2:3:4:5:6:7:0"),
            ("::ffff:192.0.2.1", "::ffff:192.0.2.1"),
            (
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
                "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(v6_text(input.parse().unwrap()), expected, "{input}");
        }
    }

    #[test]
    fn v4_text_is_dotted_decimal() {
        for address in ["0.0.0.1", "0.254.255.255", "10.100.9.0", "255.255.255.255"] {
            let mut text = [0u8; V4_TEXT_MAX];
            assert_eq!(
                format_v4(address.parse().unwrap(), &mut text),
                address.as_bytes()
            );
        }
    }

    proptest! {
        #[test]
        fn v6_text_matches_std_display(bits in any::<u128>(), zero_mask in any::<u8>()) {
            // Zero some groups so that runs of zeros, the case RFC 5952 is
            // about, are common rather than vanishingly rare.
            let mut groups = Ipv6Addr::from(bits).segments();
            for (index, group) in groups.iter_mut().enumerate() {
                if zero_mask & (1 << index) != 0 {
                    *group = 0;
                }
            }
            let address = Ipv6Addr::from(groups);
            prop_assert_eq!(v6_text(address), address.to_string());
        }

        #[test]
        fn v4_text_matches_std_display(bits in any::<u32>()) {
            let address = Ipv4Addr::from(bits);
            let mut text = [0u8; V4_TEXT_MAX];
            let expected = address.to_string();
            prop_assert_eq!(format_v4(address, &mut text), expected.as_bytes());
        }

        #[test]
        fn body_never_contains_form_characters(
            pairs in proptest::collection::vec((any::<u32>(), any::<u128>(), proptest::option::of("[ -~]{0,12}")), 1..20)
        ) {
            // IDs that the writer accepts must leave no form-encoding character
            // in the body; IDs it rejects must fail the write.
            let records: Vec<Record> = pairs
                .iter()
                .map(|(v4, v6, id)| {
                    let mut record = record("0.0.0.1", "2001:db8::1", id.as_deref());
                    record.v4 = Ipv4Addr::from(*v4);
                    record.v6 = Ipv6Addr::from(*v6);
                    record
                })
                .collect();
            let all_writable = records.iter().all(|r| r.id.as_deref().is_none_or(id_is_writable));
            let mut out = Vec::new();
            let result = write_upload(&mut out, Action::Add, Some(true), &records, true);
            prop_assert_eq!(result.is_ok(), all_writable);
            let text = String::from_utf8(out).unwrap();
            // A failed write may have written nothing, not even the header.
            let header = "action=add&all_or_nothing=1&xml_data=";
            let body = text.strip_prefix(header).unwrap_or(&text);
            prop_assert!(!body.contains(FORM_UNSAFE), "{}", body);
        }
    }
}
