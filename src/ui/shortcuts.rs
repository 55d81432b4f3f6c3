//! Keyboard shortcuts, and the dialog that lists them (`?`).

use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement, KeyboardEvent};
use yew::prelude::*;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shortcut {
    PlayPause,
    Step,
    Back,
    Reset,
    Help,
    Close,
}

/// The keys, as the dialog lists them.
pub const KEYS: [(&str, &str); 6] = [
    ("Space", "Play or pause"),
    ("\u{2192}", "Step forward"),
    ("\u{2190}", "Step back"),
    ("Home", "Reset to the start"),
    ("?", "Show this list"),
    ("Esc", "Close this list"),
];

/// Whether typing here must not be taken as a shortcut: form fields of any
/// kind and editable text.
fn takes_keys(element: &Element) -> bool {
    let tag = element.tag_name().to_ascii_uppercase();
    matches!(tag.as_str(), "INPUT" | "SELECT" | "TEXTAREA")
        || element
            .dyn_ref::<HtmlElement>()
            .is_some_and(|e| e.is_content_editable())
}

/// Whether the element is in a modal dialog other than the shortcuts list
/// (the partition dialog, say): the run must not move behind it.
fn in_other_dialog(element: &Element) -> bool {
    element
        .closest("[aria-modal=true]:not(.shortcuts)")
        .ok()
        .flatten()
        .is_some()
}

/// Whether Space already means "press this" here.
fn activates(element: &Element) -> bool {
    let tag = element.tag_name().to_ascii_uppercase();
    matches!(tag.as_str(), "BUTTON" | "A" | "SUMMARY")
        || element.get_attribute("role").as_deref() == Some("button")
}

/// The shortcut a key press means, if any. Keys typed into a field, and
/// keys held with Ctrl, Alt or Meta (the browser's own), mean nothing.
pub fn shortcut(event: &KeyboardEvent) -> Option<Shortcut> {
    if event.ctrl_key() || event.alt_key() || event.meta_key() || event.is_composing() {
        return None;
    }
    let target = event.target().and_then(|t| t.dyn_into::<Element>().ok());
    if target
        .as_ref()
        .is_some_and(|t| takes_keys(t) || in_other_dialog(t))
    {
        return None;
    }
    match event.key().as_str() {
        " " | "Spacebar" if !target.as_ref().is_some_and(activates) => Some(Shortcut::PlayPause),
        "ArrowRight" if !event.shift_key() => Some(Shortcut::Step),
        "ArrowLeft" if !event.shift_key() => Some(Shortcut::Back),
        "Home" => Some(Shortcut::Reset),
        "?" => Some(Shortcut::Help),
        "Escape" | "Esc" => Some(Shortcut::Close),
        _ => None,
    }
}

#[derive(Properties, PartialEq)]
pub struct ShortcutsDialogProps {
    pub on_close: Callback<()>,
}

/// A modal list of the keys. Focus moves to its Close button and returns
/// where it was when it closes; Escape closes it.
#[function_component(ShortcutsDialog)]
pub fn shortcuts_dialog(props: &ShortcutsDialogProps) -> Html {
    let close = use_node_ref();
    {
        let close = close.clone();
        use_effect_with((), move |_| {
            let before = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element())
                .and_then(|e| e.dyn_into::<HtmlElement>().ok());
            if let Some(button) = close.cast::<HtmlElement>() {
                let _ = button.focus();
            }
            move || {
                if let Some(element) = before {
                    let _ = element.focus();
                }
            }
        });
    }
    let on_close = props.on_close.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_close.emit(()));
    let on_backdrop = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: MouseEvent| {
            if e.target() == e.current_target() {
                on_close.emit(());
            }
        })
    };
    // One control inside: Tab stays on it while the dialog is open.
    let onkeydown = {
        let close = close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Tab" {
                e.prevent_default();
                if let Some(button) = close.cast::<HtmlElement>() {
                    let _ = button.focus();
                }
            }
        })
    };
    html! {
        <div class="shortcuts-backdrop" onclick={on_backdrop}>
            <div class="shortcuts" role="dialog" aria-modal="true"
                aria-labelledby="shortcuts-title" {onkeydown} data-testid="shortcuts">
                <h2 id="shortcuts-title">{"Keyboard shortcuts"}</h2>
                <dl class="keys">
                    { for KEYS.iter().map(|(key, what)| html! {
                        <div>
                            <dt><kbd>{ *key }</kbd></dt>
                            <dd>{ *what }</dd>
                        </div>
                    }) }
                </dl>
                <p class="note">{"Keys do nothing while you type in a field."}</p>
                <button type="button" ref={close} {onclick}>{"Close"}</button>
            </div>
        </div>
    }
}
