//! The actions of one node, opened by activating it in the cluster view:
//! Crash or Restart, Isolate, Make primary (primary-backup, a live node
//! that is not primary), and Send write. Each becomes one engine input.
//! Escape closes it and gives focus back to the node.

use super::view::{Links, NodeView};
use crate::engine::Input;
use web_sys::HtmlElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeActionsProps {
    pub node: NodeView,
    /// CSS placing it next to the node (empty: in the flow), applied
    /// through the CSS object model after rendering.
    #[prop_or_default]
    pub style: AttrValue,
    #[prop_or_default]
    pub class: Classes,
    pub on_input: Callback<Input>,
    /// "Send write": point the write form at this node.
    pub on_send_write: Callback<()>,
    pub on_close: Callback<()>,
}

fn action(label: &'static str, class: &'static str, on: Callback<()>) -> Html {
    html! {
        <button type="button" class={class}
            onclick={Callback::from(move |_: MouseEvent| on.emit(()))}>{ label }</button>
    }
}

#[function_component(NodeActions)]
pub fn node_actions(props: &NodeActionsProps) -> Html {
    let node = &props.node;
    let id = node.id;
    let group = use_node_ref();
    {
        // Opening moves focus here (not onto a button: a second Enter must
        // not crash a node); Tab then walks the buttons.
        let group = group.clone();
        use_effect_with(id, move |_| {
            if let Some(element) = group.cast::<HtmlElement>() {
                let _ = element.focus();
            }
        });
    }
    {
        // Placed through the CSS object model: the page's Content-Security-
        // Policy refuses `style` attributes, not styles set from code.
        let group = group.clone();
        use_effect_with(props.style.clone(), move |style| {
            if let Some(element) = group.cast::<HtmlElement>() {
                element.style().set_css_text(style);
            }
        });
    }
    let input = |input: Input| {
        let on_input = props.on_input.clone();
        Callback::from(move |()| on_input.emit(input.clone()))
    };
    let onkeydown = {
        let on_close = props.on_close.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Escape" {
                e.prevent_default();
                e.stop_propagation();
                on_close.emit(());
            }
        })
    };
    let on_close = props.on_close.clone();
    html! {
        <div class={classes!("node-actions", props.class.clone())} role="group" ref={group}
            tabindex="-1" aria-label={format!("Actions for {id}")}
            data-testid={format!("actions-{id}")} {onkeydown}>
            <p class="actions-title">
                <strong>{ id.to_string() }</strong>{" "}{ node.role_text() }
            </p>
            <div class="actions-buttons">
                if node.up {
                    { action("Crash", "danger", input(Input::Crash { node: id })) }
                } else {
                    { action("Restart", "", input(Input::Restart { node: id })) }
                }
                if node.links != Links::CutOff {
                    { action("Isolate", "", input(Input::Isolate { node: id })) }
                }
                if node.can_promote {
                    { action("Make primary", "", input(Input::Promote { node: id })) }
                }
                { action("Send write", "", props.on_send_write.clone()) }
            </div>
            // Last in the tab order, drawn in the top corner.
            <button type="button" class="close" aria-label="Close" title="Close (Esc)"
                onclick={Callback::from(move |_: MouseEvent| on_close.emit(()))}>
                {"\u{d7}"}
            </button>
        </div>
    }
}
