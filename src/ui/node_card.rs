//! One node: role, health, its log and, on replicas, the state machine.

use super::view::{NodeView, RecordState};
use crate::engine::NodeId;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct NodeCardProps {
    pub node: NodeView,
    pub on_crash: Callback<NodeId>,
    pub on_restart: Callback<NodeId>,
}

fn log_table(node: &NodeView) -> Html {
    let rows = node.records.iter().map(|r| {
        html! {
            <tr class={classes!("record", r.state.class())} data-offset={r.offset.to_string()}>
                <td class="offset">{ r.offset }</td>
                <td class="command">{ &r.command }</td>
                <td class="state">{ r.state.label() }</td>
            </tr>
        }
    });
    html! {
        <table class="log" data-testid={format!("log-{}", node.id)}>
            <caption class="visually-hidden">{ format!("Log of {}", node.id) }</caption>
            <thead>
                <tr><th scope="col">{"offset"}</th><th scope="col">{"command"}</th>
                    <th scope="col">{"state"}</th></tr>
            </thead>
            <tbody>
                if node.records.is_empty() {
                    <tr class="empty"><td colspan="3">{"empty log"}</td></tr>
                } else {
                    { for rows }
                }
            </tbody>
        </table>
    }
}

fn machine(node: &NodeView) -> Html {
    let id = node.id;
    if !node.runs_service {
        let committed = node
            .records
            .iter()
            .filter(|r| r.state != RecordState::Pending)
            .count();
        let summary = match node.records.len() {
            0 => String::new(),
            total => format!("{committed} of {total} committed."),
        };
        return html! {
            <p class="machine note">
                { "Orders commands into the log; runs no service. " }{ summary }
            </p>
        };
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

#[function_component(NodeCard)]
pub fn node_card(props: &NodeCardProps) -> Html {
    let node = &props.node;
    let id = node.id;
    let title_id = format!("title-{id}");
    let (health, action) = if node.up {
        let on = props.on_crash.clone();
        (
            "up",
            html! {
                <button type="button" class="danger" aria-label={format!("Crash {id}")}
                    onclick={Callback::from(move |_: MouseEvent| on.emit(id))}>{"Crash"}</button>
            },
        )
    } else {
        let on = props.on_restart.clone();
        (
            "down",
            html! {
                <button type="button" aria-label={format!("Restart {id}")}
                    onclick={Callback::from(move |_: MouseEvent| on.emit(id))}>{"Restart"}</button>
            },
        )
    };
    html! {
        <article class={classes!("node", health)} aria-labelledby={title_id.clone()}
            data-testid={format!("node-{id}")}>
            <header>
                <h3 id={title_id}>{ id.to_string() }</h3>
                <span class="role">{ node.role.to_string() }</span>
                <span class={classes!("health", health)} data-testid={format!("health-{id}")}>
                    { health }
                </span>
            </header>
            { machine(node) }
            { log_table(node) }
            <footer>{ action }</footer>
        </article>
    }
}
