//! Checking a big upload in chunks of `IP_MAP` elements.
//!
//! roxmltree keeps a whole document in memory as nodes, several times the
//! size of the text. For a big upload the root's content is cut after an
//! `</IP_MAP>` end tag every few kilobytes. Each chunk is wrapped in
//! `<IP_MAP_LIST>...</IP_MAP_LIST>`, parsed with roxmltree and checked like
//! the whole document would be, with offsets shifted back to the file.
//!
//! A cut can land inside a comment, a CDATA section or a nested element.
//! Then a chunk does not parse, and the caller parses the whole document
//! instead. When every chunk parses, each is a balanced run of the root's
//! children, so together they form the same tree as the whole document and
//! the findings are the same. The caller also parses the whole document for
//! a DOCTYPE with an internal subset, root attributes, and any mismatch of
//! the root's own content model, whose message lists the root's children.
//!
//! NOTE: that fallback, and every list output, is parsed whole, which takes
//! several times the file's size in memory. Only uploads are chunked.
//!
//! Most chunks contain only `IP_MAP` elements in the layout `generate`
//! writes: `<IP_MAP>`, an optional `<ID>`, then `<V4>` and `<V6>`, each with
//! plain text, and white space between the tags. The plain reader takes such
//! elements straight from the bytes, without building a tree. Plain text is
//! printable ASCII without `<`, `>` and `&`, plus tab and line feed. An XML
//! parser reads such text as exactly its bytes, because it contains no
//! reference, no CDATA section, no line end to normalise and no character
//! that XML forbids. Such an element is well-formed, and the bundled DTD
//! accepts it (checked once per document on a sample), so the reader applies
//! the value rules to its values directly. At the first element that does
//! not fit, the rest of the chunk goes to roxmltree, which reports it as before.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use roxmltree::NodeType;

use crate::diagnostic::Diagnostic;
use crate::dtd::Dtd;
use crate::source::SourceFile;

use super::records::RecordTable;
use super::xml::{self, LeafValue, Mapping, Prolog, RecordSource, RecordValues};
use super::Tuning;

const ROOT: &str = "IP_MAP_LIST";
const ROOT_END: &[u8] = b"</IP_MAP_LIST";
const CUT_AFTER: &[u8] = b"</IP_MAP>";
const WRAPPER_START: &str = "<IP_MAP_LIST>";
const WRAPPER_END: &str = "</IP_MAP_LIST>";

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

/// Returns the position after the comment or processing instruction at
/// `position`, or `None` when there is none or it is not closed.
fn skip_comment_or_pi(bytes: &[u8], position: usize) -> Option<usize> {
    let rest = bytes.get(position..)?;
    let (open, close): (&[u8], &[u8]) = if rest.starts_with(b"<!--") {
        (b"<!--", b"-->")
    } else if rest.starts_with(b"<?") {
        (b"<?", b"?>")
    } else {
        return None;
    };
    let end = memchr::memmem::find(&rest[open.len()..], close)?;
    Some(position + open.len() + end + close.len())
}

/// The root element's content and where it is cut into chunks.
struct Layout {
    /// Chunk ranges in the file, in order, covering the root's content.
    chunks: Vec<Range<usize>>,
}

/// Finds the root's content and cuts it. Returns `None` when the document
/// does not have the simple shape that chunking needs.
fn layout(file: &SourceFile, xml_start: usize, prolog: &Prolog, tuning: &Tuning) -> Option<Layout> {
    let text = file.text();
    let bytes = text.as_bytes();
    let (name, name_range) = prolog.root.as_ref()?;
    if name != ROOT
        || prolog
            .doctype
            .as_ref()
            .is_some_and(|doctype| doctype.has_subset)
    {
        return None;
    }

    // The root start tag must have no attributes, so that the wrapper is the same element.
    let spaces = bytes
        .get(name_range.end..)?
        .iter()
        .take_while(|&&byte| is_space(byte))
        .count();
    let tag_end = name_range.end + spaces;
    if bytes.get(tag_end) != Some(&b'>') {
        return None;
    }
    let content_start = tag_end + 1;

    // The last root end tag; one inside a trailing comment makes a chunk or the skeleton fail.
    let content_end = content_start + memchr::memmem::rfind(bytes.get(content_start..)?, ROOT_END)?;
    let after_name = content_end + ROOT_END.len();
    let spaces = bytes
        .get(after_name..)?
        .iter()
        .take_while(|&&byte| is_space(byte))
        .count();
    if bytes.get(after_name + spaces) != Some(&b'>') {
        return None;
    }
    let mut position = after_name + spaces + 1;
    while position < bytes.len() {
        if is_space(bytes[position]) {
            position += 1;
        } else {
            position = skip_comment_or_pi(bytes, position)?;
        }
    }

    // The prolog, the root's tags and the epilog must be well-formed on their own.
    let mut skeleton = String::with_capacity(content_start - xml_start + bytes.len() - content_end);
    skeleton.push_str(text.get(xml_start..content_start)?);
    skeleton.push_str(text.get(content_end..)?);
    xml::parse(&skeleton).ok()?;

    let mut chunks = Vec::new();
    let mut start = content_start;
    while start < content_end {
        let target = start + tuning.chunk_bytes.max(1);
        let end = if target >= content_end {
            content_end
        } else {
            memchr::memmem::find(&bytes[target..content_end], CUT_AFTER)
                .map_or(content_end, |index| target + index + CUT_AFTER.len())
        };
        chunks.push(start..end);
        start = end;
    }
    Some(Layout { chunks })
}

/// Returns the element name as written (with any prefix) in the tag at `start`.
fn qualified_name(text: &str, start: usize) -> &str {
    let rest = text.get(start + 1..).unwrap_or_default();
    let end = rest
        .bytes()
        .position(|byte| is_space(byte) || matches!(byte, b'>' | b'/'))
        .unwrap_or(rest.len());
    // The name ends at an ASCII byte, so `end` is a character boundary.
    rest.get(..end).unwrap_or_default()
}

/// A child of the root as input to the root's content model: a run of
/// `count` elements with the same name, or non-white-space text.
#[derive(Debug)]
enum RootChild {
    Elements { name: String, count: usize },
    Text,
}

/// The findings and records of one chunk, and the root's children in it.
struct ChunkResult {
    diagnostics: Vec<Diagnostic>,
    records: RecordTable,
    children: Vec<RootChild>,
}

/// Checks one chunk. Returns `None` when it does not parse or has text at
/// the root level that is not plain white space.
fn check_chunk(file: &SourceFile, range: Range<usize>, dtd: Option<&Dtd>) -> Option<ChunkResult> {
    let content = file.text().get(range.clone())?;
    let mut wrapped =
        String::with_capacity(WRAPPER_START.len() + content.len() + WRAPPER_END.len());
    wrapped.push_str(WRAPPER_START);
    wrapped.push_str(content);
    wrapped.push_str(WRAPPER_END);
    let document = xml::parse(&wrapped).ok()?;
    let mapping = Mapping {
        base: range.start,
        synthetic: WRAPPER_START.len(),
    };
    let mut result = ChunkResult {
        diagnostics: Vec::new(),
        records: RecordTable::default(),
        children: Vec::new(),
    };

    let root = document.root_element();
    for child in root.children() {
        match child.node_type() {
            NodeType::Element => {
                let name = qualified_name(&wrapped, child.range().start);
                match result.children.last_mut() {
                    Some(RootChild::Elements { name: last, count }) if last == name => *count += 1,
                    _ => result.children.push(RootChild::Elements {
                        name: name.to_string(),
                        count: 1,
                    }),
                }
                // NOTE: each child is validated alone, so ID attributes would not be
                // compared across children; ip_map_list.dtd declares no attributes.
                if let Some(dtd) = dtd {
                    xml::violation_diagnostics(
                        file,
                        mapping,
                        dtd.validate_tree(child),
                        &mut result.diagnostics,
                    );
                }
            }
            NodeType::Text => {
                // roxmltree merges text and CDATA sections into one node whose
                // range may cover only the first piece, so the raw text is
                // taken from sibling to sibling. A reference or CDATA section
                // at the root level is rare; the whole parse reports it exactly.
                let start = child
                    .prev_sibling()
                    .map_or(WRAPPER_START.len(), |node| node.range().end);
                let end = child
                    .next_sibling()
                    .map_or(wrapped.len() - WRAPPER_END.len(), |node| node.range().start);
                let raw = wrapped.get(start..end).unwrap_or_default();
                if raw.contains(['&', '<']) {
                    return None;
                }
                if !child.text().unwrap_or_default().bytes().all(is_space) {
                    result.children.push(RootChild::Text);
                }
            }
            _ => {}
        }
    }
    xml::check_records(
        root,
        &wrapped,
        file,
        mapping,
        RecordSource::Upload,
        &mut result.diagnostics,
        &mut result.records,
    );
    Some(result)
}

/// Whether a byte may appear in the text of a value that the plain reader
/// takes: printable ASCII except `<`, `>` and `&`, plus tab and line feed.
static PLAIN_TEXT: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x7F {
        table[byte] = !matches!(byte as u8, b'<' | b'>' | b'&');
        byte += 1;
    }
    table[b'\t' as usize] = true;
    table[b'\n' as usize] = true;
    table
};

/// The bytes per record assumed when a chunk reserves room for its records:
/// the length of `<IP_MAP><V4>0.0.0.1</V4><V6>::</V6></IP_MAP>`. A chunk
/// of shorter elements only makes its table grow.
const SHORTEST_PLAIN_IP_MAP: usize = 44;

/// The maximum number of records a chunk reserves room for. A chunk is much
/// longer than `Tuning::chunk_bytes` only when an element in it is, so such a
/// chunk contains few records.
const MAX_RESERVED_RECORDS: usize = 4096;

/// A leaf element such as `<V4>text</V4>` read by the plain reader.
#[derive(Clone, Debug, PartialEq, Eq)]
struct PlainLeaf {
    /// The whole element, from `<` of the start tag to `>` of the end tag.
    element: Range<usize>,
    /// The text between the tags.
    content: Range<usize>,
}

/// An `IP_MAP` element in the layout that the plain reader takes.
#[derive(Debug, PartialEq, Eq)]
struct PlainIpMap {
    /// The position after `</IP_MAP>`.
    end: usize,
    id: Option<PlainLeaf>,
    v4: PlainLeaf,
    v6: PlainLeaf,
}

/// Returns the first position at or after `position` that is not XML white space.
fn skip_space(bytes: &[u8], mut position: usize, end: usize) -> usize {
    while position < end && bytes.get(position).copied().is_some_and(is_space) {
        position += 1;
    }
    position
}

/// Reads `open`, plain text and `close` at `start`, all before `end`.
fn plain_leaf(
    bytes: &[u8],
    start: usize,
    end: usize,
    open: &[u8],
    close: &[u8],
) -> Option<PlainLeaf> {
    let inner = bytes.get(start..end)?.strip_prefix(open)?;
    let length = inner
        .iter()
        .position(|&byte| !PLAIN_TEXT[usize::from(byte)])
        .unwrap_or(inner.len());
    if !inner.get(length..)?.starts_with(close) {
        return None;
    }
    let content_start = start + open.len();
    let content_end = content_start + length;
    Some(PlainLeaf {
        element: start..content_end + close.len(),
        content: content_start..content_end,
    })
}

/// Reads an `IP_MAP` at `start` when it has the plain layout and ends before `end`.
fn plain_ip_map(bytes: &[u8], start: usize, end: usize) -> Option<PlainIpMap> {
    const OPEN: &[u8] = b"<IP_MAP>";
    if !bytes.get(start..end)?.starts_with(OPEN) {
        return None;
    }
    let mut position = skip_space(bytes, start + OPEN.len(), end);
    let id = if bytes.get(position..end)?.starts_with(b"<ID>") {
        let leaf = plain_leaf(bytes, position, end, b"<ID>", b"</ID>")?;
        position = skip_space(bytes, leaf.element.end, end);
        Some(leaf)
    } else {
        None
    };
    let v4 = plain_leaf(bytes, position, end, b"<V4>", b"</V4>")?;
    position = skip_space(bytes, v4.element.end, end);
    let v6 = plain_leaf(bytes, position, end, b"<V6>", b"</V6>")?;
    position = skip_space(bytes, v6.element.end, end);
    if !bytes.get(position..end)?.starts_with(CUT_AFTER) {
        return None;
    }
    Some(PlainIpMap {
        end: position + CUT_AFTER.len(),
        id,
        v4,
        v6,
    })
}

/// Returns the value of a plain leaf as roxmltree would give it: the text,
/// or for an empty element no text located at the whole element.
fn plain_value<'a>(text: &'a str, leaf: &PlainLeaf) -> LeafValue<'a> {
    if leaf.content.is_empty() {
        LeafValue {
            text: Cow::Borrowed(""),
            range: leaf.element.clone(),
            verbatim: false,
        }
    } else {
        LeafValue {
            text: Cow::Borrowed(text.get(leaf.content.clone()).unwrap_or_default()),
            range: leaf.content.clone(),
            verbatim: true,
        }
    }
}

/// `IP_MAP` elements in the plain layout: with and without ID, with and
/// without white space, with empty values. Each must be valid against the
/// DTD for the plain reader to skip validation.
const PLAIN_SAMPLE: &str =
    "<IP_MAP_LIST><IP_MAP>\n <ID> a\t</ID>\n<V4>a</V4> <V6>\n</V6>\r\n</IP_MAP>\
                            <IP_MAP><V4></V4><V6>a</V6></IP_MAP></IP_MAP_LIST>";

/// Returns true when the DTD accepts every `IP_MAP` in the plain layout.
fn plain_layout_is_valid(dtd: Option<&Dtd>) -> bool {
    let Some(dtd) = dtd else {
        return true;
    };
    let Ok(document) = xml::parse(PLAIN_SAMPLE) else {
        return false;
    };
    document
        .root_element()
        .children()
        .filter(|child| child.is_element())
        .all(|child| dtd.validate_tree(child).is_empty())
}

/// Checks one chunk, reading plain `IP_MAP` elements directly and the rest
/// from the first other one with [`check_chunk`]. Returns what
/// [`check_chunk`] returns for the whole chunk.
fn check_chunk_plain(
    file: &SourceFile,
    range: Range<usize>,
    dtd: Option<&Dtd>,
) -> Option<ChunkResult> {
    let text = file.text();
    let bytes = text.as_bytes();
    let end = range.end.min(bytes.len());

    // Room for every record, so that the table does not grow. The room that
    // no record takes is returned after the loop.
    let mut result = ChunkResult {
        diagnostics: Vec::new(),
        records: RecordTable::with_capacity(
            range.start,
            (range.len() / SHORTEST_PLAIN_IP_MAP).min(MAX_RESERVED_RECORDS),
        ),
        children: Vec::new(),
    };
    // Ranges are the file's own, so the mapping is the identity.
    let mapping = Mapping {
        base: 0,
        synthetic: 0,
    };

    let mut position = range.start;
    let mut count = 0;
    loop {
        let next = skip_space(bytes, position, end);
        if next >= end {
            position = end;
            break;
        }
        let Some(ip_map) = plain_ip_map(bytes, next, end) else {
            break;
        };
        let values = RecordValues {
            id: ip_map.id.as_ref().map(|leaf| plain_value(text, leaf)),
            v4: Some(plain_value(text, &ip_map.v4)),
            v6: Some(plain_value(text, &ip_map.v6)),
        };
        xml::check_record_values(
            &values,
            file,
            mapping,
            RecordSource::Upload,
            &mut result.diagnostics,
            &mut result.records,
        );
        count += 1;
        position = ip_map.end;
    }
    result.records.shrink_to_fit();

    if count > 0 {
        result.children.push(RootChild::Elements {
            name: "IP_MAP".to_string(),
            count,
        });
    }

    if position < range.end {
        let rest = check_chunk(file, position..range.end, dtd)?;
        result.children.extend(rest.children);
        result.diagnostics.extend(rest.diagnostics);
        result.records.append(rest.records);
    }
    Some(result)
}

/// Checks the IP_MAP_LIST of an upload chunk by chunk on `tuning.threads`
/// threads. Returns `None` when the document needs a whole parse; nothing
/// has been reported then.
pub(crate) fn check_chunked(
    file: &SourceFile,
    xml_start: usize,
    prolog: &Prolog,
    dtd: Option<&Dtd>,
    tuning: &Tuning,
) -> Option<(Vec<Diagnostic>, RecordTable)> {
    let layout = layout(file, xml_start, prolog, tuning)?;
    let chunks = &layout.chunks;
    let plain = tuning.fast_path && plain_layout_is_valid(dtd);
    let results: Vec<Mutex<Option<ChunkResult>>> =
        chunks.iter().map(|_| Mutex::new(None)).collect();
    let next = AtomicUsize::new(0);
    let failed = AtomicBool::new(false);
    let work = || loop {
        let index = next.fetch_add(1, Ordering::Relaxed);
        let Some(range) = chunks.get(index) else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            break;
        }
        let result = if plain {
            check_chunk_plain(file, range.clone(), dtd)
        } else {
            check_chunk(file, range.clone(), dtd)
        };
        match result {
            Some(result) => {
                if let Ok(mut slot) = results[index].lock() {
                    *slot = Some(result);
                }
            }
            None => failed.store(true, Ordering::Relaxed),
        }
    };
    let threads = tuning.threads.clamp(1, chunks.len().max(1));
    std::thread::scope(|scope| {
        for _ in 1..threads {
            scope.spawn(work);
        }
        work();
    });
    if failed.load(Ordering::Relaxed) {
        return None;
    }

    // The root's content model is fed the children of all chunks in order.
    let mut matcher = dtd.and_then(|dtd| dtd.content_matcher(ROOT));
    let mut diagnostics = Vec::new();
    let mut records = RecordTable::default();
    for slot in results {
        let result = slot.into_inner().ok()??;
        if let Some(matcher) = matcher.as_mut() {
            for child in &result.children {
                match child {
                    RootChild::Elements { name, count } => {
                        matcher.feed_elements(name, *count).ok()?;
                    }
                    RootChild::Text => matcher.feed_text().ok()?,
                }
            }
        }
        diagnostics.extend(result.diagnostics);
        records.append(result.records);
    }
    if let Some(matcher) = matcher {
        matcher.finish().ok()?;
    }
    Some((diagnostics, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comment_and_pi_skipped() {
        assert_eq!(skip_comment_or_pi(b"<!-- a -->x", 0), Some(10));
        assert_eq!(skip_comment_or_pi(b"<?pi a?>x", 0), Some(8));
        assert_eq!(skip_comment_or_pi(b"<!-- a", 0), None);
        assert_eq!(skip_comment_or_pi(b"<![CDATA[x]]>", 0), None);
    }

    #[test]
    fn plain_sample_is_plain_and_valid() {
        let bytes = PLAIN_SAMPLE.as_bytes();
        let end = bytes.len() - WRAPPER_END.len();
        let first = plain_ip_map(bytes, WRAPPER_START.len(), end).unwrap();
        assert!(first.id.is_some());
        let second = plain_ip_map(bytes, first.end, end).unwrap();
        assert_eq!(second.end, end);
        assert!(second.id.is_none());
        assert!(second.v4.content.is_empty());
        assert!(plain_layout_is_valid(Dtd::bundled("ip_map_list")));
        assert!(plain_layout_is_valid(None));
    }

    #[test]
    fn plain_leaf_takes_only_plain_text() {
        let leaf = |text: &str| plain_leaf(text.as_bytes(), 0, text.len(), b"<V4>", b"</V4>");
        assert_eq!(
            leaf("<V4> 0.0.0.1\t</V4>"),
            Some(PlainLeaf {
                element: 0..18,
                content: 4..13
            })
        );
        assert_eq!(leaf("<V4></V4>").map(|leaf| leaf.content), Some(4..4));
        for text in [
            "<V4>a&amp;</V4>",
            "<V4>a\r</V4>",
            "<V4>a></V4>",
            "<V4>\u{e9}</V4>",
            "<V4>\u{1}</V4>",
            "<V4 >a</V4>",
            "<V4>a</V4 >",
            "<V4/>",
            "<V4>a</V6>",
            "<V4>a",
        ] {
            assert_eq!(leaf(text), None, "{text:?}");
        }
    }
}
