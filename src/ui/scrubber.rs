//! The Timeline slider (drag to any recorded step) and the Speed slider
//! (engine steps per animation frame while playing).

use super::player::{speed_label, speed_text, SPEEDS};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct ScrubberProps {
    pub position: usize,
    /// Recorded steps: the slider's end.
    pub len: usize,
    pub speed: usize,
    pub on_seek: Callback<usize>,
    pub on_speed: Callback<usize>,
}

fn value_of(e: &InputEvent) -> Option<usize> {
    e.target_unchecked_into::<HtmlInputElement>()
        .value()
        .parse()
        .ok()
}

#[function_component(Scrubber)]
pub fn scrubber(props: &ScrubberProps) -> Html {
    // A range clamps its value to its max: set it again once the max has
    // moved, or a growing run would leave the thumb one step behind.
    let timeline = use_node_ref();
    {
        let timeline = timeline.clone();
        use_effect_with((props.position, props.len), move |(position, _)| {
            if let Some(input) = timeline.cast::<HtmlInputElement>() {
                input.set_value(&position.to_string());
            }
        });
    }
    let on_seek = {
        let on_seek = props.on_seek.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(position) = value_of(&e) {
                on_seek.emit(position);
            }
        })
    };
    let on_speed = {
        let on_speed = props.on_speed.clone();
        Callback::from(move |e: InputEvent| {
            if let Some(speed) = value_of(&e) {
                on_speed.emit(speed);
            }
        })
    };
    let where_text = format!("Step {} of {}", props.position, props.len);
    html! {
        <div class="scrubber">
            <span class="field timeline">
                <label for="timeline">{"Timeline"}</label>
                <input id="timeline" ref={timeline} type="range" min="0" max={props.len.to_string()} step="1"
                    value={props.position.to_string()} disabled={props.len == 0}
                    aria-valuetext={where_text} oninput={on_seek} />
                <span class="count" aria-hidden="true" data-testid="timeline-value">
                    { format!("{}/{}", props.position, props.len) }
                </span>
            </span>
            <span class="field speed">
                <label for="speed">{"Speed"}</label>
                <input id="speed" type="range" min="0" max={(SPEEDS.len() - 1).to_string()}
                    step="1" value={props.speed.to_string()}
                    aria-valuetext={speed_text(props.speed)} oninput={on_speed} />
                <span class="count" aria-hidden="true" data-testid="speed-value">
                    { speed_label(props.speed) }
                </span>
            </span>
        </div>
    }
}
