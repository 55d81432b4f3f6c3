//! Trace hashes of the bundled scenarios, recomputed the same way natively
//! and in wasm and compared with `tests/golden/trace_hashes.json`.

use super::ids::Tick;
use super::report::{self, hash_hex};
use super::scenario::{Scenario, ScenarioError};
use std::collections::BTreeMap;
use std::rc::Rc;

/// The longest stretch of a run the golden hashes cover. Every teaching
/// scenario ends well before it; the scale scenario (`scale`, two million
/// steps) is hashed over its first ticks only, so debug builds and wasm
/// tests stay quick.
pub const GOLDEN_TICKS: Tick = 2_000;

/// `scenario`, ended at `GOLDEN_TICKS` if it runs longer.
pub fn capped(mut scenario: Scenario) -> Scenario {
    scenario.run_ticks = scenario.run_ticks.min(GOLDEN_TICKS);
    scenario.inputs.retain(|i| i.tick <= GOLDEN_TICKS);
    scenario
}

/// Scenario name → trace hash (16 hex digits) for each `(name, json)`.
pub fn trace_hashes(
    scenarios: &[(&str, &str)],
) -> Result<BTreeMap<String, String>, (String, ScenarioError)> {
    scenarios
        .iter()
        .map(|(name, text)| {
            let scenario = Scenario::from_json(text).map_err(|e| (name.to_string(), e))?;
            let world = report::run(Rc::new(capped(scenario)), |_| {});
            Ok((name.to_string(), hash_hex(world.trace_hash())))
        })
        .collect()
}
