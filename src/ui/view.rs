//! View models: plain snapshots of engine state that components compare
//! cheaply (`PartialEq`) and render without touching the world.

use crate::engine::protocol::Role;
use crate::engine::world::Node;
use crate::engine::{NodeId, World};

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
    pub command: String,
    pub state: RecordState,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView {
    pub id: NodeId,
    pub role: Role,
    pub up: bool,
    pub runs_service: bool,
    pub value: String,
    pub applied_offset: u64,
    pub commit_offset: u64,
    pub records: Vec<RecordView>,
}

impl NodeView {
    pub fn of(node: &Node) -> NodeView {
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
                    command: record.payload.to_string(),
                    state,
                }
            })
            .collect();
        NodeView {
            id: node.id,
            role: node.role(),
            up: node.up,
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
    world.nodes().iter().map(NodeView::of).collect()
}

pub fn last_events(world: &World) -> Vec<String> {
    world
        .last_events()
        .iter()
        .map(|e| e.kind.to_string())
        .collect()
}
