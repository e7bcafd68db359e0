//! Input files held in memory, their decoding, and byte offset to line and column.
//!
//! Every reader works on a [`SourceFile`]: the file's text and name. Offsets are
//! byte offsets into that text, which equal offsets into the file except for a
//! UTF-16 input, which is transcoded to UTF-8 first.

use std::io::{self, Read};
use std::sync::{Arc, OnceLock};

use crate::diagnostic::{Diagnostic, Location, Rule};

/// The name shown for standard input.
pub const STDIN_NAME: &str = "<stdin>";

/// The largest input v6map reads: 2 GiB. Inputs are held in memory whole, so
/// an endless input such as `/dev/zero` has to stop somewhere. Every address
/// of the mapping range (16,711,679 records) makes an upload file of about
/// 1.2 GB.
pub const MAX_INPUT_BYTES: u64 = 2 << 30;

/// Reads `reader` to its end, but fails with `InvalidData` when it has more
/// than `limit` bytes. `size_hint` is the expected size, used to allocate once.
pub fn read_bounded(reader: &mut dyn Read, size_hint: u64, limit: u64) -> io::Result<Vec<u8>> {
    let capacity = usize::try_from(size_hint.min(limit).saturating_add(1)).unwrap_or(0);
    let mut bytes = Vec::with_capacity(capacity);
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(io::Error::new(
            io::ErrorKind::InvalidData,
            format!("the input is larger than {limit} bytes, the most v6map reads"),
        ));
    }
    Ok(bytes)
}

/// Reads a whole file, up to [`MAX_INPUT_BYTES`].
pub fn read_file(path: &str) -> io::Result<Vec<u8>> {
    let mut file = std::fs::File::open(path)?;
    let size_hint = file.metadata().map_or(0, |metadata| metadata.len());
    read_bounded(&mut file, size_hint, MAX_INPUT_BYTES)
}

/// One input file, decoded to UTF-8.
#[derive(Debug)]
pub struct SourceFile {
    name: Arc<str>,
    text: String,
    /// Byte offsets at which each line starts; built on first use.
    line_starts: OnceLock<Vec<usize>>,
    /// The number of characters before each [`CHAR_BLOCK`]-byte block; built on
    /// first use, so that a column costs at most one block's scan.
    chars_before_block: OnceLock<Vec<usize>>,
}

/// The block size of the character count index. Without the index, counting a
/// column scans its line from the start, and a million findings on one long
/// line cost a million scans of that line.
const CHAR_BLOCK: usize = 1024;

/// Counts the characters that start in `bytes`, which is part of valid UTF-8.
fn count_char_starts(bytes: &[u8]) -> usize {
    bytes.iter().filter(|&&byte| byte & 0xC0 != 0x80).count()
}

impl SourceFile {
    /// Wraps text that is already UTF-8.
    pub fn new(name: impl Into<Arc<str>>, text: String) -> SourceFile {
        SourceFile {
            name: name.into(),
            text,
            line_starts: OnceLock::new(),
            chars_before_block: OnceLock::new(),
        }
    }

    /// Decodes raw bytes. A UTF-16 file with a byte-order mark is transcoded; any
    /// other encoding problem becomes one diagnostic of `rule` with its offset.
    pub fn decode(
        name: impl Into<Arc<str>>,
        bytes: Vec<u8>,
        rule: Rule,
    ) -> Result<SourceFile, Box<Diagnostic>> {
        let name = name.into();
        let text = decode_text(&name, bytes, rule).map_err(|(diagnostic, _)| diagnostic)?;
        Ok(SourceFile::new(name, text))
    }

    /// Decodes raw bytes like [`Self::decode`], but on failure still returns
    /// a file, so the error can be shown in context. Invalid UTF-8 is replaced
    /// by U+FFFD, which keeps offsets exact up to the first bad byte. A file
    /// that cannot be decoded at all comes back empty.
    pub fn decode_lossy(
        name: impl Into<Arc<str>>,
        bytes: Vec<u8>,
        rule: Rule,
    ) -> (SourceFile, Option<Box<Diagnostic>>) {
        let name = name.into();
        match decode_text(&name, bytes, rule) {
            Ok(text) => (SourceFile::new(name, text), None),
            Err((diagnostic, lossy)) => (SourceFile::new(name, lossy), Some(diagnostic)),
        }
    }

    /// Returns the file name as the user gave it.
    pub fn name(&self) -> &Arc<str> {
        &self.name
    }

    /// Returns the decoded text.
    pub fn text(&self) -> &str {
        &self.text
    }

    fn line_starts(&self) -> &[usize] {
        self.line_starts
            .get_or_init(|| line_starts(self.text.as_bytes()))
    }

    /// Returns the 1-based line and column of a byte offset. The column counts
    /// characters. An offset past the end points just after the last character.
    pub fn line_column(&self, offset: usize) -> (u32, u32) {
        let offset = offset.min(self.text.len());
        let starts = self.line_starts();
        let line_index = match starts.binary_search(&offset) {
            Ok(index) => index,
            Err(index) => index - 1,
        };
        let line_start = starts[line_index];
        let mut end = offset;
        while !self.text.is_char_boundary(end) {
            end -= 1;
        }
        let column = self.chars_before(end) - self.chars_before(line_start) + 1;
        (saturate(line_index + 1), saturate(column))
    }

    /// Returns the number of characters before `offset`, which must be a
    /// character boundary.
    fn chars_before(&self, offset: usize) -> usize {
        let bytes = self.text.as_bytes();
        let blocks = self.chars_before_block.get_or_init(|| {
            let mut total = 0;
            let mut counts = Vec::with_capacity(bytes.len() / CHAR_BLOCK + 2);
            for block in bytes.chunks(CHAR_BLOCK) {
                counts.push(total);
                total += count_char_starts(block);
            }
            // The count before the block after the last, for offsets at the end.
            counts.push(total);
            counts
        });
        let block = offset / CHAR_BLOCK;
        let block_start = block * CHAR_BLOCK;
        blocks.get(block).copied().unwrap_or(0)
            + count_char_starts(bytes.get(block_start..offset).unwrap_or_default())
    }

    /// Returns the location of a byte span.
    pub fn location(&self, offset: usize, length: usize) -> Location {
        let (line, column) = self.line_column(offset);
        Location {
            file: self.name.clone(),
            line,
            column,
            offset,
            length,
        }
    }

    /// Returns the location of a subslice of [`Self::text`]. The slice must borrow
    /// from this file's text.
    pub fn location_of(&self, slice: &str) -> Location {
        let offset = (slice.as_ptr() as usize).saturating_sub(self.text.as_ptr() as usize);
        self.location(offset.min(self.text.len()), slice.len())
    }
}

fn saturate(value: usize) -> u32 {
    u32::try_from(value).unwrap_or(u32::MAX)
}

/// Computes where each physical line starts. CR LF, a lone LF and a lone CR each
/// end a line, so line numbers match what editors show whatever the line ends.
pub fn line_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut index = 0;
    while index < bytes.len() {
        match bytes[index] {
            b'\n' => starts.push(index + 1),
            b'\r' => {
                if bytes.get(index + 1) == Some(&b'\n') {
                    index += 1;
                }
                starts.push(index + 1);
            }
            _ => {}
        }
        index += 1;
    }
    starts
}

/// Returns the 1-based physical line of a byte offset in raw bytes, for errors
/// found before the file could be decoded.
fn line_of_raw_offset(bytes: &[u8], offset: usize) -> u32 {
    let starts = line_starts(&bytes[..offset.min(bytes.len())]);
    saturate(starts.len())
}

/// Returns the 1-based column of a byte offset in raw bytes, counting the
/// characters before it on its line (invalid bytes count as one each).
fn column_of_raw_offset(bytes: &[u8], offset: usize) -> u32 {
    let before = &bytes[..offset.min(bytes.len())];
    let line_start = before
        .iter()
        .rposition(|&byte| byte == b'\n' || byte == b'\r')
        .map_or(0, |position| position + 1);
    saturate(
        String::from_utf8_lossy(&before[line_start..])
            .chars()
            .count()
            + 1,
    )
}

/// Decodes a file's bytes. On failure returns the diagnostic and the best
/// text there is for showing it: lossy UTF-8, or nothing.
fn decode_text(
    name: &Arc<str>,
    bytes: Vec<u8>,
    rule: Rule,
) -> Result<String, (Box<Diagnostic>, String)> {
    let whole_file = |message: String, help: &str| {
        Box::new(
            Diagnostic::new(rule, message)
                .with_help(help.to_string())
                .at(Location {
                    file: name.clone(),
                    line: 1,
                    column: 1,
                    offset: 0,
                    length: 0,
                }),
        )
    };

    if bytes.starts_with(&[0xFF, 0xFE, 0, 0]) || bytes.starts_with(&[0, 0, 0xFE, 0xFF]) {
        let encoding = if bytes[0] == 0xFF {
            "UTF-32LE"
        } else {
            "UTF-32BE"
        };
        return Err((
            whole_file(
                format!("the file is {encoding} (it starts with a {encoding} byte-order mark), but v6map reads UTF-8 and UTF-16"),
                &format!("convert it with `iconv -f {encoding} -t UTF-8 FILE > FILE.utf8`"),
            ),
            String::new(),
        ));
    }
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let little_endian = bytes[0] == 0xFF;
        return transcode_utf16(&bytes[2..], little_endian).map_err(|offset| {
            let encoding = if little_endian { "UTF-16LE" } else { "UTF-16BE" };
            (
                whole_file(
                    format!("the file starts with a {encoding} byte-order mark, but byte {} is not valid {encoding}", offset + 2),
                    &format!("re-export the file, or convert it with `iconv -f {encoding} -t UTF-8 FILE > FILE.utf8`"),
                ),
                String::new(),
            )
        });
    }
    match String::from_utf8(bytes) {
        Ok(text) => {
            if let Some(offset) = memchr::memchr(0, text.as_bytes()) {
                let line = line_of_raw_offset(text.as_bytes(), offset);
                let looks_utf16 =
                    text.len() >= 4 && text.bytes().filter(|&b| b == 0).count() * 3 >= text.len();
                let (message, help) = if looks_utf16 {
                    (
                        format!("the file contains NUL bytes from byte {offset} (line {line}) on; it looks like UTF-16 without a byte-order mark"),
                        "save it as UTF-8 (Excel: \"CSV UTF-8\"), or convert it with `iconv -f UTF-16LE -t UTF-8 FILE > FILE.utf8`",
                    )
                } else {
                    (
                        format!("the file contains a NUL byte at byte {offset} (line {line}), so it is not a text file"),
                        "remove the NUL bytes, or check that this is the file you meant",
                    )
                };
                let mut error = whole_file(message, help);
                if let Some(location) = error.location.as_mut() {
                    location.offset = offset;
                    location.line = line;
                    location.column = column_of_raw_offset(text.as_bytes(), offset);
                }
                return Err((error, text));
            }
            Ok(text)
        }
        Err(error) => {
            let bytes = error.into_bytes();
            let offset = std::str::from_utf8(&bytes).map_or_else(|e| e.valid_up_to(), |_| 0);
            let line = line_of_raw_offset(&bytes, offset);
            let mut diagnostic = whole_file(
                format!(
                    "the file is not valid UTF-8: byte 0x{:02X} at byte {offset} (line {line}) cannot start or continue a UTF-8 character",
                    bytes[offset]
                ),
                "save the file as UTF-8; if it is Latin-1 or Windows-1252, convert it with `iconv -f WINDOWS-1252 -t UTF-8 FILE > FILE.utf8`",
            );
            if let Some(location) = diagnostic.location.as_mut() {
                location.offset = offset;
                location.line = line;
                location.column = column_of_raw_offset(&bytes, offset);
                location.length = 1;
            }
            Err((diagnostic, String::from_utf8_lossy(&bytes).into_owned()))
        }
    }
}

/// Transcodes UTF-16 without its byte-order mark; on failure returns the byte
/// offset of the first bad code unit.
fn transcode_utf16(bytes: &[u8], little_endian: bool) -> Result<String, usize> {
    if !bytes.len().is_multiple_of(2) {
        return Err(bytes.len() - 1);
    }
    let units = bytes.chunks_exact(2).map(|pair| {
        if little_endian {
            u16::from_le_bytes([pair[0], pair[1]])
        } else {
            u16::from_be_bytes([pair[0], pair[1]])
        }
    });
    let mut text = String::with_capacity(bytes.len() / 2);
    let mut unit_index = 0;
    for result in char::decode_utf16(units) {
        match result {
            Ok(character) => {
                unit_index += character.len_utf16();
                text.push(character);
            }
            Err(_) => return Err(unit_index * 2),
        }
    }
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_starts_all_line_ends() {
        assert_eq!(line_starts(b"a\nb\r\nc\rd"), vec![0, 2, 5, 7]);
    }

    #[test]
    fn line_column_counts_characters() {
        let file = SourceFile::new("t", "ab\n\u{e9}x\ry".to_string());
        assert_eq!(file.line_column(0), (1, 1));
        assert_eq!(file.line_column(3), (2, 1));
        assert_eq!(file.line_column(5), (2, 2));
        assert_eq!(file.line_column(7), (3, 1));
        assert_eq!(file.line_column(100), (3, 2));
    }

    #[test]
    fn decode_utf16le_with_bom() {
        let mut bytes = vec![0xFF, 0xFE];
        for unit in "a,b\r\n".encode_utf16() {
            bytes.extend_from_slice(&unit.to_le_bytes());
        }
        let file = SourceFile::decode("t", bytes, Rule::InventoryFormat).unwrap();
        assert_eq!(file.text(), "a,b\r\n");
    }

    #[test]
    fn decode_invalid_utf8_reports_offset() {
        let error =
            SourceFile::decode("t", b"ab\ncd\xE9f".to_vec(), Rule::InventoryFormat).unwrap_err();
        let location = error.location.unwrap();
        assert_eq!(location.offset, 5);
        assert_eq!(location.line, 2);
        assert_eq!(location.column, 3);
        assert!(error.message.contains("0xE9"), "{}", error.message);
    }

    #[test]
    fn decode_utf32_rejected() {
        let error = SourceFile::decode(
            "t",
            vec![0xFF, 0xFE, 0, 0, b'a', 0, 0, 0],
            Rule::InventoryFormat,
        )
        .unwrap_err();
        assert!(error.message.contains("UTF-32LE"), "{}", error.message);
    }
}
