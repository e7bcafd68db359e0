//! IPv4 and IPv6 address syntax and the rules Qualys applies to mapping records.
//!
//! Parsing uses the standard library's parsers, which are strict: they reject
//! zone ids, brackets, prefixes and octets with leading zeros. The classifier
//! here exists to say *why* a value was rejected, because the standard error is
//! only "invalid IP address syntax". Values are never rescued with
//! `Ipv6Addr::to_ipv4` or `IpAddr::to_canonical`: `::1` would become 0.0.0.1,
//! which is a valid Qualys mapping address.

use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::OnceLock;

use ipnet::{Ipv4Net, Ipv6Net};

use crate::diagnostic::Rule;

/// The reason an address value was rejected or flagged, without its location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AddressFinding {
    /// The rule that fired.
    pub rule: Rule,
    /// The problem, quoting the value.
    pub message: String,
    /// How to fix it.
    pub help: String,
}

impl AddressFinding {
    fn new(rule: Rule, message: String, help: impl Into<String>) -> AddressFinding {
        AddressFinding {
            rule,
            message,
            help: help.into(),
        }
    }
}

/// The lowest V4 address of Qualys's mapping range.
pub const V4_RANGE_FIRST: Ipv4Addr = Ipv4Addr::new(0, 0, 0, 1);
/// The highest V4 address of Qualys's mapping range.
pub const V4_RANGE_LAST: Ipv4Addr = Ipv4Addr::new(0, 254, 255, 255);
/// The number of addresses in the mapping range, which bounds the number of
/// records one subscription can hold.
pub const V4_RANGE_SIZE: u32 = 16_711_679;

const V4_RANGE_HELP: &str = "the V4 is the placeholder address Qualys scans the IPv6 host under, \
not the host's real IPv4 address: choose an unused address from 0.0.0.1 - 0.254.255.255";

/// Returns the name of a whitespace or invisible character, for messages.
pub fn character_name(character: char) -> String {
    let name = match character {
        '\t' => "CHARACTER TABULATION",
        '\n' => "LINE FEED",
        '\u{0B}' => "LINE TABULATION",
        '\u{0C}' => "FORM FEED",
        '\r' => "CARRIAGE RETURN",
        ' ' => "SPACE",
        '\u{85}' => "NEXT LINE",
        '\u{A0}' => "NO-BREAK SPACE",
        '\u{AD}' => "SOFT HYPHEN",
        '\u{1680}' => "OGHAM SPACE MARK",
        '\u{2000}' => "EN QUAD",
        '\u{2001}' => "EM QUAD",
        '\u{2002}' => "EN SPACE",
        '\u{2003}' => "EM SPACE",
        '\u{2004}' => "THREE-PER-EM SPACE",
        '\u{2005}' => "FOUR-PER-EM SPACE",
        '\u{2006}' => "SIX-PER-EM SPACE",
        '\u{2007}' => "FIGURE SPACE",
        '\u{2008}' => "PUNCTUATION SPACE",
        '\u{2009}' => "THIN SPACE",
        '\u{200A}' => "HAIR SPACE",
        '\u{200B}' => "ZERO WIDTH SPACE",
        '\u{200C}' => "ZERO WIDTH NON-JOINER",
        '\u{200D}' => "ZERO WIDTH JOINER",
        '\u{200E}' => "LEFT-TO-RIGHT MARK",
        '\u{200F}' => "RIGHT-TO-LEFT MARK",
        '\u{2028}' => "LINE SEPARATOR",
        '\u{2029}' => "PARAGRAPH SEPARATOR",
        '\u{202F}' => "NARROW NO-BREAK SPACE",
        '\u{205F}' => "MEDIUM MATHEMATICAL SPACE",
        '\u{2060}' => "WORD JOINER",
        '\u{3000}' => "IDEOGRAPHIC SPACE",
        '\u{FEFF}' => "ZERO WIDTH NO-BREAK SPACE (byte-order mark)",
        _ => return format!("U+{:04X}", character as u32),
    };
    format!("U+{:04X} {name}", character as u32)
}

/// Returns true for characters a user cannot see or tell from a space.
fn is_invisible(character: char) -> bool {
    character.is_whitespace()
        || character.is_control()
        || matches!(
            character,
            '\u{AD}' | '\u{200B}'..='\u{200F}' | '\u{2060}' | '\u{FEFF}'
        )
}

/// Describes the first invisible character of a value and where it is.
fn invisible_character(value: &str) -> Option<String> {
    let (index, character) = value.char_indices().find(|&(_, c)| is_invisible(c))?;
    let before = &value[..index];
    let after = &value[index + character.len_utf8()..];
    let place = match (
        before.is_empty(),
        after.trim_matches(is_invisible).is_empty(),
    ) {
        (true, _) => format!("before '{}'", after.trim_matches(is_invisible)),
        (false, true) => format!("after '{before}'"),
        (false, false) => format!("inside '{value}', after '{before}'"),
    };
    Some(format!("{} {place}", character_name(character)))
}

/// Splits leading and trailing ASCII whitespace (space, tab, CR, LF) off a value.
/// Returns the trimmed value and its byte offset within `value`. Other
/// whitespace, such as a no-break space, is left for the parsers to reject.
pub fn trim_ascii_whitespace(value: &str) -> (&str, usize) {
    let is_ascii_space = |byte: &u8| matches!(byte, b' ' | b'\t' | b'\r' | b'\n');
    let bytes = value.as_bytes();
    let start = bytes
        .iter()
        .position(|byte| !is_ascii_space(byte))
        .unwrap_or(bytes.len());
    let end = bytes
        .iter()
        .rposition(|byte| !is_ascii_space(byte))
        .map_or(start, |last| last + 1);
    // Both ends sit next to ASCII bytes, so they are character boundaries.
    (value.get(start..end).unwrap_or_default(), start)
}

/// Values longer than this many bytes are rejected without quoting them whole
/// or explaining their syntax, so one huge field cannot make a huge message.
/// It is more than twice the longest address text (45 characters), so every
/// typo, zone index or prefix length of a real address is still explained.
const MAX_EXPLAINED_BYTES: usize = 100;

/// Describes a value too long to be `what`, quoting only its start. Returns
/// `None` for values short enough to explain.
fn too_long(value: &str, what: &str, longest: usize) -> Option<String> {
    if value.len() <= MAX_EXPLAINED_BYTES {
        return None;
    }
    let mut end = 40;
    while !value.is_char_boundary(end) {
        end -= 1;
    }
    Some(format!(
        "'{}...' ({} bytes) is not {what}: it is longer than any address ({longest} characters at most)",
        &value[..end],
        value.len()
    ))
}

/// Parses a V4 value: exactly four decimal octets without leading zeros.
/// The value must already be trimmed and non-empty.
pub fn parse_v4(value: &str) -> Result<Ipv4Addr, AddressFinding> {
    // Fast path: every check below only explains a value that the standard
    // parser rejects, so a value it accepts is valid.
    if let Some(address) = parse_v4_plain(value.as_bytes()) {
        return Ok(address);
    }
    if let Ok(address) = value.parse::<Ipv4Addr>() {
        return Ok(address);
    }
    let invalid =
        |message: String, help: &str| Err(AddressFinding::new(Rule::InvalidV4, message, help));
    if let Some(message) = too_long(value, "an IPv4 address", 15) {
        return invalid(message, "write four decimal octets, for example 0.0.0.1");
    }
    if let Some(described) = invisible_character(value) {
        return invalid(
            format!("'{value}' is not an IPv4 address: it contains {described}"),
            "delete the character; it is often pasted in from a spreadsheet or a web page",
        );
    }
    if value.contains(':') {
        return match value.parse::<Ipv6Addr>() {
            Ok(address) if address.to_ipv4_mapped().is_some() => invalid(
                format!("'{value}' is an IPv4-mapped IPv6 address, but V4 must be a dotted-decimal IPv4 address"),
                "write the Qualys placeholder address in dotted-decimal form, such as 0.0.0.1",
            ),
            Ok(_) => invalid(
                format!("'{value}' is an IPv6 address, but V4 must be an IPv4 address"),
                "put the IPv6 address in the V6 column and a placeholder from 0.0.0.1 - 0.254.255.255 in V4",
            ),
            Err(_) => invalid(
                format!("'{value}' is not an IPv4 address: it contains ':'"),
                "write four decimal octets separated by dots, such as 0.0.0.1",
            ),
        };
    }
    if let Some((address, prefix)) = value.split_once('/') {
        return invalid(
            format!("'{value}' is not an IPv4 address: it has a prefix length '/{prefix}'"),
            &format!("write the address alone, without '/{prefix}': {address}"),
        );
    }
    let is_hex_prefix = |octet: &str| octet.starts_with("0x") || octet.starts_with("0X");
    if let Some(bad) = value.chars().find(|c| !c.is_ascii_digit() && *c != '.') {
        if !value.split('.').any(is_hex_prefix) {
            return invalid(
                format!("'{value}' is not an IPv4 address: it contains '{bad}', which is not a decimal digit or '.'"),
                "write four decimal octets separated by dots, such as 0.0.0.1",
            );
        }
    }
    let octets: Vec<&str> = value.split('.').collect();
    if octets.len() != 4 {
        let count = octets.len();
        let help = if count < 4 {
            "short forms such as 0.1 are ambiguous: write all four octets, such as 0.0.0.1"
        } else {
            "write exactly four decimal octets separated by dots, such as 0.0.0.1"
        };
        return invalid(
            format!("'{value}' is not an IPv4 address: it has {count} part{}, expected 4 dot-separated octets", if count == 1 { "" } else { "s" }),
            help,
        );
    }
    let mut parsed = [0u8; 4];
    for (index, octet) in octets.iter().enumerate() {
        let position = index + 1;
        if octet.is_empty() {
            return invalid(
                format!("'{value}' is not an IPv4 address: octet {position} is empty"),
                "write four decimal octets separated by single dots, such as 0.0.0.1",
            );
        }
        if octet.len() > 1 && (octet.starts_with("0x") || octet.starts_with("0X")) {
            return invalid(
                format!(
                    "'{value}' is not an IPv4 address: octet {position} '{octet}' is hexadecimal"
                ),
                "write every octet in decimal, such as 0.0.0.10",
            );
        }
        if let Some(bad) = octet.chars().find(|c| !c.is_ascii_digit()) {
            return invalid(
                format!("'{value}' is not an IPv4 address: octet {position} '{octet}' contains '{bad}', which is not a decimal digit"),
                "write four decimal octets separated by dots, such as 0.0.0.1",
            );
        }
        if octet.len() > 1 && octet.starts_with('0') {
            let decimal = octet.trim_start_matches('0');
            let decimal = if decimal.is_empty() { "0" } else { decimal };
            let octal = u32::from_str_radix(octet, 8).ok().filter(|&v| v <= 255);
            let with_decimal = replace_octet(&octets, index, decimal);
            let reading = match octal {
                Some(octal_value) if octal_value.to_string() != decimal => format!(
                    "some tools read it as octal {octal_value}, others as decimal {decimal}"
                ),
                _ => "leading zeros are read as octal by some tools".to_string(),
            };
            let help = match octal {
                Some(octal_value) if octal_value.to_string() != decimal => format!(
                    "write the intended value without padding: {with_decimal} (or {} if octal was meant)",
                    replace_octet(&octets, index, &octal_value.to_string())
                ),
                _ => format!("write the value without padding: {with_decimal}"),
            };
            return invalid(
                format!("'{value}' is ambiguous: octet {position} '{octet}' has a leading zero, and {reading}"),
                &help,
            );
        }
        match octet.parse::<u16>() {
            Ok(number) if number <= 255 => parsed[index] = number as u8,
            _ => {
                return invalid(
                    format!(
                    "'{value}' is not an IPv4 address: octet {position} '{octet}' is more than 255"
                ),
                    "each octet is a decimal number from 0 to 255",
                )
            }
        }
    }
    // Every octet passed, yet the standard parser rejected the value; report
    // it plainly rather than accept what the standard parser does not.
    invalid(
        format!(
            "'{value}' is not an IPv4 address: {}",
            Ipv4Addr::from(parsed)
        ),
        "write four decimal octets separated by dots, such as 0.0.0.1",
    )
}

/// Parses the dotted-decimal form `a.b.c.d` without leading zeros, faster than
/// the standard parser. Returns `None` for anything else; it accepts a subset
/// of what `Ipv4Addr::from_str` accepts, with the same result.
fn parse_v4_plain(value: &[u8]) -> Option<Ipv4Addr> {
    let mut octets = [0u8; 4];
    let mut parts = value.split(|&byte| byte == b'.');
    for octet in &mut octets {
        let digits = parts.next()?;
        if digits.is_empty() || digits.len() > 3 || (digits.len() > 1 && digits[0] == b'0') {
            return None;
        }
        let mut number: u16 = 0;
        for &digit in digits {
            if !digit.is_ascii_digit() {
                return None;
            }
            number = number * 10 + u16::from(digit - b'0');
        }
        *octet = u8::try_from(number).ok()?;
    }
    match parts.next() {
        None => Some(Ipv4Addr::from(octets)),
        Some(_) => None,
    }
}

/// Parses IPv6 text made of hexadecimal groups and at most one `::`, faster
/// than the standard parser. Returns `None` for anything else, such as an
/// embedded IPv4 part; it accepts a subset of what `Ipv6Addr::from_str`
/// accepts, with the same result.
fn parse_v6_plain(value: &[u8]) -> Option<Ipv6Addr> {
    if value.len() < 2 || value.len() > 39 {
        return None;
    }
    let mut head = [0u16; 8];
    let mut head_length = 0;
    let mut tail = [0u16; 8];
    let mut tail_length = 0;
    let mut compressed = false;
    let mut index = 0;

    if value.starts_with(b"::") {
        compressed = true;
        index = 2;
    }
    while index < value.len() {
        let start = index;
        let mut group: u32 = 0;
        while let Some(digit) = value
            .get(index)
            .and_then(|&byte| char::from(byte).to_digit(16))
        {
            group = (group << 4) | digit;
            index += 1;
        }
        let digits = index - start;
        if digits == 0 || digits > 4 {
            return None;
        }
        let group = u16::try_from(group).ok()?;
        if compressed {
            *tail.get_mut(tail_length)? = group;
            tail_length += 1;
        } else {
            *head.get_mut(head_length)? = group;
            head_length += 1;
        }

        if index == value.len() {
            break;
        }
        if value[index] != b':' {
            return None;
        }
        index += 1;
        if value.get(index) == Some(&b':') {
            if compressed {
                return None;
            }
            compressed = true;
            index += 1;
        } else if index == value.len() {
            return None;
        }
    }

    let groups = head_length + tail_length;
    if (compressed && groups > 7) || (!compressed && groups != 8) {
        return None;
    }
    let tail_start = 8 - tail_length;
    head[tail_start..].copy_from_slice(&tail[..tail_length]);
    Some(Ipv6Addr::from(head))
}

fn replace_octet(octets: &[&str], index: usize, replacement: &str) -> String {
    let mut fixed: Vec<String> = octets
        .iter()
        .map(|octet| {
            let trimmed = octet.trim_start_matches('0');
            if trimmed.is_empty() {
                "0".to_string()
            } else {
                trimmed.to_string()
            }
        })
        .collect();
    fixed[index] = replacement.to_string();
    fixed.join(".")
}

/// Checks that a V4 address lies in Qualys's mapping range 0.0.0.1 - 0.254.255.255.
pub fn check_v4_range(address: Ipv4Addr) -> Option<AddressFinding> {
    if (V4_RANGE_FIRST..=V4_RANGE_LAST).contains(&address) {
        return None;
    }
    let position = if address < V4_RANGE_FIRST {
        "below"
    } else {
        "above"
    };
    Some(AddressFinding::new(
        Rule::V4OutOfRange,
        format!("V4 '{address}' is {position} Qualys's mapping range 0.0.0.1 - 0.254.255.255"),
        V4_RANGE_HELP,
    ))
}

/// Parses a V6 value. The value must already be trimmed and non-empty.
pub fn parse_v6(value: &str) -> Result<Ipv6Addr, AddressFinding> {
    // Fast path, as in `parse_v4`: the checks below only explain rejections.
    if let Some(address) = parse_v6_plain(value.as_bytes()) {
        return Ok(address);
    }
    if let Ok(address) = value.parse::<Ipv6Addr>() {
        return Ok(address);
    }
    let invalid =
        |message: String, help: &str| Err(AddressFinding::new(Rule::InvalidV6, message, help));
    if let Some(message) = too_long(value, "an IPv6 address", 45) {
        return invalid(
            message,
            "write eight groups of up to four hexadecimal digits separated by ':', with '::' at most once for a run of zero groups",
        );
    }
    if let Some(described) = invisible_character(value) {
        return invalid(
            format!("'{value}' is not an IPv6 address: it contains {described}"),
            "delete the character; it is often pasted in from a spreadsheet or a web page",
        );
    }
    if value.starts_with('[') || value.ends_with(']') || value.contains(['[', ']']) {
        let inner = value.trim_start_matches('[');
        let inner = inner.split(']').next().unwrap_or(inner);
        return invalid(
            format!("'{value}' is not an IPv6 address: brackets belong to URLs, not addresses"),
            &format!("remove the brackets: {inner}"),
        );
    }
    if let Some((address, zone)) = value.split_once('%') {
        return invalid(
            format!("'{value}' is not an IPv6 address: the zone index '%{zone}' is not allowed"),
            &format!("a zone index only has meaning on one machine; a Qualys mapping needs a global IPv6 address, not '{address}%{zone}'"),
        );
    }
    if let Some((address, prefix)) = value.split_once('/') {
        return invalid(
            format!("'{value}' is not an IPv6 address: it has a prefix length '/{prefix}'"),
            &format!("write one host address, without '/{prefix}': {address}"),
        );
    }
    if !value.contains(':') {
        let help = "put the placeholder IPv4 in the V4 column and the host's IPv6 address in V6";
        if value.parse::<Ipv4Addr>().is_ok() {
            return invalid(
                format!("'{value}' is an IPv4 address, but V6 must be an IPv6 address"),
                help,
            );
        }
        return invalid(
            format!("'{value}' is not an IPv6 address: it has no ':'"),
            help,
        );
    }
    invalid(
        format!("'{value}' is not an IPv6 address: {}", describe_v6_syntax(value)),
        "write eight groups of up to four hexadecimal digits separated by ':', with '::' at most once for a run of zero groups",
    )
}

/// Explains why a value with colons is not IPv6 syntax.
fn describe_v6_syntax(value: &str) -> String {
    if let Some(bad) = value
        .chars()
        .find(|c| !(c.is_ascii_hexdigit() || *c == ':' || *c == '.'))
    {
        return format!("'{bad}' is not a hexadecimal digit");
    }
    if value.contains(":::") {
        return "it contains ':::'".to_string();
    }
    let compressions = value.matches("::").count();
    if compressions > 1 {
        return "'::' appears more than once, so the groups it stands for are ambiguous"
            .to_string();
    }
    if value.starts_with(':') && !value.starts_with("::") {
        return "it starts with a single ':'".to_string();
    }
    if value.ends_with(':') && !value.ends_with("::") {
        return "it ends with a single ':'".to_string();
    }
    let groups: Vec<&str> = value.split(':').filter(|g| !g.is_empty()).collect();
    if let Some(long) = groups.iter().find(|g| !g.contains('.') && g.len() > 4) {
        return format!("group '{long}' has more than 4 hexadecimal digits");
    }
    let embedded_v4 = groups.last().is_some_and(|g| g.contains('.'));
    if embedded_v4
        && groups
            .last()
            .is_some_and(|g| g.parse::<Ipv4Addr>().is_err())
    {
        return format!(
            "the embedded IPv4 part '{}' is not an IPv4 address",
            groups.last().unwrap_or(&"")
        );
    }
    if groups.iter().rev().skip(1).any(|g| g.contains('.')) {
        return "a '.' may appear only in an embedded IPv4 part at the end".to_string();
    }
    let count = groups.len() + usize::from(embedded_v4);
    if compressions == 0 && count < 8 {
        return format!("it has {count} groups and no '::', so groups are missing (expected 8)");
    }
    if count > 8 || (compressions == 1 && count >= 8) {
        return if compressions == 1 {
            format!("it has too many groups ({count}; at most 7 besides '::')")
        } else {
            format!("it has too many groups ({count}; at most 8)")
        };
    }
    "the syntax is invalid".to_string()
}

struct V6Tables {
    ipv4_mapped: Ipv6Net,
    ipv4_compatible: Ipv6Net,
    multicast: Ipv6Net,
    link_local: Ipv6Net,
    documentation: [Ipv6Net; 2],
}

/// Tests prefix membership with one mask and compare. `Ipv6Net::contains`
/// rebuilds the netmask on every call, which showed up in profiles of
/// million-row inventories.
fn in_prefix(net: &Ipv6Net, address: u128) -> bool {
    let mask = u128::MAX
        .checked_shl(128 - u32::from(net.prefix_len()))
        .unwrap_or(0);
    address & mask == u128::from(net.network())
}

fn v6_tables() -> &'static V6Tables {
    static TABLES: OnceLock<V6Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let net = |text: &str| text.parse::<Ipv6Net>().expect("built-in prefix is valid");
        V6Tables {
            ipv4_mapped: net("::ffff:0:0/96"),
            ipv4_compatible: net("::/96"),
            multicast: net("ff00::/8"),
            link_local: net("fe80::/10"),
            // 2001:db8::/32 is RFC 3849; 3fff::/20 is RFC 9637.
            documentation: [net("2001:db8::/32"), net("3fff::/20")],
        }
    })
}

/// Classifies a parsed V6 address: special-use addresses are errors, link-local
/// and documentation addresses warnings.
pub fn classify_v6(address: Ipv6Addr) -> Option<AddressFinding> {
    classify_v6_written(address, None)
}

/// Classifies a parsed V6 address like [`classify_v6`], quoting `written`,
/// the value as the user wrote it, instead of the canonical form.
pub fn classify_v6_written(address: Ipv6Addr, written: Option<&str>) -> Option<AddressFinding> {
    // Fast path: every prefix below starts with the groups 0, ffxx, fe80 - febf,
    // 2001:db8 or 3fff:0 - 3fff:fff, so any other address is an ordinary global address.
    let [first_group, second_group, ..] = address.segments();
    let may_be_special = match first_group {
        0 | 0xfe80..=0xfebf | 0xff00..=0xffff => true,
        0x2001 => second_group == 0x0db8,
        0x3fff => second_group < 0x1000,
        _ => false,
    };
    if !may_be_special {
        return None;
    }
    let tables = v6_tables();
    let bits = u128::from(address);
    let canonical = address.to_string();
    let quoted = written.unwrap_or(&canonical);
    let special =
        |message: String, help: &str| Some(AddressFinding::new(Rule::V6SpecialUse, message, help));
    let host_help = "V6 must be the global IPv6 address of the host that Qualys should scan";
    if address.is_unspecified() {
        return special(
            format!("V6 '{quoted}' is the unspecified address, not a host"),
            host_help,
        );
    }
    if address.is_loopback() {
        return special(
            format!("V6 '{quoted}' is the loopback address, which never leaves a host"),
            host_help,
        );
    }
    if in_prefix(&tables.ipv4_mapped, bits) {
        return special(
            format!("V6 '{quoted}' is an IPv4-mapped address (::ffff:0:0/96), not an IPv6 host"),
            "scan an IPv4 host by its IPv4 address directly; a mapping record is for a host with a real IPv6 address",
        );
    }
    if in_prefix(&tables.ipv4_compatible, bits) {
        let embedded = Ipv4Addr::from((u128::from(address) & 0xFFFF_FFFF) as u32);
        return special(
            format!("V6 '{quoted}' is a deprecated IPv4-compatible address (::{embedded}, inside ::/96), not an IPv6 host"),
            host_help,
        );
    }
    if in_prefix(&tables.multicast, bits) {
        return special(
            format!("V6 '{quoted}' is a multicast address (ff00::/8), not a host"),
            host_help,
        );
    }
    if in_prefix(&tables.link_local, bits) {
        return Some(AddressFinding::new(
            Rule::V6LinkLocal,
            format!(
                "V6 '{quoted}' is link-local (fe80::/10), which a scanner cannot reach by routing"
            ),
            "use the host's global IPv6 address unless the scanner shares its link",
        ));
    }
    if let Some(prefix) = tables.documentation.iter().find(|net| in_prefix(net, bits)) {
        return Some(AddressFinding::new(
            Rule::V6Documentation,
            format!("V6 '{quoted}' is in the documentation prefix {prefix}, which is reserved for examples"),
            "replace the example address with the host's real IPv6 address",
        ));
    }
    None
}

/// Returns true when the V4 address lies in 0.0.0.0/8, the block the mapping
/// range belongs to. Used by tests to cross-check the range constants.
pub fn in_zero_block(address: Ipv4Addr) -> bool {
    let block: Ipv4Net = "0.0.0.0/8".parse().expect("built-in prefix is valid");
    block.contains(&address)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Classifies an address by the prefix tables alone, without the fast path.
    fn rule_by_tables(address: Ipv6Addr) -> Option<Rule> {
        let tables = v6_tables();
        if address.is_unspecified()
            || address.is_loopback()
            || tables.ipv4_mapped.contains(&address)
            || tables.ipv4_compatible.contains(&address)
            || tables.multicast.contains(&address)
        {
            Some(Rule::V6SpecialUse)
        } else if tables.link_local.contains(&address) {
            Some(Rule::V6LinkLocal)
        } else if tables
            .documentation
            .iter()
            .any(|net| net.contains(&address))
        {
            Some(Rule::V6Documentation)
        } else {
            None
        }
    }

    proptest::proptest! {
        #[test]
        fn classify_v6_fast_path_agrees_with_tables(
            first in proptest::sample::select(vec![0u16, 1, 0x2000, 0x2001, 0x2002, 0x3ffe, 0x3fff, 0x4000, 0xfe7f, 0xfe80, 0xfebf, 0xfec0, 0xfeff, 0xff00, 0xffff]),
            second in proptest::sample::select(vec![0u16, 1, 0x0db7, 0x0db8, 0x0db9, 0x0fff, 0x1000, 0xffff]),
            rest in proptest::array::uniform6(proptest::sample::select(vec![0u16, 1, 0xffff, 0x1234])),
        ) {
            let address = Ipv6Addr::new(first, second, rest[0], rest[1], rest[2], rest[3], rest[4], rest[5]);
            proptest::prop_assert_eq!(classify_v6(address).map(|finding| finding.rule), rule_by_tables(address));
        }

        #[test]
        fn v4_plain_agrees_with_std(value in "[0-9.]{0,16}") {
            if let Some(address) = parse_v4_plain(value.as_bytes()) {
                proptest::prop_assert_eq!(Some(address), value.parse::<Ipv4Addr>().ok());
            }
        }

        #[test]
        fn v4_plain_reads_every_canonical_address(bits: u32) {
            let address = Ipv4Addr::from(bits);
            proptest::prop_assert_eq!(parse_v4_plain(address.to_string().as_bytes()), Some(address));
        }

        #[test]
        fn v6_plain_agrees_with_std(value in "(::|:|[0-9a-fA-F]{1,5}|[g.%]){0,14}") {
            if let Some(address) = parse_v6_plain(value.as_bytes()) {
                proptest::prop_assert_eq!(Some(address), value.parse::<Ipv6Addr>().ok());
            }
        }

        #[test]
        fn v6_plain_reads_full_and_compressed_forms(bits: u128, zero_run in 0usize..8, run_length in 0usize..9) {
            let mut segments = Ipv6Addr::from(bits).segments();
            for segment in segments.iter_mut().skip(zero_run).take(run_length) {
                *segment = 0;
            }
            let address = Ipv6Addr::from(segments);
            let full = segments.iter().map(|s| format!("{s:04X}")).collect::<Vec<_>>().join(":");
            proptest::prop_assert_eq!(parse_v6_plain(full.as_bytes()), Some(address));
            let compressed = address.to_string();
            if !compressed.contains('.') {
                proptest::prop_assert_eq!(parse_v6_plain(compressed.as_bytes()), Some(address));
            }
        }
    }

    fn v4_error(value: &str) -> AddressFinding {
        parse_v4(value).expect_err(value)
    }

    fn v6_error(value: &str) -> AddressFinding {
        parse_v6(value).expect_err(value)
    }

    #[test]
    fn plain_parsers_match_std_on_edge_cases() {
        let v6_cases = [
            "::",
            "::1",
            "1::",
            "1:2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::",
            "::2:3:4:5:6:7:8",
            "1:2:3:4:5:6:7::8",
            "1:2:3:4:5:6:7",
            "1:2:3:4:5:6:7:8:9",
            ":::",
            "1::2::3",
            ":1::",
            "1:",
            ":1",
            "12345::",
            "0db8::",
            "ABCD:ef01::",
            "::ffff:1.2.3.4",
            "fe80::1%eth0",
            "",
            ":",
        ];
        for case in v6_cases {
            let plain = parse_v6_plain(case.as_bytes());
            assert!(
                plain.is_none() || plain == case.parse().ok(),
                "{case}: {plain:?}"
            );
            if !case.contains(['.', '%']) {
                assert_eq!(plain, case.parse().ok(), "{case}");
            }
        }
        let v4_cases = [
            "0.0.0.0",
            "255.255.255.255",
            "256.0.0.1",
            "01.0.0.1",
            "0.0.0",
            "0.0.0.0.0",
            "1..1.1",
            "1.1.1.1.",
        ];
        for case in v4_cases {
            assert_eq!(parse_v4_plain(case.as_bytes()), case.parse().ok(), "{case}");
        }
    }

    #[test]
    fn v4_plain_accepted() {
        assert_eq!(parse_v4("0.0.0.14"), Ok(Ipv4Addr::new(0, 0, 0, 14)));
        assert_eq!(
            parse_v4("0.254.255.255"),
            Ok(Ipv4Addr::new(0, 254, 255, 255))
        );
    }

    #[test]
    fn v4_leading_zero_names_both_readings() {
        let finding = v4_error("0.0.0.010");
        assert_eq!(finding.rule, Rule::InvalidV4);
        assert!(
            finding.message.contains("octet 4 '010'"),
            "{}",
            finding.message
        );
        assert!(finding.message.contains("octal 8"), "{}", finding.message);
        assert!(
            finding.message.contains("decimal 10"),
            "{}",
            finding.message
        );
        assert!(finding.help.contains("0.0.0.10"), "{}", finding.help);
    }

    #[test]
    fn v4_double_zero_rejected() {
        let finding = v4_error("00.0.0.11");
        assert!(
            finding.message.contains("octet 1 '00'"),
            "{}",
            finding.message
        );
        assert!(finding.help.contains("0.0.0.11"), "{}", finding.help);
    }

    #[test]
    fn v4_octal_digits_out_of_range() {
        let finding = v4_error("0.0.0.09");
        assert!(
            finding.message.contains("leading zero"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn v4_other_syntax_errors() {
        assert!(v4_error("0.0.1").message.contains("3 parts"));
        assert!(v4_error("0.0.0.1/32")
            .message
            .contains("prefix length '/32'"));
        assert!(v4_error("0x0.0.0.1").message.contains("hexadecimal"));
        assert!(v4_error("0.0. 0.1").message.contains("U+0020 SPACE"));
        assert!(v4_error("0.0.0.256").message.contains("more than 255"));
        assert!(v4_error("0..0.1").message.contains("empty"));
        assert!(v4_error("::ffff:0.0.0.5").message.contains("IPv4-mapped"));
        assert!(v4_error("2001:db8::1")
            .message
            .contains("is an IPv6 address"));
        assert!(v4_error("0.0.0.1a").message.contains("'a'"));
    }

    #[test]
    fn v4_no_break_space_named() {
        let finding = v4_error("0.0.0.53\u{A0}");
        assert!(
            finding
                .message
                .contains("U+00A0 NO-BREAK SPACE after '0.0.0.53'"),
            "{}",
            finding.message
        );
    }

    #[test]
    fn v4_range_bounds() {
        assert_eq!(check_v4_range(Ipv4Addr::new(0, 0, 0, 1)), None);
        assert_eq!(check_v4_range(Ipv4Addr::new(0, 254, 255, 255)), None);
        assert!(check_v4_range(Ipv4Addr::new(0, 0, 0, 0))
            .unwrap()
            .message
            .contains("below"));
        assert!(check_v4_range(Ipv4Addr::new(0, 255, 0, 1))
            .unwrap()
            .message
            .contains("above"));
        assert!(check_v4_range(Ipv4Addr::new(192, 0, 2, 10)).is_some());
    }

    #[test]
    fn v4_range_size_matches_bounds() {
        let size = u32::from(V4_RANGE_LAST) - u32::from(V4_RANGE_FIRST) + 1;
        assert_eq!(size, V4_RANGE_SIZE);
        assert!(in_zero_block(V4_RANGE_FIRST));
        assert!(in_zero_block(V4_RANGE_LAST));
    }

    #[test]
    fn v6_syntax_errors_say_which() {
        assert!(v6_error("fe80::1%eth0")
            .message
            .contains("zone index '%eth0'"));
        assert!(v6_error("fe80::1%2").message.contains("zone index '%2'"));
        let brackets = v6_error("[2001:db8::32]");
        assert!(brackets.message.contains("brackets"));
        assert!(brackets.help.contains("2001:db8::32"), "{}", brackets.help);
        assert!(v6_error("2001:db8::/64")
            .message
            .contains("prefix length '/64'"));
        assert!(v6_error("1:2:3:4:5:6:7:8:9")
            .message
            .contains("too many groups"));
        assert!(v6_error("1::2::3").message.contains("more than once"));
        assert!(v6_error("2001:db8::12345").message.contains("more than 4"));
        assert!(v6_error("2001:db8::g").message.contains("'g'"));
        assert!(v6_error("1:2:3:4:5:6:7").message.contains("7 groups"));
        assert!(v6_error("0.0.0.1").message.contains("IPv4 address"));
    }

    #[test]
    fn v6_special_use_rejected() {
        for value in ["::", "::1", "::ffff:192.0.2.6", "::0.0.0.8", "ff02::1"] {
            let address = parse_v6(value).unwrap();
            let finding = classify_v6(address).expect(value);
            assert_eq!(finding.rule, Rule::V6SpecialUse, "{value}");
        }
        let compatible = classify_v6(parse_v6("::0.0.0.8").unwrap()).unwrap();
        assert!(
            compatible.message.contains("IPv4-compatible"),
            "{}",
            compatible.message
        );
    }

    #[test]
    fn v6_warnings_and_clean() {
        assert_eq!(
            classify_v6(parse_v6("fe80::33").unwrap()).unwrap().rule,
            Rule::V6LinkLocal
        );
        assert_eq!(
            classify_v6(parse_v6("2001:db8::34").unwrap()).unwrap().rule,
            Rule::V6Documentation
        );
        assert_eq!(
            classify_v6(parse_v6("3fff::1").unwrap()).unwrap().rule,
            Rule::V6Documentation
        );
        assert_eq!(
            classify_v6(parse_v6("2001:470:8418:a18::a0a:1805").unwrap()),
            None
        );
    }

    proptest::proptest! {
        #[test]
        fn v4_agrees_with_std(value in "[0-9a-fx.:/ ]{0,20}") {
            proptest::prop_assert_eq!(parse_v4(&value).ok(), value.parse::<Ipv4Addr>().ok());
        }

        #[test]
        fn v6_agrees_with_std(value in "[0-9a-fA-F.:%/\\[\\] ]{0,45}") {
            proptest::prop_assert_eq!(parse_v6(&value).ok(), value.parse::<Ipv6Addr>().ok());
        }

        #[test]
        fn in_prefix_agrees_with_ipnet(address in proptest::num::u128::ANY, network in proptest::num::u128::ANY, length in 0u8..=128) {
            let net = Ipv6Net::new(Ipv6Addr::from(network), length).unwrap().trunc();
            proptest::prop_assert_eq!(in_prefix(&net, address), net.contains(&Ipv6Addr::from(address)));
        }

        #[test]
        fn v4_octets_roundtrip(octets in proptest::array::uniform4(0u8..)) {
            let address = Ipv4Addr::from(octets);
            proptest::prop_assert_eq!(parse_v4(&address.to_string()), Ok(address));
        }
    }

    #[test]
    fn trim_reports_offset() {
        assert_eq!(trim_ascii_whitespace(" \t0.0.0.1 \r\n"), ("0.0.0.1", 2));
        assert_eq!(trim_ascii_whitespace("0.0.0.1\u{A0}"), ("0.0.0.1\u{A0}", 0));
    }
}
