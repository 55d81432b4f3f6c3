//! The native benchmark (`loglab bench`), compiled to wasm and run in
//! headless Chromium, timed with `performance.now()`. It prints the same
//! JSON as the native command, one line each, after `BENCH_JSON ` and
//! `HISTORY_JSON `, for `scripts/bench` to compare.
//!
//! Built only with the `bench-wasm` feature, in the `wasm-bench` profile
//! (opt-level 3, as the native `release`; the shipped bundle is built for
//! size with opt-level z, which runs slower):
//!   cargo test --profile wasm-bench --target wasm32-unknown-unknown \
//!     --features bench-wasm --test wasm_bench -- --nocapture
//! `LOGLAB_BENCH_TICKS` and `LOGLAB_BENCH_HISTORY_STEPS`, read at compile
//! time, change the workload (defaults: 20000 ticks, 1000000 steps).
#![cfg(target_arch = "wasm32")]

use loglab::engine::bench;
use wasm_bindgen_test::*;

wasm_bindgen_test_configure!(run_in_browser);

fn parse(value: Option<&str>, default: u64) -> u64 {
    value.and_then(|v| v.parse().ok()).unwrap_or(default)
}

fn clock() -> impl FnMut() -> f64 {
    let performance = web_sys::window()
        .and_then(|w| w.performance())
        .expect("the page has window.performance");
    move || performance.now() / 1e3
}

#[wasm_bindgen_test]
fn bench_in_the_browser() {
    let ticks = parse(option_env!("LOGLAB_BENCH_TICKS"), bench::DEFAULT_TICKS);
    let result = bench::run(ticks, &mut clock());
    let json = serde_json::to_string(&result).expect("serializes");
    console_log!("BENCH_JSON {json}");
    assert!(result.events_per_second > 0);
}

#[wasm_bindgen_test]
fn history_in_the_browser() {
    let steps = parse(option_env!("LOGLAB_BENCH_HISTORY_STEPS"), 1_000_000);
    let result = bench::history(steps as usize, true, &mut clock());
    let json = serde_json::to_string(&result).expect("serializes");
    console_log!("HISTORY_JSON {json}");
    assert_eq!(result.steps as u64, steps);
}
