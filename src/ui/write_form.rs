//! A client's write: a command typed by the user, checked before it reaches
//! the simulation so a typo never becomes a recorded input. It goes to
//! whichever node takes writes, or to one node the user picks (a node's
//! "Send write" action picks it and moves focus here).

use crate::engine::protocol::Role;
use crate::engine::service::{Command, ServiceKind};
use crate::engine::{ClientId, Input, NodeId};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WriteFormProps {
    /// Receives the `Input::Write`.
    pub on_input: Callback<Input>,
    /// The service the replicas run; commands for another are refused.
    pub service: ServiceKind,
    /// The node that takes writes now, and its role; `None` when none does.
    pub writer: Option<(NodeId, Role)>,
    /// Every node and its role, for the target list.
    pub nodes: Vec<(NodeId, Role)>,
    /// The node the user picked; `None` sends to the writer.
    pub target: Option<NodeId>,
    pub on_target: Callback<Option<NodeId>>,
    /// Changing it moves focus to the command field.
    #[prop_or_default]
    pub focus: u32,
}

/// The commands a service understands, as a hint.
fn syntax(service: ServiceKind) -> &'static str {
    match service {
        ServiceKind::Arithmetic => "+n, -n, *n or set n",
        ServiceKind::KeyValue => "put key n, incr key or delete key",
    }
}

fn example(service: ServiceKind) -> &'static str {
    match service {
        ServiceKind::Arithmetic => "+4",
        ServiceKind::KeyValue => "put a 1",
    }
}

fn parse(text: &str, service: ServiceKind) -> Result<Command, String> {
    if text.trim().is_empty() {
        return Err(format!(
            "Type a command first, for example {}.",
            match service {
                ServiceKind::Arithmetic => "+4, -2, *3 or set 10",
                ServiceKind::KeyValue => "put a 1, incr a or delete a",
            }
        ));
    }
    let command: Command = text.parse()?;
    command.check_service(service)?;
    Ok(command)
}

fn label(writer: Option<(NodeId, Role)>, target: Option<NodeId>) -> String {
    match (target, writer) {
        (Some(node), _) => format!("Command for {node}"),
        (None, Some((_, role))) => format!("Command for the {role}"),
        (None, None) => "Command for the cluster".to_owned(),
    }
}

fn takes_writes(role: Role) -> bool {
    matches!(role, Role::Sequencer | Role::Broadcaster | Role::Primary)
}

/// Where the write will go, said under the field.
fn destination(props: &WriteFormProps) -> (String, bool) {
    match (props.target, props.writer) {
        (Some(node), _) => match props.nodes.iter().find(|(id, _)| *id == node) {
            Some((_, role)) if !takes_writes(*role) => (
                format!("Goes to {node}, a {role}: it takes no writes, so it ignores this one."),
                true,
            ),
            _ => (format!("Goes to {node}."), false),
        },
        (None, Some((node, _))) => (format!("Goes to {node}."), false),
        (None, None) => (
            "No node takes writes right now: this write will be lost.".to_owned(),
            true,
        ),
    }
}

fn option_value(target: Option<NodeId>) -> String {
    target.map_or_else(String::new, |n| n.to_string())
}

#[function_component(WriteForm)]
pub fn write_form(props: &WriteFormProps) -> Html {
    let service = props.service;
    let text = use_state(|| example(service).to_owned());
    let error = use_state(|| None::<String>);
    let input = use_node_ref();
    let select = use_node_ref();
    {
        // An option's `selected` stops counting once the user has picked
        // one: keep the live value in step.
        let select = select.clone();
        use_effect_with(props.target, move |target| {
            if let Some(element) = select.cast::<HtmlSelectElement>() {
                element.set_value(&option_value(*target));
            }
        });
    }
    {
        let input = input.clone();
        use_effect_with(props.focus, move |focus| {
            if *focus > 0 {
                if let Some(element) = input.cast::<HtmlInputElement>() {
                    let _ = element.focus();
                    element.select();
                }
            }
        });
    }
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let onchange = {
        let on_target = props.on_target.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            let node = value
                .strip_prefix('r')
                .and_then(|n| n.parse().ok())
                .map(NodeId);
            on_target.emit(node);
        })
    };
    let onsubmit = {
        let (text, error) = (text.clone(), error.clone());
        let (on_input, to) = (props.on_input.clone(), props.target);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse(&text, service) {
                Ok(command) => {
                    error.set(None);
                    on_input.emit(Input::Write {
                        client: ClientId::default(),
                        command,
                        to,
                    });
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    let (goes_to, warn) = destination(props);
    let default_name = match props.writer {
        Some((node, role)) => format!("the {role} ({node})"),
        None => "whoever takes writes".to_owned(),
    };
    html! {
        <form class="panel write" {onsubmit} aria-labelledby="write-title">
            <div class="write-head">
                <h2 id="write-title">{"Client"}</h2>
                <div class="target">
                    <label for="write-to">{"Send to"}</label>
                    <select id="write-to" ref={select} {onchange}>
                        <option value="" selected={props.target.is_none()}>{ default_name }</option>
                        { for props.nodes.iter().map(|&(id, role)| html! {
                            <option key={id.to_string()} value={id.to_string()}
                                selected={props.target == Some(id)}>
                                { format!("{id} \u{b7} {role}") }
                            </option>
                        }) }
                    </select>
                </div>
            </div>
            <label for="command">{ label(props.writer, props.target) }</label>
            <div class="row">
                <input id="command" type="text" ref={input} value={(*text).clone()} {oninput}
                    autocomplete="off" spellcheck="false"
                    aria-invalid={error.is_some().to_string()}
                    aria-describedby="command-to command-help" />
                <button type="submit">{"Write"}</button>
            </div>
            if let Some(message) = (*error).clone() {
                <p id="command-help" class="error" role="alert" data-testid="write-error">
                    { message }
                </p>
            } else {
                <p id="command-help" class="note">{ syntax(service) }</p>
            }
            <p id="command-to" class={classes!("note", warn.then_some("error"))}
                data-testid="write-destination">{ goes_to }</p>
        </form>
    }
}
