//! What the cluster view draws, as plain values: the nodes, every link
//! and whether it is cut, the messages on the wire with how far along they
//! are, and what the last step dropped or duplicated. Built from counters
//! and the network only, never by walking a log.

use super::view::{self, NodeView};
use crate::engine::network::InFlight;
use crate::engine::protocol::{Message, ProtocolKind};
use crate::engine::trace::DropReason;
use crate::engine::{Input, NodeId, TraceKind, World};
use std::collections::BTreeSet;

/// A kind of message, for its colour and shape and the legend.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum MsgKind {
    /// Records on their way to a replica (replicate, append).
    Records,
    /// An empty append or replicate: "I am still the leader".
    Heartbeat,
    /// "I hold it": ack, ok.
    Ack,
    /// "No": a refused append or a refused vote.
    Refuse,
    /// "Send me what I miss".
    Fetch,
    /// A candidate asks for votes.
    Propose,
    /// A vote for a candidate.
    Promise,
    /// An unordered broadcast command.
    Command,
}

impl MsgKind {
    pub fn of(message: &Message) -> MsgKind {
        match message {
            Message::Replicate { records, .. } | Message::Append { records, .. } => {
                if records.is_empty() {
                    MsgKind::Heartbeat
                } else {
                    MsgKind::Records
                }
            }
            Message::Ack { .. } | Message::AppendReply { ok: true, .. } => MsgKind::Ack,
            Message::AppendReply { ok: false, .. } | Message::Promise { granted: false, .. } => {
                MsgKind::Refuse
            }
            Message::Fetch { .. } => MsgKind::Fetch,
            Message::Propose { .. } => MsgKind::Propose,
            Message::Promise { granted: true, .. } => MsgKind::Promise,
            Message::Command { .. } => MsgKind::Command,
        }
    }

    /// CSS class: colour and shape come from the stylesheet.
    pub fn class(self) -> &'static str {
        match self {
            MsgKind::Records => "records",
            MsgKind::Heartbeat => "heartbeat",
            MsgKind::Ack => "ack",
            MsgKind::Refuse => "refuse",
            MsgKind::Fetch => "fetch",
            MsgKind::Propose => "propose",
            MsgKind::Promise => "promise",
            MsgKind::Command => "command",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            MsgKind::Records => "log records",
            MsgKind::Heartbeat => "heartbeat",
            MsgKind::Ack => "ack",
            MsgKind::Refuse => "refusal",
            MsgKind::Fetch => "fetch",
            MsgKind::Propose => "vote request",
            MsgKind::Promise => "vote",
            MsgKind::Command => "command",
        }
    }

    /// The kinds a protocol sends, for the legend.
    pub fn of_protocol(protocol: ProtocolKind) -> &'static [MsgKind] {
        match protocol {
            ProtocolKind::ActiveActive => &[
                MsgKind::Records,
                MsgKind::Heartbeat,
                MsgKind::Ack,
                MsgKind::Fetch,
            ],
            ProtocolKind::PrimaryBackup => &[
                MsgKind::Records,
                MsgKind::Heartbeat,
                MsgKind::Ack,
                MsgKind::Refuse,
                MsgKind::Propose,
                MsgKind::Promise,
            ],
            ProtocolKind::Broadcast => &[MsgKind::Command],
        }
    }
}

/// A message on the wire, placed along its link.
#[derive(Clone, Debug, PartialEq)]
pub struct Dot {
    pub id: String,
    pub from: NodeId,
    pub to: NodeId,
    pub kind: MsgKind,
    pub label: String,
    /// 0 at the sender, 1 at the receiver: (now − sent) / (deliver − sent).
    pub progress: f64,
    pub deliver_tick: u64,
    /// The network copied it in the last step (this is the original or the copy).
    pub duplicated: bool,
}

impl Dot {
    fn of(message: &InFlight, now: u64, duplicated: &BTreeSet<u64>) -> Dot {
        let span = message.deliver_tick.saturating_sub(message.sent_tick);
        let progress = if span == 0 {
            0.5
        } else {
            (now.saturating_sub(message.sent_tick) as f64 / span as f64).clamp(0.0, 1.0)
        };
        Dot {
            id: message.id.to_string(),
            from: message.from,
            to: message.to,
            kind: MsgKind::of(&message.message),
            label: message.message.to_string(),
            progress,
            deliver_tick: message.deliver_tick,
            duplicated: duplicated.contains(&message.id.0),
        }
    }
}

/// A message the last step dropped.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DropMark {
    pub id: String,
    pub from: NodeId,
    pub to: NodeId,
    /// Dropped as it was sent (a cut link, or lost on the way out), not on arrival.
    pub at_send: bool,
    pub why: &'static str,
}

/// The link between two nodes (`a` < `b`), and which ways are cut.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LinkView {
    pub a: NodeId,
    pub b: NodeId,
    /// `a → b` is cut.
    pub cut_ab: bool,
    /// `b → a` is cut.
    pub cut_ba: bool,
}

impl LinkView {
    pub fn is_cut(&self) -> bool {
        self.cut_ab || self.cut_ba
    }

    /// "Link r1–r2": what a screen reader (and a test) calls it.
    pub fn name(&self) -> String {
        format!("Link {}\u{2013}{}", self.a, self.b)
    }

    /// "r1–r2", for test ids.
    pub fn key(&self) -> String {
        format!("{}-{}", self.a, self.b)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ClusterModel {
    pub protocol: ProtocolKind,
    pub tick: u64,
    pub nodes: Vec<NodeView>,
    pub links: Vec<LinkView>,
    pub dots: Vec<Dot>,
    pub drops: Vec<DropMark>,
    /// Cut links as text (`r0↔r1`, `r2→r0`).
    pub cut: Vec<String>,
}

pub fn of(world: &World) -> ClusterModel {
    let network = world.network();
    let ids: Vec<NodeId> = world.nodes().iter().map(|n| n.id).collect();
    let mut links = Vec::new();
    for (i, &a) in ids.iter().enumerate() {
        for &b in &ids[i + 1..] {
            links.push(LinkView {
                a,
                b,
                cut_ab: network.is_cut(a, b),
                cut_ba: network.is_cut(b, a),
            });
        }
    }
    let events = world.last_events();
    let mut duplicated = BTreeSet::new();
    let mut sent = BTreeSet::new();
    for event in events {
        match &event.kind {
            TraceKind::Duplicate { id, copy, .. } => {
                duplicated.insert(id.0);
                duplicated.insert(copy.0);
            }
            TraceKind::Send { id, .. } => {
                sent.insert(id.0);
            }
            _ => {}
        }
    }
    let drops = events
        .iter()
        .filter_map(|event| match &event.kind {
            TraceKind::Drop {
                id,
                from,
                to,
                reason,
            } => Some(DropMark {
                id: id.to_string(),
                from: *from,
                to: *to,
                at_send: sent.contains(&id.0),
                why: match reason {
                    DropReason::Lost => "lost by the network",
                    DropReason::Partitioned => "the link is cut",
                    DropReason::NodeDown => "the receiver is down",
                },
            }),
            _ => None,
        })
        .collect();
    let tick = world.tick();
    ClusterModel {
        protocol: world.scenario().protocol,
        tick,
        nodes: view::nodes(world),
        links,
        dots: network
            .in_flight()
            .map(|m| Dot::of(m, tick, &duplicated))
            .collect(),
        drops,
        cut: view::cut_links(world),
    }
}

/// The one input that toggles the link between `a` and `b`: cut both
/// ways if it works, else reconnect it (both ways) and leave every other
/// cut link as it is.
pub fn toggle_link(link: &LinkView) -> Input {
    if link.is_cut() {
        Input::HealLink {
            from: link.a,
            to: link.b,
            one_way: false,
        }
    } else {
        Input::Partition {
            from: vec![link.a],
            to: vec![link.b],
            one_way: false,
        }
    }
}
