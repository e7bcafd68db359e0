//! The upload form: the `action=...&xml_data=` header that precedes the XML.
//!
//! Qualys reads upload bodies as `application/x-www-form-urlencoded`, with the
//! XML as the unencoded value of the last field, `xml_data`.

use std::fmt;
use std::ops::Range;

/// The action of an upload file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    /// `action=add`: create mapping records.
    Add,
    /// `action=remove`: delete mapping records.
    Remove,
}

impl Action {
    /// Returns the value of the `action` parameter.
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Add => "add",
            Action::Remove => "remove",
        }
    }
}

impl fmt::Display for Action {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Returns the header line of an upload file, without its line end, for
/// example `action=add&all_or_nothing=0&xml_data=`. `all_or_nothing` is only
/// documented for `add`; callers reject it for `remove` before getting here.
pub fn header_line(action: Action, all_or_nothing: Option<bool>) -> String {
    match all_or_nothing {
        Some(value) => format!(
            "action={action}&all_or_nothing={}&xml_data=",
            u8::from(value)
        ),
        None => format!("action={action}&xml_data="),
    }
}

/// The field that carries the upload's records.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DataField {
    /// `xml_data`: an `IP_MAP_LIST` document.
    Xml,
    /// `csv_data`: records as CSV, in a layout Qualys does not document.
    Csv,
}

impl DataField {
    /// Returns the parameter name.
    pub fn as_str(self) -> &'static str {
        match self {
            DataField::Xml => "xml_data",
            DataField::Csv => "csv_data",
        }
    }
}

/// One `name=value` field of a form header, as the server would split it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormField {
    /// The percent-decoded name.
    pub name: String,
    /// The byte range of the raw name in the file.
    pub name_range: Range<usize>,
    /// The percent-decoded value; empty for a data field, whose value is the rest of the file.
    pub value: String,
    /// The byte range of the raw value; for a data field it runs to the end of the file.
    pub value_range: Range<usize>,
    /// False when the field has no `=`, as in `action&xml_data=`.
    pub has_equals: bool,
}

/// The form header of an upload file: the fields before the data, then the data field.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FormHeader {
    /// The fields before the data field, in file order.
    pub fields: Vec<FormField>,
    /// The `xml_data` or `csv_data` field, whose value is everything after its `=`.
    pub data: Option<(DataField, FormField)>,
    /// The byte offset where the data starts: after `xml_data=`, or at the first
    /// `<` when the header has no data field.
    pub body_start: usize,
    /// The number of fields after the first [`MAX_HEADER_FIELDS`], which are
    /// scanned past but not kept.
    pub omitted_fields: usize,
}

/// The number of header fields kept. Qualys documents four parameters, so
/// this bounds the memory of a hostile header of millions of `a&a&...` fields
/// without losing anything a real header has.
pub const MAX_HEADER_FIELDS: usize = 1000;

/// Returns true when `text` starts like a form body: a parameter name made of
/// letters, digits, `_`, `-`, `.` or `%` escapes, followed by `=` or `&`. A
/// UTF-8 byte-order mark before the name is allowed, so that it can be reported.
pub fn looks_like_form(text: &str) -> bool {
    let text = text.strip_prefix('\u{FEFF}').unwrap_or(text);
    let name_length = text
        .bytes()
        .take_while(|byte| {
            byte.is_ascii_alphanumeric() || matches!(byte, b'_' | b'-' | b'.' | b'%')
        })
        .count();
    name_length > 0 && matches!(text.as_bytes().get(name_length), Some(b'=' | b'&'))
}

/// Splits the form header of an upload file into fields, the way an
/// `application/x-www-form-urlencoded` parser does: fields end at `&`, names
/// end at `=`, and `+` and `%XX` are decoded. The first field named `xml_data`
/// or `csv_data` takes the rest of the file as its value, which is how Qualys's
/// samples are laid out. Without such a field the header ends at the first `<`.
pub fn parse_header(text: &str) -> FormHeader {
    let bytes = text.as_bytes();
    let mut fields = Vec::new();
    let mut omitted_fields = 0;
    let mut position = 0;
    loop {
        let name_end = find_any(bytes, position, b"=&<");
        let name_range = position..name_end;
        let name = percent_decode(&text[name_range.clone()]).0;
        match bytes.get(name_end) {
            Some(b'=') => {}
            Some(b'&') => {
                keep_field(
                    &mut fields,
                    &mut omitted_fields,
                    FormField {
                        name,
                        name_range,
                        value: String::new(),
                        value_range: name_end..name_end,
                        has_equals: false,
                    },
                );
                position = name_end + 1;
                continue;
            }
            _ => {
                if !text[name_range.clone()].trim().is_empty() {
                    keep_field(
                        &mut fields,
                        &mut omitted_fields,
                        FormField {
                            name,
                            name_range,
                            value: String::new(),
                            value_range: name_end..name_end,
                            has_equals: false,
                        },
                    );
                }
                return FormHeader {
                    fields,
                    data: None,
                    body_start: name_end,
                    omitted_fields,
                };
            }
        }
        let value_start = name_end + 1;
        let data_field = match name.as_str() {
            "xml_data" => Some(DataField::Xml),
            "csv_data" => Some(DataField::Csv),
            _ => None,
        };
        if let Some(kind) = data_field {
            let field = FormField {
                name,
                name_range,
                value: String::new(),
                value_range: value_start..text.len(),
                has_equals: true,
            };
            return FormHeader {
                fields,
                data: Some((kind, field)),
                body_start: value_start,
                omitted_fields,
            };
        }
        let value_end = find_any(bytes, value_start, b"&<");
        let value = percent_decode(&text[value_start..value_end]).0;
        keep_field(
            &mut fields,
            &mut omitted_fields,
            FormField {
                name,
                name_range,
                value,
                value_range: value_start..value_end,
                has_equals: true,
            },
        );
        match bytes.get(value_end) {
            Some(b'&') => position = value_end + 1,
            _ => {
                return FormHeader {
                    fields,
                    data: None,
                    body_start: value_end,
                    omitted_fields,
                }
            }
        }
    }
}

/// Adds `field` to `fields` unless [`MAX_HEADER_FIELDS`] are kept already, in
/// which case it is only counted.
fn keep_field(fields: &mut Vec<FormField>, omitted: &mut usize, field: FormField) {
    if fields.len() < MAX_HEADER_FIELDS {
        fields.push(field);
    } else {
        *omitted += 1;
    }
}

fn find_any(bytes: &[u8], from: usize, needles: &[u8]) -> usize {
    bytes
        .get(from..)
        .and_then(|rest| rest.iter().position(|byte| needles.contains(byte)))
        .map_or(bytes.len(), |index| from + index)
}

/// Decodes a form value: `+` becomes a space and `%XX` the byte XX. Returns the
/// decoded text (invalid UTF-8 replaced by U+FFFD) and whether every `%` started
/// a valid escape; an invalid escape is kept as it is.
pub fn percent_decode(raw: &str) -> (String, bool) {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut valid = true;
    let mut index = 0;
    while let Some(&byte) = bytes.get(index) {
        match byte {
            b'+' => decoded.push(b' '),
            b'%' => match percent_escape(bytes, index) {
                Some(value) => {
                    decoded.push(value);
                    index += 2;
                }
                None => {
                    valid = false;
                    decoded.push(b'%');
                }
            },
            _ => decoded.push(byte),
        }
        index += 1;
    }
    (String::from_utf8_lossy(&decoded).into_owned(), valid)
}

/// Returns the byte that the escape `%XX` at `index` stands for, or `None` when
/// the two characters after `%` are not hexadecimal digits.
pub fn percent_escape(bytes: &[u8], index: usize) -> Option<u8> {
    let high = (*bytes.get(index + 1)? as char).to_digit(16)?;
    let low = (*bytes.get(index + 2)? as char).to_digit(16)?;
    u8::try_from(high * 16 + low).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_lines() {
        assert_eq!(header_line(Action::Add, None), "action=add&xml_data=");
        assert_eq!(header_line(Action::Remove, None), "action=remove&xml_data=");
        assert_eq!(
            header_line(Action::Add, Some(false)),
            "action=add&all_or_nothing=0&xml_data="
        );
        assert_eq!(
            header_line(Action::Add, Some(true)),
            "action=add&all_or_nothing=1&xml_data="
        );
    }

    #[test]
    fn header_split_into_fields() {
        let text = "action=add&echo_request=1&xml_data=\n<IP_MAP_LIST/>";
        let header = parse_header(text);
        let names: Vec<&str> = header
            .fields
            .iter()
            .map(|field| field.name.as_str())
            .collect();
        assert_eq!(names, ["action", "echo_request"]);
        assert_eq!(header.fields[1].value, "1");
        let (kind, data) = header.data.expect("xml_data field");
        assert_eq!(kind, DataField::Xml);
        assert_eq!(&text[data.name_range], "xml_data");
        assert_eq!(&text[header.body_start..], "\n<IP_MAP_LIST/>");
    }

    #[test]
    fn header_names_percent_decoded() {
        let header = parse_header("act%69on=a%64d&xml%5Fdata=<X/>");
        assert_eq!(header.fields[0].name, "action");
        assert_eq!(header.fields[0].value, "add");
        assert_eq!(header.data.map(|(kind, _)| kind), Some(DataField::Xml));
    }

    #[test]
    fn header_without_data_ends_at_xml() {
        let text = "action=add\n<IP_MAP_LIST/>";
        let header = parse_header(text);
        assert!(header.data.is_none());
        assert_eq!(header.fields[0].value, "add\n");
        assert_eq!(&text[header.body_start..], "<IP_MAP_LIST/>");
    }

    #[test]
    fn header_field_without_equals() {
        let header = parse_header("action&csv_data=1,2");
        assert_eq!(header.fields[0].name, "action");
        assert!(!header.fields[0].has_equals);
        assert_eq!(header.data.map(|(kind, _)| kind), Some(DataField::Csv));
    }

    #[test]
    fn percent_decoding() {
        assert_eq!(percent_decode("rack%2B8"), ("rack+8".to_string(), true));
        assert_eq!(percent_decode("rack+7"), ("rack 7".to_string(), true));
        assert_eq!(percent_decode("100% lab"), ("100% lab".to_string(), false));
        assert_eq!(percent_decode("50%"), ("50%".to_string(), false));
    }

    #[test]
    fn form_detection() {
        assert!(looks_like_form("action=add&xml_data="));
        assert!(looks_like_form("\u{FEFF}action=add"));
        assert!(!looks_like_form("<IP_MAP_LIST>"));
        assert!(!looks_like_form("ipv4,ipv6\n"));
        assert!(!looks_like_form("{\"v4\": 1}"));
    }
}
