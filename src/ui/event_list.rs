//! What happened lately, told in sentences: the last few steps, newest
//! first, each under its step and tick. Network chatter is quiet; faults
//! and broken promises stand out.

use super::narrate::{Part, Sentence};
use super::view::{StepStory, EVENT_WINDOW};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventListProps {
    /// Newest first.
    pub steps: Vec<StepStory>,
}

fn sentence(s: &Sentence) -> Html {
    html! {
        <li class={classes!("event", s.tone.class())}>
            { for s.parts.iter().map(|part| match part {
                Part::Text(text) => html! { { text.clone() } },
                Part::Code(code) => html! { <code>{ code.clone() }</code> },
            }) }
        </li>
    }
}

#[function_component(EventList)]
pub fn event_list(props: &EventListProps) -> Html {
    html! {
        <section class="panel event-feed" aria-labelledby="events-title">
            <h2 id="events-title">{"What happened"}</h2>
            if props.steps.is_empty() {
                <p class="note">{"Nothing yet. Press Step to run the first event."}</p>
            } else {
                <p class="note">{ format!("The last {EVENT_WINDOW} steps, newest first.") }</p>
                // Scrolls on its own so a busy step never pushes the page
                // down; focusable so a keyboard can scroll it too.
                <ol class="steps" data-testid="last-events" tabindex="0"
                    aria-labelledby="events-title">
                    { for props.steps.iter().map(|story| html! {
                        <li key={story.step} class="step" data-step={story.step.to_string()}>
                            <h3 class="step-title">
                                { format!("Step {} \u{b7} tick {}", story.step, story.tick) }
                            </h3>
                            <ul class="events">
                                { for story.sentences.iter().map(sentence) }
                            </ul>
                            if story.more > 0 {
                                <p class="note more">
                                    { format!("and {} more events", story.more) }
                                </p>
                            }
                        </li>
                    }) }
                </ol>
            }
        </section>
    }
}
