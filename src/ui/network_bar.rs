//! The network at a glance: which links are cut, and Heal to restore them.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NetworkBarProps {
    /// Cut links, like `r0↔r1`.
    pub cut: Vec<String>,
    pub on_heal: Callback<()>,
}

#[function_component(NetworkBar)]
pub fn network_bar(props: &NetworkBarProps) -> Html {
    let on_heal = props.on_heal.clone();
    let healthy = props.cut.is_empty();
    html! {
        <div class={classes!("network", (!healthy).then_some("cut"))} data-testid="network">
            <p>
                <strong>{"Network: "}</strong>
                if healthy {
                    {"every link works."}
                } else {
                    { format!("cut {}", props.cut.join(", ")) }
                }
            </p>
            <button type="button" disabled={healthy}
                onclick={Callback::from(move |_: MouseEvent| on_heal.emit(()))}>{"Heal"}</button>
        </div>
    }
}
