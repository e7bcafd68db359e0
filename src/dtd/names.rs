//! XML 1.0 (fifth edition) name characters, section 2.3.

/// Returns whether `c` may start a name (`NameStartChar`).
pub fn is_name_start_char(c: char) -> bool {
    matches!(c,
        ':' | 'A'..='Z' | '_' | 'a'..='z'
        | '\u{C0}'..='\u{D6}' | '\u{D8}'..='\u{F6}' | '\u{F8}'..='\u{2FF}'
        | '\u{370}'..='\u{37D}' | '\u{37F}'..='\u{1FFF}' | '\u{200C}'..='\u{200D}'
        | '\u{2070}'..='\u{218F}' | '\u{2C00}'..='\u{2FEF}' | '\u{3001}'..='\u{D7FF}'
        | '\u{F900}'..='\u{FDCF}' | '\u{FDF0}'..='\u{FFFD}' | '\u{10000}'..='\u{EFFFF}')
}

/// Returns whether `c` may appear after the first character of a name (`NameChar`).
pub fn is_name_char(c: char) -> bool {
    is_name_start_char(c)
        || matches!(c,
            '-' | '.' | '0'..='9' | '\u{B7}' | '\u{300}'..='\u{36F}' | '\u{203F}'..='\u{2040}')
}

/// Returns whether `text` is a `Name`.
pub fn is_name(text: &str) -> bool {
    let mut chars = text.chars();
    chars.next().is_some_and(is_name_start_char) && chars.all(is_name_char)
}

/// Returns whether `text` is an `Nmtoken`.
pub fn is_nmtoken(text: &str) -> bool {
    !text.is_empty() && text.chars().all(is_name_char)
}

/// Returns whether `text` is a list of items separated by spaces (U+0020
/// only), each accepted by `item`. Leading and trailing spaces are allowed,
/// as libxml2 2.9 allows them in `IDREFS` and `NMTOKENS` values.
pub fn is_space_separated(text: &str, item: fn(&str) -> bool) -> bool {
    let mut items = text.split(' ').filter(|part| !part.is_empty()).peekable();
    items.peek().is_some() && items.all(item)
}

/// Returns whether `c` is XML white space (`S`).
pub fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}
