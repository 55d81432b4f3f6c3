//! The space-time diagram: one lane per node, steps from left to right,
//! and every message an arrow from where it was sent to where it arrived
//! (or was dropped, ✕). Only a window of the last steps up to the current
//! position is drawn, rebuilt from the timeline's recorded actions, so it
//! costs the same at step 50 and at step 50 000. Clicking an arrow goes to
//! the step it arrived at.

use super::slot::{keyed_unless_playing, Slot};
use crate::engine::protocol::Role;
use crate::engine::{MsgId, NodeId, TraceEvent, TraceKind};
use std::collections::BTreeMap;
use std::rc::Rc;
use yew::prelude::*;

/// Steps shown.
pub const WINDOW: usize = 100;
/// Steps read before the window, so messages in flight at its left edge
/// still have their sender and type.
const LOOKBACK: usize = 40;
/// The fewest steps the width stands for: a short run is spread out, a
/// long one scrolls by under a fixed scale once it passes `WINDOW`.
const MIN_SPAN: u64 = 30;

// Geometry, in SVG user units.
const LEFT: f64 = 44.0;
const RIGHT: f64 = 14.0;
const WIDTH: f64 = 760.0;
const TOP: f64 = 18.0;
const LANE: f64 = 34.0;
const AXIS: f64 = 30.0;
/// Room at the plot's edges for arrowheads and the current step's band.
const PAD: f64 = 8.0;

/// Families of messages, each with its own colour: the same colours and
/// names as the cluster view's legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Family {
    /// Log records (replicate, append) or a broadcast command.
    Records,
    Heartbeat,
    Ack,
    Fetch,
    Refuse,
    /// A candidate asks for votes.
    Propose,
    /// A vote.
    Promise,
    Other,
}

impl Family {
    /// From the first word of a message as the engine prints it.
    pub fn of(message: &str) -> Family {
        match message.split_whitespace().next().unwrap_or_default() {
            "replicate" | "append" | "command" => Family::Records,
            "heartbeat" => Family::Heartbeat,
            "ack" | "ok" => Family::Ack,
            "fetch" => Family::Fetch,
            "refuse" => Family::Refuse,
            "propose" => Family::Propose,
            "promise" => Family::Promise,
            _ => Family::Other,
        }
    }

    pub fn class(self) -> &'static str {
        match self {
            Family::Records => "records",
            Family::Heartbeat => "heartbeat",
            Family::Ack => "ack",
            Family::Fetch => "fetch",
            Family::Refuse => "refuse",
            Family::Propose => "propose",
            Family::Promise => "promise",
            Family::Other => "other",
        }
    }

    pub fn legend(self) -> &'static str {
        match self {
            Family::Records => "log records",
            Family::Heartbeat => "heartbeat",
            Family::Ack => "ack",
            Family::Fetch => "fetch",
            Family::Refuse => "refusal",
            Family::Propose => "vote request",
            Family::Promise => "vote",
            Family::Other => "other",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum End {
    Delivered(u64),
    Dropped(u64),
    /// Still on the wire at the current position.
    InFlight,
}

/// One message as the diagram draws it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrow {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    /// As the engine prints it; empty if it was sent before the steps read.
    pub message: String,
    /// Step and tick it was sent at, if within the steps read.
    pub sent: Option<(u64, u64)>,
    pub deliver_tick: Option<u64>,
    pub end: End,
    /// A copy the network made.
    pub duplicate: bool,
}

impl Arrow {
    pub fn family(&self) -> Family {
        Family::of(&self.message)
    }

    /// The first word of the message: `append`, `ack`, …
    pub fn kind(&self) -> &str {
        self.message.split_whitespace().next().unwrap_or("message")
    }

    /// The step a click goes to: where it arrived or was dropped, or where
    /// it was sent if it is still on its way.
    pub fn target_step(&self, now: u64) -> u64 {
        match self.end {
            End::Delivered(step) | End::Dropped(step) => step,
            End::InFlight => self.sent.map_or(now, |(step, _)| step),
        }
    }

    /// `Message append r0→r1, step 12`: what a screen reader calls it.
    pub fn name(&self, now: u64) -> String {
        let what = match self.end {
            End::Dropped(_) => " (dropped)",
            End::InFlight => " (in flight)",
            End::Delivered(_) => "",
        };
        format!(
            "Message {} {}\u{2192}{}{what}, step {}",
            self.kind(),
            self.from,
            self.to,
            self.target_step(now)
        )
    }
}

/// Something that happened on one node's lane.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub node: NodeId,
    pub step: u64,
    pub kind: MarkKind,
    pub text: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MarkKind {
    Write,
    Crash,
    Restart,
    Role,
}

impl MarkKind {
    fn class(self) -> &'static str {
        match self {
            MarkKind::Write => "write",
            MarkKind::Crash => "crash",
            MarkKind::Restart => "restart",
            MarkKind::Role => "role",
        }
    }
}

/// What the diagram shows: steps `first..=last` (`last` is the current
/// position), its lanes, arrows and marks.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagram {
    pub first: u64,
    pub last: u64,
    pub now_tick: u64,
    pub lanes: Vec<NodeId>,
    pub arrows: Vec<Arrow>,
    pub marks: Vec<Mark>,
}

impl Diagram {
    /// Builds the window from the events of steps after `read_from`;
    /// arrows that ended before `first` are left out.
    pub fn build(
        events: &[TraceEvent],
        first: u64,
        last: u64,
        now_tick: u64,
        lanes: Vec<NodeId>,
    ) -> Diagram {
        let mut arrows: BTreeMap<MsgId, Arrow> = BTreeMap::new();
        let mut marks = Vec::new();
        for event in events {
            let step = event.step;
            match &event.kind {
                TraceKind::Send {
                    id,
                    from,
                    to,
                    message,
                    deliver_tick,
                } => {
                    arrows.insert(
                        *id,
                        Arrow {
                            id: *id,
                            from: *from,
                            to: *to,
                            message: message.to_string(),
                            sent: Some((step, event.tick)),
                            deliver_tick: Some(*deliver_tick),
                            end: End::InFlight,
                            duplicate: false,
                        },
                    );
                }
                TraceKind::Duplicate {
                    id,
                    copy,
                    deliver_tick,
                } => {
                    if let Some(original) = arrows.get(id) {
                        let copy_arrow = Arrow {
                            id: *copy,
                            sent: Some((step, event.tick)),
                            deliver_tick: Some(*deliver_tick),
                            end: End::InFlight,
                            duplicate: true,
                            ..original.clone()
                        };
                        arrows.insert(*copy, copy_arrow);
                    }
                }
                TraceKind::Deliver { id, from, to } | TraceKind::Drop { id, from, to, .. } => {
                    let end = match event.kind {
                        TraceKind::Deliver { .. } => End::Delivered(step),
                        _ => End::Dropped(step),
                    };
                    arrows
                        .entry(*id)
                        .or_insert_with(|| Arrow {
                            id: *id,
                            from: *from,
                            to: *to,
                            message: String::new(),
                            sent: None,
                            deliver_tick: None,
                            end: End::InFlight,
                            duplicate: false,
                        })
                        .end = end;
                }
                TraceKind::Write { node, command, .. } if step > first => marks.push(Mark {
                    node: *node,
                    step,
                    kind: MarkKind::Write,
                    text: format!("client writes {command}"),
                }),
                TraceKind::Crash { node } if step > first => marks.push(Mark {
                    node: *node,
                    step,
                    kind: MarkKind::Crash,
                    text: "crashes".to_owned(),
                }),
                TraceKind::Restart { node } if step > first => marks.push(Mark {
                    node: *node,
                    step,
                    kind: MarkKind::Restart,
                    text: "restarts".to_owned(),
                }),
                // Who leads is the story; other role changes would crowd it.
                TraceKind::Role {
                    node,
                    role: role @ Role::Primary,
                    epoch,
                } if step > first => marks.push(Mark {
                    node: *node,
                    step,
                    kind: MarkKind::Role,
                    text: format!("{role} e{epoch}"),
                }),
                _ => {}
            }
        }
        let arrows = arrows
            .into_values()
            .filter(|a| match a.end {
                End::Delivered(step) | End::Dropped(step) => step > first,
                End::InFlight => true,
            })
            .collect();
        Diagram {
            first,
            last,
            now_tick,
            lanes,
            arrows,
            marks,
        }
    }

    /// Steps across the width.
    fn span(&self) -> u64 {
        (self.last - self.first).max(MIN_SPAN)
    }

    /// Width of one step.
    fn step_width(&self) -> f64 {
        (WIDTH - LEFT - RIGHT) / self.span() as f64
    }

    /// Where `step` is drawn, inside the plot's sliding group: steps
    /// keep their place as the window moves, so arrows already drawn are
    /// left untouched while playing and only the group's shift changes.
    fn x(&self, step: u64) -> f64 {
        step as f64 * self.step_width()
    }

    /// The shift that puts the window's first step at the plot's left.
    fn shift(&self) -> f64 {
        PAD - self.x(self.first)
    }

    fn y(&self, node: NodeId) -> f64 {
        let lane = self.lanes.iter().position(|&n| n == node).unwrap_or(0);
        TOP + lane as f64 * LANE
    }

    fn height(&self) -> f64 {
        TOP + self.lanes.len().saturating_sub(1) as f64 * LANE + AXIS
    }

    fn families(&self) -> Vec<Family> {
        let mut families: Vec<Family> = self.arrows.iter().map(Arrow::family).collect();
        crate::engine::sort::sort(&mut families);
        families.dedup();
        families
    }
}

/// An arrowhead at `(x2, y2)` pointing along the line from `(x1, y1)`.
fn head(x1: f64, y1: f64, x2: f64, y2: f64) -> String {
    let (dx, dy) = (x2 - x1, y2 - y1);
    let length = (dx * dx + dy * dy).sqrt().max(0.001);
    let (ux, uy) = (dx / length, dy / length);
    let (back, wide) = (8.0, 4.0);
    let (bx, by) = (x2 - ux * back, y2 - uy * back);
    format!(
        "{x2:.1},{y2:.1} {:.1},{:.1} {:.1},{:.1}",
        bx - uy * wide,
        by + ux * wide,
        bx + uy * wide,
        by - ux * wide
    )
}

/// Where an arrow starts and ends in the plot: (x1, y1, x2, y2).
fn ends(diagram: &Diagram, arrow: &Arrow) -> (f64, f64, f64, f64) {
    let now = diagram.last;
    let (x1, y1) = (
        // Sent before the steps read: from off the left edge.
        arrow.sent.map_or(
            diagram.x(diagram.first.saturating_sub(LOOKBACK as u64)),
            |(step, _)| diagram.x(step),
        ),
        diagram.y(arrow.from),
    );
    let y_to = diagram.y(arrow.to);
    let (x2, y2) = match arrow.end {
        End::Delivered(step) => (diagram.x(step), y_to),
        // A dropped message stops short of its lane.
        End::Dropped(step) => (diagram.x(step), y1 + (y_to - y1) * 0.7),
        // On its way: as far down as its time on the wire so far.
        End::InFlight => {
            let progress = match (arrow.sent, arrow.deliver_tick) {
                (Some((_, sent)), Some(due)) if due > sent => {
                    (diagram.now_tick.saturating_sub(sent)) as f64 / (due - sent) as f64
                }
                _ => 0.5,
            };
            (
                diagram.x(now),
                y1 + (y_to - y1) * progress.clamp(0.15, 0.85),
            )
        }
    };
    (x1, y1, x2, y2)
}

/// An arrow's classes: its family, and how it is doing at step `now`.
fn arrow_class(arrow: &Arrow, now: u64) -> Classes {
    let current = match arrow.end {
        End::Delivered(step) | End::Dropped(step) => step == now,
        End::InFlight => arrow.sent.is_some_and(|(step, _)| step == now),
    };
    classes!(
        "msg",
        arrow.family().class(),
        matches!(arrow.end, End::Dropped(_)).then_some("dropped"),
        matches!(arrow.end, End::InFlight).then_some("in-flight"),
        arrow.duplicate.then_some("duplicate"),
        arrow.sent.is_none().then_some("earlier"),
        current.then_some("current"),
    )
}

/// The cross at the end of a dropped message, and the dot at the start of
/// a duplicate.
fn arrow_marks(arrow: &Arrow, (x1, y1, x2, y2): (f64, f64, f64, f64)) -> Html {
    html! {
        <>
            if let End::Dropped(_) = arrow.end {
                <text class="cross" x={format!("{x2:.1}")} y={format!("{y2:.1}")}>{"\u{2715}"}</text>
            }
            if arrow.duplicate {
                <circle class="dup" cx={format!("{x1:.1}")} cy={format!("{y1:.1}")} r="4" />
            }
        </>
    }
}

/// Playing: the arrows that look alike (same family, same state) drawn as
/// one path, so a redraw patches a dozen elements where it rebuilt one per
/// message, with their names and clicks. The window moves on faster than
/// anyone could click an arrow; paused, every arrow is its own button.
fn arrows_playing(diagram: &Diagram) -> Html {
    use std::fmt::Write as _;
    let mut looks: BTreeMap<String, (String, Vec<Html>)> = BTreeMap::new();
    for arrow in &diagram.arrows {
        let at = ends(diagram, arrow);
        let (x1, y1, x2, y2) = at;
        let (d, marks) = looks
            .entry(arrow_class(arrow, diagram.last).to_string())
            .or_default();
        let _ = write!(d, "M{x1:.1},{y1:.1} L{x2:.1},{y2:.1} ");
        if !matches!(arrow.end, End::Dropped(_)) {
            let _ = write!(d, "M{}Z ", head(x1, y1, x2, y2));
        }
        if matches!(arrow.end, End::Dropped(_)) || arrow.duplicate {
            marks.push(arrow_marks(arrow, at));
        }
    }
    looks
        .into_iter()
        .map(|(class, (d, marks))| {
            html! {
                <g {class} aria-hidden="true">
                    <path class="line fused" {d} />
                    { for marks }
                </g>
            }
        })
        .collect::<Html>()
}

/// An arrow, paused: a button that goes to the step it arrived, named for
/// screen readers and with a tooltip.
fn arrow_view(diagram: &Diagram, arrow: &Arrow, on_seek: &Callback<usize>) -> Html {
    let now = diagram.last;
    let at = ends(diagram, arrow);
    let (x1, y1, x2, y2) = at;
    let target = arrow.target_step(now) as usize;
    let name = arrow.name(now);
    let class = arrow_class(arrow, now);
    let onclick = {
        let on_seek = on_seek.clone();
        Callback::from(move |_: MouseEvent| on_seek.emit(target))
    };
    let onkeydown = {
        let on_seek = on_seek.clone();
        Callback::from(move |e: KeyboardEvent| {
            if e.key() == "Enter" || e.key() == " " {
                e.prevent_default();
                on_seek.emit(target);
            }
        })
    };
    let sent = arrow.sent.map_or("earlier".to_owned(), |(step, tick)| {
        format!("step {step} (tick {tick})")
    });
    let end = match arrow.end {
        End::Delivered(step) => format!("arrived at step {step}"),
        End::Dropped(step) => format!("dropped at step {step}"),
        End::InFlight => arrow
            .deliver_tick
            .map_or("still on its way".to_owned(), |t| {
                format!("due at tick {t}")
            }),
    };
    let copy = if arrow.duplicate { ", a duplicate" } else { "" };
    let detail = format!(
        "{} {}\u{2192}{}: {}{copy}; sent {sent}, {end}",
        arrow.id,
        arrow.from,
        arrow.to,
        if arrow.message.is_empty() {
            "message"
        } else {
            &arrow.message
        }
    );
    let line = format!("M{x1:.1},{y1:.1} L{x2:.1},{y2:.1}");
    html! {
        <g key={arrow.id.0.to_string()} {class} role="button" tabindex="0"
            aria-label={name} {onclick} {onkeydown}>
            <title>{ detail }</title>
            <path class="hit" d={line.clone()} />
            <path class="line" d={line} />
            if !matches!(arrow.end, End::Dropped(_)) {
                <polygon class="head" points={head(x1, y1, x2, y2)} />
            }
            { arrow_marks(arrow, at) }
        </g>
    }
}

fn mark_view(diagram: &Diagram, mark: &Mark, playing: bool) -> Html {
    let (x, y) = (diagram.x(mark.step), diagram.y(mark.node));
    let title = (!playing).then(|| format!("{} {} at step {}", mark.node, mark.text, mark.step));
    let shape = match mark.kind {
        MarkKind::Write => html! {
            <polygon points={format!("{:.1},{:.1} {:.1},{:.1} {x:.1},{:.1}", x - 5.0, y - 13.0, x + 5.0, y - 13.0, y - 4.0)} />
        },
        MarkKind::Crash => html! {
            <rect x={format!("{:.1}", x - 5.0)} y={format!("{:.1}", y - 5.0)} width="10" height="10" />
        },
        MarkKind::Restart => html! {
            <circle cx={format!("{x:.1}")} cy={format!("{y:.1}")} r="5" />
        },
        MarkKind::Role => html! {
            <text x={format!("{x:.1}")} y={format!("{:.1}", y - 7.0)}>{ &mark.text }</text>
        },
    };
    html! {
        <g key={format!("{}-{}-{}", mark.node.0, mark.step, mark.kind.class())}
            class={classes!("mark", mark.kind.class())}>
            if let Some(title) = title {
                <title>{ title }</title>
            }
            { shape }
        </g>
    }
}

fn axis(diagram: &Diagram, playing: bool) -> Html {
    let bottom = diagram.height() - AXIS + 10.0;
    let first = diagram.first;
    let every = if diagram.span() > 50 { 10 } else { 5 };
    let ticks = (first..=first + diagram.span()).filter(|s| s % every == 0);
    html! {
        <g class="axis" aria-hidden="true">
            { for ticks.map(|step| {
                let x = format!("{:.1}", diagram.x(step));
                keyed_unless_playing(playing, html! {
                    <g key={step.to_string()}>
                        <line class="grid" x1={x.clone()} x2={x.clone()}
                            y1={format!("{:.1}", TOP - 10.0)} y2={format!("{bottom:.1}")} />
                        <text {x} y={format!("{:.1}", bottom + 14.0)}>{ step }</text>
                    </g>
                })
            }) }
        </g>
    }
}

fn legend(diagram: &Diagram) -> Html {
    let dropped = diagram
        .arrows
        .iter()
        .any(|a| matches!(a.end, End::Dropped(_)));
    let duplicate = diagram.arrows.iter().any(|a| a.duplicate);
    let in_flight = diagram
        .arrows
        .iter()
        .any(|a| matches!(a.end, End::InFlight));
    let marked = |kind: MarkKind| diagram.marks.iter().any(|m| m.kind == kind);
    let (writes, crashes, restarts) = (
        marked(MarkKind::Write),
        marked(MarkKind::Crash),
        marked(MarkKind::Restart),
    );
    html! {
        <ul class="st-legend" aria-label="Legend">
            { for diagram.families().into_iter().map(|family| html! {
                <li class={classes!("st-line", family.class())}>{ family.legend() }</li>
            }) }
            if in_flight { <li class="st-line in-flight">{"in flight"}</li> }
            if dropped { <li class="st-sign drop">{"\u{2715} dropped"}</li> }
            if duplicate { <li class="st-sign">{"\u{25cf} duplicate"}</li> }
            if writes { <li class="st-sign">{"\u{25bc} client write"}</li> }
            if crashes { <li class="st-sign crash">{"\u{25a0} crash"}</li> }
            if restarts { <li class="st-sign restart">{"\u{25cf} restart"}</li> }
        </ul>
    }
}

pub fn panel(slot: &Slot) -> Html {
    let timeline = slot.timeline;
    let position = timeline.position();
    let first = position.saturating_sub(WINDOW);
    let events = slot.events_since(first.saturating_sub(LOOKBACK));
    let world = timeline.world();
    let lanes = world.nodes().iter().map(|n| n.id).collect();
    let diagram = Diagram::build(&events, first as u64, position as u64, world.tick(), lanes);
    html! {
        <SpaceTime diagram={Rc::new(diagram)} on_seek={slot.on_seek.clone()}
            playing={slot.playing} />
    }
}

#[derive(Properties)]
pub struct SpaceTimeProps {
    pub diagram: Rc<Diagram>,
    pub on_seek: Callback<usize>,
    /// Playing, arrows, marks and ticks are patched in place (see
    /// `keyed_unless_playing`).
    pub playing: bool,
}

/// Equal when the diagram is: the page makes a new `on_seek` every render,
/// and an old one seeks the same timeline, so a page redrawn for another
/// reason (a slider, a dialog) leaves the diagram's hundreds of elements
/// alone.
impl PartialEq for SpaceTimeProps {
    fn eq(&self, other: &Self) -> bool {
        self.diagram == other.diagram && self.playing == other.playing
    }
}

#[function_component(SpaceTime)]
fn space_time(props: &SpaceTimeProps) -> Html {
    view(&props.diagram, &props.on_seek, props.playing)
}

fn view(diagram: &Diagram, on_seek: &Callback<usize>, playing: bool) -> Html {
    let height = diagram.height();
    let plot_width = WIDTH - LEFT - RIGHT;
    let band = diagram.step_width().max(3.0);
    let now_x = LEFT + (diagram.last - diagram.first) as f64 * diagram.step_width();
    let label = format!(
        "Messages between the nodes from step {} to step {}",
        diagram.first, diagram.last
    );
    html! {
        <section class="space-time" aria-labelledby="space-time-title" data-testid="space-time">
            <div class="space-time-head">
                <h2 id="space-time-title">{"Space-time"}</h2>
                <p class="note">
                    { format!("Steps {}\u{2013}{}; click an arrow to go to the step it arrived.",
                        diagram.first, diagram.last) }
                </p>
            </div>
            { legend(diagram) }
            <div class="plot">
                <svg viewBox={format!("0 0 {WIDTH} {height:.0}")} role="group" aria-label={label}
                    preserveAspectRatio="xMinYMin meet">
                    if diagram.last > 0 {
                        <rect class="now" x={format!("{:.1}", now_x - band / 2.0)} y="0"
                            width={format!("{band:.1}")} height={format!("{:.1}", height - AXIS + 12.0)} />
                    }
                    <g class="lanes">
                        { for diagram.lanes.iter().map(|&node| {
                            let y = diagram.y(node);
                            html! {
                                <g key={node.0.to_string()}>
                                    <line x1={format!("{LEFT:.1}")} x2={format!("{:.1}", WIDTH - RIGHT)}
                                        y1={format!("{y:.1}")} y2={format!("{y:.1}")} />
                                    <text x="4" y={format!("{:.1}", y + 5.0)}>{ node.to_string() }</text>
                                </g>
                            }
                        }) }
                    </g>
                    // The plot clips what slides out of the window.
                    <svg x={format!("{:.1}", LEFT - PAD)} y="0" width={format!("{:.1}", plot_width + 2.0 * PAD)}
                        height={format!("{height:.1}")} overflow="hidden">
                        <g transform={format!("translate({:.1} 0)", diagram.shift())}>
                            { axis(diagram, playing) }
                            <g class="marks">
                                { for diagram.marks.iter().map(|mark|
                                    keyed_unless_playing(playing, mark_view(diagram, mark, playing))) }
                            </g>
                            <g class="messages">
                                if playing {
                                    { arrows_playing(diagram) }
                                } else {
                                    { for diagram.arrows.iter().map(|arrow|
                                        arrow_view(diagram, arrow, on_seek)) }
                                }
                            </g>
                        </g>
                    </svg>
                </svg>
            </div>
        </section>
    }
}
