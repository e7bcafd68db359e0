//! A small exact JSON lexer (RFC 8259) that keeps byte offsets.
//!
//! The inventory reader needs what `serde_json::Value` loses: repeated keys,
//! the position of every value, and numbers as written (a 128-bit integer must
//! be reported as written, not rounded to `f64`). The lexer reads one value at
//! a time and never builds a tree. Nested arrays and objects are skipped with
//! an explicit stack, so deep nesting cannot overflow the call stack.

use std::borrow::Cow;

/// A JSON syntax error at a byte offset of the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct SyntaxError {
    /// Byte offset of the error.
    pub offset: usize,
    /// Description of the error, without its position.
    pub message: String,
    /// True when a value in JSON Lines mode continued past the end of its line.
    pub crossed_line: bool,
}

/// A decoded JSON string and the place of its text in the file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct JsonString<'t> {
    /// The decoded text.
    pub value: Cow<'t, str>,
    /// Offset of the first byte after the opening quote.
    pub offset: usize,
    /// Length in bytes of the raw text between the quotes.
    pub length: usize,
    /// True when the string has no escapes, so `value` equals the raw text.
    pub verbatim: bool,
}

/// One JSON value, with what messages need to describe it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Value<'t> {
    String(JsonString<'t>),
    /// A number as written.
    Number(&'t str),
    /// `true`, `false` or `null`.
    Literal(&'static str),
    Array,
    Object,
}

impl Value<'_> {
    /// Describes the value for "found ..." messages, such as `number 1` or `null`.
    pub fn describe(&self) -> String {
        match self {
            Value::String(string) => format!("string \"{}\"", shorten(&string.value)),
            Value::Number(number) => format!("number {}", shorten(number)),
            Value::Literal(literal) => (*literal).to_string(),
            Value::Array => "an array".to_string(),
            Value::Object => "an object".to_string(),
        }
    }
}

/// Cuts long text for messages.
fn shorten(text: &str) -> Cow<'_, str> {
    const MAX_CHARS: usize = 60;
    match text.char_indices().nth(MAX_CHARS) {
        Some((end, _)) => Cow::Owned(format!("{}...", &text[..end])),
        None => Cow::Borrowed(text),
    }
}

/// A cursor over JSON text.
#[derive(Clone, Debug)]
pub(super) struct Lexer<'t> {
    text: &'t str,
    position: usize,
    /// Rejects a line end inside a value, for JSON Lines.
    single_line: bool,
}

impl<'t> Lexer<'t> {
    /// Creates a lexer at byte `position` of `text`.
    pub fn new(text: &'t str, position: usize, single_line: bool) -> Lexer<'t> {
        Lexer {
            text,
            position,
            single_line,
        }
    }

    /// Returns the current byte offset.
    pub fn position(&self) -> usize {
        self.position
    }

    /// Returns the next byte without consuming it.
    pub fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.position).copied()
    }

    /// Consumes one byte.
    pub fn bump(&mut self) {
        self.position += 1;
    }

    /// Skips whitespace between top-level values, line ends included.
    pub fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.position += 1;
        }
    }

    /// Skips spaces and tabs, stopping at a line end.
    pub fn skip_space_in_line(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t')) {
            self.position += 1;
        }
    }

    /// Skips whitespace inside a value. In single-line mode a line end there
    /// is an error, because a JSON Lines value must end on its line.
    pub fn skip_inner_space(&mut self) -> Result<(), SyntaxError> {
        loop {
            match self.peek() {
                Some(b' ' | b'\t') => self.position += 1,
                Some(b'\n' | b'\r') if self.single_line => {
                    return Err(SyntaxError {
                        offset: self.position,
                        message: "the line ends before the value is complete; JSON Lines needs each object on one line".to_string(),
                        crossed_line: true,
                    })
                }
                Some(b'\n' | b'\r') => self.position += 1,
                _ => return Ok(()),
            }
        }
    }

    /// Creates an error at the current position that names what was found there.
    pub fn error(&self, expected: &str) -> SyntaxError {
        SyntaxError {
            offset: self.position,
            message: format!("expected {expected}, found {}", self.found()),
            crossed_line: false,
        }
    }

    fn error_at(&self, offset: usize, message: String) -> SyntaxError {
        SyntaxError {
            offset,
            message,
            crossed_line: false,
        }
    }

    /// Describes the text at the current position.
    fn found(&self) -> String {
        match self
            .text
            .get(self.position..)
            .and_then(|rest| rest.chars().next())
        {
            None => "the end of the file".to_string(),
            Some('\n' | '\r') => "the end of the line".to_string(),
            Some(character) if character.is_control() || character.is_whitespace() => {
                format!("U+{:04X}", u32::from(character))
            }
            Some(character) => format!("'{character}'"),
        }
    }

    /// Consumes `byte`, or returns an error that names `expected`.
    pub fn expect(&mut self, byte: u8, expected: &str) -> Result<(), SyntaxError> {
        if self.peek() == Some(byte) {
            self.position += 1;
            Ok(())
        } else {
            Err(self.error(expected))
        }
    }

    /// Reads a string; the lexer must be at its opening quote.
    pub fn string(&mut self) -> Result<JsonString<'t>, SyntaxError> {
        let open = self.position;
        self.expect(b'"', "'\"'")?;
        let start = self.position;
        let bytes = self.text.as_bytes();

        // Most strings have no escapes and borrow from the text.
        loop {
            match bytes.get(self.position) {
                Some(b'"') => {
                    let value = self.text.get(start..self.position).unwrap_or_default();
                    self.position += 1;
                    return Ok(JsonString {
                        value: Cow::Borrowed(value),
                        offset: start,
                        length: value.len(),
                        verbatim: true,
                    });
                }
                Some(b'\\') => break,
                Some(&byte) if byte < 0x20 => return Err(self.control_character(byte)),
                Some(_) => self.position += 1,
                None => return Err(self.unterminated(open)),
            }
        }

        let mut value = String::from(self.text.get(start..self.position).unwrap_or_default());
        loop {
            let run_start = self.position;
            while bytes
                .get(self.position)
                .is_some_and(|&byte| byte != b'"' && byte != b'\\' && byte >= 0x20)
            {
                self.position += 1;
            }
            value.push_str(self.text.get(run_start..self.position).unwrap_or_default());
            match bytes.get(self.position) {
                Some(b'"') => {
                    let length = self.position - start;
                    self.position += 1;
                    return Ok(JsonString {
                        value: Cow::Owned(value),
                        offset: start,
                        length,
                        verbatim: false,
                    });
                }
                Some(b'\\') => value.push(self.escape()?),
                Some(&byte) => return Err(self.control_character(byte)),
                None => return Err(self.unterminated(open)),
            }
        }
    }

    fn unterminated(&self, open: usize) -> SyntaxError {
        self.error_at(open, "the string is never closed with '\"'".to_string())
    }

    fn control_character(&self, byte: u8) -> SyntaxError {
        let message = if byte == b'\n' || byte == b'\r' {
            "the string is not closed before the end of the line; write a line break inside a string as \\n".to_string()
        } else {
            format!("control character U+{byte:04X} inside a string; write it as \\u{byte:04x}")
        };
        self.error_at(self.position, message)
    }

    /// Decodes one escape sequence; the lexer is at its backslash.
    fn escape(&mut self) -> Result<char, SyntaxError> {
        let start = self.position;
        self.position += 1;
        let Some(&kind) = self.text.as_bytes().get(self.position) else {
            return Err(self.error_at(
                start,
                "the string ends inside an escape sequence".to_string(),
            ));
        };
        self.position += 1;
        let character = match kind {
            b'"' => '"',
            b'\\' => '\\',
            b'/' => '/',
            b'b' => '\u{8}',
            b'f' => '\u{c}',
            b'n' => '\n',
            b'r' => '\r',
            b't' => '\t',
            b'u' => return self.unicode_escape(start),
            _ => {
                let shown = self
                    .text
                    .get(start..)
                    .and_then(|rest| rest.chars().nth(1))
                    .unwrap_or('?');
                return Err(self.error_at(
                    start,
                    format!("invalid escape '\\{shown}'; JSON allows \\\", \\\\, \\/, \\b, \\f, \\n, \\r, \\t and \\uXXXX"),
                ));
            }
        };
        Ok(character)
    }

    /// Decodes `\uXXXX`, and a following low surrogate when the first unit is
    /// a high surrogate. The lexer is just past `\u`.
    fn unicode_escape(&mut self, start: usize) -> Result<char, SyntaxError> {
        let first = self.hex4(start)?;
        let code_point = match first {
            0xD800..=0xDBFF => {
                let bytes = self.text.as_bytes();
                if bytes.get(self.position) != Some(&b'\\')
                    || bytes.get(self.position + 1) != Some(&b'u')
                {
                    return Err(self.error_at(start, format!("\\u{first:04X} is a high surrogate without the low surrogate that must follow it")));
                }
                let second_start = self.position;
                self.position += 2;
                let second = self.hex4(second_start)?;
                if !(0xDC00..=0xDFFF).contains(&second) {
                    return Err(self.error_at(
                        start,
                        format!("\\u{first:04X} is a high surrogate, but \\u{second:04X} after it is not a low surrogate"),
                    ));
                }
                0x10000 + ((u32::from(first) - 0xD800) << 10) + (u32::from(second) - 0xDC00)
            }
            0xDC00..=0xDFFF => {
                return Err(self.error_at(
                    start,
                    format!("\\u{first:04X} is a low surrogate without a high surrogate before it"),
                ));
            }
            other => u32::from(other),
        };
        char::from_u32(code_point).ok_or_else(|| {
            self.error_at(
                start,
                format!("\\u escape gives U+{code_point:X}, which is not a character"),
            )
        })
    }

    /// Reads four hexadecimal digits.
    fn hex4(&mut self, start: usize) -> Result<u16, SyntaxError> {
        let digits = self.text.as_bytes().get(self.position..self.position + 4);
        let value = digits
            .filter(|digits| digits.iter().all(u8::is_ascii_hexdigit))
            .and_then(|digits| std::str::from_utf8(digits).ok())
            .and_then(|digits| u16::from_str_radix(digits, 16).ok());
        match value {
            Some(value) => {
                self.position += 4;
                Ok(value)
            }
            None => Err(self.error_at(
                start,
                "\\u must be followed by four hexadecimal digits".to_string(),
            )),
        }
    }

    /// Reads a number as written, checking RFC 8259's grammar.
    fn number(&mut self) -> Result<&'t str, SyntaxError> {
        let start = self.position;
        if self.peek() == Some(b'-') {
            self.position += 1;
        }
        match self.peek() {
            Some(b'0') => self.position += 1,
            Some(b'1'..=b'9') => self.digits(),
            _ => return Err(self.error("a digit")),
        }
        if self.peek() == Some(b'.') {
            self.position += 1;
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return Err(self.error("a digit after '.'"));
            }
            self.digits();
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.position += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.position += 1;
            }
            if !self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
                return Err(self.error("a digit in the exponent"));
            }
            self.digits();
        }
        Ok(self.text.get(start..self.position).unwrap_or_default())
    }

    fn digits(&mut self) {
        while self.peek().is_some_and(|byte| byte.is_ascii_digit()) {
            self.position += 1;
        }
    }

    /// Reads `true`, `false` or `null`.
    fn literal(&mut self) -> Result<&'static str, SyntaxError> {
        let rest = self
            .text
            .as_bytes()
            .get(self.position..)
            .unwrap_or_default();
        for literal in ["true", "false", "null"] {
            if rest.starts_with(literal.as_bytes()) {
                self.position += literal.len();
                return Ok(literal);
            }
        }
        Err(self.error("a value"))
    }

    /// Reads one value. Arrays and objects are checked and skipped; the
    /// returned value only records which of the two it was.
    pub fn value(&mut self) -> Result<Value<'t>, SyntaxError> {
        match self.peek() {
            Some(b'"') => Ok(Value::String(self.string()?)),
            Some(b'-' | b'0'..=b'9') => Ok(Value::Number(self.number()?)),
            Some(b't' | b'f' | b'n') => Ok(Value::Literal(self.literal()?)),
            Some(b'[') => {
                self.skip_container()?;
                Ok(Value::Array)
            }
            Some(b'{') => {
                self.skip_container()?;
                Ok(Value::Object)
            }
            _ => Err(self.error("a value")),
        }
    }

    /// Checks and skips an array or object with an explicit stack of open
    /// brackets. The lexer must be at the opening bracket.
    fn skip_container(&mut self) -> Result<(), SyntaxError> {
        /// What the lexer expects next inside a container.
        enum Expect {
            FirstOrClose,
            Member,
            AfterMember,
        }

        let mut stack: Vec<u8> = Vec::new();
        let mut expect = Expect::FirstOrClose;
        match self.peek() {
            Some(open @ (b'[' | b'{')) => stack.push(open),
            _ => return Err(self.error("'[' or '{'")),
        }
        self.position += 1;

        while let Some(&open) = stack.last() {
            self.skip_inner_space()?;
            let close = if open == b'[' { b']' } else { b'}' };
            match expect {
                Expect::FirstOrClose if self.peek() == Some(close) => {
                    self.position += 1;
                    stack.pop();
                    expect = Expect::AfterMember;
                }
                Expect::FirstOrClose | Expect::Member => {
                    if open == b'{' {
                        if self.peek() != Some(b'"') {
                            return Err(self.error(if matches!(expect, Expect::FirstOrClose) {
                                "a key string or '}'"
                            } else {
                                "a key string"
                            }));
                        }
                        self.string()?;
                        self.skip_inner_space()?;
                        self.expect(b':', "':' after the key")?;
                        self.skip_inner_space()?;
                    }
                    match self.peek() {
                        Some(nested @ (b'[' | b'{')) => {
                            stack.push(nested);
                            self.position += 1;
                            expect = Expect::FirstOrClose;
                        }
                        _ => {
                            self.value()?;
                            expect = Expect::AfterMember;
                        }
                    }
                }
                Expect::AfterMember => match self.peek() {
                    Some(b',') => {
                        self.position += 1;
                        expect = Expect::Member;
                    }
                    Some(byte) if byte == close => {
                        self.position += 1;
                        stack.pop();
                    }
                    _ => {
                        let expected = if open == b'[' {
                            "',' or ']'"
                        } else {
                            "',' or '}'"
                        };
                        return Err(self.error(expected));
                    }
                },
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value_of(text: &str) -> Result<(Value<'_>, usize), SyntaxError> {
        let mut lexer = Lexer::new(text, 0, false);
        let value = lexer.value()?;
        Ok((value, lexer.position()))
    }

    #[test]
    fn string_without_escapes_is_borrowed() {
        let (value, end) = value_of("\"0.0.0.1\" ").unwrap();
        let Value::String(string) = value else {
            panic!("not a string")
        };
        assert!(matches!(string.value, Cow::Borrowed("0.0.0.1")));
        assert_eq!(
            (string.offset, string.length, string.verbatim),
            (1, 7, true)
        );
        assert_eq!(end, 9);
    }

    #[test]
    fn string_escapes_decoded() {
        let (value, _) = value_of(r#""a\"\\\/\b\f\n\r\t\u00e9\ud83d\ude00z""#).unwrap();
        let Value::String(string) = value else {
            panic!("not a string")
        };
        assert_eq!(string.value, "a\"\\/\u{8}\u{c}\n\r\t\u{e9}\u{1F600}z");
        assert!(!string.verbatim);
        assert_eq!(string.length, 36);
    }

    #[test]
    fn lone_surrogates_rejected() {
        for text in [r#""\ud800""#, r#""\ud800\u0041""#, r#""\udc00""#] {
            let error = value_of(text).unwrap_err();
            assert!(
                error.message.contains("surrogate"),
                "{text}: {}",
                error.message
            );
            assert_eq!(error.offset, 1, "{text}");
        }
    }

    #[test]
    fn bad_escapes_rejected() {
        assert!(value_of(r#""\x""#)
            .unwrap_err()
            .message
            .contains("invalid escape '\\x'"));
        assert!(value_of(r#""\u12""#)
            .unwrap_err()
            .message
            .contains("four hexadecimal digits"));
        assert!(value_of("\"a\tb\"").unwrap_err().message.contains("U+0009"));
        assert!(value_of("\"abc")
            .unwrap_err()
            .message
            .contains("never closed"));
    }

    #[test]
    fn numbers_kept_as_written() {
        let big = "42540766411282592856903984951653826849";
        assert_eq!(value_of(big).unwrap().0, Value::Number(big));
        assert_eq!(value_of("-0.5e+10").unwrap().0, Value::Number("-0.5e+10"));
        assert_eq!(value_of("01").unwrap(), (Value::Number("0"), 1));
        assert!(value_of("-").is_err());
        assert!(value_of("1.").is_err());
        assert!(value_of("1e").is_err());
        assert!(value_of(".5").is_err());
    }

    #[test]
    fn literals_read() {
        assert_eq!(value_of("null").unwrap().0, Value::Literal("null"));
        assert_eq!(value_of("true").unwrap().0, Value::Literal("true"));
        assert_eq!(value_of("false").unwrap().0, Value::Literal("false"));
        assert!(value_of("nul").is_err());
    }

    #[test]
    fn containers_skipped() {
        let text = r#"{"a": [1, {"b": null}, "x"], "c": {}} tail"#;
        let (value, end) = value_of(text).unwrap();
        assert_eq!(value, Value::Object);
        assert_eq!(&text[end..], " tail");
        assert_eq!(value_of("[]").unwrap(), (Value::Array, 2));
    }

    #[test]
    fn container_errors_found() {
        for text in [
            "[1,]",
            "[1 2]",
            "{\"a\" 1}",
            "{1: 2}",
            "{\"a\": 1,}",
            "[1}",
            "{\"a\": 1]",
            "[",
            "[[[]]",
        ] {
            assert!(value_of(text).is_err(), "{text} was accepted");
        }
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let depth = 100_000;
        let text = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        assert_eq!(value_of(&text).unwrap(), (Value::Array, 2 * depth));
        let unclosed = "[".repeat(depth);
        let error = value_of(&unclosed).unwrap_err();
        assert_eq!(error.offset, depth);
    }

    #[test]
    fn single_line_rejects_line_end() {
        let mut lexer = Lexer::new("{\"a\":\n1}", 0, true);
        let error = lexer.value().unwrap_err();
        assert!(error.crossed_line);
        assert_eq!(error.offset, 5);
        let mut lexer = Lexer::new("{\"a\":\n1}", 0, false);
        assert_eq!(lexer.value().unwrap(), Value::Object);
    }
}
