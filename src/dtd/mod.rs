//! The DTD model: the bundled `schemas/*.dtd` files, a reader for them and a
//! validator for documents parsed by roxmltree.
//!
//! roxmltree checks that XML is well formed but ignores DTD content models,
//! so v6map reads its own DTDs. [`Dtd::parse`] accepts element and attribute
//! declarations and comments, compiles each content model to a deterministic
//! automaton, and [`Dtd::validate_tree`] reports every violation in a tree.
//! The verdict (valid or not) is meant to equal that of
//! `xmllint --dtdvalid FILE.dtd --noout DOC` from libxml2 2.9; the tests
//! `dtd_differential` and `dtd_corpus` compare the two.
//!
//! Known differences from xmllint, none reachable with the bundled DTDs:
//! - declarations in the document's own internal subset are not read, and the
//!   `<!DOCTYPE>` name is not compared with the root element (roxmltree does
//!   not expose it), so callers check the root name with [`Dtd::root_names`];
//! - a prefixed element such as `q:V4` is looked up as `q:V4` only, while
//!   libxml2 falls back to the declaration of `V4` for the element itself;
//! - IDREF values are resolved only against IDs inside the validated tree.

mod automaton;
mod names;
mod parser;
mod validate;

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use automaton::{Automaton, Particle};

pub use validate::{ContentMatcher, MatchError};

/// The names of the bundled DTDs.
pub const BUNDLED: &[&str] = &["ip_map_list", "ip_map_list_output", "simple_return"];

const BUNDLED_TEXTS: [&str; 3] = [
    include_str!("../../schemas/ip_map_list.dtd"),
    include_str!("../../schemas/ip_map_list_output.dtd"),
    include_str!("../../schemas/simple_return.dtd"),
];

/// Returns the index in [`BUNDLED`] of a name given with or without `.dtd`.
fn bundled_index(name: &str) -> Option<usize> {
    let name = name.strip_suffix(".dtd").unwrap_or(name);
    BUNDLED.iter().position(|known| *known == name)
}

/// Returns the text of a bundled DTD by name (`ip_map_list`, `ip_map_list_output`
/// or `simple_return`, with or without `.dtd`).
pub fn bundled_text(name: &str) -> Option<&'static str> {
    bundled_index(name).and_then(|index| BUNDLED_TEXTS.get(index).copied())
}

/// A parsed DTD: element declarations with compiled content models and their
/// attribute lists.
#[derive(Debug)]
pub struct Dtd {
    elements: Vec<ElementDecl>,
    by_name: HashMap<Box<str>, usize>,
}

/// One `<!ELEMENT>` declaration with the attributes its `<!ATTLIST>`s declare.
#[derive(Debug)]
struct ElementDecl {
    name: Box<str>,
    content: ContentSpec,
    attributes: Vec<AttributeDecl>,
}

/// The content specification of an element.
#[derive(Debug)]
enum ContentSpec {
    /// `EMPTY`: no content at all, not even white space or a comment.
    Empty,
    /// `ANY`: any declared elements and text.
    Any,
    /// `(#PCDATA)` when the list is empty, otherwise `(#PCDATA | a | b)*`.
    Mixed(Vec<Box<str>>),
    /// Element content: child elements matching the model, white space between them.
    Children(Particle, Automaton),
}

impl fmt::Display for ContentSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ContentSpec::Empty => f.write_str("EMPTY"),
            ContentSpec::Any => f.write_str("ANY"),
            ContentSpec::Mixed(names) if names.is_empty() => f.write_str("(#PCDATA)"),
            ContentSpec::Mixed(names) => {
                f.write_str("(#PCDATA")?;
                for name in names {
                    write!(f, " | {name}")?;
                }
                f.write_str(")*")
            }
            ContentSpec::Children(model, _) => {
                // A bare name at the top is always inside a group in the DTD.
                if let Particle::Name(..) = model {
                    write!(f, "({model})")
                } else {
                    write!(f, "{model}")
                }
            }
        }
    }
}

/// One attribute definition of an `<!ATTLIST>`.
#[derive(Debug)]
struct AttributeDecl {
    name: Box<str>,
    kind: AttributeType,
    default: DefaultDecl,
    /// Byte offset of the definition in the DTD text.
    offset: usize,
}

/// The declared type of an attribute.
#[derive(Debug, PartialEq, Eq)]
enum AttributeType {
    Cdata,
    Id,
    IdRef,
    IdRefs,
    NmToken,
    NmTokens,
    Enumeration(Vec<Box<str>>),
}

impl fmt::Display for AttributeType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AttributeType::Cdata => f.write_str("CDATA"),
            AttributeType::Id => f.write_str("ID"),
            AttributeType::IdRef => f.write_str("IDREF"),
            AttributeType::IdRefs => f.write_str("IDREFS"),
            AttributeType::NmToken => f.write_str("NMTOKEN"),
            AttributeType::NmTokens => f.write_str("NMTOKENS"),
            AttributeType::Enumeration(values) => write!(f, "({})", values.join(" | ")),
        }
    }
}

/// The default declaration of an attribute.
#[derive(Debug, PartialEq, Eq)]
enum DefaultDecl {
    Required,
    Implied,
    /// `#FIXED "value"`: the attribute, when present, must have exactly this value.
    Fixed(Box<str>),
    /// A plain default value.
    Default(Box<str>),
}

/// A DTD that could not be read: where and why.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DtdError {
    /// Byte offset in the DTD text.
    pub offset: usize,
    /// 1-based line of `offset`.
    pub line: usize,
    /// 1-based column of `offset`, counted in characters.
    pub column: usize,
    /// The problem, naming the declaration.
    pub message: String,
}

impl DtdError {
    fn new(text: &str, offset: usize, message: String) -> DtdError {
        let offset = offset.min(text.len());
        let mut boundary = offset;
        while !text.is_char_boundary(boundary) {
            boundary -= 1;
        }
        let before = text.get(..boundary).unwrap_or("");
        let line_start = before.rfind('\n').map_or(0, |index| index + 1);
        DtdError {
            offset,
            line: before.matches('\n').count() + 1,
            column: before.get(line_start..).unwrap_or("").chars().count() + 1,
            message,
        }
    }
}

impl fmt::Display for DtdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl std::error::Error for DtdError {}

/// One way a document breaks its DTD.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Violation {
    /// Byte range in the text roxmltree parsed: the offending element's start
    /// tag, child, attribute or text.
    pub range: Range<usize>,
    /// The problem, naming the element, its content model and the children found.
    pub message: String,
    /// How to fix it, when there is more to say than the message.
    pub help: Option<String>,
}

impl Dtd {
    /// Parses DTD text. Accepts `<!ELEMENT>` and `<!ATTLIST>` declarations,
    /// comments, white space and a leading text declaration `<?xml ...?>`.
    pub fn parse(text: &str) -> Result<Dtd, DtdError> {
        parser::parse(text)
    }

    /// Returns a bundled DTD by name (with or without `.dtd`), parsed on first use.
    pub fn bundled(name: &str) -> Option<&'static Dtd> {
        static PARSED: [OnceLock<Option<Dtd>>; 3] =
            [OnceLock::new(), OnceLock::new(), OnceLock::new()];
        let index = bundled_index(name)?;
        let text = BUNDLED_TEXTS.get(index)?;
        // The bundled texts parse; the `dtd` unit tests check every one.
        PARSED
            .get(index)?
            .get_or_init(|| Dtd::parse(text).ok())
            .as_ref()
    }

    /// Returns the declared elements that no content model names, in
    /// declaration order: the candidates for the document's root element.
    pub fn root_names(&self) -> Vec<&str> {
        self.elements
            .iter()
            .filter(|candidate| {
                !self.elements.iter().any(|element| match &element.content {
                    ContentSpec::Children(_, automaton) => {
                        automaton.alphabet().any(|name| name == &*candidate.name)
                    }
                    ContentSpec::Mixed(names) => names.contains(&candidate.name),
                    ContentSpec::Empty | ContentSpec::Any => false,
                })
            })
            .map(|element| &*element.name)
            .collect()
    }

    /// Returns whether `element` (a qualified name as written) is declared.
    pub fn is_declared(&self, element: &str) -> bool {
        self.by_name.contains_key(element)
    }

    /// Returns the names of the declared elements in declaration order.
    pub fn element_names(&self) -> impl Iterator<Item = &str> {
        self.elements.iter().map(|element| &*element.name)
    }

    /// Returns the content model of a declared element written as in the DTD,
    /// for example `(ID?, V4, V6)`, `(#PCDATA)` or `EMPTY`.
    pub fn content_model(&self, element: &str) -> Option<String> {
        self.element(element)
            .map(|element| element.content.to_string())
    }

    fn element(&self, name: &str) -> Option<&ElementDecl> {
        self.by_name
            .get(name)
            .and_then(|&index| self.elements.get(index))
    }
}

#[cfg(test)]
mod tests;
