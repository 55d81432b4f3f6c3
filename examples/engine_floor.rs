//! The engine without the page: what the engine and its parsers alone add to
//! the browser bundle. `scripts/bench` builds this for wasm32 with the
//! bundle's own profile and reports its size beside the whole bundle's.
//!
//! It reaches what the page reaches: bundled scenarios, a recorded timeline
//! stepped and seeked, share links written, read and replayed, uploaded
//! files (scenario JSON and change dumps), a run's report and the checkers.

use std::rc::Rc;

use loglab::engine::permalink::{Link, Replay};
use loglab::engine::report::RunReport;
use loglab::engine::{upload, Timeline};

/// Runs `steps` steps of the bundled scenario `name` and exercises the rest
/// on `text` (a link hash or an uploaded file). Returns a number that depends
/// on all of it, so nothing is optimised away.
fn exercise(name: &str, text: &str, steps: usize) -> u64 {
    let Ok(base) = loglab::scenarios::load(name) else {
        return 0;
    };
    let base = Rc::new(base);
    let mut timeline = Timeline::new(base.clone());
    for _ in 0..steps {
        timeline.step();
    }
    timeline.seek(steps / 2);
    let link = Link::of(name, &base, &timeline).encode();
    let mut out = link.len() as u64 + timeline.world().trace_hash();
    if let Some(decoded) = Link::decode(text) {
        let mut replay = Replay::start(&decoded.link, base.clone());
        while !replay.advance(1000) {}
        out += replay.finish().timeline.position() as u64;
    }
    if let Ok(opened) = upload::open("file.json", text) {
        out += opened.scenario.to_json().len() as u64;
    }
    out + RunReport::of(timeline.world()).violations.len() as u64
}

/// The wasm export that keeps the engine in the build: the page would pass
/// the two strings in from JavaScript.
///
/// # Safety
/// `name` and `text` point at `name_len` and `text_len` bytes of UTF-8.
#[cfg(target_arch = "wasm32")]
#[no_mangle]
pub unsafe extern "C" fn floor(
    name: *const u8,
    name_len: usize,
    text: *const u8,
    text_len: usize,
) -> u64 {
    // SAFETY: the caller's contract, above.
    let (name, text) = unsafe {
        (
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(name, name_len)),
            std::str::from_utf8_unchecked(std::slice::from_raw_parts(text, text_len)),
        )
    };
    exercise(name, text, 1000)
}

fn main() {
    println!(
        "{}",
        exercise("arithmetic", "#scenario=arithmetic&at=3", 100)
    );
}
