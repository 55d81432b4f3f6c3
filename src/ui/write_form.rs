//! A client's write: a command typed by the user, checked before it reaches
//! the simulation so a typo never becomes a recorded input.

use crate::engine::protocol::Role;
use crate::engine::service::{Command, ServiceKind};
use crate::engine::NodeId;
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WriteFormProps {
    pub on_write: Callback<Command>,
    /// The service the replicas run; commands for another are refused.
    pub service: ServiceKind,
    /// The node that takes writes now, and its role; `None` when none does.
    pub writer: Option<(NodeId, Role)>,
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

fn label(writer: Option<(NodeId, Role)>) -> String {
    match writer {
        Some((_, role)) => format!("Command for the {role}"),
        None => "Command for the cluster".to_owned(),
    }
}

/// Where the write will go, said under the field.
fn destination(writer: Option<(NodeId, Role)>) -> String {
    match writer {
        Some((node, _)) => format!("Goes to {node}."),
        None => "No node takes writes right now: this write will be lost.".to_owned(),
    }
}

#[function_component(WriteForm)]
pub fn write_form(props: &WriteFormProps) -> Html {
    let service = props.service;
    let text = use_state(|| example(service).to_owned());
    let error = use_state(|| None::<String>);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let onsubmit = {
        let (text, error, on_write) = (text.clone(), error.clone(), props.on_write.clone());
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            match parse(&text, service) {
                Ok(command) => {
                    error.set(None);
                    on_write.emit(command);
                }
                Err(message) => error.set(Some(message)),
            }
        })
    };
    html! {
        <form class="panel write" {onsubmit} aria-labelledby="write-title">
            <h2 id="write-title">{"Client"}</h2>
            <label for="command">{ label(props.writer) }</label>
            <div class="row">
                <input id="command" type="text" value={(*text).clone()} {oninput}
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
            <p id="command-to" class={classes!("note", props.writer.is_none().then_some("error"))}
                data-testid="write-destination">{ destination(props.writer) }</p>
        </form>
    }
}
