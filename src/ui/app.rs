//! The page: owns the timeline and the play timer, renders views of the
//! current world, and turns every click into a timeline call.

use super::checkers_panel::CheckersPanel;
use super::controls::Controls;
use super::event_list::EventList;
use super::in_flight_list::InFlightList;
use super::location;
use super::network_bar::NetworkBar;
use super::node_card::NodeCard;
use super::scenario_picker::{Choice, ScenarioPicker};
use super::status::Status;
use super::view;
use super::write_form::WriteForm;
use crate::engine::protocol::ProtocolKind;
use crate::engine::{Action, Input, Scenario, Tick, Timeline, World};
use crate::scenarios;
use gloo::events::EventListener;
use gloo::timers::callback::Interval;
use std::rc::Rc;
use std::sync::Arc;
use yew::prelude::*;

/// The scenario a page opens when its URL names none.
pub const DEFAULT_SCENARIO: &str = "arithmetic";

/// Time between steps while playing.
const PLAY_INTERVAL_MS: u32 = 400;

/// How long a run goes on after the user's last input, so that what the
/// input sets off (a failover, a catch-up) can play out.
const AFTER_INPUT_TICKS: Tick = 60;

pub enum Msg {
    Step,
    Back,
    Play,
    Pause,
    Reset,
    /// The play timer fired.
    PlayTick,
    Input(Input),
    /// The user chose a scenario by file name.
    Pick(String),
    /// The URL hash changed (a link, or an edit in the address bar).
    HashChanged,
}

/// A bundled scenario, parsed once, or why it does not parse.
struct Bundled {
    name: &'static str,
    scenario: Result<Arc<Scenario>, String>,
}

pub struct App {
    bundled: Vec<Bundled>,
    choices: Rc<Vec<Choice>>,
    /// File name of the scenario shown.
    selected: &'static str,
    /// Why the URL's scenario is not the one shown.
    notice: Option<String>,
    /// The run, or why the chosen scenario could not be loaded.
    timeline: Result<Timeline, String>,
    /// Present while playing; dropping it stops the timer.
    player: Option<Interval>,
    _hash_listener: Option<EventListener>,
}

fn bundled() -> Vec<Bundled> {
    scenarios::BUNDLED
        .iter()
        .map(|&(name, _)| Bundled {
            name,
            scenario: scenarios::load(name).map(Arc::new).map_err(|e| {
                format!(
                    "The bundled scenario `{name}` did not load ({}: {}). Rebuild the app.",
                    e.field, e.message
                )
            }),
        })
        .collect()
}

fn choices(bundled: &[Bundled]) -> Vec<Choice> {
    bundled
        .iter()
        .map(|b| Choice {
            name: b.name,
            title: match &b.scenario {
                Ok(scenario) => scenario.name.clone(),
                Err(_) => format!("{} (does not load)", b.name),
            },
        })
        .collect()
}

/// The tick a run stops at: the scenario's `run_ticks`, or later if the
/// user acted near the end. Without an end, primary-backup heartbeats would
/// keep Step enabled forever.
fn end_tick(timeline: &Timeline) -> Tick {
    let last_input = timeline
        .past_actions()
        .iter()
        .filter_map(|action| match action {
            Action::Input(timed) => Some(timed.tick + AFTER_INPUT_TICKS),
            Action::Step => None,
        })
        .max();
    timeline.scenario().run_ticks.max(last_input.unwrap_or(0))
}

/// Whether Step would do anything: redo a recorded action or run an event
/// before the end of the run.
fn can_step(timeline: &Timeline) -> bool {
    timeline.position() < timeline.len()
        || timeline
            .world()
            .next_tick()
            .is_some_and(|tick| tick <= end_tick(timeline))
}

fn next_note(timeline: &Timeline) -> String {
    if timeline.position() < timeline.len() {
        return "Step redoes the recorded run.".to_owned();
    }
    match timeline.world().next_tick() {
        Some(tick) if tick <= end_tick(timeline) => format!("Next event at tick {tick}."),
        Some(_) => format!(
            "Run complete at tick {}; a new input runs on.",
            end_tick(timeline)
        ),
        None => "Run complete: nothing left to do.".to_owned(),
    }
}

/// The checkers' verdict in one line, in the toolbar that stays in view
/// while the cards scroll: a break is seen the step it happens.
fn verdict(world: &World) -> Html {
    match world.violations() {
        [] => html! { <p class="verdict" data-testid="verdict">{"Checkers: all hold."}</p> },
        found => {
            let latest = &found[found.len() - 1];
            html! {
                <p class="verdict broken" data-testid="verdict">
                    { format!("Checkers: {} broken, latest ", found.len()) }
                    <strong>{ latest.invariant }</strong>
                    { format!(" at step {}", latest.step) }
                </p>
            }
        }
    }
}

/// Who does what, in one line above the cards.
fn cast(protocol: ProtocolKind) -> &'static str {
    match protocol {
        ProtocolKind::ActiveActive => "n0 is the sequencer; the others are replicas.",
        ProtocolKind::Broadcast => "n0 forwards every command; there is no shared log.",
        ProtocolKind::PrimaryBackup => {
            "The primary executes commands and ships its log to the backups."
        }
    }
}

impl App {
    /// The bundled scenario called `name`, if there is one.
    fn find(&self, name: &str) -> Option<&Bundled> {
        self.bundled.iter().find(|b| b.name == name)
    }

    /// Replaces the run with a fresh one of `name` (which must be bundled).
    fn open(&mut self, name: &str) {
        let Some(entry) = self.find(name) else {
            return;
        };
        let (name, timeline) = (entry.name, entry.scenario.clone().map(Timeline::new));
        self.selected = name;
        self.timeline = timeline;
        self.player = None;
    }

    /// Opens what the URL asks for; an unknown name falls back to the
    /// default with a message saying so.
    fn follow_url(&mut self) {
        let requested = location::requested_scenario();
        match requested {
            Some(name) if self.find(&name).is_some() => {
                self.notice = None;
                if name != self.selected {
                    self.open(&name);
                }
            }
            Some(name) => {
                let fallback = self
                    .find(DEFAULT_SCENARIO)
                    .and_then(|b| b.scenario.as_ref().ok());
                let title = fallback.map_or(DEFAULT_SCENARIO, |s| s.name.as_str());
                self.notice = Some(format!(
                    "The link asks for a scenario called \u{201c}{name}\u{201d}, and there is \
                     none. Showing \u{201c}{title}\u{201d} instead; pick another from the list."
                ));
                if self.selected != DEFAULT_SCENARIO {
                    self.open(DEFAULT_SCENARIO);
                }
            }
            None => {}
        }
    }
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let bundled = bundled();
        let choices = Rc::new(choices(&bundled));
        let link = ctx.link().clone();
        let listener = web_sys::window().map(|window| {
            EventListener::new(&window, "hashchange", move |_| {
                link.send_message(Msg::HashChanged)
            })
        });
        let mut app = App {
            bundled,
            choices,
            selected: DEFAULT_SCENARIO,
            notice: None,
            timeline: Err(format!(
                "No bundled scenario is called `{DEFAULT_SCENARIO}`."
            )),
            player: None,
            _hash_listener: listener,
        };
        app.open(DEFAULT_SCENARIO);
        app.follow_url();
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        match msg {
            Msg::Pick(name) => {
                if name != self.selected && self.find(&name).is_some() {
                    self.open(&name);
                    self.notice = None;
                    location::show_scenario(self.selected);
                }
                return true;
            }
            Msg::HashChanged => {
                self.follow_url();
                return true;
            }
            _ => {}
        }
        let Ok(timeline) = &mut self.timeline else {
            return false;
        };
        match msg {
            Msg::Step => {
                if can_step(timeline) {
                    timeline.step();
                }
            }
            Msg::PlayTick => {
                if !can_step(timeline) || !timeline.step() || !can_step(timeline) {
                    self.player = None;
                }
            }
            Msg::Back => {
                self.player = None;
                timeline.back();
            }
            Msg::Reset => {
                self.player = None;
                timeline.seek(0);
            }
            Msg::Play => {
                if self.player.is_none() && can_step(timeline) {
                    let link = ctx.link().clone();
                    self.player = Some(Interval::new(PLAY_INTERVAL_MS, move || {
                        link.send_message(Msg::PlayTick)
                    }));
                }
            }
            Msg::Pause => self.player = None,
            Msg::Input(input) => timeline.input(input),
            Msg::Pick(_) | Msg::HashChanged => {}
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let body = match &self.timeline {
            Ok(timeline) => self.simulation(ctx, timeline),
            Err(message) => html! { <p class="error" role="alert">{ message }</p> },
        };
        let description = self
            .find(self.selected)
            .and_then(|b| b.scenario.as_ref().ok())
            .map(|s| s.description.clone());
        html! {
            <>
                <header class="intro">
                    <h1>{"Loglab: one log, identical replicas"}</h1>
                    <p class="tagline">
                        {"Step through a replicated log, break things, and let the checkers \
                          say what went wrong."}
                    </p>
                    <ScenarioPicker choices={Rc::clone(&self.choices)}
                        selected={self.selected}
                        on_pick={ctx.link().callback(Msg::Pick)} />
                    if let Some(notice) = &self.notice {
                        <p class="error notice" role="alert" data-testid="notice">{ notice }</p>
                    }
                    if let Some(description) = description {
                        <p class="lede" data-testid="description">{ description }</p>
                    }
                </header>
                { body }
            </>
        }
    }
}

impl App {
    fn simulation(&self, ctx: &Context<Self>, timeline: &Timeline) -> Html {
        let link = ctx.link();
        let world = timeline.world();
        let on_input = link.callback(Msg::Input);
        let on_write = link.callback(|command| Msg::Input(Input::write(command)));
        let scenario = timeline.scenario();
        let nodes = view::nodes(world);
        html! {
            <main>
                <section class="toolbar" aria-label="Run">
                    <Status tick={world.tick()} step={world.step_count()} />
                    <Controls
                        can_step={can_step(timeline)}
                        can_back={timeline.position() > timeline.start()}
                        playing={self.player.is_some()}
                        on_step={link.callback(|()| Msg::Step)}
                        on_back={link.callback(|()| Msg::Back)}
                        on_play={link.callback(|()| Msg::Play)}
                        on_pause={link.callback(|()| Msg::Pause)}
                        on_reset={link.callback(|()| Msg::Reset)} />
                    <p class="next note">{ next_note(timeline) }</p>
                    { verdict(world) }
                    if let Some(notice) = timeline.history_notice() {
                        <p class="note history-notice" data-testid="history-notice">{ notice }</p>
                    }
                </section>
                <section aria-labelledby="nodes-title">
                    <h2 id="nodes-title" class="visually-hidden">{"Nodes"}</h2>
                    <div class="cluster-bar">
                        <p class="note">
                            { cast(scenario.protocol) }{" Log rows: "}
                            <span class="key applied">{"applied"}</span>{" "}
                            <span class="key committed">{"committed"}</span>{" "}
                            <span class="key pending">{"not committed"}</span>
                            if nodes.iter().any(|n| n.records.iter().any(|r| r.differs)) {
                                {" "}<span class="key differs">
                                    <span class="differs-tag">{"\u{2260}"}</span>
                                    {" another log differs"}</span>
                            }
                        </p>
                        <NetworkBar cut={view::cut_links(world)}
                            on_heal={link.callback(|()| Msg::Input(Input::Heal))} />
                    </div>
                    <div class="nodes">
                        { for nodes.into_iter().map(|node| {
                            let key = node.id.to_string();
                            html! { <NodeCard {key} {node} on_input={on_input.clone()} /> }
                        }) }
                    </div>
                </section>
                // Below the cards so a new finding never pushes them down
                // mid-play; the toolbar's verdict line says when it appears.
                <CheckersPanel violations={view::violations(world)} />
                <div class="panels">
                    <WriteForm key={self.selected} on_write={on_write} service={scenario.service}
                        writer={view::writer(world)} />
                    <InFlightList messages={view::messages(world)} />
                    <EventList events={view::last_events(world)} />
                </div>
            </main>
        }
    }
}
