//! A client's write: a command typed by the user, checked before it reaches
//! the simulation so a typo never becomes a recorded input.

use crate::engine::service::{Command, ServiceKind};
use web_sys::HtmlInputElement;
use yew::prelude::*;

#[derive(Properties, PartialEq)]
pub struct WriteFormProps {
    pub on_write: Callback<Command>,
    /// The service the replicas run; commands for another are refused.
    pub service: ServiceKind,
}

fn parse(text: &str, service: ServiceKind) -> Result<Command, String> {
    if text.trim().is_empty() {
        return Err("Type a command first, for example +4, -2, *3 or set 10.".to_owned());
    }
    let command: Command = text.parse()?;
    command.check_service(service)?;
    Ok(command)
}

#[function_component(WriteForm)]
pub fn write_form(props: &WriteFormProps) -> Html {
    let text = use_state(|| "+4".to_owned());
    let error = use_state(|| None::<String>);
    let oninput = {
        let text = text.clone();
        Callback::from(move |e: InputEvent| {
            text.set(e.target_unchecked_into::<HtmlInputElement>().value());
        })
    };
    let onsubmit = {
        let (text, error, on_write) = (text.clone(), error.clone(), props.on_write.clone());
        let service = props.service;
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
            <label for="command">{"Command for the sequencer"}</label>
            <div class="row">
                <input id="command" type="text" value={(*text).clone()} {oninput}
                    autocomplete="off" spellcheck="false"
                    aria-invalid={error.is_some().to_string()}
                    aria-describedby="command-help" />
                <button type="submit">{"Write"}</button>
            </div>
            if let Some(message) = (*error).clone() {
                <p id="command-help" class="error" role="alert" data-testid="write-error">
                    { message }
                </p>
            } else {
                <p id="command-help" class="note">{"+n, -n, *n or set n"}</p>
            }
        </form>
    }
}
