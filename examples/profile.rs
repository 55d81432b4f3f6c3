//! A driver for profilers: the benchmark workload (`loglab bench`'s) run
//! for N ticks (3,000 by default) while recorded in a `Timeline`, as the
//! page and the benchmark record it. Prints the trace length and hash, so
//! two builds can be checked to do the same work.
//!
//!   CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --example profile
//!   valgrind --tool=callgrind ./target/release/examples/profile 3000
//!   perf record -F 20000 ./target/release/examples/profile 100000

use loglab::engine::bench::bench_scenario;
use loglab::engine::timeline::Timeline;
use std::rc::Rc;

fn main() {
    let ticks: u64 = std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(3000);
    let scenario = Rc::new(bench_scenario(ticks));
    let limit = scenario.run_ticks;
    let mut timeline = Timeline::new(scenario);
    while timeline.world().next_tick().is_some_and(|t| t <= limit) && timeline.step() {}
    println!(
        "{} {:x}",
        timeline.world().trace_len(),
        timeline.world().trace_hash()
    );
}
