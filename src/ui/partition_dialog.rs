//! A modal dialog that splits the cluster into two groups by checkboxes
//! and applies one `Input::Partition` between them (both ways, or one way).
//! Escape or Cancel closes it without touching the run.

use crate::engine::{Input, NodeId};
use std::collections::BTreeSet;
use wasm_bindgen::JsCast;
use web_sys::{Element, HtmlElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct PartitionDialogProps {
    pub nodes: Vec<NodeId>,
    /// The node proposed alone in group A (the one taking writes).
    pub first: Option<NodeId>,
    pub on_apply: Callback<Input>,
    pub on_close: Callback<()>,
}

/// The focusable controls of the dialog, in order.
fn focusables(dialog: &Element) -> Vec<HtmlElement> {
    let Ok(list) = dialog.query_selector_all("input, button:not([disabled])") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i)?.dyn_into::<HtmlElement>().ok())
        .collect()
}

fn names(nodes: &BTreeSet<NodeId>) -> String {
    let names: Vec<String> = nodes.iter().map(|n| n.to_string()).collect();
    names.join(", ")
}

#[function_component(PartitionDialog)]
pub fn partition_dialog(props: &PartitionDialogProps) -> Html {
    let first = props.first.or(props.nodes.first().copied());
    let group_a = use_state(|| crate::engine::sort::set_from(first));
    let group_b = {
        let nodes = props.nodes.clone();
        use_state(move || {
            crate::engine::sort::set_from(nodes.into_iter().filter(|&n| Some(n) != first))
        })
    };
    let one_way = use_state(|| false);
    let dialog = use_node_ref();
    {
        let dialog = dialog.clone();
        use_effect_with((), move |_| {
            if let Some(element) = dialog.cast::<Element>() {
                if let Some(first) = focusables(&element).first() {
                    let _ = first.focus();
                }
            }
        });
    }
    // Keeps Tab inside the dialog; Escape closes it.
    let onkeydown = {
        let (dialog, on_close) = (dialog.clone(), props.on_close.clone());
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                on_close.emit(());
                return;
            }
            if e.key() != "Tab" {
                return;
            }
            let Some(element) = dialog.cast::<Element>() else {
                return;
            };
            let controls = focusables(&element);
            let (Some(first), Some(last)) = (controls.first(), controls.last()) else {
                return;
            };
            let active = web_sys::window()
                .and_then(|w| w.document())
                .and_then(|d| d.active_element());
            let is = |target: &HtmlElement| {
                active
                    .as_ref()
                    .is_some_and(|a| a == target.unchecked_ref::<Element>())
            };
            if e.shift_key() && is(first) {
                e.prevent_default();
                let _ = last.focus();
            } else if !e.shift_key() && is(last) {
                e.prevent_default();
                let _ = first.focus();
            }
        })
    };
    let toggle = |mine: &UseStateHandle<BTreeSet<NodeId>>,
                  other: &UseStateHandle<BTreeSet<NodeId>>,
                  node: NodeId| {
        let (mine, other) = (mine.clone(), other.clone());
        Callback::from(move |_: Event| {
            let mut set = (*mine).clone();
            if !set.remove(&node) {
                set.insert(node);
                let mut rest = (*other).clone();
                if rest.remove(&node) {
                    other.set(rest);
                }
            }
            mine.set(set);
        })
    };
    let group = |name: &'static str,
                 letter: char,
                 mine: &UseStateHandle<BTreeSet<NodeId>>,
                 other: &UseStateHandle<BTreeSet<NodeId>>| {
        html! {
            <fieldset class="group">
                <legend>{ name }</legend>
                { for props.nodes.iter().map(|&node| {
                    let id = format!("part-{letter}-{node}");
                    html! {
                        <label key={id.clone()} for={id.clone()}>
                            <input type="checkbox" id={id} checked={mine.contains(&node)}
                                onchange={toggle(mine, other, node)} />
                            { node.to_string() }
                        </label>
                    }
                }) }
            </fieldset>
        }
    };
    let ready = !group_a.is_empty() && !group_b.is_empty();
    let summary = if ready {
        let arrow = if *one_way { "\u{2192}" } else { "\u{2194}" };
        format!(
            "Cuts every link {} {arrow} {}.",
            names(&group_a),
            names(&group_b)
        )
    } else {
        "Put at least one node in each group.".to_owned()
    };
    let on_apply = {
        let (a, b, one_way) = (group_a.clone(), group_b.clone(), one_way.clone());
        let (on_apply, on_close) = (props.on_apply.clone(), props.on_close.clone());
        Callback::from(move |_: MouseEvent| {
            if a.is_empty() || b.is_empty() {
                return;
            }
            on_apply.emit(Input::Partition {
                from: a.iter().copied().collect(),
                to: b.iter().copied().collect(),
                one_way: *one_way,
            });
            on_close.emit(());
        })
    };
    let on_one_way = {
        let one_way = one_way.clone();
        Callback::from(move |_: Event| one_way.set(!*one_way))
    };
    let close = |on_close: &Callback<()>| {
        let on_close = on_close.clone();
        Callback::from(move |_: MouseEvent| on_close.emit(()))
    };
    html! {
        <div class="modal">
            <div class="modal-backdrop" onclick={close(&props.on_close)}></div>
            <div class="dialog" role="dialog" aria-modal="true" ref={dialog}
                aria-labelledby="partition-title" aria-describedby="partition-help"
                data-testid="partition-dialog" {onkeydown}>
                <h2 id="partition-title">{"Partition the network"}</h2>
                <p id="partition-help" class="note">
                    {"Messages between the two groups are dropped. A node in neither group \
                      keeps all its links."}
                </p>
                <div class="groups">
                    { group("Group A", 'a', &group_a, &group_b) }
                    { group("Group B", 'b', &group_b, &group_a) }
                </div>
                <label class="one-way" for="part-one-way">
                    <input type="checkbox" id="part-one-way" checked={*one_way}
                        onchange={on_one_way} />
                    {"One way: only messages from A to B are dropped"}
                </label>
                <p class="summary" aria-live="polite">{ summary }</p>
                <div class="dialog-buttons">
                    <button type="button" class="primary" disabled={!ready}
                        onclick={on_apply}>{"Apply partition"}</button>
                    <button type="button" onclick={close(&props.on_close)}>{"Cancel"}</button>
                </div>
            </div>
        </div>
    }
}
