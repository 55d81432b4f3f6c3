//! The page: owns the timeline and the play timer, renders views of the
//! current world, and turns every click into a timeline call.

use super::controls::Controls;
use super::event_list::EventList;
use super::in_flight_list::InFlightList;
use super::node_card::NodeCard;
use super::status::Status;
use super::view;
use super::write_form::WriteForm;
use crate::engine::{Input, NodeId, Timeline};
use crate::scenarios;
use gloo::timers::callback::Interval;
use std::sync::Arc;
use yew::prelude::*;

/// The scenario this first page shows.
pub const SCENARIO: &str = "arithmetic";

/// Time between steps while playing.
const PLAY_INTERVAL_MS: u32 = 400;

pub enum Msg {
    Step,
    Back,
    Play,
    Pause,
    Reset,
    /// The play timer fired.
    PlayTick,
    Input(Input),
}

pub struct App {
    /// The run, or why the bundled scenario could not be loaded.
    timeline: Result<Timeline, String>,
    /// Present while playing; dropping it stops the timer.
    player: Option<Interval>,
}

fn load_timeline() -> Result<Timeline, String> {
    let scenario = scenarios::load(SCENARIO).map_err(|e| {
        format!(
            "The bundled scenario `{SCENARIO}` did not load ({}: {}). Rebuild the app.",
            e.field, e.message
        )
    })?;
    Ok(Timeline::new(Arc::new(scenario)))
}

/// Whether Step would do anything: redo a recorded action or run an event.
fn can_step(timeline: &Timeline) -> bool {
    timeline.position() < timeline.len() || timeline.world().next_tick().is_some()
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(_ctx: &Context<Self>) -> Self {
        App {
            timeline: load_timeline(),
            player: None,
        }
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let Ok(timeline) = &mut self.timeline else {
            return false;
        };
        match msg {
            Msg::Step => {
                timeline.step();
            }
            Msg::PlayTick => {
                if !timeline.step() || !can_step(timeline) {
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
        }
        true
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let body = match &self.timeline {
            Ok(timeline) => self.simulation(ctx, timeline),
            Err(message) => html! { <p class="error" role="alert">{ message }</p> },
        };
        html! {
            <>
                <header class="intro">
                    <h1>{"Loglab: one log, identical replicas"}</h1>
                    <p class="lede">
                        {"A log puts every command in one fixed order. Replicas that apply the \
                          same log in the same order always reach the same value, so all you \
                          need to know about a replica's progress is one number: its applied \
                          offset, how many records it has applied so far."}
                    </p>
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
        let on_crash = link.callback(|node: NodeId| Msg::Input(Input::Crash { node }));
        let on_restart = link.callback(|node: NodeId| Msg::Input(Input::Restart { node }));
        let on_write = link.callback(|command| Msg::Input(Input::write(command)));
        let scenario = timeline.scenario();
        let can_step = can_step(timeline);
        html! {
            <main>
                <section class="toolbar" aria-label="Run">
                    <Status tick={world.tick()} step={world.step_count()} />
                    <Controls
                        can_step={can_step}
                        can_back={timeline.position() > 0}
                        playing={self.player.is_some()}
                        on_step={link.callback(|()| Msg::Step)}
                        on_back={link.callback(|()| Msg::Back)}
                        on_play={link.callback(|()| Msg::Play)}
                        on_pause={link.callback(|()| Msg::Pause)}
                        on_reset={link.callback(|()| Msg::Reset)} />
                    <p class="next note">
                        { match world.next_tick() {
                            _ if timeline.position() < timeline.len() =>
                                "Step redoes the recorded run.".to_owned(),
                            Some(tick) => format!("Next event at tick {tick}."),
                            None => "Run complete: nothing left to do.".to_owned(),
                        } }
                    </p>
                </section>
                <section aria-labelledby="nodes-title">
                    <h2 id="nodes-title">{ &scenario.name }</h2>
                    <p class="note">
                        {"n0 is the sequencer; the others are replicas. Log rows: "}
                        <span class="key applied">{"applied"}</span>{" "}
                        <span class="key committed">{"committed"}</span>{" "}
                        <span class="key pending">{"not committed"}</span>
                    </p>
                    <div class="nodes">
                        { for view::nodes(world).into_iter().map(|node| {
                            let key = node.id.to_string();
                            html! {
                                <NodeCard {key} {node} on_crash={on_crash.clone()}
                                    on_restart={on_restart.clone()} />
                            }
                        }) }
                    </div>
                </section>
                <div class="panels">
                    <WriteForm on_write={on_write} service={scenario.service} />
                    <InFlightList messages={view::messages(world)} />
                    <EventList events={view::last_events(world)} />
                </div>
            </main>
        }
    }
}
