//! The timeline's memory estimate (`Timeline::size`) against what the
//! allocator really holds, and the history limits holding memory down.
#![cfg(not(target_arch = "wasm32"))]

use loglab::engine::bench::bench_scenario;
use loglab::engine::{HistoryLimits, Scenario, Timeline};
use std::alloc::{GlobalAlloc, Layout, System};
use std::rc::Rc;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;

/// Counts live heap bytes. Tests in this file run one at a time (`SERIAL`)
/// so each sees only its own allocations.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);
static SERIAL: Mutex<()> = Mutex::new(());

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// Records `steps` steps; returns the timeline and the heap bytes it took.
fn record(scenario: Scenario, steps: usize, limits: HistoryLimits) -> (Timeline, usize) {
    let scenario = Rc::new(scenario);
    let before = LIVE.load(Ordering::Relaxed);
    let mut timeline = Timeline::with_limits(scenario, 64, limits);
    for _ in 0..steps {
        if !timeline.step() {
            break;
        }
    }
    let measured = (LIVE.load(Ordering::Relaxed) - before) as usize;
    (timeline, measured)
}

fn assert_close(what: &str, estimate: usize, measured: usize) {
    let ratio = estimate as f64 / measured as f64;
    eprintln!("{what}: estimate {estimate} B, measured {measured} B, ratio {ratio:.2}");
    assert!(
        (0.6..=1.5).contains(&ratio),
        "{what}: the estimate {estimate} B is off the measured {measured} B by {ratio:.2}x"
    );
}

#[test]
fn the_estimate_is_close_to_the_allocator_on_the_bench_workload() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let (timeline, measured) = record(bench_scenario(3000), 30_000, HistoryLimits::default());
    assert_eq!(timeline.len(), 30_000);
    assert_close("bench workload", timeline.approx_bytes(), measured);
}

#[test]
fn the_estimate_is_close_to_the_allocator_with_tables_and_subscribers() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut scenario = loglab::scenarios::load("subscribers").unwrap();
    // Many more writes, to many keys, so tables and subscribers grow.
    let base = scenario.inputs.clone();
    for round in 1..40 {
        for input in &base {
            let mut input = input.clone();
            input.tick += round * 50;
            scenario.inputs.push(input);
        }
    }
    scenario.run_ticks += 40 * 50;
    let (timeline, measured) = record(scenario, 100_000, HistoryLimits::default());
    assert!(timeline.len() > 2000, "{}", timeline.len());
    assert_close("subscribers", timeline.approx_bytes(), measured);
}

/// Consumer groups and a planted bug's violations; heartbeats run on past
/// the scenario's end. (The estimate is lowest here, about 0.7: it does not
/// see the checkers' private per-partition watch or the world's private
/// scratch and lag samples.)
#[test]
fn the_estimate_is_close_to_the_allocator_with_consumer_groups() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let mut scenario = loglab::scenarios::load("consumer-group-round-robin").unwrap();
    let base = scenario.inputs.clone();
    let span = scenario.run_ticks;
    for round in 1..30 {
        for input in &base {
            let mut input = input.clone();
            input.tick += round * span;
            scenario.inputs.push(input);
        }
    }
    scenario.run_ticks += 30 * span;
    let (timeline, measured) = record(scenario, 100_000, HistoryLimits::default());
    assert!(timeline.len() > 2000, "{}", timeline.len());
    assert_close("consumer groups", timeline.approx_bytes(), measured);
}

#[test]
fn limits_bound_what_a_long_run_holds() {
    let _serial = SERIAL.lock().unwrap_or_else(|e| e.into_inner());
    let limits = HistoryLimits {
        max_steps: 20_000,
        max_keyframes: 64,
        max_keyframe_bytes: 1 << 20,
    };
    let (short, short_bytes) = record(bench_scenario(1000), 10_000, limits);
    let (long, long_bytes) = record(bench_scenario(6000), 60_000, limits);
    assert!(short.history_notice().is_none() || short.keyframe_count() <= 64);
    assert!(long.history_notice().is_some());
    assert!(long.keyframe_count() <= 64 && long.actions().len() <= 20_000);
    // Six times the steps; the history part stays bounded (the logs
    // themselves still grow with the run).
    let history = |t: &Timeline| t.size().action_bytes + t.size().keyframe_bytes;
    assert!(history(&long) < 2 * history(&short) + (1 << 20));
    eprintln!("10k steps: {short_bytes} B; 60k steps under limits: {long_bytes} B");
}
