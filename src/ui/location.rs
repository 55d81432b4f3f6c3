//! The URL hash carries the run (`#scenario=failover-async&at=12&…`, see
//! `engine::permalink`), so a link opens it. Reading and writing it are
//! the app's only uses of the browser location.

use wasm_bindgen::JsValue;

/// The page's hash, with its `#`; empty when there is none.
pub fn hash() -> String {
    web_sys::window()
        .and_then(|window| window.location().hash().ok())
        .unwrap_or_default()
}

/// Puts `#hash` in the URL without adding a history entry or firing
/// `hashchange` (the app already shows it).
pub fn show(hash: &str) {
    let Some(window) = web_sys::window() else {
        return;
    };
    if let Ok(history) = window.history() {
        let url = format!("#{hash}");
        // Failing leaves the old URL: the page itself is still right.
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

/// Takes the hash out of the URL, without a history entry or `hashchange`.
pub fn clear() {
    let Some(window) = web_sys::window() else {
        return;
    };
    let location = window.location();
    let (Ok(path), Ok(search)) = (location.pathname(), location.search()) else {
        return;
    };
    if let Ok(history) = window.history() {
        let _ =
            history.replace_state_with_url(&JsValue::NULL, "", Some(&format!("{path}{search}")));
    }
}

/// This page's address with `#hash`: a link to share.
pub fn url_with(hash: &str) -> String {
    let location = web_sys::window().map(|window| window.location());
    let page = location
        .and_then(|location| {
            let href = location.href().ok()?;
            Some(href.split('#').next().unwrap_or_default().to_owned())
        })
        .unwrap_or_default();
    format!("{page}#{hash}")
}
