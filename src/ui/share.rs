//! Copy link: the link to this exact run, put on the clipboard when the
//! browser allows it and always shown, selected, in a read-only field.

use js_sys::{Function, Promise, Reflect};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ShareProps {
    /// The link last asked for, and how many times Copy link was pressed.
    pub link: Option<(AttrValue, u32)>,
    pub on_copy: Callback<()>,
    /// Why the run shown has no link; Copy link is then disabled and
    /// this is said instead.
    #[prop_or_default]
    pub unavailable: Option<AttrValue>,
}

/// Writes `text` with `navigator.clipboard` if there is one; `done` hears
/// whether it worked.
fn copy_to_clipboard(text: &str, done: impl FnOnce(bool) + 'static) {
    let clipboard = web_sys::window()
        .and_then(|w| Reflect::get(&w, &JsValue::from_str("navigator")).ok())
        .and_then(|n| Reflect::get(&n, &JsValue::from_str("clipboard")).ok())
        .filter(|c| c.is_object());
    let promise = clipboard.and_then(|clipboard| {
        let write = Reflect::get(&clipboard, &JsValue::from_str("writeText")).ok()?;
        let write: Function = write.dyn_into().ok()?;
        write
            .call1(&clipboard, &JsValue::from_str(text))
            .ok()?
            .dyn_into::<Promise>()
            .ok()
    });
    let Some(promise) = promise else {
        done(false);
        return;
    };
    let done = Rc::new(RefCell::new(Some(done)));
    let report = |worked: bool| {
        let done = Rc::clone(&done);
        Closure::once_into_js(move |_: JsValue| {
            if let Some(done) = done.borrow_mut().take() {
                done(worked);
            }
        })
    };
    // `then` through Reflect: each callback frees itself once called.
    let then = Reflect::get(&promise, &JsValue::from_str("then"))
        .ok()
        .and_then(|then| then.dyn_into::<Function>().ok());
    if let Some(then) = then {
        let _ = then.call2(&promise, &report(true), &report(false));
    }
}

#[function_component(Share)]
pub fn share(props: &ShareProps) -> Html {
    let field = use_node_ref();
    let copied = use_state(|| None::<bool>);
    {
        let (field, copied) = (field.clone(), copied.clone());
        use_effect_with(props.link.clone(), move |link| {
            if let Some((text, _)) = link {
                copied.set(None);
                if let Some(input) = field.cast::<HtmlInputElement>() {
                    input.set_value(text);
                }
                // Without a clipboard, the link is selected for Ctrl+C.
                copy_to_clipboard(text, move |worked| {
                    copied.set(Some(worked));
                    if let Some(input) = field.cast::<HtmlInputElement>().filter(|_| !worked) {
                        let _ = input.focus();
                        input.select();
                    }
                });
            }
        });
    }
    let on_copy = props.on_copy.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_copy.emit(()));
    let said = match *copied {
        Some(true) => "Copied to the clipboard.",
        Some(false) => "Select the link and copy it (Ctrl+C or \u{2318}C).",
        None => "",
    };
    if let Some(why) = &props.unavailable {
        return html! {
            <div class="share">
                <button type="button" disabled=true aria-describedby="share-why">
                    {"Copy link"}</button>
                <span id="share-why" class="note" data-testid="share-unavailable">{ why }</span>
            </div>
        };
    }
    html! {
        <div class="share">
            <button type="button" {onclick}>{"Copy link"}</button>
            if let Some((text, _)) = &props.link {
                <input ref={field} class="share-link" type="text" readonly=true
                    aria-label="Link to this run" value={text.clone()}
                    data-testid="share-link" />
                <span class="note" aria-live="polite" data-testid="share-note">{ said }</span>
            }
        </div>
    }
}
