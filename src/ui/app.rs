//! The page: owns the timeline and the player, renders views of the
//! current world, and turns every click, key and link into a timeline call.

use super::checkers_panel::CheckersPanel;
use super::controls::Controls;
use super::event_list::EventList;
use super::in_flight_list::InFlightList;
use super::kept_panel::KeptPanel;
use super::location;
use super::on_screen::{self, OnScreen, Report};
use super::open_file::{self, FileText, OpenFile, Said};
use super::recent::Recent;
use super::scenario_picker::{Choice, ScenarioPicker};
use super::slot::Slot;
use super::status::Status;
use super::view;
use super::{cluster_view, log_tapes, space_time, subscribers_panel, table_view};
use crate::engine::{Input, Scenario, Tick, Timeline, World};
use crate::scenarios;
use gloo::events::{EventListener, EventListenerOptions};
use gloo::render::{request_animation_frame, AnimationFrame};
use gloo::timers::callback::Timeout;
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::html::Scope;
use yew::prelude::*;

// The shell: playing, the sliders, settings, share links and shortcuts.
use super::player::{Pacer, DEFAULT_SPEED, SPEEDS};
use super::scenario_picker::Story;
use super::scrubber::Scrubber;
use super::settings::{protocol_title, Field, Refusal, Setting, Settings};
use super::share::Share;
use super::shortcuts::{shortcut, Shortcut, ShortcutsDialog};
use super::status::LatestEvent;
use crate::engine::permalink::{Decoded, Link, Replay, Replayed};
use crate::engine::scenario::MAX_REPLICAS;
use crate::engine::ScenarioError;
use wasm_bindgen::JsCast;
use web_sys::{KeyboardEvent, Node};

/// The scenario a page opens when its URL names none.
pub const DEFAULT_SCENARIO: &str = "arithmetic";

/// While playing several steps a frame, the least time from the end of one
/// redraw to the start of the next; at 16 steps a frame and more, longer:
/// no eye follows single steps then, and the frames go to the run.
const MIN_PAINT_MS: f64 = 20.0;
const MIN_PAINT_FAST_MS: f64 = 50.0;

/// One display frame at 60 Hz.
const DISPLAY_FRAME_MS: f64 = 16.7;

/// The longest a playing page goes without a redraw, however slow the
/// last one was (the first after a long replay rebuilds every cache).
const MAX_PAINT_MS: f64 = 400.0;

/// At the fastest speeds, the most time a frame spends stepping: the rest
/// of the steps wait for the next frame, so the page keeps answering.
const FRAME_BUDGET_MS: f64 = 12.0;

/// The panels the page may leave as they were while a run plays and they
/// are off screen, each with the elements that show it (`on_screen`). The
/// toolbar is always redrawn, and so are the cluster and the log tapes,
/// the view a run is watched in, while in sight (`STAGE_PANELS`) but on
/// the side panels' turn (`Turn`).
const KEPT_PANELS: [(&str, &str); 6] = [
    ("space-time", "[data-testid=space-time]"),
    ("checkers", "[data-testid=checkers]"),
    ("panels", ".aside > .panels"),
    ("subscribers", "[data-testid=subscribers]"),
    ("subscribers", "[data-testid=groups]"),
    ("table-view", "[data-testid=table-view]"),
];

/// The stage's panels and their elements. While a run plays, one scrolled
/// out of sight (under the sticky toolbar, or below the window) is kept as
/// it was, like a side panel off screen, until a redraw finds it in sight:
/// with the tapes in view the cluster drawing above them is hidden under
/// the toolbar, yet laying it out and patching it cost a third of a redraw.
const STAGE_PANELS: [(&str, &str); 2] = [
    ("cluster", "[data-testid=cluster]"),
    ("tapes", "[data-testid=tapes]"),
];

/// Which panels a redraw brings up to date while a run plays.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Turn {
    All,
    /// The cluster and the log tapes (side panels as last drawn).
    Stage,
    /// The side panels on screen (cluster and tapes as last drawn).
    Side,
}

/// How long a run goes on after the user's last input, so that what the
/// input sets off (a failover, a catch-up) can play out.
const AFTER_INPUT_TICKS: Tick = 60;

pub enum Msg {
    Step,
    Back,
    Play,
    Pause,
    Reset,
    /// An animation frame while playing.
    Frame,
    Input(Input),
    /// Go to a recorded position (a step number).
    Seek(usize),
    /// Engine steps per frame while playing, as an index into `SPEEDS`.
    Speed(usize),
    /// The user chose a scenario by file name.
    Pick(String),
    /// The user changed the protocol, seed or replicas.
    Setting(Setting),
    /// Put back the run from before the last fork or settings change.
    Undo,
    /// Hide the fork notice, keeping the new run.
    DismissUndo,
    Key(Shortcut),
    /// Show or hide the keyboard shortcuts.
    Shortcuts(bool),
    CopyLink,
    /// The URL hash changed (a link, or an edit in the address bar).
    HashChanged,
    /// The user opened a file (Open file…): its name and text.
    Open(FileText),
    /// Panels came on screen or left it.
    OnScreen(Report),
    /// Rebuild the next slice of a long link's run.
    Rebuild,
    /// Stop rebuilding a link's run and show its scenario from the start.
    StopRebuild,
}

/// A bundled scenario, parsed once, or why it does not parse.
struct Bundled {
    name: &'static str,
    scenario: Result<Rc<Scenario>, String>,
}

/// A scenario from a file the user opened, rather than a bundled one.
struct Opened {
    file: String,
    scenario: Rc<Scenario>,
}

/// A link's run being rebuilt a slice at a time: a link to a long run
/// takes seconds to replay, and the page shows how far it got instead of
/// freezing.
struct Rebuild {
    replay: Replay,
    /// What of the link could not be used.
    problems: Vec<String>,
    name: &'static str,
    /// The next slice; dropping it cancels the rebuild.
    pending: Timeout,
}

/// Steps a link's run replays before the page is first drawn: short runs
/// (most links) open at once, as if there were no slices.
const FIRST_SLICE_STEPS: usize = 50_000;
/// Steps between two looks at the clock while rebuilding.
const SLICE_STEPS: usize = 10_000;
/// How long a slice may take before the page redraws its progress.
const SLICE_MS: f64 = 50.0;

/// A run put aside by a fork or a settings change, and what to say.
struct Undo {
    before: Timeline,
    text: String,
    button: &'static str,
}

pub struct App {
    bundled: Vec<Bundled>,
    choices: Rc<Vec<Choice>>,
    /// File name of the bundled scenario shown (or last shown, while a
    /// file's run is shown).
    selected: &'static str,
    /// The file whose run is shown, if the run is not a bundled scenario's.
    opened: Option<Opened>,
    /// What the page says about the last file opened.
    open_said: Option<Said>,
    opens: u32,
    /// Why the URL's run is not (all of) the one shown.
    notice: Option<String>,
    /// The run, or why the chosen scenario could not be loaded.
    timeline: Result<Timeline, String>,
    /// Why the last settings change was refused.
    refusal: Option<Refusal>,
    refusals: u32,
    /// The run before the last fork or settings change.
    undo: Option<Undo>,
    /// A link's run still being rebuilt (the run shown once it is done).
    rebuilding: Option<Rebuild>,
    /// Present while playing; dropping it cancels the next frame.
    player: Option<AnimationFrame>,
    pacer: Pacer,
    speed: usize,
    /// The last steps' events and the lag curves, kept while stepping
    /// forward so a redraw need not replay or reread the run.
    recent: Recent,
    /// When the page was last redrawn (ms since the epoch).
    painted: f64,
    /// While playing: whether the last frame redrew the page, and how long
    /// the last redraw took (from its frame's start to the next frame's,
    /// less one display frame). The next redraw waits at least twice that,
    /// so a heavy page still leaves most frames to the run.
    drew: bool,
    draw_ms: f64,
    /// The next frame is the first since Play: it is always drawn.
    first_frame: bool,
    /// What the last redraw brought up to date. Playing fast with a side
    /// panel on screen (the space-time diagram under the tapes), redraws
    /// take the stage and the side panels in turns, at half the pause: no
    /// frame rebuilds, lays out and paints both, and each still changes as
    /// often as a whole page would.
    turn: Turn,
    /// The stage's panels out of sight at the last redraw while playing.
    out_of_sight: Vec<&'static str>,
    shortcuts_open: bool,
    /// The link last copied, and how many times Copy link was pressed.
    share: Option<(AttrValue, u32)>,
    copies: u32,
    /// The address bar holds a copied link's position and inputs, which
    /// the next change makes stale.
    url_has_run: bool,
    /// The app's outermost element: keys pressed elsewhere (another app in
    /// the same page) are not ours.
    root: NodeRef,
    /// Which side panels are on screen.
    on_screen: OnScreen,
    /// Each side panel as last drawn, and the version it was given then.
    kept: RefCell<BTreeMap<&'static str, (u64, Html)>>,
    /// The last version handed out.
    versions: Cell<u64>,
    _hash_listener: Option<EventListener>,
    _key_listener: Option<EventListener>,
}

fn bundled() -> Vec<Bundled> {
    scenarios::BUNDLED
        .iter()
        .map(|&(name, _)| Bundled {
            name,
            scenario: scenarios::load(name).map(Rc::new).map_err(|e| {
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
    // Inputs are recorded in time order: the latest is the last one.
    let last_input = timeline
        .last_past_input()
        .map(|timed| timed.tick + AFTER_INPUT_TICKS);
    timeline.scenario().run_ticks.max(last_input.unwrap_or(0))
}

/// Whether Step would do anything: redo a recorded action or run an event
/// before the end of the run (`end`, from `end_tick`).
fn can_step_before(timeline: &Timeline, end: Tick) -> bool {
    timeline.position() < timeline.len()
        || timeline.world().next_tick().is_some_and(|tick| tick <= end)
}

fn can_step(timeline: &Timeline) -> bool {
    can_step_before(timeline, end_tick(timeline))
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

/// `Forked at step 5: the 12 later steps were dropped`.
pub fn fork_text(at: usize, dropped: usize) -> String {
    if dropped == 1 {
        format!("Forked at step {at}: the 1 later step was dropped")
    } else {
        format!("Forked at step {at}: the {dropped} later steps were dropped")
    }
}

/// Why a scenario with a changed setting cannot run, in a sentence that
/// names the input or field at fault.
fn refusal_text(change: &str, scenario: &Scenario, error: &ScenarioError) -> String {
    let input = error
        .field
        .strip_prefix("inputs[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.parse::<usize>().ok())
        .and_then(|i| scenario.inputs.get(i));
    let reason = match input {
        Some(timed) => format!(
            "the scenario's input at tick {} (\u{201c}{}\u{201d}) would not fit: {}",
            timed.tick, timed.input, error.message
        ),
        None => error.to_string(),
    };
    format!("{change} is not possible here: {reason}. The run is unchanged.")
}

impl App {
    /// The bundled scenario called `name`, if there is one.
    fn find(&self, name: &str) -> Option<&Bundled> {
        self.bundled.iter().find(|b| b.name == name)
    }

    /// The scenario shown, as its file has it (bundled or opened).
    fn base(&self) -> Option<&Rc<Scenario>> {
        if let Some(opened) = &self.opened {
            return Some(&opened.scenario);
        }
        self.find(self.selected)
            .and_then(|b| b.scenario.as_ref().ok())
    }

    fn title(&self, name: &str) -> String {
        self.find(name)
            .and_then(|b| b.scenario.as_ref().ok())
            .map_or(name.to_owned(), |s| s.name.clone())
    }

    /// Forgets what belonged to the run shown: player, undo, refusal,
    /// link, and the file it came from.
    fn leave_run(&mut self) {
        self.rebuilding = None;
        self.player = None;
        self.undo = None;
        self.refusal = None;
        self.share = None;
        self.opened = None;
        self.open_said = None;
    }

    /// Shows the run of a file the user opened, or says why it cannot be
    /// opened and leaves everything as it was.
    fn open_file(&mut self, file: FileText) {
        self.opens += 1;
        let upload = match open_file::load(&file) {
            Ok(upload) => upload,
            Err(text) => {
                self.open_said = Some(Said {
                    text,
                    error: true,
                    attempt: self.opens,
                });
                return;
            }
        };
        let text = open_file::opened_text(&file.name, &upload);
        let scenario = Rc::new(upload.scenario);
        self.leave_run();
        self.timeline = Ok(Timeline::new(Rc::clone(&scenario)));
        self.opened = Some(Opened {
            file: file.name,
            scenario,
        });
        self.open_said = Some(Said {
            text,
            error: false,
            attempt: self.opens,
        });
        self.notice = None;
        // The address bar would name the run shown before: a file's run
        // has no link (see `link`).
        location::clear();
        self.url_has_run = false;
    }

    /// Replaces the run with a fresh one of `name` (which must be bundled).
    fn open(&mut self, name: &str) {
        let Some(entry) = self.find(name) else {
            return;
        };
        let (name, timeline) = (entry.name, entry.scenario.clone().map(Timeline::new));
        self.selected = name;
        self.timeline = timeline;
        self.leave_run();
    }

    /// The link to the run shown: everything (`full`) or only the scenario
    /// and its settings.
    ///
    /// A run from an opened file has none: a link names a bundled
    /// scenario, and a file's contents do not fit in an address.
    fn link(&self, full: bool) -> Option<Link> {
        if self.opened.is_some() {
            return None;
        }
        let (Ok(timeline), Some(base)) = (&self.timeline, self.base()) else {
            return None;
        };
        let mut link = Link::of(self.selected, base, timeline);
        if !full {
            link.at = 0;
            link.inputs.clear();
        }
        Some(link)
    }

    /// Why Copy link cannot give a link to the run shown, if it cannot.
    fn share_unavailable(&self) -> Option<AttrValue> {
        if self.rebuilding.is_some() {
            return Some(AttrValue::from(
                "No link yet: the run is still being rebuilt from the link in the address bar.",
            ));
        }
        self.opened.as_ref().map(|o| {
            AttrValue::from(format!(
                "No link for this run: a link can only name a bundled scenario, and this one \
                 comes from your file \u{201c}{}\u{201d}. Share the file instead.",
                o.file
            ))
        })
    }

    /// Puts the scenario and its settings in the address bar.
    fn show_settings_in_url(&mut self) {
        if let Some(link) = self.link(false) {
            location::show(&link.encode());
        }
        self.url_has_run = false;
    }

    /// Opens what a link asks for. Parts that cannot be used are left out,
    /// and the notice says which.
    fn open_link(&mut self, scope: &Scope<Self>, decoded: Decoded) {
        let Decoded { link, mut problems } = decoded;
        let entry = self
            .find(&link.scenario)
            .map(|b| (b.name, b.scenario.clone()));
        let Some((name, base)) = entry else {
            let title = self.title(DEFAULT_SCENARIO);
            self.notice = Some(if link.scenario.is_empty() {
                format!(
                    "This link names no scenario. Showing \u{201c}{title}\u{201d}; pick \
                     another from the list."
                )
            } else {
                format!(
                    "The link asks for a scenario called \u{201c}{}\u{201d}, and there is \
                     none. Showing \u{201c}{title}\u{201d} instead; pick another from the list.",
                    link.scenario
                )
            });
            self.open(DEFAULT_SCENARIO);
            return;
        };
        self.leave_run();
        self.selected = name;
        let base = match base {
            Ok(base) => base,
            Err(message) => {
                self.timeline = Err(message);
                return;
            }
        };
        let scenario = match link.apply_settings(&base) {
            Ok(scenario) => Rc::new(scenario),
            Err(error) => {
                problems.push(format!("its settings do not fit this scenario ({error})"));
                base
            }
        };
        let mut replay = Replay::start(&link, scenario);
        if replay.advance(FIRST_SLICE_STEPS) {
            self.show_link_run(replay.finish(), problems, name);
            return;
        }
        self.timeline = Err("The run is being rebuilt from the link.".to_owned());
        self.notice = None;
        self.rebuilding = Some(Rebuild {
            replay,
            problems,
            name,
            pending: next_slice(scope),
        });
    }

    /// Shows the run a link rebuilt, and says what of the link could not
    /// be used.
    fn show_link_run(&mut self, replayed: Replayed, mut problems: Vec<String>, name: &str) {
        problems.extend(replayed.problem);
        self.timeline = Ok(replayed.timeline);
        self.notice = (!problems.is_empty()).then(|| {
            format!(
                "Part of this link could not be used: {}. Showing \u{201c}{}\u{201d} without \
                 that part.",
                problems.join("; "),
                self.title(name)
            )
        });
    }

    /// Rebuilds the link's run for about `SLICE_MS`, then shows it if it
    /// is done, or schedules the next slice.
    fn rebuild_slice(&mut self, scope: &Scope<Self>) {
        let Some(mut rebuild) = self.rebuilding.take() else {
            return;
        };
        let started = js_sys::Date::now();
        let mut done = false;
        while !done && js_sys::Date::now() - started < SLICE_MS {
            done = rebuild.replay.advance(SLICE_STEPS);
        }
        if done {
            let Rebuild {
                replay,
                problems,
                name,
                ..
            } = rebuild;
            self.show_link_run(replay.finish(), problems, name);
        } else {
            rebuild.pending = next_slice(scope);
            self.rebuilding = Some(rebuild);
        }
    }

    /// Follows the URL's hash, unless it is the run shown already.
    fn follow_url(&mut self, scope: &Scope<Self>) {
        let Some(decoded) = Link::decode(&location::hash()) else {
            return;
        };
        let shown = [self.link(false), self.link(true)];
        if decoded.problems.is_empty() && shown.contains(&Some(decoded.link.clone())) {
            return;
        }
        self.open_link(scope, decoded);
    }

    fn play(&mut self, ctx: &Context<Self>) {
        let link = ctx.link().clone();
        self.player = Some(request_animation_frame(move |_| {
            link.send_message(Msg::Frame)
        }));
    }
}

/// What the page shows while a link's run is rebuilt: how far it got.
fn rebuilding(rebuild: &Rebuild, scope: &Scope<App>) -> Html {
    let (position, target) = rebuild.replay.progress();
    html! {
        <section class="rebuilding" data-testid="rebuilding">
            <h2>{"Rebuilding the run from the link"}</h2>
            <p role="status">
                { format!("Replayed {} of {} steps.", grouped(position), grouped(target)) }
            </p>
            <progress max={target.max(1).to_string()} value={position.to_string()}
                aria-label="Steps replayed" />
            <p class="note">
                {"A link holds the scenario and the inputs made in it; the page replays the \
                  run up to the step the link shows."}
            </p>
            <button type="button" onclick={scope.callback(|_: MouseEvent| Msg::StopRebuild)}>
                {"Stop: start the scenario from step 0"}
            </button>
        </section>
    }
}

/// `n` with a thin space between groups of three digits (2 625 000).
fn grouped(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() * 2);
    for (i, digit) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push('\u{2009}');
        }
        out.push(digit);
    }
    out
}

/// Asks for the next slice of a rebuild once the page has had a chance to
/// draw the last one's progress.
fn next_slice(scope: &Scope<App>) -> Timeout {
    let scope = scope.clone();
    Timeout::new(0, move || scope.send_message(Msg::Rebuild))
}

/// A scenario like the one running with `setting` changed, or why not.
fn with_setting(refusals: u32, current: &Scenario, setting: &Setting) -> Result<Scenario, Refusal> {
    let refuse = |field: Field, message: String| Refusal {
        field,
        message,
        attempt: refusals + 1,
    };
    let mut scenario = current.clone();
    let (field, change) = match setting {
        Setting::Protocol(protocol) => {
            scenario.protocol = *protocol;
            (Field::Protocol, protocol_title(*protocol).to_owned())
        }
        Setting::Seed(text) => match text.trim().parse::<u64>() {
            Ok(seed) => {
                scenario.seed = seed;
                (Field::Seed, format!("Seed {seed}"))
            }
            Err(_) => {
                return Err(refuse(
                    Field::Seed,
                    format!(
                        "The seed must be a whole number from 0 to {}{}. The run is \
                         unchanged.",
                        u64::MAX,
                        quoted(text)
                    ),
                ))
            }
        },
        Setting::Replicas(text) => match text.trim().parse::<u8>() {
            Ok(replicas) if (1..=MAX_REPLICAS).contains(&replicas) => {
                scenario.replicas = replicas;
                let noun = if replicas == 1 { "replica" } else { "replicas" };
                (Field::Replicas, format!("{replicas} {noun}"))
            }
            _ => {
                return Err(refuse(
                    Field::Replicas,
                    format!(
                        "Replicas must be a whole number from 1 to {MAX_REPLICAS}{}. The \
                         run is unchanged.",
                        quoted(text)
                    ),
                ))
            }
        },
    };
    scenario
        .validate()
        .map_err(|error| refuse(field, refusal_text(&change, current, &error)))?;
    Ok(scenario)
}

/// `; “12” is not` — what the user typed, quoted, when there is something.
fn quoted(text: &str) -> String {
    let text = text.trim();
    if text.is_empty() {
        String::new()
    } else {
        let short: String = text.chars().take(24).collect();
        format!("; \u{201c}{short}\u{201d} is not")
    }
}

/// Whether a key press belongs to the app whose outermost element is
/// `root`: pressed inside the element the app is mounted in (the page's
/// body, or a test's own element), or with nothing in particular focused.
fn is_ours(root: &NodeRef, event: &KeyboardEvent) -> bool {
    let Some(target) = event.target().and_then(|t| t.dyn_into::<Node>().ok()) else {
        return true;
    };
    let nowhere = matches!(target.node_name().as_str(), "BODY" | "HTML" | "#document");
    let host = root.get().and_then(|root| root.parent_node());
    nowhere || host.is_some_and(|host| host.contains(Some(&target)))
}

impl Component for App {
    type Message = Msg;
    type Properties = ();

    fn create(ctx: &Context<Self>) -> Self {
        let bundled = bundled();
        let choices = Rc::new(choices(&bundled));
        let root = NodeRef::default();
        let window = web_sys::window();
        let hash_listener = window.as_ref().map(|window| {
            let link = ctx.link().clone();
            EventListener::new(window, "hashchange", move |_| {
                link.send_message(Msg::HashChanged)
            })
        });
        let key_listener = window.and_then(|w| w.document()).map(|document| {
            let (link, root) = (ctx.link().clone(), root.clone());
            let options = EventListenerOptions::enable_prevent_default();
            EventListener::new_with_options(&document, "keydown", options, move |event| {
                let Some(event) = event.dyn_ref::<KeyboardEvent>() else {
                    return;
                };
                if let Some(key) = shortcut(event).filter(|_| is_ours(&root, event)) {
                    if key != Shortcut::Close {
                        event.prevent_default();
                    }
                    link.send_message(Msg::Key(key));
                }
            })
        });
        let mut app = App {
            bundled,
            choices,
            selected: DEFAULT_SCENARIO,
            opened: None,
            open_said: None,
            opens: 0,
            notice: None,
            timeline: Err(format!(
                "No bundled scenario is called `{DEFAULT_SCENARIO}`."
            )),
            refusal: None,
            refusals: 0,
            undo: None,
            rebuilding: None,
            player: None,
            pacer: Pacer::default(),
            speed: DEFAULT_SPEED,
            recent: Recent::default(),
            painted: f64::NEG_INFINITY,
            drew: false,
            draw_ms: 0.0,
            first_frame: false,
            turn: Turn::All,
            out_of_sight: Vec::new(),
            shortcuts_open: false,
            share: None,
            copies: 0,
            url_has_run: false,
            root,
            on_screen: OnScreen::new(ctx.link().callback(Msg::OnScreen)),
            kept: RefCell::default(),
            versions: Cell::new(0),
            _hash_listener: hash_listener,
            _key_listener: key_listener,
        };
        match Link::decode(&location::hash()) {
            Some(decoded) => app.open_link(ctx.link(), decoded),
            None => app.open(DEFAULT_SCENARIO),
        }
        app
    }

    fn update(&mut self, ctx: &Context<Self>, msg: Msg) -> bool {
        let msg = match msg {
            Msg::Key(key) => match (key, self.shortcuts_open) {
                (Shortcut::Help, open) => Msg::Shortcuts(!open),
                (Shortcut::Close, true) => Msg::Shortcuts(false),
                (_, true) | (Shortcut::Close, false) => return false,
                (Shortcut::PlayPause, false) if self.player.is_some() => Msg::Pause,
                (Shortcut::PlayPause, false) => Msg::Play,
                (Shortcut::Step, false) => Msg::Step,
                (Shortcut::Back, false) => Msg::Back,
                (Shortcut::Reset, false) => Msg::Reset,
            },
            msg => msg,
        };
        match msg {
            Msg::OnScreen(report) => {
                // A panel kept while off screen is drawn as it comes on.
                let appeared = self.on_screen.update(report);
                return self.player.is_some() && !appeared.is_empty();
            }
            Msg::Open(file) => {
                self.open_file(file);
                return true;
            }
            Msg::Pick(name) => {
                let other = name != self.selected || self.opened.is_some();
                if other && self.find(&name).is_some() {
                    self.open(&name);
                    self.notice = None;
                    self.show_settings_in_url();
                }
                return true;
            }
            Msg::HashChanged => {
                self.follow_url(ctx.link());
                return true;
            }
            Msg::Rebuild => {
                self.rebuild_slice(ctx.link());
                return true;
            }
            Msg::StopRebuild => {
                if let Some(rebuild) = self.rebuilding.take() {
                    self.open(rebuild.name);
                    self.notice = None;
                    self.show_settings_in_url();
                }
                return true;
            }
            Msg::Shortcuts(open) => {
                self.shortcuts_open = open;
                return true;
            }
            Msg::Speed(speed) => {
                self.speed = speed.min(SPEEDS.len() - 1);
                return true;
            }
            Msg::Pause => {
                self.player = None;
                return true;
            }
            Msg::DismissUndo => {
                self.undo = None;
                return true;
            }
            Msg::Undo => {
                if let Some(undo) = self.undo.take() {
                    self.player = None;
                    self.timeline = Ok(undo.before);
                    self.refusal = None;
                    self.show_settings_in_url();
                }
                return true;
            }
            Msg::Setting(setting) => {
                let Ok(timeline) = &mut self.timeline else {
                    return false;
                };
                let current = Rc::clone(timeline.scenario());
                match with_setting(self.refusals, &current, &setting) {
                    Ok(scenario) if scenario == *current => self.refusal = None,
                    Ok(scenario) => {
                        let what = match setting {
                            Setting::Protocol(p) => format!("protocol {}", protocol_title(p)),
                            Setting::Seed(_) => format!("seed {}", scenario.seed),
                            Setting::Replicas(_) => format!("{} replicas", scenario.replicas),
                        };
                        let fresh = Timeline::new(Rc::new(scenario));
                        let before = std::mem::replace(timeline, fresh);
                        self.player = None;
                        self.refusal = None;
                        self.share = None;
                        self.undo = Some(Undo {
                            before,
                            text: format!("A new run started with {what}"),
                            button: "Undo",
                        });
                        self.show_settings_in_url();
                    }
                    Err(refusal) => {
                        self.refusals = refusal.attempt;
                        self.refusal = Some(refusal);
                    }
                }
                return true;
            }
            Msg::CopyLink => {
                if let Some(link) = self.link(true) {
                    let hash = link.encode();
                    location::show(&hash);
                    self.url_has_run = true;
                    self.copies += 1;
                    self.share = Some((location::url_with(&hash).into(), self.copies));
                }
                return true;
            }
            _ => {}
        }
        let Ok(timeline) = &mut self.timeline else {
            return false;
        };
        let before = (
            timeline.position(),
            timeline.len(),
            timeline.world().trace_hash(),
        );
        match msg {
            Msg::Frame => {
                if self.player.is_none() {
                    return false; // paused while this frame was queued
                }
                let end = end_tick(timeline);
                let due = self.pacer.frame(self.speed);
                let started = js_sys::Date::now();
                if std::mem::take(&mut self.drew) {
                    self.draw_ms = (started - self.painted - DISPLAY_FRAME_MS).max(0.0);
                }
                for n in 0..due {
                    // Past 64 steps a frame, a frame runs what fits in its
                    // budget, in whole runs of 64.
                    if due > 64
                        && n > 0
                        && n % 64 == 0
                        && js_sys::Date::now() - started > FRAME_BUDGET_MS
                    {
                        break;
                    }
                    let before = timeline.world().trace_hash();
                    if !can_step_before(timeline, end) || !timeline.step() {
                        break;
                    }
                    self.recent.stepped(timeline, before);
                }
                if !can_step(timeline) {
                    self.player = None;
                    return true;
                }
                self.play(ctx);
                // Several steps a frame: the simulation keeps its pace every
                // frame, and the page is redrawn once the last redraw is a
                // little old, so a slow machine spends its frames on the run
                // rather than on drawing states no eye can follow.
                let first = std::mem::take(&mut self.first_frame);
                let split = !first
                    && SPEEDS[self.speed].0 > 8
                    && KEPT_PANELS
                        .iter()
                        .any(|&(name, _)| !self.on_screen.off_screen(name));
                let pause = match SPEEDS[self.speed].0 {
                    _ if first => 0.0,
                    0..=1 => 0.0,
                    2..=8 => MIN_PAINT_MS.max(2.0 * self.draw_ms).min(MAX_PAINT_MS),
                    _ if split => (MIN_PAINT_FAST_MS / 2.0)
                        .max(2.0 * self.draw_ms)
                        .min(MAX_PAINT_MS),
                    _ => MIN_PAINT_FAST_MS.max(2.0 * self.draw_ms).min(MAX_PAINT_MS),
                };
                if due == 0 || started - self.painted < pause {
                    return false;
                }
                self.turn = match (split, self.turn) {
                    (false, _) => Turn::All,
                    (true, Turn::Stage) => Turn::Side,
                    (true, _) => Turn::Stage,
                };
                if self.turn != Turn::Side {
                    self.out_of_sight = self
                        .root
                        .cast::<web_sys::Element>()
                        .map(|root| on_screen::out_of_sight(&root, ".toolbar", &STAGE_PANELS))
                        .unwrap_or_default();
                }
                self.drew = true;
                self.painted = started;
            }
            Msg::Play if self.player.is_none() && can_step(timeline) => {
                self.pacer = Pacer::starting(self.speed);
                self.first_frame = true;
                self.play(ctx);
            }
            Msg::Step => {
                self.player = None;
                let before = timeline.world().trace_hash();
                if can_step(timeline) && timeline.step() {
                    self.recent.stepped(timeline, before);
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
            Msg::Seek(position) => {
                self.player = None;
                timeline.seek(position);
            }
            Msg::Input(input) => {
                self.player = None;
                let (position, len) = (timeline.position(), timeline.len());
                if position < len {
                    let before = timeline.clone();
                    timeline.input(input);
                    self.undo = Some(Undo {
                        before,
                        text: fork_text(position, len - position),
                        button: "Undo fork",
                    });
                } else {
                    timeline.input(input);
                }
            }
            _ => {}
        }
        let Ok(timeline) = &self.timeline else {
            return true;
        };
        let after = (
            timeline.position(),
            timeline.len(),
            timeline.world().trace_hash(),
        );
        if self.url_has_run && after != before {
            self.show_settings_in_url();
        }
        true
    }

    fn rendered(&mut self, _ctx: &Context<Self>, _first_render: bool) {
        if let Some(root) = self.root.cast::<web_sys::Element>() {
            self.on_screen.watch(&root, &KEPT_PANELS);
        }
    }

    fn view(&self, ctx: &Context<Self>) -> Html {
        let link = ctx.link();
        let body = match (&self.rebuilding, &self.timeline) {
            (Some(rebuild), _) => rebuilding(rebuild, link),
            (None, Ok(timeline)) => self.simulation(ctx, timeline),
            (None, Err(message)) => html! { <p class="error" role="alert">{ message }</p> },
        };
        let description = self.base().map(|s| s.description.clone());
        let settings = self.timeline.as_ref().ok().map(|timeline| {
            let scenario = timeline.scenario();
            html! {
                <Settings protocol={scenario.protocol} seed={scenario.seed}
                    replicas={scenario.replicas} refusal={self.refusal.clone()}
                    on_change={link.callback(Msg::Setting)} />
            }
        });
        html! {
            <div class="app" ref={self.root.clone()}>
                <header class="intro">
                    <div class="masthead">
                        <h1>{"Loglab: one log, identical replicas"}</h1>
                        <div class="sources">
                            <ScenarioPicker choices={Rc::clone(&self.choices)}
                                selected={self.selected}
                                opened={self.opened.as_ref().map(|o| AttrValue::from(o.file.clone()))}
                                on_pick={link.callback(Msg::Pick)} />
                            <OpenFile on_open={link.callback(Msg::Open)} />
                        </div>
                    </div>
                    { open_file::said(self.open_said.as_ref()) }
                    <p class="tagline">
                        {"Step through a replicated log, break things, and let the checkers \
                          say what went wrong."}
                    </p>
                    <div class="setup">
                        { for settings }
                        <Share link={self.share.clone()} on_copy={link.callback(|()| Msg::CopyLink)}
                            unavailable={self.share_unavailable()} />
                    </div>
                    if let Some(notice) = &self.notice {
                        <p class="error notice" role="alert" data-testid="notice">{ notice }</p>
                    }
                    if let Some(description) = description {
                        <Story text={description} />
                    }
                </header>
                { body }
                if self.shortcuts_open {
                    <ShortcutsDialog on_close={link.callback(|()| Msg::Shortcuts(false))} />
                }
            </div>
        }
    }
}

impl App {
    fn simulation(&self, ctx: &Context<Self>, timeline: &Timeline) -> Html {
        let link = ctx.link();
        let world = timeline.world();
        let on_input = link.callback(Msg::Input);
        let slot = Slot {
            timeline,
            recent: &self.recent,
            on_input: on_input.clone(),
            on_seek: link.callback(Msg::Seek),
            playing: self.player.is_some(),
        };
        html! {
            <>
            { self.toolbar(ctx, timeline) }
            <main class="shell">
                <div class="stage">
                <section class="run-notes" aria-labelledby="run-title">
                    <h2 id="run-title" class="visually-hidden">{"The run"}</h2>
                </section>
                { self.stage_panel("cluster", || cluster_view::panel(&slot)) }

                { self.stage_panel("tapes", || log_tapes::panel(&slot)) }

                { self.kept_panel("space-time", || space_time::panel(&slot)) }

                // Below the cards so a new finding never pushes them down
                </div>
                // The side column: on a wide screen beside the stage.
                <div class="aside">
                { self.about() }
                // mid-play; the toolbar's verdict line says when it appears.
                { self.kept_panel("checkers", || html! {
                    <CheckersPanel violations={view::violations(world)} invariants={view::invariants(world)} on_seek={slot.on_seek.clone()} />
                }) }
                { self.kept_panel("panels", || html! {
                    <div class="panels">
                        <InFlightList messages={view::messages(world)} />
                        <EventList steps={view::recent_steps(&slot.events_since(timeline.position().saturating_sub(view::EVENT_WINDOW)))} />
                    </div>
                }) }

                { self.kept_panel("subscribers", || subscribers_panel::panel(&slot)) }

                { self.kept_panel("table-view", || table_view::panel(&slot)) }

                </div>
            </main>
            </>
        }
    }
}

impl App {
    /// A side panel, built by `build`, or as it was last built while the
    /// run plays and the panel is off screen (or it is the stage's turn).
    /// Either way in a `KeptPanel`,
    /// which Yew skips when handed the same version again.
    fn kept_panel(&self, name: &'static str, build: impl FnOnce() -> Html) -> Html {
        let keep =
            self.player.is_some() && (self.on_screen.off_screen(name) || self.turn == Turn::Stage);
        self.keep_or_build(name, keep, build)
    }

    /// The cluster or the log tapes: drawn while in sight, except on the
    /// side panels' turn (see `Turn`).
    fn stage_panel(&self, name: &'static str, build: impl FnOnce() -> Html) -> Html {
        let keep =
            self.player.is_some() && (self.turn == Turn::Side || self.out_of_sight.contains(&name));
        self.keep_or_build(name, keep, build)
    }

    fn keep_or_build(&self, name: &'static str, keep: bool, build: impl FnOnce() -> Html) -> Html {
        let mut kept = self.kept.borrow_mut();
        let (version, html) = match kept.get(name) {
            Some(last) if keep => last.clone(),
            _ => {
                let version = self.versions.get() + 1;
                self.versions.set(version);
                let fresh = (version, build());
                kept.insert(name, fresh.clone());
                fresh
            }
        };
        html! { <KeptPanel key={name} {version}>{ html }</KeptPanel> }
    }

    /// The scenario's story at the top of the side column, beside the
    /// cluster on a wide screen (the header shows it on a narrow one).
    fn about(&self) -> Html {
        let Some(scenario) = self.base() else {
            return html! {};
        };
        html! {
            <section class="about" aria-labelledby="about-title">
                <h2 id="about-title">{"The story"}</h2>
                <p>{ &scenario.description }</p>
            </section>
        }
    }

    /// The bar that stays in view: where the run is, the buttons and
    /// sliders that move it, what just happened, and the checkers' verdict.
    fn toolbar(&self, ctx: &Context<Self>, timeline: &Timeline) -> Html {
        let link = ctx.link();
        let world = timeline.world();
        let playing = self.player.is_some();
        html! {
            <section class="toolbar" aria-label="Run">
                <div class="toolbar-row">
                    <Status tick={world.tick()} step={world.step_count()}
                        trace_hash={world.trace_hash()} />
                    <Controls
                        can_step={can_step(timeline)}
                        can_back={timeline.position() > timeline.start()}
                        {playing}
                        on_step={link.callback(|()| Msg::Step)}
                        on_back={link.callback(|()| Msg::Back)}
                        on_play={link.callback(|()| Msg::Play)}
                        on_pause={link.callback(|()| Msg::Pause)}
                        on_reset={link.callback(|()| Msg::Reset)} />
                    <Scrubber position={timeline.position()} len={timeline.len()} speed={self.speed}
                        on_seek={link.callback(Msg::Seek)} on_speed={link.callback(Msg::Speed)} />
                    <button type="button" class="help" aria-label="Keyboard shortcuts"
                        aria-haspopup="dialog" aria-keyshortcuts="?" title="Keyboard shortcuts (?)"
                        onclick={link.callback(|_: MouseEvent| Msg::Shortcuts(true))}>{"?"}</button>
                </div>
                <div class="toolbar-row notes">
                    <LatestEvent step={world.step_count()} events={view::last_events(world)} {playing} />
                    <p class="next note">{ next_note(timeline) }</p>
                    { verdict(world) }
                    if let Some(notice) = timeline.history_notice() {
                        <p class="note history-notice" data-testid="history-notice">{ notice }</p>
                    }
                </div>
                if let Some(undo) = &self.undo {
                    <div class="undo" data-testid="undo-notice">
                        <p>{ &undo.text }</p>
                        <button type="button" onclick={link.callback(|_: MouseEvent| Msg::Undo)}>
                            { undo.button }
                        </button>
                        <button type="button" class="quiet"
                            onclick={link.callback(|_: MouseEvent| Msg::DismissUndo)}>{"Keep"}</button>
                    </div>
                }
            </section>
        }
    }
}
