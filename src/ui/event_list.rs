//! What the last step did, in the engine's own words.

use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct EventListProps {
    pub events: Vec<String>,
}

#[function_component(EventList)]
pub fn event_list(props: &EventListProps) -> Html {
    html! {
        <section class="panel" aria-labelledby="events-title">
            <h2 id="events-title">{"Last step"}</h2>
            if props.events.is_empty() {
                <p class="note">{"Nothing yet. Press Step to run the first event."}</p>
            } else {
                <ol class="events" data-testid="last-events">
                    { for props.events.iter().map(|e| html! { <li>{ e }</li> }) }
                </ol>
            }
        </section>
    }
}
