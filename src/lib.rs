//! Loglab: a deterministic log-replication simulator.
//!
//! `engine` is the pure simulation, shared by the native runner and the
//! browser app; `ui` is the Yew front end, compiled only for wasm32.

pub mod engine;
pub mod link;
pub mod scenarios;

#[cfg(target_arch = "wasm32")]
pub mod ui;
