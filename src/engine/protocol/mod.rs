//! Replication protocols, written sans-IO.
//!
//! A protocol never sends, writes or sleeps. Each handler reads its node's
//! durable log and state machine through a [`Ctx`] and pushes [`Effect`]s
//! into an [`Out`] buffer; the world carries them out (delivers messages,
//! appends to the durable log, schedules timers) and records them in the
//! trace. That keeps protocols testable by asserting the whole buffer.

pub mod active_active;
pub mod broadcast;
pub mod primary_backup;

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
    /// Primary → backup: records after `prev` (offset and epoch of the
    /// record just before them, which the backup must hold too), and the
    /// primary's commit mark. Empty records make a heartbeat.
    Append {
        epoch: u64,
        prev: Option<(Offset, u64)>,
        records: Vec<Record>,
        commit: Offset,
    },
    /// Backup → primary: whether the append matched, and the backup's log
    /// end (on a mismatch, where to try from).
    AppendReply {
        epoch: u64,
        ok: bool,
        log_end: Offset,
    },
    /// Candidate → all: "make me primary of `epoch`; my log is this fresh".
    Propose {
        epoch: u64,
        last_epoch: u64,
        log_end: Offset,
    },
    /// Answer to a proposal.
    Promise { epoch: u64, granted: bool },
    /// Unordered broadcast: a bare command, no offset.
    Command { command: Command },
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
            Message::Append {
                epoch,
                records,
                prev,
                ..
            } => {
                let from = prev.map_or(0, |(o, _)| o + 1);
                match records.as_slice() {
                    [] => write!(f, "heartbeat e{epoch}"),
                    [one] => write!(f, "append e{epoch} #{from} {}", one.payload),
                    many => write!(
                        f,
                        "append e{epoch} #{from}..#{}",
                        from + many.len() as u64 - 1
                    ),
                }
            }
            Message::AppendReply {
                epoch,
                ok: true,
                log_end,
            } => {
                write!(f, "ok e{epoch} end={log_end}")
            }
            Message::AppendReply {
                epoch,
                ok: false,
                log_end,
            } => {
                write!(f, "refuse e{epoch} end={log_end}")
            }
            Message::Propose { epoch, .. } => write!(f, "propose e{epoch}"),
            Message::Promise {
                epoch,
                granted: true,
            } => write!(f, "promise e{epoch}"),
            Message::Promise {
                epoch,
                granted: false,
            } => write!(f, "refuse e{epoch}"),
            Message::Command { command } => write!(f, "command {command}"),
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
    /// Remember durably (across crashes) that this node has promised or
    /// entered `epoch`.
    PersistEpoch {
        epoch: u64,
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
    /// The scenario's seed, for what a replica executes (see `Surroundings`).
    pub seed: u64,
    /// The highest epoch this node has durably promised or entered.
    pub persisted_epoch: u64,
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
    /// Primary-backup: when a client's write is acknowledged.
    pub ack: AckMode,
    /// Primary-backup: whether the log carries results or commands.
    pub logging: Logging,
    /// Primary-backup: epochs fence off an old primary. Off is a planted
    /// bug: a promoted backup keeps the epoch and nobody checks it.
    pub fencing: bool,
    /// Primary-backup: how often the primary sends heartbeats.
    pub heartbeat_ticks: Tick,
    /// Primary-backup: silence after which a backup tries to take over
    /// (backups wait longer the higher their id). 0 means only a user's
    /// `promote` input starts a failover.
    pub failover_timeout_ticks: Tick,
}

impl Default for ProtocolParams {
    fn default() -> Self {
        ProtocolParams {
            retry_ticks: 12,
            max_batch_records: 8,
            ack: AckMode::Quorum,
            logging: Logging::Physical,
            fencing: true,
            heartbeat_ticks: 5,
            failover_timeout_ticks: 20,
        }
    }
}

/// When the primary tells a client its write is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum AckMode {
    /// Right after the primary's own append: fast, and a failover can lose it.
    Async,
    /// Once a majority of nodes (the primary included) hold it.
    Quorum,
    /// Once every node holds it.
    SyncAll,
}

/// What the primary writes into the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Logging {
    /// The results of executing each command (`= 6`, `k = 3`): backups
    /// install them without executing anything.
    Physical,
    /// The commands themselves: every backup executes them again.
    Logical,
}

/// The role a node plays right now, for reports and drawings.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Sequencer,
    Replica,
    Broadcaster,
    Primary,
    Backup,
    Candidate,
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Role::Sequencer => "sequencer",
            Role::Replica => "replica",
            Role::Broadcaster => "broadcaster",
            Role::Primary => "primary",
            Role::Backup => "backup",
            Role::Candidate => "candidate",
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
    /// Called once when the world is created.
    fn on_start(&mut self, _ctx: &Ctx, _out: &mut Out) {}
    /// A user asks this node to take over as primary.
    fn on_promote(&mut self, _ctx: &Ctx, _out: &mut Out) {}
    /// The epoch (term) this node is in.
    fn epoch(&self) -> u64 {
        1
    }
    /// Whether clients should send writes here.
    fn takes_writes(&self) -> bool {
        false
    }
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
    /// No log: node 0 forwards each command to every replica, which apply
    /// them in whatever order they arrive. A planted bug showing why order
    /// matters.
    Broadcast,
    /// Node 0 starts as primary; it executes commands and ships the log
    /// (results or commands, see `params.logging`) to backups.
    PrimaryBackup,
}

impl ProtocolKind {
    /// Node ids of a cluster with `replicas` replicas.
    pub fn cluster(self, replicas: u8) -> Vec<NodeId> {
        match self {
            ProtocolKind::ActiveActive | ProtocolKind::Broadcast => {
                (0..=replicas).map(NodeId).collect()
            }
            ProtocolKind::PrimaryBackup => (0..replicas).map(NodeId).collect(),
        }
    }

    /// Fresh volatile state for `node`.
    pub fn build(self, node: NodeId) -> Box<dyn Protocol> {
        match self {
            ProtocolKind::ActiveActive => active_active::build(node),
            ProtocolKind::Broadcast => broadcast::build(node),
            ProtocolKind::PrimaryBackup => primary_backup::build(node),
        }
    }
}
