//! View models: plain snapshots of engine state that components compare
//! cheaply (`PartialEq`) and render without touching the world.

use crate::engine::check::Violation;
use crate::engine::protocol::{ProtocolKind, Role};
use crate::engine::world::Node;
use crate::engine::{NodeId, World};

/// How much of the network a node can still reach.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Links {
    Connected,
    /// Some links to or from it are cut.
    PartlyCut,
    /// Every link to and from every other node is cut.
    CutOff,
}

/// What a crashed node shows instead of its role.
pub const CRASHED: &str = "crashed: state lost";

/// One node as the cluster view draws it. Built from counters only (never
/// by walking the log), so it costs the same for a log of 100 000 records.
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
    pub log_end: u64,
}

impl NodeView {
    pub fn of(world: &World, node: &Node, links: Links) -> NodeView {
        let epochs = world.scenario().protocol == ProtocolKind::PrimaryBackup;
        NodeView {
            id: node.id,
            role: node.role(),
            epoch: epochs.then(|| node.epoch()),
            up: node.up,
            links,
            can_promote: epochs && node.up && node.role() != Role::Primary,
            runs_service: node.runs_service(),
            value: node.machine.state.to_string(),
            applied_offset: node.machine.applied_offset,
            commit_offset: node.log.commit_offset(),
            log_end: node.log.end(),
        }
    }

    /// The name a screen reader (and a test) knows the node by. It says
    /// where the node sits in the cluster, which never changes: in
    /// primary-backup every node is a replica, whichever is primary now.
    pub fn name(&self, protocol: ProtocolKind) -> String {
        let place = match (protocol, self.id.0) {
            (ProtocolKind::ActiveActive, 0) => "Sequencer",
            (ProtocolKind::Broadcast, 0) => "Broadcaster",
            _ => "Replica",
        };
        format!("{place} {}", self.id)
    }

    /// `primary · epoch 2`, or just `replica` where epochs mean nothing. A
    /// crashed node has no role: its protocol state is gone with the crash.
    pub fn role_text(&self) -> String {
        if !self.up {
            return CRASHED.to_owned();
        }
        match self.epoch {
            Some(epoch) => format!("{} \u{b7} epoch {epoch}", self.role),
            None => self.role.to_string(),
        }
    }

    /// Roles that take writes (or order them) stand out: two at once is a story.
    pub fn leads(&self) -> bool {
        self.up
            && matches!(
                self.role,
                Role::Sequencer | Role::Broadcaster | Role::Primary
            )
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
    world
        .nodes()
        .iter()
        .zip(links(world))
        .map(|(node, links)| NodeView::of(world, node, links))
        .collect()
}

/// Every node cut off, and for the others whether any further link is cut.
/// A link to a cut-off node does not count against the other end: that
/// node is drawn cut off already.
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
