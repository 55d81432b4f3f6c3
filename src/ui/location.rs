//! The URL hash carries the scenario (`#scenario=failover-async`), so a
//! link opens it. Reading and writing it are the app's only uses of the
//! browser location; the string work is in [`crate::link`].

use crate::link;
use wasm_bindgen::JsValue;

/// The scenario the page's URL asks for, if any.
pub fn requested_scenario() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    link::scenario_in(&hash)
}

/// Puts `name` in the URL without adding a history entry or firing
/// `hashchange` (the app already shows it).
pub fn show_scenario(name: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let url = link::scenario_hash(name);
        // Failing leaves the old URL: the page itself is still right.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}
