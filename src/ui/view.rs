//! View models: plain snapshots of engine state that components compare
//! cheaply (`PartialEq`) and render without touching the world.

use crate::engine::check::Violation;
use crate::engine::protocol::{ProtocolKind, Role};
use crate::engine::world::Node;
use crate::engine::{NodeId, Record, World};
use std::collections::{BTreeMap, BTreeSet};

/// How far a log record has got on its node.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RecordState {
    /// Fed to this node's state machine.
    Applied,
    /// Known to be durable, not yet applied here.
    Committed,
    /// In the log but not yet committed.
    Pending,
}

impl RecordState {
    pub fn class(self) -> &'static str {
        match self {
            RecordState::Applied => "applied",
            RecordState::Committed => "committed",
            RecordState::Pending => "pending",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RecordState::Applied => "applied",
            RecordState::Committed => "committed",
            RecordState::Pending => "not committed",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordView {
    pub offset: u64,
    /// Shown only where epochs mean something (primary-backup).
    pub epoch: Option<u64>,
    pub command: String,
    pub state: RecordState,
    /// Another node holds a different record at this offset.
    pub differs: bool,
}

/// How much of the network a node can still reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    Connected,
    /// Some links to or from it are cut.
    PartlyCut,
    /// Every link to and from every other node is cut.
    CutOff,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub id: NodeId,
    pub role: Role,
    /// Present where epochs mean something (primary-backup).
    pub epoch: Option<u64>,
    pub up: bool,
    pub links: Links,
    /// Whether the user may ask it to take over as primary.
    pub can_promote: bool,
    pub runs_service: bool,
    pub value: String,
    pub applied_offset: u64,
    pub commit_offset: u64,
    pub records: Vec<RecordView>,
}

impl NodeView {
    /// `differs` lists the offsets where two nodes hold different records.
    pub fn of(world: &World, node: &Node, links: Links, differs: &BTreeSet<u64>) -> NodeView {
        let epochs = world.scenario().protocol == ProtocolKind::PrimaryBackup;
        let applied = node.machine.applied_offset;
        let commit = node.log.commit_offset();
        let runs_service = node.runs_service();
        let records = node
            .log
            .read_from(0)
            .map(|record| {
                let state = if runs_service && record.offset < applied {
                    RecordState::Applied
                } else if record.offset < commit {
                    RecordState::Committed
                } else {
                    RecordState::Pending
                };
                RecordView {
                    offset: record.offset,
                    epoch: epochs.then_some(record.epoch),
                    command: record.payload.to_string(),
                    state,
                    differs: differs.contains(&record.offset),
                }
            })
            .collect();
        NodeView {
            id: node.id,
            role: node.role(),
            epoch: epochs.then(|| node.epoch()),
            up: node.up,
            links,
            can_promote: epochs && node.up && node.role() != Role::Primary,
            runs_service,
            value: node.machine.state.to_string(),
            applied_offset: applied,
            commit_offset: commit,
            records,
        }
    }
}

/// A message on the wire, as the list shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MessageView {
    pub id: String,
    pub from: NodeId,
    pub to: NodeId,
    pub label: String,
    pub deliver_tick: u64,
}

pub fn messages(world: &World) -> Vec<MessageView> {
    world
        .network()
        .in_flight()
        .map(|m| MessageView {
            id: m.id.to_string(),
            from: m.from,
            to: m.to,
            label: m.message.to_string(),
            deliver_tick: m.deliver_tick,
        })
        .collect()
}

pub fn nodes(world: &World) -> Vec<NodeView> {
    let differs = diverged_offsets(world);
    world
        .nodes()
        .iter()
        .zip(links(world))
        .map(|(node, links)| NodeView::of(world, node, links, &differs))
        .collect()
}

/// Offsets at which two logs hold different records: the logs have
/// diverged there. A log that is merely shorter does not count.
fn diverged_offsets(world: &World) -> BTreeSet<u64> {
    let mut first: BTreeMap<u64, &Record> = BTreeMap::new();
    let mut differs = BTreeSet::new();
    for node in world.nodes() {
        for record in node.log.read_from(0) {
            match first.get(&record.offset) {
                Some(seen) if *seen != record => {
                    differs.insert(record.offset);
                }
                Some(_) => {}
                None => {
                    first.insert(record.offset, record);
                }
            }
        }
    }
    differs
}

/// Every node cut off, and for the others whether any further link is cut.
/// A link to a cut-off node does not count against the other end: that
/// node's card already says so.
fn links(world: &World) -> Vec<Links> {
    let network = world.network();
    let ids: Vec<NodeId> = world.nodes().iter().map(|n| n.id).collect();
    let cut = |a: NodeId, b: NodeId| network.is_cut(a, b) || network.is_cut(b, a);
    let cut_off = |id: NodeId| {
        ids.iter()
            .filter(|&&other| other != id)
            .all(|&other| network.is_cut(id, other) && network.is_cut(other, id))
    };
    ids.iter()
        .map(|&id| {
            if ids.len() > 1 && cut_off(id) {
                Links::CutOff
            } else if ids
                .iter()
                .any(|&other| other != id && cut(id, other) && !cut_off(other))
            {
                Links::PartlyCut
            } else {
                Links::Connected
            }
        })
        .collect()
}

/// Cut links as `n0→n1` (or `r0↔r1` when both ways are cut), sorted.
pub fn cut_links(world: &World) -> Vec<String> {
    let network = world.network();
    let mut shown = Vec::new();
    for (from, to) in network.cut_links() {
        let both = network.is_cut(to, from);
        if both && to < from {
            continue; // already listed as to↔from
        }
        let arrow = if both { '\u{2194}' } else { '\u{2192}' };
        shown.push(format!("{from}{arrow}{to}"));
    }
    shown
}

/// Where a client's write goes now: the node and its role.
pub fn writer(world: &World) -> Option<(NodeId, Role)> {
    let id = world.writer()?;
    Some((id, world.node(id)?.role()))
}

/// An invariant that broke, as the checkers panel lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ViolationView {
    pub invariant: &'static str,
    pub step: u64,
    pub tick: u64,
    pub nodes: String,
    pub explanation: String,
}

impl ViolationView {
    fn of(violation: &Violation) -> ViolationView {
        let nodes: Vec<String> = violation.nodes.iter().map(|n| n.to_string()).collect();
        ViolationView {
            invariant: violation.invariant,
            step: violation.step,
            tick: violation.tick,
            nodes: nodes.join(", "),
            explanation: violation.explanation.clone(),
        }
    }
}

pub fn violations(world: &World) -> Vec<ViolationView> {
    world.violations().iter().map(ViolationView::of).collect()
}

pub fn last_events(world: &World) -> Vec<String> {
    world
        .last_events()
        .iter()
        .map(|e| e.kind.to_string())
        .collect()
}
