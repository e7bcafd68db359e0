//! XML handling shared by every document kind: the prolog scan that runs
//! before roxmltree (DOCTYPE, entity declarations, root name), parse errors,
//! DTD violations and the values of `IP_MAP` records.

use std::borrow::Cow;
use std::ops::Range;

use roxmltree::{Document, Node, ParsingOptions};

use crate::address;
use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::dtd::Violation;
use crate::rules::{self, ValueSite};
use crate::source::SourceFile;

use super::records::RecordTable;

/// The DTD file names that Qualys's DOCTYPE system ids end with, by root element.
pub(crate) const DTD_FILES: [(&str, &str); 3] = [
    ("IP_MAP_LIST", "ip_map_list"),
    ("IP_MAP_LIST_OUTPUT", "ip_map_list_output"),
    ("SIMPLE_RETURN", "simple_return"),
];

/// Returns the bundled DTD name for a root element name.
pub(crate) fn dtd_name_for_root(root: &str) -> Option<&'static str> {
    DTD_FILES
        .iter()
        .find(|(element, _)| *element == root)
        .map(|(_, name)| *name)
}

/// The `<!DOCTYPE ...>` declaration, as far as the prolog scan understood it.
#[derive(Debug, Default)]
pub(crate) struct Doctype {
    /// The whole declaration, up to its `>` or the end of the text.
    pub range: Range<usize>,
    /// The declared root element name.
    pub name: String,
    pub name_range: Range<usize>,
    /// The system identifier and the range of its text without quotes.
    pub system_id: Option<(String, Range<usize>)>,
    /// True when the declaration has an internal subset `[...]`.
    pub has_subset: bool,
    /// Every `<!ENTITY ...>` declaration of the internal subset.
    pub entities: Vec<EntityDeclaration>,
}

/// One entity declaration found in an internal subset.
#[derive(Debug)]
pub(crate) struct EntityDeclaration {
    pub range: Range<usize>,
    pub name: String,
    /// True for `SYSTEM` or `PUBLIC` entities, which name a file or URL.
    pub external: bool,
}

/// The prolog: the DOCTYPE and the root element's name.
#[derive(Debug, Default)]
pub(crate) struct Prolog {
    pub doctype: Option<Doctype>,
    /// The root element's name and the range of the name in the text.
    pub root: Option<(String, Range<usize>)>,
}

fn is_xml_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

fn is_name_byte(byte: u8) -> bool {
    !is_xml_space(byte) && !matches!(byte, b'>' | b'/' | b'[' | b'=' | b'<' | b'"' | b'\'' | b']')
}

fn find_from(text: &str, from: usize, needle: &str) -> Option<usize> {
    text.get(from..)?.find(needle).map(|index| from + index)
}

fn skip_spaces(bytes: &[u8], mut position: usize) -> usize {
    while bytes.get(position).copied().is_some_and(is_xml_space) {
        position += 1;
    }
    position
}

fn name_end(bytes: &[u8], mut position: usize) -> usize {
    while bytes.get(position).copied().is_some_and(is_name_byte) {
        position += 1;
    }
    position
}

/// Scans the prolog of the XML that starts at `start`: the XML declaration,
/// comments, processing instructions and the DOCTYPE, up to the root's name.
/// It never expands or resolves anything, so a document that declares an
/// entity bomb costs one pass over its DOCTYPE.
pub(crate) fn scan_prolog(text: &str, start: usize) -> Prolog {
    let bytes = text.as_bytes();
    let mut prolog = Prolog::default();
    let mut position = start;
    if text
        .get(position..)
        .is_some_and(|rest| rest.starts_with('\u{FEFF}'))
    {
        position += '\u{FEFF}'.len_utf8();
    }
    loop {
        position = skip_spaces(bytes, position);
        let rest = &bytes[position.min(bytes.len())..];
        if rest.starts_with(b"<?") {
            match find_from(text, position + 2, "?>") {
                Some(end) => position = end + 2,
                None => return prolog,
            }
        } else if rest.starts_with(b"<!--") {
            match find_from(text, position + 4, "-->") {
                Some(end) => position = end + 3,
                None => return prolog,
            }
        } else if rest.starts_with(b"<!DOCTYPE") {
            let doctype = scan_doctype(text, position);
            position = doctype.range.end;
            let complete = text.as_bytes().get(position.wrapping_sub(1)) == Some(&b'>');
            prolog.doctype = Some(doctype);
            if !complete {
                return prolog;
            }
        } else if rest.first() == Some(&b'<') && rest.get(1).copied().is_some_and(is_name_byte) {
            let end = name_end(bytes, position + 1);
            prolog.root = Some((text[position + 1..end].to_string(), position + 1..end));
            return prolog;
        } else {
            return prolog;
        }
    }
}

/// Reads a quoted literal at `position`; returns its inner range and the position after it.
fn quoted(bytes: &[u8], position: usize) -> Option<(Range<usize>, usize)> {
    let quote = *bytes.get(position)?;
    if quote != b'"' && quote != b'\'' {
        return None;
    }
    let length = bytes
        .get(position + 1..)?
        .iter()
        .position(|&byte| byte == quote)?;
    let end = position + 1 + length;
    Some((position + 1..end, end + 1))
}

fn scan_doctype(text: &str, start: usize) -> Doctype {
    let bytes = text.as_bytes();
    let mut doctype = Doctype::default();
    let mut position = skip_spaces(bytes, start + "<!DOCTYPE".len());
    let end = name_end(bytes, position);
    doctype.name = text[position..end].to_string();
    doctype.name_range = position..end;
    position = end;
    let mut literals = Vec::new();
    loop {
        position = skip_spaces(bytes, position);
        match bytes.get(position) {
            None => break,
            Some(b'>') => {
                position += 1;
                break;
            }
            Some(b'"' | b'\'') => match quoted(bytes, position) {
                Some((range, after)) => {
                    literals.push(range);
                    position = after;
                }
                None => {
                    position = bytes.len();
                    break;
                }
            },
            Some(b'[') => {
                doctype.has_subset = true;
                position = scan_subset(text, position + 1, &mut doctype.entities);
            }
            Some(_) => position = name_end(bytes, position).max(position + 1),
        }
    }
    // SYSTEM has one literal, the system id; PUBLIC has the public id, then the system id.
    if let Some(range) = literals.last() {
        doctype.system_id = Some((text[range.clone()].to_string(), range.clone()));
    }
    doctype.range = start..position.min(bytes.len());
    doctype
}

/// Scans an internal subset from `start` to its `]`, recording entity
/// declarations. Quoted literals, comments and processing instructions are
/// skipped whole, so a `]` or `<!ENTITY` inside them is not mistaken for markup.
fn scan_subset(text: &str, start: usize, entities: &mut Vec<EntityDeclaration>) -> usize {
    let bytes = text.as_bytes();
    let mut position = start;
    while let Some(&byte) = bytes.get(position) {
        let rest = &bytes[position..];
        if byte == b']' {
            return position + 1;
        } else if rest.starts_with(b"<!--") {
            position = find_from(text, position + 4, "-->").map_or(bytes.len(), |end| end + 3);
        } else if rest.starts_with(b"<?") {
            position = find_from(text, position + 2, "?>").map_or(bytes.len(), |end| end + 2);
        } else if rest.starts_with(b"<!ENTITY") {
            let (declaration, after) = scan_entity(text, position);
            entities.push(declaration);
            position = after;
        } else if byte == b'"' || byte == b'\'' {
            position = quoted(bytes, position).map_or(bytes.len(), |(_, after)| after);
        } else {
            position += 1;
        }
    }
    position
}

fn scan_entity(text: &str, start: usize) -> (EntityDeclaration, usize) {
    let bytes = text.as_bytes();
    let mut position = skip_spaces(bytes, start + "<!ENTITY".len());
    if bytes.get(position) == Some(&b'%') {
        position = skip_spaces(bytes, position + 1);
    }
    let end = name_end(bytes, position);
    let name = text[position..end].to_string();
    position = end;
    let mut external = false;
    loop {
        position = skip_spaces(bytes, position);
        match bytes.get(position) {
            None => break,
            Some(b'>') => {
                position += 1;
                break;
            }
            Some(b'"' | b'\'') => {
                position = quoted(bytes, position).map_or(bytes.len(), |(_, after)| after)
            }
            Some(_) => {
                let word_end = name_end(bytes, position).max(position + 1);
                if matches!(&text[position..word_end], "SYSTEM" | "PUBLIC") {
                    external = true;
                }
                position = word_end;
            }
        }
    }
    (
        EntityDeclaration {
            range: start..position,
            name,
            external,
        },
        position,
    )
}

/// The number of attributes one element may have before the document is
/// rejected unparsed. roxmltree compares each new attribute with all earlier
/// ones of its element, so an element with a million attributes takes hours;
/// 64 attributes cost at most 2,016 comparisons. No Qualys DTD declares any
/// attribute, so every attribute is an error anyway.
pub(crate) const MAX_ELEMENT_ATTRIBUTES: usize = 64;

/// The number of attributes in a whole document before it is rejected
/// unparsed, because each one becomes a `schema-violation` finding of a few
/// hundred bytes, many times the seven bytes that ` a="x"` takes.
pub(crate) const MAX_DOCUMENT_ATTRIBUTES: usize = 10_000;

/// Counts the attributes of every start tag in `text[start..]` before
/// roxmltree parses it, and reports the first element past
/// [`MAX_ELEMENT_ATTRIBUTES`] or the attribute past
/// [`MAX_DOCUMENT_ATTRIBUTES`].
///
/// The scan looks at every `<` followed by a name, without tracking comments,
/// CDATA sections or the DOCTYPE, so no construct can hide a start tag from
/// it. Text that looks like attributes inside a comment or CDATA section is
/// counted too, which can only make the count too high.
pub(crate) fn attribute_flood(file: &SourceFile, start: usize) -> Option<Diagnostic> {
    let text = file.text();
    let bytes = text.as_bytes();
    let mut total = 0;
    let mut position = start;
    while let Some(index) = bytes.get(position..)?.iter().position(|&b| b == b'<') {
        let tag_start = position + index;
        let name_start = tag_start + 1;
        let tag_name_end = name_end(bytes, name_start);
        position = name_start;
        let starts_like_name = bytes
            .get(name_start)
            .is_some_and(|&b| b.is_ascii_alphabetic() || b == b'_' || b == b':' || b >= 0x80);
        if !starts_like_name {
            continue;
        }
        let (count, end) = count_attributes(bytes, tag_name_end);
        position = end.max(name_start);
        total += count;
        let name = text.get(name_start..tag_name_end).unwrap_or_default();
        let message = if count > MAX_ELEMENT_ATTRIBUTES {
            format!("element {name} has {count} attributes, more than the {MAX_ELEMENT_ATTRIBUTES} v6map reads in one element")
        } else if total > MAX_DOCUMENT_ATTRIBUTES {
            format!("the document has more than {MAX_DOCUMENT_ATTRIBUTES} attributes, counted up to element {name}")
        } else {
            continue;
        };
        return Some(
            Diagnostic::new(Rule::SchemaViolation, message)
                .with_help(
                    "the Qualys DTDs declare no attributes; remove them. v6map stops checking this document \
                     here, so that its time and memory stay bounded",
                )
                .at(file.location(tag_start, tag_name_end - tag_start)),
        );
    }
    None
}

/// Counts the `name="value"` pairs from `position`, the end of a tag name, up
/// to the end of the tag or the first byte that cannot continue it. Returns the
/// count and where the scan stopped.
fn count_attributes(bytes: &[u8], mut position: usize) -> (usize, usize) {
    let mut count = 0;
    loop {
        position = skip_spaces(bytes, position);
        let attribute_name_end = name_end(bytes, position);
        if attribute_name_end == position {
            return (count, position);
        }
        let equals = skip_spaces(bytes, attribute_name_end);
        if bytes.get(equals) != Some(&b'=') {
            return (count, equals);
        }
        let quote_at = skip_spaces(bytes, equals + 1);
        let Some(&quote @ (b'"' | b'\'')) = bytes.get(quote_at) else {
            return (count, quote_at);
        };
        let Some(length) = bytes
            .get(quote_at + 1..)
            .and_then(|rest| rest.iter().position(|&b| b == quote))
        else {
            return (count, bytes.len());
        };
        count += 1;
        position = quote_at + 1 + length + 1;
    }
}

/// Reports entity declarations: one error at the first, counting the others.
/// The entities are never expanded and external ones are never opened.
pub(crate) fn entity_diagnostic(file: &SourceFile, doctype: &Doctype) -> Option<Diagnostic> {
    let first = doctype.entities.first()?;
    let (line, _) = file.line_column(first.range.start);
    let kind = if first.external {
        "an external entity"
    } else {
        "entity"
    };
    let mut message = format!(
        "the internal DTD subset declares {kind} '{}' (line {line}); Qualys upload and response files never declare entities",
        first.name
    );
    let others = doctype.entities.len() - 1;
    if others > 0 {
        message.push_str(&format!(", and this one declares {others} more"));
    }
    Some(
        Diagnostic::new(Rule::EntityDeclaration, message)
            .with_help(
                "delete the [...] part of the DOCTYPE and write the values directly; v6map neither expands \
                 entities nor opens the files or URLs they name",
            )
            .at(file.location(first.range.start, first.range.len())),
    )
}

/// Checks the DOCTYPE against the root element: a different name is an
/// error, a system id that names another bundled DTD a warning. The system
/// id is never fetched.
pub(crate) fn doctype_diagnostics(
    file: &SourceFile,
    doctype: &Doctype,
    root: &str,
    out: &mut Vec<Diagnostic>,
) {
    if doctype.name != root {
        out.push(
            Diagnostic::new(
                Rule::DoctypeMismatch,
                format!(
                    "the DOCTYPE declares root element '{}', but the root element is '{root}'",
                    doctype.name
                ),
            )
            .with_help(format!(
                "change the DOCTYPE to <!DOCTYPE {root} ...>, or delete it"
            ))
            .at(file.location(doctype.name_range.start, doctype.name_range.len())),
        );
    }
    let Some((system_id, range)) = &doctype.system_id else {
        return;
    };
    let Some(expected) = dtd_name_for_root(root) else {
        return;
    };
    let path = system_id.split(['?', '#']).next().unwrap_or_default();
    let file_name = path.rsplit('/').next().unwrap_or_default();
    let named = DTD_FILES
        .iter()
        .find(|(_, name)| file_name.strip_suffix(".dtd") == Some(*name));
    if let Some((named_root, named_dtd)) = named {
        if *named_dtd != expected {
            out.push(
                Diagnostic::new(
                    Rule::DoctypeMismatch,
                    format!(
                        "the DOCTYPE's system id names {named_dtd}.dtd, the DTD of {named_root}, but the root element is {root}; \
                         v6map validates against its bundled {expected}.dtd"
                    ),
                )
                .with_help(format!("a {root} document from Qualys refers to {expected}.dtd; check that this is the file you meant"))
                .with_severity(Severity::Warning)
                .at(file.location(range.start, range.len())),
            );
        }
    }
}

/// Returns the parsing options for every document. DTDs are allowed so that
/// Qualys's DOCTYPE lines parse, and no entity resolver is set, so nothing is fetched.
pub(crate) fn parsing_options<'input>() -> ParsingOptions<'input> {
    ParsingOptions {
        allow_dtd: true,
        ..ParsingOptions::default()
    }
}

/// Converts roxmltree's 1-based row and column (rows end at LF, columns count
/// characters) into a byte offset in `text`.
fn offset_of_position(text: &str, row: u32, column: u32) -> usize {
    let mut line_start = 0;
    for _ in 1..row {
        match text
            .as_bytes()
            .get(line_start..)
            .and_then(|rest| rest.iter().position(|&byte| byte == b'\n'))
        {
            Some(index) => line_start += index + 1,
            None => return text.len(),
        }
    }
    let columns = usize::try_from(column.saturating_sub(1)).unwrap_or(usize::MAX);
    text.get(line_start..)
        .and_then(|line| line.char_indices().nth(columns))
        .map_or(text.len(), |(index, _)| line_start + index)
}

/// Turns a roxmltree error into a `not-well-formed` diagnostic. `xml` is the
/// parsed text and `xml_offset` where it starts in the file. `in_upload` adds
/// the upload-specific help for an XML declaration after `xml_data=`.
pub(crate) fn parse_error(
    file: &SourceFile,
    xml: &str,
    xml_offset: usize,
    error: &roxmltree::Error,
    in_upload: bool,
) -> Diagnostic {
    use roxmltree::Error as E;
    let at_end = matches!(
        error,
        E::NoRootNode | E::UnclosedRootNode | E::UnexpectedEndOfStream
    );
    let offset = if at_end {
        xml.len()
    } else {
        let position = error.pos();
        offset_of_position(xml, position.row, position.col)
    };
    let text = error
        .to_string()
        .replace(&format!(" at {}", error.pos()), "");
    let help: Option<String> = match error {
        E::UnexpectedDeclaration(_) if in_upload => Some(
            "delete the <?xml ...?> declaration: upload files carry none, and after xml_data= it is not at the start of the XML document"
                .into(),
        ),
        E::UnexpectedDeclaration(_) => Some("an XML declaration may appear only once, at the very start of the file".into()),
        E::UnknownEntityReference(..) => Some(
            "XML predefines only &amp; &lt; &gt; &quot; &apos; and character references like &#65;; write the character itself".into(),
        ),
        E::MalformedEntityReference(_) => Some("write a literal '&' as &amp; (an upload file should avoid '&' entirely)".into()),
        E::UnexpectedCloseTag(..) => Some("close the elements in the reverse order in which they were opened".into()),
        E::UnclosedRootNode | E::UnexpectedEndOfStream => {
            Some("the file ends inside an element; check whether it was cut off".into())
        }
        // roxmltree reports a start tag cut off at the end as no root at all.
        E::NoRootNode if xml.trim_end().rsplit('>').next().is_some_and(|tail| tail.contains('<')) => {
            Some("the file ends inside a start tag; check whether it was cut off".into())
        }
        E::NoRootNode => Some("the file contains no XML element".into()),
        E::UnknownToken(_) => Some("an XML document has exactly one root element; text or a second element follows it here".into()),
        E::InvalidComment(_) => Some("a comment must not contain '--' or end with '-'".into()),
        _ => None,
    };
    let mut diagnostic = Diagnostic::new(
        Rule::NotWellFormed,
        format!("the XML is not well-formed: {text}"),
    )
    .at(file.location(
        xml_offset + offset,
        usize::from(!at_end && offset < xml.len()),
    ));
    if let Some(help) = help {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// Parses `xml` with the safe options.
pub(crate) fn parse(xml: &str) -> Result<Document<'_>, roxmltree::Error> {
    Document::parse_with_options(xml, parsing_options())
}

/// Maps byte ranges of a parsed text back to the file: the text started at
/// `base` in the file after `synthetic` bytes that are not in the file (the
/// wrapper start tag of a chunk).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Mapping {
    pub base: usize,
    pub synthetic: usize,
}

impl Mapping {
    pub fn offset(self, position: usize) -> usize {
        (position + self.base).saturating_sub(self.synthetic)
    }

    pub fn range(self, range: Range<usize>) -> Range<usize> {
        self.offset(range.start)..self.offset(range.end)
    }
}

/// Turns DTD violations into `schema-violation` diagnostics.
pub(crate) fn violation_diagnostics(
    file: &SourceFile,
    mapping: Mapping,
    violations: Vec<Violation>,
    out: &mut Vec<Diagnostic>,
) {
    for violation in violations {
        let range = mapping.range(violation.range);
        let mut diagnostic = Diagnostic::new(Rule::SchemaViolation, violation.message)
            .at(file.location(range.start, range.len()));
        if let Some(help) = violation.help {
            diagnostic = diagnostic.with_help(help);
        }
        out.push(diagnostic);
    }
}

/// The text of a leaf element and where it sits.
pub(crate) struct LeafValue<'a> {
    pub text: Cow<'a, str>,
    /// The range between the start tag and the end tag, in the parsed text;
    /// the whole element for `<V4/>` and `<V4></V4>`.
    pub range: Range<usize>,
    /// True when `text` is a byte-for-byte copy of the range.
    pub verbatim: bool,
}

/// Reads the text content of a leaf element such as `<V4>`.
fn leaf_value<'a>(node: Node<'a, '_>, xml: &str) -> LeafValue<'a> {
    let element = node.range();
    let (first, last) = match (node.first_child(), node.last_child()) {
        (Some(first), Some(last)) => (first, last),
        _ => {
            // No content: `<V4/>` or `<V4></V4>`; point at the element.
            return LeafValue {
                text: Cow::Borrowed(""),
                range: element,
                verbatim: false,
            };
        }
    };
    let range = first.range().start..last.range().end;
    if first == last && first.is_text() {
        let text = first.text().unwrap_or_default();
        // A reference, a CDATA section or a normalised CR LF always makes the
        // raw text longer than its value, so equal lengths mean a verbatim copy.
        let verbatim = text.len() == range.len();
        return LeafValue {
            text: Cow::Borrowed(text),
            range,
            verbatim,
        };
    }
    let mut text = String::new();
    for child in node.children().filter(|child| child.is_text()) {
        text.push_str(child.text().unwrap_or_default());
    }
    let verbatim = xml.get(range.clone()) == Some(text.as_str());
    let text = Cow::Owned(text);
    LeafValue {
        text,
        range,
        verbatim,
    }
}

/// The origin of a record-carrying document, which sets how the value rules report.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordSource {
    /// An upload file: findings keep their severity and every ID is reported.
    Upload,
    /// A list output from Qualys: findings are capped at warnings.
    Response,
}

/// Checks every `IP_MAP` whose parent is an `IP_MAP_LIST` at or under
/// `scope`, and collects its record when both values are valid.
pub(crate) fn check_records(
    scope: Node,
    xml: &str,
    file: &SourceFile,
    mapping: Mapping,
    source: RecordSource,
    out: &mut Vec<Diagnostic>,
    records: &mut RecordTable,
) {
    // A list output nests its IP_MAP_LIST in RESPONSE; IP_MAP elements are
    // never searched for inside records, so the walk stays short. The walk
    // keeps its own stack, in document order, because a hostile document can
    // nest elements deeper than the call stack allows.
    let mut pending = vec![scope];
    while let Some(node) = pending.pop() {
        if node.has_tag_name("IP_MAP_LIST") {
            for map in node.children().filter(|child| child.has_tag_name("IP_MAP")) {
                check_ip_map(map, xml, file, mapping, source, out, records);
            }
            continue;
        }
        let start = pending.len();
        pending.extend(
            node.children()
                .filter(|child| child.is_element() && !child.has_tag_name("IP_MAP")),
        );
        pending[start..].reverse();
    }
}

fn check_ip_map(
    node: Node,
    xml: &str,
    file: &SourceFile,
    mapping: Mapping,
    source: RecordSource,
    out: &mut Vec<Diagnostic>,
    records: &mut RecordTable,
) {
    // The first of each child counts; the DTD reports repeated ones.
    let (mut id, mut v4, mut v6) = (None, None, None);
    for child in node.children().filter(Node::is_element) {
        let slot = match child.tag_name().name() {
            "V4" => &mut v4,
            "V6" => &mut v6,
            "ID" => &mut id,
            _ => continue,
        };
        if slot.is_none() && child.tag_name().namespace().is_none() {
            *slot = Some(child);
        }
    }
    let values = RecordValues {
        id: id.map(|element| leaf_value(element, xml)),
        v4: v4.map(|element| leaf_value(element, xml)),
        v6: v6.map(|element| leaf_value(element, xml)),
    };
    check_record_values(&values, file, mapping, source, out, records);
}

/// The ID, V4 and V6 values of one `IP_MAP`, each when the element is present.
pub(crate) struct RecordValues<'a> {
    pub id: Option<LeafValue<'a>>,
    pub v4: Option<LeafValue<'a>>,
    pub v6: Option<LeafValue<'a>>,
}

/// Applies the value rules to the values of one `IP_MAP`, and collects its
/// record when both addresses are valid.
pub(crate) fn check_record_values(
    values: &RecordValues,
    file: &SourceFile,
    mapping: Mapping,
    source: RecordSource,
    out: &mut Vec<Diagnostic>,
    records: &mut RecordTable,
) {
    let max_severity = match source {
        RecordSource::Upload => Severity::Error,
        RecordSource::Response => Severity::Warning,
    };
    let site = |value: &LeafValue, label: &'static str| {
        let range = mapping.range(value.range.clone());
        ValueSite {
            file,
            offset: range.start,
            length: range.len(),
            verbatim: value.verbatim,
            label,
            max_severity,
        }
    };

    if let Some(value) = &values.id {
        check_id(value, &site(value, "element ID"), source, out);
    }
    let v4 = values.v4.as_ref().map(|value| {
        let site = site(value, "element V4");
        (
            rules::check_v4(&value.text, &site, out),
            value_span(value, &site),
        )
    });
    let v6 = values.v6.as_ref().map(|value| {
        let site = site(value, "element V6");
        (
            rules::check_v6(&value.text, &site, out),
            value_span(value, &site),
        )
    });
    if let (Some((Some(v4), v4_span)), Some((Some(v6), v6_span))) = (v4, v6) {
        records.push(v4, v6, v4_span, v6_span);
    }
}

/// Returns the span a record's value is reported at: the trimmed value when
/// it is verbatim, otherwise the whole element content.
fn value_span(value: &LeafValue, site: &ValueSite) -> Range<usize> {
    if site.verbatim {
        let (trimmed, start) = address::trim_ascii_whitespace(&value.text);
        site.offset + start..site.offset + start + trimmed.len()
    } else {
        site.offset..site.offset + site.length
    }
}

fn check_id(value: &LeafValue, site: &ValueSite, source: RecordSource, out: &mut Vec<Diagnostic>) {
    let (id, start) = address::trim_ascii_whitespace(&value.text);
    if id.len() != value.text.len() && !id.is_empty() {
        out.push(
            Diagnostic::new(
                Rule::WhitespaceInValue,
                format!("ID '{id}' has whitespace around it ({})", site.label),
            )
            .with_help(crate::rules::WHITESPACE_HELP)
            .at(site.location(0, value.text.len())),
        );
    }
    if source == RecordSource::Upload {
        out.push(
            Diagnostic::new(
                Rule::CustomIdIgnored,
                format!(
                    "custom ID '{id}' is accepted by Qualys but not saved ({})",
                    site.label
                ),
            )
            .with_help("delete the ID element: Qualys assigns its own ID to every record")
            .at(site.location(start, id.len())),
        );
    }
}
