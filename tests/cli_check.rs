//! `v6map check` as a user runs it: real files, exit codes, and JSON Lines output.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name)
}

fn v6map() -> Command {
    let mut command = Command::cargo_bin("v6map").unwrap();
    command.env("NO_COLOR", "1");
    command
}

/// Runs `v6map check --format json ARGS` and returns the exit code and the findings.
fn check(args: &[&str], stdin: Option<&str>) -> (i32, Vec<Value>) {
    let mut command = v6map();
    command.args(["check", "--format", "json"]).args(args);
    if let Some(input) = stdin {
        command.write_stdin(input);
    }
    let output = command.output().unwrap();
    let stdout = String::from_utf8(output.stdout).unwrap();
    let findings = stdout
        .lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("invalid JSON line {line:?}: {error}"))
        })
        .collect();
    (output.status.code().unwrap_or(-1), findings)
}

fn codes(findings: &[Value]) -> Vec<&str> {
    findings
        .iter()
        .map(|finding| finding["code"].as_str().unwrap())
        .collect()
}

/// Writes an upload file with one record a pair into `directory`.
fn upload(directory: &TempDir, name: &str, action: &str, pairs: &[(&str, &str)]) -> String {
    let mut text = format!("action={action}&xml_data=\n<IP_MAP_LIST>\n");
    for (v4, v6) in pairs {
        text.push_str(&format!(
            "<IP_MAP>\n<V4>{v4}</V4>\n<V6>{v6}</V6>\n</IP_MAP>\n"
        ));
    }
    text.push_str("</IP_MAP_LIST>\n");
    let path = directory.path().join(name);
    std::fs::write(&path, text).unwrap();
    path.display().to_string()
}

#[test]
fn clean_upload_exits_zero() {
    let directory = TempDir::new().unwrap();
    let file = upload(
        &directory,
        "add.xml",
        "add",
        &[("0.0.0.2", "2001:470:8418:a18::a0a:1805")],
    );
    let (code, findings) = check(&[&file], None);
    assert_eq!(code, 0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn errors_exit_one() {
    let (code, findings) = check(&[case("C21.txt").to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert!(codes(&findings).contains(&"form-unsafe-character"));
    let ampersand = &findings[0];
    assert_eq!(ampersand["line"], 1);
    assert_eq!(ampersand["column"], 47);
}

#[test]
fn warnings_exit_zero_unless_denied() {
    let directory = TempDir::new().unwrap();
    let file = upload(&directory, "add.xml", "add", &[("0.0.0.2", "fe80::2")]);
    let (code, findings) = check(&[&file], None);
    assert_eq!(code, 0);
    assert_eq!(codes(&findings), ["v6-link-local"]);
    let (code, _) = check(&["--deny-warnings", &file], None);
    assert_eq!(code, 1);
}

#[test]
fn entity_bomb_exits_one() {
    let (code, findings) = check(&[case("C17.xml").to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["entity-declaration"]);
    assert_eq!(findings[0]["line"], 3);
}

#[test]
fn list_output_checks_without_errors() {
    let (code, findings) = check(&[case("C16.xml").to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(
        codes(&findings)
            .iter()
            .all(|code| *code == "v6-documentation"),
        "{findings:#?}"
    );
}

#[test]
fn stdin_read_with_dash() {
    let text = "action=add&xml_data=<IP_MAP_LIST><IP_MAP><V4>0.0.0.300</V4><V6>2001:470::1</V6></IP_MAP></IP_MAP_LIST>";
    let (code, findings) = check(&["-"], Some(text));
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["invalid-v4"]);
    assert_eq!(findings[0]["file"], "<stdin>");
}

#[test]
fn unreadable_file_exits_two_others_checked() {
    let directory = TempDir::new().unwrap();
    let good = upload(
        &directory,
        "good.xml",
        "add",
        &[("0.0.0.300", "2001:470::1")],
    );
    let missing = directory.path().join("missing.xml").display().to_string();
    let output = v6map()
        .args(["check", "--format", "json", &missing, &good])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("missing.xml"), "{stderr}");
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(
        stdout.contains("\"invalid-v4\""),
        "the readable file is still checked: {stdout}"
    );
}

#[test]
fn duplicates_across_files() {
    let directory = TempDir::new().unwrap();
    let first = upload(
        &directory,
        "a.xml",
        "add",
        &[("0.0.0.1", "2001:470::1"), ("0.0.0.2", "2001:470::2")],
    );
    let second = upload(
        &directory,
        "b.xml",
        "add",
        &[("0.0.0.3", "2001:470::3"), ("0.0.0.1", "2001:470::9")],
    );
    let (code, findings) = check(&[&first, &second], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["duplicate-v4"]);
    assert!(findings[0]["file"].as_str().unwrap().ends_with("b.xml"));
    assert_eq!(findings[0]["line"], 8);
    let related = findings[0]["related"].as_array().unwrap();
    assert!(related[0]["file"].as_str().unwrap().ends_with("a.xml"));
    assert_eq!(related[0]["line"], 4);
}

#[test]
fn per_file_skips_cross_file_duplicates() {
    let directory = TempDir::new().unwrap();
    let first = upload(&directory, "a.xml", "add", &[("0.0.0.1", "2001:470::1")]);
    let second = upload(
        &directory,
        "b.xml",
        "add",
        &[("0.0.0.1", "2001:470::9"), ("0.0.0.5", "2001:470::9")],
    );
    let (code, findings) = check(&["--per-file", &first, &second], None);
    assert_eq!(code, 1);
    assert_eq!(
        codes(&findings),
        ["duplicate-v6"],
        "only the duplicate within b.xml"
    );
}

#[test]
fn remove_not_compared_with_add() {
    let directory = TempDir::new().unwrap();
    let add = upload(&directory, "add.xml", "add", &[("0.0.0.1", "2001:470::1")]);
    let remove = upload(
        &directory,
        "remove.xml",
        "remove",
        &[("0.0.0.1", "2001:470::1")],
    );
    let (code, findings) = check(&[&add, &remove], None);
    assert_eq!(code, 0);
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn remove_files_compared_with_each_other() {
    let directory = TempDir::new().unwrap();
    let first = upload(
        &directory,
        "r1.xml",
        "remove",
        &[("0.0.0.1", "2001:470::1")],
    );
    let second = upload(
        &directory,
        "r2.xml",
        "remove",
        &[("0.0.0.1", "2001:470::1")],
    );
    let (code, findings) = check(&[&first, &second], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["duplicate-record"]);
    assert_eq!(findings[0]["severity"], "error");
}

#[test]
fn findings_grouped_by_file_in_argument_order() {
    let directory = TempDir::new().unwrap();
    let later = upload(&directory, "z.xml", "add", &[("0.0.0.300", "2001:470::1")]);
    let earlier = upload(&directory, "a.xml", "add", &[("0.0.0.400", "2001:470::2")]);
    let (_, findings) = check(&[&later, &earlier], None);
    let files: Vec<&str> = findings
        .iter()
        .map(|finding| finding["file"].as_str().unwrap())
        .collect();
    assert!(
        files[0].ends_with("z.xml") && files[1].ends_with("a.xml"),
        "{files:?}"
    );
}

#[test]
fn human_output_names_rule_and_position() {
    let output = v6map()
        .args(["check", "--color", "never"])
        .arg(case("C19.xml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stdout = String::from_utf8(output.stdout).unwrap();
    assert!(stdout.contains("schema-violation"), "{stdout}");
    assert!(stdout.contains("C19.xml:2:11"), "{stdout}");
}

#[test]
fn utf16_upload_is_form_header_error() {
    let directory = TempDir::new().unwrap();
    let utf8 = upload(&directory, "add.xml", "add", &[("0.0.0.1", "2001:470::1")]);
    let mut bytes = vec![0xFF, 0xFE];
    for unit in std::fs::read_to_string(&utf8).unwrap().encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let path = directory.path().join("add-utf16.xml");
    std::fs::write(&path, bytes).unwrap();

    let (code, findings) = check(&[path.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["form-header"]);
    assert!(findings[0]["message"]
        .as_str()
        .unwrap()
        .contains("UTF-16LE"));
}

#[test]
fn invalid_utf8_located_by_column() {
    let directory = TempDir::new().unwrap();
    let path = directory.path().join("latin1.xml");
    std::fs::write(
        &path,
        b"action=add&xml_data=\n<IP_MAP_LIST>\n<!-- Caf\xe9 -->\n</IP_MAP_LIST>\n",
    )
    .unwrap();

    let (code, findings) = check(&[path.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["not-well-formed"]);
    assert_eq!(findings[0]["line"], 3);
    assert_eq!(findings[0]["column"], 9);
}

#[test]
fn unreadable_only_file_prints_no_summary() {
    let output = v6map()
        .args(["check", "/nonexistent/add.xml"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        output.stdout.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot read '/nonexistent/add.xml'"));
}

#[test]
fn add_upload_compared_with_list_output() {
    let directory = TempDir::new().unwrap();
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/list-output.xml");
    // The sample list maps 0.0.0.1 to ...:77 and 0.0.0.7 to ...:84.
    let add = upload(
        &directory,
        "add.xml",
        "add",
        &[
            ("0.0.0.1", "2001:470::1"),
            ("0.0.0.9", "2001:db8:85a3::8a2e:370:84"),
            ("0.0.0.20", "2001:470::20"),
        ],
    );
    let remove = upload(
        &directory,
        "remove.xml",
        "remove",
        &[("0.0.0.7", "2001:470::7")],
    );

    let (code, findings) = check(&[list.to_str().unwrap(), &add, &remove], None);
    assert_eq!(code, 1);
    let conflicts: Vec<(&str, u64)> = findings
        .iter()
        .filter(|finding| finding["code"].as_str().unwrap().starts_with("duplicate"))
        .map(|finding| {
            (
                finding["code"].as_str().unwrap(),
                finding["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(conflicts, [("duplicate-v4", 4), ("duplicate-v6", 9)]);
    for finding in findings
        .iter()
        .filter(|f| f["code"].as_str().unwrap().starts_with("duplicate"))
    {
        assert!(finding["file"].as_str().unwrap().ends_with("add.xml"));
        assert!(finding["help"].as_str().unwrap().contains("already maps"));
    }
}

#[test]
fn list_output_alone_has_no_conflicts() {
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/list-output.xml");
    let (code, findings) = check(&[list.to_str().unwrap()], None);
    assert_eq!(code, 0);
    assert!(codes(&findings)
        .iter()
        .all(|code| *code == "v6-documentation"));
}

#[test]
fn file_named_twice_checked_once() {
    let directory = TempDir::new().unwrap();
    let add = upload(&directory, "add.xml", "add", &[("0.0.0.1", "2001:470::1")]);
    let same = directory.path().join(".").join("add.xml");
    let (code, findings) = check(&[&add, same.to_str().unwrap()], None);
    assert_eq!(code, 0, "{findings:?}");
    assert!(findings.is_empty());
}

#[test]
fn list_conflicts_reported_once_each() {
    let directory = TempDir::new().unwrap();
    let list = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/list-output.xml");
    // The records at lines 4 and 8 both map the listed ...:77; the one at line 12
    // repeats a listed pair exactly.
    let add = upload(
        &directory,
        "add.xml",
        "add",
        &[
            ("0.0.0.30", "2001:db8:85a3::8a2e:370:77"),
            ("0.0.0.31", "2001:db8:85a3::8a2e:370:77"),
            ("0.0.0.7", "2001:db8:85a3::8a2e:370:84"),
        ],
    );

    let (code, findings) = check(&[list.to_str().unwrap(), &add], None);
    assert_eq!(code, 1);
    let duplicates: Vec<(&str, u64)> = findings
        .iter()
        .filter(|finding| finding["code"].as_str().unwrap().starts_with("duplicate"))
        .map(|finding| {
            (
                finding["code"].as_str().unwrap(),
                finding["line"].as_u64().unwrap(),
            )
        })
        .collect();
    // One conflict with the list per add record, plus the upload's own duplicate.
    assert_eq!(
        duplicates,
        [
            ("duplicate-v6", 5),
            ("duplicate-v6", 9),
            ("duplicate-v6", 9),
            ("duplicate-record", 12),
        ]
    );
}

#[test]
fn upload_cut_inside_root_tag() {
    let directory = TempDir::new().unwrap();
    let path = directory.path().join("cut.xml");
    std::fs::write(&path, "action=add&xml_data=\n<IP_MAP_L").unwrap();
    let (code, findings) = check(&[path.to_str().unwrap()], None);
    assert_eq!(code, 1);
    assert_eq!(codes(&findings), ["not-well-formed"]);
    assert!(findings[0]["help"]
        .as_str()
        .unwrap()
        .contains("ends inside a start tag"));
}

#[test]
fn sarif_marks_unreadable_input_failed() {
    let output = v6map()
        .args(["check", "--format", "sarif"])
        .arg(case("C16.xml"))
        .arg("/nonexistent/add.xml")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let log: Value = serde_json::from_slice(&output.stdout).unwrap();
    let invocation = &log["runs"][0]["invocations"][0];
    assert_eq!(invocation["executionSuccessful"], false);
    let notice = invocation["toolExecutionNotifications"][0]["message"]["text"]
        .as_str()
        .unwrap();
    assert!(notice.contains("/nonexistent/add.xml"), "{notice}");
}
