//! The URL hash carries the scenario (`#scenario=failover-async`), so a
//! link opens it. Reading and writing it are the app's only uses of the
//! browser location.

use wasm_bindgen::JsValue;

/// What the hash asks for: `None` when it names no scenario at all.
pub fn scenario_in(hash: &str) -> Option<String> {
    let raw = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix("scenario="))?;
    let decoded = js_sys::decode_uri_component(raw)
        .ok()
        .and_then(|s| s.as_string());
    Some(decoded.unwrap_or_else(|| raw.to_owned()))
}

/// The scenario the page's URL asks for, if any.
pub fn requested_scenario() -> Option<String> {
    let hash = web_sys::window()?.location().hash().ok()?;
    scenario_in(&hash)
}

/// Puts `name` in the URL without adding a history entry or firing
/// `hashchange` (the app already shows it).
pub fn show_scenario(name: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let url = format!("#scenario={name}");
        // Failing leaves the old URL: the page itself is still right.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}
