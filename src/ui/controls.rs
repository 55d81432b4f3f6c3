//! Step, Back, Play, Pause and Reset. Buttons only report clicks; the app
//! turns each into a timeline call.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ControlsProps {
    pub can_step: bool,
    pub can_back: bool,
    pub playing: bool,
    pub on_step: Callback<()>,
    pub on_back: Callback<()>,
    pub on_play: Callback<()>,
    pub on_pause: Callback<()>,
    pub on_reset: Callback<()>,
}

fn button(
    label: &'static str,
    keys: &'static str,
    enabled: bool,
    on: &Callback<()>,
    class: &'static str,
) -> Html {
    let on = on.clone();
    html! {
        <button type="button" class={class} disabled={!enabled} aria-keyshortcuts={keys}
            onclick={Callback::from(move |_: MouseEvent| on.emit(()))}>
            { label }
        </button>
    }
}

#[function_component(Controls)]
pub fn controls(props: &ControlsProps) -> Html {
    html! {
        <div class="controls" role="group" aria-label="Simulation controls">
            { button("Back", "ArrowLeft", props.can_back, &props.on_back, "") }
            { button("Step", "ArrowRight", props.can_step, &props.on_step, "primary") }
            { button("Play", "Space", props.can_step && !props.playing, &props.on_play, "") }
            { button("Pause", "Space", props.playing, &props.on_pause, "") }
            { button("Reset", "Home", props.can_back, &props.on_reset, "") }
        </div>
    }
}
