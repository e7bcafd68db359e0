use super::*;

fn parse(text: &str) -> Dtd {
    match Dtd::parse(text) {
        Ok(dtd) => dtd,
        Err(error) => panic!("DTD should parse: {error}\n{text}"),
    }
}

fn parse_error(text: &str) -> DtdError {
    match Dtd::parse(text) {
        Ok(_) => panic!("DTD should be rejected:\n{text}"),
        Err(error) => error,
    }
}

/// Validates `xml` and returns each violation as "line:column message".
fn violations(dtd: &Dtd, xml: &str) -> Vec<String> {
    let document = roxmltree::Document::parse(xml).expect("test XML is well formed");
    dtd.validate_tree(document.root_element())
        .into_iter()
        .map(|violation| {
            let position = document.text_pos_at(violation.range.start);
            format!("{}:{} {}", position.row, position.col, violation.message)
        })
        .collect()
}

fn is_valid(dtd: &Dtd, xml: &str) -> bool {
    violations(dtd, xml).is_empty()
}

// ---- parser: constructs ----

#[test]
fn parse_content_models_round_trip() {
    let cases = [
        ("<!ELEMENT e EMPTY>", "EMPTY"),
        ("<!ELEMENT e ANY>", "ANY"),
        ("<!ELEMENT e (#PCDATA)>", "(#PCDATA)"),
        ("<!ELEMENT e (#PCDATA)*>", "(#PCDATA)"),
        ("<!ELEMENT e ( #PCDATA | a | b )*>", "(#PCDATA | a | b)*"),
        ("<!ELEMENT e (a)>", "(a)"),
        ("<!ELEMENT e (a+)>", "(a+)"),
        ("<!ELEMENT e ( a , b? , c* , d+ )>", "(a, b?, c*, d+)"),
        ("<!ELEMENT e (a | b | c)*>", "(a | b | c)*"),
        (
            "<!ELEMENT e ((a | b)+, c?, (d, f)*)>",
            "((a | b)+, c?, (d, f)*)",
        ),
        ("<!ELEMENT e\n\t((a,(b|c)?),d)+\n>", "((a, (b | c)?), d)+"),
    ];
    for (text, expected) in cases {
        let dtd = parse(text);
        assert_eq!(dtd.content_model("e").as_deref(), Some(expected), "{text}");
    }
}

#[test]
fn parse_skips_comments_bom_and_text_declaration() {
    let text = "\u{FEFF}<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!-- a - comment -->\n<!ELEMENT a EMPTY><!---->";
    let dtd = parse(text);
    assert!(dtd.is_declared("a"));
    assert_eq!(dtd.element_names().collect::<Vec<_>>(), ["a"]);
}

#[test]
fn parse_attribute_types_and_defaults() {
    let text = r#"<!ELEMENT e EMPTY>
        <!ATTLIST e
            c CDATA #IMPLIED
            i ID #REQUIRED
            r IDREF #IMPLIED
            rs IDREFS #IMPLIED
            t NMTOKEN "a"
            ts NMTOKENS #FIXED "  x   y "
            en ( one | two ) 'one'
            f CDATA #FIXED "v &amp; &#65;&#x42;">
        <!ATTLIST e c CDATA #REQUIRED>"#;
    let dtd = parse(text);
    let element = dtd.element("e").expect("e is declared");
    let summary: Vec<String> = element
        .attributes
        .iter()
        .map(|attribute| {
            format!(
                "{} {} {:?}",
                attribute.name, attribute.kind, attribute.default
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            "c CDATA Implied",
            "i ID Required",
            "r IDREF Implied",
            "rs IDREFS Implied",
            "t NMTOKEN Default(\"a\")",
            "ts NMTOKENS Fixed(\"x y\")",
            "en (one | two) Default(\"one\")",
            "f CDATA Fixed(\"v & AB\")",
        ]
    );
}

#[test]
fn parse_attlist_before_element() {
    let dtd = parse("<!ATTLIST e a CDATA #REQUIRED><!ELEMENT e EMPTY>");
    assert_eq!(
        violations(&dtd, "<e/>"),
        ["1:1 e: missing required attribute a"]
    );
}

#[test]
fn parse_allows_deterministic_repetition() {
    for model in [
        "(a, b?)*",
        "(a*, b)",
        "((a, b) | c)+",
        "(a?, (b | c)*, d?)*",
    ] {
        let text = format!("<!ELEMENT e {model}>");
        assert!(Dtd::parse(&text).is_ok(), "{model} is deterministic");
    }
}

// ---- parser: errors ----

#[test]
fn parse_errors_name_position_and_cause() {
    let cases: &[(&str, usize, &str)] = &[
        (
            "<!ENTITY x 'y'>",
            0,
            "ENTITY declarations are not supported",
        ),
        (
            "<!NOTATION n SYSTEM 'x'>",
            0,
            "NOTATION declarations are not supported",
        ),
        ("%pe;", 0, "parameter-entity references are not supported"),
        (
            "<!ELEMENT %pe; EMPTY>",
            10,
            "parameter-entity references are not supported",
        ),
        (
            "<![INCLUDE[ <!ELEMENT a EMPTY> ]]>",
            0,
            "conditional sections",
        ),
        (
            "<?pi data?>",
            0,
            "processing instructions are not supported",
        ),
        ("<!DOCTYPE a>", 0, "unknown markup declaration"),
        (
            "hello",
            0,
            "expected <!ELEMENT, <!ATTLIST or a comment, found 'hello'",
        ),
        ("<!-- open", 0, "comment is not closed"),
        ("<!-- a -- b -->", 7, "'--' is not allowed inside a comment"),
        (
            "<!ELEMENT a EMPTY><!ELEMENT a ANY>",
            18,
            "element a is declared twice",
        ),
        ("<!ELEMENT a (b, c | d)>", 18, "mixes ',' and '|'"),
        (
            "<!ELEMENT a (#PCDATA | b)>",
            25,
            "expected '*' after the mixed content of a",
        ),
        (
            "<!ELEMENT a (#PCDATA | b | b)*>",
            27,
            "b appears twice in the mixed content of a",
        ),
        (
            "<!ELEMENT a (b | #PCDATA)*>",
            17,
            "#PCDATA may only appear first",
        ),
        (
            "<!ELEMENT a ((b, c) | (b, d))>",
            12,
            "content model of a is not deterministic: b can match",
        ),
        ("<!ELEMENT a (b?, b)>", 12, "not deterministic"),
        ("<!ELEMENT a ((b | c)*, b)>", 12, "not deterministic"),
        (
            "<!ELEMENT a ()>",
            13,
            "expected an element name or '(' in a content model",
        ),
        ("<!ELEMENT a (b c)>", 15, "expected ',', '|' or ')'"),
        (
            "<!ELEMENT a (b)",
            15,
            "expected '>' to close the ELEMENT declaration",
        ),
        (
            "<!ELEMENT a>",
            11,
            "expected white space after the element name a",
        ),
        (
            "<!ELEMENTa EMPTY>",
            9,
            "expected white space after <!ELEMENT",
        ),
        (
            "<!ELEMENT a EMPTYX>",
            17,
            "expected '>' to close the ELEMENT declaration",
        ),
        ("<!ELEMENT a empty>", 12, "expected EMPTY, ANY or '('"),
        (
            "<!ELEMENT 1a EMPTY>",
            10,
            "expected an element name after <!ELEMENT",
        ),
        (
            "<!ATTLIST a b FOO #IMPLIED>",
            14,
            "unknown attribute type FOO",
        ),
        (
            "<!ATTLIST a b ENTITY #IMPLIED>",
            14,
            "attribute type ENTITY is not supported",
        ),
        (
            "<!ATTLIST a b NOTATION (n) #IMPLIED>",
            14,
            "attribute type NOTATION is not supported",
        ),
        (
            "<!ATTLIST a b CDATA #DEFAULT>",
            20,
            "expected #REQUIRED, #IMPLIED, #FIXED or a quoted default value",
        ),
        (
            "<!ATTLIST a b CDATA>",
            19,
            "expected white space after the type of attribute b",
        ),
        (
            "<!ATTLIST a b CDATA \"x>",
            20,
            "default value of attribute b is not closed",
        ),
        (
            "<!ATTLIST a b CDATA \"<\">",
            21,
            "'<' is not allowed in an attribute value",
        ),
        (
            "<!ATTLIST a b CDATA \"&ent;\">",
            21,
            "entity reference &ent; is not supported",
        ),
        (
            "<!ATTLIST a b CDATA \"&#0;\">",
            21,
            "invalid reference &#0;",
        ),
        (
            "<!ATTLIST a b CDATA \"&#xZZ;\">",
            21,
            "invalid reference &#xZZ;",
        ),
        ("<!ATTLIST a b CDATA \"& x\">", 21, "not closed with ';'"),
        (
            "<!ATTLIST a b NMTOKEN \"a b\">",
            22,
            "default value \"a b\" of attribute b is not valid for its type NMTOKEN",
        ),
        (
            "<!ATTLIST a b (x | y) \"z\">",
            22,
            "not valid for its type (x | y)",
        ),
        (
            "<!ATTLIST a b (x | x) #IMPLIED>",
            19,
            "x appears twice in the enumeration of attribute b",
        ),
        (
            "<!ATTLIST a b () #IMPLIED>",
            15,
            "expected a name token in the enumeration of attribute b",
        ),
        (
            "<!ATTLIST a b ID \"x\">",
            17,
            "ID attribute b must be declared #IMPLIED or #REQUIRED",
        ),
        (
            "<!ELEMENT a EMPTY><!ATTLIST a b ID #IMPLIED c ID #IMPLIED>",
            44,
            "element a has two ID attributes, b and c",
        ),
        (
            "<!ATTLIST a b CDATA #IMPLIEDc CDATA #IMPLIED>",
            28,
            "expected white space or '>'",
        ),
        (
            "<?xml version='1.0'",
            0,
            "text declaration '<?xml' is not closed",
        ),
    ];
    for &(text, offset, message) in cases {
        let error = parse_error(text);
        assert!(
            error.message.contains(message),
            "{text}: message {:?} lacks {message:?}",
            error.message
        );
        assert_eq!(
            error.offset, offset,
            "{text}: offset of {:?}",
            error.message
        );
    }
}

#[test]
fn parse_error_line_and_column() {
    let error = parse_error("<!ELEMENT a EMPTY>\n<!-- é -->\n  <!ENTITY x 'y'>");
    assert_eq!((error.line, error.column), (3, 3));
    assert_eq!(error.offset, 33);
    assert_eq!(
        error.to_string(),
        format!("line 3, column 3: {}", error.message)
    );

    let error = parse_error("<!-- é --> <!ENTITY x 'y'>");
    assert_eq!(
        (error.line, error.column),
        (1, 12),
        "columns count characters, not bytes"
    );
}

#[test]
fn parse_rejects_deep_nesting() {
    let text = format!("<!ELEMENT a {}b{}>", "(".repeat(100), ")".repeat(100));
    let error = parse_error(&text);
    assert!(
        error.message.contains("nests groups deeper than 64 levels"),
        "{}",
        error.message
    );
}

#[test]
fn parse_rejects_huge_models() {
    let names: Vec<String> = (0..1100).map(|index| format!("n{index}")).collect();
    let error = parse_error(&format!("<!ELEMENT a ({})*>", names.join("|")));
    assert!(
        error.message.contains("content model of a is too large"),
        "{}",
        error.message
    );
}

#[test]
fn parse_limits_total_transitions() {
    // Each model is deterministic and has 1000 * 1000 transitions; the
    // fifth one exceeds the DTD-wide budget.
    let names: Vec<String> = (0..1000).map(|index| format!("n{index}")).collect();
    let model = format!("({})*", names.join("|"));
    let text: String = (0..5)
        .map(|index| format!("<!ELEMENT e{index} {model}>\n"))
        .collect();
    let error = parse_error(&text);
    assert!(
        error.message.contains("content model of e4 is too large: the content models of this DTD together have more than 4194304 transitions"),
        "{}",
        error.message
    );
}

proptest::proptest! {
    #[test]
    fn parse_never_panics_on_arbitrary_text(text in "\\PC{0,200}") {
        let _ = Dtd::parse(&text);
    }

    #[test]
    fn parse_never_panics_on_dtd_fragments(
        parts in proptest::collection::vec(
            proptest::sample::select(&[
                "<!ELEMENT ", "<!ATTLIST ", "<!--", "-->", "a", "b", " ", "(", ")", ",", "|", "?", "*", "+",
                "#PCDATA", "EMPTY", "ANY", "CDATA", "ID", "NMTOKEN", "#FIXED", "#REQUIRED", "\"", "'", "&#",
                "&amp;", ";", ">", "é", "\n", "%", "<?", "<![",
            ][..]),
            0..60,
        )
    ) {
        let text: String = parts.concat();
        if let Err(error) = Dtd::parse(&text) {
            proptest::prop_assert!(error.offset <= text.len());
            proptest::prop_assert!(error.line >= 1 && error.column >= 1);
        }
    }
}

// ---- bundled DTDs ----

#[test]
fn bundled_dtds_parse_by_either_name() {
    for name in BUNDLED {
        assert!(Dtd::bundled(name).is_some(), "{name} parses");
        assert!(
            Dtd::bundled(&format!("{name}.dtd")).is_some(),
            "{name}.dtd parses"
        );
        assert_eq!(bundled_text(name), bundled_text(&format!("{name}.dtd")));
        assert!(bundled_text(name).is_some_and(|text| text.contains("<!ELEMENT")));
    }
    assert!(Dtd::bundled("nope").is_none());
    assert!(bundled_text("ip_map_list.xml").is_none());
}

#[test]
fn bundled_root_names() {
    let roots = |name| Dtd::bundled(name).map(|dtd| dtd.root_names());
    assert_eq!(roots("ip_map_list"), Some(vec!["IP_MAP_LIST"]));
    assert_eq!(
        roots("ip_map_list_output"),
        Some(vec!["IP_MAP_LIST_OUTPUT"])
    );
    assert_eq!(roots("simple_return"), Some(vec!["SIMPLE_RETURN"]));
}

#[test]
fn bundled_content_models() {
    let upload = Dtd::bundled("ip_map_list").expect("bundled");
    assert_eq!(
        upload.content_model("IP_MAP").as_deref(),
        Some("(ID?, V4, V6)")
    );
    assert_eq!(
        upload.content_model("IP_MAP_LIST").as_deref(),
        Some("(IP_MAP+)")
    );
    let output = Dtd::bundled("ip_map_list_output").expect("bundled");
    assert_eq!(
        output.content_model("IP_MAP").as_deref(),
        Some("(ID, V4, V6)")
    );
    assert_eq!(
        output.content_model("RESPONSE").as_deref(),
        Some("(DATETIME, IP_MAP_LIST?, WARNING?)")
    );
    assert_eq!(
        output.content_model("WARNING").as_deref(),
        Some("(CODE?, TEXT, URL?)")
    );
    let simple = Dtd::bundled("simple_return").expect("bundled");
    assert_eq!(
        simple.content_model("ITEM").as_deref(),
        Some("(KEY, VALUE*)")
    );
    assert_eq!(simple.content_model("TEXT").as_deref(), Some("(#PCDATA)"));
}

// ---- validator: content models ----

#[test]
fn c19_reports_every_record_problem() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    let xml = include_str!("../../tests/fixtures/cases/C19.xml");
    assert_eq!(
        violations(dtd, xml),
        [
            "2:11 IP_MAP: expected (ID?, V4, V6), found (V6, V4)",
            "3:51 IP_MAP: unexpected second V6; expected (ID?, V4, V6), found (V4, V6, V6)",
            "4:3 IP_MAP: missing V6; expected (ID?, V4, V6), found (V4)",
            "5:51 IP_MAP: unknown element HOSTNAME; expected (ID?, V4, V6), found (V4, V6, HOSTNAME)",
        ]
    );
}

#[test]
fn c19_help_names_the_fix() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    let xml = include_str!("../../tests/fixtures/cases/C19.xml");
    let document = roxmltree::Document::parse(xml).expect("well formed");
    let found = dtd.validate_tree(document.root_element());
    let helps: Vec<&str> = found
        .iter()
        .map(|violation| violation.help.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(
        helps,
        [
            "V6 is out of order: at this point IP_MAP allows ID or V4; put the children in the order (ID?, V4, V6)",
            "IP_MAP allows V6 only as often as (ID?, V4, V6) says; remove the extra V6",
            "add V6 to IP_MAP",
            "IP_MAP allows only (ID?, V4, V6); remove the HOSTNAME element",
        ]
    );
    let ranges: Vec<&str> = found
        .iter()
        .map(|violation| &xml[violation.range.clone()])
        .collect();
    assert_eq!(ranges, ["<V6>", "<V6>", "<IP_MAP>", "<HOSTNAME>"]);
}

#[test]
fn empty_list_needs_one_record() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    let expected = ["1:1 IP_MAP_LIST: at least one IP_MAP required; expected (IP_MAP+), found ()"];
    assert_eq!(violations(dtd, "<IP_MAP_LIST></IP_MAP_LIST>"), expected);
    assert_eq!(violations(dtd, "<IP_MAP_LIST/>"), expected);
    assert_eq!(
        violations(dtd, "<IP_MAP_LIST>\n <!-- none -->\n</IP_MAP_LIST>"),
        expected
    );
}

#[test]
fn empty_record_lists_all_missing_children() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    assert_eq!(
        violations(dtd, "<IP_MAP_LIST><IP_MAP/></IP_MAP_LIST>"),
        ["1:14 IP_MAP: missing V4, V6; expected (ID?, V4, V6), found ()"]
    );
}

#[test]
fn repeated_children_count_ordinals() {
    let dtd = parse("<!ELEMENT r (a, b?)><!ELEMENT a EMPTY><!ELEMENT b EMPTY>");
    assert_eq!(
        violations(&dtd, "<r><a/><a/><a/></r>"),
        [
            "1:8 r: unexpected second a; expected (a, b?), found (a, a, a)",
            "1:12 r: unexpected third a; expected (a, b?), found (a, a, a)",
        ]
    );
}

#[test]
fn declared_element_outside_model() {
    let dtd = parse("<!ELEMENT r (a)><!ELEMENT a EMPTY><!ELEMENT b EMPTY>");
    assert_eq!(
        violations(&dtd, "<r><a/><b/></r>"),
        ["1:8 r: b is not allowed here; expected (a), found (a, b)"]
    );
}

#[test]
fn undeclared_elements_reported_once() {
    let dtd = parse("<!ELEMENT r (a | x)*><!ELEMENT a ANY>");
    assert_eq!(
        violations(&dtd, "<r><x/><a><y><z/></y></a></r>"),
        [
            "1:4 unknown element x: the DTD does not declare it",
            "1:11 unknown element y: the DTD does not declare it",
            "1:14 unknown element z: the DTD does not declare it",
        ]
    );
    assert_eq!(
        violations(&dtd, "<q/>"),
        ["1:1 unknown element q: the DTD does not declare it"]
    );
}

#[test]
fn text_in_element_content() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    assert_eq!(
        violations(
            dtd,
            "<IP_MAP_LIST>\n  oops <IP_MAP><V4>0.0.0.1</V4><V6>::2</V6></IP_MAP></IP_MAP_LIST>"
        ),
        ["2:3 IP_MAP_LIST: text is not allowed; expected (IP_MAP+), found (#PCDATA, IP_MAP)"]
    );
    assert!(is_valid(
        dtd,
        "<IP_MAP_LIST>&#32;\r\n\t<IP_MAP><V4/><V6/></IP_MAP> </IP_MAP_LIST>"
    ));
    assert!(!is_valid(
        dtd,
        "<IP_MAP_LIST>&#160;<IP_MAP><V4/><V6/></IP_MAP></IP_MAP_LIST>"
    ));
}

#[test]
fn cdata_in_element_content() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    for xml in [
        "<IP_MAP_LIST><![CDATA[]]><IP_MAP><V4/><V6/></IP_MAP></IP_MAP_LIST>",
        "<IP_MAP_LIST>\n <![CDATA[ ]]>\n<IP_MAP><V4/><V6/></IP_MAP></IP_MAP_LIST>",
        "<IP_MAP_LIST><IP_MAP><V4/><V6/></IP_MAP> <![CDATA[\n]]></IP_MAP_LIST>",
    ] {
        let found = violations(dtd, xml);
        assert_eq!(found.len(), 1, "{xml}: {found:?}");
        assert!(
            found[0].contains("IP_MAP_LIST: CDATA section is not allowed"),
            "{xml}: {found:?}"
        );
    }
    assert!(is_valid(
        dtd,
        "<IP_MAP_LIST><IP_MAP><V4><![CDATA[0.0.0.1]]></V4><V6/></IP_MAP></IP_MAP_LIST>"
    ));
}

#[test]
fn empty_elements_allow_nothing() {
    let dtd = parse("<!ELEMENT r (e*)><!ELEMENT e EMPTY>");
    assert!(is_valid(&dtd, "<r><e/><e></e></r>"));
    for content in [" ", "<!--c-->", "<?p?>", "x", "<e/>"] {
        let xml = format!("<r><e>{content}</e></r>");
        assert_eq!(
            violations(&dtd, &xml),
            ["1:4 e is declared EMPTY but has content"],
            "{xml}"
        );
    }
}

#[test]
fn pcdata_and_mixed_content() {
    let dtd = parse(
        "<!ELEMENT r (p, m)><!ELEMENT p (#PCDATA)><!ELEMENT m (#PCDATA | b)*><!ELEMENT b EMPTY>",
    );
    assert!(is_valid(
        &dtd,
        "<r><p>t<!--c--><![CDATA[x]]><?p?></p><m>a<b/>c<b/></m></r>"
    ));
    assert_eq!(
        violations(&dtd, "<r><p>t<b/></p><m><p/><q/></m></r>"),
        [
            "1:8 p: b is not allowed here; expected (#PCDATA)",
            "1:19 m: p is not allowed here; expected (#PCDATA | b)*",
            "1:23 m: unknown element q; expected (#PCDATA | b)*",
        ]
    );
}

#[test]
fn any_content_needs_declared_children() {
    let dtd = parse("<!ELEMENT r ANY><!ELEMENT b EMPTY>");
    assert!(is_valid(&dtd, "<r>text<b/><![CDATA[x]]><r><b/></r></r>"));
    assert_eq!(
        violations(&dtd, "<r><c/></r>"),
        ["1:4 unknown element c: the DTD does not declare it"]
    );
}

#[test]
fn prefixed_names_never_match() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    let found = violations(
        dtd,
        "<IP_MAP_LIST><IP_MAP xmlns:q='urn:q'><q:V4>0.0.0.1</q:V4><V6>::1</V6></IP_MAP></IP_MAP_LIST>",
    );
    assert_eq!(
        found,
        [
            "1:22 IP_MAP: undeclared attribute xmlns:q",
            "1:38 IP_MAP: unknown element q:V4; expected (ID?, V4, V6), found (q:V4, V6)",
        ]
    );
}

#[test]
fn default_namespace_is_an_undeclared_attribute() {
    let dtd = Dtd::bundled("simple_return").expect("bundled");
    assert_eq!(
        violations(dtd, "<TEXT xmlns='urn:x'>t</TEXT>"),
        ["1:7 TEXT: undeclared attribute xmlns"]
    );
    let declared = parse("<!ELEMENT TEXT (#PCDATA)><!ATTLIST TEXT xmlns CDATA #FIXED 'urn:x'>");
    assert!(is_valid(&declared, "<TEXT xmlns='urn:x'>t</TEXT>"));
    assert_eq!(
        violations(&declared, "<TEXT xmlns='urn:y'>t</TEXT>"),
        ["1:7 TEXT: attribute xmlns is #FIXED to \"urn:x\" but has \"urn:y\""]
    );
}

// ---- validator: attributes ----

#[test]
fn attribute_violations() {
    let dtd = parse(
        r#"<!ELEMENT r (e*)><!ELEMENT e EMPTY>
        <!ATTLIST e q CDATA #REQUIRED t NMTOKEN #FIXED " a " k (x | y) #IMPLIED
                    n NMTOKENS #IMPLIED i ID #IMPLIED ref IDREF #IMPLIED refs IDREFS #IMPLIED>"#,
    );
    assert!(is_valid(
        &dtd,
        r#"<r><e q="" t="a" k="y" n=" a  b " i="e1"/><e q="" ref="e1" refs="e1 e1"/></r>"#
    ));
    let cases = [
        (r#"<e/>"#, "1:4 e: missing required attribute q"),
        (r#"<e q="" z="1"/>"#, "1:12 e: undeclared attribute z"),
        (
            r#"<e q="" xml:lang="en"/>"#,
            "1:12 e: undeclared attribute xml:lang",
        ),
        (
            r#"<e q="" t="b"/>"#,
            "1:12 e: attribute t is #FIXED to \"a\" but has \"b\"",
        ),
        (
            r#"<e q="" k="z"/>"#,
            "1:12 e: value \"z\" of attribute k is not one of (x | y)",
        ),
        (
            r#"<e q="" k=" x"/>"#,
            "1:12 e: value \" x\" of attribute k is not one of (x | y)",
        ),
        (
            r#"<e q="" n=""/>"#,
            "1:12 e: value \"\" of attribute n is not a valid NMTOKENS",
        ),
        (
            r#"<e q="" i="1x"/>"#,
            "1:12 e: value \"1x\" of attribute i is not a valid ID",
        ),
        (
            r#"<e q="" ref="nowhere"/>"#,
            "1:12 IDREF \"nowhere\" does not match any ID in the document",
        ),
    ];
    for (element, expected) in cases {
        let xml = format!("<r>{element}</r>");
        assert_eq!(violations(&dtd, &xml), [expected], "{xml}");
    }
    assert_eq!(
        violations(&dtd, r#"<r><e q="" i="x"/><e q="" i="x"/></r>"#),
        ["1:27 ID \"x\" is already defined"]
    );
    assert_eq!(
        violations(&dtd, r#"<r><e q="" t=" a"/></r>"#),
        [
            "1:12 e: value \" a\" of attribute t is not a valid NMTOKEN",
            "1:12 e: attribute t is #FIXED to \"a\" but has \" a\"",
        ]
    );
}

// ---- streaming matcher ----

#[test]
fn feed_elements_equals_feeding_one_by_one() {
    let dtd = Dtd::parse(
        "<!ELEMENT pair (a, a, b*)> <!ELEMENT plus (a+)> <!ELEMENT star (a*, b)> \
         <!ELEMENT choice (a | b)*> <!ELEMENT none EMPTY> <!ELEMENT any ANY> \
         <!ELEMENT mixed (#PCDATA | a)*> <!ELEMENT text (#PCDATA)> <!ELEMENT a EMPTY> \
         <!ELEMENT b EMPTY>",
    )
    .expect("valid DTD");
    let mut runs = vec![vec![]];
    for _ in 0..3 {
        let longer: Vec<Vec<(&str, usize)>> = runs
            .iter()
            .flat_map(|run: &Vec<(&str, usize)>| {
                ["a", "b", "c"].into_iter().flat_map(move |name| {
                    (0..4).map(move |count| {
                        let mut run = run.clone();
                        run.push((name, count));
                        run
                    })
                })
            })
            .collect();
        runs.extend(longer);
    }
    for element in [
        "pair", "plus", "star", "choice", "none", "any", "mixed", "text",
    ] {
        for run in &runs {
            let mut one = dtd.content_matcher(element).expect("declared");
            let mut many = dtd.content_matcher(element).expect("declared");
            for &(name, count) in run {
                let mut expected = Ok(());
                for _ in 0..count {
                    expected = one.feed_element(name);
                    if expected.is_err() {
                        break;
                    }
                }
                let found = many.feed_elements(name, count);
                assert_eq!(found, expected, "{element} {run:?}");
                if found.is_err() {
                    break;
                }
            }
            assert_eq!(many.finish(), one.finish(), "{element} {run:?}");
        }
    }
}

#[test]
fn matcher_streams_children() {
    let dtd = Dtd::bundled("ip_map_list").expect("bundled");
    let mut list = dtd.content_matcher("IP_MAP_LIST").expect("declared");
    for _ in 0..1000 {
        assert_eq!(list.feed_element("IP_MAP"), Ok(()));
    }
    assert_eq!(list.finish(), Ok(()));

    let mut record = dtd.content_matcher("IP_MAP").expect("declared");
    let error = record.feed_element("V6").expect_err("V6 cannot come first");
    assert_eq!(error.message, "IP_MAP: expected (ID?, V4, V6)");
    assert_eq!(record.feed_element("V4"), Ok(()));
    // V6 was reported as out of order, so finish() does not report it as missing.
    assert_eq!(record.finish(), Ok(()));

    let mut record = dtd.content_matcher("IP_MAP").expect("declared");
    assert_eq!(record.feed_element("V4"), Ok(()));
    assert_eq!(record.feed_element("V6"), Ok(()));
    let error = record.feed_element("V6").expect_err("second V6");
    assert_eq!(
        error.message,
        "IP_MAP: unexpected repeated V6; expected (ID?, V4, V6)"
    );
    let error = record.feed_element("HOSTNAME").expect_err("unknown");
    assert_eq!(
        error.message,
        "IP_MAP: unknown element HOSTNAME; expected (ID?, V4, V6)"
    );
    let error = record
        .feed_element("IP_MAP")
        .expect_err("declared, not allowed");
    assert_eq!(
        error.message,
        "IP_MAP: IP_MAP is not allowed here; expected (ID?, V4, V6)"
    );
    let error = record.feed_text().expect_err("text");
    assert_eq!(
        error.message,
        "IP_MAP: text is not allowed; expected (ID?, V4, V6)"
    );
    assert_eq!(record.finish(), Ok(()));

    let mut cdata = dtd.content_matcher("IP_MAP_LIST").expect("declared");
    let error = cdata.feed_cdata().expect_err("CDATA in element content");
    assert_eq!(
        error.message,
        "IP_MAP_LIST: CDATA section is not allowed; expected (IP_MAP+)"
    );
    let mut leaf_cdata = dtd.content_matcher("V6").expect("declared");
    assert_eq!(leaf_cdata.feed_cdata(), Ok(()));

    let empty = dtd.content_matcher("IP_MAP_LIST").expect("declared");
    let error = empty.finish().expect_err("empty list");
    assert_eq!(
        error.message,
        "IP_MAP_LIST: at least one IP_MAP required; expected (IP_MAP+)"
    );

    let mut leaf = dtd.content_matcher("V4").expect("declared");
    assert_eq!(leaf.feed_text(), Ok(()));
    assert!(leaf.feed_element("V6").is_err());
    assert_eq!(leaf.finish(), Ok(()));

    assert!(dtd.content_matcher("HOSTNAME").is_none());
}

#[test]
fn matcher_handles_empty_and_any() {
    let dtd = parse("<!ELEMENT e EMPTY><!ELEMENT a ANY>");
    let mut empty = dtd.content_matcher("e").expect("declared");
    assert_eq!(
        empty.feed_text().map_err(|error| error.message),
        Err("e is declared EMPTY but has content".to_owned())
    );
    assert!(empty.feed_element("a").is_err());
    assert_eq!(empty.finish(), Ok(()));
    let mut any = dtd.content_matcher("a").expect("declared");
    assert_eq!(any.feed_text(), Ok(()));
    assert_eq!(any.feed_element("whatever"), Ok(()));
    assert_eq!(any.finish(), Ok(()));
}

#[test]
fn validate_from_document_root() {
    let dtd = Dtd::bundled("simple_return").expect("bundled");
    let xml = "<?xml version='1.0'?>\n<!-- c -->\n<SIMPLE_RETURN><RESPONSE><DATETIME/><TEXT/></RESPONSE></SIMPLE_RETURN>";
    let document = roxmltree::Document::parse(xml).expect("well formed");
    assert!(dtd.validate_tree(document.root()).is_empty());
}

/// Builds a small random document from element names, text, CDATA and comments.
fn random_document(parts: &[(u8, u8)]) -> String {
    const NAMES: [&str; 5] = ["a", "b", "c", "q:a", "zz"];
    let mut text = String::from("<r xmlns:q='urn:q'>");
    let mut open: Vec<&str> = Vec::new();
    for &(kind, pick) in parts {
        let name = NAMES[usize::from(pick) % NAMES.len()];
        match kind % 6 {
            0 => {
                text.push_str(&format!("<{name}>"));
                open.push(name);
            }
            1 => {
                if let Some(name) = open.pop() {
                    text.push_str(&format!("</{name}>"));
                }
            }
            2 => text.push_str(&format!("<{name} k='v'/>")),
            3 => text.push_str(" x "),
            4 => text.push_str("<![CDATA[ ]]>"),
            _ => text.push_str("<!-- c -->\n"),
        }
    }
    while let Some(name) = open.pop() {
        text.push_str(&format!("</{name}>"));
    }
    text.push_str("</r>");
    text
}

proptest::proptest! {
    #[test]
    fn validate_never_panics(
        models in proptest::collection::vec(
            proptest::sample::select(&[
                "EMPTY", "ANY", "(#PCDATA)", "(#PCDATA | a | q:a)*", "(a, b?)", "(a | b | c)*", "((a, b)+ | c)",
                "(b*, a, c?)", "(a+)",
            ][..]),
            5,
        ),
        attributes in proptest::sample::select(&[
            "", "<!ATTLIST a k CDATA #REQUIRED>", "<!ATTLIST b k (v | w) 'w'>", "<!ATTLIST c k ID #IMPLIED>",
            "<!ATTLIST r xmlns:q CDATA #FIXED 'urn:q'>",
        ][..]),
        parts in proptest::collection::vec((proptest::prelude::any::<u8>(), proptest::prelude::any::<u8>()), 0..40),
    ) {
        let names = ["r", "a", "b", "c", "q:a"];
        let mut dtd_text: String = names
            .iter()
            .zip(&models)
            .map(|(name, model)| format!("<!ELEMENT {name} {model}>\n"))
            .collect();
        dtd_text.push_str(attributes);
        let dtd = Dtd::parse(&dtd_text).map_err(|error| proptest::test_runner::TestCaseError::fail(error.to_string()))?;
        let xml = random_document(&parts);
        let document = roxmltree::Document::parse(&xml).map_err(|error| proptest::test_runner::TestCaseError::fail(error.to_string()))?;
        for violation in dtd.validate_tree(document.root_element()) {
            proptest::prop_assert!(violation.range.start <= violation.range.end && violation.range.end <= xml.len());
            proptest::prop_assert!(xml.is_char_boundary(violation.range.start));
        }
    }
}
