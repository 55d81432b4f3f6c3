//! One node: role, epoch, health, its log and, on replicas, the state
//! machine; below, the faults a user can inject on it.

use super::view::{Links, NodeView, RecordState};
use crate::engine::protocol::Role;
use crate::engine::{Input, NodeId};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    /// Crash, Restart, Isolate and Promote all end up here.
    pub on_input: Callback<Input>,
}

fn log_table(node: &NodeView) -> Html {
    let epochs = node.epoch.is_some();
    let rows = node.records.iter().map(|r| {
        html! {
            <tr class={classes!("record", r.state.class(), r.differs.then_some("differs"))}
                data-offset={r.offset.to_string()}>
                <td class="offset">
                    { r.offset }
                    if r.differs {
                        {" "}<span class="differs-tag" title="another node holds a different record here">
                            {"\u{2260}"}<span class="visually-hidden">{" differs"}</span></span>
                    }
                </td>
                if let Some(epoch) = r.epoch {
                    <td class="epoch"><span class="epoch-tag" title={format!("epoch {epoch}")}>
                        { format!("e{epoch}") }</span></td>
                }
                <td class="command">{ &r.command }</td>
                <td class="state">{ r.state.label() }</td>
            </tr>
        }
    });
    let columns = if epochs { "4" } else { "3" };
    html! {
        <table class="log" data-testid={format!("log-{}", node.id)}>
            <caption class="visually-hidden">{ format!("Log of {}", node.id) }</caption>
            <thead>
                <tr><th scope="col">{"offset"}</th>
                    if epochs { <th scope="col">{"epoch"}</th> }
                    <th scope="col">{"command"}</th><th scope="col">{"state"}</th></tr>
            </thead>
            <tbody>
                if node.records.is_empty() {
                    <tr class="empty"><td colspan={columns}>{"empty log"}</td></tr>
                } else {
                    { for rows }
                }
            </tbody>
        </table>
    }
}

/// What a node that runs no service does instead.
fn no_service_note(node: &NodeView) -> Html {
    if node.role == Role::Broadcaster {
        return html! {
            <p class="machine note">
                {"Forwards each command to every replica; keeps no log, runs no service."}
            </p>
        };
    }
    let committed = node
        .records
        .iter()
        .filter(|r| r.state != RecordState::Pending)
        .count();
    let summary = match node.records.len() {
        0 => String::new(),
        total => format!("{committed} of {total} committed."),
    };
    html! {
        <p class="machine note">
            { "Orders commands into the log; runs no service. " }{ summary }
        </p>
    }
}

fn machine(node: &NodeView) -> Html {
    let id = node.id;
    if !node.runs_service {
        return no_service_note(node);
    }
    html! {
        <>
            <p class="machine">
                <span>{"value "}
                    <strong data-testid={format!("value-{id}")}>{ node.value.clone() }</strong></span>
                <span>{"applied offset "}
                    <strong data-testid={format!("applied-{id}")}>{ node.applied_offset }</strong></span>
            </p>
            if !node.up {
                // Why the numbers read 0: the state machine is volatile.
                <p class="note crash-note">
                    {"Crashed: its state machine is gone, its log on disk is kept. \
                      Restart replays the log."}
                </p>
            }
        </>
    }
}

/// A button named `{verb} {id}` for screen readers and tests, showing `verb`.
fn fault_button(
    verb: &'static str,
    id: NodeId,
    class: &'static str,
    input: Input,
    on_input: &Callback<Input>,
) -> Html {
    let on = on_input.clone();
    html! {
        <button type="button" class={class} aria-label={format!("{verb} {id}")}
            onclick={Callback::from(move |_: MouseEvent| on.emit(input.clone()))}>
            { verb }
        </button>
    }
}

fn actions(node: &NodeView, on_input: &Callback<Input>) -> Html {
    let id = node.id;
    html! {
        <footer class="actions">
            if node.up {
                { fault_button("Crash", id, "danger", Input::Crash { node: id }, on_input) }
            } else {
                { fault_button("Restart", id, "", Input::Restart { node: id }, on_input) }
            }
            if node.links != Links::CutOff {
                { fault_button("Isolate", id, "", Input::Isolate { node: id }, on_input) }
            }
            if node.can_promote {
                { fault_button("Promote", id, "", Input::Promote { node: id }, on_input) }
            }
        </footer>
    }
}

fn role_text(node: &NodeView) -> String {
    match node.epoch {
        Some(epoch) => format!("{} \u{b7} epoch {epoch}", node.role),
        None => node.role.to_string(),
    }
}

#[function_component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    let node = &props.node;
    let id = node.id;
    let title_id = format!("title-{id}");
    let health = if node.up { "up" } else { "down" };
    // Roles that take writes stand out: two of them at once is a story.
    let leads = matches!(
        node.role,
        Role::Sequencer | Role::Broadcaster | Role::Primary
    );
    html! {
        <article class={classes!("node", health, (node.links == Links::CutOff).then_some("cut-off"))}
            aria-labelledby={title_id.clone()} data-testid={format!("node-{id}")}>
            <header>
                <h3 id={title_id}>{ id.to_string() }</h3>
                <span class={classes!("role", leads.then_some("leads"))}
                    data-testid={format!("role-{id}")}>{ role_text(node) }</span>
                <span class={classes!("health", health)} data-testid={format!("health-{id}")}>
                    { health }
                </span>
            </header>
            { match node.links {
                Links::Connected => html! {},
                Links::PartlyCut => html! { <p class="links partly">{"some links cut"}</p> },
                Links::CutOff => html! { <p class="links cut">{"cut off from every node"}</p> },
            } }
            { machine(node) }
            { log_table(node) }
            { actions(node, &props.on_input) }
        </article>
    }
}
