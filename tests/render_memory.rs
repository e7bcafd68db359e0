//! Memory of the machine-readable renderers on one finding with 200,000
//! related places, as a duplicate V4 shared by 200,000 rows produces. The
//! SARIF writer once built a `serde_json::Value` tree of about 7 KB per
//! related place (1.5 GB here). This file is its own test binary, because it
//! installs a counting allocator.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use v6map::diagnostic::{Diagnostic, Rule};
use v6map::render::{self, OutputFormat, RenderOptions};
use v6map::source::SourceFile;

struct CountingAllocator;

static CURRENT: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for CountingAllocator {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let pointer = System.alloc(layout);
        if !pointer.is_null() {
            let current = CURRENT.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(current, Ordering::Relaxed);
        }
        pointer
    }

    unsafe fn dealloc(&self, pointer: *mut u8, layout: Layout) {
        System.dealloc(pointer, layout);
        CURRENT.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static ALLOCATOR: CountingAllocator = CountingAllocator;

const RELATED: usize = 200_000;

/// Returns the peak extra heap, in bytes, of rendering `diagnostics` in
/// `format` to a sink.
fn render_peak(
    format: OutputFormat,
    diagnostics: &[Diagnostic],
    sources: &[Arc<SourceFile>],
) -> usize {
    let before = CURRENT.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    render::render(
        format,
        diagnostics,
        sources,
        &mut std::io::sink(),
        &RenderOptions::default(),
    )
    .expect("rendering to a sink succeeds");
    PEAK.load(Ordering::Relaxed) - before
}

#[test]
fn machine_formats_stream_related_places() {
    let mut text = String::from("v4,v6\n");
    for n in 0..RELATED {
        text.push_str(&format!("0.0.0.1,2001:470:8418:a18::{n:x}\n"));
    }
    let source = Arc::new(SourceFile::new("dup.csv", text));
    let mut diagnostic = Diagnostic::new(
        Rule::DuplicateV4,
        "V4 '0.0.0.1' is mapped to 200000 V6 addresses",
    )
    .at(source.location(6, 7));
    for n in 1..RELATED {
        let offset = 6 + n * 37;
        diagnostic = diagnostic.with_related(source.location(offset, 7), "also mapped here");
    }
    let diagnostics = vec![diagnostic];
    let sources = vec![source];

    for format in [
        OutputFormat::Sarif,
        OutputFormat::Json,
        OutputFormat::Github,
    ] {
        let peak = render_peak(format, &diagnostics, &sources);
        assert!(
            peak < 64 << 20,
            "{format:?} used {} MB for {RELATED} related places",
            peak >> 20
        );
    }
}
