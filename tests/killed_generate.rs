//! `v6map generate` killed with SIGKILL at random points while it writes
//! several large batch files over older ones. After every kill each target
//! must hold either its old content or its complete new content, never a
//! truncated file, and the only other files left are the killed process's own
//! temporary files (`.NAME.PID-NANOS-SERIAL.tmp`), which nothing removes.

use std::fs;
use std::path::Path;
use std::process::{Command, Stdio};
use std::thread::sleep;
use std::time::{Duration, Instant};

use tempfile::TempDir;

const BINARY: &str = env!("CARGO_BIN_EXE_v6map");
const RECORDS: u32 = 60_000;
const BATCH_SIZE: &str = "15000";
const BATCHES: [&str; 4] = [
    "out-0001.xml",
    "out-0002.xml",
    "out-0003.xml",
    "out-0004.xml",
];
const ITERATIONS: usize = 30;

/// Returns `count` valid CSV records whose V6 addresses start with `prefix`.
fn inventory(count: u32, prefix: &str) -> String {
    let mut text = String::from("v4,v6\n");
    for n in 1..=count {
        text.push_str(&format!(
            "0.{}.{}.{},{prefix}::{:x}\n",
            n >> 16 & 0xff,
            n >> 8 & 0xff,
            n & 0xff,
            n
        ));
    }
    text
}

/// A small deterministic generator (xorshift64), so a failure can be replayed.
struct Random(u64);

impl Random {
    fn below(&mut self, bound: u64) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0 % bound.max(1)
    }
}

/// Runs generate to completion and returns the batch files' contents.
fn generate_batches(input: &Path, folder: &Path) -> Vec<Vec<u8>> {
    let status = Command::new(BINARY)
        .arg("generate")
        .arg(input)
        .arg("-o")
        .arg(folder.join("out.xml"))
        .args(["--batch-size", BATCH_SIZE, "--force"])
        .status()
        .expect("run v6map");
    assert_eq!(status.code(), Some(0));
    BATCHES
        .iter()
        .map(|name| fs::read(folder.join(name)).expect("a batch file"))
        .collect()
}

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn killed_generate_leaves_old_or_complete_files() {
    let inputs = TempDir::new().unwrap();
    let old_input = inputs.path().join("old.csv");
    let new_input = inputs.path().join("new.csv");
    fs::write(&old_input, inventory(RECORDS, "2001:470:8418:a18")).unwrap();
    fs::write(&new_input, inventory(RECORDS, "2001:470:8418:b29")).unwrap();

    // Reference contents, and the time a complete run takes on this machine.
    let reference = TempDir::new().unwrap();
    let old = generate_batches(&old_input, reference.path());
    let started = Instant::now();
    let new = generate_batches(&new_input, reference.path());
    let full_run = started.elapsed();
    for (old, new) in old.iter().zip(&new) {
        assert_ne!(old, new);
    }

    let folder = TempDir::new().unwrap();
    let mut random = Random(0x5eed_1234_abcd_9876);
    let mut stale_temporaries = 0;
    let mut outcomes = [0usize; 3]; // old, new, absent
    for iteration in 0..ITERATIONS {
        // Half the runs start from old files, half from none.
        for (name, content) in BATCHES.iter().zip(&old) {
            let path = folder.path().join(name);
            if iteration % 2 == 0 {
                fs::write(&path, content).unwrap();
            } else {
                let _ = fs::remove_file(&path);
            }
        }

        let mut child = Command::new(BINARY)
            .arg("generate")
            .arg(&new_input)
            .arg("-o")
            .arg(folder.path().join("out.xml"))
            .args(["--batch-size", BATCH_SIZE, "--force"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let pid = child.id();
        let delay = random.below(full_run.as_micros() as u64 * 11 / 10);
        sleep(Duration::from_micros(delay));
        let _ = child.kill();
        let _ = child.wait();

        for (index, name) in BATCHES.iter().enumerate() {
            let path = folder.path().join(name);
            match fs::read(&path) {
                Ok(content) if content == old[index] => outcomes[0] += 1,
                Ok(content) if content == new[index] => outcomes[1] += 1,
                Ok(content) => panic!(
                    "iteration {iteration}, {name} after {delay} µs: neither old nor complete, {} bytes of {}",
                    content.len(),
                    new[index].len()
                ),
                Err(_) => {
                    assert!(
                        iteration % 2 == 1,
                        "iteration {iteration}: {name} existed before and vanished"
                    );
                    outcomes[2] += 1;
                }
            }
        }

        let prefix_pid = format!(".{pid}-");
        for name in names(folder.path()) {
            if BATCHES.contains(&name.as_str()) {
                continue;
            }
            let is_own_temporary =
                name.starts_with(".out-") && name.ends_with(".tmp") && name.contains(&prefix_pid);
            assert!(
                is_own_temporary,
                "iteration {iteration}: unexpected file {name} (killed process {pid})"
            );
            stale_temporaries += 1;
            fs::remove_file(folder.path().join(&name)).unwrap();
        }
    }
    eprintln!(
        "{ITERATIONS} kills: {} old, {} new, {} absent targets, {stale_temporaries} stale temporary files; a full run took {full_run:?}",
        outcomes[0], outcomes[1], outcomes[2]
    );
    assert_eq!(outcomes.iter().sum::<usize>(), ITERATIONS * BATCHES.len());
}
