//! The invariant checkers: every invariant this scenario can break, holding
//! or broken, and each violation with where it began and a way to go
//! there. The panel is a pure function of the world shown now, so stepping
//! back hides later violations.

use super::view::{InvariantView, ViolationView};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckersPanelProps {
    pub violations: Vec<ViolationView>,
    pub invariants: Vec<InvariantView>,
    /// Moves the run to a recorded position (the step a violation began).
    pub on_seek: Callback<usize>,
}

fn invariant(inv: &InvariantView) -> Html {
    let broken = inv.broken > 0;
    let state = if broken { "broken" } else { "holds" };
    html! {
        <li class={classes!("invariant-state", state)} data-invariant={inv.name}
            title={inv.about}>
            <span class="badge">{ if broken { "\u{2717}" } else { "\u{2713}" } }</span>
            <span class="name">{ inv.name }</span>
            <span class="state">{ state }</span>
            <span class="visually-hidden">{": "}{ inv.about }</span>
        </li>
    }
}

fn go_to(step: u64, on_seek: &Callback<usize>) -> Html {
    let on_seek = on_seek.clone();
    let onclick = Callback::from(move |_: MouseEvent| on_seek.emit(step as usize));
    html! {
        <button type="button" class="go" aria-label={format!("Go to step {step}")} {onclick}>
            {"Go to step "}{ step }
        </button>
    }
}

#[function_component(CheckersPanel)]
pub fn checkers_panel(props: &CheckersPanelProps) -> Html {
    let broken = !props.violations.is_empty();
    html! {
        <section class={classes!("checkers", broken.then_some("broken"))}
            aria-labelledby="checkers-title" data-testid="checkers">
            <h2 id="checkers-title">{"Checkers"}</h2>
            if !broken {
                <p class="all-good">{"No invariant broken so far."}</p>
            } else {
                <ol class="violations" data-testid="violations">
                    { for props.violations.iter().map(|v| html! {
                        <li>
                            <p class="what">
                                <strong class="invariant">{ v.invariant }</strong>
                                <span class="when">{ format!("step {} \u{b7} tick {}", v.step, v.tick) }</span>
                                if !v.nodes.is_empty() {
                                    <span class="who">{ &v.nodes }</span>
                                }
                                { go_to(v.step, &props.on_seek) }
                            </p>
                            <p class="why">{ &v.explanation }</p>
                        </li>
                    }) }
                </ol>
            }
            // Not named by aria-label: a label is matched by words, and
            // these would answer to other fields' names.
            <ul class="invariants" data-testid="invariants">
                { for props.invariants.iter().map(invariant) }
            </ul>
        </section>
    }
}
