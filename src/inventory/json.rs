//! JSON and JSON Lines inventory reader.
//!
//! The reader accepts three layouts. The first is a JSON array of objects. The
//! second is JSON Lines, one object a line, where a bad line is reported and
//! the next lines are still read. The third is a `.json` file that starts with
//! `{`: it is read as JSON Lines unless its first object spans several lines,
//! and then the objects are read one after another.
//!
//! Objects are read one at a time by the lexer in [`super::json_syntax`], which
//! keeps byte offsets and detects repeated keys. Address values must be JSON
//! strings: a number is never converted to an address, because `1` would
//! become 0.0.0.1, a valid mapping address.

use std::borrow::Cow;
use std::sync::Arc;

use super::json_syntax::{JsonString, Lexer, SyntaxError, Value};
use super::{
    custom_id_warning, FieldKind, FieldNames, InputFormat, Inventory, InventoryOptions, RowFields,
};
use crate::address::trim_ascii_whitespace;
use crate::diagnostic::{Diagnostic, Rule, Severity};
use crate::record::Span;
use crate::rules::{self, ValueSite};
use crate::source::SourceFile;

/// Reads a JSON array of objects or JSON Lines. Every bad object becomes a
/// diagnostic; valid objects become records.
pub fn read_json(
    file: Arc<SourceFile>,
    format: InputFormat,
    options: &InventoryOptions,
    inventory: &mut Inventory,
) {
    let text = file.text();
    let start = if text.starts_with('\u{FEFF}') {
        '\u{FEFF}'.len_utf8()
    } else {
        0
    };
    let mut reader = JsonReader {
        file: &file,
        text,
        names: FieldNames { options },
        keep_ids: options.keep_ids,
        keys: Vec::new(),
    };
    if format == InputFormat::Jsonl {
        reader.read_lines(start, inventory);
        return;
    }

    let mut lexer = Lexer::new(text, start, false);
    lexer.skip_space();
    match lexer.peek() {
        Some(b'[') => reader.read_array(&mut lexer, inventory),
        Some(b'{') => {
            let mut probe = Lexer::new(text, lexer.position(), true);
            match probe.value() {
                Err(error) if error.crossed_line => reader.read_stream(&mut lexer, inventory),
                _ => reader.read_lines(start, inventory),
            }
        }
        None => inventory.diagnostics.push(
            Diagnostic::new(Rule::InventoryFormat, "the file is empty or contains only whitespace, but a JSON inventory needs an array of objects")
                .with_help(r#"write the records as [{"v4": "0.0.0.1", "v6": "2001:db8::1"}], or as one such object a line"#)
                .at(file.location(lexer.position(), 0)),
        ),
        Some(_) => {
            let value_start = lexer.position();
            let found = match lexer.value() {
                Ok(value) => value.describe(),
                Err(_) => "text that is not JSON".to_string(),
            };
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!("expected a JSON array of objects, or one object a line, found {found}"),
                )
                .with_help(r#"write the records as [{"v4": "0.0.0.1", "v6": "2001:db8::1"}], or as one such object a line"#)
                .at(file.location(value_start, lexer.position().saturating_sub(value_start).max(1))),
            );
        }
    }
}

/// The position of an object in its file, for messages and JSON Pointers.
#[derive(Clone, Copy, Debug)]
enum Place {
    /// An element of the top-level array.
    Index(usize),
    /// A top-level object that starts at this offset, in JSON Lines or one
    /// object after another; each is its own JSON document.
    Document(usize),
}

/// A key of the object being read and its value.
struct Member<'t> {
    key: JsonString<'t>,
    value: Value<'t>,
    /// Offset of the value's first byte.
    value_start: usize,
    /// Offset just past the value.
    value_end: usize,
}

/// The members that v6map reads from one object.
#[derive(Default)]
struct Fields<'t> {
    /// The V4, V6 and ID members, indexed by `FieldKind`.
    members: [Option<Member<'t>>; 3],
    /// True for a value named twice, which is reported once and not checked.
    ambiguous: [bool; 3],
}

struct JsonReader<'a> {
    file: &'a Arc<SourceFile>,
    text: &'a str,
    names: FieldNames<'a>,
    keep_ids: bool,
    /// The keys of the object being read, to find repeated keys.
    keys: Vec<Cow<'a, str>>,
}

impl<'a> JsonReader<'a> {
    /// Reads the top-level array. The lexer is at its `[`. A syntax error
    /// stops the file, because the rest cannot be split into elements reliably.
    fn read_array(&mut self, lexer: &mut Lexer<'a>, inventory: &mut Inventory) {
        let mut open_element = None;
        if let Err(error) = self.read_elements(lexer, &mut open_element, inventory) {
            self.syntax_error(
                error,
                open_element,
                "v6map stops reading a JSON file at its first syntax error",
                inventory,
            );
        }
    }

    fn read_elements(
        &mut self,
        lexer: &mut Lexer<'a>,
        open_element: &mut Option<usize>,
        inventory: &mut Inventory,
    ) -> Result<(), SyntaxError> {
        lexer.expect(b'[', "'['")?;
        lexer.skip_inner_space()?;
        if lexer.peek() == Some(b']') {
            lexer.bump();
        } else {
            let mut index = 0;
            loop {
                *open_element = Some(lexer.position());
                self.read_element(lexer, Place::Index(index), inventory)?;
                *open_element = None;
                index += 1;
                lexer.skip_inner_space()?;
                match lexer.peek() {
                    Some(b',') => {
                        lexer.bump();
                        lexer.skip_inner_space()?;
                    }
                    Some(b']') => {
                        lexer.bump();
                        break;
                    }
                    _ => return Err(lexer.error("',' or ']' after the array element")),
                }
            }
        }
        lexer.skip_space();
        if lexer.peek().is_some() {
            return Err(lexer.error("the end of the file after the array"));
        }
        Ok(())
    }

    /// Reads JSON Lines from `start`: each line that is not blank contains one
    /// object, and a syntax error rejects only its line.
    fn read_lines(&mut self, start: usize, inventory: &mut Inventory) {
        let bytes = self.text.as_bytes();
        let mut line_start = start;
        while line_start < bytes.len() {
            let line_end = bytes[line_start..]
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .map_or(bytes.len(), |length| line_start + length);
            let next_line = match (bytes.get(line_end), bytes.get(line_end + 1)) {
                (Some(b'\r'), Some(b'\n')) => line_end + 2,
                (Some(_), _) => line_end + 1,
                (None, _) => line_end,
            };

            let mut lexer = Lexer::new(self.text, line_start, true);
            lexer.skip_space_in_line();
            if lexer.position() < line_end {
                let object_start = lexer.position();
                let result = self
                    .read_element(&mut lexer, Place::Document(object_start), inventory)
                    .and_then(|()| {
                        lexer.skip_space_in_line();
                        if lexer.position() == line_end {
                            Ok(())
                        } else {
                            Err(lexer.error("the end of the line after the object"))
                        }
                    });
                if let Err(error) = result {
                    self.syntax_error(
                        error,
                        Some(line_start),
                        "fix the JSON of this line; the other lines were read",
                        inventory,
                    );
                }
            }
            line_start = next_line;
        }
    }

    /// Reads top-level objects one after another, each of which may span
    /// lines. A syntax error stops the file.
    fn read_stream(&mut self, lexer: &mut Lexer<'a>, inventory: &mut Inventory) {
        loop {
            lexer.skip_space();
            if lexer.peek().is_none() {
                return;
            }
            let start = lexer.position();
            if let Err(error) = self.read_element(lexer, Place::Document(start), inventory) {
                self.syntax_error(
                    error,
                    Some(start),
                    "v6map stops reading a JSON file at its first syntax error",
                    inventory,
                );
                return;
            }
        }
    }

    /// Reads one element: an object becomes a record or a rejected row, any
    /// other value is rejected.
    fn read_element(
        &mut self,
        lexer: &mut Lexer<'a>,
        place: Place,
        inventory: &mut Inventory,
    ) -> Result<(), SyntaxError> {
        if lexer.peek() == Some(b'{') {
            return self.read_object(lexer, place, inventory);
        }
        let start = lexer.position();
        let value = lexer.value()?;
        let end = lexer.position();
        let first_diagnostic = inventory.diagnostics.len();
        let what = match place {
            Place::Index(index) => format!("element at index {index}"),
            Place::Document(_) => "each line".to_string(),
        };
        inventory.diagnostics.push(
            Diagnostic::new(
                Rule::InventoryFormat,
                format!(
                    "{what} must be an object with V4 and V6 keys, found {}",
                    value.describe()
                ),
            )
            .with_help(
                r#"write each record as an object such as {"v4": "0.0.0.1", "v6": "2001:db8::1"}"#,
            )
            .at(self.file.location(start, end - start)),
        );
        let raw = self.text.get(start..end).unwrap_or_default();
        inventory.finish_row(
            first_diagnostic,
            RowFields::default(),
            self.file,
            start,
            raw,
        );
        Ok(())
    }

    /// Reads one object; the lexer is at its `{`. When the object has a syntax
    /// error, the findings about its members are dropped and the error returned.
    fn read_object(
        &mut self,
        lexer: &mut Lexer<'a>,
        place: Place,
        inventory: &mut Inventory,
    ) -> Result<(), SyntaxError> {
        let start = lexer.position();
        let first_diagnostic = inventory.diagnostics.len();
        let fields = match self.read_members(lexer, place, inventory) {
            Ok(fields) => fields,
            Err(error) => {
                inventory.diagnostics.truncate(first_diagnostic);
                return Err(error);
            }
        };
        let end = lexer.position();

        let v4 = self.address(FieldKind::V4, &fields, start, place, inventory);
        let v6 = self.address(FieldKind::V6, &fields, start, place, inventory);
        let id = self.id(&fields, place, inventory);
        let fields = RowFields { v4, v6, id };
        let raw = self.text.get(start..end).unwrap_or_default();
        inventory.finish_row(first_diagnostic, fields, self.file, start, raw);
        Ok(())
    }

    /// Reads the members of an object, reporting repeated and unknown keys.
    fn read_members(
        &mut self,
        lexer: &mut Lexer<'a>,
        place: Place,
        inventory: &mut Inventory,
    ) -> Result<Fields<'a>, SyntaxError> {
        let mut fields = Fields::default();
        self.keys.clear();
        lexer.expect(b'{', "'{'")?;
        lexer.skip_inner_space()?;
        if lexer.peek() == Some(b'}') {
            lexer.bump();
            return Ok(fields);
        }
        loop {
            if lexer.peek() != Some(b'"') {
                return Err(lexer.error("a key string"));
            }
            let key = lexer.string()?;
            lexer.skip_inner_space()?;
            lexer.expect(b':', "':' after the key")?;
            lexer.skip_inner_space()?;
            let value_start = lexer.position();
            let value = lexer.value()?;
            let member = Member {
                key,
                value,
                value_start,
                value_end: lexer.position(),
            };
            self.add_member(member, &mut fields, place, inventory);

            lexer.skip_inner_space()?;
            match lexer.peek() {
                Some(b',') => {
                    lexer.bump();
                    lexer.skip_inner_space()?;
                }
                Some(b'}') => {
                    lexer.bump();
                    return Ok(fields);
                }
                _ => return Err(lexer.error("',' or '}' after the value")),
            }
        }
    }

    fn add_member(
        &mut self,
        member: Member<'a>,
        fields: &mut Fields<'a>,
        place: Place,
        inventory: &mut Inventory,
    ) {
        let key = &member.key;
        let key_location = self
            .file
            .location(key.offset.saturating_sub(1), key.length + 2);
        let kind = self
            .names
            .kind_of(&key.value)
            .filter(|&kind| kind != FieldKind::Id || self.keep_ids);
        let repeated = self.keys.contains(&key.value);

        if repeated {
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!(
                        "duplicate key \"{}\" in {}",
                        key.value,
                        describe_place(place, self.file)
                    ),
                )
                .with_help("keep one of the keys; v6map does not guess which value was meant")
                .at(key_location),
            );
            if let Some(kind) = kind {
                fields.ambiguous[kind as usize] = true;
            }
            return;
        }
        self.keys.push(key.value.clone());

        let Some(kind) = kind else {
            if self.names.kind_of(&key.value) != Some(FieldKind::Id) {
                inventory.diagnostics.push(
                    Diagnostic::new(
                        Rule::ExtraField,
                        format!("unknown key \"{}\" ignored (at {})", key.value, pointer(place, &key.value)),
                    )
                    .with_help("v6map reads only the V4, V6 and id keys; remove the key to silence this warning")
                    .at(key_location),
                );
            }
            return;
        };
        let slot = &mut fields.members[kind as usize];
        if let Some(previous) = slot {
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!(
                        "keys \"{}\" and \"{}\" in {} both name the {} value",
                        previous.key.value,
                        key.value,
                        describe_place(place, self.file),
                        kind.name()
                    ),
                )
                .with_help("keep one of the keys; v6map does not guess which value was meant")
                .at(key_location),
            );
            fields.ambiguous[kind as usize] = true;
            return;
        }
        *slot = Some(member);
    }

    /// Checks the V4 or V6 member. Returns the address and the span of its
    /// text when it is valid.
    fn address<A>(
        &self,
        kind: FieldKind,
        fields: &Fields,
        object_start: usize,
        place: Place,
        inventory: &mut Inventory,
    ) -> Option<(A, Span)>
    where
        A: AddressKind,
    {
        if fields.ambiguous[kind as usize] {
            return None;
        }
        let Some(member) = &fields.members[kind as usize] else {
            let found = if self.keys.is_empty() {
                "it has no keys".to_string()
            } else {
                let keys: Vec<String> = self.keys.iter().map(|key| format!("\"{key}\"")).collect();
                format!("found {}", keys.join(", "))
            };
            inventory.diagnostics.push(
                Diagnostic::new(
                    Rule::InventoryFormat,
                    format!(
                        "{} has no {} key: {found}; expected one of {}",
                        describe_place(place, self.file),
                        kind.name(),
                        self.names.accepted(kind)
                    ),
                )
                .with_help(format!(
                    "add the key, or pass {} NAME to read a key with another name",
                    kind.option()
                ))
                .at(self.file.location(object_start, 1)),
            );
            return None;
        };
        let Value::String(string) = &member.value else {
            self.type_error(kind, member, place, "a string", inventory);
            return None;
        };
        let label = format!(
            "key {} at {}",
            member.key.value,
            pointer(place, &member.key.value)
        );
        let site = site(self.file, string, &label);
        let address = A::check(&string.value, &site, &mut inventory.diagnostics)?;
        let span = if string.verbatim {
            let (trimmed, offset) = trim_ascii_whitespace(&string.value);
            Span::new(string.offset + offset, trimmed.len())
        } else {
            Span::new(string.offset, string.length)
        };
        Some((address, span))
    }

    /// Checks the ID member when IDs are kept: a string or a number is the ID,
    /// `null` means none.
    fn id(&self, fields: &Fields, place: Place, inventory: &mut Inventory) -> Option<Box<str>> {
        let index = FieldKind::Id as usize;
        if !self.keep_ids || fields.ambiguous[index] {
            return None;
        }
        let member = fields.members[index].as_ref()?;
        let label = format!(
            "key {} at {}",
            member.key.value,
            pointer(place, &member.key.value)
        );
        let string = match &member.value {
            Value::String(string) => string.clone(),
            Value::Number(number) => JsonString {
                value: Cow::Borrowed(number),
                offset: member.value_start,
                length: number.len(),
                verbatim: true,
            },
            Value::Literal("null") => return None,
            _ => {
                self.type_error(
                    FieldKind::Id,
                    member,
                    place,
                    "a string or a number",
                    inventory,
                );
                return None;
            }
        };
        let site = site(self.file, &string, &label);
        let id = rules::check_id(&string.value, &site, &mut inventory.diagnostics)
            .filter(|id| !id.is_empty())?;
        let (_, offset) = trim_ascii_whitespace(&string.value);
        inventory.diagnostics.push(custom_id_warning(
            id,
            &label,
            site.location(offset, id.len()),
        ));
        Some(Box::from(id))
    }

    /// Reports a value of the wrong JSON type.
    fn type_error(
        &self,
        kind: FieldKind,
        member: &Member,
        place: Place,
        expected: &str,
        inventory: &mut Inventory,
    ) {
        inventory.diagnostics.push(
            Diagnostic::new(
                Rule::InventoryFormat,
                format!(
                    "{} must be {expected} such as \"{}\", found {} (at {})",
                    member.key.value,
                    kind.example(),
                    member.value.describe(),
                    pointer(place, &member.key.value)
                ),
            )
            .with_help(if member.value.describe().starts_with("number") {
                format!(
                    "quote the value: \"{}\": \"{}\"; v6map never converts numbers to addresses, because 1 would silently become 0.0.0.1",
                    member.key.value,
                    kind.example()
                )
            } else {
                format!(
                    "give the key a string value, such as \"{}\": \"{}\", or delete the record",
                    member.key.value,
                    kind.example()
                )
            })
            .at(self.file.location(member.value_start, member.value_end - member.value_start)),
        );
    }

    /// Reports a syntax error. When it is inside an element that starts at
    /// `row_start`, that element is also a rejected row running to the end of
    /// the error's line.
    fn syntax_error(
        &self,
        error: SyntaxError,
        row_start: Option<usize>,
        help: &str,
        inventory: &mut Inventory,
    ) {
        let first_diagnostic = inventory.diagnostics.len();
        let length = usize::from(error.offset < self.text.len());
        inventory.diagnostics.push(
            Diagnostic::new(
                Rule::InventoryFormat,
                format!("invalid JSON: {}", error.message),
            )
            .with_help(help.to_string())
            .at(self.file.location(error.offset, length)),
        );
        if let Some(row_start) = row_start {
            let bytes = self.text.as_bytes();
            let from = error.offset.min(bytes.len());
            let line_end = bytes[from..]
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .map_or(bytes.len(), |length| from + length);
            let raw = self
                .text
                .get(row_start..line_end.max(row_start))
                .unwrap_or_default();
            inventory.finish_row(
                first_diagnostic,
                RowFields::default(),
                self.file,
                row_start,
                raw,
            );
        }
    }
}

/// An address type with its value rule.
trait AddressKind: Sized {
    fn check(raw: &str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<Self>;
}

impl AddressKind for std::net::Ipv4Addr {
    fn check(raw: &str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<Self> {
        rules::check_v4(raw, site, out)
    }
}

impl AddressKind for std::net::Ipv6Addr {
    fn check(raw: &str, site: &ValueSite, out: &mut Vec<Diagnostic>) -> Option<Self> {
        rules::check_v6(raw, site, out)
    }
}

fn site<'s>(file: &'s SourceFile, string: &JsonString, label: &'s str) -> ValueSite<'s> {
    ValueSite {
        file,
        offset: string.offset,
        length: string.length,
        verbatim: string.verbatim,
        label,
        max_severity: Severity::Error,
    }
}

/// Describes an object's place, such as `object at index 0` or `the object on line 3`.
fn describe_place(place: Place, file: &SourceFile) -> String {
    match place {
        Place::Index(index) => format!("object at index {index}"),
        Place::Document(offset) => format!("the object on line {}", file.line_column(offset).0),
    }
}

/// Returns the JSON Pointer (RFC 6901) of a key of an object, such as `/0/v4`.
fn pointer(place: Place, key: &str) -> String {
    let escaped = key.replace('~', "~0").replace('/', "~1");
    match place {
        Place::Index(index) => format!("/{index}/{escaped}"),
        Place::Document(_) => format!("/{escaped}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_with(name: &str, text: &str, options: &InventoryOptions) -> Inventory {
        let file = Arc::new(SourceFile::new(name, text.to_string()));
        let format = InputFormat::from_path(name).expect("known extension");
        let mut inventory = Inventory::default();
        read_json(file, format, options, &mut inventory);
        inventory
    }

    fn read(name: &str, text: &str) -> Inventory {
        read_with(name, text, &InventoryOptions::default())
    }

    fn v4s(inventory: &Inventory) -> Vec<String> {
        inventory.records.iter().map(|r| r.v4.to_string()).collect()
    }

    fn messages(inventory: &Inventory) -> Vec<(u32, Rule, &str)> {
        inventory
            .diagnostics
            .iter()
            .map(|d| {
                (
                    d.location.as_ref().map_or(0, |l| l.line),
                    d.rule,
                    d.message.as_str(),
                )
            })
            .collect()
    }

    #[test]
    fn array_of_objects_read() {
        let inventory = read("t.json", "\u{feff} [\n {\"V4\": \"0.0.0.1\", \"IPv6 Address\": \"2a01::1\"},\n {\"ipv4\": \"0.0.0.2\", \"v6\": \"2a01::2\"}\n]\n");
        assert_eq!(v4s(&inventory), vec!["0.0.0.1", "0.0.0.2"]);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
        let v6 = inventory.records[1].origin.v6_location();
        assert_eq!((v6.line, v6.column, v6.length), (3, 29, 7));
    }

    #[test]
    fn jsonl_bad_line_skipped() {
        let text = "{\"v4\": \"0.0.0.1\", \"v6\": \"2a01::1\"}\n{\"v4\": \"0.0.0.2\", \"v6\": \n\n{\"v4\": \"0.0.0.3\" \"v6\": \"2a01::3\"}\r\n{\"v4\": \"0.0.0.4\", \"v6\": \"2a01::4\"}";
        let inventory = read("t.jsonl", text);
        assert_eq!(v4s(&inventory), vec!["0.0.0.1", "0.0.0.4"]);
        let found = messages(&inventory);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!((found[0].0, found[0].1), (2, Rule::InventoryFormat));
        assert!(
            found[0]
                .2
                .contains("JSON Lines needs each object on one line"),
            "{}",
            found[0].2
        );
        assert_eq!(found[1].0, 4);
        assert!(
            found[1]
                .2
                .contains("expected ',' or '}' after the value, found '\"'"),
            "{}",
            found[1].2
        );
        let lines: Vec<(u32, &str)> = inventory
            .rejected
            .iter()
            .map(|r| (r.line, r.raw.as_str()))
            .collect();
        assert_eq!(
            lines,
            vec![
                (2, "{\"v4\": \"0.0.0.2\", \"v6\": "),
                (4, "{\"v4\": \"0.0.0.3\" \"v6\": \"2a01::3\"}")
            ]
        );
    }

    #[test]
    fn json_starting_with_brace_read_per_line() {
        let inventory = read(
            "t.json",
            "{\"v4\": \"0.0.0.1\", \"v6\": \"2a01::1\"}\n{\"v4\": 2, \"v6\": \"2a01::2\"}\n",
        );
        assert_eq!(v4s(&inventory), vec!["0.0.0.1"]);
        assert_eq!(messages(&inventory).len(), 1);
        assert!(
            inventory.diagnostics[0].message.contains("at /v4"),
            "{}",
            inventory.diagnostics[0].message
        );
    }

    #[test]
    fn multi_line_objects_read_one_after_another() {
        let inventory = read("t.json", "{\n  \"v4\": \"0.0.0.1\",\n  \"v6\": \"2a01::1\"\n}\n{\"v4\": \"0.0.0.2\",\n \"v6\": \"2a01::2\"}");
        assert_eq!(v4s(&inventory), vec!["0.0.0.1", "0.0.0.2"]);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
    }

    #[test]
    fn syntax_error_stops_array() {
        let inventory = read("t.json", "[{\"v4\": \"0.0.0.1\", \"v6\": \"2a01::1\"},\n {\"v4\": \"0.0.0.2\", \"v6\": \"2a01::2\",},\n {\"v4\": \"0.0.0.3\", \"v6\": \"2a01::3\"}]");
        assert_eq!(v4s(&inventory), vec!["0.0.0.1"]);
        let found = messages(&inventory);
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(
            found[0]
                .2
                .starts_with("invalid JSON: expected a key string, found '}'"),
            "{}",
            found[0].2
        );
        let location = inventory.diagnostics[0].location.as_ref().unwrap();
        assert_eq!((location.line, location.column), (2, 36));
        assert_eq!(inventory.rejected.len(), 1);
        assert_eq!(inventory.rejected[0].line, 2);
    }

    #[test]
    fn trailing_text_after_array_rejected() {
        let inventory = read("t.json", "[]\n]");
        assert_eq!(
            messages(&inventory),
            vec![(
                2,
                Rule::InventoryFormat,
                "invalid JSON: expected the end of the file after the array, found ']'"
            )]
        );
    }

    #[test]
    fn nested_junk_values_rejected_by_type() {
        let text = r#"[{"v4": [[{"a": [1, 2]}]], "v6": {"x": {"y": []}}}, {"v4": true, "v6": "2a01::1"}, "0.0.0.1", 7]"#;
        let inventory = read("t.json", text);
        assert!(inventory.records.is_empty());
        let found: Vec<&str> = inventory
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            found,
            vec![
                "v4 must be a string such as \"0.0.0.1\", found an array (at /0/v4)",
                "v6 must be a string such as \"2001:db8::1\", found an object (at /0/v6)",
                "v4 must be a string such as \"0.0.0.1\", found true (at /1/v4)",
                "element at index 2 must be an object with V4 and V6 keys, found string \"0.0.0.1\"",
                "element at index 3 must be an object with V4 and V6 keys, found number 7",
            ]
        );
        assert_eq!(inventory.rejected.len(), 4);
    }

    #[test]
    fn deep_nesting_read_without_overflow() {
        let depth = 100_000;
        let text = format!(
            "[{{\"v4\": \"0.0.0.1\", \"v6\": \"2a01::1\", \"deep\": {}{}}}]",
            "[".repeat(depth),
            "]".repeat(depth)
        );
        let inventory = read("t.json", &text);
        assert_eq!(v4s(&inventory), vec!["0.0.0.1"]);
        assert_eq!(
            messages(&inventory),
            vec![(
                1,
                Rule::ExtraField,
                "unknown key \"deep\" ignored (at /0/deep)"
            )]
        );

        let unclosed = "[".repeat(depth);
        let inventory = read("t.json", &unclosed);
        assert_eq!(inventory.diagnostics.len(), 1);
        assert!(
            inventory.diagnostics[0]
                .message
                .contains("found the end of the file"),
            "{}",
            inventory.diagnostics[0].message
        );
    }

    #[test]
    fn repeated_and_aliased_keys_rejected() {
        let inventory = read(
            "t.json",
            r#"[{"v4": "0.0.0.1", "V4": "0.0.0.2", "v6": "2a01::1"}, {"v4": "0.0.0.3", "v6": "2a01::3", "x": 1, "x": 2}]"#,
        );
        assert!(inventory.records.is_empty());
        let found: Vec<&str> = inventory
            .diagnostics
            .iter()
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(
            found,
            vec![
                "keys \"v4\" and \"V4\" in object at index 0 both name the V4 value",
                "unknown key \"x\" ignored (at /1/x)",
                "duplicate key \"x\" in object at index 1",
            ]
        );
    }

    #[test]
    fn missing_key_named() {
        let inventory = read("t.json", r#"[{"v4": "0.0.0.1", "host": "a"}, {}]"#);
        let errors: Vec<&str> = inventory
            .diagnostics
            .iter()
            .filter(|d| d.is_error())
            .map(|d| d.message.as_str())
            .collect();
        assert_eq!(errors.len(), 3, "{errors:?}");
        assert!(
            errors[0].starts_with(
                "object at index 0 has no V6 key: found \"v4\", \"host\"; expected one of 'v6'"
            ),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with("object at index 1 has no V4 key: it has no keys"),
            "{}",
            errors[1]
        );
    }

    #[test]
    fn escaped_strings_decoded_and_spanned() {
        let text =
            r#"[{"v4": "0.0.0.\u0031", "v6": "2a01::1"}, {"v4": "0.0.0.\u00a0", "v6": "2a01::2"}]"#;
        let inventory = read("t.json", text);
        assert_eq!(v4s(&inventory), vec!["0.0.0.1"]);
        assert_eq!(inventory.records[0].origin.v4, Span::new(9, 12));
        let error = inventory
            .diagnostics
            .iter()
            .find(|d| d.rule == Rule::InvalidV4)
            .expect("invalid-v4");
        assert!(
            error.message.contains("U+00A0 NO-BREAK SPACE"),
            "{}",
            error.message
        );
        assert!(
            error.message.ends_with("(key v4 at /1/v4)"),
            "{}",
            error.message
        );
    }

    #[test]
    fn empty_files() {
        let json = read("t.json", " \n");
        assert_eq!(json.diagnostics.len(), 1);
        assert!(
            json.diagnostics[0].message.contains("empty"),
            "{}",
            json.diagnostics[0].message
        );
        let lines = read("t.jsonl", "\n\r\n  \n");
        assert!(lines.diagnostics.is_empty());
        assert!(lines.records.is_empty());
        let array = read("t.json", "[ ]");
        assert!(array.diagnostics.is_empty());
        assert!(array.records.is_empty());
    }

    #[test]
    fn top_level_scalar_rejected() {
        let inventory = read("t.json", "\"0.0.0.1\"");
        assert_eq!(inventory.diagnostics.len(), 1);
        assert!(
            inventory.diagnostics[0]
                .message
                .contains("found string \"0.0.0.1\""),
            "{}",
            inventory.diagnostics[0].message
        );
    }

    #[test]
    fn ids_kept_and_checked() {
        let options = InventoryOptions {
            keep_ids: true,
            ..InventoryOptions::default()
        };
        let text = r#"[{"id": "a-1", "v4": "0.0.0.1", "v6": "2a01::1"}, {"id": 42, "v4": "0.0.0.2", "v6": "2a01::2"}, {"id": null, "v4": "0.0.0.3", "v6": "2a01::3"}, {"id": "a&b", "v4": "0.0.0.4", "v6": "2a01::4"}, {"id": [], "v4": "0.0.0.5", "v6": "2a01::5"}]"#;
        let inventory = read_with("t.json", text, &options);
        let ids: Vec<Option<&str>> = inventory.records.iter().map(|r| r.id.as_deref()).collect();
        assert_eq!(ids, vec![Some("a-1"), Some("42"), None]);
        assert_eq!(
            inventory
                .diagnostics
                .iter()
                .filter(|d| d.rule == Rule::CustomIdIgnored)
                .count(),
            2
        );
        let codes: Vec<&str> = inventory.rejected.iter().map(|r| r.code).collect();
        assert_eq!(codes, vec!["form-unsafe-character", "inventory-format"]);

        let ignored = read(
            "t.json",
            r#"[{"id": [], "v4": "0.0.0.1", "v6": "2a01::1"}]"#,
        );
        assert_eq!(ignored.records.len(), 1);
        assert!(ignored.diagnostics.is_empty(), "{:?}", ignored.diagnostics);
    }

    #[test]
    fn key_options_override_aliases() {
        let options = InventoryOptions {
            v4_column: Some("placeholder".to_string()),
            v6_column: Some("v4".to_string()),
            ..InventoryOptions::default()
        };
        let inventory = read_with(
            "t.json",
            r#"[{"Placeholder": "0.0.0.9", "v4": "2a01::9"}]"#,
            &options,
        );
        assert_eq!(v4s(&inventory), vec!["0.0.0.9"]);
        assert!(
            inventory.diagnostics.is_empty(),
            "{:?}",
            inventory.diagnostics
        );
    }

    #[test]
    fn json_pointer_escaped() {
        assert_eq!(pointer(Place::Index(3), "a/b~c"), "/3/a~1b~0c");
        assert_eq!(pointer(Place::Document(0), "v4"), "/v4");
    }
}
