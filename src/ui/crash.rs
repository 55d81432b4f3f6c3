//! When the app panics the page must not freeze without a word: a banner
//! (`role="alert"`) says what happened, shows a link to put in a report
//! with a button to copy it, and a button to reload.
//!
//! The wasm instance is dead after a panic (the bundle is built with
//! `panic = "abort"`), so nothing in the banner calls back into it: each
//! button's listener is one of the browser's own functions, bound to its
//! object and arguments (`location.reload`, `input.select`,
//! `navigator.clipboard.writeText`). No script text is evaluated and the
//! message is set as text, never as HTML.

use js_sys::{Array, Function, Reflect};
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Document, Element, HtmlInputElement};

/// The banner's element id.
pub const CRASH_BANNER_ID: &str = "crash";

/// Shows the banner on any panic, after logging it to the console. Set
/// through Yew, which would otherwise replace it with its own when the app
/// renders.
pub fn install_panic_hook() {
    yew::set_custom_panic_hook(Box::new(|info| {
        let message = info.to_string();
        web_sys::console::error_1(&JsValue::from_str(&format!("Loglab panicked: {message}")));
        show_crash_banner(&message);
    }));
}

/// `object[method]`, bound to `object` and `args` (through the function's
/// own `bind`, so the result is a plain browser function).
fn bound(object: &JsValue, method: &str, args: &[JsValue]) -> Option<Function> {
    let function: Function = Reflect::get(object, &JsValue::from_str(method))
        .ok()?
        .dyn_into()
        .ok()?;
    let bind: Function = Reflect::get(&function, &JsValue::from_str("bind"))
        .ok()?
        .dyn_into()
        .ok()?;
    let bind_args = Array::new();
    bind_args.push(object);
    for arg in args {
        bind_args.push(arg);
    }
    bind.apply(&function, &bind_args).ok()?.dyn_into().ok()
}

fn element(document: &Document, tag: &str, class: &str, text: &str) -> Option<Element> {
    let element = document.create_element(tag).ok()?;
    if !class.is_empty() {
        element.set_class_name(class);
    }
    element.set_text_content((!text.is_empty()).then_some(text));
    Some(element)
}

fn button(document: &Document, text: &str) -> Option<Element> {
    let button = element(document, "button", "", text)?;
    button.set_attribute("type", "button").ok()?;
    Some(button)
}

/// Puts the banner at the top of the page (once; later calls do nothing).
/// Returns `None` if there is no page to put it in.
pub fn show_crash_banner(message: &str) -> Option<()> {
    let window = web_sys::window()?;
    let document = window.document()?;
    if document.get_element_by_id(CRASH_BANNER_ID).is_some() {
        return Some(());
    }
    let href = window.location().href().unwrap_or_default();

    let banner = element(&document, "section", "crash", "")?;
    banner.set_id(CRASH_BANNER_ID);
    banner.set_attribute("role", "alert").ok()?;
    banner
        .set_attribute("aria-labelledby", "crash-title")
        .ok()?;
    let title = element(&document, "h2", "", "Loglab stopped: an internal error")?;
    title.set_id("crash-title");
    let explain = element(
        &document,
        "p",
        "",
        "The simulation cannot go on in this page. The link below opens the same \
         scenario; please copy it into a report with the message, then reload to start again.",
    )?;
    let detail = element(&document, "pre", "crash-message", message)?;

    let link: HtmlInputElement = document.create_element("input").ok()?.dyn_into().ok()?;
    link.set_type("text");
    link.set_read_only(true);
    link.set_value(&href);
    link.set_class_name("crash-link");
    link.set_attribute("aria-label", "Link to report").ok()?;

    let copy = button(&document, "Copy link to report")?;
    // Always select the link (so Ctrl+C works anywhere); also copy it where
    // the clipboard API is available.
    if let Some(select) = bound(&link, "select", &[]) {
        copy.add_event_listener_with_callback("click", &select)
            .ok()?;
    }
    let clipboard = Reflect::get(&window.navigator(), &JsValue::from_str("clipboard"))
        .ok()
        .filter(|c| !c.is_undefined() && !c.is_null());
    if let Some(write) = clipboard.and_then(|c| bound(&c, "writeText", &[JsValue::from_str(&href)]))
    {
        copy.add_event_listener_with_callback("click", &write)
            .ok()?;
    }
    let reload = button(&document, "Reload")?;
    if let Some(reload_page) = bound(&window.location(), "reload", &[]) {
        reload
            .add_event_listener_with_callback("click", &reload_page)
            .ok()?;
    }

    let actions = element(&document, "p", "crash-actions", "")?;
    for node in [&copy, &reload] {
        actions.append_child(node).ok()?;
    }
    for node in [&title, &explain, &detail, link.as_ref(), &actions] {
        banner.append_child(node).ok()?;
    }
    document.body()?.prepend_with_node_1(&banner).ok()?;
    if let Some(reload) = reload.dyn_ref::<web_sys::HtmlElement>() {
        let _ = reload.focus();
    }
    Some(())
}
