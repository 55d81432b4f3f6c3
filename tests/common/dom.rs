//! DOM helpers for the wasm component tests: mount the app or a
//! component, find elements the way a user names them, click, wait.

use loglab::engine::log::Payload;
use loglab::engine::Timeline;
use loglab::ui::App;
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{Element, HtmlButtonElement};

/// Sets the page's URL hash without a `hashchange` event, as a link would
/// have left it before the app starts. Tests share one page, so each
/// mount sets it.
pub fn set_hash(hash: &str) {
    let window = web_sys::window().unwrap();
    let location = window.location();
    let url = format!(
        "{}{}{hash}",
        location.pathname().unwrap(),
        location.search().unwrap()
    );
    window
        .history()
        .unwrap()
        .replace_state_with_url(&JsValue::NULL, "", Some(&url))
        .unwrap();
}

pub fn hash() -> String {
    web_sys::window().unwrap().location().hash().unwrap()
}

/// Mounts a fresh app on a URL with no hash and waits for the first render.
pub async fn mount() -> Element {
    mount_at("").await
}

/// Mounts a fresh app as if opened with `hash` in the URL.
pub async fn mount_at(hash: &str) -> Element {
    mount_with_handle(hash).await.0
}

/// Like `mount_at`, and keeps the handle, so a test can send the app a
/// message the way one of its components would.
pub async fn mount_with_handle(hash: &str) -> (Element, yew::AppHandle<App>) {
    set_hash(hash);
    let document = web_sys::window().unwrap().document().unwrap();
    let root = document.create_element("div").unwrap();
    document.body().unwrap().append_child(&root).unwrap();
    let handle = yew::Renderer::<App>::with_root(root.clone()).render();
    yew::scheduler::flush().await;
    (root, handle)
}

pub fn engine_for(name: &str) -> Timeline {
    Timeline::new(Rc::new(loglab::scenarios::load(name).unwrap()))
}

pub fn find(root: &Element, selector: &str) -> Option<Element> {
    root.query_selector(selector).unwrap()
}

pub fn text(root: &Element, selector: &str) -> String {
    let element = find(root, selector).unwrap_or_else(|| panic!("no element matches {selector}"));
    element.text_content().unwrap_or_default().trim().to_owned()
}

pub fn status(root: &Element) -> String {
    text(root, "[role=status]")
}

/// The button a user (or screen reader) knows by `name`.
pub fn button(root: &Element, name: &str) -> HtmlButtonElement {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|i| buttons.item(i)?.dyn_into::<HtmlButtonElement>().ok())
        .find(|b| {
            let label = b.get_attribute("aria-label");
            label
                .as_deref()
                .unwrap_or(&b.text_content().unwrap_or_default())
                .trim()
                == name
        })
        .unwrap_or_else(|| panic!("no button named {name}"))
}

pub async fn click(root: &Element, name: &str) {
    button(root, name).click();
    yew::scheduler::flush().await;
}

pub fn has_button(root: &Element, name: &str) -> bool {
    let buttons = root.query_selector_all("button").unwrap();
    (0..buttons.length())
        .filter_map(|i| buttons.item(i))
        .filter_map(|b| b.dyn_into::<Element>().ok())
        .any(|b| b.get_attribute("aria-label").as_deref() == Some(name))
}

/// A DOM event of this kind that bubbles, as a user's would.
pub fn bubbling(kind: &str) -> web_sys::Event {
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    web_sys::Event::new_with_event_init_dict(kind, &init).unwrap()
}

/// Opens a node's actions in the cluster view, unless they are open.
pub async fn open_actions(root: &Element, node: &str) {
    if find(root, &format!("[data-testid=actions-{node}]")).is_none() {
        let card = find(root, &format!("[data-testid=node-{node}]")).unwrap();
        card.dispatch_event(&bubbling("click")).unwrap();
        yew::scheduler::flush().await;
    }
}

/// Opens a node's actions and clicks one of them.
pub async fn node_action(root: &Element, node: &str, action: &str) {
    open_actions(root, node).await;
    click(root, action).await;
}

/// The trimmed text of every element matching `selector`, in order.
pub fn texts(root: &Element, selector: &str) -> Vec<String> {
    let found = root.query_selector_all(selector).unwrap();
    (0..found.length())
        .map(|i| {
            found
                .item(i)
                .unwrap()
                .text_content()
                .unwrap_or_default()
                .trim()
                .to_owned()
        })
        .collect()
}

/// The payloads on a node's log tape, oldest first.
pub fn tape_payloads(root: &Element, node: &str) -> Vec<String> {
    texts(
        root,
        &format!("[data-testid=tape-{node}] td.record .payload"),
    )
}

/// What a tape cell shows for a record.
pub fn short(payload: &Payload) -> String {
    match payload {
        Payload::EpochStart { .. } => "epoch start".to_owned(),
        other => other.to_string(),
    }
}

/// Clicks Step in the app and steps `expected` alike, `steps` times.
pub async fn step_both(root: &Element, expected: &mut Timeline, steps: usize) {
    for _ in 0..steps {
        click(root, "Step").await;
        assert!(expected.step());
    }
}
