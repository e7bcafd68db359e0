//! Standard input and output through the binary: `-` as an input, empty and
//! closed standard input, and a reader that closes the pipe early.

use std::io::{BufRead, BufReader, Read};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use serde_json::Value;

const BINARY: &str = env!("CARGO_BIN_EXE_v6map");

const CSV: &str =
    "v4,v6\n0.0.0.2,2001:470:8418:a18::a0a:1805\n0.0.0.3,2001:470:8418:a18::a0a:ab7\n";

const UPLOAD: &str = "action=add&xml_data=\n<IP_MAP_LIST>\n<IP_MAP>\n<V4>0.0.0.2</V4>\n<V6>2001:470:8418:a18::a0a:1805</V6>\n</IP_MAP>\n</IP_MAP_LIST>\n";

fn findings(text: &[u8]) -> Vec<Value> {
    String::from_utf8_lossy(text)
        .lines()
        .filter(|line| line.starts_with('{'))
        .map(|line| serde_json::from_str(line).expect("a JSON finding"))
        .collect()
}

fn codes(findings: &[Value]) -> Vec<String> {
    findings
        .iter()
        .map(|finding| finding["code"].as_str().unwrap_or_default().to_string())
        .collect()
}

/// Returns `count` valid CSV records.
fn inventory(count: u32) -> String {
    let mut text = String::from("v4,v6\n");
    for n in 1..=count {
        text.push_str(&format!(
            "0.{}.{}.{},2001:470:8418:a18::{:x}\n",
            n >> 16 & 0xff,
            n >> 8 & 0xff,
            n & 0xff,
            n
        ));
    }
    text
}

#[test]
fn generate_reads_dash_as_stdin() {
    let output = Command::new(BINARY)
        .args(["generate", "-", "--input-format", "csv"])
        .write_stdin(CSV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let upload = String::from_utf8(output.stdout).unwrap();
    assert!(upload.starts_with("action=add&xml_data=\n"), "{upload}");
    assert!(upload.contains("<V4>0.0.0.3</V4>"), "{upload}");
}

#[test]
fn check_reads_dash_as_stdin() {
    let output = Command::new(BINARY)
        .args(["check", "-", "--format", "json"])
        .write_stdin(UPLOAD)
        .output()
        .unwrap();
    let findings = findings(&output.stdout);
    assert_eq!(output.status.code(), Some(0), "{findings:#?}");
    assert!(findings.is_empty(), "{findings:#?}");
}

/// Standard input that is closed from the start (`< /dev/null`).
#[test]
fn generate_closed_stdin_empty_inventory() {
    let output = StdCommand::new(BINARY)
        .args(["generate", "-", "--input-format", "csv", "--format", "json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let findings = findings(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{findings:#?}");
    assert!(output.stdout.is_empty());
    assert!(
        codes(&findings).contains(&"empty-inventory".to_string()),
        "{findings:#?}"
    );
}

#[test]
fn generate_empty_json_stdin_empty_inventory() {
    let output = Command::new(BINARY)
        .args([
            "generate",
            "-",
            "--input-format",
            "json",
            "--format",
            "json",
        ])
        .write_stdin("")
        .output()
        .unwrap();
    let findings = findings(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{findings:#?}");
    assert!(output.stdout.is_empty());
    assert!(
        codes(&findings).contains(&"empty-inventory".to_string()),
        "{findings:#?}"
    );
}

#[test]
fn check_closed_stdin_is_an_error() {
    let output = StdCommand::new(BINARY)
        .args(["check", "-", "--format", "json"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let findings = findings(&output.stdout);
    assert_eq!(output.status.code(), Some(1), "{findings:#?}");
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["file"], "<stdin>");
    let message = findings[0]["message"].as_str().unwrap();
    assert!(message.contains("empty"), "{message}");
}

/// Reads one line of `command`'s standard output, closes the pipe, and
/// returns the exit code and standard error.
fn close_after_one_line(command: &mut StdCommand) -> (String, Option<i32>, String) {
    let mut child = command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    (first_line, status.code(), stderr)
}

#[test]
fn generate_broken_stdout_pipe_quiet() {
    let folder = tempfile::TempDir::new().unwrap();
    let input = folder.path().join("big.csv");
    std::fs::write(&input, inventory(50_000)).unwrap();
    let (first_line, code, stderr) =
        close_after_one_line(StdCommand::new(BINARY).arg("generate").arg(&input));
    assert_eq!(first_line, "action=add&xml_data=\n");
    assert_eq!(code, Some(0), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
    assert!(stderr.is_empty(), "{stderr}");
}

/// `check` prints its findings on standard output; a reader that closes the
/// pipe after one of thousands of findings must not make it panic.
#[test]
fn check_broken_stdout_pipe_quiet() {
    let folder = tempfile::TempDir::new().unwrap();
    let mut upload = String::from("action=add&xml_data=\n<IP_MAP_LIST>\n");
    for n in 0..20_000 {
        upload.push_str(&format!(
            "<IP_MAP>\n<V4>1.0.0.{}</V4>\n<V6>2001:470:8418:a18::{n:x}</V6>\n</IP_MAP>\n",
            n % 250
        ));
    }
    upload.push_str("</IP_MAP_LIST>\n");
    let input = folder.path().join("bad.xml");
    std::fs::write(&input, upload).unwrap();
    for format in ["json", "human", "github", "sarif"] {
        let (first_line, code, stderr) =
            close_after_one_line(StdCommand::new(BINARY).arg("check").arg(&input).args([
                "--format",
                format,
                "--max-shown",
                "0",
            ]));
        assert!(!first_line.is_empty(), "{format}: no output");
        assert_eq!(code, Some(1), "{format}: {stderr}");
        assert!(!stderr.contains("panicked"), "{format}: {stderr}");
        assert!(stderr.is_empty(), "{format}: {stderr}");
    }
}

#[test]
fn rejects_dash_writes_stdout() {
    let folder = tempfile::TempDir::new().unwrap();
    let input = folder.path().join("inventory.csv");
    std::fs::write(&input, format!("{CSV}1.2.3.4,2001:470:8418:a18::9\n")).unwrap();
    let upload = folder.path().join("add.xml");
    let output = Command::new(BINARY)
        .current_dir(folder.path())
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&upload)
        .args(["--rejects", "-", "--skip-invalid"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(0), "{stderr}");
    let rejects = String::from_utf8(output.stdout).unwrap();
    assert!(
        rejects.starts_with("file,line,code,message,row\n"),
        "{rejects}"
    );
    assert!(rejects.contains(",4,v4-out-of-range,"), "{rejects}");
    assert!(
        !folder.path().join("-").exists(),
        "a file named '-' was written"
    );
    let written = std::fs::read_to_string(&upload).unwrap();
    assert!(written.contains("<V4>0.0.0.3</V4>"), "{written}");
}

#[test]
fn rejects_dash_with_upload_on_stdout_rejected() {
    let output = Command::new(BINARY)
        .args(["generate", "-", "--input-format", "csv", "--rejects", "-"])
        .write_stdin(CSV)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("both go to standard output"), "{stderr}");
    assert!(output.stdout.is_empty());
}
