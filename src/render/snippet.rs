//! Source excerpts for the human renderer.
//!
//! miette reads snippets from a [`SourceCode`]. Handing it the whole file would
//! make every label rescan the file from its start and print lines of any length.
//! A [`Snippet`] instead holds only the lines around the labels: each line is cut
//! to a window around its labels, and control characters are replaced by visible
//! symbols so that a source file cannot send escape sequences to the terminal.
//! Offsets in a snippet are offsets into this excerpt, not into the file.

use std::ops::Range;

use miette::{LabeledSpan, MietteError, MietteSpanContents, SourceCode, SourceSpan, SpanContents};

use crate::diagnostic::Location;
use crate::source::SourceFile;

/// The marker written where a line was cut.
const CUT: &str = "…";

/// The minimum number of characters kept on each side of a label on a cut line.
const MIN_PAD: usize = 4;

/// One label to place in a snippet.
pub(super) struct LabelRequest<'a> {
    pub location: &'a Location,
    pub text: Option<String>,
    pub primary: bool,
}

/// A line of the excerpt: its 1-based number in the file and its byte range in
/// the excerpt text, without the `\n` that follows it.
struct ExcerptLine {
    number: usize,
    start: usize,
    end: usize,
}

/// The line and column of a label as the producer located it, for the
/// `[file:line:col]` header.
struct Anchor {
    offset: usize,
    length: usize,
    line: usize,
    column: usize,
}

/// The lines of one file that one diagnostic shows.
pub(super) struct Snippet {
    name: String,
    text: String,
    lines: Vec<ExcerptLine>,
    anchors: Vec<Anchor>,
}

/// A label clamped to one line of the source.
struct PlacedLabel {
    line: usize,
    start: usize,
    end: usize,
}

impl Snippet {
    /// Builds the excerpt of `source` for `labels`, which must all be in that file,
    /// and returns it with the labels in excerpt offsets.
    ///
    /// `line_starts` is `source::line_starts` of the file's text. Lines longer than
    /// `max_line_chars` characters are cut around their labels. A span that runs past
    /// the end of its first line is cut at that line end.
    pub fn build(
        source: &SourceFile,
        line_starts: &[usize],
        labels: &[LabelRequest<'_>],
        max_line_chars: usize,
    ) -> (Snippet, Vec<LabeledSpan>) {
        let text = source.text();
        let placed: Vec<PlacedLabel> = labels
            .iter()
            .map(|label| place_label(text, line_starts, label.location))
            .collect();

        let mut shown_lines: Vec<usize> = Vec::new();
        for label in &placed {
            let last_line = line_starts.len().saturating_sub(1);
            let first = label.line.saturating_sub(1);
            let last = (label.line + 1).min(last_line);
            shown_lines.extend(first..=last);
        }
        shown_lines.sort_unstable();
        shown_lines.dedup();
        // The empty "line" after a final line end is not worth a row of its own.
        let text_end = text.len();
        shown_lines.retain(|&index| {
            line_starts.get(index) != Some(&text_end)
                || index == 0
                || placed.iter().any(|label| label.line == index)
        });

        let mut snippet = Snippet {
            name: source.name().to_string(),
            text: String::new(),
            lines: Vec::with_capacity(shown_lines.len()),
            anchors: Vec::with_capacity(labels.len()),
        };
        let mut excerpt_spans: Vec<Option<Range<usize>>> = vec![None; labels.len()];
        for &index in &shown_lines {
            let content = line_content(text, line_starts, index);
            let on_line: Vec<usize> = (0..placed.len())
                .filter(|&i| placed[i].line == index)
                .collect();
            let ranges: Vec<Range<usize>> = on_line
                .iter()
                .map(|&i| placed[i].start..placed[i].end)
                .collect();
            let (windows, ranges) = line_windows(text, content.clone(), ranges, max_line_chars);
            let mut boundaries: Vec<(usize, usize, bool)> = Vec::with_capacity(2 * ranges.len());
            for (k, &i) in on_line.iter().enumerate() {
                boundaries.push((ranges[k].start, i, true));
                boundaries.push((ranges[k].end, i, false));
            }
            boundaries.sort_unstable();

            let start = snippet.text.len();
            let mut positions: Vec<(usize, bool, usize)> = Vec::new();
            write_windows(
                &mut snippet.text,
                text,
                content,
                &windows,
                &boundaries,
                &mut positions,
            );
            let end = snippet.text.len();
            snippet.text.push('\n');
            snippet.lines.push(ExcerptLine {
                number: index + 1,
                start,
                end,
            });

            for (label, is_start, position) in positions {
                let span = excerpt_spans[label].get_or_insert(position..position);
                if is_start {
                    span.start = position;
                } else {
                    span.end = position;
                }
            }
        }

        let mut spans = Vec::with_capacity(labels.len());
        for (label, span) in labels.iter().zip(excerpt_spans) {
            let span = span.unwrap_or(0..0);
            let length = span.end.saturating_sub(span.start);
            snippet.anchors.push(Anchor {
                offset: span.start,
                length,
                line: label.location.line as usize,
                column: label.location.column as usize,
            });
            let labeled = if label.primary {
                LabeledSpan::new_primary_with_span(label.text.clone(), (span.start, length))
            } else {
                LabeledSpan::new_with_span(label.text.clone(), (span.start, length))
            };
            spans.push(labeled);
        }
        (snippet, spans)
    }

    /// Returns the index of the excerpt line that contains `offset`.
    fn line_at(&self, offset: usize) -> Option<usize> {
        let after = self.lines.partition_point(|line| line.start <= offset);
        let index = after.checked_sub(1)?;
        let line = self.lines.get(index)?;
        (offset <= line.end).then_some(index)
    }

    /// Returns true when the excerpt lines `first..=last` are consecutive in the file.
    fn contiguous(&self, first: usize, last: usize) -> bool {
        self.lines.get(first..=last).is_some_and(|lines| {
            lines
                .windows(2)
                .all(|pair| pair[0].number + 1 == pair[1].number)
        })
    }
}

impl SourceCode for Snippet {
    fn read_span<'a>(
        &'a self,
        span: &SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn SpanContents<'a> + 'a>, MietteError> {
        let span_end = span.offset().saturating_add(span.len().saturating_sub(1));
        let first = self
            .line_at(span.offset())
            .ok_or(MietteError::OutOfBounds)?;
        let last = self.line_at(span_end).ok_or(MietteError::OutOfBounds)?;
        // Lines on both sides of a gap in the excerpt would be numbered as if they
        // were neighbours, so a span across a gap is rejected and miette shows the
        // two parts as separate snippets.
        if !self.contiguous(first, last) {
            return Err(MietteError::OutOfBounds);
        }

        let mut context_first = first;
        for _ in 0..context_lines_before {
            if context_first == 0 || !self.contiguous(context_first - 1, context_first) {
                break;
            }
            context_first -= 1;
        }
        let mut context_last = last;
        for _ in 0..context_lines_after {
            if !self.contiguous(context_last, context_last + 1) {
                break;
            }
            context_last += 1;
        }

        let (Some(first_line), Some(last_line)) =
            (self.lines.get(context_first), self.lines.get(context_last))
        else {
            return Err(MietteError::OutOfBounds);
        };
        let data_range = first_line.start..last_line.end + 1;
        let data = self
            .text
            .as_bytes()
            .get(data_range.clone())
            .ok_or(MietteError::OutOfBounds)?;

        // The header shows where the producer located the label, which may differ
        // from the excerpt column when the line was cut.
        let anchor = self
            .anchors
            .iter()
            .find(|anchor| anchor.offset == span.offset() && anchor.length == span.len());
        let (line, column) = match anchor {
            Some(anchor) if context_lines_before == 0 => (
                anchor.line.saturating_sub(1),
                anchor.column.saturating_sub(1),
            ),
            _ => (first_line.number - 1, 0),
        };
        Ok(Box::new(MietteSpanContents::new_named(
            self.name.clone(),
            data,
            SourceSpan::new(data_range.start.into(), data.len()),
            line,
            column,
            context_last - context_first + 1,
        )))
    }
}

/// Clamps a location to the text: the offset to the end of the text and down to a
/// character boundary, the end up to a character boundary and to the end of the
/// offset's line.
fn place_label(text: &str, line_starts: &[usize], location: &Location) -> PlacedLabel {
    let mut start = location.offset.min(text.len());
    while !text.is_char_boundary(start) {
        start -= 1;
    }
    let line = line_starts
        .partition_point(|&line_start| line_start <= start)
        .saturating_sub(1);
    let content = line_content(text, line_starts, line);
    let start = start.clamp(content.start, content.end);
    let mut end = location
        .offset
        .saturating_add(location.length)
        .clamp(start, content.end);
    while !text.is_char_boundary(end) {
        end += 1;
    }
    PlacedLabel { line, start, end }
}

/// Returns the byte range of line `index` without its line end.
fn line_content(text: &str, line_starts: &[usize], index: usize) -> Range<usize> {
    let bytes = text.as_bytes();
    let start = line_starts
        .get(index)
        .copied()
        .unwrap_or(text.len())
        .min(text.len());
    let mut end = line_starts
        .get(index + 1)
        .copied()
        .unwrap_or(text.len())
        .min(text.len());
    if end > start && bytes.get(end - 1) == Some(&b'\n') {
        end -= 1;
    }
    if end > start && bytes.get(end - 1) == Some(&b'\r') {
        end -= 1;
    }
    start..end
}

/// Chooses the parts of a line to show: the whole line when it has at most
/// `max_chars` characters, otherwise a window around each label, merged where
/// they overlap. Returns the windows and the labels, each cut to at most half of
/// `max_chars` characters on a long line.
fn line_windows(
    text: &str,
    content: Range<usize>,
    labels: Vec<Range<usize>>,
    max_chars: usize,
) -> (Vec<Range<usize>>, Vec<Range<usize>>) {
    let line = &text[content.clone()];
    // A character takes at most four bytes, so a line of more than four bytes per
    // allowed character is long without counting.
    if line.len() <= max_chars || (line.len() <= 4 * max_chars && line.chars().count() <= max_chars)
    {
        return (vec![content], labels);
    }
    if labels.is_empty() {
        let head = content.start..forward(text, content.start, max_chars, content.end);
        return (vec![head], labels);
    }

    let max_label = (max_chars / 2).max(1);
    let capped: Vec<Range<usize>> = labels
        .iter()
        .map(|label| label.start..forward(text, label.start, max_label, label.end))
        .collect();
    let label_chars: usize = capped
        .iter()
        .map(|label| text[label.clone()].chars().count())
        .sum();
    let pad = (max_chars.saturating_sub(label_chars) / (2 * capped.len())).max(MIN_PAD);

    let mut windows: Vec<Range<usize>> = capped
        .iter()
        .map(|label| {
            back(text, label.start, pad, content.start)..forward(text, label.end, pad, content.end)
        })
        .collect();
    windows.sort_unstable_by_key(|window| window.start);
    let mut merged: Vec<Range<usize>> = Vec::with_capacity(windows.len());
    for window in windows {
        match merged.last_mut() {
            Some(last) if window.start <= last.end => last.end = last.end.max(window.end),
            _ => merged.push(window),
        }
    }
    (merged, capped)
}

/// Writes the windows of one line to `out`, with a cut marker wherever text was
/// left out, and records the excerpt position of each label boundary
/// `(source offset, label, is_start)` as `(label, is_start, excerpt offset)`.
///
/// A boundary inside a part that was left out (the end of a label cut to half the
/// line budget) is placed at the end of the window before it.
fn write_windows(
    out: &mut String,
    text: &str,
    content: Range<usize>,
    windows: &[Range<usize>],
    boundaries: &[(usize, usize, bool)],
    positions: &mut Vec<(usize, bool, usize)>,
) {
    let mut pending = boundaries.iter().peekable();
    let mut previous_end = content.start;
    for window in windows {
        while let Some(&&(offset, label, is_start)) = pending.peek() {
            if offset >= window.start {
                break;
            }
            positions.push((label, is_start, out.len()));
            pending.next();
        }
        if window.start > previous_end {
            out.push_str(CUT);
        }
        for (index, character) in text[window.clone()].char_indices() {
            while let Some(&&(offset, label, is_start)) = pending.peek() {
                if offset > window.start + index {
                    break;
                }
                positions.push((label, is_start, out.len()));
                pending.next();
            }
            out.push(visible(character));
        }
        while let Some(&&(offset, label, is_start)) = pending.peek() {
            if offset > window.end {
                break;
            }
            positions.push((label, is_start, out.len()));
            pending.next();
        }
        previous_end = window.end;
    }
    for &(_, label, is_start) in pending {
        positions.push((label, is_start, out.len()));
    }
    if previous_end < content.end {
        out.push_str(CUT);
    }
}

/// Replaces a control character with a visible one: C0 controls and DEL with
/// their Unicode control pictures, C1 controls with U+FFFD. Tabs stay, because
/// miette expands them.
pub(super) fn visible(character: char) -> char {
    match character {
        '\t' => '\t',
        '\u{0}'..='\u{1f}' => {
            char::from_u32(0x2400 + character as u32).unwrap_or(char::REPLACEMENT_CHARACTER)
        }
        '\u{7f}' => '\u{2421}',
        '\u{80}'..='\u{9f}' => char::REPLACEMENT_CHARACTER,
        _ => character,
    }
}

/// Returns the offset `count` characters before `from`, stopping at `floor`.
fn back(text: &str, from: usize, count: usize, floor: usize) -> usize {
    if count == 0 {
        return from;
    }
    text[floor..from]
        .char_indices()
        .rev()
        .take(count)
        .last()
        .map_or(from, |(index, _)| floor + index)
}

/// Returns the offset `count` characters after `from`, stopping at `ceiling`.
fn forward(text: &str, from: usize, count: usize, ceiling: usize) -> usize {
    text[from..ceiling]
        .char_indices()
        .nth(count)
        .map_or(ceiling, |(index, _)| from + index)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::line_starts;

    fn build(
        text: &str,
        spans: &[(usize, usize)],
        max_chars: usize,
    ) -> (Snippet, Vec<LabeledSpan>) {
        let source = SourceFile::new("t.xml", text.to_string());
        let starts = line_starts(text.as_bytes());
        let locations: Vec<Location> = spans
            .iter()
            .map(|&(offset, length)| source.location(offset, length))
            .collect();
        let requests: Vec<LabelRequest<'_>> = locations
            .iter()
            .map(|location| LabelRequest {
                location,
                text: None,
                primary: false,
            })
            .collect();
        Snippet::build(&source, &starts, &requests, max_chars)
    }

    fn labeled_text<'a>(snippet: &'a Snippet, span: &LabeledSpan) -> &'a str {
        &snippet.text[span.offset()..span.offset() + span.len()]
    }

    #[test]
    fn short_lines_kept_whole_with_context() {
        let (snippet, spans) = build("one\ntwo\nthree\nfour\n", &[(8, 5)], 40);
        assert_eq!(snippet.text, "two\nthree\nfour\n");
        assert_eq!(labeled_text(&snippet, &spans[0]), "three");
        assert_eq!(snippet.lines[0].number, 2);
    }

    #[test]
    fn final_empty_line_left_out() {
        let (snippet, _) = build("a\nb\n", &[(2, 1)], 40);
        assert_eq!(snippet.text, "a\nb\n");
    }

    #[test]
    fn long_line_cut_around_label() {
        let mut text = "x".repeat(1000);
        text.push_str("<V4>bad</V4>");
        text.push_str(&"y".repeat(1000));
        let (snippet, spans) = build(&text, &[(1004, 3)], 40);
        assert!(snippet.text.len() < 80, "{}", snippet.text);
        assert!(snippet.text.starts_with(CUT));
        assert!(snippet.text.trim_end().ends_with(CUT));
        assert_eq!(labeled_text(&snippet, &spans[0]), "bad");
    }

    #[test]
    fn two_labels_far_apart_on_one_line() {
        let text = format!("<V4>a</V4>{}<V4>b</V4>", "-".repeat(5000));
        let (snippet, spans) = build(&text, &[(4, 1), (5014, 1)], 40);
        assert_eq!(labeled_text(&snippet, &spans[0]), "a");
        assert_eq!(labeled_text(&snippet, &spans[1]), "b");
        assert_eq!(snippet.text.matches(CUT).count(), 1, "{}", snippet.text);
    }

    #[test]
    fn long_label_cut_to_half_budget() {
        let text = "z".repeat(10_000);
        let (snippet, spans) = build(&text, &[(100, 9_000)], 40);
        assert_eq!(spans[0].len(), 20);
        assert!(snippet.text.len() < 60, "{}", snippet.text);
    }

    #[test]
    fn span_past_end_clamped() {
        let (snippet, spans) = build("abc", &[(10, 5)], 40);
        assert_eq!(snippet.text, "abc\n");
        assert_eq!(spans[0].offset(), 3);
        assert_eq!(spans[0].len(), 0);
    }

    #[test]
    fn span_inside_character_widened() {
        // 'é' is two bytes at offsets 1..3; a span starting at 2 starts inside it.
        let (snippet, spans) = build("aéb", &[(2, 1)], 40);
        assert_eq!(labeled_text(&snippet, &spans[0]), "é");
    }

    #[test]
    fn span_across_lines_cut_at_line_end() {
        let (snippet, spans) = build("abc\ndef\n", &[(1, 5)], 40);
        assert_eq!(labeled_text(&snippet, &spans[0]), "bc");
    }

    #[test]
    fn control_characters_made_visible() {
        let (snippet, _) = build("a\u{1b}[31mb\u{9b}c", &[(0, 1)], 40);
        assert_eq!(snippet.text, "a\u{241b}[31mb\u{fffd}c\n");
    }

    #[test]
    fn bare_cr_ends_lines() {
        let (snippet, spans) = build("one\rtwo\rthree", &[(4, 3)], 40);
        assert_eq!(snippet.text, "one\ntwo\nthree\n");
        assert_eq!(labeled_text(&snippet, &spans[0]), "two");
    }

    #[test]
    fn read_span_refuses_gap() {
        let text = "1\n2\n3\n4\n5\n6\n7\n8\n";
        let (snippet, spans) = build(text, &[(0, 1), (14, 1)], 40);
        // Lines 1, 2, 7 and 8; the empty line after the final line end is left out.
        assert_eq!(snippet.lines.len(), 4);
        let joined = SourceSpan::new(
            spans[0].offset().into(),
            spans[1].offset() + 1 - spans[0].offset(),
        );
        assert!(snippet.read_span(&joined, 1, 1).is_err());
        let contents = snippet.read_span(spans[1].inner(), 1, 1).unwrap();
        assert_eq!(contents.line(), 6);
        assert_eq!(contents.line_count(), 2);
    }

    #[test]
    fn empty_text() {
        let (snippet, spans) = build("", &[(0, 0)], 40);
        assert_eq!(snippet.text, "\n");
        assert_eq!(spans[0].offset(), 0);
    }
}
