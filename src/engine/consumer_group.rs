//! A partitioned topic and the consumer group that reads it.
//!
//! The topic is the source node's committed log, turned into changes
//! (key, new value) and split into partitions. With `key-hash` partitioning
//! every change of one key lands in the same partition, so each partition
//! keeps the log's order for its keys. The group's members share the
//! partitions out: each partition has one owner per generation, which reads
//! it at its own pace, writes every change into the group's output table
//! (the sink) and commits the partition's offset in the group every few
//! records. When a member crashes, the coordinator notices after the
//! session timeout and rebalances: a new generation in which the surviving
//! members take over its partitions from their committed offsets, so the
//! changes read since the last commit are processed again (at-least-once).
//! Writing the latest value per key is idempotent, so the sink still ends
//! equal to the source table; with `round-robin` partitioning (a planted
//! bug) one key's changes are spread over partitions and can reach the sink
//! out of order.

use super::chunked::Chunked;
use super::ids::{NodeId, Offset, Tick};
use super::log::Log;
use super::service::{ServiceKind, State, Surroundings, NUMBER_KEY};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};
use xxhash_rust::xxh3::xxh3_64;

pub const MAX_PARTITIONS: u32 = 16;
pub const MAX_MEMBERS: u8 = 8;

/// How changes are assigned to partitions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum PartitionBy {
    /// `hash(key) mod partitions`: one key, one partition, log order kept.
    #[default]
    KeyHash,
    /// Changes dealt out in turn, whatever their key (a planted bug).
    RoundRobin,
}

/// A consumer group as a scenario declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct GroupConfig {
    pub name: String,
    /// The node whose committed log feeds the topic.
    #[serde(default)]
    pub source: NodeId,
    pub partitions: u32,
    #[serde(default)]
    pub partition_by: PartitionBy,
    pub members: u8,
    /// Ticks between two polls of a member.
    #[serde(default = "one")]
    pub every_ticks: Tick,
    /// Most changes a member reads from each of its partitions per poll.
    #[serde(default = "one")]
    pub batch_records: u64,
    /// A member commits a partition's offset after this many changes.
    #[serde(default = "one")]
    pub commit_every_records: u64,
    /// How long the coordinator waits for a silent member before it
    /// hands the member's partitions to the others.
    #[serde(default = "default_session_timeout")]
    pub session_timeout_ticks: Tick,
}

fn one() -> u64 {
    1
}

fn default_session_timeout() -> Tick {
    5
}

/// The partition a key's changes go to.
pub fn partition_of(key: &str, partitions: u32) -> u32 {
    (xxh3_64(key.as_bytes()) % u64::from(partitions.max(1))) as u32
}

/// One change in a partition.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    /// Where the change sits in the source log.
    pub source_offset: Offset,
    pub key: String,
    /// `None` for a deletion.
    pub value: Option<i64>,
}

/// The source log's committed changes, split into partitions.
#[derive(Clone, Debug)]
pub struct Topic {
    partition_by: PartitionBy,
    partitions: Vec<Chunked<Change>>,
    /// Source records up to here are in the topic.
    indexed_upto: Offset,
    /// The source table as of `indexed_upto`: commands become changes with it.
    table: State,
    /// Changes dealt out so far (round-robin).
    dealt: u64,
}

impl Topic {
    pub fn new(partitions: u32, partition_by: PartitionBy, service: ServiceKind) -> Topic {
        Topic {
            partition_by,
            partitions: (0..partitions.max(1)).map(|_| Chunked::default()).collect(),
            indexed_upto: 0,
            table: State::initial(service),
            dealt: 0,
        }
    }

    pub fn partition_count(&self) -> u32 {
        self.partitions.len() as u32
    }

    /// Changes in partition `p`.
    pub fn len(&self, partition: u32) -> Offset {
        self.partitions
            .get(partition as usize)
            .map_or(0, |p| p.len() as Offset)
    }

    pub fn get(&self, partition: u32, offset: Offset) -> Option<&Change> {
        self.partitions
            .get(partition as usize)?
            .get(usize::try_from(offset).ok()?)
    }

    /// The changes of partition `p` from `from` on.
    pub fn read_from(&self, partition: u32, from: Offset) -> impl Iterator<Item = &Change> + '_ {
        let from = usize::try_from(from).unwrap_or(usize::MAX);
        self.partitions
            .get(partition as usize)
            .into_iter()
            .flat_map(move |p| p.iter_from(from.min(p.len())))
    }

    /// Source records already partitioned.
    pub fn indexed_upto(&self) -> Offset {
        self.indexed_upto
    }

    /// The source table as of `indexed_upto`.
    pub fn source_table(&self) -> &State {
        &self.table
    }

    /// Partitions the source records committed since the last call.
    /// Returns how many changes were added.
    pub fn extend(&mut self, log: &Log, seed: u64, source: NodeId) -> u64 {
        let mut added = 0;
        let commit = log.commit_offset();
        while self.indexed_upto < commit {
            let offset = self.indexed_upto;
            self.indexed_upto += 1;
            let Some(record) = log.get(offset) else {
                continue;
            };
            let around = Surroundings::of(seed, source, 0, offset);
            let Some(write) = record.change(&self.table, around) else {
                continue;
            };
            self.table.install(&write);
            let partition = match self.partition_by {
                PartitionBy::KeyHash => partition_of(write.key(), self.partition_count()),
                PartitionBy::RoundRobin => (self.dealt % u64::from(self.partition_count())) as u32,
            };
            self.dealt += 1;
            self.partitions[partition as usize].push(Change {
                source_offset: offset,
                key: write.key().to_owned(),
                value: write.value(),
            });
            added += 1;
        }
        added
    }
}

/// One member of a group.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Member {
    pub up: bool,
    /// Changes this member processed, again-processed ones included.
    pub processed: u64,
    pub(crate) polling: bool,
}

/// A member's read of one partition during a poll.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PartitionRead {
    pub partition: u32,
    pub from: Offset,
    pub to: Offset,
    /// The partition's offset committed after the read, if it was.
    pub committed: Option<Offset>,
}

/// A group's whole state.
#[derive(Clone, Debug)]
pub struct ConsumerGroup {
    pub topic: Topic,
    /// Bumped by every rebalance; 0 before the first.
    pub generation: u64,
    pub members: Vec<Member>,
    /// Partition → its owner in this generation.
    pub owner: Vec<Option<u8>>,
    /// Partition → next change its owner reads (volatile, the owner's).
    pub position: Vec<Offset>,
    /// Partition → committed offset, kept durably by the coordinator.
    pub committed: Vec<Offset>,
    /// Partition → highest position ever reached, to count re-deliveries.
    reached: Vec<Offset>,
    /// The group's output: every change the members processed, written
    /// as key → latest value.
    pub sink: BTreeMap<String, i64>,
    pub processed: u64,
    /// Changes processed a second time after a crash and rebalance.
    pub redelivered: u64,
}

impl ConsumerGroup {
    pub fn new(config: &GroupConfig, service: ServiceKind) -> ConsumerGroup {
        let partitions = config.partitions.max(1) as usize;
        ConsumerGroup {
            topic: Topic::new(config.partitions, config.partition_by, service),
            generation: 0,
            members: (0..config.members)
                .map(|_| Member {
                    up: true,
                    processed: 0,
                    polling: false,
                })
                .collect(),
            owner: vec![None; partitions],
            position: vec![0; partitions],
            committed: vec![0; partitions],
            reached: vec![0; partitions],
            sink: BTreeMap::new(),
            processed: 0,
            redelivered: 0,
        }
    }

    /// Partitions `member` owns in this generation, in order.
    pub fn owned(&self, member: u8) -> impl Iterator<Item = u32> + '_ {
        (0..self.owner.len() as u32).filter(move |&p| self.owner[p as usize] == Some(member))
    }

    /// [`Self::owned`], collected.
    pub fn partitions_of(&self, member: u8) -> Vec<u32> {
        self.owned(member).collect()
    }

    /// Whether some partition has no live owner, so a rebalance is due.
    pub fn needs_rebalance(&self) -> bool {
        self.owner
            .iter()
            .any(|owner| owner.is_none_or(|m| !self.members.get(m as usize).is_some_and(|m| m.up)))
    }

    /// Whether `member` has changes waiting in its partitions.
    pub fn has_work(&self, member: u8) -> bool {
        self.members.get(member as usize).is_some_and(|m| m.up)
            && self
                .owned(member)
                .any(|p| self.position[p as usize] < self.topic.len(p))
    }

    /// Whether every change in the topic has been processed by a live owner.
    pub fn caught_up(&self) -> bool {
        !self.needs_rebalance()
            && (0..self.owner.len() as u32).all(|p| self.position[p as usize] >= self.topic.len(p))
    }

    /// A new generation: live owners first commit where they are (a
    /// graceful hand-over), then partitions are dealt to the live members
    /// in turn and everyone starts from the committed offsets. Returns the
    /// partitions whose offset this commit moved.
    pub fn rebalance(&mut self) -> Vec<(u32, Offset)> {
        let mut commits = Vec::new();
        for p in 0..self.owner.len() {
            let live_owner = self.owner[p].is_some_and(|m| self.members[m as usize].up);
            if live_owner && self.position[p] > self.committed[p] {
                self.committed[p] = self.position[p];
                commits.push((p as u32, self.committed[p]));
            }
        }
        let live: Vec<u8> = (0..self.members.len() as u8)
            .filter(|&m| self.members[m as usize].up)
            .collect();
        self.generation += 1;
        for p in 0..self.owner.len() {
            self.owner[p] = (!live.is_empty()).then(|| live[p % live.len()]);
            self.position[p] = self.committed[p];
        }
        commits
    }

    /// The member stops; its uncommitted progress is lost. Its partitions
    /// stay assigned to it (unread) until the coordinator gives up on it.
    pub fn crash(&mut self, member: u8) -> bool {
        let Some(m) = self.members.get_mut(member as usize).filter(|m| m.up) else {
            return false;
        };
        m.up = false;
        m.polling = false;
        for p in 0..self.owner.len() {
            if self.owner[p] == Some(member) {
                self.position[p] = self.committed[p];
            }
        }
        true
    }

    /// A crashed member comes back (and asks to join: a rebalance follows).
    pub fn restart(&mut self, member: u8) -> bool {
        let Some(m) = self.members.get_mut(member as usize).filter(|m| !m.up) else {
            return false;
        };
        m.up = true;
        true
    }

    /// One poll of `member`: up to `batch` changes from each of its
    /// partitions, written into the sink, with a commit every
    /// `commit_every` changes.
    pub fn poll(&mut self, member: u8, batch: u64, commit_every: u64) -> Vec<PartitionRead> {
        let mut reads = Vec::new();
        if !self.members.get(member as usize).is_some_and(|m| m.up) {
            return reads;
        }
        for p in self.partitions_of(member) {
            let i = p as usize;
            let from = self.position[i];
            let to = self.topic.len(p).min(from.saturating_add(batch));
            if to <= from {
                continue;
            }
            for offset in from..to {
                let Some(change) = self.topic.get(p, offset) else {
                    break;
                };
                match change.value {
                    Some(v) => self.sink.insert(change.key.clone(), v),
                    None => self.sink.remove(&change.key),
                };
                if offset < self.reached[i] {
                    self.redelivered += 1;
                }
            }
            let read = to - from;
            self.processed += read;
            self.members[member as usize].processed += read;
            self.position[i] = to;
            self.reached[i] = self.reached[i].max(to);
            let committed = (to - self.committed[i] >= commit_every).then(|| {
                self.committed[i] = to;
                to
            });
            reads.push(PartitionRead {
                partition: p,
                from,
                to,
                committed,
            });
        }
        reads
    }

    /// Whether the output table equals the source table (a number source
    /// is held by the sink as the key `value`).
    pub fn sink_matches_source(&self) -> bool {
        match self.topic.source_table() {
            State::Number(n) => self.sink.len() == 1 && self.sink.get(NUMBER_KEY) == Some(n),
            State::Table(table) => {
                self.sink.len() == table.len()
                    && self
                        .sink
                        .iter()
                        .zip(table)
                        .all(|((a, x), (b, y))| a.as_str() == b.as_str() && x == y)
            }
        }
    }

    /// Every key of the output or the source table, in order, with its
    /// value in each (`None`: absent).
    pub fn sink_beside_source(&self) -> Vec<(&str, Option<i64>, Option<i64>)> {
        let source: BTreeMap<&str, i64> = match self.topic.source_table() {
            State::Number(n) => super::sort::map_of_one(NUMBER_KEY, *n),
            State::Table(table) => {
                super::sort::map_from(table.iter().map(|(k, v)| (k.as_str(), *v)))
            }
        };
        let keys: BTreeSet<&str> = super::sort::set_from(
            self.sink
                .keys()
                .map(String::as_str)
                .chain(source.keys().copied()),
        );
        keys.into_iter()
            .map(|key| (key, self.sink.get(key).copied(), source.get(key).copied()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::log::{Payload, Record};
    use crate::engine::service::Command;

    fn config(partitions: u32, members: u8, partition_by: PartitionBy) -> GroupConfig {
        GroupConfig {
            name: "g".into(),
            source: NodeId(0),
            partitions,
            partition_by,
            members,
            every_ticks: 1,
            batch_records: 2,
            commit_every_records: 2,
            session_timeout_ticks: 3,
        }
    }

    /// A log of `commands` whose first `commit` records are committed.
    fn command_log(commands: &[Command], commit: usize) -> Log {
        let mut log = Log::new();
        for (i, command) in commands.iter().enumerate() {
            log.append(Record {
                offset: i as Offset,
                epoch: 0,
                writer: NodeId(0),
                payload: Payload::Command(command.clone()),
            })
            .expect("append in order");
        }
        log.commit_to(commit.min(commands.len()) as Offset)
            .expect("commit within the log");
        log
    }

    /// A fully committed log of the commands written out.
    fn log_of(commands: &[&str]) -> Log {
        let commands: Vec<Command> = commands
            .iter()
            .map(|c| c.parse().expect("valid command"))
            .collect();
        command_log(&commands, commands.len())
    }

    #[test]
    fn a_key_always_lands_in_the_same_partition() {
        for key in ["a", "b", "user:7", ""] {
            let p = partition_of(key, 4);
            assert!(p < 4);
            assert_eq!(p, partition_of(key, 4));
        }
        // The hash is pinned: scenarios and links depend on where keys go.
        let pinned: Vec<u32> = ["a", "b", "c", "d", "user:ann", "cpu:r1"]
            .iter()
            .map(|k| partition_of(k, 4))
            .collect();
        assert_eq!(pinned, vec![3, 3, 3, 2, 0, 0]);
    }

    #[test]
    fn the_topic_turns_commands_into_changes() {
        let log = log_of(&["put a 1", "incr a", "delete a", "put b 5"]);
        let mut topic = Topic::new(1, PartitionBy::KeyHash, ServiceKind::KeyValue);
        assert_eq!(topic.extend(&log, 1, NodeId(0)), 4);
        let changes: Vec<_> = topic
            .read_from(0, 0)
            .map(|c| (c.source_offset, c.key.as_str(), c.value))
            .collect();
        assert_eq!(
            changes,
            vec![
                (0, "a", Some(1)),
                (1, "a", Some(2)),
                (2, "a", None),
                (3, "b", Some(5))
            ]
        );
        assert_eq!(topic.extend(&log, 1, NodeId(0)), 0, "nothing new");
    }

    #[test]
    fn the_first_rebalance_deals_partitions_in_turn() {
        let mut group =
            ConsumerGroup::new(&config(5, 2, PartitionBy::KeyHash), ServiceKind::KeyValue);
        assert!(group.needs_rebalance());
        group.rebalance();
        assert_eq!(group.generation, 1);
        assert_eq!(group.partitions_of(0), vec![0, 2, 4]);
        assert_eq!(group.partitions_of(1), vec![1, 3]);
        assert!(!group.needs_rebalance());
    }

    #[test]
    fn a_crashed_members_partitions_restart_from_the_committed_offset() {
        let log = log_of(&["put a 1", "put a 2", "put a 3", "put a 4", "put a 5"]);
        let mut group =
            ConsumerGroup::new(&config(1, 2, PartitionBy::KeyHash), ServiceKind::KeyValue);
        group.topic.extend(&log, 1, NodeId(0));
        group.rebalance();
        // Member 0 owns the only partition: reads 2 (commits), then 2 more
        // (commits), then 1 (not committed: fewer than 2 since the last).
        let reads = group.poll(0, 2, 2);
        assert_eq!(reads[0].committed, Some(2));
        group.poll(0, 2, 2);
        let reads = group.poll(0, 2, 2);
        assert_eq!(
            (reads[0].from, reads[0].to, reads[0].committed),
            (4, 5, None)
        );
        assert!(group.crash(0));
        assert!(group.needs_rebalance());
        group.rebalance();
        assert_eq!(group.partitions_of(1), vec![0]);
        assert_eq!(group.position[0], 4, "resumes at the committed offset");
        group.poll(1, 2, 2);
        assert_eq!(group.redelivered, 1, "the fifth change is processed twice");
        assert!(group.sink_matches_source());
        assert!(group.caught_up());
    }

    #[test]
    fn a_group_with_nobody_alive_owns_nothing() {
        let mut group =
            ConsumerGroup::new(&config(2, 1, PartitionBy::KeyHash), ServiceKind::KeyValue);
        group.rebalance();
        group.crash(0);
        group.rebalance();
        assert_eq!(group.owner, vec![None, None]);
        assert!(group.needs_rebalance());
        assert!(group.restart(0));
        group.rebalance();
        assert_eq!(group.partitions_of(0), vec![0, 1]);
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use crate::engine::check::PARTITION_ORDER_KEPT;
        use crate::engine::report::{self, RunReport};
        use crate::engine::service::strategies::kv_command;
        use crate::engine::Scenario;
        use proptest::prelude::*;
        use serde_json::json;
        use std::rc::Rc;

        const KEYS: &[&str] = &["a", "b", "c", "d", "user:7", "cpu:r1", "x.y/z"];

        proptest! {
            /// Every change lands in its key's partition; each partition
            /// lists its changes in log order; together they are the whole
            /// log; folding them back in log order gives the source table;
            /// and partitioning in two goes gives the same topic as in one.
            #[test]
            fn partitions_keep_log_order_for_any_keys(
                commands in proptest::collection::vec(kv_command(KEYS), 0..60),
                partitions in 1u32..8,
                split in 0usize..60,
            ) {
                let mut topic = Topic::new(partitions, PartitionBy::KeyHash, ServiceKind::KeyValue);
                topic.extend(&command_log(&commands, split), 1, NodeId(0));
                topic.extend(&command_log(&commands, commands.len()), 1, NodeId(0));
                let mut all = Vec::new();
                for p in 0..partitions {
                    let changes: Vec<Change> = topic.read_from(p, 0).cloned().collect();
                    prop_assert!(changes.windows(2).all(|w| w[0].source_offset < w[1].source_offset));
                    for change in &changes {
                        prop_assert_eq!(partition_of(&change.key, partitions), p);
                    }
                    all.extend(changes);
                }
                prop_assert_eq!(all.len(), commands.len());
                all.sort_by_key(|c| c.source_offset);
                let mut folded = BTreeMap::new();
                for change in &all {
                    match change.value {
                        Some(v) => folded.insert(change.key.clone(), v),
                        None => folded.remove(&change.key),
                    };
                }
                prop_assert_eq!(&State::table(folded), topic.source_table());
            }

            /// With key partitioning, any schedule of member crashes and
            /// restarts keeps every partition in order and ends with the
            /// output table equal to the source once everyone is back.
            #[test]
            fn any_crash_schedule_keeps_the_group_correct(
                commands in proptest::collection::vec(kv_command(KEYS), 1..30),
                faults in proptest::collection::vec((1u64..40, 0u8..3, any::<bool>()), 0..8),
                partitions in 1u32..6,
                batch in 1u64..4,
                commit_every in 1u64..5,
                seed in 0u64..1000,
            ) {
                let mut inputs: Vec<serde_json::Value> = commands
                    .iter()
                    .enumerate()
                    .map(|(i, c)| json!({ "tick": i as u64 + 1, "type": "write", "command": c.to_string() }))
                    .collect();
                for (tick, member, crash) in faults {
                    let kind = if crash { "crash_member" } else { "restart_member" };
                    inputs.push(json!({ "tick": tick, "type": kind, "group": "g", "member": member }));
                }
                for member in 0..3 {
                    inputs.push(json!({ "tick": 50, "type": "restart_member", "group": "g", "member": member }));
                }
                let scenario = json!({
                    "seed": seed, "replicas": 3, "protocol": "primary-backup", "service": "key-value",
                    "params": { "ack": "quorum" }, "run_ticks": 150, "inputs": inputs,
                    "consumer_groups": [{
                        "name": "g", "partitions": partitions, "members": 3, "every_ticks": 2,
                        "batch_records": batch, "commit_every_records": commit_every,
                        "session_timeout_ticks": 3
                    }],
                });
                let scenario = Scenario::from_json(&scenario.to_string()).expect("valid scenario");
                let world = report::run(Rc::new(scenario), |_| {});
                let report = RunReport::of(&world);
                let order_broken = report.violations.iter().any(|v| v.invariant == PARTITION_ORDER_KEPT);
                prop_assert!(!order_broken, "{:?}", report.violations);
                prop_assert!(report.violations.is_empty(), "{:?}", report.violations);
                let group = &report.consumer_groups[0];
                prop_assert!(group.sink_matches_source, "{:?}", group);
                prop_assert_eq!(Some(State::table(group.sink.iter().map(|(k, v)| (k, *v)))), report.replicas[0].state.clone());
            }
        }
    }
}
