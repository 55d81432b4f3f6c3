//! Replication protocols, written sans-IO.
//!
//! A protocol never sends, writes or sleeps. Each handler reads its node's
//! durable log and state machine through a [`Ctx`] and pushes [`Effect`]s
//! into an [`Out`] buffer; the world carries them out (delivers messages,
//! appends to the durable log, schedules timers) and records them in the
//! trace. That keeps protocols testable by asserting the whole buffer.

pub mod active_active;

use super::ids::{ClientId, NodeId, Offset, Tick};
use super::log::{Log, Record};
use super::service::{Command, Machine};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every message any protocol puts on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Message {
    /// Leader/sequencer → replica: records starting at `from_offset`, and
    /// where the sender's log ends (so a replica knows whether it is behind).
    Replicate {
        from_offset: Offset,
        records: Vec<Record>,
        leader_end: Offset,
        commit: Offset,
    },
    /// Replica → leader: "my log ends at `log_end`".
    Ack { log_end: Offset },
    /// Replica → leader: "I am missing records from `from_offset` on"
    /// (a gap was seen, or the replica has just restarted).
    Fetch { from_offset: Offset },
}

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Message::Replicate {
                from_offset,
                records,
                ..
            } if records.is_empty() => {
                write!(f, "heartbeat @{from_offset}")
            }
            Message::Replicate {
                from_offset,
                records,
                ..
            } => {
                let last = from_offset + records.len() as u64 - 1;
                if last == *from_offset {
                    write!(f, "replicate #{from_offset} {}", records[0].payload)
                } else {
                    write!(f, "replicate #{from_offset}..#{last}")
                }
            }
            Message::Ack { log_end } => write!(f, "ack end={log_end}"),
            Message::Fetch { from_offset } => write!(f, "fetch from #{from_offset}"),
        }
    }
}

/// A client's request as the receiving node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ClientRequest {
    pub client: ClientId,
    pub command: Command,
}

/// What a handler asks the world to do, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Effect {
    Send {
        to: NodeId,
        message: Message,
    },
    /// Append to this node's durable log; the offset must equal the log end
    /// after the effects before it.
    Append(Record),
    /// Drop this node's records from `from` on (a divergent tail).
    Truncate {
        from: Offset,
    },
    /// Move this node's commit mark (high watermark) forward.
    Commit {
        up_to: Offset,
    },
    /// Apply this node's log to its state machine up to (not including) `up_to`.
    Apply {
        up_to: Offset,
    },
    /// Tell a client its write is in the log at `offset`.
    Reply {
        client: ClientId,
        offset: Offset,
    },
    /// Call `on_tick` after this many ticks, replacing any pending timer.
    SetTimer {
        after_ticks: Tick,
    },
}

/// The buffer handlers push effects into.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Out {
    pub effects: Vec<Effect>,
}

impl Out {
    pub fn send(&mut self, to: NodeId, message: Message) {
        self.effects.push(Effect::Send { to, message });
    }
    pub fn push(&mut self, effect: Effect) {
        self.effects.push(effect);
    }
}

/// Read-only view of the node a handler runs on.
#[derive(Clone, Copy, Debug)]
pub struct Ctx<'a> {
    pub me: NodeId,
    pub tick: Tick,
    pub log: &'a Log,
    pub machine: &'a Machine,
    /// Every node of the cluster, in id order, including `me`.
    pub nodes: &'a [NodeId],
    pub params: &'a ProtocolParams,
}

/// Tunables shared by the protocols, in ticks and records.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProtocolParams {
    /// How long the leader waits before re-sending to a replica that has not
    /// acknowledged everything.
    pub retry_ticks: Tick,
    /// Most records carried by one replicate message.
    pub max_batch_records: u64,
}

impl Default for ProtocolParams {
    fn default() -> Self {
        ProtocolParams {
            retry_ticks: 12,
            max_batch_records: 8,
        }
    }
}

/// The role a node plays right now, for reports and drawings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sequencer,
    Replica,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Sequencer => "sequencer",
            Role::Replica => "replica",
        })
    }
}

/// One node's volatile protocol state. A crash throws it away; the world
/// builds a fresh one (see [`ProtocolKind::build`]) and calls `on_restart`.
pub trait Protocol: fmt::Debug {
    fn role(&self) -> Role;
    /// Whether this node runs the replicated service (a pure sequencer does not).
    fn runs_service(&self) -> bool;
    fn on_client_request(&mut self, ctx: &Ctx, request: ClientRequest, out: &mut Out);
    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out);
    fn on_tick(&mut self, ctx: &Ctx, out: &mut Out);
    /// Called when the node comes back after a crash with only its log.
    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out);
    fn clone_box(&self) -> Box<dyn Protocol>;
}

impl Clone for Box<dyn Protocol> {
    fn clone(&self) -> Self {
        self.clone_box()
    }
}

/// Which protocol a scenario runs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProtocolKind {
    /// A sequencer orders client commands into the log; every replica
    /// applies the commands itself.
    #[default]
    ActiveActive,
}

impl ProtocolKind {
    /// Node ids of a cluster with `replicas` replicas.
    pub fn cluster(self, replicas: u8) -> Vec<NodeId> {
        match self {
            ProtocolKind::ActiveActive => (0..=replicas).map(NodeId).collect(),
        }
    }

    /// The node clients send their writes to.
    pub fn write_target(self) -> NodeId {
        match self {
            ProtocolKind::ActiveActive => active_active::SEQUENCER,
        }
    }

    /// Fresh volatile state for `node`.
    pub fn build(self, node: NodeId) -> Box<dyn Protocol> {
        match self {
            ProtocolKind::ActiveActive => active_active::build(node),
        }
    }
}
