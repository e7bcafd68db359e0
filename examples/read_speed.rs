//! Measures the CSV inventory reader on generated rows.
//!
//! Run with `cargo run --release --example read_speed [ROWS]` (default
//! 1,000,000). The rows use global unicast IPv6 addresses, so no row produces a
//! finding. A file of documentation addresses (2001:db8::/32) produces one
//! warning a row and reads much more slowly.

use std::fmt::Write as _;
use std::sync::Arc;
use std::time::{Duration, Instant};

use v6map::inventory::{read_inventory, InputFormat, Inventory, InventoryOptions};
use v6map::source::SourceFile;

fn main() {
    let rows: u32 = std::env::args()
        .nth(1)
        .and_then(|rows| rows.parse().ok())
        .unwrap_or(1_000_000);
    let mut text = String::from("ipv4,ipv6\n");
    for row in 1..=rows {
        let [_, b, c, d] = row.to_be_bytes();
        let _ = writeln!(
            text,
            "0.{b}.{c}.{d},2a01:4f8:{:x}:{:x}::{:x}",
            row >> 16,
            row & 0xffff,
            row % 997 + 1
        );
    }
    let file = Arc::new(SourceFile::new("generated.csv", text));

    let mut fastest = Duration::MAX;
    for _ in 0..5 {
        let mut inventory = Inventory::default();
        let start = Instant::now();
        read_inventory(
            Arc::clone(&file),
            InputFormat::Csv,
            &InventoryOptions::default(),
            &mut inventory,
        );
        let elapsed = start.elapsed();
        fastest = fastest.min(elapsed);
        assert_eq!(
            inventory.records.len(),
            rows as usize,
            "{:?}",
            inventory.diagnostics.first()
        );
    }
    println!(
        "{rows} rows: fastest of 5 runs {fastest:?} ({} MB)",
        file.text().len() / 1_000_000
    );
}
