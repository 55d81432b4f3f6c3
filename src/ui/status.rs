//! The live region: where the run is, read out to screen readers and tests.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub tick: u64,
    pub step: u64,
}

/// Text like `Tick 3 · Step 5`; tests match it exactly.
pub fn status_text(tick: u64, step: u64) -> String {
    format!("Tick {tick} \u{b7} Step {step}")
}

#[function_component(Status)]
pub fn status(props: &StatusProps) -> Html {
    html! {
        <p class="status" role="status" aria-live="polite" data-testid="status">
            { status_text(props.tick, props.step) }
        </p>
    }
}
