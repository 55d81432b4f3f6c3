//! View models: plain snapshots of engine state that components compare
//! cheaply (`PartialEq`) and render without touching the world.

use super::narrate::{narrate, Sentence, Tone};
use crate::engine::check::{self, Violation};
use crate::engine::consumer_group::PartitionBy;
use crate::engine::protocol::{ProtocolKind, Role};
use crate::engine::report::MemberReport;
use crate::engine::service::State;
use crate::engine::subscriber::{Subscriber, SubscriberKind};
use crate::engine::table::table_at;
use crate::engine::trace::SubscriberAnswer;
use crate::engine::world::Node;
use crate::engine::{ClientId, NodeId, TraceEvent, TraceKind, World};
use std::collections::BTreeSet;

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

// ---------------------------------------------------------------------------
// Data views (issue 5/7): subscribers, consumer groups, the checkers'
// invariants, lag over time and the narrated event feed.

/// Most cells a mini tape shows; the rest are counted, not drawn.
pub const TAPE_CELLS: u64 = 9;
/// Most rows of a derived table shown in a card.
pub const STATE_ROWS: usize = 8;
/// How many steps the event feed narrates.
pub const EVENT_WINDOW: usize = 6;
/// How far back subscriber answers stay listed.
pub const ANSWER_WINDOW: usize = 60;
/// Most sentences shown for one step.
const SENTENCES_PER_STEP: usize = 10;
/// Points per lag curve at most.
pub const LAG_SAMPLES: usize = 120;

/// Whether a subscriber (or group member) is reading.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Health {
    Up,
    Paused,
    Crashed,
}

impl Health {
    pub fn label(self) -> &'static str {
        match self {
            Health::Up => "up",
            Health::Paused => "paused",
            Health::Crashed => "crashed",
        }
    }
}

/// Where a cell of a mini tape stands for its reader.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CellState {
    /// Already read (processed).
    Read,
    /// Available to read, not read yet.
    Waiting,
    /// In the source log but not committed: nobody may read it yet.
    Uncommitted,
}

impl CellState {
    pub fn class(self) -> &'static str {
        match self {
            CellState::Read => "read",
            CellState::Waiting => "waiting",
            CellState::Uncommitted => "uncommitted",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TapeCell {
    pub offset: u64,
    /// `None` for the slot just past the end, where the next entry goes.
    pub label: Option<String>,
    pub state: CellState,
    /// The reader's position: the next record it reads.
    pub next: bool,
    /// Where the reader resumes after a crash (its committed offset).
    pub resume: bool,
}

/// A window onto a log (or partition) around a reader's position.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Tape {
    pub cells: Vec<TapeCell>,
    pub hidden_before: u64,
    pub hidden_after: u64,
}

impl Tape {
    /// Slots `0..=end` (the last one is where the next entry goes),
    /// windowed to `TAPE_CELLS` around the end and the position.
    fn of(
        end: u64,
        position: u64,
        resume: u64,
        available: u64,
        label: impl Fn(u64) -> Option<String>,
    ) -> Tape {
        // A position past the end (the source log was cut back) still
        // gets its slot.
        let last = end.max(position);
        let mut hi = last;
        let mut lo = (hi + 1).saturating_sub(TAPE_CELLS);
        if position < lo {
            lo = position.saturating_sub(1);
            hi = last.min(lo + TAPE_CELLS - 1);
        }
        let cells = (lo..=hi)
            .map(|offset| TapeCell {
                offset,
                label: if offset < end { label(offset) } else { None },
                state: if offset < position {
                    CellState::Read
                } else if offset < available {
                    CellState::Waiting
                } else {
                    CellState::Uncommitted
                },
                next: offset == position,
                resume: offset == resume,
            })
            .collect();
        Tape {
            cells,
            hidden_before: lo,
            hidden_after: end.saturating_sub(hi),
        }
    }
}

/// What a subscriber derives, shaped for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Derived {
    /// A two-column table (cache, index, counts, replica).
    Pairs {
        columns: (&'static str, &'static str),
        rows: Vec<(String, String)>,
        more: usize,
    },
    Sum(i64),
    Warehouse {
        loaded: usize,
        /// Rows loaded more than once (re-read after a crash).
        duplicates: usize,
        staged: usize,
        /// The last few loaded rows, newest last.
        recent: Vec<String>,
    },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscriberView {
    pub name: String,
    pub kind: &'static str,
    /// What the kind derives, in a few words.
    pub derives: &'static str,
    pub source: NodeId,
    pub health: Health,
    pub position: u64,
    pub committed_offset: u64,
    /// The source's log end and commit mark.
    pub log_end: u64,
    pub source_commit: u64,
    pub lag: u64,
    pub max_lag: u64,
    pub processed: u64,
    pub tape: Tape,
    pub derived: Derived,
}

fn kind_words(kind: SubscriberKind) -> (&'static str, &'static str) {
    match kind {
        SubscriberKind::Cache => ("cache", "key \u{2192} latest value"),
        SubscriberKind::SearchIndex => ("search index", "value \u{2192} the keys holding it"),
        SubscriberKind::Warehouse => ("warehouse", "rows loaded in batches"),
        SubscriberKind::CountPerKey => ("count per key", "changes seen per key"),
        SubscriberKind::RunningSum => ("running sum", "the sum of every value written"),
        SubscriberKind::Replica => ("replica", "a full copy of the table"),
    }
}

fn pairs<K: ToString, V>(
    columns: (&'static str, &'static str),
    items: impl ExactSizeIterator<Item = (K, V)>,
    show: impl Fn(V) -> String,
) -> Derived {
    let total = items.len();
    let rows = items
        .take(STATE_ROWS)
        .map(|(k, v)| (k.to_string(), show(v)))
        .collect();
    Derived::Pairs {
        columns,
        rows,
        more: total.saturating_sub(STATE_ROWS),
    }
}

fn derived(kind: SubscriberKind, sub: &Subscriber) -> Derived {
    let view = &sub.view;
    match kind {
        SubscriberKind::SearchIndex => pairs(("value", "keys"), view.index.iter(), |keys| {
            keys.iter().cloned().collect::<Vec<_>>().join(", ")
        }),
        SubscriberKind::CountPerKey => {
            pairs(("key", "changes"), view.counts.iter(), |n| n.to_string())
        }
        SubscriberKind::RunningSum => Derived::Sum(view.sum),
        // A cache holds the table as it read it, as a replica does.
        SubscriberKind::Cache | SubscriberKind::Replica => match &view.table {
            State::Number(n) => pairs(("key", "value"), [("value", *n)].into_iter(), |v| {
                v.to_string()
            }),
            State::Table(table) => pairs(("key", "value"), table.iter(), |v| v.to_string()),
        },
        SubscriberKind::Warehouse => {
            let duplicates = sub.duplicate_loads as usize;
            let recent = sub
                .loaded
                .iter()
                .skip(sub.loaded.len().saturating_sub(4))
                .map(|r| {
                    let value = r.value.map_or("deleted".to_owned(), |v| v.to_string());
                    format!("#{} {} {value}", r.offset, r.key)
                })
                .collect();
            Derived::Warehouse {
                loaded: sub.loaded.len(),
                duplicates,
                staged: view.staged.len(),
                recent,
            }
        }
    }
}

pub fn subscribers(world: &World) -> Vec<SubscriberView> {
    world
        .subscribers()
        .map(|(config, sub)| {
            let source = world.node(config.source);
            let (log_end, commit) = source.map_or((0, 0), |n| (n.log.end(), n.log.commit_offset()));
            let label = |offset| {
                source
                    .and_then(|n| n.log.get(offset))
                    .map(|r| r.payload.to_string())
            };
            let (kind, derives) = kind_words(config.kind);
            SubscriberView {
                name: config.name.clone(),
                kind,
                derives,
                source: config.source,
                health: if !sub.up {
                    Health::Crashed
                } else if sub.paused {
                    Health::Paused
                } else {
                    Health::Up
                },
                position: sub.position,
                committed_offset: sub.committed_offset,
                log_end,
                source_commit: commit,
                lag: sub.lag(log_end),
                max_lag: sub.max_lag,
                processed: sub.processed,
                tape: Tape::of(log_end, sub.position, sub.committed_offset, commit, label),
                derived: derived(config.kind, sub),
            }
        })
        .collect()
}

/// A read a client may make from a subscriber: who, and which keys exist.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct QueryChoices {
    pub subscribers: Vec<String>,
    /// Keys of the source table and of every subscriber's cache.
    pub keys: Vec<String>,
    /// Clients that have written (c0, the app's own client, always).
    pub clients: Vec<ClientId>,
    /// The client acknowledged last: the one whose own write matters now.
    pub default_client: ClientId,
}

/// `clients`: every client acknowledged so far (see `Recent::clients`).
pub fn query_choices(world: &World, clients: Vec<ClientId>) -> QueryChoices {
    let mut keys = BTreeSet::new();
    for (config, sub) in world.subscribers() {
        keys.extend(sub.view.table.entries().map(|(key, _)| key.to_owned()));
        if let Some(node) = world.node(config.source) {
            let scenario = world.scenario();
            // A node that applied its whole log holds its table already;
            // folding a long log for every subscriber every frame does not
            // keep up with playing.
            let applied = node.runs_service() && node.machine.applied_offset == node.log.end();
            let table = if applied {
                std::borrow::Cow::Borrowed(&node.machine.state)
            } else {
                std::borrow::Cow::Owned(table_at(
                    &node.log,
                    node.log.end(),
                    scenario.service,
                    scenario.seed,
                    node.id,
                ))
            };
            match &*table {
                State::Number(_) => {
                    keys.insert("value".to_owned());
                }
                State::Table(table) => keys.extend(table.keys().map(|key| key.to_string())),
            }
        }
    }
    let acks = world.client_acks();
    let default_client = acks
        .get(acks.len().wrapping_sub(1))
        .map_or(ClientId::default(), |a| a.client);
    QueryChoices {
        default_client,
        subscribers: world.subscribers().map(|(c, _)| c.name.clone()).collect(),
        keys: keys.into_iter().collect(),
        clients,
    }
}

/// An answer a subscriber gave a client, as the trace recorded it, and
/// the step it came in.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AnswerView {
    pub step: u64,
    pub answer: SubscriberAnswer,
}

/// Answers among `events` (the last `ANSWER_WINDOW` steps'), newest first.
pub fn recent_answers(events: &[TraceEvent]) -> Vec<AnswerView> {
    let mut answers: Vec<AnswerView> = events
        .iter()
        .cloned()
        .filter_map(|event| match event.kind {
            TraceKind::SubscriberAnswer(answer) => Some(AnswerView {
                step: event.step,
                answer: *answer,
            }),
            _ => None,
        })
        .collect();
    answers.reverse();
    answers.truncate(3);
    answers
}

/// Reads still waiting for the reader's own write, in words.
pub fn waiting_reads(world: &World) -> Vec<String> {
    world
        .waiting_reads()
        .map(|(name, client, key, needed)| {
            format!(
                "{client}'s read of {key} from {name} waits until {name} has read #{}.",
                needed.saturating_sub(1)
            )
        })
        .collect()
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionView {
    pub partition: u32,
    pub owner: Option<u8>,
    /// The owner is down: nobody reads this partition until a rebalance.
    pub orphaned: bool,
    pub changes: u64,
    pub position: u64,
    pub committed: u64,
    pub tape: Tape,
}

/// How the group's output table compares with the source table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SinkStatus {
    Matches,
    /// Changes are still unread; the table will catch up.
    CatchingUp {
        unread: u64,
    },
    /// Every change was processed and the tables still differ.
    Differs,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GroupView {
    pub name: String,
    pub key_hash: bool,
    pub source: NodeId,
    pub generation: u64,
    pub processed: u64,
    pub redelivered: u64,
    pub members: Vec<MemberReport>,
    pub partitions: Vec<PartitionView>,
    /// The output table, with the source's value where it differs.
    pub sink: Vec<SinkRow>,
    pub sink_more: usize,
    pub status: SinkStatus,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SinkRow {
    pub key: String,
    pub value: Option<i64>,
    /// The source table's value, when it is not `value`.
    pub source: Option<Option<i64>>,
}

const SINK_ROWS: usize = 10;

pub fn groups(world: &World) -> Vec<GroupView> {
    world
        .consumer_groups()
        .map(|(config, group)| {
            let topic = &group.topic;
            let partitions = (0..topic.partition_count())
                .map(|p| {
                    let i = p as usize;
                    let owner = group.owner[i];
                    let label = |offset| {
                        topic.get(p, offset).map(|c| {
                            let value = c.value.map_or("\u{2013}".to_owned(), |v| v.to_string());
                            format!("{}={value}", c.key)
                        })
                    };
                    let len = topic.len(p);
                    PartitionView {
                        partition: p,
                        owner,
                        orphaned: owner.is_some_and(|m| !group.members[m as usize].up),
                        changes: len,
                        position: group.position[i],
                        committed: group.committed[i],
                        tape: Tape::of(len, group.position[i], group.committed[i], len, label),
                    }
                })
                .collect();
            let rows = group.sink_beside_source();
            let total = rows.len();
            let sink = rows
                .into_iter()
                .take(SINK_ROWS)
                .map(|(key, value, source)| SinkRow {
                    key: key.to_owned(),
                    value,
                    source: (source != value).then_some(source),
                })
                .collect();
            let unread: u64 = (0..topic.partition_count())
                .map(|p| topic.len(p).saturating_sub(group.position[p as usize]))
                .sum();
            let status = if group.sink_matches_source() {
                SinkStatus::Matches
            } else if group.caught_up() {
                SinkStatus::Differs
            } else {
                SinkStatus::CatchingUp { unread }
            };
            GroupView {
                name: config.name.clone(),
                key_hash: config.partition_by == PartitionBy::KeyHash,
                source: config.source,
                generation: group.generation,
                processed: group.processed,
                redelivered: group.redelivered,
                members: MemberReport::all(group),
                partitions,
                sink,
                sink_more: total.saturating_sub(SINK_ROWS),
                status,
            }
        })
        .collect()
}

/// One subscriber's lag over the run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LagSeries {
    pub name: String,
    /// (step, lag), oldest first.
    pub points: Vec<(u64, u64)>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LagHistory {
    pub series: Vec<LagSeries>,
    /// The step the curves end at (the current position).
    pub until: u64,
    pub max_lag: u64,
}

/// An invariant the scenario's checkers watch, and how it stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InvariantView {
    pub name: &'static str,
    /// What must hold, in a sentence.
    pub about: &'static str,
    /// Violations of it so far.
    pub broken: usize,
}

/// What each invariant asks for, in the docs' words.
fn about(invariant: &str) -> &'static str {
    match invariant {
        check::SAME_OFFSET_SAME_STATE => {
            "Replicas that applied the same number of committed records hold the same state."
        }
        check::COMMITTED_LOGS_AGREE => {
            "Once an offset is committed on two nodes, both hold the same record there."
        }
        check::APPLIED_NEVER_DECREASES => {
            "A replica's applied offset only grows, except after a crash or a truncation."
        }
        check::ONE_PRIMARY_PER_EPOCH => "At most one node accepts client writes in any one epoch.",
        check::ACKED_WRITES_SURVIVE => "A write a client was told is done stays in some log.",
        check::CHANGELOG_REPLICA_MATCHES => {
            "A replica subscriber equals the source log folded to the same offset."
        }
        check::READ_YOUR_WRITES => {
            "A client reading from a subscriber sees its own acknowledged write."
        }
        check::PARTITION_ORDER_KEPT => {
            "Each partition is read by its owner only, in order, from its committed offset."
        }
        check::GROUP_OUTPUT_MATCHES => {
            "A group that processed every change holds the source table."
        }
        _ => "",
    }
}

/// Every invariant this scenario can break, in the docs' order, with its
/// live state; any invariant with a violation is listed too.
pub fn invariants(world: &World) -> Vec<InvariantView> {
    let scenario = world.scenario();
    let mut names = vec![
        check::SAME_OFFSET_SAME_STATE,
        check::COMMITTED_LOGS_AGREE,
        check::APPLIED_NEVER_DECREASES,
    ];
    if scenario.protocol == ProtocolKind::PrimaryBackup {
        names.push(check::ONE_PRIMARY_PER_EPOCH);
    }
    names.push(check::ACKED_WRITES_SURVIVE);
    if scenario
        .subscribers
        .iter()
        .any(|s| s.kind == SubscriberKind::Replica)
    {
        names.push(check::CHANGELOG_REPLICA_MATCHES);
    }
    if !scenario.subscribers.is_empty() {
        names.push(check::READ_YOUR_WRITES);
    }
    if !scenario.consumer_groups.is_empty() {
        names.push(check::PARTITION_ORDER_KEPT);
        names.push(check::GROUP_OUTPUT_MATCHES);
    }
    for violation in world.violations() {
        if !names.contains(&violation.invariant) {
            names.push(violation.invariant);
        }
    }
    names
        .into_iter()
        .map(|name| InvariantView {
            name,
            about: about(name),
            broken: world
                .violations()
                .iter()
                .filter(|v| v.invariant == name)
                .count(),
        })
        .collect()
}

/// What happened in one step, told in sentences.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepStory {
    pub step: u64,
    pub tick: u64,
    pub sentences: Vec<Sentence>,
    /// Sentences left out (quiet ones first).
    pub more: usize,
}

/// The steps of `events` (the last `EVENT_WINDOW` steps'), newest first.
pub fn recent_steps(events: &[TraceEvent]) -> Vec<StepStory> {
    let mut stories: Vec<StepStory> = Vec::new();
    for event in events {
        let sentence = narrate(&event.kind);
        match stories.last_mut() {
            Some(story) if story.step == event.step => story.sentences.push(sentence),
            _ => stories.push(StepStory {
                step: event.step,
                tick: event.tick,
                sentences: vec![sentence],
                more: 0,
            }),
        }
    }
    for story in &mut stories {
        let total = story.sentences.len();
        if total > SENTENCES_PER_STEP {
            story.sentences.retain(|s| s.tone != Tone::Minor);
            story.sentences.truncate(SENTENCES_PER_STEP);
            story.more = total - story.sentences.len();
        }
    }
    stories.reverse();
    stories
}

/// The current step's events as plain sentences, cause first, quiet
/// network chatter left out when something else happened.
pub fn last_events(world: &World) -> Vec<String> {
    let sentences: Vec<_> = world
        .last_events()
        .iter()
        .map(|event| narrate(&event.kind))
        .collect();
    let loud = sentences.iter().any(|s| s.tone != Tone::Minor);
    sentences
        .iter()
        .filter(|s| !loud || s.tone != Tone::Minor)
        .map(|s| s.text())
        .collect()
}
