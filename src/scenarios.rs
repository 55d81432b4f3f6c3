//! The scenarios shipped in `scenarios/`, compiled into the binary.

use crate::engine::{Scenario, ScenarioError};

include!(concat!(env!("OUT_DIR"), "/bundled_scenarios.rs"));

/// The JSON text of a bundled scenario.
pub fn text(name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(n, _)| *n == name)
        .map(|(_, text)| *text)
}

/// A bundled scenario, parsed.
pub fn load(name: &str) -> Result<Scenario, ScenarioError> {
    let text = text(name).ok_or_else(|| ScenarioError {
        field: String::new(),
        message: format!("no bundled scenario is called `{name}`"),
    })?;
    Scenario::from_json(text)
}
