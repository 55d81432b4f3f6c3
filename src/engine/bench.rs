//! The fixed benchmark workload and its measurement, shared by the native
//! `loglab bench` and the same benchmark compiled to wasm
//! (`tests/wasm_bench.rs`), so both print the same JSON.
//!
//! The engine reads no clock: the caller passes one in (`Instant` natively,
//! `performance.now()` in the browser). It only measures; nothing the
//! simulation does depends on it.

use super::ids::NodeId;
use super::input::{Input, TimedInput};
use super::report;
use super::scenario::Scenario;
use super::timeline::{
    HistoryLimits, HistorySize, KeyframeSpacing, Timeline, DEFAULT_KEYFRAME_EVERY,
};
use serde::Serialize;
use serde_json::json;
use std::rc::Rc;

/// Ticks of the default workload (one client write per tick).
pub const DEFAULT_TICKS: u64 = 20_000;

/// Seeks (and Backs) the timeline part measures.
const SEEKS: u32 = 200;

/// What the workload is, for the JSON.
pub const WORKLOAD: &str = "primary-backup, 5 replicas, 1 key-value write/tick, 3 subscribers \
     (cache, search index, counts), a backup crashed and restarted every 2,000 ticks, \
     2% loss, 1% duplicates";

/// Ticks between two backup crashes, and how long a backup stays down.
const CRASH_EVERY: u64 = 2_000;
const DOWN_FOR: u64 = 300;

/// The fixed benchmark workload: a five-replica primary-backup cluster on a
/// lossy network with one client write per tick, three subscribers reading
/// the primary's log at their own pace and a backup crashing and coming back
/// every `CRASH_EVERY` ticks, so every part of the kernel is exercised.
pub fn bench_scenario(ticks: u64) -> Scenario {
    let doc = json!({
        "name": "bench",
        "seed": 42,
        "protocol": "primary-backup",
        "replicas": 5,
        "service": "key-value",
        "network": { "latency_ticks": { "min": 1, "max": 6 }, "drop": "1/50", "duplicate": "1/100" },
        "subscribers": [
            { "name": "cache", "kind": "cache", "every_ticks": 1, "batch_records": 8 },
            { "name": "search", "kind": "search-index", "every_ticks": 2, "batch_records": 16 },
            { "name": "counts", "kind": "count-per-key", "every_ticks": 4, "batch_records": 32,
              "commit_every_records": 16 }
        ],
        "run_ticks": ticks + 200,
    });
    let mut scenario = Scenario::from_json(&doc.to_string()).expect("the bench scenario is valid");
    // Built directly: a JSON document of a million writes would take more
    // memory than the run.
    let mut inputs: Vec<TimedInput> = (1..=ticks)
        .map(|tick| {
            let key = tick % 32;
            let command = match tick % 4 {
                0 => format!("put k{key} {}", tick % 97),
                1 => format!("incr k{key}"),
                2 => format!("put k{key} {}", tick % 13),
                _ => format!("delete k{}", (key + 7) % 32),
            };
            TimedInput {
                tick,
                input: Input::write(command.parse().expect("bench commands parse")),
            }
        })
        .collect();
    for (i, at) in (CRASH_EVERY..ticks)
        .step_by(CRASH_EVERY as usize)
        .enumerate()
    {
        let node = NodeId(1 + (i % 4) as u8);
        inputs.push(TimedInput {
            tick: at,
            input: Input::Crash { node },
        });
        inputs.push(TimedInput {
            tick: at + DOWN_FOR,
            input: Input::Restart { node },
        });
    }
    inputs.sort_by_key(|i| i.tick);
    scenario.inputs = inputs;
    scenario.validate().expect("the bench scenario is valid");
    scenario
}

#[derive(Clone, Debug, Serialize)]
pub struct BenchResult {
    /// `x86_64`, `aarch64`, `wasm32`, ...: where the numbers come from.
    pub target: &'static str,
    pub workload: String,
    pub steps: u64,
    /// Events as the target counts them: messages delivered or dropped,
    /// records appended or applied, timers fired
    /// (`TraceKind::is_simulated_event`).
    pub events: u64,
    /// Everything traced: the events above plus sends, commits, replies,
    /// subscriber reads, role changes...
    pub trace_events: u64,
    /// The fastest of `runs` runs.
    pub seconds: f64,
    pub runs: u32,
    pub steps_per_second: u64,
    pub events_per_second: u64,
    pub trace_events_per_second: u64,
    pub trace_hash: String,
    pub timeline: TimelineBench,
}

/// How fast the browser's Back and seek are on the same run.
#[derive(Clone, Debug, Serialize)]
pub struct TimelineBench {
    /// The fastest of `RUNS` recordings.
    pub record_seconds: f64,
    /// Simulated events (as `BenchResult::events` counts them) per second
    /// while the timeline records the run (keyframes and actions): the
    /// figure the 5M/s target is about.
    pub events_per_second: u64,
    pub trace_events_per_second: u64,
    pub keyframes: usize,
    pub seeks: u32,
    pub seek_avg_micros: u64,
    pub back_avg_micros: u64,
}

/// A fixed pseudo-random walk over `0..len`, so every bench seeks alike.
pub fn seek_targets(len: usize, count: u32) -> impl Iterator<Item = usize> {
    let mut position = 0x9e37_79b9_7f4a_7c15_u64;
    (0..count).map(move |_| {
        position = position
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1);
        ((position >> 33) % (len.max(1) as u64)) as usize
    })
}

fn micros(seconds: f64, count: u32) -> u64 {
    (seconds * 1e6 / f64::from(count)) as u64
}

/// Records the run in a timeline, then seeks and steps back through it.
/// `events`: how many simulated events the run has (see `count_events`).
pub fn bench_timeline(
    scenario: Rc<Scenario>,
    events: u64,
    now: &mut dyn FnMut() -> f64,
) -> TimelineBench {
    let limit = scenario.run_ticks;
    let mut record_seconds = f64::INFINITY;
    let mut recorded = None;
    // The fastest of `RUNS`, as the plain run.
    for _ in 0..RUNS {
        let started = now();
        let mut timeline = Timeline::new(scenario.clone());
        // As `report::run`: up to the run's end (heartbeats never run out).
        while timeline.world().next_tick().is_some_and(|t| t <= limit) && timeline.step() {}
        record_seconds = record_seconds.min(now() - started);
        recorded = Some(timeline);
    }
    let mut timeline = recorded.expect("at least one run");
    let recorded_events = timeline.world().trace_len();
    let started = now();
    for target in seek_targets(timeline.len(), SEEKS) {
        timeline.seek(target);
    }
    let seek_seconds = now() - started;
    timeline.seek(timeline.len());
    let started = now();
    for _ in 0..SEEKS {
        timeline.back();
    }
    let back_seconds = now() - started;
    let per_second = |n: u64| (n as f64 / record_seconds.max(1e-9)) as u64;
    TimelineBench {
        record_seconds,
        events_per_second: per_second(events),
        trace_events_per_second: per_second(recorded_events),
        keyframes: timeline.keyframe_count(),
        seeks: SEEKS,
        seek_avg_micros: micros(seek_seconds, SEEKS),
        back_avg_micros: micros(back_seconds, SEEKS),
    }
}

/// Times the run this many times and keeps the fastest, so a busy machine
/// disturbs the figure less.
pub const RUNS: u32 = 7;

/// The simulated events of a whole run of `scenario`, counted on a run
/// of its own so that the timed runs do nothing but run.
pub fn count_events(scenario: Rc<Scenario>) -> u64 {
    let mut events = 0;
    report::run(scenario, |event| {
        events += u64::from(event.kind.is_simulated_event());
    });
    events
}

/// Runs the workload of `ticks` ticks; `now` returns seconds from any
/// fixed origin.
pub fn run(ticks: u64, now: &mut dyn FnMut() -> f64) -> BenchResult {
    let scenario = Rc::new(bench_scenario(ticks));
    let events = count_events(scenario.clone());
    let mut fastest = f64::INFINITY;
    let mut world = None;
    for _ in 0..RUNS {
        let started = now();
        world = Some(report::run(scenario.clone(), |_| {}));
        fastest = fastest.min(now() - started);
    }
    let world = world.expect("at least one run");
    // A clock that does not move (a coarse timer) must not divide by zero.
    let seconds = fastest.max(1e-9);
    let per_second = |n: u64| (n as f64 / seconds) as u64;
    BenchResult {
        target: std::env::consts::ARCH,
        workload: format!("{WORKLOAD}, for {ticks} ticks"),
        steps: world.step_count(),
        events,
        trace_events: world.trace_len(),
        seconds,
        runs: RUNS,
        steps_per_second: per_second(world.step_count()),
        events_per_second: per_second(events),
        trace_events_per_second: per_second(world.trace_len()),
        trace_hash: report::hash_hex(world.trace_hash()),
        timeline: bench_timeline(scenario, events, now),
    }
}

/// A long recorded run: what its history holds and how fast seeking is.
#[derive(Clone, Debug, Serialize)]
pub struct HistoryBench {
    pub target: &'static str,
    /// Steps recorded (the run's length).
    pub steps: usize,
    pub keyframe_every: usize,
    /// Whether the default `HistoryLimits` applied (else: none at all).
    pub limited: bool,
    pub record_seconds: f64,
    /// The estimate, in parts (see `engine::memory`).
    pub size: HistorySize,
    pub approx_bytes: usize,
    pub bytes_per_step: f64,
    pub bytes_per_keyframe: f64,
    /// The most steps one seek replays.
    pub longest_replay: usize,
    pub seeks: u32,
    pub seek_avg_ms: f64,
    pub seek_max_ms: f64,
    /// What the page would say about the history.
    pub notice: Option<String>,
}

/// Records `steps` steps of the bench workload, then seeks to random
/// positions, timing each seek.
pub fn history(steps: usize, limited: bool, now: &mut dyn FnMut() -> f64) -> HistoryBench {
    // The workload takes about 12 steps a tick.
    let scenario = Rc::new(bench_scenario(steps as u64 / 8 + 100));
    let limits = if limited {
        HistoryLimits::default()
    } else {
        HistoryLimits {
            max_steps: usize::MAX,
            max_keyframes: usize::MAX,
            max_keyframe_bytes: usize::MAX,
        }
    };
    let started = now();
    // Spaced as the page's timeline is (`Timeline::new`).
    let spacing = KeyframeSpacing::default();
    let mut timeline = Timeline::with_spacing(scenario, DEFAULT_KEYFRAME_EVERY, spacing, limits);
    while timeline.len() < steps && timeline.step() {}
    let record_seconds = now() - started;
    let mut times = Vec::new();
    for target in seek_targets(timeline.len(), SEEKS) {
        let started = now();
        timeline.seek(target);
        times.push((now() - started) * 1e3);
    }
    let size = timeline.size();
    HistoryBench {
        target: std::env::consts::ARCH,
        steps: timeline.len(),
        keyframe_every: DEFAULT_KEYFRAME_EVERY,
        limited,
        record_seconds,
        approx_bytes: size.total(),
        bytes_per_step: size.total() as f64 / timeline.len().max(1) as f64,
        bytes_per_keyframe: size.keyframe_bytes as f64 / size.keyframes.max(1) as f64,
        size,
        longest_replay: timeline.longest_replay(),
        seeks: SEEKS,
        seek_avg_ms: times.iter().sum::<f64>() / f64::from(SEEKS),
        seek_max_ms: times.iter().copied().fold(0.0, f64::max),
        notice: timeline.history_notice(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_small_bench_runs_with_a_fake_clock() {
        let mut clock = 0.0;
        let mut now = || {
            clock += 0.001;
            clock
        };
        let result = run(50, &mut now);
        assert!(result.steps > 50 && result.trace_events > result.steps);
        assert!(result.events > 0 && result.events < result.trace_events);
        assert!(result.events_per_second > 0);
        assert!(result.trace_events_per_second > result.events_per_second);
        assert_eq!(result.timeline.seeks, SEEKS);
        assert_eq!(result.trace_hash.len(), 16);
    }

    #[test]
    fn a_small_history_bench_measures_what_it_recorded() {
        let mut clock = 0.0;
        let mut now = || {
            clock += 0.001;
            clock
        };
        let result = history(3000, true, &mut now);
        assert_eq!(result.steps, 3000);
        // At least `every` steps apart, more as the world grows.
        assert!(result.size.keyframes <= 3000 / DEFAULT_KEYFRAME_EVERY + 1);
        assert!(result.size.keyframes > 1);
        assert!(result.approx_bytes > 0 && result.bytes_per_keyframe > 0.0);
        assert!(result.seek_max_ms >= result.seek_avg_ms);
        assert_eq!(result.notice, None);
    }

    #[test]
    fn seek_targets_stay_in_range() {
        assert!(seek_targets(10, 100).all(|t| t < 10));
        assert_eq!(seek_targets(0, 3).collect::<Vec<_>>(), [0, 0, 0]);
    }
}
