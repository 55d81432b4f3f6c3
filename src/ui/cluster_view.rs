//! The cluster as a picture: nodes on a ring with their role, epoch,
//! value and offsets; a link between every pair, dashed red where cut;
//! the messages on the wire along their link, as far along as their
//! send and delivery ticks say; what the last step dropped (✕) or
//! duplicated (×2). A node opens its actions; a link cuts or reconnects;
//! Partition… and Heal all act on the network; the client's write form
//! sits alongside. Every action is an engine input through the slot.

use super::cluster_model::{self, ClusterModel, Dot, DropMark, LinkView, MsgKind};
use super::network_bar::NetworkBar;
use super::node_actions::NodeActions;
use super::partition_dialog::PartitionDialog;
use super::slot::{keyed_unless_playing, Slot};
use super::view::{self, NodeView};
use super::write_form::WriteForm;
use crate::engine::protocol::{ProtocolKind, Role};
use crate::engine::service::ServiceKind;
use crate::engine::{Input, NodeId};
use gloo::events::EventListener;
use std::f64::consts::PI;
use std::rc::Rc;
use wasm_bindgen::JsValue;
use web_sys::Element;
use yew::prelude::*;

pub fn panel(slot: &Slot) -> Html {
    let world = slot.timeline.world();
    let scenario = slot.timeline.scenario();
    html! {
        <section class="cluster-panel" aria-labelledby="cluster-title" data-testid="cluster">
            <ClusterView key={scenario.name.clone()}
                model={Rc::new(cluster_model::of(world))}
                on_input={slot.on_input.clone()}
                service={scenario.service}
                writer={view::writer(world)}
                playing={slot.playing} />
        </section>
    }
}

/// The size of a node's card and of the smallest drawing, in SVG units,
/// and where a card's four lines of text stand (baselines from its top).
#[derive(Clone, Copy, Debug, PartialEq)]
struct Frame {
    width: f64,
    card_w: f64,
    card_h: f64,
    lines: [f64; 4],
    /// The tallest drawing a ring may make while keeping every link clear
    /// of third cards; past it, links may pass under cards.
    clear_links_up_to: f64,
}

/// A projector or laptop: a wide, flat ring.
const WIDE: Frame = Frame {
    width: 940.0,
    card_w: 236.0,
    card_h: 106.0,
    lines: [30.0, 54.0, 77.0, 97.0],
    clear_links_up_to: f64::INFINITY,
};

/// A projector or laptop and six nodes or more: the drawing takes the
/// whole width (the side column goes under it) and the cards are lower, so
/// a ring of ten fits a 1280×720 screen under the toolbar with its text at
/// 0.8 px a unit (18 units: 14 px). Links keep clear of third cards while
/// the ring stays under 760 units tall (up to eight nodes).
const BIG: Frame = Frame {
    width: 1540.0,
    card_w: 236.0,
    card_h: 94.0,
    lines: [27.0, 47.0, 68.0, 87.0],
    clear_links_up_to: 760.0,
};

/// Nodes from which a wide screen draws the `BIG` frame (and a medium
/// one the `MEDIUM` frame).
const BIG_FROM: usize = 6;

/// A window of 700 to 1000 px and six nodes or more: the drawing takes the
/// whole width there, under 1000 px, where the `BIG` frame's 1540 units
/// would shrink card text below 9 px. Narrower cards (room for a
/// twelve-character value) let a ring of ten fit about 1000 units (18-unit
/// text: 11 px at 800 px, where `BIG` gave 9), with links passing under
/// cards past eight nodes as in `BIG`.
const MEDIUM: Frame = Frame {
    width: 940.0,
    card_w: 216.0,
    ..BIG
};

/// From this window width (CSS px) on, the side column may stand beside
/// the drawing and six nodes or more get the `BIG` frame (the `min-width:
/// 1000px` rules of cluster_view.css).
const WIDE_FROM: f64 = 1000.0;

/// A phone held upright: a narrow ring, so the text stays large.
const NARROW: Frame = Frame {
    width: 440.0,
    card_w: 200.0,
    card_h: 106.0,
    lines: [30.0, 54.0, 77.0, 97.0],
    clear_links_up_to: f64::INFINITY,
};

/// Below this window width (CSS px) the narrow drawing is used.
const NARROW_BELOW: f64 = 700.0;

/// Space kept between two cards, and around the drawing.
const GAP: f64 = 14.0;
const MARGIN: f64 = 8.0;

/// The shortest visible link, so a message can be seen on its way.
const MIN_LINK: f64 = 80.0;

/// How long the link from `a` to `b` is outside the two cards.
fn visible_length(a: Point, b: Point, card_w: f64, card_h: f64) -> f64 {
    let (dx, dy) = ((b.0 - a.0).abs(), (b.1 - a.1).abs());
    let len = (dx * dx + dy * dy).sqrt();
    // The fraction of the way that lies inside one card (from its centre).
    let inside = |half: f64, d: f64| if d < 1e-9 { f64::INFINITY } else { half / d };
    let t = inside(card_w / 2.0 + 8.0, dx).min(inside(card_h / 2.0 + 8.0, dy));
    len * (1.0 - 2.0 * t).max(0.0)
}

/// Whether the segment `a`–`b` passes through the `w`×`h` box centred at `c`.
fn crosses(a: Point, b: Point, c: Point, w: f64, h: f64) -> bool {
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    let d = (b.0 - a.0, b.1 - a.1);
    for (p, q) in [
        (-d.0, a.0 - (c.0 - w / 2.0)),
        (d.0, (c.0 + w / 2.0) - a.0),
        (-d.1, a.1 - (c.1 - h / 2.0)),
        (d.1, (c.1 + h / 2.0) - a.1),
    ] {
        if p.abs() < 1e-12 {
            if q < 0.0 {
                return false;
            }
        } else {
            let r = q / p;
            if p < 0.0 {
                t0 = t0.max(r);
            } else {
                t1 = t1.min(r);
            }
        }
    }
    t0 <= t1
}

/// How far a message's lane sits beside its link, so the two directions
/// do not overlap.
const LANE: f64 = 9.0;

/// Half the width of the strip that takes a link's clicks.
const HIT: f64 = 14.0;

type Point = (f64, f64);

/// Where the cards go: on an ellipse as flat as the cards allow without
/// touching, widened only when they cannot fit, then cropped to the cards.
#[derive(Clone, Debug, PartialEq)]
struct Layout {
    width: f64,
    height: f64,
    card_w: f64,
    card_h: f64,
    /// Baselines of a card's lines, from its top.
    lines: [f64; 4],
    centers: Vec<Point>,
}

impl Layout {
    fn new(frame: Frame, count: usize) -> Layout {
        let (card_w, card_h) = (frame.card_w, frame.card_h);
        let ring = |rx: f64, ry: f64| -> Vec<Point> {
            (0..count)
                .map(|i| {
                    let angle = -PI / 2.0 + 2.0 * PI * i as f64 / count as f64;
                    (rx * angle.cos(), ry * angle.sin())
                })
                .collect()
        };
        // Cards must not touch, every link must be long enough to watch a
        // message travel, and (when `clear`) no link may run under a third
        // card.
        let apart = |points: &[Point], clear: bool| {
            let pairs = || (0..count).flat_map(move |i| (i + 1..count).map(move |j| (i, j)));
            pairs().all(|(i, j)| {
                let (a, b) = (points[i], points[j]);
                let separate =
                    (a.0 - b.0).abs() >= card_w + GAP || (a.1 - b.1).abs() >= card_h + GAP;
                separate
                    && visible_length(a, b, card_w, card_h) >= MIN_LINK
                    && (!clear
                        || (0..count).all(|k| {
                            k == i
                                || k == j
                                || !crosses(a, b, points[k], card_w + GAP, card_h + GAP)
                        }))
            })
        };
        let mut width = frame.width;
        let points = 'search: loop {
            let rx = if count > 1 {
                width / 2.0 - card_w / 2.0 - MARGIN
            } else {
                0.0
            };
            // A ring this tall or less keeps links clear of third cards.
            let clear_up_to = (frame.clear_links_up_to - card_h - 2.0 * MARGIN) / 2.0;
            for clear in [true, false] {
                let mut ry = (card_h + GAP) / 2.0;
                while ry <= 4.0 * card_h && (!clear || ry <= clear_up_to) {
                    let points = ring(rx, ry);
                    if apart(&points, clear) {
                        break 'search points;
                    }
                    ry += 4.0;
                }
                if frame.clear_links_up_to.is_infinite() {
                    break;
                }
            }
            if width > 4.0 * frame.width {
                break ring(rx, 4.0 * card_h); // never reached for a sane count
            }
            width += 20.0;
        };
        let min_x = points.iter().map(|p| p.0).fold(f64::INFINITY, f64::min);
        let max_x = points.iter().map(|p| p.0).fold(f64::NEG_INFINITY, f64::max);
        let min_y = points.iter().map(|p| p.1).fold(f64::INFINITY, f64::min);
        let max_y = points.iter().map(|p| p.1).fold(f64::NEG_INFINITY, f64::max);
        let (left, top) = (min_x - card_w / 2.0 - MARGIN, min_y - card_h / 2.0 - MARGIN);
        let width = (max_x - min_x + card_w + 2.0 * MARGIN).max(frame.width);
        // Centre horizontally when the cards take less than the frame.
        let extra = (width - (max_x - min_x + card_w + 2.0 * MARGIN)) / 2.0;
        Layout {
            width,
            height: max_y - min_y + card_h + 2.0 * MARGIN,
            card_w,
            card_h,
            lines: frame.lines,
            centers: points
                .iter()
                .map(|p| (p.0 - left + extra, p.1 - top))
                .collect(),
        }
    }

    /// Where the line from `from` to `toward` leaves the card at `from`.
    fn exit(&self, from: Point, toward: Point) -> Point {
        let (dx, dy) = (toward.0 - from.0, toward.1 - from.1);
        let pad = 8.0;
        let along = |half: f64, d: f64| {
            if d.abs() < 1e-9 {
                f64::INFINITY
            } else {
                (half + pad) / d.abs()
            }
        };
        let t = along(self.card_w / 2.0, dx)
            .min(along(self.card_h / 2.0, dy))
            .min(0.45);
        (from.0 + dx * t, from.1 + dy * t)
    }
}

/// The visible part of the link from `a` to `b`, and the unit normal on
/// the side messages from `a` to `b` travel.
struct Segment {
    p: Point,
    q: Point,
    normal: Point,
}

impl Segment {
    fn between(layout: &Layout, a: Point, b: Point) -> Segment {
        let (p, q) = (layout.exit(a, b), layout.exit(b, a));
        let (dx, dy) = (q.0 - p.0, q.1 - p.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        Segment {
            p,
            q,
            normal: (-dy / len, dx / len),
        }
    }

    /// The point `t` of the way along, moved `side` units off the line.
    fn at(&self, t: f64, side: f64) -> Point {
        (
            self.p.0 + (self.q.0 - self.p.0) * t + self.normal.0 * side,
            self.p.1 + (self.q.1 - self.p.1) * t + self.normal.1 * side,
        )
    }
}

/// Where the visible link `a` crosses `b`: the fraction of the way along
/// `a`, and how much of `a` (as a fraction, either side) lies where the two
/// click strips overlap. `None` when they do not cross.
fn crossing(a: &Segment, b: &Segment) -> Option<(f64, f64)> {
    let cross = |u: Point, v: Point| u.0 * v.1 - u.1 * v.0;
    let (da, db) = (
        (a.q.0 - a.p.0, a.q.1 - a.p.1),
        (b.q.0 - b.p.0, b.q.1 - b.p.1),
    );
    let (la, lb) = (da.0.hypot(da.1), db.0.hypot(db.1));
    let denom = cross(da, db);
    if denom.abs() < 1e-9 * la * lb {
        return None; // parallel
    }
    let w = (b.p.0 - a.p.0, b.p.1 - a.p.1);
    let (t, u) = (cross(w, db) / denom, cross(w, da) / denom);
    if !(0.0..=1.0).contains(&t) || !(0.0..=1.0).contains(&u) {
        return None;
    }
    let (sin, cos) = (
        denom.abs() / (la * lb),
        (da.0 * db.0 + da.1 * db.1).abs() / (la * lb),
    );
    // Two strips of half-width HIT crossing at an angle overlap in a
    // rhombus; its reach along `a` either side of the crossing, and a
    // little more.
    let reach = HIT * (1.0 + cos) / sin + 4.0;
    Some((t, (reach / la).min(0.25)))
}

/// The parts of `0..1` along a link outside `cuts` (crossings as
/// `(t, half)`), leaving out scraps shorter than `min`.
fn pieces(cuts: &[(f64, f64)], min: f64) -> Vec<(f64, f64)> {
    let mut cuts: Vec<(f64, f64)> = cuts.iter().map(|&(t, h)| (t - h, t + h)).collect();
    crate::engine::sort::sort_by(&mut cuts, |x, y| x.0.total_cmp(&y.0).is_lt());
    let mut out = Vec::new();
    let mut from = 0.0_f64;
    for (start, end) in cuts {
        if start - from >= min {
            out.push((from, start));
        }
        from = from.max(end);
    }
    if 1.0 - from >= min {
        out.push((from, 1.0));
    }
    out
}

fn fmt(value: f64) -> String {
    format!("{value:.1}")
}

/// At most `max` characters; the rest becomes an ellipsis.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut short: String = text.chars().take(max.saturating_sub(1)).collect();
    short.push('\u{2026}');
    short
}

/// The shape of a message kind at `(x, y)`: colour alone never tells the
/// kinds apart.
pub fn shape(kind: MsgKind, x: f64, y: f64) -> Html {
    let class = classes!("shape", kind.class());
    match kind {
        MsgKind::Records | MsgKind::Command => html! {
            <rect {class} x={fmt(x - 8.0)} y={fmt(y - 8.0)} width="16" height="16" rx="2" />
        },
        MsgKind::Heartbeat => html! {
            <circle {class} cx={fmt(x)} cy={fmt(y)} r="6" />
        },
        MsgKind::Ack | MsgKind::Refuse => html! {
            <circle {class} cx={fmt(x)} cy={fmt(y)} r="8" />
        },
        MsgKind::Fetch => html! {
            <polygon {class} points={format!("{},{} {},{} {},{}",
                fmt(x), fmt(y - 10.0), fmt(x + 9.0), fmt(y + 7.0), fmt(x - 9.0), fmt(y + 7.0))} />
        },
        MsgKind::Propose | MsgKind::Promise => html! {
            <polygon {class} points={format!("{},{} {},{} {},{} {},{}",
                fmt(x), fmt(y - 10.0), fmt(x + 10.0), fmt(y), fmt(x), fmt(y + 10.0), fmt(x - 10.0), fmt(y))} />
        },
    }
}

/// Puts focus on an element, SVG ones included.
fn focus(element: &Element) {
    if let Ok(focus) = js_sys::Reflect::get(element, &JsValue::from_str("focus")) {
        if let Some(focus) = wasm_bindgen::JsCast::dyn_ref::<js_sys::Function>(&focus) {
            let _ = focus.call0(element);
        }
    }
}

/// How wide the window is, as far as the drawing is concerned.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WindowWidth {
    /// Below `NARROW_BELOW`: a phone held upright.
    Narrow,
    /// Up to `WIDE_FROM`: the drawing takes the whole width.
    Medium,
    /// A laptop or projector: the side column may stand beside it.
    Wide,
}

fn window_width() -> WindowWidth {
    let width = web_sys::window()
        .and_then(|w| w.inner_width().ok())
        .and_then(|w| w.as_f64());
    match width {
        Some(w) if w < NARROW_BELOW => WindowWidth::Narrow,
        Some(w) if w < WIDE_FROM => WindowWidth::Medium,
        _ => WindowWidth::Wide,
    }
}

/// Who does what, in one line.
fn cast(protocol: ProtocolKind) -> &'static str {
    match protocol {
        ProtocolKind::ActiveActive => "r0 is the sequencer; the others are replicas.",
        ProtocolKind::Broadcast => "r0 forwards every command; there is no shared log.",
        ProtocolKind::PrimaryBackup => {
            "The primary executes commands and ships its log to the backups."
        }
    }
}

/// Enter or Space activates, as on a button.
fn activates(e: &KeyboardEvent) -> bool {
    matches!(e.key().as_str(), "Enter" | " " | "Spacebar")
}

#[derive(Properties, PartialEq)]
pub struct ClusterViewProps {
    pub model: Rc<ClusterModel>,
    pub on_input: Callback<Input>,
    pub service: ServiceKind,
    pub writer: Option<(NodeId, Role)>,
    /// Playing, the messages on the wire are patched in place (see
    /// `keyed_unless_playing`).
    pub playing: bool,
}

fn node_card(
    node: &NodeView,
    protocol: ProtocolKind,
    center: Point,
    layout: &Layout,
    open: bool,
    on_activate: Callback<NodeId>,
    on_escape: Callback<()>,
) -> Html {
    let id = node.id;
    let (x0, y0) = (
        center.0 - layout.card_w / 2.0,
        center.1 - layout.card_h / 2.0,
    );
    let right = x0 + layout.card_w - 14.0;
    let left = x0 + 14.0;
    let health = if node.up { "up" } else { "down" };
    let onclick = {
        let on_activate = on_activate.clone();
        Callback::from(move |_: MouseEvent| on_activate.emit(id))
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if activates(&e) {
            e.prevent_default();
            on_activate.emit(id);
        } else if e.key() == "Escape" {
            on_escape.emit(());
        }
    });
    let value_line = if !node.up {
        html! {
            <text class="value quiet" x={fmt(left)} y={fmt(y0 + layout.lines[2])}>{"log kept on disk"}</text>
        }
    } else if node.runs_service {
        html! {
            <text class="value" x={fmt(left)} y={fmt(y0 + layout.lines[2])}>
                {"value "}
                <tspan class="number" data-testid={format!("value-{id}")}>
                    { clip(&node.value, 12) }</tspan>
            </text>
        }
    } else {
        let what = match node.role {
            Role::Broadcaster => "forwards commands",
            _ => "orders the log",
        };
        html! { <text class="value quiet" x={fmt(left)} y={fmt(y0 + layout.lines[2])}>{ what }</text> }
    };
    let offsets_line = if !node.up {
        html! {
            <text class="offsets" x={fmt(left)} y={fmt(y0 + layout.lines[3])}>
                {"log end "}
                <tspan data-testid={format!("end-{id}")}>{ node.log_end }</tspan>
            </text>
        }
    } else if node.runs_service {
        html! {
            <text class="offsets" x={fmt(left)} y={fmt(y0 + layout.lines[3])}>
                {"applied "}
                <tspan data-testid={format!("applied-{id}")}>{ node.applied_offset }</tspan>
                {" \u{b7} end "}
                <tspan data-testid={format!("end-{id}")}>{ node.log_end }</tspan>
            </text>
        }
    } else {
        html! {
            <text class="offsets" x={fmt(left)} y={fmt(y0 + layout.lines[3])}>
                {"commit "}{ node.commit_offset }
                {" \u{b7} end "}
                <tspan data-testid={format!("end-{id}")}>{ node.log_end }</tspan>
            </text>
        }
    };
    let summary = if node.up {
        format!(
            "{id}: {}{}. Applied {}, log end {}. Activate for its actions.",
            node.role_text(),
            if node.runs_service {
                format!(", value {}", node.value)
            } else {
                String::new()
            },
            node.applied_offset,
            node.log_end,
        )
    } else {
        format!(
            "{id} is down: its state is lost, its log (end {}) is kept. Activate for its actions.",
            node.log_end
        )
    };
    html! {
        <g class={classes!("node", health, node.leads().then_some("leads"),
                (node.role == Role::Candidate).then_some("candidate"), open.then_some("open"))}
            role="button" tabindex="0" aria-label={node.name(protocol)}
            aria-expanded={open.to_string()} data-testid={format!("node-{id}")}
            data-health={health} {onclick} {onkeydown}>
            <title>{ summary }</title>
            <rect class="card" x={fmt(x0)} y={fmt(y0)} width={fmt(layout.card_w)}
                height={fmt(layout.card_h)} rx="14" />
            <text class="id" x={fmt(left)} y={fmt(y0 + layout.lines[0])}>{ id.to_string() }</text>
            if node.up {
                <text class="health up" x={fmt(right)} y={fmt(y0 + layout.lines[0] - 3.0)} text-anchor="end"
                    data-testid={format!("health-{id}")}>{"up"}</text>
            } else {
                <rect class="health-pill" x={fmt(right - 62.0)} y={fmt(y0 + layout.lines[0] - 22.0)} width="66"
                    height="26" rx="13" />
                <text class="health down" x={fmt(right - 29.0)} y={fmt(y0 + layout.lines[0] - 3.0)}
                    text-anchor="middle" data-testid={format!("health-{id}")}>{"down"}</text>
            }
            <text class="role" x={fmt(left)} y={fmt(y0 + layout.lines[1])}
                data-testid={format!("role-{id}")}>{ node.role_text() }</text>
            { value_line }
            { offsets_line }
        </g>
    }
}

/// The visible wire of a link: grey, or dashed red on each cut direction.
fn wire(link: &LinkView, segment: &Segment) -> Html {
    let line = |class: Classes, side: f64| {
        let (p, q) = (segment.at(0.0, side), segment.at(1.0, side));
        html! {
            <line {class} x1={fmt(p.0)} y1={fmt(p.1)} x2={fmt(q.0)} y2={fmt(q.1)} />
        }
    };
    // An arrowhead at the receiving end of a cut direction.
    let arrow = |forward: bool| {
        let (tip_t, side) = if forward { (1.0, LANE) } else { (0.0, -LANE) };
        let tip = segment.at(tip_t, side);
        let (dx, dy) = (segment.q.0 - segment.p.0, segment.q.1 - segment.p.1);
        let len = (dx * dx + dy * dy).sqrt().max(1e-9);
        let dir = if forward {
            (dx / len, dy / len)
        } else {
            (-dx / len, -dy / len)
        };
        let base = (tip.0 - dir.0 * 16.0, tip.1 - dir.1 * 16.0);
        let (nx, ny) = (-dir.1 * 7.0, dir.0 * 7.0);
        html! {
            <polygon class="cut-arrow" points={format!("{},{} {},{} {},{}",
                fmt(tip.0), fmt(tip.1), fmt(base.0 + nx), fmt(base.1 + ny),
                fmt(base.0 - nx), fmt(base.1 - ny))} />
        }
    };
    let key = link.key();
    html! {
        <g key={key.clone()} class="wire-group" data-testid={format!("wire-{key}")}>
            { match (link.cut_ab, link.cut_ba) {
                (false, false) => line(classes!("wire"), 0.0),
                (true, true) => line(classes!("wire", "cut"), 0.0),
                (ab, _) => html! {
                    <>
                        { line(classes!("wire"), 0.0) }
                        { line(classes!("wire", "cut", "one-way"), if ab { LANE } else { -LANE }) }
                        { arrow(ab) }
                    </>
                },
            } }
        </g>
    }
}

/// The wide, invisible, focusable strip that toggles a link, broken where
/// other links cross it, so a click where two cross toggles neither rather
/// than whichever was drawn last. Its tooltip
/// lists what is on the wire (the drawn messages take no clicks); not
/// while playing, when the list would be rewritten every redraw and gone
/// before it could be read.
fn link_hit(
    link: &LinkView,
    segment: &Segment,
    model: &ClusterModel,
    on_link: Callback<LinkView>,
    playing: bool,
    cuts: &[(f64, f64)],
) -> Html {
    let on_this =
        |from: NodeId, to: NodeId| (from, to) == (link.a, link.b) || (from, to) == (link.b, link.a);
    let mut wire: Vec<String> = model
        .dots
        .iter()
        .filter(|d| !playing && on_this(d.from, d.to))
        .map(|d| {
            format!(
                "\n{} {}\u{2192}{}: {} (arrives tick {}){}",
                d.id,
                d.from,
                d.to,
                d.label,
                d.deliver_tick,
                if d.duplicated { ", duplicated" } else { "" }
            )
        })
        .collect();
    wire.extend(
        model
            .drops
            .iter()
            .filter(|m| !playing && on_this(m.from, m.to))
            .map(|m| format!("\n{} {}\u{2192}{} dropped: {}", m.id, m.from, m.to, m.why)),
    );
    let state = match (link.cut_ab, link.cut_ba) {
        (false, false) => "works; activate to cut it both ways".to_owned(),
        (true, true) => "is cut both ways; activate to reconnect it".to_owned(),
        (true, false) => format!(
            "is cut from {} to {}; activate to reconnect it",
            link.a, link.b
        ),
        (false, true) => format!(
            "is cut from {} to {}; activate to reconnect it",
            link.b, link.a
        ),
    };
    let key = link.key();
    let this = *link;
    let onclick = {
        let on_link = on_link.clone();
        Callback::from(move |_: MouseEvent| on_link.emit(this))
    };
    let onkeydown = Callback::from(move |e: KeyboardEvent| {
        if activates(&e) {
            e.prevent_default();
            on_link.emit(this);
        }
    });
    // Strips, not a stroked line: a level line has no height, and a shape
    // without area is neither visible to tests nor easy to hit.
    let length = (segment.q.0 - segment.p.0).hypot(segment.q.1 - segment.p.1);
    let mut parts = pieces(cuts, 12.0 / length.max(1.0));
    if parts.is_empty() {
        parts.push((0.0, 1.0));
    }
    let d: String = parts
        .iter()
        .map(|&(t0, t1)| {
            let corners = [
                segment.at(t0, HIT),
                segment.at(t1, HIT),
                segment.at(t1, -HIT),
                segment.at(t0, -HIT),
            ];
            let points: Vec<String> = corners
                .iter()
                .map(|(x, y)| format!("{},{}", fmt(*x), fmt(*y)))
                .collect();
            format!("M{}Z", points.join(" "))
        })
        .collect();
    html! {
        <g key={key.clone()} class={classes!("link", link.is_cut().then_some("cut"))}
            role="button" tabindex="0" aria-label={link.name()}
            aria-pressed={link.is_cut().to_string()}
            data-testid={format!("link-{key}")} {onclick} {onkeydown}>
            <title>{ format!("{}\u{2013}{} {state}.{}", link.a, link.b, wire.concat()) }</title>
            <path class="hit" {d} />
        </g>
    }
}

fn dot(dot: &Dot, segment: &Segment, forward: bool) -> Html {
    // Segments run from the lower id to the higher: flip for the way back.
    let t = if forward {
        dot.progress
    } else {
        1.0 - dot.progress
    };
    let side = if forward { LANE } else { -LANE };
    let (x, y) = segment.at(t, side);
    html! {
        <g key={dot.id.clone()} class={classes!("msg", dot.kind.class())}
            data-testid={format!("msg-{}", dot.id)}>
            { shape(dot.kind, x, y) }
            if dot.duplicated {
                // Beside its lane, away from the cards at either end.
                { {
                    let (bx, by) = segment.at(t.clamp(0.15, 0.85), side * 3.2);
                    html! {
                        <>
                            <rect class="dup-bg" x={fmt(bx - 15.0)} y={fmt(by - 11.0)}
                                width="30" height="22" rx="5" />
                            <text class="dup" x={fmt(bx)} y={fmt(by + 6.0)}
                                text-anchor="middle">{"\u{d7}2"}</text>
                        </>
                    }
                } }
            }
        </g>
    }
}

fn drop_mark(mark: &DropMark, segment: &Segment, forward: bool) -> Html {
    let along = if mark.at_send { 0.12 } else { 0.88 };
    let t = if forward { along } else { 1.0 - along };
    let side = if forward { LANE } else { -LANE };
    let (x, y) = segment.at(t, side);
    html! {
        <g key={mark.id.clone()} class="drop" data-testid={format!("drop-{}-{}", mark.from, mark.to)}>
            <circle class="drop-bg" cx={fmt(x)} cy={fmt(y)} r="13" />
            <path class="drop-x" d={format!("M{} {} L{} {} M{} {} L{} {}",
                fmt(x - 7.0), fmt(y - 7.0), fmt(x + 7.0), fmt(y + 7.0),
                fmt(x - 7.0), fmt(y + 7.0), fmt(x + 7.0), fmt(y - 7.0))} />
        </g>
    }
}

fn legend(protocol: ProtocolKind) -> Html {
    let swatch = |body: Html| {
        html! {
            <svg class="swatch" viewBox="-14 -14 28 28" aria-hidden="true" focusable="false">
                { body }
            </svg>
        }
    };
    html! {
        <ul class="legend" aria-label="Legend">
            { for MsgKind::of_protocol(protocol).iter().map(|&kind| html! {
                <li key={kind.class()}>{ swatch(shape(kind, 0.0, 0.0)) }{ kind.label() }</li>
            }) }
            <li>{ swatch(html! { <>
                <circle class="drop-bg" cx="0" cy="0" r="12" />
                <path class="drop-x" d="M-6 -6 L6 6 M-6 6 L6 -6" />
            </> }) }{"dropped"}</li>
            <li><span class="dup-key">{"\u{d7}2"}</span>{"duplicated"}</li>
            <li>{ swatch(html! { <line class="wire cut" x1="-13" y1="0" x2="13" y2="0" /> }) }
                {"cut link"}</li>
        </ul>
    }
}

/// Inline style placing a node's actions beside its card, in % of the figure.
fn popover_style(layout: &Layout, center: Point) -> String {
    let (x, y) = center;
    let (hw, hh) = (layout.card_w / 2.0, layout.card_h / 2.0);
    let (left, shift_x) = if x < layout.width / 3.0 {
        (x - hw, 0)
    } else if x > layout.width * 2.0 / 3.0 {
        (x + hw, -100)
    } else {
        (x, -50)
    };
    let (top, shift_y) = if y > layout.height * 0.6 {
        (y - hh - 6.0, -100)
    } else {
        (y + hh + 6.0, 0)
    };
    format!(
        "left:{:.2}%;top:{:.2}%;transform:translate({shift_x}%,{shift_y}%)",
        left / layout.width * 100.0,
        top / layout.height * 100.0
    )
}

#[function_component(ClusterView)]
pub fn cluster_view(props: &ClusterViewProps) -> Html {
    let model = &props.model;
    let open = use_state(|| None::<NodeId>);
    let partitioning = use_state(|| false);
    let target = use_state(|| None::<NodeId>);
    let write_focus = use_state(|| 0u32);
    let window = use_state(window_width);
    let svg = use_node_ref();
    let partition_button = use_node_ref();
    {
        let window = window.clone();
        use_effect_with((), move |_| {
            let listener = web_sys::window().map(|target| {
                EventListener::new(&target, "resize", move |_| {
                    let now = window_width();
                    if now != *window {
                        window.set(now);
                    }
                })
            });
            move || drop(listener)
        });
    }
    // The ring search tries many shapes: once per size, not every redraw.
    let narrow = *window == WindowWidth::Narrow;
    // Six nodes or more: the lower cards of `BIG` and `MEDIUM` (their
    // smaller type, and on a wide window the whole width).
    let big = !narrow && model.nodes.len() >= BIG_FROM;
    let layout = use_memo((*window, model.nodes.len()), |&(window, count)| {
        let frame = match window {
            WindowWidth::Narrow => NARROW,
            WindowWidth::Wide if count >= BIG_FROM => BIG,
            WindowWidth::Medium if count >= BIG_FROM => MEDIUM,
            _ => WIDE,
        };
        Layout::new(frame, count)
    });
    let layout: &Layout = &layout;
    let centers = &layout.centers;
    let center_of = |id: NodeId| {
        model
            .nodes
            .iter()
            .position(|n| n.id == id)
            .map(|i| centers[i])
    };
    let segment = |a: NodeId, b: NodeId| -> Option<Segment> {
        Some(Segment::between(layout, center_of(a)?, center_of(b)?))
    };
    // Gives focus back to a node's card (after Escape).
    let focus_node = {
        let svg = svg.clone();
        move |id: NodeId| {
            if let Some(root) = svg.cast::<Element>() {
                if let Ok(Some(node)) = root.query_selector(&format!("[data-testid=node-{id}]")) {
                    focus(&node);
                }
            }
        }
    };
    let on_activate = {
        let open = open.clone();
        Callback::from(move |id: NodeId| {
            open.set(if *open == Some(id) { None } else { Some(id) });
        })
    };
    let on_escape = {
        let (open, focus_node) = (open.clone(), focus_node.clone());
        Callback::from(move |()| {
            if let Some(id) = *open {
                open.set(None);
                focus_node(id);
            }
        })
    };
    let on_link = {
        let on_input = props.on_input.clone();
        Callback::from(move |link: LinkView| on_input.emit(cluster_model::toggle_link(&link)))
    };
    let wires = model
        .links
        .iter()
        .filter_map(|link| Some(wire(link, &segment(link.a, link.b)?)));
    let segments: Vec<Option<Segment>> = model
        .links
        .iter()
        .map(|link| segment(link.a, link.b))
        .collect();
    let hits = model.links.iter().zip(&segments).filter_map(|(link, own)| {
        let own = own.as_ref()?;
        let cuts: Vec<(f64, f64)> = segments
            .iter()
            .flatten()
            .filter(|other| !std::ptr::eq(*other, own))
            .filter_map(|other| crossing(own, other))
            .collect();
        Some(link_hit(
            link,
            own,
            model,
            on_link.clone(),
            props.playing,
            &cuts,
        ))
    });
    let dots = model.dots.iter().filter_map(|d| {
        let (a, b) = (d.from.min(d.to), d.from.max(d.to));
        Some(keyed_unless_playing(
            props.playing,
            dot(d, &segment(a, b)?, d.from < d.to),
        ))
    });
    let drops = model.drops.iter().filter_map(|m| {
        let (a, b) = (m.from.min(m.to), m.from.max(m.to));
        Some(keyed_unless_playing(
            props.playing,
            drop_mark(m, &segment(a, b)?, m.from < m.to),
        ))
    });
    let cards = model.nodes.iter().zip(centers).map(|(node, &center)| {
        html! {
            <g key={node.id.to_string()}>
                { node_card(node, model.protocol, center, layout, *open == Some(node.id),
                    on_activate.clone(), on_escape.clone()) }
            </g>
        }
    });
    let actions = (*open).and_then(|id| {
        let index = model.nodes.iter().position(|n| n.id == id)?;
        let node = model.nodes[index].clone();
        let style = if narrow {
            String::new()
        } else {
            popover_style(layout, centers[index])
        };
        let on_send_write = {
            let (open, target, write_focus) = (open.clone(), target.clone(), write_focus.clone());
            Callback::from(move |()| {
                target.set(Some(id));
                write_focus.set(*write_focus + 1);
                open.set(None);
            })
        };
        Some(html! {
            <NodeActions {node} style={style}
                class={classes!(if narrow { "inline" } else { "popover" })}
                on_input={props.on_input.clone()} {on_send_write}
                on_close={on_escape.clone()} />
        })
    });
    let dialog = (*partitioning).then(|| {
        let on_close = {
            let (partitioning, button) = (partitioning.clone(), partition_button.clone());
            Callback::from(move |()| {
                partitioning.set(false);
                if let Some(button) = button.cast::<web_sys::HtmlElement>() {
                    let _ = button.focus();
                }
            })
        };
        html! {
            <PartitionDialog nodes={model.nodes.iter().map(|n| n.id).collect::<Vec<_>>()}
                first={props.writer.map(|(id, _)| id)}
                on_apply={props.on_input.clone()} {on_close} />
        }
    });
    let on_heal = {
        let on_input = props.on_input.clone();
        Callback::from(move |()| on_input.emit(Input::Heal))
    };
    let on_partition = {
        let partitioning = partitioning.clone();
        Callback::from(move |()| partitioning.set(true))
    };
    let on_target = {
        let target = target.clone();
        Callback::from(move |node: Option<NodeId>| target.set(node))
    };
    let nodes: Vec<(NodeId, Role)> = model.nodes.iter().map(|n| (n.id, n.role)).collect();
    html! {
        // Five nodes or more make a tall ring: on a short screen the side
        // column gives up its cast line (see cluster_view.css).
        <div class={classes!("cluster", if narrow { "narrow" } else { "wide" },
                (model.nodes.len() >= 5).then_some("crowded"), big.then_some("big"))}>
            <h2 id="cluster-title" class="visually-hidden">{"Cluster"}</h2>
            <div class="cluster-figure">
                <div class="cluster-drawing">
                    <svg ref={svg} viewBox={format!("0 0 {} {}", layout.width, layout.height)}
                        role="group" aria-label="Nodes and links" data-testid="cluster-svg">
                        <g class="wires" aria-hidden="true">{ for wires }</g>
                        <g class="cards">{ for cards }</g>
                        <g class="hits">{ for hits }</g>
                        <g class="dots" aria-hidden="true">{ for dots }</g>
                        <g class="drops" aria-hidden="true">{ for drops }</g>
                    </svg>
                    { actions.unwrap_or_default() }
                </div>
                { legend(model.protocol) }
            </div>
            <div class="cluster-side">
                <p class="note cast">
                    { cast(model.protocol) }
                    {" Click a node for its actions, a link to cut or reconnect it."}
                </p>
                <NetworkBar cut={model.cut.clone()} {on_heal} {on_partition}
                    partition_ref={partition_button.clone()} />
                <WriteForm on_input={props.on_input.clone()} service={props.service}
                    writer={props.writer} {nodes} target={*target} {on_target}
                    focus={*write_focus} />
            </div>
            { dialog.unwrap_or_default() }
        </div>
    }
}
