//! `v6map generate` run as a program on real files in temporary folders:
//! outputs, exit codes, messages, atomic writes and the sample files.

use std::fs;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};

use assert_cmd::Command;
use tempfile::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_v6map");

/// Global unicast addresses outside the documentation prefix, so that clean
/// inventories produce no warning.
const CLEAN_CSV: &str = "v4,v6\n\
    0.0.0.2,2001:470:8418:a18::a0a:1805\n\
    0.0.0.3,2001:470:8418:a18::a0a:ab7\n";

fn v6map() -> Command {
    Command::new(BINARY)
}

fn samples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("samples")
}

/// Writes `text` to `name` in `folder` and returns the path.
fn write_file(folder: &TempDir, name: &str, text: &str) -> PathBuf {
    let path = folder.path().join(name);
    fs::write(&path, text).unwrap();
    path
}

/// Returns an inventory of `count` distinct, valid records.
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

/// Returns the (V4, V6) pairs of an upload file, checking its form header and
/// that the XML after it parses.
fn pairs(upload: &str) -> Vec<(String, String)> {
    let (header, xml) = upload.split_once('\n').expect("a header line");
    assert!(
        header.starts_with("action=") && header.ends_with("&xml_data="),
        "{header}"
    );
    let document = roxmltree::Document::parse(xml).expect("well-formed XML");
    assert!(document.root_element().has_tag_name("IP_MAP_LIST"));
    document
        .root_element()
        .children()
        .filter(|node| node.has_tag_name("IP_MAP"))
        .map(|map| {
            let text_of = |name: &str| {
                let node = map
                    .children()
                    .find(|node| node.has_tag_name(name))
                    .expect(name);
                node.text().unwrap_or_default().to_string()
            };
            (text_of("V4"), text_of("V6"))
        })
        .collect()
}

/// Returns the names in a folder, sorted.
fn entries(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn stdout_of(output: &std::process::Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("UTF-8 upload")
}

fn stderr_of(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

#[test]
fn sample_csv_prints_qualys_file2() {
    let expected = fs::read(samples().join("add.xml")).unwrap();
    let output = v6map()
        .arg("generate")
        .arg(samples().join("inventory.csv"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&expected)
    );
    assert_eq!(output.stdout, expected);
    let stderr = stderr_of(&output);
    assert!(
        !stderr.contains("warning") && !stderr.contains("error"),
        "{stderr}"
    );
}

#[test]
fn sample_json_prints_qualys_file2() {
    let expected = fs::read(samples().join("add.xml")).unwrap();
    let output = v6map()
        .arg("generate")
        .arg(samples().join("inventory.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, expected);
}

#[test]
fn sample_remove_prints_qualys_file4() {
    let expected = fs::read(samples().join("remove.xml")).unwrap();
    let output = v6map()
        .args(["generate", "--action", "remove"])
        .arg(samples().join("remove-inventory.csv"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, expected);
}

#[test]
fn output_file_written_not_stdout() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let target = folder.path().join("add.xml");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(output.stdout.is_empty());
    assert_eq!(
        fs::read(&target).unwrap(),
        fs::read(samples().join("add.xml")).unwrap()
    );
    assert_eq!(entries(folder.path()), ["add.xml", "inventory.csv"]);
}

#[test]
fn existing_output_needs_force() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let target = write_file(&folder, "add.xml", "keep me\n");

    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("already exists"), "{stderr}");
    assert!(stderr.contains("--force"), "{stderr}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "keep me\n");

    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(pairs(&fs::read_to_string(&target).unwrap()).len(), 2);
    assert_eq!(entries(folder.path()), ["add.xml", "inventory.csv"]);
}

#[test]
fn missing_output_folder_not_created() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let target = folder.path().join("out").join("add.xml");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(!folder.path().join("out").exists());
}

#[test]
fn batches_named_and_split() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(5));
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(folder.path().join("add.xml"))
        .args(["--batch-size", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        entries(folder.path()),
        [
            "add-0001.xml",
            "add-0002.xml",
            "add-0003.xml",
            "inventory.csv"
        ]
    );
    let mut all = Vec::new();
    for (name, count) in [
        ("add-0001.xml", 2),
        ("add-0002.xml", 2),
        ("add-0003.xml", 1),
    ] {
        let batch = pairs(&fs::read_to_string(folder.path().join(name)).unwrap());
        assert_eq!(batch.len(), count, "{name}");
        all.extend(batch);
    }
    let expected: Vec<String> = (1..=5).map(|n| format!("0.0.0.{n}")).collect();
    let v4s: Vec<String> = all.into_iter().map(|(v4, _)| v4).collect();
    assert_eq!(v4s, expected);
}

#[test]
fn batch_without_extension() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(3));
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(folder.path().join("upload"))
        .args(["--batch-size", "3"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(entries(folder.path()), ["inventory.csv", "upload-0001"]);
}

#[test]
fn batch_needs_output_file() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--batch-size", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--batch-size needs -o"),
        "{}",
        stderr_of(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn batch_targets_checked_before_writing() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(4));
    write_file(&folder, "add-0002.xml", "keep me\n");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(folder.path().join("add.xml"))
        .args(["--batch-size", "2"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("add-0002.xml' already exists"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(entries(folder.path()), ["add-0002.xml", "inventory.csv"]);
    assert_eq!(
        fs::read_to_string(folder.path().join("add-0002.xml")).unwrap(),
        "keep me\n"
    );
}

#[test]
fn all_or_nothing_in_add_header() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    for (value, header) in [
        ("0", "action=add&all_or_nothing=0&xml_data=\n"),
        ("1", "action=add&all_or_nothing=1&xml_data=\n"),
    ] {
        let output = v6map()
            .arg("generate")
            .arg(&input)
            .args(["--all-or-nothing", value])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
        let text = stdout_of(&output);
        assert!(text.starts_with(header), "{text}");
        assert_eq!(pairs(&text).len(), 2);
    }
}

#[test]
fn all_or_nothing_rejected_for_remove() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--action", "remove", "--all-or-nothing", "0"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--all-or-nothing applies only to --action add"),
        "{}",
        stderr_of(&output)
    );
    assert!(output.stdout.is_empty());
}

#[test]
fn remove_header() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--action", "remove"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.starts_with("action=remove&xml_data=\n<IP_MAP_LIST>\n"),
        "{text}"
    );
}

#[test]
fn keep_ids_written_with_warning() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "id,v4,v6\nrack-1,0.0.0.2,2001:470:8418:a18::a0a:1805\nrack-2,0.0.0.3,2001:470:8418:a18::a0a:ab7\n",
    );
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--keep-ids", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let text = stdout_of(&output);
    assert!(
        text.contains("<IP_MAP>\n<ID>rack-1</ID>\n<V4>0.0.0.2</V4>\n"),
        "{text}"
    );
    assert!(
        stderr_of(&output).contains("custom-id-ignored"),
        "{}",
        stderr_of(&output)
    );

    let output = v6map().arg("generate").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(!stdout_of(&output).contains("<ID>"));
}

#[test]
fn invalid_row_writes_nothing() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "v4,v6\n0.0.0.2,2001:470::2\n0.0.0.300,2001:470::3\n",
    );
    let target = folder.path().join("add.xml");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("invalid-v4"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(entries(folder.path()), ["inventory.csv"]);

    let output = v6map().arg("generate").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
}

#[test]
fn skip_invalid_writes_valid_records() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "v4,v6\n0.0.0.2,2001:470::2\n0.0.0.300,2001:470::3\n0.0.0.4,2001:470::4\n",
    );
    let target = folder.path().join("add.xml");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(
        stderr_of(&output).contains("invalid-v4"),
        "{}",
        stderr_of(&output)
    );
    let written = pairs(&fs::read_to_string(&target).unwrap());
    let expected = [
        ("0.0.0.2".to_string(), "2001:470::2".to_string()),
        ("0.0.0.4".to_string(), "2001:470::4".to_string()),
    ];
    assert_eq!(written, expected);
}

#[test]
fn skip_invalid_drops_conflicts() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "v4,v6\n0.0.0.2,2001:470::2\n0.0.0.3,2001:470::3\n0.0.0.2,2001:470::4\n0.0.0.3,2001:470::3\n",
    );
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("duplicate-v4"), "{stderr}");
    assert!(stderr.contains("duplicate-record"), "{stderr}");
    let written = pairs(&stdout_of(&output));
    assert_eq!(
        written,
        [("0.0.0.3".to_string(), "2001:470::3".to_string())]
    );
}

#[test]
fn rejects_file_lists_rows() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "v4,v6\n0.0.0.2,2001:470::2\n0.0.0.300,2001:470::3\n0.0.0.2,2001:470::4\n0.0.0.5,2001:470::5\n",
    );
    let rejects = folder.path().join("rejects.csv");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("--rejects")
        .arg(&rejects)
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let written = pairs(&stdout_of(&output));
    assert_eq!(
        written,
        [("0.0.0.5".to_string(), "2001:470::5".to_string())]
    );

    let mut reader = csv::Reader::from_path(&rejects).unwrap();
    assert_eq!(
        reader.headers().unwrap(),
        vec!["file", "line", "code", "message", "row"]
    );
    let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
    let summary: Vec<(&str, &str, &str)> =
        rows.iter().map(|row| (&row[1], &row[2], &row[4])).collect();
    assert_eq!(
        summary,
        [
            ("2", "duplicate-v4", "0.0.0.2,2001:470::2"),
            ("3", "invalid-v4", "0.0.0.300,2001:470::3"),
            ("4", "duplicate-v4", "0.0.0.2,2001:470::4"),
        ]
    );
    for row in &rows {
        assert_eq!(&row[0], input.to_str().unwrap());
        assert!(!row[3].is_empty());
    }
}

#[test]
fn rejects_written_even_without_upload() {
    let folder = TempDir::new().unwrap();
    let input = write_file(
        &folder,
        "inventory.csv",
        "v4,v6\n0.0.0.2,2001:470::2\n0.0.0.300,2001:470::3\n",
    );
    let target = folder.path().join("add.xml");
    let rejects = folder.path().join("rejects.csv");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&target)
        .arg("--rejects")
        .arg(&rejects)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(!target.exists());
    let text = fs::read_to_string(&rejects).unwrap();
    assert_eq!(text.lines().count(), 2, "{text}");
}

#[test]
fn rejects_file_needs_force() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let rejects = write_file(&folder, "rejects.csv", "old\n");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("--rejects")
        .arg(&rejects)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("--force"),
        "{}",
        stderr_of(&output)
    );
    assert!(output.stdout.is_empty());
    assert_eq!(fs::read_to_string(&rejects).unwrap(), "old\n");
}

#[test]
fn empty_inventory_writes_nothing() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", "v4,v6\n");
    let target = folder.path().join("add.xml");
    for extra in [&[][..], &["--skip-invalid"][..]] {
        let output = v6map()
            .arg("generate")
            .arg(&input)
            .arg("-o")
            .arg(&target)
            .args(extra)
            .args(["--format", "json"])
            .output()
            .unwrap();
        assert_eq!(output.status.code(), Some(1), "{extra:?}");
        assert!(
            stderr_of(&output).contains("empty-inventory"),
            "{}",
            stderr_of(&output)
        );
        assert_eq!(entries(folder.path()), ["inventory.csv"], "{extra:?}");
    }
}

#[test]
fn duplicates_across_files_count() {
    let folder = TempDir::new().unwrap();
    let first = write_file(&folder, "a.csv", "v4,v6\n0.0.0.2,2001:470::2\n");
    let second = write_file(
        &folder,
        "b.json",
        r#"[{"v4": "0.0.0.2", "v6": "2001:470::9"}]"#,
    );
    let output = v6map()
        .arg("generate")
        .arg(&first)
        .arg(&second)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr_of(&output).contains("duplicate-v4"),
        "{}",
        stderr_of(&output)
    );
    assert!(output.stdout.is_empty());
}

#[cfg(unix)]
#[test]
fn written_file_follows_umask() {
    use std::os::unix::fs::PermissionsExt;

    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    for (umask, mode) in [("022", 0o644), ("027", 0o640), ("077", 0o600)] {
        let target = folder.path().join(format!("add-{umask}.xml"));
        let status = StdCommand::new("sh")
            .arg("-c")
            .arg(format!(
                "umask {umask} && exec \"$0\" generate \"$1\" -o \"$2\""
            ))
            .arg(BINARY)
            .arg(&input)
            .arg(&target)
            .status()
            .unwrap();
        assert!(status.success(), "umask {umask}");
        let actual = fs::metadata(&target).unwrap().permissions().mode() & 0o777;
        assert_eq!(actual, mode, "umask {umask}: {actual:o}");
    }
}

#[cfg(target_os = "linux")]
#[test]
fn full_device_fails_cleanly() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["-o", "/dev/full"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("failed to write '/dev/full'"), "{stderr}");

    // Standard output redirected to /dev/full: the same failure, reported.
    let output = StdCommand::new(BINARY)
        .arg("generate")
        .arg(&input)
        .stdout(fs::File::create("/dev/full").unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("standard output"),
        "{}",
        stderr_of(&output)
    );
}

#[cfg(unix)]
#[test]
fn dev_null_written_directly() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["-o", "/dev/null"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let metadata = fs::metadata("/dev/null").unwrap();
    assert!(!metadata.is_file(), "/dev/null must stay a device");
}

#[cfg(target_os = "linux")]
#[test]
fn dev_stdout_to_file_not_replaced() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let target = write_file(&folder, "out.txt", "before\n");
    let appended = fs::OpenOptions::new().append(true).open(&target).unwrap();
    let output = StdCommand::new(BINARY)
        .arg("generate")
        .arg(&input)
        .args(["-o", "/dev/stdout"])
        .stdout(appended)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let expected = format!(
        "before\n{}",
        fs::read_to_string(samples().join("add.xml")).unwrap()
    );
    assert_eq!(fs::read_to_string(&target).unwrap(), expected);
    assert_eq!(entries(folder.path()), ["inventory.csv", "out.txt"]);
}

#[cfg(unix)]
#[test]
fn unwritable_folder_fails_cleanly() {
    use std::os::unix::fs::PermissionsExt;

    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let locked = folder.path().join("locked");
    fs::create_dir(&locked).unwrap();
    fs::set_permissions(&locked, fs::Permissions::from_mode(0o555)).unwrap();
    if fs::write(locked.join("probe"), "").is_ok() {
        // Running as root: permissions do not stop writes, so there is nothing to test.
        fs::remove_file(locked.join("probe")).unwrap();
        eprintln!("skipped: folder permissions do not apply to this user");
        return;
    }
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(locked.join("add.xml"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("failed to create a temporary file"),
        "{}",
        stderr_of(&output)
    );
    assert!(entries(&locked).is_empty());
}

#[test]
fn stdin_needs_input_format() {
    let output = v6map()
        .args(["generate", "-"])
        .write_stdin(CLEAN_CSV)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("needs --input-format"),
        "{}",
        stderr_of(&output)
    );

    let output = v6map()
        .args(["generate", "-", "--input-format", "csv"])
        .write_stdin(CLEAN_CSV)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, fs::read(samples().join("add.xml")).unwrap());
}

#[test]
fn unknown_extension_needs_input_format() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.dat", CLEAN_CSV);
    let output = v6map().arg("generate").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("inventory.dat"), "{stderr}");
    assert!(stderr.contains("--input-format"), "{stderr}");

    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["--input-format", "csv"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
}

#[test]
fn missing_input_exits_2() {
    let folder = TempDir::new().unwrap();
    let input = folder.path().join("none.csv");
    let output = v6map().arg("generate").arg(&input).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(stderr.contains("failed to read"), "{stderr}");
    assert!(stderr.contains("none.csv"), "{stderr}");
    assert!(stderr.contains("os error 2"), "{stderr}");
}

#[test]
fn input_as_output_rejected() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("-o")
        .arg(&input)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("it is the input"),
        "{}",
        stderr_of(&output)
    );
    assert_eq!(fs::read_to_string(&input).unwrap(), CLEAN_CSV);

    // The same file reached through another spelling of its path.
    let other = folder.path().join(".").join("inventory.csv");
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg("--rejects")
        .arg(&other)
        .arg("--force")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert_eq!(fs::read_to_string(&input).unwrap(), CLEAN_CSV);
}

#[test]
fn closed_pipe_exits_quietly() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(20_000));
    let mut child = StdCommand::new(BINARY)
        .arg("generate")
        .arg(&input)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut first_line = String::new();
    stdout.read_line(&mut first_line).unwrap();
    assert_eq!(first_line, "action=add&xml_data=\n");
    drop(stdout);
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut stderr)
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0), "{stderr}");
    // The renderer may print its summary, but nothing about the pipe.
    assert!(!stderr.contains("error"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("broken pipe"), "{stderr}");
}

#[test]
fn generated_files_pass_check() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(50));
    let variants: [(&str, &[&str]); 4] = [
        ("add.xml", &[]),
        ("add-aon.xml", &["--all-or-nothing", "0"]),
        ("remove.xml", &["--action", "remove"]),
        ("batch.xml", &["--batch-size", "20"]),
    ];
    for (name, options) in variants {
        let output = v6map()
            .arg("generate")
            .arg(&input)
            .arg("-o")
            .arg(folder.path().join(name))
            .args(options)
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            stderr_of(&output)
        );
    }
    let uploads = [
        "add.xml",
        "add-aon.xml",
        "remove.xml",
        "batch-0001.xml",
        "batch-0002.xml",
        "batch-0003.xml",
    ];
    for name in uploads {
        // Each file alone, because the variants repeat the same records.
        let output = v6map()
            .arg("check")
            .arg(folder.path().join(name))
            .arg("--deny-warnings")
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&output.stdout)
        );
    }
    let batches = uploads[3..].iter().map(|name| folder.path().join(name));
    let output = v6map()
        .arg("check")
        .args(batches)
        .arg("--deny-warnings")
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "batches together: {}",
        String::from_utf8_lossy(&output.stdout)
    );
}

fn case(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/cases")
        .join(name)
}

/// Returns (code, line, severity) of each finding printed with `--format json`.
fn findings(output: &std::process::Output) -> Vec<(String, Option<u64>, String)> {
    stderr_of(output)
        .lines()
        .map(|line| {
            let object: serde_json::Value = serde_json::from_str(line).expect("a JSON line");
            (
                object["code"].as_str().unwrap().to_string(),
                object["line"].as_u64(),
                object["severity"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn pair(v4: &str, v6: &str) -> (String, String) {
    (v4.to_string(), v6.to_string())
}

#[test]
fn case_spellings_of_one_address_are_duplicates() {
    // Two spellings of one IPv6 address are the same address, and an
    // identical pair is written once, never twice.
    let output = v6map()
        .arg("generate")
        .arg(case("C12.csv"))
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let duplicates: Vec<(String, Option<u64>, String)> = findings(&output)
        .into_iter()
        .filter(|(code, _, _)| code.starts_with("duplicate-"))
        .collect();
    let expected = [
        ("duplicate-v6", 3, "error"),
        ("duplicate-v4", 5, "error"),
        ("duplicate-v6", 6, "error"),
        ("duplicate-record", 8, "warning"),
    ];
    let expected: Vec<(String, Option<u64>, String)> = expected
        .iter()
        .map(|(code, line, severity)| (code.to_string(), Some(*line), severity.to_string()))
        .collect();
    assert_eq!(duplicates, expected);

    let output = v6map()
        .arg("generate")
        .arg(case("C12.csv"))
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        pairs(&stdout_of(&output)),
        [pair("0.0.0.45", "2001:db8::45")]
    );
}

#[test]
fn case_whitespace_trimmed_in_upload() {
    let output = v6map()
        .arg("generate")
        .arg(case("C03.csv"))
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    let expected = [
        pair("0.0.0.50", "2001:db8::50"),
        pair("0.0.0.51", "2001:db8::51"),
        pair("0.0.0.52", "2001:db8::52"),
        pair("0.0.0.54", "2001:db8::54"),
    ];
    assert_eq!(pairs(&stdout_of(&output)), expected);
    let errors: Vec<Option<u64>> = findings(&output)
        .into_iter()
        .filter(|(_, _, severity)| severity == "error")
        .map(|(_, line, _)| line)
        .collect();
    assert_eq!(
        errors,
        [Some(5)],
        "the no-break space on line 5 is rejected"
    );
}

#[test]
fn case_leading_zeros_write_nothing() {
    let folder = TempDir::new().unwrap();
    let target = folder.path().join("add.xml");
    let output = v6map()
        .arg("generate")
        .arg(case("C01.csv"))
        .arg("-o")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(entries(folder.path()).is_empty());

    let output = v6map()
        .arg("generate")
        .arg(case("C01.csv"))
        .arg("-o")
        .arg(&target)
        .arg("--skip-invalid")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        pairs(&fs::read_to_string(&target).unwrap()),
        [pair("0.0.0.14", "2001:db8::105")]
    );
}

#[test]
fn case_repeated_json_key_writes_nothing() {
    let output = v6map()
        .arg("generate")
        .arg(case("C08.json"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());

    let output = v6map()
        .arg("generate")
        .arg(case("C08.json"))
        .arg("--skip-invalid")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(
        pairs(&stdout_of(&output)),
        [pair("0.0.0.102", "2001:db8::102")]
    );
}

#[test]
fn dash_output_is_stdout() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", CLEAN_CSV);
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .args(["-o", "-"])
        .current_dir(folder.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, fs::read(samples().join("add.xml")).unwrap());
    assert_eq!(entries(folder.path()), ["inventory.csv"]);
}

#[test]
fn stdin_json_lines() {
    let lines = "{\"v4\": \"0.0.0.2\", \"v6\": \"2001:470:8418:a18::a0a:1805\"}\n\
        {\"v4\": \"0.0.0.3\", \"v6\": \"2001:470:8418:a18::a0a:ab7\"}\n";
    let output = v6map()
        .args(["generate", "-", "--input-format", "jsonl"])
        .write_stdin(lines)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, fs::read(samples().join("add.xml")).unwrap());
}

#[test]
fn undecodable_input_is_a_finding() {
    let folder = TempDir::new().unwrap();
    let good = write_file(&folder, "good.csv", CLEAN_CSV);
    let bad = folder.path().join("bad.csv");
    fs::write(&bad, b"v4,v6\n0.0.0.9,2001:470::9\xff\n").unwrap();
    let output = v6map()
        .arg("generate")
        .arg(&good)
        .arg(&bad)
        .args(["--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    let codes: Vec<String> = findings(&output)
        .into_iter()
        .map(|(code, _, _)| code)
        .collect();
    assert_eq!(codes, ["inventory-format"]);

    let output = v6map()
        .arg("generate")
        .arg(&good)
        .arg(&bad)
        .args(["--skip-invalid", "--format", "json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert_eq!(output.stdout, fs::read(samples().join("add.xml")).unwrap());
}

/// Runs `generate` on `input` into `folder/add.xml` in batches of `size`.
fn generate_batches(
    folder: &TempDir,
    input: &Path,
    size: &str,
    force: bool,
) -> std::process::Output {
    let mut command = v6map();
    command
        .arg("generate")
        .arg(input)
        .arg("-o")
        .arg(folder.path().join("add.xml"))
        .args(["--batch-size", size]);
    if force {
        command.arg("--force");
    }
    command.output().unwrap()
}

#[test]
fn old_batches_refused_without_force() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(5));
    assert_eq!(
        generate_batches(&folder, &input, "1", false).status.code(),
        Some(0)
    );
    fs::remove_file(folder.path().join("add-0001.xml")).unwrap();
    fs::remove_file(folder.path().join("add-0002.xml")).unwrap();

    let output = generate_batches(&folder, &input, "3", false);
    assert_eq!(output.status.code(), Some(2));
    let stderr = stderr_of(&output);
    assert!(
        stderr.contains("add-0003.xml' and 2 more left from an earlier batch run"),
        "{stderr}"
    );
    assert!(stderr.contains("--force"), "{stderr}");
    assert!(
        !folder.path().join("add-0001.xml").exists(),
        "nothing is written"
    );
}

#[test]
fn old_batches_removed_with_force() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(5));
    assert_eq!(
        generate_batches(&folder, &input, "1", false).status.code(),
        Some(0)
    );

    let output = generate_batches(&folder, &input, "3", true);
    assert_eq!(output.status.code(), Some(0), "{}", stderr_of(&output));
    assert!(stderr_of(&output).contains("removed 3 batch file(s) of an earlier run"));
    assert_eq!(
        entries(folder.path()),
        ["add-0001.xml", "add-0002.xml", "inventory.csv"]
    );
    let mut all = Vec::new();
    for name in ["add-0001.xml", "add-0002.xml"] {
        all.extend(pairs(
            &fs::read_to_string(folder.path().join(name)).unwrap(),
        ));
    }
    assert_eq!(all.len(), 5, "every record once across the new set");
}

#[test]
fn same_input_twice_refused() {
    let folder = TempDir::new().unwrap();
    let input = write_file(&folder, "inventory.csv", &inventory(2));
    let output = v6map()
        .arg("generate")
        .arg(&input)
        .arg(folder.path().join(".").join("inventory.csv"))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr_of(&output).contains("are the same file, named twice"),
        "{}",
        stderr_of(&output)
    );
    assert!(output.stdout.is_empty());
}
