//! `check` on real files through the library: the case fixtures, the samples,
//! every document kind, and chunked against whole-document checking.

use std::path::Path;
use std::time::{Duration, Instant};

use v6map::check::{self, check_bytes, check_bytes_with, check_document, DocumentKind, Tuning};
use v6map::diagnostic::{Diagnostic, Rule, Severity};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name);
    std::fs::read(&path).unwrap_or_else(|error| panic!("cannot read {}: {error}", path.display()))
}

fn check_text(text: &str) -> Vec<Diagnostic> {
    check_bytes("test.xml", text.as_bytes().to_vec()).1
}

/// Returns the (rule, line) of every finding, in order.
fn rules_and_lines(diagnostics: &[Diagnostic]) -> Vec<(Rule, u32)> {
    diagnostics
        .iter()
        .map(|d| (d.rule, d.location.as_ref().map_or(0, |l| l.line)))
        .collect()
}

fn errors(diagnostics: &[Diagnostic]) -> Vec<&Diagnostic> {
    diagnostics.iter().filter(|d| d.is_error()).collect()
}

fn find(diagnostics: &[Diagnostic], rule: Rule) -> &Diagnostic {
    diagnostics
        .iter()
        .find(|d| d.rule == rule)
        .unwrap_or_else(|| panic!("no {rule} finding in {diagnostics:#?}"))
}

#[test]
fn list_output_checks_offline() {
    let (source, diagnostics, records) = check_bytes("C16.xml", fixture("C16.xml"));
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    assert!(
        diagnostics.iter().all(|d| d.rule == Rule::V6Documentation),
        "{diagnostics:#?}"
    );
    let pairs: Vec<String> = records
        .iter()
        .map(|r| format!("{} {}", r.v4, r.v6))
        .collect();
    assert_eq!(
        pairs,
        [
            "0.0.0.7 2001:db8:85a3::8a2e:370:84",
            "0.0.0.1 2001:db8:85a3::8a2e:370:77"
        ]
    );
    assert_eq!(
        &source.text()[records[0].origin.v4.offset..][..7],
        "0.0.0.7"
    );
}

#[test]
fn doctype_name_differs_from_root() {
    let text = String::from_utf8(fixture("C16.xml"))
        .unwrap()
        .replace("<!DOCTYPE IP_MAP_LIST_OUTPUT", "<!DOCTYPE SIMPLE_RETURN");
    let diagnostics = check_text(&text);
    let mismatch = find(&diagnostics, Rule::DoctypeMismatch);
    assert_eq!(mismatch.severity, Severity::Error);
    assert!(
        mismatch.message.contains("'SIMPLE_RETURN'"),
        "{}",
        mismatch.message
    );
    assert_eq!(mismatch.location.as_ref().unwrap().line, 2);
}

#[test]
fn doctype_system_id_names_other_dtd() {
    let text = String::from_utf8(fixture("C16.xml"))
        .unwrap()
        .replace("ip_map_list_output.dtd", "simple_return.dtd");
    let diagnostics = check_text(&text);
    let mismatch = find(&diagnostics, Rule::DoctypeMismatch);
    assert_eq!(mismatch.severity, Severity::Warning);
    assert!(
        mismatch.message.contains("simple_return.dtd"),
        "{}",
        mismatch.message
    );
    assert_eq!(mismatch.location.as_ref().unwrap().line, 3);
}

#[test]
fn entity_bomb_rejected_fast() {
    let bytes = fixture("C17.xml");
    let started = Instant::now();
    let (_, diagnostics, records) = check_bytes("C17.xml", bytes);
    let elapsed = started.elapsed();
    // Well under 100 ms in a release build; debug builds and busy machines get slack.
    assert!(elapsed < Duration::from_secs(2), "took {elapsed:?}");
    assert_eq!(
        rules_and_lines(&diagnostics),
        [(Rule::EntityDeclaration, 3)]
    );
    assert!(
        diagnostics[0].message.contains("'lol'"),
        "{}",
        diagnostics[0].message
    );
    assert!(
        diagnostics[0].message.contains("9 more"),
        "{}",
        diagnostics[0].message
    );
    assert!(records.is_empty());
}

#[test]
fn external_entity_never_opened() {
    let text = "<!DOCTYPE IP_MAP_LIST [<!ENTITY ext SYSTEM \"file:///etc/hostname\">]>\n\
                <IP_MAP_LIST><IP_MAP><V4>0.0.0.1</V4><V6>&ext;</V6></IP_MAP></IP_MAP_LIST>\n";
    let diagnostics = check_text(text);
    let entity = find(&diagnostics, Rule::EntityDeclaration);
    assert!(
        entity.message.contains("external entity 'ext'"),
        "{}",
        entity.message
    );
    assert!(!diagnostics.iter().any(|d| d.rule == Rule::NotWellFormed));
}

#[test]
fn structure_violations_each_reported() {
    let (_, diagnostics, records) = check_bytes("C19.xml", fixture("C19.xml"));
    let schema: Vec<(u32, u32)> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::SchemaViolation)
        .map(|d| {
            (
                d.location.as_ref().unwrap().line,
                d.location.as_ref().unwrap().column,
            )
        })
        .collect();
    assert_eq!(schema, [(2, 11), (3, 51), (4, 3), (5, 51)]);
    let messages: Vec<&str> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::SchemaViolation)
        .map(|d| d.message.as_str())
        .collect();
    assert!(messages[0].contains("found (V6, V4)"), "{}", messages[0]);
    assert!(messages[1].contains("second V6"), "{}", messages[1]);
    assert!(messages[2].contains("missing V6"), "{}", messages[2]);
    assert!(
        messages[3].contains("unknown element HOSTNAME"),
        "{}",
        messages[3]
    );
    let id = find(&diagnostics, Rule::CustomIdIgnored);
    assert_eq!(id.location.as_ref().unwrap().line, 6);
    assert!(id.message.contains("'custom-7'"), "{}", id.message);
    assert_eq!(
        find(&diagnostics, Rule::FormHeader)
            .location
            .as_ref()
            .unwrap()
            .line,
        1
    );
    // Records whose values are valid are still collected, whatever their structure.
    assert_eq!(records.len(), 4);
}

#[test]
fn empty_list_needs_one_record() {
    let diagnostics = check_text("action=add&xml_data=<IP_MAP_LIST></IP_MAP_LIST>");
    let violation = find(&diagnostics, Rule::SchemaViolation);
    assert!(
        violation.message.contains("at least one IP_MAP required"),
        "{}",
        violation.message
    );
}

#[test]
fn form_unsafe_characters_in_value() {
    let (_, diagnostics, _) = check_bytes("C21.txt", fixture("C21.txt"));
    let unsafe_characters: Vec<&Diagnostic> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::FormUnsafeCharacter)
        .collect();
    assert_eq!(unsafe_characters.len(), 4, "{unsafe_characters:#?}");

    let ampersand = unsafe_characters[0];
    assert_eq!(ampersand.severity, Severity::Error);
    assert_eq!(ampersand.location.as_ref().unwrap().offset, 46);
    assert!(
        ampersand
            .message
            .contains("the server receives '<IP_MAP_LIST><!-- owner: R' as xml_data"),
        "{}",
        ampersand.message
    );
    assert!(
        ampersand.message.contains("part of '&amp;'"),
        "{}",
        ampersand.message
    );

    let invalid_escape = unsafe_characters[1];
    assert!(
        invalid_escape.message.contains("'% l'"),
        "{}",
        invalid_escape.message
    );

    let plus = unsafe_characters[2];
    assert_eq!(plus.severity, Severity::Warning);
    assert!(
        plus.message.contains("reads 'rack+7' as 'rack 7'"),
        "{}",
        plus.message
    );

    let escape = unsafe_characters[3];
    assert!(
        escape.message.contains("decodes 'rack%2B8' to 'rack+8'"),
        "{}",
        escape.message
    );
}

#[test]
fn address_cases_in_uploads() {
    let cases: [(&str, &[(Rule, u32)]); 4] = [
        (
            "C01.upload.xml",
            &[
                (Rule::InvalidV4, 3),
                (Rule::InvalidV4, 4),
                (Rule::InvalidV4, 5),
                (Rule::InvalidV4, 6),
            ],
        ),
        (
            "C11.upload.xml",
            &[
                (Rule::InvalidV6, 3),
                (Rule::InvalidV6, 4),
                (Rule::InvalidV6, 5),
            ],
        ),
        (
            "C13.upload.xml",
            &[
                (Rule::InvalidV4, 3),
                (Rule::V6SpecialUse, 4),
                (Rule::V6SpecialUse, 5),
                (Rule::V6SpecialUse, 6),
                (Rule::V6SpecialUse, 7),
            ],
        ),
        (
            "C15.upload.xml",
            &[
                (Rule::V4OutOfRange, 3),
                (Rule::V4OutOfRange, 4),
                (Rule::V4OutOfRange, 5),
            ],
        ),
    ];
    for (name, expected) in cases {
        let (_, diagnostics, _) = check_bytes(name, fixture(name));
        let address_errors: Vec<(Rule, u32)> = diagnostics
            .iter()
            .filter(|d| d.is_error() && d.rule != Rule::FormUnsafeCharacter)
            .map(|d| (d.rule, d.location.as_ref().unwrap().line))
            .collect();
        assert_eq!(address_errors, expected, "{name}: {diagnostics:#?}");
    }
}

#[test]
fn link_local_warned_in_upload() {
    let (_, diagnostics, _) = check_bytes("C11.upload.xml", fixture("C11.upload.xml"));
    let link_local = find(&diagnostics, Rule::V6LinkLocal);
    assert_eq!(link_local.severity, Severity::Warning);
    assert_eq!(link_local.location.as_ref().unwrap().line, 6);
}

#[test]
fn zone_index_percent_also_form_unsafe() {
    let (_, diagnostics, _) = check_bytes("C11.upload.xml", fixture("C11.upload.xml"));
    let lines: Vec<u32> = diagnostics
        .iter()
        .filter(|d| d.rule == Rule::FormUnsafeCharacter)
        .map(|d| d.location.as_ref().unwrap().line)
        .collect();
    assert_eq!(lines, [3, 4]);
}

#[test]
fn samples_check_clean() {
    let directory = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples");
    let Ok(entries) = std::fs::read_dir(&directory) else {
        return;
    };
    let mut checked = 0;
    for entry in entries {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("xml") {
            continue;
        }
        let name = path.display().to_string();
        let (_, diagnostics, _) = check_bytes(&name, std::fs::read(&path).unwrap());
        // Qualys's list-output sample uses documentation addresses, which are warnings.
        let unexpected: Vec<&Diagnostic> = diagnostics
            .iter()
            .filter(|d| d.rule != Rule::V6Documentation)
            .collect();
        assert!(unexpected.is_empty(), "{name}: {unexpected:#?}");
        assert!(errors(&diagnostics).is_empty(), "{name}");
        checked += 1;
    }
    assert!(checked > 0, "samples/ holds no XML file");
}

#[test]
fn kinds_recognised_from_content() {
    let cases = [
        (
            "action=add&xml_data=\n<IP_MAP_LIST/>",
            DocumentKind::Upload(Some(v6map::form::Action::Add)),
        ),
        (
            "action=remove&xml_data=\n<IP_MAP_LIST/>",
            DocumentKind::Upload(Some(v6map::form::Action::Remove)),
        ),
        ("<IP_MAP_LIST/>", DocumentKind::Upload(None)),
        ("<IP_MAP_LIST_OUTPUT/>", DocumentKind::ListOutput),
        (
            "<?xml version=\"1.0\"?>\n<SIMPLE_RETURN/>",
            DocumentKind::SimpleReturn,
        ),
        ("<HTML/>", DocumentKind::Unknown),
        ("ipv4,ipv6\n0.0.0.1,2001:db8::1\n", DocumentKind::Unknown),
    ];
    for (text, kind) in cases {
        let check = check_document("t", text.as_bytes().to_vec(), &Tuning::default());
        assert_eq!(check.kind, kind, "{text:?}");
    }
}

#[test]
fn unknown_documents_named() {
    let cases = [
        ("<HTML><BODY/></HTML>", "root element is HTML"),
        (
            "ipv4,ipv6\n0.0.0.1,2001:db8::1\n",
            "a CSV file? use v6map generate",
        ),
        ("{\"v4\": \"0.0.0.1\"}", "looks like JSON"),
        ("hello world\n", "is not XML"),
        ("", "the file is empty"),
    ];
    for (text, expected) in cases {
        let diagnostics = check_text(text);
        let unknown = find(&diagnostics, Rule::UnknownDocument);
        assert!(
            unknown.message.contains(expected),
            "{text:?}: {}",
            unknown.message
        );
    }
}

#[test]
fn encoded_value_not_checked() {
    let diagnostics = check_text(
        "action=add&xml_data=%3CIP_MAP_LIST%3E%3CIP_MAP%3E%3C%2FIP_MAP%3E%3C%2FIP_MAP_LIST%3E",
    );
    assert_eq!(rules_and_lines(&diagnostics), [(Rule::FormHeader, 1)]);
    assert_eq!(diagnostics[0].severity, Severity::Warning);
    assert!(
        diagnostics[0].message.contains("percent-encoded"),
        "{}",
        diagnostics[0].message
    );
}

#[test]
fn upload_of_wrong_document() {
    let diagnostics = check_text("action=add&xml_data=<SIMPLE_RETURN/>");
    assert!(find(&diagnostics, Rule::UnknownDocument)
        .message
        .contains("root element of the xml_data value is SIMPLE_RETURN"));
}

#[test]
fn declaration_after_header_not_well_formed() {
    let diagnostics = check_text("action=add&xml_data=\n<?xml version=\"1.0\"?>\n<IP_MAP_LIST/>");
    let error = find(&diagnostics, Rule::NotWellFormed);
    assert_eq!(error.location.as_ref().unwrap().line, 2);
    assert!(error
        .help
        .as_deref()
        .unwrap()
        .contains("delete the <?xml ...?> declaration"));
}

#[test]
fn parse_error_offset_past_header() {
    let text = "action=add&xml_data=<IP_MAP_LIST><IP_MAP></IP_MAP_LIST>";
    let diagnostics = check_text(text);
    let error = find(&diagnostics, Rule::NotWellFormed);
    let location = error.location.as_ref().unwrap();
    assert_eq!(
        &text[location.offset..location.offset + 2],
        "</",
        "{error:?}"
    );
    assert_eq!(location.column, 42);
}

#[test]
fn unclosed_root_points_at_end() {
    let text = "action=add&xml_data=\n<IP_MAP_LIST>\n<IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\n";
    let diagnostics = check_text(text);
    let location = find(&diagnostics, Rule::NotWellFormed)
        .location
        .clone()
        .unwrap();
    assert_eq!(location.offset, text.len());
    assert_eq!(location.line, 4);
}

#[test]
fn bare_cr_line_ends_warned() {
    let text = "action=add&xml_data=\r<IP_MAP_LIST>\r<IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\r</IP_MAP_LIST>\r";
    let diagnostics = check_text(text);
    assert_eq!(rules_and_lines(&diagnostics), [(Rule::BareCr, 1)]);
    assert!(find(&diagnostics, Rule::BareCr)
        .help
        .as_deref()
        .unwrap()
        .contains("--data-binary"));
}

#[test]
fn references_and_cdata_not_verbatim() {
    let text = "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4><![CDATA[0.0.0.300]]></V4><V6>2001:470::&#x31;</V6></IP_MAP></IP_MAP_LIST>";
    let (_, diagnostics, _) = check_bytes("t", text.as_bytes().to_vec());
    let invalid = find(&diagnostics, Rule::InvalidV4);
    let location = invalid.location.as_ref().unwrap();
    assert_eq!(
        &text[location.offset..location.offset + location.length],
        "<![CDATA[0.0.0.300]]>"
    );
}

#[test]
fn whitespace_in_values_trimmed() {
    let text = "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4> 0.0.0.1</V4><V6>2001:470::1\n</V6></IP_MAP></IP_MAP_LIST>";
    let (_, diagnostics, records) = check_bytes("t", text.as_bytes().to_vec());
    assert_eq!(
        rules_and_lines(&diagnostics),
        [(Rule::WhitespaceInValue, 1), (Rule::WhitespaceInValue, 1)]
    );
    assert_eq!(records.len(), 1);
    assert_eq!(&text[records[0].origin.v4.offset..][..7], "0.0.0.1");
}

#[test]
fn duplicates_within_upload_are_errors() {
    let text = "action=add&xml_data=<IP_MAP_LIST>\
                <IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\
                <IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\
                <IP_MAP><V4>0.0.0.1</V4><V6>2001:470::2</V6></IP_MAP></IP_MAP_LIST>";
    let diagnostics = check_text(text);
    assert_eq!(
        find(&diagnostics, Rule::DuplicateRecord).severity,
        Severity::Error
    );
    assert_eq!(
        find(&diagnostics, Rule::DuplicateV4).severity,
        Severity::Error
    );
}

#[test]
fn list_output_findings_capped_at_warning() {
    let text = "<IP_MAP_LIST_OUTPUT><RESPONSE><DATETIME>2017-11-28T19:42:10Z</DATETIME><IP_MAP_LIST>\
                <IP_MAP><ID>1</ID><V4>192.0.2.1</V4><V6>2001:470::1</V6></IP_MAP>\
                <IP_MAP><ID>2</ID><V4>0.0.0.2</V4><V6>2001:470::1</V6></IP_MAP>\
                </IP_MAP_LIST><WARNING><CODE>1980</CODE><TEXT>1 record limit exceeded</TEXT>\
                <URL>https://qualysapi.example.com/?action=list&amp;id_min=3</URL></WARNING></RESPONSE></IP_MAP_LIST_OUTPUT>";
    let diagnostics = check_text(text);
    assert!(errors(&diagnostics).is_empty(), "{diagnostics:#?}");
    assert_eq!(
        find(&diagnostics, Rule::V4OutOfRange).severity,
        Severity::Warning
    );
    let truncated = find(&diagnostics, Rule::ListTruncated);
    assert!(
        truncated.message.contains("1 record limit exceeded"),
        "{}",
        truncated.message
    );
    assert!(truncated.help.as_deref().unwrap().contains("id_min=3"));
    assert!(!diagnostics.iter().any(|d| d.rule == Rule::CustomIdIgnored));
}

#[test]
fn list_output_duplicates_warned() {
    let text =
        "<IP_MAP_LIST_OUTPUT><RESPONSE><DATETIME>2017-11-28T19:42:10Z</DATETIME><IP_MAP_LIST>\
                <IP_MAP><ID>1</ID><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\
                <IP_MAP><ID>2</ID><V4>0.0.0.2</V4><V6>2001:470::1</V6></IP_MAP>\
                </IP_MAP_LIST></RESPONSE></IP_MAP_LIST_OUTPUT>";
    let diagnostics = check_text(text);
    assert_eq!(
        find(&diagnostics, Rule::DuplicateV6).severity,
        Severity::Warning
    );
}

#[test]
fn error_response_quotes_code() {
    let text = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
                <!DOCTYPE SIMPLE_RETURN SYSTEM \"https://qualysapi.example.com/api/2.0/simple_return.dtd\">\n\
                <SIMPLE_RETURN><RESPONSE><DATETIME>2017-11-03T20:59:07Z</DATETIME><CODE>1905</CODE>\
                <TEXT>parameter action has invalid value: ad</TEXT></RESPONSE></SIMPLE_RETURN>";
    let diagnostics = check_text(text);
    let error = find(&diagnostics, Rule::QualysErrorResponse);
    assert!(error.message.contains("1905"), "{}", error.message);
    assert!(
        error.message.contains("invalid value: ad"),
        "{}",
        error.message
    );
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
}

#[test]
fn undecodable_file_reported_once() {
    let (_, diagnostics, _) = check_bytes(
        "t",
        b"action=add&xml_data=<IP_MAP_LIST>\xff</IP_MAP_LIST>".to_vec(),
    );
    assert_eq!(rules_and_lines(&diagnostics), [(Rule::NotWellFormed, 1)]);
}

/// curl sends a file's bytes unchanged, so a UTF-16 upload reaches Qualys
/// with no readable form fields even though its text is a valid upload.
#[test]
fn utf16_upload_rejected() {
    let text = "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP></IP_MAP_LIST>";
    let mut bytes = vec![0xFF, 0xFE];
    bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    let (_, diagnostics, records) = check_bytes("t", bytes);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:#?}");
    assert_eq!(diagnostics[0].rule, Rule::FormHeader);
    assert!(records.is_empty());
}

/// A UTF-16 list output is legal XML that Qualys could have sent, so it is checked.
#[test]
fn utf16_list_output_checked() {
    let text = "<IP_MAP_LIST_OUTPUT><RESPONSE><DATETIME>2017-11-28T19:42:10Z</DATETIME><IP_MAP_LIST><IP_MAP><ID>1</ID><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP></IP_MAP_LIST></RESPONSE></IP_MAP_LIST_OUTPUT>";
    let mut bytes = vec![0xFE, 0xFF];
    bytes.extend(text.encode_utf16().flat_map(u16::to_be_bytes));
    let (_, diagnostics, records) = check_bytes("t", bytes);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    assert_eq!(records.len(), 1);
}

/// Builds an upload of `count` records with findings of many kinds spread
/// over the file, so that chunk boundaries fall between and near them.
fn upload_with_scattered_errors(count: usize) -> String {
    let mut text = String::from("action=add&xml_data=\n<IP_MAP_LIST>\n");
    for index in 1..=count {
        let v4 = format!("0.0.{}.{}", index / 256, index % 256);
        let v6 = format!("2001:470:1::{index:x}");
        let record = match index % 37 {
            3 => format!("<IP_MAP><V4>0.0.0.{index}0</V4><V6>{v6}</V6></IP_MAP>"),
            5 => format!("<IP_MAP><V6>{v6}</V6><V4>{v4}</V4></IP_MAP>"),
            7 => format!("<IP_MAP><ID>rack+{index}</ID><V4>{v4}</V4><V6>{v6}</V6></IP_MAP>"),
            11 => format!("<IP_MAP><V4>{v4}</V4><V6>{v6}</V6><HOST>h</HOST></IP_MAP>"),
            13 => format!(
                "<IP_MAP><V4><![CDATA[{v4}]]></V4><V6> {v6}</V6></IP_MAP>\n<!-- a comment -->"
            ),
            17 => format!("<IP_MAP><V4>0.0.0.1</V4><V6>{v6}</V6></IP_MAP>"),
            19 => format!("<IP_MAP><V4>{v4}</V4><V6>2001:db8::{index:x}</V6></IP_MAP>"),
            23 => format!("<IP_MAP><V4>{v4}</V4><V6>2001:470:1::&#x31;{index:x}</V6></IP_MAP>"),
            29 => format!("<IP_MAP a=\"1>2\"><V4>{v4}</V4><V6>{v6}</V6></IP_MAP>"),
            31 => format!("<IP_MAP><V4>{v4}</V4></IP_MAP><?pi data?>"),
            _ => format!("<IP_MAP>\n  <V4>{v4}</V4>\n  <V6>{v6}</V6>\n</IP_MAP>"),
        };
        text.push_str(&record);
        text.push('\n');
    }
    text.push_str("</IP_MAP_LIST>\n");
    text
}

fn whole(text: &str) -> Vec<Diagnostic> {
    let tuning = Tuning {
        chunk_threshold: usize::MAX,
        ..Tuning::default()
    };
    check_bytes_with("big.xml", text.as_bytes().to_vec(), &tuning).1
}

fn chunked(text: &str, threads: usize) -> (bool, Vec<Diagnostic>) {
    let tuning = Tuning {
        chunk_threshold: 0,
        chunk_bytes: 300,
        threads,
        ..Tuning::default()
    };
    let was_chunked = check_document("big.xml", text.as_bytes().to_vec(), &tuning).chunked;
    (
        was_chunked,
        check_bytes_with("big.xml", text.as_bytes().to_vec(), &tuning).1,
    )
}

#[test]
fn chunked_matches_whole_document() {
    let text = upload_with_scattered_errors(600);
    let expected = whole(&text);
    assert!(
        expected.len() > 100,
        "the fixture should have many findings, has {}",
        expected.len()
    );
    for rule in [
        Rule::SchemaViolation,
        Rule::InvalidV4,
        Rule::DuplicateV4,
        Rule::FormUnsafeCharacter,
        Rule::CustomIdIgnored,
    ] {
        assert!(
            expected.iter().any(|d| d.rule == rule),
            "no {rule} in the fixture"
        );
    }
    for threads in [1, 2] {
        let (was_chunked, diagnostics) = chunked(&text, threads);
        assert!(was_chunked, "the fixture should be checked in chunks");
        assert_eq!(diagnostics, expected, "{threads} threads");
    }
}

#[test]
fn root_level_problems_fall_back() {
    let cases = [
        (
            "</IP_MAP>\n<IP_MAP>\n  <V4>0.0.1.44</V4>",
            "</IP_MAP>\n<STRAY/>\n<IP_MAP>\n  <V4>0.0.1.44</V4>",
        ),
        (
            "</IP_MAP>\n<IP_MAP>\n  <V4>0.0.1.44</V4>",
            "</IP_MAP>\ntext\n<IP_MAP>\n  <V4>0.0.1.44</V4>",
        ),
        (
            "</IP_MAP>\n<IP_MAP>\n  <V4>0.0.1.44</V4>",
            "</IP_MAP>\n<IP_MAP>\n  <V4>0.0.1.44</V5>",
        ),
        ("</IP_MAP_LIST>\n", "</IP_MAP_LIST>\n<IP_MAP_LIST/>\n"),
    ];
    let base = upload_with_scattered_errors(600);
    for (from, to) in cases {
        assert!(base.contains(from));
        let text = base.replacen(from, to, 1);
        let expected = whole(&text);
        let (was_chunked, diagnostics) = chunked(&text, 2);
        assert!(
            !was_chunked,
            "{to:?} should make the check parse the whole document"
        );
        assert_eq!(diagnostics, expected, "{to:?}");
    }
}

#[test]
fn run_keeps_going_after_unreadable() {
    let directory = tempfile::tempdir().unwrap();
    let good = directory.path().join("good.xml");
    std::fs::write(&good, "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP></IP_MAP_LIST>").unwrap();
    let options = check::CheckOptions {
        inputs: vec![
            directory.path().join("missing.xml").display().to_string(),
            good.display().to_string(),
        ],
        per_file: false,
    };
    let outcome = check::run(&options, &mut std::io::empty()).unwrap();
    assert_eq!(outcome.unreadable.len(), 1);
    assert!(outcome.unreadable[0].message.contains("missing.xml"));
    assert_eq!(outcome.files_checked, 1);
    assert!(outcome.diagnostics.is_empty(), "{:#?}", outcome.diagnostics);
}

mod properties {
    use proptest::prelude::*;

    use super::*;

    /// Pieces of upload files, valid and broken, that chunked checking must
    /// either handle exactly or give up on.
    fn fragment() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "<IP_MAP><V4>0.0.0.1</V4><V6>2001:470::1</V6></IP_MAP>\n",
            "<IP_MAP><V4>0.0.0.2</V4><V6>2001:470::2</V6></IP_MAP>\n",
            "<IP_MAP><ID>a+b</ID><V4>0.0.0.3</V4><V6>2001:470::3</V6></IP_MAP>\n",
            "<IP_MAP><V6>2001:470::4</V6><V4>0.0.0.4</V4></IP_MAP>\n",
            "<IP_MAP><V4>0.0.0.256</V4><V6>fe80::5</V6></IP_MAP>\n",
            "<IP_MAP><V4><![CDATA[0.0.0.6]]></V4><V6>2001:470::&#x36;</V6></IP_MAP>\n",
            "<IP_MAP b='>'><V4/><V6></V6></IP_MAP>",
            "<!-- c&d -->",
            "<!-- </IP_MAP> -->",
            "<!-- </IP_MAP_LIST> -->",
            "<IP_MAP><V4><![CDATA[</IP_MAP>]]></V4><V6>2001:470::7</V6></IP_MAP>",
            "<IP_MAP><IP_MAP><V4>0.0.0.8</V4></IP_MAP><V6>2001:470::8</V6></IP_MAP>",
            "<?pi </IP_MAP> ?>",
            "</IP_MAP_LIST>",
            "<IP_MAP_LIST>",
            "<![CDATA[ ]]>",
            "&#32;",
            "<?pi x?>",
            "<IP_MAP>",
            "</IP_MAP>",
            "</V4>",
            "<STRAY/>",
            "text",
            "&amp;",
            "<![CDATA[x]]>",
            "<!DOCTYPE x>",
            "]]>",
            "<",
            "\"",
            "'",
            "\r",
            "%2B",
            "#",
            "\n",
            "é",
        ])
    }

    fn epilog() -> impl Strategy<Value = &'static str> {
        prop::sample::select(vec![
            "\n",
            "",
            "<!-- </IP_MAP_LIST> -->\n",
            "<?pi?>",
            "x",
            "<A/>",
        ])
    }

    fn document() -> impl Strategy<Value = String> {
        (prop::collection::vec(fragment(), 0..60), epilog()).prop_map(|(fragments, epilog)| {
            format!(
                "action=add&xml_data=\n<IP_MAP_LIST>\n{}</IP_MAP_LIST>{epilog}",
                fragments.concat()
            )
        })
    }

    proptest! {
        #[test]
        fn chunked_equals_whole(text in document(), chunk_bytes in 1usize..200) {
            let tuning = Tuning { chunk_threshold: 0, chunk_bytes, threads: 2, ..Tuning::default() };
            let chunked = check_bytes_with("big.xml", text.as_bytes().to_vec(), &tuning).1;
            prop_assert_eq!(chunked, whole(&text));
        }

        #[test]
        fn any_bytes_checked_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..200)) {
            let _ = check_bytes("t.xml", bytes);
        }
    }
}
