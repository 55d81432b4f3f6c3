//! The trace: what happened, step by step, and its hash.
//!
//! The hash is xxh3 of a canonical byte encoding of every event in order
//! (`TraceHasher`), so two runs have the same hash exactly when their traces
//! say the same things in the same order (a message as its label says it).

use super::ids::{ClientId, MsgId, NodeId, Offset, Tick};
use super::log::{Payload, Record};
use super::protocol::Message;
use super::protocol::Role;
use super::service::{Command, StateChange};
use serde::Serialize;
use std::fmt;
use std::hash::{Hash, Hasher};
use std::rc::Rc;
use xxhash_rust::xxh3::Xxh3Default;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DropReason {
    /// The network lost it (the link's drop probability).
    Lost,
    /// The link was cut by a partition.
    Partitioned,
    /// The destination node was down when it arrived.
    NodeDown,
}

/// A consumer group started a new generation: `owners[p]` is the member
/// that owns partition `p` (none if nobody is alive) and `from[p]` the
/// committed offset it starts from.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct GroupRebalance {
    pub group: String,
    pub generation: u64,
    pub owners: Vec<Option<u8>>,
    pub from: Vec<Offset>,
}

/// A client's read from a subscriber was answered. `needed` is the
/// position that makes the client's own last acknowledged write visible;
/// an answer from an earlier `position` is stale.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct SubscriberAnswer {
    pub subscriber: String,
    pub client: ClientId,
    pub key: String,
    pub value: Option<i64>,
    pub position: Offset,
    pub needed: Offset,
    pub waited: bool,
}

impl GroupRebalance {
    /// Each partition, the member that owns it now and the offset it
    /// starts from.
    pub fn shares(&self) -> impl Iterator<Item = (usize, Option<u8>, Offset)> + '_ {
        (self.owners.iter().zip(&self.from).enumerate())
            .map(|(p, (&owner, &from))| (p, owner, from))
    }
}

impl SubscriberAnswer {
    /// Whether the answer came from before the client's own write.
    pub fn stale(&self) -> bool {
        self.position < self.needed
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TraceKind {
    /// A client's write reached a node.
    Write {
        node: NodeId,
        client: ClientId,
        command: Command,
    },
    /// A write reached a node that was down; nobody handled it.
    RequestLost {
        /// Where it was sent; none when no node was taking writes.
        node: Option<NodeId>,
        client: ClientId,
    },
    Send {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        message: SentMessage,
        deliver_tick: Tick,
    },
    Duplicate {
        id: MsgId,
        copy: MsgId,
        deliver_tick: Tick,
    },
    Deliver {
        id: MsgId,
        from: NodeId,
        to: NodeId,
    },
    Drop {
        id: MsgId,
        from: NodeId,
        to: NodeId,
        reason: DropReason,
    },
    Append {
        node: NodeId,
        offset: Offset,
        epoch: u64,
        /// The node that accepted the record into the log.
        writer: NodeId,
        payload: Payload,
    },
    Truncate {
        node: NodeId,
        from: Offset,
    },
    Commit {
        node: NodeId,
        offset: Offset,
    },
    /// A record was applied; `change` is what it changed: the number
    /// afterwards, or the table's changed key.
    Apply {
        node: NodeId,
        offset: Offset,
        change: StateChange,
    },
    Reply {
        node: NodeId,
        client: ClientId,
        offset: Offset,
    },
    /// A client read from a replica and saw `value` (none: no such key, or
    /// the replica is down).
    Read {
        node: NodeId,
        client: ClientId,
        key: Option<String>,
        value: Option<i64>,
        applied_offset: Offset,
    },
    /// A subscriber read and folded the records `from..to`.
    SubscriberRead {
        subscriber: String,
        from: Offset,
        to: Offset,
    },
    /// A subscriber durably committed its position.
    SubscriberCommit {
        subscriber: String,
        offset: Offset,
    },
    /// A warehouse subscriber loaded staged rows.
    SubscriberLoad {
        subscriber: String,
        rows: u64,
    },
    /// A subscriber crashed, paused, resumed or restarted (`what`).
    SubscriberState {
        subscriber: String,
        what: String,
    },
    /// A consumer group started a new generation. Boxed, as the rare kind
    /// it is: every trace event is as large as the largest kind.
    GroupRebalance(Box<GroupRebalance>),
    /// A group member processed changes `from..to` of a partition.
    MemberRead {
        group: String,
        member: u8,
        partition: u32,
        from: Offset,
        to: Offset,
    },
    /// A partition's offset was committed in the group.
    GroupCommit {
        group: String,
        partition: u32,
        offset: Offset,
    },
    /// A group member crashed or restarted (`what`).
    MemberState {
        group: String,
        member: u8,
        what: String,
    },
    /// A client's read from a subscriber was answered. Boxed, as the rare
    /// kind it is: every trace event is as large as the largest kind.
    SubscriberAnswer(Box<SubscriberAnswer>),
    /// A user asked a node to take over as primary.
    Promote {
        node: NodeId,
    },
    /// A node's role or epoch changed.
    Role {
        node: NodeId,
        role: Role,
        epoch: u64,
    },
    Timer {
        node: NodeId,
    },
    Crash {
        node: NodeId,
    },
    Restart {
        node: NodeId,
    },
    Cut {
        from: NodeId,
        to: NodeId,
    },
    Heal,
    /// One direction of a link works again (`heal_link`). Last, so that
    /// the variants before it keep their place in the trace hash.
    Reconnect {
        from: NodeId,
        to: NodeId,
    },
}

impl TraceKind {
    /// Whether it is an event as the benchmark target counts them: a
    /// message delivered or dropped, a record appended or applied, a timer
    /// fired. Sends, commits, replies and the rest are traced too, but
    /// each comes with one of these.
    pub fn is_simulated_event(&self) -> bool {
        matches!(
            self,
            TraceKind::Deliver { .. }
                | TraceKind::Drop { .. }
                | TraceKind::Append { .. }
                | TraceKind::Apply { .. }
                | TraceKind::Timer { .. }
        )
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct TraceEvent {
    pub step: u64,
    pub tick: Tick,
    #[serde(flatten)]
    pub kind: TraceKind,
}

/// A sent message as the trace keeps it: the message itself, shared with
/// the wire, so sending writes no text. It stands for its label (the
/// message's `Display`: `append e2 #7 put k 3`): it is hashed by what the
/// label shows, written out only when shown, and serialized as that text.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct SentMessage(pub Rc<Message>);

impl std::ops::Deref for SentMessage {
    type Target = Message;
    fn deref(&self) -> &Message {
        &self.0
    }
}

impl fmt::Display for SentMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<SentMessage> for String {
    fn from(message: SentMessage) -> String {
        message.to_string()
    }
}

/// Exactly the facts the label shows, each variant's after its own first
/// byte: two messages with the same label hash alike (the records of a
/// batch beyond their count, a commit mark, are not in the trace).
impl Hash for SentMessage {
    fn hash<H: Hasher>(&self, out: &mut H) {
        /// How many records, and the one payload the label shows.
        fn records<H: Hasher>(records: &[Record], out: &mut H) {
            out.write_usize(records.len());
            if let [one] = records {
                one.payload.hash(out);
            }
        }
        match &*self.0 {
            Message::Replicate {
                from_offset,
                records: carried,
                ..
            } => {
                out.write_u8(0);
                out.write_u64(*from_offset);
                records(carried, out);
            }
            Message::Ack { log_end } => {
                out.write_u8(1);
                out.write_u64(*log_end);
            }
            Message::Fetch { from_offset } => {
                out.write_u8(2);
                out.write_u64(*from_offset);
            }
            Message::Append {
                epoch,
                prev,
                records: carried,
                ..
            } => {
                out.write_u8(3);
                out.write_u64(*epoch);
                records(carried, out);
                // Where a batch starts; a heartbeat's label says only its epoch.
                if !carried.is_empty() {
                    out.write_u64(prev.map_or(0, |(offset, _)| offset + 1));
                }
            }
            Message::AppendReply { epoch, ok, log_end } => {
                out.write_u8(4);
                out.write_u64(*epoch);
                out.write_u8(u8::from(*ok));
                out.write_u64(*log_end);
            }
            Message::Propose { epoch, .. } => {
                out.write_u8(5);
                out.write_u64(*epoch);
            }
            Message::Promise { epoch, granted } => {
                out.write_u8(6);
                out.write_u64(*epoch);
                out.write_u8(u8::from(*granted));
            }
            Message::Command { command } => {
                out.write_u8(7);
                command.hash(out);
            }
        }
    }
}

/// The hash of a whole trace, one event at a time: xxh3 (64 bits, seed 0)
/// of the events' encodings one after another. Streaming the bytes in
/// blocks costs a fraction of hashing each event on its own, and the hash
/// does not depend on how the bytes were cut into blocks.
///
/// The encoding (`encode`): whenever the step or tick moves, a marker byte
/// `STEP_MARK` and the two numbers; then, for each event, its kind's
/// `Hash` walk (derived, but for a sent message's: `SentMessage`) with
/// every integer in little-endian, lengths
/// (`usize`) widened to 64 bits and enum discriminants (`isize`, all below
/// `STEP_MARK`) as one byte. That is the same on every platform, wasm32
/// included, far cheaper than a text encoding, and no two traces share
/// it: each item's first byte says what follows, and every field has a
/// fixed size, a length before it, or (a string) an end byte `0xff`, which
/// no UTF-8 text holds.
#[derive(Clone)]
pub struct TraceHasher {
    hashed: Xxh3Default,
    /// Encoded bytes not yet fed to `hashed`: `pending[..pending_len]`.
    pending: Box<[u8; HASH_BLOCK]>,
    pending_len: usize,
    /// The step and tick of the last event added.
    at: Option<(u64, Tick)>,
}

/// Starts a step's (or tick's) events in the encoding; no discriminant
/// reaches it.
const STEP_MARK: u8 = 0xf0;

/// Encoded bytes gathered before they are hashed.
const HASH_BLOCK: usize = 1024;

impl Default for TraceHasher {
    fn default() -> Self {
        TraceHasher {
            hashed: Xxh3Default::new(),
            pending: Box::new([0; HASH_BLOCK]),
            pending_len: 0,
            at: None,
        }
    }
}

impl fmt::Debug for TraceHasher {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "TraceHasher({:016x})", self.hash())
    }
}

impl TraceHasher {
    pub fn add(&mut self, event: &TraceEvent) {
        let mut block = Block {
            bytes: &mut self.pending,
            len: self.pending_len,
            hashed: &mut self.hashed,
        };
        encode(event, &mut self.at, &mut block);
        self.pending_len = block.len;
    }

    /// The hash of the events added so far.
    pub fn hash(&self) -> u64 {
        if self.pending_len == 0 {
            return self.hashed.digest();
        }
        let mut all = self.hashed.clone();
        all.update(&self.pending[..self.pending_len]);
        all.digest()
    }

    /// Bytes a clone of it allocates beside itself.
    pub fn heap_bytes(&self) -> usize {
        HASH_BLOCK
    }
}

/// Where an encoding goes: a `Vec` (in tests), or the hasher's block.
trait ByteSink {
    fn put(&mut self, bytes: &[u8]);
}

impl ByteSink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// The hasher's block being filled, with its length held apart from the
/// bytes (in a register while an event is written, rather than re-read
/// from a `Vec` after every byte stored). A full block is fed to the hash
/// and refilled: xxh3's stream does not depend on where it is cut.
struct Block<'a> {
    bytes: &'a mut [u8; HASH_BLOCK],
    len: usize,
    hashed: &'a mut Xxh3Default,
}

impl Block<'_> {
    #[cold]
    fn spill(&mut self, bytes: &[u8]) {
        self.hashed.update(&self.bytes[..self.len]);
        self.len = 0;
        if bytes.len() >= HASH_BLOCK {
            self.hashed.update(bytes);
        } else {
            self.put(bytes);
        }
    }
}

impl ByteSink for Block<'_> {
    #[inline]
    fn put(&mut self, bytes: &[u8]) {
        match self.bytes.get_mut(self.len..self.len + bytes.len()) {
            Some(room) => {
                room.copy_from_slice(bytes);
                self.len += bytes.len();
            }
            None => self.spill(bytes),
        }
    }
}

/// Writes `event`'s encoding (see `TraceHasher`), after the event before
/// it was at step and tick `at`. The kinds nearly every step has are
/// written directly, field by field as the derived walk writes them
/// (variant index as one byte, then the fields; a string is its bytes and
/// `0xff`); the test `direct_encoding_is_the_hash_walk` holds the two equal
/// on every event of every bundled scenario. The rest take the walk.
fn encode(event: &TraceEvent, at: &mut Option<(u64, Tick)>, out: &mut impl ByteSink) {
    // Each field goes straight into `out`: fields written to a stack buffer
    // copied out as one block were read back before their stores had
    // landed, which stalled the copy (the trace hash's hottest instruction
    // in `perf`).
    let out = &mut StableBytes(out);
    if *at != Some((event.step, event.tick)) {
        *at = Some((event.step, event.tick));
        out.write_u8(STEP_MARK);
        out.write_u64(event.step);
        out.write_u64(event.tick);
    }
    encode_kind(&event.kind, out);
}

fn encode_kind(kind: &TraceKind, out: &mut StableBytes<'_, impl ByteSink>) {
    match kind {
        TraceKind::Send {
            id,
            from,
            to,
            message,
            deliver_tick,
        } => {
            out.message(2, *id, *from, *to);
            message.hash(out);
            out.write_u64(*deliver_tick);
        }
        TraceKind::Duplicate {
            id,
            copy,
            deliver_tick,
        } => {
            out.write_u8(3);
            out.write_u64(id.0);
            out.write_u64(copy.0);
            out.write_u64(*deliver_tick);
        }
        TraceKind::Deliver { id, from, to } => {
            out.message(4, *id, *from, *to);
        }
        TraceKind::Drop {
            id,
            from,
            to,
            reason,
        } => {
            out.message(5, *id, *from, *to);
            out.write_u8(*reason as u8);
        }
        TraceKind::Append {
            node,
            offset,
            epoch,
            writer,
            payload,
        } => {
            out.write_u8(6);
            out.write_u8(node.0);
            out.write_u64(*offset);
            out.write_u64(*epoch);
            out.write_u8(writer.0);
            payload.hash(out);
        }
        TraceKind::Commit { node, offset } => {
            out.write_u8(8);
            out.write_u8(node.0);
            out.write_u64(*offset);
        }
        TraceKind::Apply {
            node,
            offset,
            change,
        } => {
            out.write_u8(9);
            out.write_u8(node.0);
            out.write_u64(*offset);
            change.hash(out);
        }
        TraceKind::Reply {
            node,
            client,
            offset,
        } => {
            out.write_u8(10);
            out.write_u8(node.0);
            out.write_u8(client.0);
            out.write_u64(*offset);
        }
        TraceKind::Timer { node } => {
            out.write_u8(23);
            out.write_u8(node.0);
        }
        kind => {
            kind.hash(out);
        }
    }
}

/// A `Hasher` that only collects bytes, in a platform-independent layout.
struct StableBytes<'a, S: ByteSink>(&'a mut S);

impl<S: ByteSink> StableBytes<'_, S> {
    /// The variant index and the fields every message event starts with.
    fn message(&mut self, variant: u8, id: MsgId, from: NodeId, to: NodeId) {
        self.write_u8(variant);
        self.write_u64(id.0);
        self.write_u8(from.0);
        self.write_u8(to.0);
    }
}

impl<S: ByteSink> Hasher for StableBytes<'_, S> {
    fn finish(&self) -> u64 {
        0
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.put(bytes);
    }
    fn write_u8(&mut self, n: u8) {
        self.0.put(&[n]);
    }
    fn write_u16(&mut self, n: u16) {
        self.write(&n.to_le_bytes());
    }
    fn write_u32(&mut self, n: u32) {
        self.write(&n.to_le_bytes());
    }
    fn write_u64(&mut self, n: u64) {
        self.write(&n.to_le_bytes());
    }
    fn write_u128(&mut self, n: u128) {
        self.write(&n.to_le_bytes());
    }
    fn write_usize(&mut self, n: usize) {
        self.write_u64(n as u64);
    }
    fn write_i8(&mut self, n: i8) {
        self.write_u8(n as u8);
    }
    fn write_i16(&mut self, n: i16) {
        self.write(&n.to_le_bytes());
    }
    fn write_i32(&mut self, n: i32) {
        self.write(&n.to_le_bytes());
    }
    fn write_i64(&mut self, n: i64) {
        self.write(&n.to_le_bytes());
    }
    fn write_i128(&mut self, n: i128) {
        self.write(&n.to_le_bytes());
    }
    /// Only enum discriminants are `isize`, and all are small.
    fn write_isize(&mut self, n: isize) {
        debug_assert!((0..isize::from(STEP_MARK)).contains(&n), "discriminant {n}");
        self.write_u8(n as u8);
    }
}

impl fmt::Display for TraceKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TraceKind::Write {
                node,
                client,
                command,
            } => {
                write!(f, "{client} writes {command} to {node}")
            }
            TraceKind::RequestLost {
                node: Some(node),
                client,
            } => {
                write!(f, "{client}'s write lost: {node} is down")
            }
            TraceKind::RequestLost { node: None, client } => {
                write!(f, "{client}'s write lost: no node is taking writes")
            }
            TraceKind::Read {
                node,
                client,
                key,
                value,
                applied_offset,
            } => {
                let what = key.as_deref().map_or(String::new(), |k| format!(" {k}"));
                let seen = value.map_or("nothing".to_owned(), |v| v.to_string());
                write!(
                    f,
                    "{client} reads{what} from {node} (applied #{applied_offset}): {seen}"
                )
            }
            TraceKind::SubscriberRead {
                subscriber,
                from,
                to,
            } => {
                write!(f, "{subscriber} reads #{from}..#{}", to - 1)
            }
            TraceKind::SubscriberCommit { subscriber, offset } => {
                write!(f, "{subscriber} commits offset {offset}")
            }
            TraceKind::SubscriberLoad { subscriber, rows } => {
                write!(f, "{subscriber} loads {rows} rows into the warehouse")
            }
            TraceKind::SubscriberState { subscriber, what } => write!(f, "{subscriber} {what}"),
            TraceKind::GroupRebalance(r) => {
                let shares: Vec<String> = r
                    .shares()
                    .map(|(p, owner, offset)| {
                        let owner = owner.map_or("nobody".to_owned(), |m| format!("m{m}"));
                        format!("p{p}→{owner}@{offset}")
                    })
                    .collect();
                write!(
                    f,
                    "{} rebalances, generation {}: {}",
                    r.group,
                    r.generation,
                    shares.join(" ")
                )
            }
            TraceKind::MemberRead {
                group,
                member,
                partition,
                from,
                to,
            } => write!(
                f,
                "{group} m{member} processes p{partition} #{from}..#{}",
                to - 1
            ),
            TraceKind::GroupCommit {
                group,
                partition,
                offset,
            } => write!(f, "{group} commits p{partition} at offset {offset}"),
            TraceKind::MemberState {
                group,
                member,
                what,
            } => write!(f, "{group} m{member} {what}"),
            TraceKind::SubscriberAnswer(a) => {
                let seen = a.value.map_or("nothing".to_owned(), |v| v.to_string());
                let verdict = if a.stale() { " — stale" } else { "" };
                write!(
                    f,
                    "{} answers {}: {} = {seen} (at #{}, needs #{}){verdict}",
                    a.subscriber, a.client, a.key, a.position, a.needed
                )
            }
            TraceKind::Promote { node } => write!(f, "{node} is asked to take over"),
            TraceKind::Role { node, role, epoch } => {
                write!(f, "{node} is now {role} in epoch {epoch}")
            }
            TraceKind::Send {
                id,
                from,
                to,
                message,
                deliver_tick,
            } => {
                write!(
                    f,
                    "{from} sends {id} to {to}: {message} (arrives t{deliver_tick})"
                )
            }
            TraceKind::Duplicate { id, copy, .. } => write!(f, "network duplicates {id} as {copy}"),
            TraceKind::Deliver { id, from, to } => write!(f, "{to} receives {id} from {from}"),
            TraceKind::Drop {
                id,
                from,
                to,
                reason,
            } => {
                let why = match reason {
                    DropReason::Lost => "lost by the network",
                    DropReason::Partitioned => "link is cut",
                    DropReason::NodeDown => "receiver is down",
                };
                write!(f, "{id} {from}→{to} dropped: {why}")
            }
            TraceKind::Append {
                node,
                offset,
                payload,
                ..
            } => {
                write!(f, "{node} appends #{offset} {payload}")
            }
            TraceKind::Truncate { node, from } => write!(f, "{node} truncates from #{from}"),
            TraceKind::Commit { node, offset } => write!(f, "{node} commits up to #{offset}"),
            TraceKind::Apply {
                node,
                offset,
                change,
            } => {
                write!(f, "{node} applies #{offset} → {change}")
            }
            TraceKind::Reply {
                node,
                client,
                offset,
            } => {
                write!(f, "{node} acks {client}: written at #{offset}")
            }
            TraceKind::Timer { node } => write!(f, "{node} timer fires"),
            TraceKind::Crash { node } => write!(f, "{node} crashes"),
            TraceKind::Restart { node } => write!(f, "{node} restarts"),
            TraceKind::Cut { from, to } => write!(f, "link {from}→{to} cut"),
            TraceKind::Heal => write!(f, "all links healed"),
            TraceKind::Reconnect { from, to } => write!(f, "link {from}→{to} reconnected"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::NodeId;
    use crate::engine::protocol::Message;
    use crate::engine::service::{Command, Write};
    use crate::engine::world::World;
    use std::collections::BTreeSet;
    use std::rc::Rc;

    fn record(offset: Offset, payload: Payload) -> Record {
        Record {
            offset,
            epoch: 2,
            writer: NodeId(0),
            payload,
        }
    }

    /// Two sent messages hash alike exactly when their labels read alike:
    /// the hash holds every fact a label shows and nothing it does not.
    #[test]
    fn sent_messages_hash_as_their_labels_read() {
        let numbers = [0, 7, -3, 10, 1_000_000_007, i64::MIN, i64::MAX];
        let mut payloads: Vec<Payload> = numbers
            .iter()
            .flat_map(|&n| {
                [
                    Payload::Command(Command::Add(n)),
                    Payload::Command(Command::Sub(n)),
                    Payload::Command(Command::Mul(n)),
                    Payload::Command(Command::Set(n)),
                    Payload::Command(Command::AddRandom(n)),
                    Payload::Write(Write::Number(n)),
                ]
            })
            .collect();
        for &n in &numbers {
            payloads.push(Payload::Command(Command::Put("k7".into(), n)));
            payloads.push(Payload::Write(Write::Put("apples".into(), n)));
        }
        payloads.push(Payload::Command(Command::Delete("k".into())));
        payloads.push(Payload::Command(Command::Incr("pears".into())));
        payloads.push(Payload::Write(Write::Delete("k12".into())));
        payloads.push(Payload::EpochStart { primary: NodeId(3) });
        let offsets = [0, 9, 10, 99, u64::MAX / 4];
        let mut messages = Vec::new();
        for &o in &offsets {
            messages.push(Message::Ack { log_end: o });
            messages.push(Message::Fetch { from_offset: o });
            for ok in [true, false] {
                messages.push(Message::AppendReply {
                    epoch: o,
                    ok,
                    log_end: o / 2,
                });
            }
            let batches: Vec<Vec<Record>> = std::iter::once(Vec::new())
                .chain(payloads.iter().map(|p| vec![record(o, p.clone())]))
                .chain(std::iter::once(vec![
                    record(0, payloads[0].clone()),
                    record(1, payloads[1].clone()),
                ]))
                .collect();
            for records in batches {
                messages.push(Message::Replicate {
                    from_offset: o,
                    records: records.clone(),
                    leader_end: o,
                    commit: 0,
                });
                for prev in [None, Some((o / 3, 1))] {
                    messages.push(Message::Append {
                        epoch: o % 1000,
                        prev,
                        records: records.clone(),
                        commit: 0,
                    });
                }
            }
        }
        for granted in [true, false] {
            messages.push(Message::Promise { epoch: 3, granted });
        }
        for (last_epoch, log_end) in [(1, 4), (2, 9)] {
            messages.push(Message::Propose {
                epoch: 3,
                last_epoch,
                log_end,
            });
        }
        for command in ["+1", "*2", "put k 3", "delete k"] {
            messages.push(Message::Command {
                command: command.parse().expect("a command"),
            });
        }
        // Two batches of two records each, alike but for what they carry:
        // their labels show only where they start and end, and so do their
        // hashes.
        for (first, second) in [(0, 1), (2, 3)] {
            for prev in [None, Some((8, 1))] {
                messages.push(Message::Append {
                    epoch: 4,
                    prev,
                    records: vec![
                        record(0, payloads[first].clone()),
                        record(1, payloads[second].clone()),
                    ],
                    commit: 0,
                });
            }
        }
        // A second commit mark and leader end: not in a label, nor the hash.
        let unseen: Vec<Message> = messages
            .iter()
            .filter_map(|m| match m.clone() {
                Message::Replicate {
                    from_offset,
                    records,
                    ..
                } => Some(Message::Replicate {
                    from_offset,
                    records,
                    leader_end: 1,
                    commit: 1,
                }),
                Message::Append {
                    epoch,
                    prev,
                    records,
                    ..
                } => Some(Message::Append {
                    epoch,
                    prev,
                    records,
                    commit: 1,
                }),
                _ => None,
            })
            .collect();
        messages.extend(unseen);
        let encoded: Vec<(String, Vec<u8>)> = messages
            .into_iter()
            .map(|message| {
                let mut bytes = Vec::new();
                SentMessage(Rc::new(message.clone())).hash(&mut StableBytes(&mut bytes));
                (message.to_string(), bytes)
            })
            .collect();
        let labels: BTreeSet<&String> = encoded.iter().map(|(label, _)| label).collect();
        let hashes: BTreeSet<&Vec<u8>> = encoded.iter().map(|(_, bytes)| bytes).collect();
        let pairs: BTreeSet<(&String, &Vec<u8>)> = encoded.iter().map(|(l, b)| (l, b)).collect();
        assert!(labels.len() > 400, "{} distinct labels", labels.len());
        assert_eq!(labels.len(), pairs.len(), "one hash per label");
        assert_eq!(hashes.len(), pairs.len(), "one label per hash");
    }

    /// The trace hash of `events`, all at once.
    fn trace_hash<'e>(events: impl IntoIterator<Item = &'e TraceEvent>) -> u64 {
        let mut hasher = TraceHasher::default();
        for event in events {
            hasher.add(event);
        }
        hasher.hash()
    }

    /// The trace hash is xxh3 of every event's encoding, in order, however
    /// the bytes fall into blocks; any change of order, step or tick
    /// changes it.
    #[test]
    fn the_trace_hash_is_xxh3_of_the_encoded_events_in_order() {
        let scenario = crate::engine::bench::bench_scenario(300);
        let mut world = World::new(Rc::new(scenario));
        let (mut events, mut bytes, mut at) = (Vec::new(), Vec::new(), None);
        assert_eq!(world.trace_hash(), xxhash_rust::xxh3::xxh3_64(&[]));
        while events.len() < 5_000 && world.step() {
            for event in world.last_events() {
                encode(event, &mut at, &mut bytes);
                events.push(event.clone());
            }
            assert_eq!(world.trace_hash(), trace_hash(&events));
        }
        assert!(
            bytes.len() > 20 * HASH_BLOCK,
            "the test crosses many blocks"
        );
        assert_eq!(world.trace_hash(), xxhash_rust::xxh3::xxh3_64(&bytes));
        let hash = world.trace_hash();
        let mut swapped = events.clone();
        swapped.swap(100, 101);
        assert_ne!(trace_hash(&swapped), hash);
        // The step and tick are written only where they move, yet each
        // event's own still counts: one event moved to another step or
        // tick, or a step boundary moved, changes the hash.
        let at = (1..events.len())
            .find(|&i| events[i].step == events[i - 1].step && i > 100)
            .expect("steps of more than one event");
        let mut moved = events.clone();
        moved[at].tick += 1;
        assert_ne!(trace_hash(&moved), hash);
        let mut moved = events.clone();
        moved[at].step += 1;
        assert_ne!(trace_hash(&moved), hash);
        let mut moved = events.clone();
        moved[at - 1].step -= 1;
        assert_ne!(trace_hash(&moved), hash);
    }

    /// The direct encoding of the frequent kinds writes exactly the bytes of
    /// the derived `Hash` walk, on every event of every bundled scenario
    /// and of the benchmark workload.
    #[test]
    fn direct_encoding_is_the_hash_walk() {
        let mut scenarios: Vec<_> = crate::scenarios::BUNDLED
            .iter()
            .map(|(name, _)| crate::scenarios::load(name).expect("bundled scenarios load"))
            .collect();
        scenarios.push(crate::engine::bench::bench_scenario(300));
        let mut kinds = BTreeSet::new();
        for scenario in scenarios {
            // The first 20,000 steps of each: every kind shows up early.
            let mut world = World::new(Rc::new(scenario));
            for _ in 0..20_000 {
                if !world.step() {
                    break;
                }
                for event in world.last_events() {
                    let (mut direct, mut walk) = (Vec::new(), Vec::new());
                    encode_kind(&event.kind, &mut StableBytes(&mut direct));
                    event.kind.hash(&mut StableBytes(&mut walk));
                    assert_eq!(direct, walk, "{event:?}");
                    let direct_kind = match event.kind {
                        TraceKind::Send { .. } => "send",
                        TraceKind::Duplicate { .. } => "duplicate",
                        TraceKind::Deliver { .. } => "deliver",
                        TraceKind::Drop { .. } => "drop",
                        TraceKind::Append { .. } => "append",
                        TraceKind::Commit { .. } => "commit",
                        TraceKind::Apply { .. } => "apply",
                        TraceKind::Reply { .. } => "reply",
                        TraceKind::Timer { .. } => "timer",
                        _ => "walked",
                    };
                    kinds.insert(direct_kind);
                }
            }
        }
        assert_eq!(
            kinds.len(),
            10,
            "every directly written kind is met: {kinds:?}"
        );
    }
}
