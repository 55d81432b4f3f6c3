//! The pure, deterministic simulation.
//!
//! Nothing in this module reads a clock, a global random source or a
//! hash-ordered collection, and nothing here knows about the browser: the
//! same scenario and inputs give the same trace natively and in wasm.

pub mod bench;
pub mod check;
pub mod chunked;
pub mod consumer_group;
pub mod faults;
pub mod golden;
pub mod ids;
pub mod import;
pub mod input;
pub mod log;
pub mod memory;
pub mod network;
pub mod permalink;
pub mod protocol;
pub mod queue;
pub mod report;
pub mod rng;
pub mod scenario;
pub mod service;
pub mod sort;
pub mod subscriber;
pub mod table;
mod text;
pub mod timeline;
pub mod trace;
pub mod upload;
pub mod world;

pub use ids::{ClientId, MsgId, NodeId, Offset, Tick};
pub use input::Input;
pub use log::{Log, Record};
pub use scenario::{Scenario, ScenarioError};
pub use timeline::{Action, HistoryLimits, HistorySize, Timeline};
pub use trace::{TraceEvent, TraceKind};
pub use world::World;

/// Scenarios the engine's own unit tests use.
#[cfg(test)]
pub(crate) mod scenarios_for_tests {
    use super::Scenario;
    use std::rc::Rc;

    pub fn arithmetic() -> Rc<Scenario> {
        Rc::new(crate::scenarios::load("arithmetic").expect("bundled scenario parses"))
    }
}
