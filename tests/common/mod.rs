//! Helpers shared by the native test files.
#![allow(dead_code)]

#[cfg(target_arch = "wasm32")]
pub mod dom;

use loglab::engine::report;
use loglab::engine::{Scenario, TraceEvent, World};
use std::rc::Rc;

/// Bundled scenarios that plant a bug on purpose; every other one must run
/// clean.
pub const PLANTED_BUGS: &[&str] = &[
    "consumer-group-round-robin",
    "failover-async",
    "nondeterminism-active-active",
    "order-matters",
    "read-your-writes-stale",
    "split-brain-unfenced",
];

/// A scenario from inline JSON; panics with the parse error (tests only).
pub fn scenario(json: serde_json::Value) -> Rc<Scenario> {
    Rc::new(Scenario::from_json(&json.to_string()).unwrap_or_else(|e| panic!("{e}")))
}

/// Runs to the scenario's end and returns the world and the whole trace.
pub fn run_with_trace(scenario: Rc<Scenario>) -> (World, Vec<TraceEvent>) {
    let mut trace = Vec::new();
    let world = report::run(scenario, |e| trace.push(e.clone()));
    (world, trace)
}

pub fn writes(commands: &[&str]) -> Vec<serde_json::Value> {
    commands
        .iter()
        .enumerate()
        .map(|(i, c)| serde_json::json!({ "tick": i + 1, "type": "write", "command": c }))
        .collect()
}
