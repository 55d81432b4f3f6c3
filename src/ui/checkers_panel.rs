//! The invariant checkers' findings in the world shown now. The list is a
//! pure function of that world, so stepping back hides later violations.

use super::view::ViolationView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct CheckersPanelProps {
    pub violations: Vec<ViolationView>,
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
                                <span class="who">{ &v.nodes }</span>
                            </p>
                            <p class="why">{ &v.explanation }</p>
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}
