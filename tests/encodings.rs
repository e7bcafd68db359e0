//! Input encodings through the binary, for `generate` and `check`. UTF-16
//! with a byte-order mark is transcoded, except for an upload file, whose
//! form fields Qualys could not read. Every other encoding problem (UTF-32,
//! Latin-1, invalid UTF-8, NUL bytes) is exactly one error that names the
//! byte offset. `generate` adds its `empty-inventory` summary when no input
//! gave a valid record.

use std::fs;
use std::path::PathBuf;

use assert_cmd::Command;
use serde_json::Value;
use tempfile::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_v6map");

const CSV: &str =
    "v4,v6\n0.0.0.2,2001:470:8418:a18::a0a:1805\n0.0.0.3,2001:470:8418:a18::a0a:ab7\n";

const UPLOAD: &str = "action=add&xml_data=\n<IP_MAP_LIST>\n<IP_MAP>\n<V4>0.0.0.2</V4>\n<V6>2001:470:8418:a18::a0a:1805</V6>\n</IP_MAP>\n</IP_MAP_LIST>\n";

const LIST_OUTPUT: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\" ?>\n\
<!DOCTYPE IP_MAP_LIST_OUTPUT SYSTEM \"https://qualysapi.qualys.com/api/2.0/fo/asset/ip/v4_v6/ip_map_list_output.dtd\">\n\
<IP_MAP_LIST_OUTPUT>\n<RESPONSE>\n<DATETIME>2017-11-28T19:42:10Z</DATETIME>\n<IP_MAP_LIST>\n\
<IP_MAP>\n<ID>46947</ID>\n<V4>0.0.0.7</V4>\n<V6>2001:470:8418:a18::a0a:1805</V6>\n</IP_MAP>\n\
</IP_MAP_LIST>\n</RESPONSE>\n</IP_MAP_LIST_OUTPUT>\n";

fn write(folder: &TempDir, name: &str, bytes: &[u8]) -> PathBuf {
    let path = folder.path().join(name);
    fs::write(&path, bytes).expect("write input");
    path
}

fn utf16(text: &str, little_endian: bool) -> Vec<u8> {
    let mut bytes = if little_endian {
        vec![0xFF, 0xFE]
    } else {
        vec![0xFE, 0xFF]
    };
    for unit in text.encode_utf16() {
        let pair = if little_endian {
            unit.to_le_bytes()
        } else {
            unit.to_be_bytes()
        };
        bytes.extend_from_slice(&pair);
    }
    bytes
}

fn utf32_le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE, 0, 0];
    for character in text.chars() {
        bytes.extend_from_slice(&(character as u32).to_le_bytes());
    }
    bytes
}

/// Parses the findings of a run with `--format json`, one object per line.
fn findings(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON finding"))
        .collect()
}

/// Drops the `empty-inventory` summary that generate adds when no input gave
/// a valid record, checking that it appears at most once.
fn without_summary(findings: Vec<Value>) -> Vec<Value> {
    let (summaries, others): (Vec<Value>, Vec<Value>) = findings
        .into_iter()
        .partition(|finding| finding["code"] == "empty-inventory");
    assert!(summaries.len() <= 1, "{summaries:#?}");
    others
}

/// Runs `generate FILE --format json` and returns (exit code, upload, findings).
fn generate(path: &PathBuf) -> (i32, String, Vec<Value>) {
    let output = Command::new(BINARY)
        .arg("generate")
        .arg(path)
        .args(["--format", "json"])
        .output()
        .expect("run v6map");
    let code = output.status.code().expect("an exit code");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        code,
        String::from_utf8_lossy(&output.stdout).into_owned(),
        without_summary(findings(&output.stderr)),
    )
}

/// Runs `check FILE --format json` and returns (exit code, findings).
fn check(path: &PathBuf) -> (i32, Vec<Value>) {
    let output = Command::new(BINARY)
        .arg("check")
        .arg(path)
        .args(["--format", "json"])
        .output()
        .expect("run v6map");
    assert!(
        !String::from_utf8_lossy(&output.stderr).contains("panicked"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        output.status.code().expect("an exit code"),
        findings(&output.stdout),
    )
}

/// Asserts exactly one finding, an error of `code` at byte `offset`, and
/// returns its message.
fn one_error(findings: &[Value], code: &str, offset: u64) -> String {
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["code"], code, "{finding:#?}");
    assert_eq!(finding["severity"], "error", "{finding:#?}");
    assert_eq!(finding["offset"], offset, "{finding:#?}");
    finding["message"].as_str().expect("a message").to_string()
}

#[test]
fn generate_utf16_le_transcoded() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "le.csv", &utf16(CSV, true));
    let (code, upload, findings) = generate(&path);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(
        upload.contains("<V6>2001:470:8418:a18::a0a:1805</V6>"),
        "{upload}"
    );
    assert!(upload.contains("<V4>0.0.0.3</V4>"), "{upload}");
}

#[test]
fn generate_utf16_be_transcoded() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "be.csv", &utf16(CSV, false));
    let (code, upload, findings) = generate(&path);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
    assert!(upload.contains("<V4>0.0.0.2</V4>"), "{upload}");
}

#[test]
fn generate_utf32_rejected_once() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "wide.csv", &utf32_le(CSV));
    let (code, upload, findings) = generate(&path);
    assert_eq!(code, 1);
    assert!(upload.is_empty(), "{upload}");
    let message = one_error(&findings, "inventory-format", 0);
    assert!(message.contains("UTF-32"), "{message}");
}

#[test]
fn generate_invalid_utf8_one_error_with_offset() {
    let folder = TempDir::new().unwrap();
    let mut bytes = CSV.as_bytes().to_vec();
    let offset = CSV.find("0.0.0.3").unwrap();
    bytes.insert(offset, 0xC3);
    let path = write(&folder, "broken.csv", &bytes);
    let (code, upload, findings) = generate(&path);
    assert_eq!(code, 1);
    assert!(upload.is_empty(), "{upload}");
    let message = one_error(&findings, "inventory-format", offset as u64);
    assert!(message.contains(&format!("byte {offset}")), "{message}");
    assert_eq!(findings[0]["line"], 3);
}

#[test]
fn generate_nul_byte_one_error() {
    let folder = TempDir::new().unwrap();
    let mut bytes = CSV.as_bytes().to_vec();
    let offset = CSV.find("2001:470:8418:a18::a0a:ab7").unwrap();
    bytes.insert(offset, 0);
    let path = write(&folder, "nul.csv", &bytes);
    let (code, upload, findings) = generate(&path);
    assert_eq!(code, 1);
    assert!(upload.is_empty(), "{upload}");
    let message = one_error(&findings, "inventory-format", offset as u64);
    assert!(message.contains("NUL"), "{message}");
}

/// A Qualys list output saved as UTF-16 is transcoded and checked.
#[test]
fn check_utf16_le_list_output_transcoded() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "le.xml", &utf16(LIST_OUTPUT, true));
    let (code, findings) = check(&path);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

#[test]
fn check_utf16_be_list_output_transcoded() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "be.xml", &utf16(LIST_OUTPUT, false));
    let (code, findings) = check(&path);
    assert_eq!(code, 0, "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

/// An upload file is sent as bytes, and a UTF-16 form body has no readable
/// form fields for Qualys, so it is one error instead.
#[test]
fn check_utf16_upload_rejected_once() {
    let folder = TempDir::new().unwrap();
    for little_endian in [true, false] {
        let path = write(&folder, "upload.xml", &utf16(UPLOAD, little_endian));
        let (code, findings) = check(&path);
        assert_eq!(code, 1, "{findings:#?}");
        let message = one_error(&findings, "form-header", 0);
        assert!(message.contains("UTF-16"), "{message}");
    }
}

#[test]
fn check_utf32_rejected_once() {
    let folder = TempDir::new().unwrap();
    let path = write(&folder, "wide.xml", &utf32_le(UPLOAD));
    let (code, findings) = check(&path);
    assert_eq!(code, 1);
    let message = one_error(&findings, "not-well-formed", 0);
    assert!(message.contains("UTF-32"), "{message}");
}

/// An XML file that declares ISO-8859-1 and contains a Latin-1 byte: v6map
/// reads UTF-8 only, so the byte is one error at its offset.
#[test]
fn check_latin1_declared_one_error_with_offset() {
    let folder = TempDir::new().unwrap();
    let text = "<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?>\n\
        <!DOCTYPE IP_MAP_LIST_OUTPUT SYSTEM \"https://qualysapi.qualys.com/ip_map_list_output.dtd\">\n\
        <IP_MAP_LIST_OUTPUT>\n<RESPONSE>\n<DATETIME>2024-01-01T00:00:00Z</DATETIME>\n\
        <IP_MAP_LIST>\n<IP_MAP>\n<V4>0.0.0.2</V4>\n<V6>2001:470:8418:a18::a0a:1805</V6>\n\
        <ID>caf\u{0}</ID>\n</IP_MAP>\n</IP_MAP_LIST>\n</RESPONSE>\n</IP_MAP_LIST_OUTPUT>\n";
    let mut bytes = text.as_bytes().to_vec();
    let offset = text.find('\u{0}').unwrap();
    bytes[offset] = 0xE9; // 'é' in ISO-8859-1
    let path = write(&folder, "latin1.xml", &bytes);
    let (code, findings) = check(&path);
    assert_eq!(code, 1);
    let message = one_error(&findings, "not-well-formed", offset as u64);
    assert!(message.contains("0xE9"), "{message}");
    assert!(message.contains(&format!("byte {offset}")), "{message}");
}

#[test]
fn check_invalid_utf8_one_error_with_offset() {
    let folder = TempDir::new().unwrap();
    let mut bytes = UPLOAD.as_bytes().to_vec();
    let offset = UPLOAD.find("<V6>").unwrap();
    bytes.insert(offset, 0xFF);
    let path = write(&folder, "broken.xml", &bytes);
    let (code, findings) = check(&path);
    assert_eq!(code, 1);
    let message = one_error(&findings, "not-well-formed", offset as u64);
    assert!(message.contains("0xFF"), "{message}");
    assert_eq!(findings[0]["line"], 5);
}

#[test]
fn check_nul_byte_one_error() {
    let folder = TempDir::new().unwrap();
    let mut bytes = UPLOAD.as_bytes().to_vec();
    let offset = UPLOAD.find("0.0.0.2").unwrap();
    bytes.insert(offset, 0);
    let path = write(&folder, "nul.xml", &bytes);
    let (code, findings) = check(&path);
    assert_eq!(code, 1);
    let message = one_error(&findings, "not-well-formed", offset as u64);
    assert!(message.contains("NUL"), "{message}");
}
