//! The DTD reader: `<!ELEMENT>` and `<!ATTLIST>` declarations and comments.
//!
//! Everything else that may appear in an external subset is rejected with its
//! position: entity and notation declarations, parameter-entity references,
//! conditional sections and processing instructions. v6map's schemas do not
//! need them, and silently skipping them would validate against a different
//! DTD than the one written.

use std::collections::HashMap;

use super::automaton::{Automaton, CompileError, Occurrence, Particle, MAX_POSITIONS};
use super::names::{
    is_name, is_name_char, is_name_start_char, is_nmtoken, is_space_separated, is_xml_space,
};
use super::{AttributeDecl, AttributeType, ContentSpec, DefaultDecl, Dtd, DtdError, ElementDecl};

/// The deepest nesting of parenthesised groups accepted in a content model.
const MAX_GROUP_DEPTH: usize = 64;

/// The maximum number of transitions of all content models of one DTD together.
const MAX_TRANSITIONS: usize = 1 << 22;

pub(super) fn parse(text: &str) -> Result<Dtd, DtdError> {
    let mut parser = Parser {
        text,
        pos: 0,
        budget: MAX_TRANSITIONS,
    };
    parser.skip_prolog()?;

    let mut elements: Vec<ElementDecl> = Vec::new();
    let mut by_name: HashMap<Box<str>, usize> = HashMap::new();
    let mut attribute_lists: HashMap<Box<str>, Vec<AttributeDecl>> = HashMap::new();

    loop {
        parser.skip_space();
        if parser.at_end() {
            break;
        }
        let start = parser.pos;
        if parser.eat("<!--") {
            parser.comment(start)?;
        } else if parser.eat("<!ELEMENT") {
            let element = parser.element_decl()?;
            if by_name.contains_key(&element.name) {
                return Err(parser.error_at(
                    start,
                    format!(
                        "element {} is declared twice; XML 1.0 allows one declaration per element",
                        element.name
                    ),
                ));
            }
            by_name.insert(element.name.clone(), elements.len());
            elements.push(element);
        } else if parser.eat("<!ATTLIST") {
            let (element, definitions) = parser.attlist_decl()?;
            let list = attribute_lists.entry(element).or_default();
            for definition in definitions {
                // XML 1.0 section 3.3: the first declaration of an attribute is binding.
                if !list.iter().any(|known| known.name == definition.name) {
                    list.push(definition);
                }
            }
        } else {
            return Err(parser.unsupported(start));
        }
    }

    for (element, list) in attribute_lists {
        if let Some(decl) = by_name
            .get(&element)
            .and_then(|&index| elements.get_mut(index))
        {
            decl.attributes = list;
        }
    }
    for element in &elements {
        check_single_id(&parser, element)?;
    }
    Ok(Dtd { elements, by_name })
}

fn check_single_id(parser: &Parser<'_>, element: &ElementDecl) -> Result<(), DtdError> {
    let mut ids = element
        .attributes
        .iter()
        .filter(|attribute| attribute.kind == AttributeType::Id);
    if let (Some(first), Some(second)) = (ids.next(), ids.next()) {
        return Err(parser.error_at(
            second.offset,
            format!(
                "element {} has two ID attributes, {} and {}; XML 1.0 allows one per element",
                element.name, first.name, second.name
            ),
        ));
    }
    Ok(())
}

struct Parser<'a> {
    text: &'a str,
    pos: usize,
    budget: usize,
}

impl<'a> Parser<'a> {
    fn rest(&self) -> &'a str {
        self.text.get(self.pos..).unwrap_or("")
    }

    fn at_end(&self) -> bool {
        self.pos >= self.text.len()
    }

    fn peek(&self) -> Option<char> {
        self.rest().chars().next()
    }

    fn eat(&mut self, literal: &str) -> bool {
        if self.rest().starts_with(literal) {
            self.pos += literal.len();
            true
        } else {
            false
        }
    }

    fn skip_space(&mut self) -> bool {
        let rest = self.rest();
        let trimmed = rest.trim_start_matches(is_xml_space);
        self.pos += rest.len() - trimmed.len();
        trimmed.len() != rest.len()
    }

    fn error_at(&self, offset: usize, message: impl Into<String>) -> DtdError {
        DtdError::new(self.text, offset, message.into())
    }

    fn error(&self, message: impl Into<String>) -> DtdError {
        self.error_at(self.pos, message)
    }

    /// Describes the text at the current position, for "expected X, found Y".
    fn found(&self) -> String {
        match self.peek() {
            None => "the end of the DTD".to_owned(),
            Some(c) if c.is_control() || c.is_whitespace() => format!("{c:?}"),
            Some(_) => {
                let snippet: String = self
                    .rest()
                    .chars()
                    .take(12)
                    .take_while(|c| !c.is_control())
                    .collect();
                format!("'{snippet}'")
            }
        }
    }

    fn expected(&self, expectation: &str) -> DtdError {
        self.error(format!("expected {expectation}, found {}", self.found()))
    }

    fn require_space(&mut self, context: &str) -> Result<(), DtdError> {
        if self.skip_space() {
            Ok(())
        } else {
            Err(self.expected(&format!("white space {context}")))
        }
    }

    /// Skips a byte-order mark and a text declaration `<?xml ...?>` at the start.
    fn skip_prolog(&mut self) -> Result<(), DtdError> {
        self.eat("\u{FEFF}");
        let start = self.pos;
        if self.rest().starts_with("<?xml") && self.rest()[5..].starts_with(is_xml_space) {
            match self.rest().find("?>") {
                Some(end) => self.pos += end + 2,
                None => {
                    return Err(self.error_at(
                        start,
                        "the text declaration '<?xml' is not closed with '?>'",
                    ))
                }
            }
        }
        Ok(())
    }

    fn comment(&mut self, start: usize) -> Result<(), DtdError> {
        let Some(end) = self.rest().find("--") else {
            return Err(self.error_at(start, "comment is not closed with '-->'"));
        };
        self.pos += end;
        if !self.eat("-->") {
            return Err(self.error(
                "'--' is not allowed inside a comment; XML 1.0 ends a comment at the first '--'",
            ));
        }
        Ok(())
    }

    fn unsupported(&self, start: usize) -> DtdError {
        let rest = self.rest();
        let message = if rest.starts_with("<!ENTITY") {
            "ENTITY declarations are not supported; v6map's DTDs declare only elements and attributes"
        } else if rest.starts_with("<!NOTATION") {
            "NOTATION declarations are not supported"
        } else if rest.starts_with("<![") {
            "conditional sections (<![INCLUDE[ and <![IGNORE[) are not supported"
        } else if rest.starts_with("<?") {
            "processing instructions are not supported in a DTD"
        } else if rest.starts_with('%') {
            "parameter-entity references are not supported"
        } else if rest.starts_with("<!") {
            "unknown markup declaration; expected <!ELEMENT, <!ATTLIST or a comment"
        } else {
            return self.expected("<!ELEMENT, <!ATTLIST or a comment");
        };
        self.error_at(start, message)
    }

    fn name(&mut self, expectation: &str) -> Result<Box<str>, DtdError> {
        let rest = self.rest();
        let mut chars = rest.char_indices();
        match chars.next() {
            Some((_, c)) if is_name_start_char(c) => {}
            Some((_, '%')) => {
                return Err(self.error("parameter-entity references are not supported"))
            }
            _ => return Err(self.expected(expectation)),
        }
        let end = chars
            .find(|&(_, c)| !is_name_char(c))
            .map_or(rest.len(), |(index, _)| index);
        self.pos += end;
        Ok(rest[..end].into())
    }

    fn nmtoken(&mut self, expectation: &str) -> Result<Box<str>, DtdError> {
        let rest = self.rest();
        let end = rest
            .char_indices()
            .find(|&(_, c)| !is_name_char(c))
            .map_or(rest.len(), |(index, _)| index);
        if end == 0 {
            return Err(self.expected(expectation));
        }
        self.pos += end;
        Ok(rest[..end].into())
    }

    fn close_declaration(&mut self, keyword: &str) -> Result<(), DtdError> {
        self.skip_space();
        if self.eat(">") {
            Ok(())
        } else {
            Err(self.expected(&format!("'>' to close the {keyword} declaration")))
        }
    }

    fn element_decl(&mut self) -> Result<ElementDecl, DtdError> {
        self.require_space("after <!ELEMENT")?;
        let name = self.name("an element name after <!ELEMENT")?;
        self.require_space(&format!("after the element name {name}"))?;
        let content_start = self.pos;
        let content = if self.eat("EMPTY") {
            ContentSpec::Empty
        } else if self.eat("ANY") {
            ContentSpec::Any
        } else if self.peek() == Some('(') {
            let save = self.pos;
            self.pos += 1;
            self.skip_space();
            if self.eat("#PCDATA") {
                self.mixed(&name)?
            } else {
                self.pos = save;
                let model = self.group(0)?;
                match Automaton::compile(&model, &mut self.budget) {
                    Ok(automaton) => ContentSpec::Children(model, automaton),
                    Err(CompileError::TooManyPositions) => {
                        return Err(self.error_at(
                            content_start,
                            format!(
                                "content model of {name} is too large; v6map accepts at most {MAX_POSITIONS} names in one model"
                            ),
                        ))
                    }
                    Err(CompileError::TooManyTransitions) => {
                        return Err(self.error_at(
                            content_start,
                            format!(
                                "content model of {name} is too large: the content models of this DTD together have more than {MAX_TRANSITIONS} transitions"
                            ),
                        ))
                    }
                    Err(CompileError::NotDeterministic(child)) => {
                        return Err(self.error_at(
                            content_start,
                            format!(
                                "content model of {name} is not deterministic: {child} can match two different parts of {model}; XML 1.0 requires that each child matches one part without looking ahead"
                            ),
                        ))
                    }
                }
            }
        } else {
            return Err(self.expected(&format!("EMPTY, ANY or '(' for the content of {name}")));
        };
        self.close_declaration("ELEMENT")?;
        Ok(ElementDecl {
            name,
            content,
            attributes: Vec::new(),
        })
    }

    /// Reads the rest of `(#PCDATA ...` after `#PCDATA`.
    fn mixed(&mut self, element: &str) -> Result<ContentSpec, DtdError> {
        let mut names: Vec<Box<str>> = Vec::new();
        loop {
            self.skip_space();
            if self.eat(")") {
                break;
            }
            if !self.eat("|") {
                return Err(self.expected(&format!("'|' or ')' in the mixed content of {element}")));
            }
            self.skip_space();
            let name_start = self.pos;
            let name = self.name("an element name after '|'")?;
            if names.contains(&name) {
                return Err(self.error_at(
                    name_start,
                    format!("{name} appears twice in the mixed content of {element}"),
                ));
            }
            names.push(name);
        }
        let star = self.eat("*");
        if !names.is_empty() && !star {
            return Err(self.expected(&format!(
                "'*' after the mixed content of {element}, because (#PCDATA | ...) must be written as (#PCDATA | ...)*"
            )));
        }
        Ok(ContentSpec::Mixed(names))
    }

    /// Reads a parenthesised group `( cp (, cp)* )` or `( cp (| cp)+ )` with its indicator.
    fn group(&mut self, depth: usize) -> Result<Particle, DtdError> {
        if depth >= MAX_GROUP_DEPTH {
            return Err(self.error(format!(
                "content model nests groups deeper than {MAX_GROUP_DEPTH} levels"
            )));
        }
        if !self.eat("(") {
            return Err(self.expected("'('"));
        }
        let mut children = vec![self.content_particle(depth)?];
        let mut separator: Option<char> = None;
        loop {
            self.skip_space();
            if self.eat(")") {
                break;
            }
            let Some(c) = self.peek().filter(|&c| c == ',' || c == '|') else {
                return Err(self.expected("',', '|' or ')' in a content model"));
            };
            match separator {
                Some(known) if known != c => {
                    return Err(self.error(
                        "a group mixes ',' and '|'; put parentheses around the part that is a choice or a sequence",
                    ))
                }
                _ => separator = Some(c),
            }
            self.pos += 1;
            children.push(self.content_particle(depth)?);
        }
        let occurrence = self.occurrence();
        Ok(match separator {
            Some('|') => Particle::Choice(children, occurrence),
            _ => Particle::Sequence(children, occurrence),
        })
    }

    fn content_particle(&mut self, depth: usize) -> Result<Particle, DtdError> {
        self.skip_space();
        if self.peek() == Some('(') {
            return self.group(depth + 1);
        }
        if self.rest().starts_with("#PCDATA") {
            return Err(self.error(
                "#PCDATA may only appear first in a mixed content model such as (#PCDATA | a | b)*",
            ));
        }
        let name = self.name("an element name or '(' in a content model")?;
        Ok(Particle::Name(name, self.occurrence()))
    }

    fn occurrence(&mut self) -> Occurrence {
        if self.eat("?") {
            Occurrence::Optional
        } else if self.eat("*") {
            Occurrence::ZeroOrMore
        } else if self.eat("+") {
            Occurrence::OneOrMore
        } else {
            Occurrence::Once
        }
    }

    fn attlist_decl(&mut self) -> Result<(Box<str>, Vec<AttributeDecl>), DtdError> {
        self.require_space("after <!ATTLIST")?;
        let element = self.name("an element name after <!ATTLIST")?;
        let mut definitions: Vec<AttributeDecl> = Vec::new();
        loop {
            let had_space = self.skip_space();
            if self.eat(">") {
                break;
            }
            if !had_space {
                return Err(self.expected("white space or '>' in the ATTLIST declaration"));
            }
            let offset = self.pos;
            let name = self.name("an attribute name or '>'")?;
            self.require_space(&format!("after the attribute name {name}"))?;
            let kind = self.attribute_type(&name)?;
            self.require_space(&format!("after the type of attribute {name}"))?;
            let default_offset = self.pos;
            let default = self.default_decl(&name)?;
            let mut declaration = AttributeDecl {
                name,
                kind,
                default,
                offset,
            };
            self.check_default(&mut declaration, default_offset)?;
            definitions.push(declaration);
        }
        Ok((element, definitions))
    }

    fn attribute_type(&mut self, attribute: &str) -> Result<AttributeType, DtdError> {
        let start = self.pos;
        if self.peek() == Some('(') {
            self.pos += 1;
            let mut values: Vec<Box<str>> = Vec::new();
            loop {
                self.skip_space();
                let value_start = self.pos;
                let value = self.nmtoken(&format!(
                    "a name token in the enumeration of attribute {attribute}"
                ))?;
                if values.contains(&value) {
                    return Err(self.error_at(
                        value_start,
                        format!(
                            "{value} appears twice in the enumeration of attribute {attribute}"
                        ),
                    ));
                }
                values.push(value);
                self.skip_space();
                if self.eat(")") {
                    break;
                }
                if !self.eat("|") {
                    return Err(self.expected("'|' or ')' in an enumeration"));
                }
            }
            return Ok(AttributeType::Enumeration(values));
        }
        let keyword = self.nmtoken(&format!("the type of attribute {attribute}"))?;
        Ok(match &*keyword {
            "CDATA" => AttributeType::Cdata,
            "ID" => AttributeType::Id,
            "IDREF" => AttributeType::IdRef,
            "IDREFS" => AttributeType::IdRefs,
            "NMTOKEN" => AttributeType::NmToken,
            "NMTOKENS" => AttributeType::NmTokens,
            "ENTITY" | "ENTITIES" | "NOTATION" => {
                return Err(self.error_at(
                    start,
                    format!("attribute type {keyword} is not supported, because v6map does not support entity or notation declarations"),
                ))
            }
            _ => {
                return Err(self.error_at(
                    start,
                    format!("unknown attribute type {keyword}; expected CDATA, ID, IDREF, IDREFS, NMTOKEN, NMTOKENS or an enumeration (a | b)"),
                ))
            }
        })
    }

    fn default_decl(&mut self, attribute: &str) -> Result<DefaultDecl, DtdError> {
        if self.eat("#REQUIRED") {
            return Ok(DefaultDecl::Required);
        }
        if self.eat("#IMPLIED") {
            return Ok(DefaultDecl::Implied);
        }
        if self.eat("#FIXED") {
            self.require_space("after #FIXED")?;
            return Ok(DefaultDecl::Fixed(self.attribute_value(attribute)?));
        }
        if self.peek() == Some('#') {
            return Err(self.expected("#REQUIRED, #IMPLIED, #FIXED or a quoted default value"));
        }
        Ok(DefaultDecl::Default(self.attribute_value(attribute)?))
    }

    /// Reads a quoted default value and normalizes it as XML 1.0 section 3.3.3 requires
    /// for CDATA: each white-space character becomes a space. Character
    /// references and the five predefined entities are expanded.
    fn attribute_value(&mut self, attribute: &str) -> Result<Box<str>, DtdError> {
        let quote = match self.peek() {
            Some(quote @ ('"' | '\'')) => quote,
            _ => {
                return Err(
                    self.expected(&format!("a quoted default value for attribute {attribute}"))
                )
            }
        };
        let start = self.pos;
        self.pos += 1;
        let mut value = String::new();
        loop {
            let Some(c) = self.peek() else {
                return Err(self.error_at(
                    start,
                    format!("the default value of attribute {attribute} is not closed"),
                ));
            };
            match c {
                _ if c == quote => {
                    self.pos += 1;
                    break;
                }
                '<' => return Err(self.error("'<' is not allowed in an attribute value")),
                '&' => value.push_str(&self.reference()?),
                '\r' => {
                    self.pos += 1;
                    self.eat("\n");
                    value.push(' ');
                }
                '\n' | '\t' => {
                    self.pos += 1;
                    value.push(' ');
                }
                _ => {
                    self.pos += c.len_utf8();
                    value.push(c);
                }
            }
        }
        Ok(value.into())
    }

    fn reference(&mut self) -> Result<String, DtdError> {
        let start = self.pos;
        let Some(end) = self.rest().find(';') else {
            return Err(self.error("'&' starts a reference that is not closed with ';'"));
        };
        let body = &self.rest()[1..end];
        let expanded = if let Some(hex) = body.strip_prefix("#x") {
            u32::from_str_radix(hex, 16)
                .ok()
                .filter(|_| !hex.is_empty() && !hex.starts_with('+'))
                .and_then(char::from_u32)
                .filter(|&c| is_xml_char(c))
                .map(String::from)
        } else if let Some(decimal) = body.strip_prefix('#') {
            decimal
                .parse::<u32>()
                .ok()
                .filter(|_| !decimal.starts_with('+'))
                .and_then(char::from_u32)
                .filter(|&c| is_xml_char(c))
                .map(String::from)
        } else {
            match body {
                "lt" => Some("<".to_owned()),
                "gt" => Some(">".to_owned()),
                "amp" => Some("&".to_owned()),
                "apos" => Some("'".to_owned()),
                "quot" => Some("\"".to_owned()),
                _ if is_name(body) => {
                    return Err(self.error_at(
                        start,
                        format!("entity reference &{body}; is not supported; only character references and the predefined entities are"),
                    ))
                }
                _ => None,
            }
        };
        match expanded {
            Some(text) => {
                self.pos += end + 1;
                Ok(text)
            }
            None => Err(self.error_at(start, format!("invalid reference &{body};"))),
        }
    }

    /// Checks the XML 1.0 validity constraints on a declared default value and
    /// normalizes the value of a tokenized type.
    fn check_default(
        &self,
        declaration: &mut AttributeDecl,
        offset: usize,
    ) -> Result<(), DtdError> {
        let kind = &declaration.kind;
        let name = &declaration.name;
        let value = match &mut declaration.default {
            DefaultDecl::Required | DefaultDecl::Implied => return Ok(()),
            DefaultDecl::Fixed(value) | DefaultDecl::Default(value) => value,
        };
        if *kind == AttributeType::Id {
            return Err(self.error_at(
                offset,
                format!("ID attribute {name} must be declared #IMPLIED or #REQUIRED, not with a default value"),
            ));
        }
        if *kind != AttributeType::Cdata {
            // XML 1.0 section 3.3.3: values of tokenized types lose leading and
            // trailing spaces, and runs of spaces collapse to one.
            let normalized = value
                .split(' ')
                .filter(|part| !part.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            if !kind.accepts(&normalized) {
                return Err(self.error_at(
                    offset,
                    format!("default value \"{value}\" of attribute {name} is not valid for its type {kind}"),
                ));
            }
            *value = normalized.into();
        }
        Ok(())
    }
}

fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..='\u{10FFFF}')
}

impl AttributeType {
    /// Returns whether a (normalized) value is valid for this type.
    pub(super) fn accepts(&self, value: &str) -> bool {
        match self {
            AttributeType::Cdata => true,
            AttributeType::Id | AttributeType::IdRef => is_name(value),
            AttributeType::IdRefs => is_space_separated(value, is_name),
            AttributeType::NmToken => is_nmtoken(value),
            AttributeType::NmTokens => is_space_separated(value, is_nmtoken),
            AttributeType::Enumeration(values) => values.iter().any(|known| &**known == value),
        }
    }
}
