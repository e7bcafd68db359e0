//! Validation of roxmltree trees and of streamed children against a [`Dtd`].
//!
//! The rules follow what libxml2 2.9 (`xmllint --dtdvalid`) accepts. In
//! element content, white-space text between child elements is allowed, and
//! comments and processing instructions are ignored. A CDATA section there is
//! invalid, even an empty one. An `EMPTY` element must have no child node at
//! all, not even white space or a comment.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;

use roxmltree::{Node, NodeType};

use super::names::{is_name_char, is_xml_space};
use super::{AttributeDecl, AttributeType, ContentSpec, DefaultDecl, Dtd, ElementDecl, Violation};

/// The maximum number of child names listed after "found" in a message.
const MAX_FOUND_NAMES: usize = 8;

/// A content-model violation found while feeding children to a [`ContentMatcher`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MatchError {
    /// The problem, naming the element and its content model.
    pub message: String,
    /// The fix, when the message alone does not give it.
    pub help: Option<String>,
}

impl fmt::Display for MatchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MatchError {}

/// A streaming check of one element's children against its content model.
///
/// Feed child element names and non-white-space text in document order, then
/// call [`finish`](ContentMatcher::finish). After an error the rejected child
/// is skipped and matching goes on, so later children are still checked.
/// Feeding does not allocate unless it reports an error.
///
/// White space and comments are not fed, so the matcher cannot report them
/// inside an `EMPTY` element; [`Dtd::validate_tree`] does.
///
/// The matcher checks only the parent's content model. The caller validates
/// each child subtree on its own, for example with [`Dtd::validate_tree`];
/// that reports an undeclared child a second time, so a caller may skip
/// children for which [`Dtd::is_declared`] is false.
#[derive(Debug)]
pub struct ContentMatcher<'d> {
    dtd: &'d Dtd,
    element: &'d ElementDecl,
    state: u32,
    /// Alphabet symbols (the first 64) that matched at least once.
    seen: u64,
    /// Alphabet symbols (the first 64) of children that were rejected.
    skipped: u64,
    /// Number of child elements fed.
    children: usize,
    /// Whether the last child was one the model does not name. The next
    /// child may then match as if the unknown one had taken the place of
    /// an expected child, so a renamed child is reported once, not twice.
    after_unknown: bool,
}

/// A problem with one child or with the end of the content.
enum Problem<'d> {
    /// A child element that the content model does not name. `declared` is
    /// true when the DTD declares it at all.
    NotInModel { child: &'d str, declared: bool },
    /// A child that the model allows, but not at this point, after it already
    /// occurred `count` times (None when unknown).
    Repeated {
        child: &'d str,
        count: Option<usize>,
    },
    /// A child that the model allows, but not at this point; `expected` are
    /// the names allowed here.
    OutOfOrder {
        child: &'d str,
        expected: Vec<&'d str>,
    },
    /// Non-white-space text in element content.
    Text,
    /// A CDATA section in element content.
    Cdata,
    /// Any content in an `EMPTY` element.
    EmptyHasContent,
    /// A child element in `(#PCDATA)` or an element that `(#PCDATA | ...)*` does not list.
    NotInMixed { child: &'d str, declared: bool },
    /// The content ended early; `completion` are the names still needed.
    Missing {
        completion: Vec<&'d str>,
        repeatable: bool,
        empty: bool,
    },
}

impl<'d> ContentMatcher<'d> {
    fn new(dtd: &'d Dtd, element: &'d ElementDecl) -> ContentMatcher<'d> {
        ContentMatcher {
            dtd,
            element,
            state: super::automaton::START,
            seen: 0,
            skipped: 0,
            children: 0,
            after_unknown: false,
        }
    }

    /// Feeds the qualified name (as written, with any prefix) of the next child element.
    pub fn feed_element(&mut self, name: &str) -> Result<(), MatchError> {
        self.step_element(name, None)
            .map_err(|problem| self.error(problem, None))
    }

    /// Feeds `count` child elements with the same qualified name. The result is
    /// the same as calling [`feed_element`](ContentMatcher::feed_element)
    /// `count` times and stopping at the first error. Once a child leaves the
    /// matcher as it was, the others are counted without matching each.
    pub fn feed_elements(&mut self, name: &str, count: usize) -> Result<(), MatchError> {
        for fed in 0..count {
            let before = (self.state, self.seen, self.skipped, self.after_unknown);
            self.feed_element(name)?;
            if (self.state, self.seen, self.skipped, self.after_unknown) == before {
                // Matching depends only on these fields, so every later child matches alike.
                self.children += count - fed - 1;
                break;
            }
        }
        Ok(())
    }

    /// Feeds non-white-space text (white space between children is not fed).
    pub fn feed_text(&mut self) -> Result<(), MatchError> {
        self.step_text()
            .map_err(|problem| self.error(problem, None))
    }

    /// Feeds a CDATA section, which libxml2 rejects in element content even
    /// when it is empty or holds only white space.
    pub fn feed_cdata(&mut self) -> Result<(), MatchError> {
        let result = match &self.element.content {
            ContentSpec::Any | ContentSpec::Mixed(_) => Ok(()),
            ContentSpec::Empty => Err(Problem::EmptyHasContent),
            ContentSpec::Children(..) => Err(Problem::Cdata),
        };
        result.map_err(|problem| self.error(problem, None))
    }

    /// Ends the content: reports required children that never came.
    pub fn finish(self) -> Result<(), MatchError> {
        match self.end() {
            Some(problem) => Err(self.error(problem, None)),
            None => Ok(()),
        }
    }

    /// Advances over one child element. `count` is how often the same name
    /// already occurred, when the caller knows it, and only refines the message.
    fn step_element<'n>(&mut self, name: &'n str, count: Option<usize>) -> Result<(), Problem<'n>>
    where
        'd: 'n,
    {
        self.children += 1;
        match &self.element.content {
            ContentSpec::Any => Ok(()),
            ContentSpec::Empty => Err(Problem::EmptyHasContent),
            ContentSpec::Mixed(names) => {
                if names.iter().any(|known| &**known == name) {
                    Ok(())
                } else {
                    Err(Problem::NotInMixed {
                        child: name,
                        declared: self.dtd.is_declared(name),
                    })
                }
            }
            ContentSpec::Children(_, automaton) => {
                let after_unknown = std::mem::take(&mut self.after_unknown);
                let next = automaton.step(self.state, name).or_else(|| {
                    after_unknown
                        .then(|| automaton.step_after_substitution(self.state, name))
                        .flatten()
                });
                if let Some(next) = next {
                    self.state = next;
                    if let Some(symbol) = automaton.symbol_at(next).filter(|&symbol| symbol < 64) {
                        self.seen |= 1 << symbol;
                    }
                    return Ok(());
                }
                let Some(symbol) = automaton.symbol_of(name) else {
                    self.after_unknown = true;
                    return Err(Problem::NotInModel {
                        child: name,
                        declared: self.dtd.is_declared(name),
                    });
                };
                if symbol < 64 {
                    let bit = 1u64 << symbol;
                    let seen = self.seen & bit != 0;
                    self.skipped |= bit;
                    if seen {
                        return Err(Problem::Repeated { child: name, count });
                    }
                }
                Err(Problem::OutOfOrder {
                    child: name,
                    expected: automaton.expected_names(self.state),
                })
            }
        }
    }

    fn step_text(&self) -> Result<(), Problem<'d>> {
        match &self.element.content {
            ContentSpec::Any | ContentSpec::Mixed(_) => Ok(()),
            ContentSpec::Empty => Err(Problem::EmptyHasContent),
            ContentSpec::Children(..) => Err(Problem::Text),
        }
    }

    fn end(&self) -> Option<Problem<'d>> {
        let ContentSpec::Children(_, automaton) = &self.element.content else {
            return None;
        };
        if automaton.is_accepting(self.state) {
            return None;
        }
        let mut completion = automaton.shortest_completion(self.state);
        if self.after_unknown && !completion.is_empty() {
            // The unknown last child took the place of the first missing one.
            completion.remove(0);
            if completion.is_empty() {
                return None;
            }
        }
        // A required child that was present but rejected as out of order is
        // already reported; do not report it again as missing.
        let already_reported = completion.iter().any(|name| {
            automaton
                .symbol_of(name)
                .is_some_and(|symbol| symbol < 64 && self.skipped & (1 << symbol) != 0)
        });
        if already_reported {
            return None;
        }
        let repeatable = match completion.as_slice() {
            [only] => automaton
                .step(self.state, only)
                .and_then(|next| automaton.step(next, only))
                .is_some(),
            _ => false,
        };
        Some(Problem::Missing {
            completion,
            repeatable,
            empty: self.children == 0,
        })
    }

    /// Renders a problem. `found` lists the children when the caller has them.
    fn error(&self, problem: Problem<'_>, found: Option<&str>) -> MatchError {
        let element = &*self.element.name;
        let model = &self.element.content;
        let found = found
            .map(|found| format!(", found {found}"))
            .unwrap_or_default();
        let (message, help) = match problem {
            Problem::NotInModel { child, declared } | Problem::NotInMixed { child, declared } => {
                let help = format!("{element} allows only {model}; remove the {child} element");
                if declared {
                    (format!("{element}: {child} is not allowed here; expected {model}{found}"), help)
                } else {
                    (format!("{element}: unknown element {child}; expected {model}{found}"), help)
                }
            }
            Problem::Repeated { child, count } => {
                let ordinal = match count {
                    Some(1) => "second".to_owned(),
                    Some(2) => "third".to_owned(),
                    Some(count) => format!("{}th", count + 1),
                    None => "repeated".to_owned(),
                };
                (
                    format!("{element}: unexpected {ordinal} {child}; expected {model}{found}"),
                    format!("{element} allows {child} only as often as {model} says; remove the extra {child}"),
                )
            }
            Problem::OutOfOrder { child, expected } => {
                let allowed = if expected.is_empty() {
                    "nothing more".to_owned()
                } else {
                    expected.join(" or ")
                };
                (
                    format!("{element}: expected {model}{found}"),
                    format!("{child} is out of order: at this point {element} allows {allowed}; put the children in the order {model}"),
                )
            }
            Problem::Text => (
                format!("{element}: text is not allowed; expected {model}{found}"),
                format!("{element} holds only child elements and white space between them; move the text into a child element"),
            ),
            Problem::Cdata => (
                format!("{element}: CDATA section is not allowed; expected {model}{found}"),
                "element content allows no CDATA section, not even an empty one; remove it".to_owned(),
            ),
            Problem::EmptyHasContent => (
                format!("{element} is declared EMPTY but has content"),
                format!("write <{element}/> with nothing inside, not even white space or a comment"),
            ),
            Problem::Missing {
                completion,
                repeatable,
                empty,
            } => {
                let missing = completion.join(", ");
                let head = if empty && repeatable {
                    format!("at least one {missing} required")
                } else {
                    format!("missing {missing}")
                };
                (
                    format!("{element}: {head}; expected {model}{found}"),
                    format!("add {missing} to {element}"),
                )
            }
        };
        MatchError {
            message,
            help: Some(help),
        }
    }
}

impl Dtd {
    /// Starts a streaming check of the children of a declared `element`.
    pub fn content_matcher(&self, element: &str) -> Option<ContentMatcher<'_>> {
        self.element(element)
            .map(|element| ContentMatcher::new(self, element))
    }

    /// Validates `node` and all its descendants. Returns every violation in
    /// document order; an empty vector means the tree is valid.
    pub fn validate_tree(&self, node: Node<'_, '_>) -> Vec<Violation> {
        let input = node.document().input_text();
        let mut ids = IdTable::default();
        let mut violations = Vec::new();
        for element in node.descendants().filter(|node| node.is_element()) {
            self.validate_element(input, element, element == node, &mut ids, &mut violations);
        }
        ids.resolve(&mut violations);
        violations
    }

    fn validate_element<'a, 'i: 'a>(
        &self,
        input: &'i str,
        node: Node<'a, 'i>,
        is_top: bool,
        ids: &mut IdTable<'a>,
        out: &mut Vec<Violation>,
    ) {
        let name = qualified_name(input, node);
        let Some(element) = self.element(name) else {
            if is_top || !self.parent_reports_child(node, name) {
                out.push(Violation {
                    range: start_tag_range(input, node),
                    message: format!("unknown element {name}: the DTD does not declare it"),
                    help: Some(format!(
                        "declared elements are {}",
                        self.element_names().collect::<Vec<_>>().join(", ")
                    )),
                });
            }
            return;
        };
        self.validate_attributes(input, node, element, ids, out);
        validate_content(input, node, element, self, out);
    }

    /// Returns whether the parent of `node` already reports `name` as a child
    /// its content model does not name.
    fn parent_reports_child(&self, node: Node<'_, '_>, name: &str) -> bool {
        let Some(parent) = node.parent_element() else {
            return false;
        };
        let input = node.document().input_text();
        match self
            .element(qualified_name(input, parent))
            .map(|parent| &parent.content)
        {
            Some(ContentSpec::Children(_, automaton)) => automaton.symbol_of(name).is_none(),
            Some(ContentSpec::Mixed(names)) => !names.iter().any(|known| &**known == name),
            _ => false,
        }
    }

    fn validate_attributes<'a, 'i: 'a>(
        &self,
        input: &'i str,
        node: Node<'a, 'i>,
        element: &ElementDecl,
        ids: &mut IdTable<'a>,
        out: &mut Vec<Violation>,
    ) {
        let element_name = &*element.name;
        for attribute in node.attributes() {
            let qname = input
                .get(attribute.range_qname())
                .unwrap_or(attribute.name());
            let Some(declaration) = element
                .attributes
                .iter()
                .find(|known| &*known.name == qname)
            else {
                out.push(undeclared_attribute(element, qname, attribute.range()));
                continue;
            };
            check_attribute_value(
                element_name,
                declaration,
                attribute.value(),
                attribute.range(),
                ids,
                out,
            );
        }

        // Namespace declarations are not attributes in roxmltree, but xmllint
        // validates them as attributes named xmlns and xmlns:prefix.
        if node.namespaces().len() > 0 {
            for (qname, value, range) in namespace_declarations(input, node) {
                match element
                    .attributes
                    .iter()
                    .find(|known| &*known.name == qname)
                {
                    None => out.push(undeclared_attribute(element, qname, range)),
                    Some(declaration) => {
                        check_attribute_value(element_name, declaration, value, range, ids, out)
                    }
                }
            }
        }

        for declaration in &element.attributes {
            if declaration.default != DefaultDecl::Required {
                continue;
            }
            let present = node.attributes().any(|attribute| {
                input
                    .get(attribute.range_qname())
                    .unwrap_or(attribute.name())
                    == &*declaration.name
            }) || (declaration.name.starts_with("xmlns")
                && namespace_declarations(input, node)
                    .any(|(qname, _, _)| qname == &*declaration.name));
            if !present {
                out.push(Violation {
                    range: start_tag_range(input, node),
                    message: format!(
                        "{element_name}: missing required attribute {}",
                        declaration.name
                    ),
                    help: Some(format!(
                        "add {}=\"...\" to <{element_name}>",
                        declaration.name
                    )),
                });
            }
        }
    }
}

fn undeclared_attribute(element: &ElementDecl, qname: &str, range: Range<usize>) -> Violation {
    let declared: Vec<&str> = element
        .attributes
        .iter()
        .map(|attribute| &*attribute.name)
        .collect();
    let help = if declared.is_empty() {
        format!(
            "the DTD declares no attributes for {}; remove {qname}",
            element.name
        )
    } else {
        format!(
            "{} declares only {}; remove {qname}",
            element.name,
            declared.join(", ")
        )
    };
    Violation {
        range,
        message: format!("{}: undeclared attribute {qname}", element.name),
        help: Some(help),
    }
}

fn check_attribute_value<'a>(
    element: &str,
    declaration: &AttributeDecl,
    value: &'a str,
    range: Range<usize>,
    ids: &mut IdTable<'a>,
    out: &mut Vec<Violation>,
) {
    let name = &*declaration.name;
    if !declaration.kind.accepts(value) {
        let message = match &declaration.kind {
            AttributeType::Enumeration(_) => {
                format!(
                    "{element}: value \"{value}\" of attribute {name} is not one of {}",
                    declaration.kind
                )
            }
            kind => {
                format!("{element}: value \"{value}\" of attribute {name} is not a valid {kind}")
            }
        };
        out.push(Violation {
            range: range.clone(),
            message,
            help: None,
        });
    }
    if let DefaultDecl::Fixed(fixed) = &declaration.default {
        if &**fixed != value {
            out.push(Violation {
                range: range.clone(),
                message: format!(
                    "{element}: attribute {name} is #FIXED to \"{fixed}\" but has \"{value}\""
                ),
                help: Some(format!(
                    "write {name}=\"{fixed}\" or leave the attribute out"
                )),
            });
        }
    }
    match declaration.kind {
        AttributeType::Id => ids.define(value, range, out),
        AttributeType::IdRef => ids.reference(value, range),
        AttributeType::IdRefs => {
            for token in value.split(' ').filter(|token| !token.is_empty()) {
                ids.reference(token, range.clone());
            }
        }
        _ => {}
    }
}

/// ID values defined so far and IDREF values to resolve at the end.
#[derive(Default)]
struct IdTable<'a> {
    defined: HashMap<&'a str, Range<usize>>,
    references: Vec<(&'a str, Range<usize>)>,
}

impl<'a> IdTable<'a> {
    fn define(&mut self, value: &'a str, range: Range<usize>, out: &mut Vec<Violation>) {
        if self.defined.contains_key(value) {
            out.push(Violation {
                range,
                message: format!("ID \"{value}\" is already defined"),
                help: Some("every ID attribute value must be unique in the document".to_owned()),
            });
        } else {
            self.defined.insert(value, range);
        }
    }

    fn reference(&mut self, value: &'a str, range: Range<usize>) {
        self.references.push((value, range));
    }

    fn resolve(self, out: &mut Vec<Violation>) {
        for (value, range) in self.references {
            if !self.defined.contains_key(value) {
                out.push(Violation {
                    range,
                    message: format!("IDREF \"{value}\" does not match any ID in the document"),
                    help: None,
                });
            }
        }
    }
}

fn validate_content(
    input: &str,
    node: Node<'_, '_>,
    element: &ElementDecl,
    dtd: &Dtd,
    out: &mut Vec<Violation>,
) {
    match &element.content {
        ContentSpec::Any => {}
        ContentSpec::Empty => {
            if node.has_children() {
                let problem = Problem::EmptyHasContent;
                push(
                    out,
                    start_tag_range(input, node),
                    ContentMatcher::new(dtd, element).error(problem, None),
                );
            }
        }
        ContentSpec::Mixed(_) => {
            let mut matcher = ContentMatcher::new(dtd, element);
            for child in node.children().filter(|child| child.is_element()) {
                let name = qualified_name(input, child);
                if let Err(problem) = matcher.step_element(name, None) {
                    push(
                        out,
                        start_tag_range(input, child),
                        matcher.error(problem, None),
                    );
                }
            }
        }
        ContentSpec::Children(..) => validate_children(input, node, element, dtd, out),
    }
}

fn validate_children(
    input: &str,
    node: Node<'_, '_>,
    element: &ElementDecl,
    dtd: &Dtd,
    out: &mut Vec<Violation>,
) {
    let mut matcher = ContentMatcher::new(dtd, element);
    // Built on the first violation only, once per element, so an element
    // with a million children and many violations stays linear.
    let mut found: Option<String> = None;
    let mut counts: Option<HashMap<&str, usize>> = None;
    for child in node.children() {
        match child.node_type() {
            NodeType::Element => {
                let name = qualified_name(input, child);
                let step = matcher.step_element(name, None);
                if let Some(counts) = counts.as_mut() {
                    *counts.entry(name).or_default() += 1;
                }
                let Err(problem) = step else {
                    continue;
                };
                let problem = match problem {
                    Problem::Repeated {
                        child: repeated, ..
                    } => {
                        let counts = counts
                            .get_or_insert_with(|| count_children_through(input, node, child));
                        let count = counts.get(repeated).copied().unwrap_or(1);
                        Problem::Repeated {
                            child: repeated,
                            count: Some(count.saturating_sub(1)),
                        }
                    }
                    other => other,
                };
                let found = found.get_or_insert_with(|| found_children(input, node));
                push(
                    out,
                    start_tag_range(input, child),
                    matcher.error(problem, Some(found)),
                );
            }
            NodeType::Text => {
                let text = child.text().unwrap_or("");
                let problem = if !text.chars().all(is_xml_space) {
                    Problem::Text
                } else if raw_text_has_cdata(input, node, child) {
                    Problem::Cdata
                } else {
                    continue;
                };
                let found = found.get_or_insert_with(|| found_children(input, node));
                push(
                    out,
                    text_range(input, child),
                    matcher.error(problem, Some(found)),
                );
            }
            _ => {}
        }
    }
    if let Some(problem) = matcher.end() {
        let found = found.get_or_insert_with(|| found_children(input, node));
        push(
            out,
            start_tag_range(input, node),
            matcher.error(problem, Some(found)),
        );
    }
}

/// Counts the element children of `parent` by name, up to and including `last`.
fn count_children_through<'a>(
    input: &'a str,
    parent: Node<'_, 'a>,
    last: Node<'_, 'a>,
) -> HashMap<&'a str, usize> {
    let mut counts = HashMap::new();
    for child in parent.children().filter(|child| child.is_element()) {
        *counts.entry(qualified_name(input, child)).or_default() += 1;
        if child == last {
            break;
        }
    }
    counts
}

fn push(out: &mut Vec<Violation>, range: Range<usize>, error: MatchError) {
    out.push(Violation {
        range,
        message: error.message,
        help: error.help,
    });
}

/// Lists the element children of `node` as `(A, B, C)`, with `#PCDATA` for
/// non-white-space text, shortened after [`MAX_FOUND_NAMES`] items.
fn found_children(input: &str, node: Node<'_, '_>) -> String {
    let mut items: Vec<&str> = Vec::new();
    let mut total = 0usize;
    for child in node.children() {
        let item = match child.node_type() {
            NodeType::Element => qualified_name(input, child),
            NodeType::Text if !child.text().unwrap_or("").chars().all(is_xml_space) => "#PCDATA",
            _ => continue,
        };
        total += 1;
        if items.len() < MAX_FOUND_NAMES {
            items.push(item);
        }
    }
    let mut found = format!("({}", items.join(", "));
    if total > items.len() {
        found.push_str(&format!(", ... {} more", total - items.len()));
    }
    found.push(')');
    found
}

/// Returns the element's name as written, with its prefix. roxmltree stores
/// only the local name and the namespace URI, so a namespaced name is read
/// from the input text.
fn qualified_name<'a>(input: &'a str, node: Node<'_, 'a>) -> &'a str {
    let tag = node.tag_name();
    if tag.namespace().is_none() {
        return tag.name();
    }
    let start = node.range().start + 1;
    let rest = input.get(start..).unwrap_or("");
    let end = rest
        .char_indices()
        .find(|&(_, c)| !is_name_char(c))
        .map_or(rest.len(), |(index, _)| index);
    rest.get(..end)
        .filter(|name| !name.is_empty())
        .unwrap_or(tag.name())
}

/// Returns the byte range of the element's start tag, from `<` to `>`.
fn start_tag_range(input: &str, node: Node<'_, '_>) -> Range<usize> {
    let range = node.range();
    let bytes = input.as_bytes().get(range.clone()).unwrap_or(&[]);
    let mut quote: Option<u8> = None;
    for (index, &byte) in bytes.iter().enumerate() {
        match quote {
            Some(open) if byte == open => quote = None,
            Some(_) => {}
            None if byte == b'"' || byte == b'\'' => quote = Some(byte),
            None if byte == b'>' => return range.start..range.start + index + 1,
            None => {}
        }
    }
    range
}

/// Returns the range of a text node without leading white space, so a
/// diagnostic points at the first offending character.
fn text_range(input: &str, node: Node<'_, '_>) -> Range<usize> {
    let range = node.range();
    let raw = input.get(range.clone()).unwrap_or("");
    let trimmed = raw.trim_start_matches(is_xml_space);
    let start = range.start + (raw.len() - trimmed.len());
    if start >= range.end {
        range
    } else {
        start..range.end
    }
}

/// Returns whether the raw text that makes up `text` (a child of `parent`)
/// contains a CDATA section. roxmltree merges text and CDATA into one node
/// whose range covers only its first piece, so the raw input is scanned up
/// to the next sibling or the parent's end tag. Within that span the only
/// markup that can occur is a CDATA section, so any `<` marks one.
fn raw_text_has_cdata(input: &str, parent: Node<'_, '_>, text: Node<'_, '_>) -> bool {
    let start = text.range().start;
    let end = match text.next_sibling() {
        Some(next) => next.range().start,
        None => {
            let parent_end = parent.range().end;
            input
                .get(..parent_end)
                .and_then(|before| before.rfind('<'))
                .unwrap_or(parent_end)
        }
    };
    input
        .as_bytes()
        .get(start..end)
        .is_some_and(|raw| raw.contains(&b'<'))
}

/// Returns the namespace declarations (`xmlns` and `xmlns:prefix`) written in
/// the element's start tag, with their raw values and ranges.
fn namespace_declarations<'a>(
    input: &'a str,
    node: Node<'_, 'a>,
) -> impl Iterator<Item = (&'a str, &'a str, Range<usize>)> {
    let tag = start_tag_range(input, node);
    let base = tag.start;
    let text = input.get(tag).unwrap_or("");
    StartTagAttributes { text, pos: 0 }
        .filter(|(qname, _, _)| *qname == "xmlns" || qname.starts_with("xmlns:"))
        .map(move |(qname, value, range)| (qname, value, base + range.start..base + range.end))
}

/// Splits a well-formed start tag into its attributes: name, raw value and range.
struct StartTagAttributes<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Iterator for StartTagAttributes<'a> {
    type Item = (&'a str, &'a str, Range<usize>);

    fn next(&mut self) -> Option<Self::Item> {
        let bytes = self.text.as_bytes();
        if self.pos == 0 {
            // Skip `<` and the element name.
            self.pos = 1 + self.text.get(1..)?.find(|c: char| !is_name_char(c))?;
        }
        while bytes
            .get(self.pos)
            .is_some_and(|&b| is_xml_space(char::from(b)))
        {
            self.pos += 1;
        }
        let start = self.pos;
        let name_len = self.text.get(start..)?.find(|c: char| !is_name_char(c))?;
        if name_len == 0 {
            return None;
        }
        let name = self.text.get(start..start + name_len)?;
        let after_name = self.text.get(start + name_len..)?;
        let quote_at = start + name_len + after_name.find(['"', '\''])?;
        let quote = *bytes.get(quote_at)?;
        let value_start = quote_at + 1;
        let value_len = self.text.get(value_start..)?.find(char::from(quote))?;
        let value = self.text.get(value_start..value_start + value_len)?;
        self.pos = value_start + value_len + 1;
        Some((name, value, start..self.pos))
    }
}
