//! The live regions: where the run is (`role=status`, read out to screen
//! readers and matched by tests) and, separately, what its last step did.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct StatusProps {
    pub tick: u64,
    pub step: u64,
    /// The world's trace hash, as an attribute: two pages show the same
    /// run exactly when it matches (tests and share links rely on it).
    pub trace_hash: u64,
}

/// Text like `Tick 3 · Step 5`; tests match it exactly.
pub fn status_text(tick: u64, step: u64) -> String {
    format!("Tick {tick} \u{b7} Step {step}")
}

#[function_component(Status)]
pub fn status(props: &StatusProps) -> Html {
    html! {
        <p class="status" role="status" aria-live="polite" data-testid="status"
            data-trace-hash={format!("{:016x}", props.trace_hash)}>
            { status_text(props.tick, props.step) }
        </p>
    }
}

#[derive(Properties, PartialEq)]
pub struct LatestEventProps {
    pub step: u64,
    /// The last step's events in the engine's words, first (the cause) first.
    pub events: Vec<String>,
    /// While playing the region stays quiet: dozens of steps a second
    /// would drown a screen reader.
    pub playing: bool,
}

/// `Step 4: r3 receives m3 from r0 (+2 more)`.
pub fn latest_text(step: u64, events: &[String]) -> String {
    match events {
        [] if step == 0 => "Nothing has happened yet.".to_owned(),
        [] => format!("Step {step}: nothing visible happened."),
        [only] => format!("Step {step}: {only}"),
        [first, rest @ ..] => format!("Step {step}: {first} (+{} more)", rest.len()),
    }
}

#[function_component(LatestEvent)]
pub fn latest_event(props: &LatestEventProps) -> Html {
    let text = latest_text(props.step, &props.events);
    html! {
        <p class="latest" aria-live={if props.playing { "off" } else { "polite" }}
            aria-atomic="true" data-testid="latest-event" title={text.clone()}>
            { text }
        </p>
    }
}
