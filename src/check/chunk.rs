//! Checking a big upload in chunks of `IP_MAP` elements.
//!
//! roxmltree keeps a whole document in memory as nodes, several times the
//! size of the text. For a big upload a small scanner finds where each child
//! of the root starts and ends, feeds the child names to the root's content
//! matcher, and cuts the children into chunks. Each chunk is wrapped in
//! `<IP_MAP_LIST>...</IP_MAP_LIST>`, parsed with roxmltree and checked like
//! the whole document would be, with offsets shifted back to the file.
//!
//! The scanner knows tags, quoted attribute values, comments, CDATA sections
//! and processing instructions. Whenever it meets anything else (text with
//! references at the root level, a DOCTYPE with an internal subset, root
//! attributes, or any chunk that does not parse), the caller parses the whole
//! document instead, so the diagnostics never depend on the chunking.

use std::ops::Range;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::diagnostic::Diagnostic;
use crate::dtd::Dtd;
use crate::source::SourceFile;

use super::records::{CompactRecord, RecordTable};
use super::xml::{self, Mapping, Prolog, RecordSource};
use super::Tuning;

const ROOT: &str = "IP_MAP_LIST";
const WRAPPER_START: &str = "<IP_MAP_LIST>";
const WRAPPER_END: &str = "</IP_MAP_LIST>";

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\r' | b'\n')
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    let rest = bytes.get(from..)?;
    match needle {
        [single] => memchr::memchr(*single, rest).map(|index| from + index),
        _ => memchr::memmem::find(rest, needle).map(|index| from + index),
    }
}

/// Returns the position after the construct at `position` when it is a
/// comment, a processing instruction or a CDATA section.
fn skip_special(bytes: &[u8], position: usize) -> Option<Option<usize>> {
    let rest = bytes.get(position..)?;
    let (open, close): (&[u8], &[u8]) = if rest.starts_with(b"<!--") {
        (b"<!--", b"-->")
    } else if rest.starts_with(b"<![CDATA[") {
        (b"<![CDATA[", b"]]>")
    } else if rest.starts_with(b"<?") {
        (b"<?", b"?>")
    } else {
        return Some(None);
    };
    Some(find(bytes, position + open.len(), close).map(|end| end + close.len()))
}

/// Returns the position after the start tag at `position` and whether it is
/// an empty-element tag. Attribute values may contain `>` inside quotes.
fn start_tag_end(bytes: &[u8], position: usize) -> Option<(usize, bool)> {
    let mut quote = None;
    let mut index = position + 1;
    while let Some(&byte) = bytes.get(index) {
        match (quote, byte) {
            (None, b'"' | b'\'') => quote = Some(byte),
            (Some(open), _) if byte == open => quote = None,
            (None, b'<') => return None,
            (None, b'>') => return Some((index + 1, bytes.get(index - 1) == Some(&b'/'))),
            _ => {}
        }
        index += 1;
    }
    None
}

/// Returns the end of the element that starts at `position`, by depth.
/// End tag names are not compared here; roxmltree checks them in the chunk.
fn element_end(bytes: &[u8], position: usize) -> Option<usize> {
    let mut depth = 0usize;
    let mut index = position;
    loop {
        if bytes.get(index) != Some(&b'<') {
            index = find(bytes, index, b"<")?;
        }
        if let Some(after) = skip_special(bytes, index)? {
            index = after;
            continue;
        }
        match bytes.get(index + 1) {
            Some(b'!') => return None,
            Some(b'/') => {
                index = find(bytes, index, b">")? + 1;
                depth = depth.checked_sub(1)?;
            }
            _ => {
                let (after, empty) = start_tag_end(bytes, index)?;
                index = after;
                if !empty {
                    depth += 1;
                }
            }
        }
        if depth == 0 {
            return Some(index);
        }
    }
}

fn name_at(text: &str, position: usize) -> &str {
    let rest = text.get(position..).unwrap_or_default();
    let end = rest
        .find(|c: char| c.is_ascii_whitespace() || matches!(c, '>' | '/' | '<'))
        .unwrap_or(rest.len());
    &rest[..end]
}

/// Where the root's children are and how they are cut into chunks.
struct Layout {
    /// The root element, from `<IP_MAP_LIST` to after its end tag.
    root: Range<usize>,
    /// The root's content, between its start and end tag.
    content: Range<usize>,
    /// Chunk starts, then `content.end`.
    boundaries: Vec<usize>,
}

/// Scans the root's children, feeding the content matcher on the way.
/// Returns `None` for anything the scanner does not handle and for any
/// mismatch of the root's content model.
fn scan(
    file: &SourceFile,
    xml_start: usize,
    prolog: &Prolog,
    dtd: Option<&Dtd>,
    tuning: &Tuning,
) -> Option<Layout> {
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
    let root_start = name_range.start - 1;
    let tag_end = name_range.end
        + bytes
            .get(name_range.end..)?
            .iter()
            .take_while(|&&byte| is_space(byte))
            .count();
    if bytes.get(tag_end) != Some(&b'>') {
        return None;
    }
    let content_start = tag_end + 1;

    // A mismatch at the root level makes the whole parse report it, with the
    // list of children that only the whole tree has.
    let mut matcher = dtd.and_then(|dtd| dtd.content_matcher(ROOT));
    let mut boundaries = vec![content_start];
    let mut in_chunk = 0usize;
    let mut position = content_start;
    let content_end = loop {
        let next = find(bytes, position, b"<")?;
        let run = &bytes[position..next];
        if !run.iter().all(|&byte| is_space(byte)) {
            if run.contains(&b'&') {
                return None;
            }
            if let Some(matcher) = matcher.as_mut() {
                matcher.feed_text().ok()?;
            }
        }
        position = next;
        if let Some(after) = skip_special(bytes, position)? {
            if bytes[position..].starts_with(b"<![CDATA[") {
                return None;
            }
            position = after;
            continue;
        }
        match bytes.get(position + 1) {
            Some(b'!') => return None,
            Some(b'/') => {
                if name_at(text, position + 2) != ROOT {
                    return None;
                }
                break position;
            }
            _ => {
                if in_chunk == tuning.chunk_records.max(1) {
                    boundaries.push(position);
                    in_chunk = 0;
                }
                let end = element_end(bytes, position)?;
                if let Some(matcher) = matcher.as_mut() {
                    matcher.feed_element(name_at(text, position + 1)).ok()?;
                }
                in_chunk += 1;
                position = end;
            }
        }
    };
    let root_end = find(bytes, content_end, b">")? + 1;
    if let Some(matcher) = matcher {
        matcher.finish().ok()?;
    }

    let mut position = root_end;
    while position < bytes.len() {
        if is_space(bytes[position]) {
            position += 1;
            continue;
        }
        match skip_special(bytes, position)? {
            Some(after) if !bytes[position..].starts_with(b"<![CDATA[") => position = after,
            _ => return None,
        }
    }

    // The prolog, the root's tags and the epilog must be well-formed on their own.
    let mut skeleton = String::with_capacity(content_start - xml_start + bytes.len() - content_end);
    skeleton.push_str(&text[xml_start..content_start]);
    skeleton.push_str(&text[content_end..]);
    xml::parse(&skeleton).ok()?;

    boundaries.push(content_end);
    Some(Layout {
        root: root_start..root_end,
        content: content_start..content_end,
        boundaries,
    })
}

/// What one chunk produced.
struct ChunkResult {
    diagnostics: Vec<Diagnostic>,
    records: Vec<CompactRecord>,
}

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
        records: Vec::new(),
    };
    let root = document.root_element();
    if let Some(dtd) = dtd {
        for child in root.children().filter(|child| child.is_element()) {
            xml::violation_diagnostics(
                file,
                mapping,
                dtd.validate_tree(child),
                &mut result.diagnostics,
            );
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

/// Checks the IP_MAP_LIST of an upload chunk by chunk. Returns `None` when
/// the document needs a whole parse; nothing has been reported then.
pub(crate) fn check_chunked(
    file: &SourceFile,
    xml_start: usize,
    prolog: &Prolog,
    dtd: Option<&Dtd>,
    tuning: &Tuning,
) -> Option<(Vec<Diagnostic>, RecordTable)> {
    let mut diagnostics = Vec::new();
    let layout = scan(file, xml_start, prolog, dtd, tuning)?;
    debug_assert!(layout.root.start < layout.content.start);
    let chunks: Vec<Range<usize>> = layout
        .boundaries
        .windows(2)
        .map(|pair| pair[0]..pair[1])
        .collect();

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
        match check_chunk(file, range.clone(), dtd) {
            Some(result) => {
                if let Ok(mut slot) = results[index].lock() {
                    *slot = Some(result);
                }
            }
            None => failed.store(true, Ordering::Relaxed),
        }
    };
    let threads = tuning.threads.clamp(1, chunks.len().max(1));
    if threads == 1 {
        work();
    } else {
        std::thread::scope(|scope| {
            for _ in 1..threads {
                scope.spawn(work);
            }
            work();
        });
    }
    if failed.load(Ordering::Relaxed) {
        return None;
    }

    let mut records = RecordTable::default();
    for slot in results {
        let result = slot.into_inner().ok()??;
        diagnostics.extend(result.diagnostics);
        records.push_part(result.records);
    }
    Some((diagnostics, records))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn element_end_handles_markup() {
        let text = br#"<IP_MAP a="x>y" b='/>'><!-- </IP_MAP> --><![CDATA[</IP_MAP>]]><?pi </IP_MAP>?><V4/></IP_MAP> tail"#;
        let end = element_end(text, 0).unwrap();
        assert_eq!(&text[end..], b" tail");
    }

    #[test]
    fn element_end_empty_element() {
        assert_eq!(element_end(b"<IP_MAP/><x/>", 0), Some(9));
    }

    #[test]
    fn element_end_unclosed() {
        assert_eq!(element_end(b"<IP_MAP><V4>", 0), None);
        assert_eq!(element_end(b"<IP_MAP><!DOCTYPE x></IP_MAP>", 0), None);
    }
}
