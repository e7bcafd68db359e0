//! Checking a big upload in chunks of `IP_MAP` elements.
//!
//! roxmltree keeps a whole document in memory as nodes, several times the
//! size of the text. For a big upload a small scanner finds where each child
//! of the root starts and ends, feeds the child names to the root's content
//! matcher, and cuts the children into chunks. Each chunk is wrapped in
//! `<IP_MAP_LIST>...</IP_MAP_LIST>`, parsed with roxmltree and checked like
//! the whole document would be, with offsets shifted back to the file.
//!
//! The scanner handles tags, quoted attribute values, comments, CDATA sections
//! and processing instructions. Whenever it meets anything else (text with
//! references at the root level, a DOCTYPE with an internal subset, root
//! attributes, or any chunk that does not parse), the caller parses the whole
//! document instead, so the diagnostics never depend on the chunking.
//!
//! NOTE: that fallback, and every list output, is parsed whole, which takes
//! several times the file's size in memory. Only uploads are chunked.

use std::cell::Cell;
use std::ops::Range;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Mutex};

use crate::diagnostic::Diagnostic;
use crate::dtd::Dtd;
use crate::source::SourceFile;

use super::records::RecordTable;
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
/// comment, a processing instruction or a CDATA section; `Some(None)` when it
/// is none of them, and `None` when it is not closed.
fn skip_special(bytes: &[u8], position: usize) -> Option<Option<usize>> {
    let (open, close): (&[u8], &[u8]) = match bytes.get(position + 1) {
        Some(b'?') => (b"<?", b"?>"),
        Some(b'!') => {
            let rest = bytes.get(position..)?;
            if rest.starts_with(b"<!--") {
                (b"<!--", b"-->")
            } else if rest.starts_with(b"<![CDATA[") {
                (b"<![CDATA[", b"]]>")
            } else {
                return Some(None);
            }
        }
        _ => return Some(None),
    };
    Some(find(bytes, position + open.len(), close).map(|end| end + close.len()))
}

/// Returns the position of the next `byte` at or after `from`. Text between
/// tags and the tags themselves are mostly short, so a plain loop over the
/// first 64 bytes runs before the vectorised search, whose setup costs more
/// than it saves on a few bytes.
fn find_byte(bytes: &[u8], from: usize, byte: u8) -> Option<usize> {
    let rest = bytes.get(from..)?;
    let near = rest
        .iter()
        .take(64)
        .position(|&candidate| candidate == byte);
    match near {
        Some(index) => Some(from + index),
        None if rest.len() > 64 => find(bytes, from + 64, &[byte]),
        None => None,
    }
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
        index = find_byte(bytes, index, b'<')?;
        if let Some(after) = skip_special(bytes, index)? {
            index = after;
            continue;
        }
        match bytes.get(index + 1) {
            Some(b'!') => return None,
            Some(b'/') => {
                index = find_byte(bytes, index, b'>')? + 1;
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
        .bytes()
        .position(|byte| is_space(byte) || matches!(byte, b'>' | b'/' | b'<'))
        .unwrap_or(rest.len());
    // The name ends at an ASCII byte, so `end` is a character boundary.
    rest.get(..end).unwrap_or_default()
}

/// Scans the root's children, feeding the content matcher on the way, and
/// passes each chunk of children to `emit` as soon as it is complete.
/// Returns `None` for anything the scanner does not handle and for any
/// mismatch of the root's content model. The caller then discards the chunks
/// emitted before.
fn scan(
    file: &SourceFile,
    xml_start: usize,
    prolog: &Prolog,
    dtd: Option<&Dtd>,
    tuning: &Tuning,
    emit: &mut dyn FnMut(Range<usize>),
) -> Option<()> {
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
    let mut chunk_start = content_start;
    let mut in_chunk = 0usize;
    let mut position = content_start;
    let content_end = loop {
        let next = find_byte(bytes, position, b'<')?;
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
                    emit(chunk_start..position);
                    chunk_start = position;
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

    emit(chunk_start..content_end);
    Some(())
}

/// The findings and records of one chunk.
struct ChunkResult {
    diagnostics: Vec<Diagnostic>,
    records: RecordTable,
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
        records: RecordTable::default(),
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
///
/// The calling thread scans and hands out chunks while the other threads
/// check them; when the scan ends, the calling thread checks chunks too.
pub(crate) fn check_chunked(
    file: &SourceFile,
    xml_start: usize,
    prolog: &Prolog,
    dtd: Option<&Dtd>,
    tuning: &Tuning,
) -> Option<(Vec<Diagnostic>, RecordTable)> {
    let (sender, receiver) = mpsc::channel::<(usize, Range<usize>)>();
    let receiver = Mutex::new(receiver);
    let results = Mutex::new(Vec::new());
    let failed = AtomicBool::new(false);
    let work = || loop {
        let next = match receiver.lock() {
            Ok(receiver) => receiver.recv(),
            Err(_) => break,
        };
        let Ok((index, range)) = next else {
            break;
        };
        if failed.load(Ordering::Relaxed) {
            continue;
        }
        match check_chunk(file, range, dtd) {
            Some(result) => {
                if let Ok(mut results) = results.lock() {
                    results.push((index, result));
                }
            }
            None => failed.store(true, Ordering::Relaxed),
        }
    };

    let chunk_count = Cell::new(0);
    let counter = &chunk_count;
    let mut emit = move |range: Range<usize>| {
        // The receiver lives until this function returns, so a send cannot fail.
        let _ = sender.send((counter.get(), range));
        counter.set(counter.get() + 1);
    };
    std::thread::scope(|scope| {
        for _ in 1..tuning.threads.max(1) {
            scope.spawn(work);
        }
        if scan(file, xml_start, prolog, dtd, tuning, &mut emit).is_none() {
            failed.store(true, Ordering::Relaxed);
        }
        // Dropping the sender ends the workers' loops once the queue is empty.
        drop(emit);
        work();
    });
    if failed.load(Ordering::Relaxed) {
        return None;
    }

    let mut results = results.into_inner().ok()?;
    if results.len() != chunk_count.get() {
        return None;
    }
    results.sort_unstable_by_key(|(index, _)| *index);
    let mut diagnostics = Vec::new();
    let mut records = RecordTable::default();
    for (_, result) in results {
        diagnostics.extend(result.diagnostics);
        records.append(result.records);
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
