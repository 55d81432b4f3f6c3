//! Subscribers and consumer groups: everything that reads the log outside
//! the replicated service, each at its own pace. Shown only when the
//! scenario has some. Every button becomes an engine input.

use super::group_view::{self, tape};
use super::lag_chart::LagChart;
use super::slot::Slot;
use super::view::{self, AnswerView, Derived, Health, LagHistory, QueryChoices, SubscriberView};
use crate::engine::{ClientId, Input};
use web_sys::{HtmlInputElement, HtmlSelectElement};
use yew::prelude::*;

fn button(verb: &'static str, name: &str, input: Input, on_input: &Callback<Input>) -> Html {
    let on = on_input.clone();
    let class = if verb == "Crash" { "danger" } else { "" };
    html! {
        <button type="button" {class} aria-label={format!("{verb} {name}")}
            onclick={Callback::from(move |_: MouseEvent| on.emit(input.clone()))}>
            { verb }
        </button>
    }
}

fn derived(sub: &SubscriberView) -> Html {
    let testid = format!("sub-{}-state", sub.name);
    match &sub.derived {
        Derived::Pairs {
            columns,
            rows,
            more,
        } => html! {
            <div class="derived">
                <table class="pairs" data-testid={testid}>
                    <thead><tr><th scope="col">{ columns.0 }</th><th scope="col">{ columns.1 }</th></tr></thead>
                    <tbody>
                        if rows.is_empty() {
                            <tr class="empty"><td colspan="2">{"empty"}</td></tr>
                        }
                        { for rows.iter().map(|(k, v)| html! {
                            <tr><th scope="row">{ k.clone() }</th><td>{ v.clone() }</td></tr>
                        }) }
                    </tbody>
                </table>
                if *more > 0 {
                    <p class="note">{ format!("and {more} more") }</p>
                }
            </div>
        },
        Derived::Sum(sum) => html! {
            <p class="derived big-number" data-testid={testid}>{"sum "}<strong>{ *sum }</strong></p>
        },
        Derived::Warehouse {
            loaded,
            duplicates,
            staged,
            recent,
        } => html! {
            <div class="derived" data-testid={testid}>
                <p class="warehouse-counts">
                    <span>{"loaded "}<strong data-testid={format!("sub-{}-loaded", sub.name)}>{ *loaded }</strong>{" rows"}</span>
                    <span>{"staged "}<strong data-testid={format!("sub-{}-staged", sub.name)}>{ *staged }</strong></span>
                    if *duplicates > 0 {
                        <span class="dup">{ format!("\u{26a0} {duplicates} loaded twice") }</span>
                    }
                </p>
                if !recent.is_empty() {
                    <ul class="rows">
                        { for recent.iter().map(|r| html! { <li>{ r.clone() }</li> }) }
                    </ul>
                }
            </div>
        },
    }
}

fn card(sub: &SubscriberView, history: &LagHistory, on_input: &Callback<Input>) -> Html {
    let name = &sub.name;
    let title = format!("sub-title-{name}");
    let health = sub.health.label();
    let number = |label: &'static str, value: u64, id: &str| {
        html! {
            <div class="number">
                <dt>{ label }</dt>
                <dd data-testid={format!("sub-{name}-{id}")}>{ value }</dd>
            </div>
        }
    };
    let series = history.series.iter().find(|s| &s.name == name).cloned();
    html! {
        <article class={classes!("sub-card", health)} aria-labelledby={title.clone()}
            data-testid={format!("sub-{name}")}>
            <header>
                <h3 id={title}>{ name.clone() }</h3>
                <span class="kind">{ sub.kind }</span>
                <span class={classes!("health", health)} data-testid={format!("sub-{name}-health")}>
                    { health }
                </span>
            </header>
            <p class="note derives">{ format!("{}; reads {}'s committed log", sub.derives, sub.source) }</p>
            <dl class="sub-numbers">
                { number("position", sub.position, "position") }
                { number("committed", sub.committed_offset, "committed") }
                { number("lag", sub.lag, "lag") }
                { number("max lag", sub.max_lag, "max-lag") }
            </dl>
            { tape(&sub.tape, "records", format!("tape-{name}"), false) }
            if let Some(series) = series {
                <LagChart {series} until={history.until} top={history.max_lag} />
            }
            { derived(sub) }
            <footer class="actions">
                if sub.health == Health::Crashed {
                    { button("Restart", name, Input::RestartSubscriber { name: name.clone() }, on_input) }
                } else {
                    { button("Crash", name, Input::CrashSubscriber { name: name.clone() }, on_input) }
                }
                if sub.health == Health::Paused {
                    { button("Resume", name, Input::ResumeSubscriber { name: name.clone() }, on_input) }
                } else if sub.health == Health::Up {
                    { button("Pause", name, Input::PauseSubscriber { name: name.clone() }, on_input) }
                }
            </footer>
        </article>
    }
}

#[derive(Properties, PartialEq)]
pub struct ReadYourWriteProps {
    pub choices: QueryChoices,
    pub answers: Vec<AnswerView>,
    pub waiting: Vec<String>,
    pub on_input: Callback<Input>,
}

fn answer(view: &AnswerView) -> Html {
    let (step, a) = (view.step, &view.answer);
    let seen = a.value.map_or("nothing".to_owned(), |v| v.to_string());
    let verdict = if a.stale() {
        format!(
            "stale: {} had read up to #{}, {}'s own write is at #{}",
            a.subscriber,
            a.position.saturating_sub(1),
            a.client,
            a.needed - 1
        )
    } else if a.needed == 0 {
        format!("{} has no write of its own yet", a.client)
    } else if a.waited {
        format!("fresh: waited until #{} was read", a.needed - 1)
    } else {
        format!("fresh: #{} was already read", a.needed - 1)
    };
    html! {
        <li class={classes!("answer", if a.stale() { "stale" } else { "fresh" })}>
            <span class="badge">{ if a.stale() { "\u{26a0} STALE" } else { "\u{2713} fresh" } }</span>
            <span>{ format!("step {step}: {} answered {}: ", a.subscriber, a.client) }
                <code>{ format!("{} = {seen}", a.key) }</code></span>
            <span class="why">{ verdict }</span>
        </li>
    }
}

/// A client reads a key from a subscriber, with or without waiting for the
/// offset of its own last acknowledged write.
#[function_component(ReadYourWrite)]
pub fn read_your_write(props: &ReadYourWriteProps) -> Html {
    let choices = &props.choices;
    let subscriber = use_state(|| None::<String>);
    let key = use_state(|| None::<String>);
    let client = use_state(|| None::<u8>);
    let wait = use_state(|| false);
    let chosen_sub = (*subscriber)
        .clone()
        .filter(|s| choices.subscribers.contains(s))
        .or_else(|| choices.subscribers.first().cloned());
    let chosen_key = (*key)
        .clone()
        .filter(|k| choices.keys.contains(k))
        .or_else(|| choices.keys.first().cloned());
    let chosen_client = (*client)
        .map(ClientId)
        .filter(|c| choices.clients.contains(c))
        .unwrap_or(choices.default_client);
    let pick = |state: UseStateHandle<Option<String>>| {
        Callback::from(move |e: Event| {
            state.set(Some(e.target_unchecked_into::<HtmlSelectElement>().value()))
        })
    };
    let on_client = {
        let client = client.clone();
        Callback::from(move |e: Event| {
            let value = e.target_unchecked_into::<HtmlSelectElement>().value();
            client.set(value.trim_start_matches('c').parse().ok());
        })
    };
    let on_wait = {
        let wait = wait.clone();
        Callback::from(move |e: Event| {
            wait.set(e.target_unchecked_into::<HtmlInputElement>().checked())
        })
    };
    let ready = chosen_sub.clone().zip(chosen_key.clone());
    let onsubmit = {
        let (on_input, ready, wait) = (props.on_input.clone(), ready.clone(), *wait);
        Callback::from(move |e: SubmitEvent| {
            e.prevent_default();
            if let Some((name, key)) = ready.clone() {
                on_input.emit(Input::QuerySubscriber {
                    client: chosen_client,
                    name,
                    key,
                    wait,
                });
            }
        })
    };
    html! {
        <form class="ryw" {onsubmit} aria-labelledby="ryw-title" data-testid="read-your-write">
            <h3 id="ryw-title">{"Read your write"}</h3>
            <p class="note">
                {"A client reads a key from a subscriber. Its own last acknowledged write sits at some \
                  offset: without waiting, a subscriber that has not read that far gives a stale answer."}
            </p>
            <div class="ryw-fields">
                <label>{"Client "}
                    <select id="ryw-client" onchange={on_client}>
                        { for choices.clients.iter().map(|c| html! {
                            <option value={c.to_string()} selected={*c == chosen_client}>{ c.to_string() }</option>
                        }) }
                    </select>
                </label>
                <label>{"Subscriber "}
                    <select id="ryw-subscriber" onchange={pick(subscriber.clone())}>
                        { for choices.subscribers.iter().map(|s| html! {
                            <option value={s.clone()} selected={Some(s) == chosen_sub.as_ref()}>{ s.clone() }</option>
                        }) }
                    </select>
                </label>
                <label>{"Key "}
                    <select id="ryw-key" onchange={pick(key.clone())} disabled={choices.keys.is_empty()}>
                        if choices.keys.is_empty() {
                            <option value="">{"no keys yet"}</option>
                        }
                        { for choices.keys.iter().map(|k| html! {
                            <option value={k.clone()} selected={Some(k) == chosen_key.as_ref()}>{ k.clone() }</option>
                        }) }
                    </select>
                </label>
                <label class="tick-box">
                    <input type="checkbox" id="ryw-wait" checked={*wait} onchange={on_wait} />
                    {" Wait for my write's offset"}
                </label>
                <button type="submit" class="primary" disabled={ready.is_none()}>{"Read"}</button>
            </div>
            if !props.waiting.is_empty() {
                <ul class="ryw-waiting" data-testid="ryw-waiting">
                    { for props.waiting.iter().map(|w| html! { <li>{"\u{23f3} "}{ w.clone() }</li> }) }
                </ul>
            }
            if !props.answers.is_empty() {
                <ul class="answers" data-testid="ryw-answers" aria-live="polite">
                    { for props.answers.iter().map(answer) }
                </ul>
            }
        </form>
    }
}

fn legend() -> Html {
    html! {
        <p class="note reader-legend">
            <span class="reader-swatch read">{"read"}</span>{" "}
            <span class="reader-swatch waiting">{"committed, not read yet"}</span>{" "}
            <span class="reader-swatch uncommitted">{"not committed"}</span>{" "}
            <span class="mmark next-mark">{"\u{25b2}"}</span>{" reads next "}
            <span class="mmark resume-mark">{"\u{25c6}"}</span>{" resumes here after a crash"}
        </p>
    }
}

pub fn panel(slot: &Slot) -> Html {
    let world = slot.timeline.world();
    let scenario = world.scenario();
    if scenario.subscribers.is_empty() && scenario.consumer_groups.is_empty() {
        return html! {};
    }
    let subs = view::subscribers(world);
    let groups = view::groups(world);
    let history = if subs.is_empty() {
        None
    } else {
        Some(slot.recent.lag_history(slot.timeline))
    };
    html! {
        <>
            if let Some(history) = history {
                <section class="data-panel subscribers" aria-labelledby="subscribers-title"
                    data-testid="subscribers">
                    <h2 id="subscribers-title">{"Subscribers"}</h2>
                    <p class="note">
                        {"Each reads the committed log at its own pace and commits its position now and then; \
                          nobody waits for it. Lag: records in the source's log it has not read yet, committed \
                          or not. Max lag: the most committed records it was ever behind."}
                    </p>
                    { legend() }
                    <div class="sub-cards">
                        { for subs.iter().map(|s| card(s, &history, &slot.on_input)) }
                    </div>
                    <ReadYourWrite choices={view::query_choices(world, slot.recent.clients(slot.timeline))}
                        answers={view::recent_answers(&slot.events_since(
                            slot.timeline.position().saturating_sub(view::ANSWER_WINDOW)))}
                        waiting={view::waiting_reads(world)}
                        on_input={slot.on_input.clone()} />
                </section>
            }
            if !groups.is_empty() {
                <section class="data-panel groups" aria-labelledby="groups-title" data-testid="groups">
                    <h2 id="groups-title">{"Consumer groups"}</h2>
                    <p class="note">
                        {"The committed log split into partitions; each partition has one owner per generation. \
                          When a member crashes, the group rebalances and the new owner starts from the committed offset."}
                    </p>
                    { legend() }
                    { for groups.iter().map(|g| group_view::group(g, &slot.on_input)) }
                </section>
            }
        </>
    }
}
