//! Messages on the wire, oldest first.

use super::view::MessageView;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct InFlightListProps {
    pub messages: Vec<MessageView>,
}

#[function_component(InFlightList)]
pub fn in_flight_list(props: &InFlightListProps) -> Html {
    html! {
        <section class="panel" aria-labelledby="in-flight-title">
            <h2 id="in-flight-title">{ format!("In flight ({})", props.messages.len()) }</h2>
            if props.messages.is_empty() {
                <p class="note">{"No messages on the wire."}</p>
            } else {
                <ul class="messages" data-testid="in-flight">
                    { for props.messages.iter().map(|m| html! {
                        <li key={m.id.clone()}>
                            <span class="route">{ format!("{}\u{2192}{}", m.from, m.to) }</span>
                            <span class="label">{ &m.label }</span>
                            <span class="arrives">{ format!("arrives tick {}", m.deliver_tick) }</span>
                        </li>
                    }) }
                </ul>
            }
        </section>
    }
}
