//! Trace hashes of the bundled scenarios, recomputed the same way natively
//! and in wasm and compared with `tests/golden/trace_hashes.json`.

use super::report::{self, hash_hex};
use super::scenario::{Scenario, ScenarioError};
use std::collections::BTreeMap;
use std::sync::Arc;

/// Scenario name → trace hash (16 hex digits) for each `(name, json)`.
pub fn trace_hashes(
    scenarios: &[(&str, &str)],
) -> Result<BTreeMap<String, String>, (String, ScenarioError)> {
    scenarios
        .iter()
        .map(|(name, text)| {
            let scenario = Scenario::from_json(text).map_err(|e| (name.to_string(), e))?;
            let world = report::run(Arc::new(scenario), |_| {});
            Ok((name.to_string(), hash_hex(world.trace_hash())))
        })
        .collect()
}
