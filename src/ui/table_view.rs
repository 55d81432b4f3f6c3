//! A table is a changelog folded up to an offset. Pick a node and an
//! offset and see its table then (time travel in log time), what changed
//! since another offset, and the compacted log that folds to the same table.

use super::slot::Slot;
use crate::engine::service::{ServiceKind, State};
use crate::engine::table::{cells, compact, diff, fold, fold_range, table_at, Change};
use crate::engine::{Log, NodeId, Offset, Record};
use std::collections::BTreeMap;
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

/// Most table rows, diff lines and log records drawn.
const ROWS: usize = 24;
const LOG_ROWS: usize = 12;

/// One node's log, as the view needs it. Clones share the log's chunks.
#[derive(Clone, Debug, PartialEq)]
pub struct NodeLog {
    pub id: NodeId,
    pub log: Log,
    pub runs_service: bool,
}

#[derive(Properties)]
pub struct TableViewProps {
    pub nodes: Vec<NodeLog>,
    pub service: ServiceKind,
    pub seed: u64,
    /// The world the logs come from (step and trace hash): props compare by
    /// it, not record by record.
    pub version: (u64, u64),
}

impl PartialEq for TableViewProps {
    fn eq(&self, other: &Self) -> bool {
        (self.version, self.service, self.seed) == (other.version, other.service, other.seed)
    }
}

/// A table folded up to an offset of one node's log, kept between redraws
/// so that following a growing log folds only the new records.
#[derive(Default)]
struct Folded {
    node: Option<NodeId>,
    offset: Offset,
    /// The record just before `offset`: if the log still holds it there,
    /// nothing below was truncated and rewritten.
    last: Option<Record>,
    table: Option<State>,
}

impl Folded {
    fn table_at(&mut self, node: &NodeLog, at: Offset, service: ServiceKind, seed: u64) -> State {
        let same_prefix = self.node == Some(node.id)
            && self.offset <= at
            && self.table.is_some()
            && self.offset.checked_sub(1).map(|o| node.log.get(o)) == self.last.as_ref().map(Some);
        let mut table = match self.table.take() {
            Some(table) if same_prefix => table,
            _ => {
                self.offset = 0;
                State::initial(service)
            }
        };
        fold_range(&mut table, &node.log, self.offset, at, seed, node.id);
        self.node = Some(node.id);
        self.offset = at;
        self.last = at.checked_sub(1).and_then(|o| node.log.get(o)).cloned();
        self.table = Some(table.clone());
        table
    }
}

fn shown(value: Option<i64>) -> String {
    value.map_or("\u{2013}".to_owned(), |v| v.to_string())
}

/// How a key changed, in words (the colour only repeats it).
fn change_words(change: &Change) -> (&'static str, String) {
    match (change.before, change.after) {
        (None, Some(after)) => ("added", format!("+ added {} = {after}", change.key)),
        (Some(before), None) => (
            "removed",
            format!("\u{2212} removed {} (was {before})", change.key),
        ),
        (before, after) => (
            "changed",
            format!(
                "~ changed {}: {} \u{2192} {}",
                change.key,
                shown(before),
                shown(after)
            ),
        ),
    }
}

fn log_list(title: String, records: &[Record], testid: &'static str) -> Html {
    let hidden = records.len().saturating_sub(LOG_ROWS);
    html! {
        <div class="log-column">
            <h4>{ title }</h4>
            <ol class="log-records" data-testid={testid}>
                if hidden > 0 {
                    <li class="note">{ format!("\u{2026} {hidden} earlier records") }</li>
                }
                if records.is_empty() {
                    <li class="note">{"no records"}</li>
                }
                { for records[hidden..].iter().map(|r| html! {
                    <li><span class="offset">{ format!("#{}", r.offset) }</span>{" "}
                        <code>{ r.payload.to_string() }</code></li>
                }) }
            </ol>
        </div>
    }
}

fn slider(
    id: &'static str,
    label: &'static str,
    value: Offset,
    end: Offset,
    on: Callback<Offset>,
) -> Html {
    let oninput = Callback::from(move |e: InputEvent| {
        let input = e.target_unchecked_into::<HtmlInputElement>();
        if let Ok(value) = input.value().parse() {
            on.emit(value);
        }
    });
    html! {
        <div class="slider">
            <label for={id}>{ label }</label>
            <input type="range" {id} min="0" max={end.to_string()} step="1"
                value={value.to_string()} {oninput} />
            <span class="slider-value" data-testid={format!("{id}-value")} aria-hidden="true">{ value }</span>
        </div>
    }
}

#[function_component(TableView)]
pub fn table_view(props: &TableViewProps) -> Html {
    // `None`: follow the default (first node running the service; the end
    // of its log; offset 0 to compare with).
    let node = use_state(|| None::<NodeId>);
    let at = use_state(|| None::<Offset>);
    let since = use_state(|| None::<Offset>);
    let compacted = use_state(|| false);
    let folded = use_mut_ref(Folded::default);
    let default = props
        .nodes
        .iter()
        .find(|n| n.runs_service)
        .or(props.nodes.first());
    let chosen = (*node)
        .and_then(|id| props.nodes.iter().find(|n| n.id == id))
        .or(default);
    let Some(chosen) = chosen else {
        return html! {};
    };
    let end = chosen.log.end();
    let commit = chosen.log.commit_offset();
    let at_value = (*at).unwrap_or(end).min(end);
    let since_value = (*since).unwrap_or(0).min(end);
    let (service, seed, id) = (props.service, props.seed, chosen.id);
    let table = folded
        .borrow_mut()
        .table_at(chosen, at_value, service, seed);
    let before = table_at(&chosen.log, since_value, service, seed, id);
    let changes = diff(&before, &table);
    let changed: BTreeMap<&str, &Change> =
        crate::engine::sort::map_from(changes.iter().map(|c| (c.key.as_str(), c)));
    let rows = cells(&table);

    let on_node = {
        let (node, at, since) = (node.clone(), at.clone(), since.clone());
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            node.set(value.trim_start_matches('r').parse().ok().map(NodeId));
            at.set(None);
            since.set(None);
        })
    };
    let on_at = {
        let at = at.clone();
        // At the end, keep following the end as the log grows.
        Callback::from(move |value: Offset| at.set((value < end).then_some(value)))
    };
    let on_since = {
        let since = since.clone();
        Callback::from(move |value: Offset| since.set(Some(value)))
    };
    let on_compacted = {
        let compacted = compacted.clone();
        Callback::from(move |e: Event| {
            compacted.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let uncommitted = at_value.saturating_sub(commit);
    html! {
        <section class="data-panel table-view" aria-labelledby="table-title" data-testid="table-view">
            <h2 id="table-title">{"Table at an offset"}</h2>
            <p class="note">
                {"A table is the log folded up to an offset. Slide to travel back in log time; \
                  compare two offsets to see what the log says changed in between."}
            </p>
            <div class="table-controls">
                <div class="node-pick">
                    <label for="table-node">{"Node"}</label>
                    <select id="table-node" onchange={on_node}>
                        { for props.nodes.iter().map(|n| html! {
                            <option value={n.id.to_string()} selected={n.id == id}>{ n.id.to_string() }</option>
                        }) }
                    </select>
                    <span class="note">{ format!("log end {end} \u{b7} committed {commit}") }</span>
                </div>
                { slider("table-at", "Table offset", at_value, end, on_at) }
                { slider("table-since", "Compare with offset", since_value, end, on_since) }
                <label class="tick-box">
                    <input type="checkbox" id="table-compacted" checked={*compacted} onchange={on_compacted} />
                    {" Show the compacted log"}
                </label>
            </div>
            <div class="table-grid">
                <div class="kv">
                    <h3>{ format!("{id} at offset {at_value}") }</h3>
                    <p class="note">
                        { match at_value {
                            0 => "No records folded yet.".to_owned(),
                            1 => "Record #0 folded.".to_owned(),
                            n => format!("Records #0 to #{} folded.", n - 1),
                        } }
                        if uncommitted > 0 {
                            { format!(" {uncommitted} of them not committed yet.") }
                        }
                    </p>
                    <table class="pairs" data-testid="table-rows">
                        <thead><tr><th scope="col">{"key"}</th><th scope="col">{"value"}</th>
                            <th scope="col">{ format!("since {since_value}") }</th></tr></thead>
                        <tbody>
                            if rows.is_empty() {
                                <tr class="empty"><td colspan="3">{"empty table"}</td></tr>
                            }
                            { for rows.iter().take(ROWS).map(|(key, value)| {
                                let (class, tag) = match changed.get(key.as_str()) {
                                    Some(c) if c.before.is_none() => ("added", "+ added".to_owned()),
                                    Some(c) => ("changed", format!("~ was {}", shown(c.before))),
                                    None => ("same", String::new()),
                                };
                                html! {
                                    <tr class={class} data-key={key.clone()}>
                                        <th scope="row">{ key.clone() }</th>
                                        <td class="value">{ *value }</td>
                                        <td class="tag">{ tag }</td>
                                    </tr>
                                }
                            }) }
                        </tbody>
                    </table>
                    if rows.len() > ROWS {
                        <p class="note">{ format!("and {} more keys", rows.len() - ROWS) }</p>
                    }
                </div>
                <div class="diff">
                    <h3>{ format!("Changes from offset {since_value} to {at_value}") }</h3>
                    if changes.is_empty() {
                        <p class="note" data-testid="table-no-diff">{"No key differs."}</p>
                    } else {
                        <ul class="changes" data-testid="table-diff">
                            { for changes.iter().take(ROWS).map(|c| {
                                let (class, words) = change_words(c);
                                html! { <li class={class} data-key={c.key.clone()}>{ words }</li> }
                            }) }
                        </ul>
                        if changes.len() > ROWS {
                            <p class="note">{ format!("and {} more changes", changes.len() - ROWS) }</p>
                        }
                    }
                </div>
            </div>
            if *compacted {
                { compacted_logs(chosen, at_value, service, seed, &table) }
            }
        </section>
    }
}

fn compacted_logs(
    node: &NodeLog,
    at: Offset,
    service: ServiceKind,
    seed: u64,
    table: &State,
) -> Html {
    let full: Vec<Record> = node
        .log
        .read_from(0)
        .take_while(|r| r.offset < at)
        .cloned()
        .collect();
    let kept = compact(&node.log, at, service, seed, node.id, 0);
    let same = fold(&kept, service) == *table;
    html! {
        <div class="compaction" data-testid="compaction">
            <div class="log-columns">
                { log_list(format!("Full log, {} records", full.len()), &full, "full-log") }
                { log_list(format!("Compacted, {} records", kept.len()), &kept, "compacted-log") }
            </div>
            <p class={classes!("fold-note", (!same).then_some("error"))} data-testid="fold-note">
                if same {
                    {"\u{2713} Both fold to the same table: "}<code>{ table.to_string() }</code>
                    {". Compaction keeps only the latest change per key."}
                } else {
                    {"\u{2717} The compacted log folds to a different table."}
                }
            </p>
        </div>
    }
}

pub fn panel(slot: &Slot) -> Html {
    let world = slot.timeline.world();
    let scenario = world.scenario();
    let nodes: Vec<NodeLog> = world
        .nodes()
        .iter()
        .map(|n| NodeLog {
            id: n.id,
            log: n.log.clone(),
            runs_service: n.runs_service(),
        })
        .collect();
    html! {
        <TableView key={scenario.name.clone()} {nodes} service={scenario.service} seed={scenario.seed}
            version={(world.step_count(), world.trace_hash())} />
    }
}
