//! The network at a glance: which links are cut, a dialog to cut the
//! cluster in two, and Heal all to restore every link.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NetworkBarProps {
    /// Cut links, like `r0↔r1` or `r2→r0`.
    pub cut: Vec<String>,
    pub on_heal: Callback<()>,
    /// Opens the partition dialog.
    pub on_partition: Callback<()>,
    /// The Partition… button, so the dialog can give focus back to it.
    #[prop_or_default]
    pub partition_ref: NodeRef,
}

#[function_component(NetworkBar)]
pub fn network_bar(props: &NetworkBarProps) -> Html {
    let on_heal = props.on_heal.clone();
    let on_partition = props.on_partition.clone();
    let healthy = props.cut.is_empty();
    html! {
        <div class={classes!("network", (!healthy).then_some("cut"))} data-testid="network">
            <p>
                <strong>{"Network: "}</strong>
                if healthy {
                    {"every link works."}
                } else {
                    { format!("cut {}.", props.cut.join(", ")) }
                }
            </p>
            <div class="network-actions">
                <button type="button" ref={props.partition_ref.clone()} aria-haspopup="dialog"
                    onclick={Callback::from(move |_: MouseEvent| on_partition.emit(()))}>
                    {"Partition\u{2026}"}
                </button>
                <button type="button" disabled={healthy}
                    onclick={Callback::from(move |_: MouseEvent| on_heal.emit(()))}>
                    {"Heal all"}
                </button>
            </div>
        </div>
    }
}
