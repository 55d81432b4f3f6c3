//! A consumer group: its partitions as small tapes (who owns each, where
//! the owner reads next, where a new owner would resume), its members, and
//! the output table it builds, compared with the source table.

use super::view::{GroupView, SinkStatus, Tape};
use crate::engine::Input;
use yew::prelude::*;

/// A row of cells, one per entry, with the reader's markers. `what` names
/// the hidden entries for screen readers ("records", "changes"); with `labels`
/// each cell shows its entry, otherwise only its offset (and the entry on
/// hover).
pub fn tape(tape: &Tape, what: &str, testid: String, labels: bool) -> Html {
    html! {
        <div class="mtape-wrap">
            <ol class={classes!("mtape", labels.then_some("labelled"))} data-testid={testid}>
                if tape.hidden_before > 0 {
                    <li class="mcell hidden-count">
                        { format!("\u{2026}{}", tape.hidden_before) }
                        <span class="visually-hidden">{ format!(" earlier {what}") }</span>
                    </li>
                }
                { for tape.cells.iter().map(|cell| {
                    let end = cell.label.is_none();
                    let mut notes = Vec::new();
                    if cell.next { notes.push("reads next"); }
                    if cell.resume { notes.push("resumes here after a crash"); }
                    let title = match &cell.label {
                        Some(label) => format!("#{}: {label}", cell.offset),
                        None => format!("#{}: the end, where the next one goes", cell.offset),
                    };
                    html! {
                        <li class={classes!("mcell", if end { "end" } else { cell.state.class() },
                                cell.next.then_some("next"), cell.resume.then_some("resume"))}
                            data-offset={cell.offset.to_string()} {title}>
                            <span class="offset">{ cell.offset }</span>
                            if let (true, Some(label)) = (labels, &cell.label) {
                                <span class="label">{ label.clone() }</span>
                            }
                            if cell.next || cell.resume {
                                <span class="mmarks" aria-hidden="true">
                                    if cell.next { <span class="mmark next-mark">{"\u{25b2}"}</span> }
                                    if cell.resume { <span class="mmark resume-mark">{"\u{25c6}"}</span> }
                                </span>
                                <span class="visually-hidden">{ format!(" ({})", notes.join(", ")) }</span>
                            }
                        </li>
                    }
                }) }
                if tape.hidden_after > 0 {
                    <li class="mcell hidden-count">
                        { format!("{}\u{2026}", tape.hidden_after) }
                        <span class="visually-hidden">{ format!(" later {what}") }</span>
                    </li>
                }
            </ol>
        </div>
    }
}

fn member_button(
    verb: &'static str,
    group: &str,
    member: u8,
    input: Input,
    on_input: &Callback<Input>,
) -> Html {
    let on = on_input.clone();
    let class = if verb == "Crash" { "danger" } else { "" };
    html! {
        <button type="button" {class} aria-label={format!("{verb} member m{member} of {group}")}
            onclick={Callback::from(move |_: MouseEvent| on.emit(input.clone()))}>
            { format!("{verb} m{member}") }
        </button>
    }
}

fn status(group: &GroupView) -> Html {
    let (class, text) = match group.status {
        SinkStatus::Matches => ("matches", "\u{2713} equals the source table".to_owned()),
        SinkStatus::CatchingUp { unread } => (
            "catching-up",
            format!("\u{2026} catching up: {unread} changes not processed yet"),
        ),
        SinkStatus::Differs => (
            "differs",
            "\u{2717} differs from the source table, though every change was processed".to_owned(),
        ),
    };
    html! {
        <p class={classes!("sink-status", class)} data-testid={format!("group-{}-status", group.name)}>
            { text }
        </p>
    }
}

fn sink(group: &GroupView) -> Html {
    // A row that differs is wrong only once everything was processed.
    let off = if group.status == SinkStatus::Differs {
        "off"
    } else {
        "behind"
    };
    html! {
        <div class="sink">
            <h4>{"Output table"}</h4>
            { status(group) }
            <table class="pairs" data-testid={format!("group-{}-sink", group.name)}>
                <thead><tr><th scope="col">{"key"}</th><th scope="col">{"value"}</th></tr></thead>
                <tbody>
                    if group.sink.is_empty() {
                        <tr class="empty"><td colspan="2">{"empty"}</td></tr>
                    }
                    { for group.sink.iter().map(|row| {
                        let shown = |v: Option<i64>| v.map_or("\u{2013}".to_owned(), |v| v.to_string());
                        html! {
                            <tr class={classes!(row.source.is_some().then_some(off))}>
                                <th scope="row">{ &row.key }</th>
                                <td>
                                    { shown(row.value) }
                                    if let Some(source) = row.source {
                                        <span class="source-value">{ format!(" (source: {})", shown(source)) }</span>
                                    }
                                </td>
                            </tr>
                        }
                    }) }
                </tbody>
            </table>
            if group.sink_more > 0 {
                <p class="note">{ format!("and {} more keys", group.sink_more) }</p>
            }
        </div>
    }
}

pub fn group(group: &GroupView, on_input: &Callback<Input>) -> Html {
    let name = &group.name;
    let title = format!("group-title-{name}");
    html! {
        <article class="group" aria-labelledby={title.clone()} data-testid={format!("group-{name}")}>
            <header>
                <h3 id={title}>{ format!("Consumer group {name}") }</h3>
                <span class="fact">{"generation "}
                    <strong data-testid={format!("group-{name}-generation")}>{ group.generation }</strong></span>
                <span class="fact">{"processed "}<strong>{ group.processed }</strong></span>
                <span class="fact">{"processed twice "}
                    <strong data-testid={format!("group-{name}-redelivered")}>{ group.redelivered }</strong></span>
                if group.key_hash {
                    <span class="fact">{ format!("partitioned by key hash, from {}", group.source) }</span>
                } else {
                    <span class="fact bug">{ format!("round-robin partitions, from {} (planted bug)", group.source) }</span>
                }
            </header>
            <div class="group-body">
                <div class="partitions">
                    <h4>{"Partitions"}</h4>
                    { for group.partitions.iter().map(|p| {
                        let owner = match p.owner {
                            Some(m) if p.orphaned => format!("m{m} (down)"),
                            Some(m) => format!("m{m}"),
                            None => "nobody".to_owned(),
                        };
                        html! {
                            <div class={classes!("partition", p.orphaned.then_some("orphaned"))}
                                data-testid={format!("partition-{name}-p{}", p.partition)}>
                                <p class="partition-head">
                                    <strong>{ format!("p{}", p.partition) }</strong>
                                    <span>{"owner "}<strong data-testid={format!("owner-{name}-p{}", p.partition)}>{ owner }</strong></span>
                                    <span class="note">{ format!("next {} \u{b7} committed {} \u{b7} {} changes", p.position, p.committed, p.changes) }</span>
                                </p>
                                { tape(&p.tape, "changes", format!("tape-{name}-p{}", p.partition), true) }
                            </div>
                        }
                    }) }
                </div>
                <div class="members">
                    <h4>{"Members"}</h4>
                    <ul>
                        { for group.members.iter().map(|m| {
                            let health = if m.up { "up" } else { "down" };
                            let parts: Vec<String> = m.partitions.iter().map(|p| format!("p{p}")).collect();
                            let owns = if parts.is_empty() { "no partitions".to_owned() } else { parts.join(", ") };
                            let input = if m.up {
                                Input::CrashMember { group: name.clone(), member: m.member }
                            } else {
                                Input::RestartMember { group: name.clone(), member: m.member }
                            };
                            html! {
                                <li class={classes!("member", health)} data-testid={format!("member-{name}-m{}", m.member)}>
                                    <strong>{ format!("m{}", m.member) }</strong>
                                    <span class={classes!("health", health)}>{ health }</span>
                                    <span class="owns" data-testid={format!("member-{name}-m{}-partitions", m.member)}>{ owns }</span>
                                    <span class="note">{ format!("processed {}", m.processed) }</span>
                                    { member_button(if m.up { "Crash" } else { "Restart" }, name, m.member, input, on_input) }
                                </li>
                            }
                        }) }
                    </ul>
                </div>
                { sink(group) }
            </div>
        </article>
    }
}
