//! Differential test: v6map's DTD validator against `xmllint --dtdvalid`.
//!
//! A property test builds valid documents for each bundled DTD and mutates
//! them: a child dropped, duplicated, swapped or renamed, text, CDATA or an
//! attribute inserted, a namespace prefix added. It asserts that v6map and
//! xmllint agree on whether each document is valid.
//!
//! Without xmllint the test prints that it was skipped and passes, except
//! when the environment variable `CI` is `true`, where it fails.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use v6map::dtd::{self, Dtd};

/// Number of generated documents; each one runs xmllint once. The environment
/// variable `V6MAP_DTD_CASES` overrides it for a longer local run.
const CASES: u32 = 120;

/// Returns whether xmllint can be run. Fails when it cannot and `CI=true`.
fn xmllint_available() -> bool {
    let found = Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|output| output.status.success());
    if !found {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "xmllint is required in CI; install it with `apt-get install libxml2-utils`"
        );
        // Written to the stderr handle directly, because libtest captures
        // eprintln! output of passing tests and the notice would be lost.
        let _ = writeln!(
            std::io::stderr(),
            "dtd_differential skipped: xmllint is not installed; install it with `apt-get install libxml2-utils`"
        );
    }
    found
}

/// A generated XML node.
#[derive(Clone, Debug)]
enum Item {
    Element(Element),
    /// Raw markup written as is: text, entity references, CDATA, comments.
    Raw(String),
}

#[derive(Clone, Debug)]
struct Element {
    name: String,
    attributes: Vec<(String, String)>,
    children: Vec<Item>,
}

impl Element {
    fn new(name: &str, children: Vec<Item>) -> Element {
        Element {
            name: name.to_owned(),
            attributes: Vec::new(),
            children,
        }
    }

    fn write(&self, out: &mut String) {
        out.push('<');
        out.push_str(&self.name);
        for (name, value) in &self.attributes {
            out.push_str(&format!(" {name}=\"{value}\""));
        }
        if self.children.is_empty() {
            out.push_str("/>");
            return;
        }
        out.push('>');
        for child in &self.children {
            match child {
                Item::Element(element) => element.write(out),
                Item::Raw(raw) => out.push_str(raw),
            }
        }
        out.push_str(&format!("</{}>", self.name));
    }
}

/// A stream of random numbers taken from a proptest-generated vector.
struct Tape {
    values: Vec<u32>,
    next: usize,
}

impl Tape {
    fn take(&mut self, bound: u32) -> u32 {
        let value = self
            .values
            .get(self.next % self.values.len().max(1))
            .copied()
            .unwrap_or(0);
        self.next += 1;
        value % bound.max(1)
    }

    fn chance(&mut self, percent: u32) -> bool {
        self.take(100) < percent
    }
}

/// Separators written between child elements; all are valid in element content.
const SEPARATORS: &[&str] = &["", "\n", "\n  ", " \t", "<!-- note -->", "\n<?pi data?>\n"];

/// Leaf texts; all are valid #PCDATA.
const TEXTS: &[&str] = &[
    "",
    "0.0.0.1",
    "2001:db8::1",
    "46947",
    "a &amp; b",
    "<![CDATA[<raw>]]>",
    " spaced ",
    "&#233;t&#xE9;",
    "2017-11-28T19:42:10Z",
];

fn leaf(tape: &mut Tape, name: &str) -> Item {
    let text = TEXTS[tape.take(TEXTS.len() as u32) as usize];
    let children = if text.is_empty() {
        Vec::new()
    } else {
        vec![Item::Raw(text.to_owned())]
    };
    Item::Element(Element::new(name, children))
}

/// Builds an element whose children are `items`, with random separators.
fn parent(tape: &mut Tape, name: &str, items: Vec<Item>) -> Item {
    let mut children = Vec::new();
    for item in items {
        children.push(Item::Raw(
            SEPARATORS[tape.take(SEPARATORS.len() as u32) as usize].to_owned(),
        ));
        children.push(item);
    }
    if !children.is_empty() {
        children.push(Item::Raw("\n".to_owned()));
    }
    children.retain(|child| !matches!(child, Item::Raw(raw) if raw.is_empty()));
    Item::Element(Element::new(name, children))
}

fn ip_map(tape: &mut Tape, id: bool) -> Item {
    let mut items = Vec::new();
    if id {
        items.push(leaf(tape, "ID"));
    }
    items.push(leaf(tape, "V4"));
    items.push(leaf(tape, "V6"));
    parent(tape, "IP_MAP", items)
}

fn request(tape: &mut Tape) -> Item {
    let mut items = vec![
        leaf(tape, "DATETIME"),
        leaf(tape, "USER_LOGIN"),
        leaf(tape, "RESOURCE"),
    ];
    if tape.chance(50) {
        let params = (0..1 + tape.take(3))
            .map(|_| {
                let pair = vec![leaf(tape, "KEY"), leaf(tape, "VALUE")];
                parent(tape, "PARAM", pair)
            })
            .collect();
        items.push(parent(tape, "PARAM_LIST", params));
    }
    if tape.chance(50) {
        items.push(leaf(tape, "POST_DATA"));
    }
    parent(tape, "REQUEST", items)
}

/// Builds a valid document for the bundled DTD `dtd`.
fn valid_document(tape: &mut Tape, dtd: &str) -> Element {
    let root = match dtd {
        "ip_map_list" => {
            let maps = (0..1 + tape.take(4))
                .map(|_| {
                    let id = tape.chance(40);
                    ip_map(tape, id)
                })
                .collect();
            parent(tape, "IP_MAP_LIST", maps)
        }
        "ip_map_list_output" => {
            let mut response = vec![leaf(tape, "DATETIME")];
            if tape.chance(80) {
                let maps = (0..tape.take(4)).map(|_| ip_map(tape, true)).collect();
                response.push(parent(tape, "IP_MAP_LIST", maps));
            }
            if tape.chance(30) {
                let mut warning = Vec::new();
                if tape.chance(50) {
                    warning.push(leaf(tape, "CODE"));
                }
                warning.push(leaf(tape, "TEXT"));
                if tape.chance(50) {
                    warning.push(leaf(tape, "URL"));
                }
                response.push(parent(tape, "WARNING", warning));
            }
            let mut items = Vec::new();
            if tape.chance(30) {
                items.push(request(tape));
            }
            items.push(parent(tape, "RESPONSE", response));
            parent(tape, "IP_MAP_LIST_OUTPUT", items)
        }
        _ => {
            let mut response = vec![leaf(tape, "DATETIME")];
            if tape.chance(50) {
                response.push(leaf(tape, "CODE"));
            }
            response.push(leaf(tape, "TEXT"));
            if tape.chance(40) {
                let items = (0..1 + tape.take(3))
                    .map(|_| {
                        let mut item = vec![leaf(tape, "KEY")];
                        for _ in 0..tape.take(3) {
                            item.push(leaf(tape, "VALUE"));
                        }
                        parent(tape, "ITEM", item)
                    })
                    .collect();
                response.push(parent(tape, "ITEM_LIST", items));
            }
            let mut items = Vec::new();
            if tape.chance(30) {
                items.push(request(tape));
            }
            items.push(parent(tape, "RESPONSE", response));
            parent(tape, "SIMPLE_RETURN", items)
        }
    };
    match root {
        Item::Element(element) => element,
        Item::Raw(_) => unreachable!("parent() returns an element"),
    }
}

/// Returns the paths (child indexes from the root) of every element.
fn element_paths(element: &Element, path: &mut Vec<usize>, out: &mut Vec<Vec<usize>>) {
    out.push(path.clone());
    for (index, child) in element.children.iter().enumerate() {
        if let Item::Element(child) = child {
            path.push(index);
            element_paths(child, path, out);
            path.pop();
        }
    }
}

fn element_at<'e>(root: &'e mut Element, path: &[usize]) -> &'e mut Element {
    let mut current = root;
    for &index in path {
        current = match &mut current.children[index] {
            Item::Element(element) => element,
            Item::Raw(_) => unreachable!("paths lead to elements"),
        };
    }
    current
}

/// Names used when renaming: declared ones (valid elsewhere), an undeclared one
/// and a prefixed one.
const RENAMES: &[&str] = &[
    "V4", "V6", "ID", "TEXT", "KEY", "VALUE", "HOSTNAME", "IP_MAP", "q:V4",
];

/// Applies mutation `kind` to a random element of `root`. Many mutations keep
/// the document valid (dropping an optional child, repeating a `+` child); the
/// test compares verdicts, so both outcomes are useful.
fn mutate(tape: &mut Tape, root: &mut Element, kind: u32) -> &'static str {
    let mut paths = Vec::new();
    element_paths(root, &mut Vec::new(), &mut paths);
    let path = paths[tape.take(paths.len() as u32) as usize].clone();
    let target = element_at(root, &path);
    let element_indexes: Vec<usize> = target
        .children
        .iter()
        .enumerate()
        .filter(|(_, child)| matches!(child, Item::Element(_)))
        .map(|(index, _)| index)
        .collect();
    let pick = |tape: &mut Tape| -> Option<usize> {
        (!element_indexes.is_empty())
            .then(|| element_indexes[tape.take(element_indexes.len() as u32) as usize])
    };
    match kind {
        0 => "none",
        1 => {
            if let Some(index) = pick(tape) {
                target.children.remove(index);
            }
            "drop a child"
        }
        2 => {
            if let Some(index) = pick(tape) {
                let copy = target.children[index].clone();
                target.children.insert(index, copy);
            }
            "duplicate a child"
        }
        3 => {
            if element_indexes.len() >= 2 {
                let at = tape.take(element_indexes.len() as u32 - 1) as usize;
                target
                    .children
                    .swap(element_indexes[at], element_indexes[at + 1]);
            }
            "swap two children"
        }
        4 => {
            let name = RENAMES[tape.take(RENAMES.len() as u32) as usize];
            target.name = name.to_owned();
            if name.contains(':') {
                target
                    .attributes
                    .push(("xmlns:q".to_owned(), "urn:example:q".to_owned()));
            }
            "rename an element"
        }
        5 => {
            let at = tape.take(target.children.len() as u32 + 1) as usize;
            target
                .children
                .insert(at, Item::Raw("stray text".to_owned()));
            "insert text"
        }
        6 => {
            target.attributes.push(("id".to_owned(), "1".to_owned()));
            "add an attribute"
        }
        7 => {
            let at = tape.take(target.children.len() as u32 + 1) as usize;
            target
                .children
                .insert(at, Item::Raw("<![CDATA[ ]]>".to_owned()));
            "insert white space in CDATA"
        }
        8 => {
            let at = tape.take(target.children.len() as u32 + 1) as usize;
            target
                .children
                .insert(at, Item::Raw("<!-- comment -->\n \t".to_owned()));
            "insert a comment and white space"
        }
        9 => {
            let at = tape.take(target.children.len() as u32 + 1) as usize;
            target
                .children
                .insert(at, Item::Element(Element::new("V4", Vec::new())));
            "insert an empty V4"
        }
        10 => {
            let at = tape.take(target.children.len() as u32 + 1) as usize;
            target.children.insert(at, Item::Raw("&#160;".to_owned()));
            "insert a no-break space"
        }
        _ => {
            target
                .attributes
                .push(("xmlns".to_owned(), "urn:example:default".to_owned()));
            "add a default namespace"
        }
    }
}

struct Setup {
    directory: tempfile::TempDir,
}

impl Setup {
    fn new() -> Setup {
        let directory = tempfile::tempdir().expect("create a temporary directory");
        for name in dtd::BUNDLED {
            let text = dtd::bundled_text(name).expect("bundled DTD");
            std::fs::write(directory.path().join(format!("{name}.dtd")), text).expect("write DTD");
        }
        Setup { directory }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.directory.path().join(name)
    }
}

/// Runs xmllint; returns whether it judged the document valid and its messages.
fn xmllint_verdict(dtd_path: &Path, document_path: &Path) -> (bool, String) {
    let output = Command::new("xmllint")
        .arg("--nonet")
        .arg("--dtdvalid")
        .arg(dtd_path)
        .arg("--noout")
        .arg(document_path)
        .output()
        .expect("run xmllint");
    let messages = String::from_utf8_lossy(&output.stderr).into_owned();
    match output.status.code() {
        Some(0) => (true, messages),
        Some(3 | 4) => (false, messages),
        other => panic!("xmllint failed to run (exit {other:?}): {messages}"),
    }
}

fn check_case(
    setup: &Setup,
    dtd_index: usize,
    tape: Vec<u32>,
    mutation: u32,
) -> Result<(), TestCaseError> {
    let name = dtd::BUNDLED[dtd_index];
    let mut tape = Tape {
        values: tape,
        next: 0,
    };
    let mut root = valid_document(&mut tape, name);
    let mutation_name = mutate(&mut tape, &mut root, mutation);
    let mut text = String::new();
    root.write(&mut text);
    text.push('\n');

    let document_path = setup.path("document.xml");
    std::fs::write(&document_path, &text).expect("write document");
    let (xmllint_valid, messages) =
        xmllint_verdict(&setup.path(&format!("{name}.dtd")), &document_path);

    let document = roxmltree::Document::parse(&text).map_err(|error| {
        TestCaseError::fail(format!("generated XML is not well formed: {error}\n{text}"))
    })?;
    let dtd = Dtd::bundled(name).expect("bundled DTD parses");
    let violations = dtd.validate_tree(document.root_element());
    let ours: Vec<&str> = violations
        .iter()
        .map(|violation| violation.message.as_str())
        .collect();

    prop_assert_eq!(
        violations.is_empty(),
        xmllint_valid,
        "verdicts differ for {} after mutation \"{}\"\ndocument:\n{}\nxmllint:\n{}\nv6map: {:?}",
        name,
        mutation_name,
        text,
        messages,
        ours
    );
    Ok(())
}

#[test]
fn verdicts_match_xmllint() {
    if !xmllint_available() {
        return;
    }
    let setup = Setup::new();
    let config = Config {
        cases: std::env::var("V6MAP_DTD_CASES")
            .ok()
            .and_then(|cases| cases.parse().ok())
            .unwrap_or(CASES),
        failure_persistence: None,
        ..Config::default()
    };
    let mut runner = TestRunner::new(config);
    let strategy = (0..dtd::BUNDLED.len(), vec(any::<u32>(), 8..64), 0..12u32);
    let result = runner.run(&strategy, |(dtd_index, tape, mutation)| {
        check_case(&setup, dtd_index, tape, mutation)
    });
    if let Err(error) = result {
        panic!("{error}");
    }
}

#[test]
fn unmutated_documents_are_valid_for_xmllint() {
    if !xmllint_available() {
        return;
    }
    let setup = Setup::new();
    for (dtd_index, name) in dtd::BUNDLED.iter().enumerate() {
        for seed in 0..5u32 {
            let values = (0..32)
                .map(|index| seed.wrapping_mul(2_654_435_761).wrapping_add(index * 97))
                .collect();
            let mut tape = Tape { values, next: 0 };
            let mut text = String::new();
            valid_document(&mut tape, name).write(&mut text);
            let document_path = setup.path("valid.xml");
            std::fs::write(&document_path, &text).expect("write document");
            let (valid, messages) =
                xmllint_verdict(&setup.path(&format!("{name}.dtd")), &document_path);
            assert!(valid, "generator for {name} (DTD {dtd_index}) wrote an invalid document:\n{text}\n{messages}");
        }
    }
}

/// A DTD with every construct the bundled DTDs lack: attributes of each
/// type, EMPTY, ANY and mixed content.
const CONSTRUCTS_DTD: &str = r#"<!ELEMENT r (e*, c?, m?, p?, any?)>
<!ELEMENT e EMPTY>
<!ELEMENT c (e | (p, e))>
<!ELEMENT m (#PCDATA | e)*>
<!ELEMENT p (#PCDATA)>
<!ELEMENT any ANY>
<!ATTLIST e q CDATA #IMPLIED t NMTOKEN #FIXED " a " k (x | y) "x" ns NMTOKENS #IMPLIED>
<!ATTLIST e i ID #IMPLIED ref IDREF #IMPLIED refs IDREFS #IMPLIED>
<!ATTLIST r need CDATA #REQUIRED>
"#;

/// Documents for [`CONSTRUCTS_DTD`], each inside `<r need="">`.
const CONSTRUCTS_CASES: &[&str] = &[
    "",
    "<e/><e></e>",
    "<e> </e>",
    "<e><!--c--></e>",
    "<e><?p?></e>",
    "<c><e/></c>",
    "<c><p>t</p><e/></c>",
    "<c><p/></c>",
    "<c><e/><e/></c>",
    "<m>a<e/>b<![CDATA[c]]><e/></m>",
    "<m><p/></m>",
    "<p>t<!--c--><?p?><![CDATA[x]]></p>",
    "<p><e/></p>",
    "<any>t<e/><p/><r need=''/></any>",
    "<any><undeclared/></any>",
    "<e/><c><e/></c><m/><p/><any/>",
    "<c><e/></c><e/>",
    "<e q='anything at all'/>",
    "<e t='a'/>",
    "<e t=' a'/>",
    "<e t='b'/>",
    "<e k='y'/>",
    "<e k='z'/>",
    "<e k=' x'/>",
    "<e ns='a b'/>",
    "<e ns=' a  b '/>",
    "<e ns=''/>",
    "<e ns='a&#9;b'/>",
    "<e i='x'/><e ref='x'/>",
    "<e i='x'/><e i='x'/>",
    "<e ref='nowhere'/>",
    "<e i='a1'/><e i='a2' refs='a1 a2'/>",
    "<e i='a1'/><e refs='a1 a3'/>",
    "<e i='1x'/>",
    "<e i='a:b'/>",
    "<e z='1'/>",
    "<e xml:lang='en'/>",
    "<e xmlns:q='urn:q'/>",
    "<q:e xmlns:q='urn:q'/>",
    " text ",
    "&#160;",
    "<![CDATA[]]>",
];

#[test]
fn constructs_match_xmllint() {
    if !xmllint_available() {
        return;
    }
    let setup = Setup::new();
    let dtd_path = setup.path("constructs.dtd");
    std::fs::write(&dtd_path, CONSTRUCTS_DTD).expect("write DTD");
    let dtd = Dtd::parse(CONSTRUCTS_DTD).expect("test DTD parses");

    let mut disagreements = Vec::new();
    for (index, content) in CONSTRUCTS_CASES.iter().enumerate() {
        let text = format!("<r need=''>{content}</r>\n");
        let document_path = setup.path(&format!("construct-{index}.xml"));
        std::fs::write(&document_path, &text).expect("write document");
        let (xmllint_valid, messages) = xmllint_verdict(&dtd_path, &document_path);

        let document = roxmltree::Document::parse(&text).expect("test XML is well formed");
        let violations = dtd.validate_tree(document.root_element());
        if violations.is_empty() != xmllint_valid {
            let ours: Vec<&str> = violations
                .iter()
                .map(|violation| violation.message.as_str())
                .collect();
            disagreements.push(format!(
                "{text}  xmllint: {}  v6map: {ours:?}",
                messages.trim()
            ));
        }
    }
    assert!(
        disagreements.is_empty(),
        "verdicts differ:\n{}",
        disagreements.join("\n")
    );

    // The root itself lacks the #REQUIRED attribute.
    let document_path = setup.path("missing-required.xml");
    std::fs::write(&document_path, "<r/>").expect("write document");
    let (xmllint_valid, _) = xmllint_verdict(&dtd_path, &document_path);
    let document = roxmltree::Document::parse("<r/>").expect("well formed");
    assert_eq!(
        dtd.validate_tree(document.root_element()).is_empty(),
        xmllint_valid,
        "<r/> lacks need"
    );
}
