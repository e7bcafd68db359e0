//! Times the upload writer on 1,000,000 records: `cargo run --release --example write_speed`.

use std::io::{BufWriter, Write};
use std::net::{Ipv4Addr, Ipv6Addr};
use std::sync::Arc;
use std::time::Instant;

use v6map::form::Action;
use v6map::record::{Origin, Record, Span};
use v6map::source::SourceFile;
use v6map::upload::write_upload;

fn main() {
    let file = Arc::new(SourceFile::new("bench.csv", String::new()));
    let records: Vec<Record> = (1..=1_000_000u32)
        .map(|n| Record {
            v4: Ipv4Addr::from(n),
            v6: Ipv6Addr::from(
                0x2001_0470_8418_0a18_0000_0000_0a0a_0000u128 + u128::from(n) * 7919,
            ),
            id: None,
            origin: Origin {
                file: file.clone(),
                v4: Span::default(),
                v6: Span::default(),
            },
        })
        .collect();
    let path = std::env::temp_dir().join("v6map-write-speed.xml");
    for _ in 0..3 {
        let start = Instant::now();
        let mut out = BufWriter::with_capacity(1 << 20, std::fs::File::create(&path).unwrap());
        let count = write_upload(&mut out, Action::Add, None, &records, false).unwrap();
        out.flush().unwrap();
        let elapsed = start.elapsed();
        let size = std::fs::metadata(&path).unwrap().len();
        println!("{count} records, {size} bytes in {elapsed:?}");
    }
    let mut fastest = std::time::Duration::MAX;
    for _ in 0..10 {
        let start = Instant::now();
        let mut out = BufWriter::with_capacity(1 << 20, std::io::sink());
        write_upload(&mut out, Action::Add, None, &records, false).unwrap();
        out.flush().unwrap();
        fastest = fastest.min(start.elapsed());
    }
    println!("formatting alone (to io::sink), fastest of 10: {fastest:?}");
    let mut display = String::new();
    let start = Instant::now();
    for record in &records {
        use std::fmt::Write as _;
        let _ = write!(display, "{}", record.v6);
        display.clear();
    }
    println!(
        "std Display of 1,000,000 IPv6 addresses alone: {:?}",
        start.elapsed()
    );
    let _ = std::fs::remove_file(&path);
}
