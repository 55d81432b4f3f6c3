//! Protocol, seed and replicas of the run. Each change is only reported;
//! the app builds a new scenario from the current one and refuses it with
//! a message (shown here) if it does not fit, leaving the run as it was.

use crate::engine::protocol::ProtocolKind;
use crate::engine::scenario::MAX_REPLICAS;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// A change the user asked for, as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Setting {
    Protocol(ProtocolKind),
    Seed(String),
    Replicas(String),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Protocol,
    Seed,
    Replicas,
}

/// Why the last change was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    pub field: Field,
    pub message: String,
    /// Counts refusals, so the same one twice still resets the fields.
    pub attempt: u32,
}

/// The protocols offered, with their names in the list.
pub const PROTOCOLS: [(ProtocolKind, &str, &str); 3] = [
    (ProtocolKind::ActiveActive, "active-active", "Active-active"),
    (
        ProtocolKind::PrimaryBackup,
        "primary-backup",
        "Primary-backup",
    ),
    (
        ProtocolKind::Broadcast,
        "broadcast",
        "Broadcast (planted bug: no order)",
    ),
];

pub fn protocol_title(protocol: ProtocolKind) -> &'static str {
    PROTOCOLS
        .iter()
        .find(|(p, _, _)| *p == protocol)
        .map_or("?", |(_, _, title)| title)
}

#[derive(Properties, PartialEq)]
pub struct SettingsProps {
    pub protocol: ProtocolKind,
    pub seed: u64,
    pub replicas: u8,
    pub refusal: Option<Refusal>,
    pub on_change: Callback<Setting>,
}

#[function_component(Settings)]
pub fn settings(props: &SettingsProps) -> Html {
    let (protocol, seed, replicas) = (use_node_ref(), use_node_ref(), use_node_ref());
    // The fields show the run's settings, except a refused number, which
    // stays as typed (marked invalid) so it can be corrected. They are set
    // here rather than through `value`, which every render would reset.
    {
        let refused = props.refusal.as_ref().map(|r| (r.field, r.attempt));
        let deps = (props.protocol, props.seed, props.replicas, refused);
        let refs = (protocol.clone(), seed.clone(), replicas.clone());
        use_effect_with(deps, move |(kind, seed_value, replica_count, refused)| {
            let field = refused.map(|(field, _)| field);
            if let Some(select) = refs.0.cast::<HtmlSelectElement>() {
                let name = PROTOCOLS.iter().find(|(p, _, _)| p == kind);
                select.set_value(name.map_or("", |(_, name, _)| name));
            }
            if field != Some(Field::Seed) {
                if let Some(input) = refs.1.cast::<HtmlInputElement>() {
                    input.set_value(&seed_value.to_string());
                }
            }
            if field != Some(Field::Replicas) {
                if let Some(input) = refs.2.cast::<HtmlInputElement>() {
                    input.set_value(&replica_count.to_string());
                }
            }
        });
    }
    let on_protocol = {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            if let Some((kind, _, _)) = PROTOCOLS.iter().find(|(_, name, _)| *name == value) {
                on_change.emit(Setting::Protocol(*kind));
            }
        })
    };
    let number = |make: fn(String) -> Setting| {
        let on_change = props.on_change.clone();
        Callback::from(move |e: Event| {
            on_change.emit(make(e.target_unchecked_into::<HtmlInputElement>().value()));
        })
    };
    let refused = |field: Field| {
        props
            .refusal
            .as_ref()
            .is_some_and(|r| r.field == field)
            .to_string()
    };
    let describedby = props.refusal.as_ref().map(|_| "settings-error");
    html! {
        <div class="settings">
            <div class="fields" role="group" aria-label="Run settings">
                <span class="field">
                    <label for="protocol">{"Protocol"}</label>
                    <select id="protocol" ref={protocol} onchange={on_protocol}
                        aria-invalid={refused(Field::Protocol)} aria-describedby={describedby}>
                        { for PROTOCOLS.iter().map(|(kind, name, title)| html! {
                            <option value={*name} selected={*kind == props.protocol}>{ *title }</option>
                        }) }
                    </select>
                </span>
                <span class="field">
                    <label for="seed">{"Seed"}</label>
                    <input id="seed" ref={seed} type="number" min="0" step="1" inputmode="numeric"
                        onchange={number(Setting::Seed)}
                        aria-invalid={refused(Field::Seed)} aria-describedby={describedby} />
                </span>
                <span class="field">
                    <label for="replicas">{"Replicas"}</label>
                    <input id="replicas" ref={replicas} type="number" min="1"
                        max={MAX_REPLICAS.to_string()} step="1" inputmode="numeric"
                        onchange={number(Setting::Replicas)}
                        aria-invalid={refused(Field::Replicas)} aria-describedby={describedby} />
                </span>
            </div>
            if let Some(refusal) = &props.refusal {
                <p id="settings-error" class="error settings-error" role="alert"
                    data-testid="settings-error">{ &refusal.message }</p>
            }
        </div>
    }
}
