//! Subscribers: consumers that read the log at their own pace.
//!
//! Each subscriber polls one node's log for committed records, from its own
//! position, a batch at a time, and folds them into its derived state: a
//! cache, a search index, a warehouse, a count per key, a running sum or a
//! plain replica of the table. Every few records it commits its offset,
//! durably, together with a checkpoint of its state. A crash throws away
//! everything after the last commit; the restart resumes there and reads
//! those records again. The state comes out the same; effects that already
//! left the subscriber (rows loaded into the warehouse) happen twice unless
//! the load is idempotent. A slow or stopped subscriber never slows the log
//! or the other subscribers: nobody waits for it.

use super::ids::{NodeId, Offset, Tick};
use super::log::{Payload, Record};
use super::service::{ServiceKind, State, Surroundings, Write};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// The identity a subscriber executes commands under (it matters only for
/// nondeterministic ones): no node of the cluster.
pub const SUBSCRIBER_NODE: NodeId = NodeId(u8::MAX);

/// What a subscriber derives from the log.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SubscriberKind {
    /// Key → latest value.
    Cache,
    /// Value → the keys that hold it (an inverted index).
    SearchIndex,
    /// Append-only rows, loaded into the warehouse in batches.
    Warehouse,
    /// Number of changes seen per key.
    CountPerKey,
    /// Sum of every value written.
    RunningSum,
    /// A full copy of the source table.
    Replica,
}

/// A subscriber as a scenario declares it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SubscriberConfig {
    pub name: String,
    pub kind: SubscriberKind,
    /// The node whose log it reads (committed records only).
    #[serde(default)]
    pub source: NodeId,
    /// Ticks between two polls.
    #[serde(default = "one")]
    pub every_ticks: Tick,
    /// Most records read per poll.
    #[serde(default = "one")]
    pub batch_records: u64,
    /// Commit the offset (and a checkpoint) after this many records.
    #[serde(default = "one")]
    pub commit_every_records: u64,
    /// Warehouse only: load staged rows after this many records.
    #[serde(default = "one")]
    pub load_every_records: u64,
    /// Warehouse only: loading is an upsert by offset, so loading a row
    /// twice leaves one copy.
    #[serde(default)]
    pub idempotent_load: bool,
}

fn one() -> u64 {
    1
}

/// One warehouse row: a change and where it sits in the log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Row {
    pub offset: Offset,
    pub key: String,
    /// `None` for a deletion.
    pub value: Option<i64>,
}

/// A subscriber's derived state. Each kind keeps only its own part up to
/// date beside the table, which every kind needs to interpret commands
/// and which is the cache itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    /// The source table as of `position`: a cache's content.
    pub table: State,
    /// Search index: value → the keys that hold it.
    pub index: BTreeMap<i64, BTreeSet<String>>,
    /// Count per key: changes seen per key.
    pub counts: BTreeMap<String, u64>,
    /// Running sum: every value written, added up.
    pub sum: i64,
    /// Warehouse: rows read but not loaded yet.
    pub staged: Vec<Row>,
}

impl View {
    pub fn new(service: ServiceKind) -> View {
        View {
            table: State::initial(service),
            index: BTreeMap::new(),
            counts: BTreeMap::new(),
            sum: 0,
            staged: Vec::new(),
        }
    }

    /// What a read of `key` from this subscriber sees (a cache's answer).
    pub fn value_of(&self, key: &str) -> Option<i64> {
        self.table.get(key)
    }

    /// Folds one write into the table and into `kind`'s part, and returns
    /// what it replaced, which `unfold` takes to take the write back out.
    /// The arithmetic service's number is the key `value`. Allocates only
    /// for a key (or value) it has not seen and for a warehouse's staged row.
    pub fn fold(&mut self, kind: SubscriberKind, offset: Offset, write: &Write) -> Folded {
        let (key, value) = (write.key(), write.value());
        let old = self.table.install(write);
        let mut folded = Folded {
            old,
            unindexed: false,
            indexed: false,
        };
        match kind {
            SubscriberKind::Cache | SubscriberKind::Replica => {}
            SubscriberKind::SearchIndex => {
                if let Some(old) = old {
                    if let Some(keys) = self.index.get_mut(&old) {
                        folded.unindexed = keys.remove(key);
                        if keys.is_empty() {
                            self.index.remove(&old);
                        }
                    }
                }
                if let Some(v) = value {
                    let keys = self.index.entry(v).or_default();
                    if !keys.contains(key) {
                        keys.insert(key.to_owned());
                        folded.indexed = true;
                    }
                }
            }
            SubscriberKind::CountPerKey => match self.counts.get_mut(key) {
                Some(count) => *count += 1,
                None => {
                    self.counts.insert(key.to_owned(), 1);
                }
            },
            SubscriberKind::RunningSum => {
                self.sum = self.sum.wrapping_add(value.unwrap_or(0));
            }
            SubscriberKind::Warehouse => self.staged.push(Row {
                offset,
                key: key.to_owned(),
                value,
            }),
        }
        folded
    }

    /// Takes back the last write folded (`write`, which `fold` said
    /// `folded` about), except a warehouse's staged row, which the caller
    /// restores whole. Taking writes back newest first returns the view to
    /// what it was before them.
    fn unfold(&mut self, kind: SubscriberKind, write: &Write, folded: &Folded) {
        let key = write.key();
        let restore = match (write, folded.old) {
            (Write::Number(_), old) => Write::Number(old.unwrap_or(0)),
            (Write::Put(key, _) | Write::Delete(key), Some(old)) => Write::Put(key.clone(), old),
            (Write::Put(key, _) | Write::Delete(key), None) => Write::Delete(key.clone()),
        };
        self.table.install(&restore);
        match kind {
            SubscriberKind::Cache | SubscriberKind::Replica | SubscriberKind::Warehouse => {}
            SubscriberKind::SearchIndex => {
                if let (true, Some(v)) = (folded.indexed, write.value()) {
                    if let Some(keys) = self.index.get_mut(&v) {
                        keys.remove(key);
                        if keys.is_empty() {
                            self.index.remove(&v);
                        }
                    }
                }
                if let (true, Some(old)) = (folded.unindexed, folded.old) {
                    self.index.entry(old).or_default().insert(key.to_owned());
                }
            }
            SubscriberKind::CountPerKey => {
                if let Some(count) = self.counts.get_mut(key) {
                    *count -= 1;
                    if *count == 0 {
                        self.counts.remove(key);
                    }
                }
            }
            SubscriberKind::RunningSum => {
                self.sum = self.sum.wrapping_sub(write.value().unwrap_or(0));
            }
        }
    }

    /// The part of the view its kind shows, as JSON.
    pub fn shown(&self, kind: SubscriberKind, loaded: &[Row]) -> serde_json::Value {
        let shown = match kind {
            SubscriberKind::Cache => {
                serde_json::to_value(self.table.entries().collect::<BTreeMap<&str, i64>>())
            }
            SubscriberKind::SearchIndex => serde_json::to_value(&self.index),
            SubscriberKind::Warehouse => Ok(serde_json::json!({
                "rows": loaded.len(),
                "staged": self.staged.len(),
            })),
            SubscriberKind::CountPerKey => serde_json::to_value(&self.counts),
            SubscriberKind::RunningSum => serde_json::to_value(self.sum),
            SubscriberKind::Replica => serde_json::to_value(&self.table),
        };
        shown.expect("views serialize")
    }
}

/// What folding one write replaced in a view: the value its key held, and
/// whether the search index moved the key out of that value's keys and
/// into the new value's.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct Folded {
    old: Option<i64>,
    unindexed: bool,
    indexed: bool,
}

/// A subscriber's whole state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Subscriber {
    pub up: bool,
    pub paused: bool,
    /// Next offset to read (volatile).
    pub position: Offset,
    /// Where a restart resumes (durable).
    pub committed_offset: Offset,
    pub view: View,
    /// The writes folded into `view` since the last commit, in order, with
    /// what each replaced: the view as of `committed_offset` (its durable
    /// checkpoint) is `view` with them taken back out, newest first. A
    /// commit just forgets them; a copy of the view would cost its whole
    /// size, and folding them into a second view as much as reading them.
    uncommitted: Vec<(Write, Folded)>,
    /// A warehouse's staged rows at the last commit (durable).
    committed_staged: Vec<Row>,
    /// Rows loaded into the warehouse: they have left the subscriber, so a
    /// crash does not take them back.
    pub loaded: Vec<Row>,
    /// The offsets of the rows in `loaded`: an idempotent load looks a row
    /// up here instead of scanning every row loaded before.
    loaded_offsets: BTreeSet<Offset>,
    /// Rows loaded again after a crash (a load that is not idempotent).
    pub duplicate_loads: u64,
    /// Records processed, re-processing after a crash included.
    pub processed: u64,
    /// The largest lag seen so far (committed source records not yet read).
    pub max_lag: Offset,
    /// Whether a poll is scheduled.
    pub(crate) polling: bool,
    /// Its source truncated records it had already read, from this offset
    /// on (a lost write of a failover without quorum): its next poll
    /// rebuilds it from the source's log as it is now.
    #[serde(skip)]
    pub(crate) source_rewound: Option<Offset>,
}

/// What one poll did, for the trace.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PollOutcome {
    pub read: Option<(Offset, Offset)>,
    pub committed: Option<Offset>,
    pub loaded_rows: usize,
}

impl Subscriber {
    pub fn new(service: ServiceKind) -> Subscriber {
        Subscriber {
            up: true,
            paused: false,
            position: 0,
            committed_offset: 0,
            view: View::new(service),
            uncommitted: Vec::new(),
            committed_staged: Vec::new(),
            loaded: Vec::new(),
            loaded_offsets: BTreeSet::new(),
            duplicate_loads: 0,
            processed: 0,
            max_lag: 0,
            polling: false,
            source_rewound: None,
        }
    }

    /// Its source's log lost every record from `from` on. If it had read
    /// (or committed) any of them, what it holds no longer follows from
    /// the log, so it must rebuild.
    pub(crate) fn source_truncated(&mut self, from: Offset) {
        if self.position > from || self.committed_offset > from {
            self.source_rewound = Some(self.source_rewound.map_or(from, |f| f.min(from)));
        }
    }

    /// How far behind the log it is.
    pub fn lag(&self, log_end: Offset) -> Offset {
        log_end.saturating_sub(self.position)
    }

    /// Reads and folds up to one batch of `records` (committed records
    /// from `position` on), committing and loading as configured.
    pub fn poll<'r>(
        &mut self,
        config: &SubscriberConfig,
        records: impl IntoIterator<Item = &'r Record>,
        seed: u64,
        me: NodeId,
        tick: Tick,
    ) -> PollOutcome {
        let mut outcome = PollOutcome::default();
        let start = self.position;
        for record in records.into_iter().take(config.batch_records as usize) {
            let around = Surroundings::of(seed, me, tick, record.offset);
            if let Some(write) = record.change(&self.view.table, around) {
                let folded = self.view.fold(config.kind, record.offset, &write);
                self.uncommitted.push((write, folded));
            }
            self.position = record.offset + 1;
            self.processed += 1;
            if config.kind == SubscriberKind::Warehouse
                && self.view.staged.len() as u64 >= config.load_every_records
            {
                outcome.loaded_rows += self.load(config.idempotent_load);
            }
            if self.position - self.committed_offset >= config.commit_every_records {
                self.commit();
                outcome.committed = Some(self.position);
            }
        }
        if self.position > start {
            outcome.read = Some((start, self.position));
        }
        outcome
    }

    fn load(&mut self, idempotent: bool) -> usize {
        let staged = std::mem::take(&mut self.view.staged);
        let count = staged.len();
        for row in staged {
            if !self.loaded_offsets.insert(row.offset) {
                if idempotent {
                    continue;
                }
                self.duplicate_loads += 1;
            }
            self.loaded.push(row);
        }
        count
    }

    /// Makes the checkpoint what the view is now.
    fn commit(&mut self) {
        self.committed_offset = self.position;
        self.uncommitted.clear();
        self.committed_staged.clone_from(&self.view.staged);
    }

    /// Starts over from a compacted log that ends at `position`: the table
    /// comes out whole, views that count history see only what compaction
    /// kept.
    pub fn bootstrap(
        &mut self,
        config: &SubscriberConfig,
        service: ServiceKind,
        compacted: &[Record],
        position: Offset,
    ) {
        self.view = View::new(service);
        for record in compacted {
            if let Payload::Write(write) = &record.payload {
                self.view.fold(config.kind, record.offset, write);
            }
        }
        self.position = position;
        self.source_rewound = None;
        self.committed_offset = position;
        self.uncommitted.clear();
        self.committed_staged.clone_from(&self.view.staged);
    }

    /// How many writes it folded since its last commit (which a restart
    /// takes back out).
    pub fn uncommitted_writes(&self) -> usize {
        self.uncommitted.len()
    }

    /// A warehouse's staged rows as of its last commit, which a restart
    /// brings back.
    pub fn committed_staged(&self) -> &[Row] {
        &self.committed_staged
    }

    /// Loses everything after the last commit.
    pub fn crash(&mut self) {
        self.up = false;
        self.polling = false;
    }

    /// Resumes from the committed offset and checkpoint.
    pub fn restart(&mut self, kind: SubscriberKind) {
        self.up = true;
        self.position = self.committed_offset;
        for (write, folded) in self.uncommitted.drain(..).rev() {
            self.view.unfold(kind, &write, &folded);
        }
        self.view.staged.clone_from(&self.committed_staged);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::service::Command;

    fn config(kind: SubscriberKind) -> SubscriberConfig {
        SubscriberConfig {
            name: "s".into(),
            kind,
            source: NodeId(0),
            every_ticks: 1,
            batch_records: 2,
            commit_every_records: 2,
            load_every_records: 1,
            idempotent_load: false,
        }
    }

    fn log(commands: &[&str]) -> Vec<Record> {
        commands
            .iter()
            .enumerate()
            .map(|(i, c)| Record {
                offset: i as Offset,
                epoch: 1,
                writer: NodeId(0),
                payload: Payload::Command(c.parse::<Command>().unwrap()),
            })
            .collect()
    }

    fn drain(sub: &mut Subscriber, config: &SubscriberConfig, records: &[Record]) {
        while (sub.position as usize) < records.len() {
            sub.poll(config, &records[sub.position as usize..], 0, NodeId(9), 1);
        }
    }

    #[test]
    fn kinds_derive_their_views_and_only_their_own() {
        let records = log(&["put a 5", "put b 5", "incr a", "delete b", "put c 1"]);
        let view = |kind| {
            let mut sub = Subscriber::new(ServiceKind::KeyValue);
            drain(&mut sub, &config(kind), &records);
            sub.view
        };
        let empty = View::new(ServiceKind::KeyValue);
        let cache = view(SubscriberKind::Cache);
        assert_eq!(cache.table.to_string(), "{a=6, c=1}");
        assert_eq!((cache.value_of("a"), cache.value_of("b")), (Some(6), None));
        let index = view(SubscriberKind::SearchIndex);
        assert_eq!(
            index.index,
            BTreeMap::from([
                (1, BTreeSet::from(["c".into()])),
                (6, BTreeSet::from(["a".into()]))
            ])
        );
        let counts = view(SubscriberKind::CountPerKey);
        assert_eq!(
            counts.counts,
            BTreeMap::from([("a".into(), 2), ("b".into(), 2), ("c".into(), 1)])
        );
        let sum = view(SubscriberKind::RunningSum);
        assert_eq!(sum.sum, 5 + 5 + 6 + 1);
        for v in [&cache, &index, &counts, &sum] {
            // Every kind keeps the table; none keeps another kind's part.
            assert_eq!(v.table, cache.table);
            assert_eq!(v.index.is_empty(), !std::ptr::eq(v, &index));
            assert_eq!(v.counts.is_empty(), !std::ptr::eq(v, &counts));
            assert_eq!(v.sum == 0, !std::ptr::eq(v, &sum));
            assert_eq!(v.staged, empty.staged);
        }
    }

    #[test]
    fn a_crash_rewinds_to_the_commit_and_reprocessing_duplicates_loads_unless_idempotent() {
        let records = log(&["put a 1", "put b 2", "put c 3"]);
        for idempotent in [false, true] {
            let cfg = SubscriberConfig {
                idempotent_load: idempotent,
                ..config(SubscriberKind::Warehouse)
            };
            let mut sub = Subscriber::new(ServiceKind::KeyValue);
            sub.poll(&cfg, &records, 0, NodeId(9), 1); // reads 0..2, commits at 2
            sub.poll(&cfg, &records[2..], 0, NodeId(9), 2); // reads 2, not committed
            assert_eq!(
                (sub.position, sub.committed_offset, sub.loaded.len()),
                (3, 2, 3)
            );
            sub.crash();
            sub.restart(cfg.kind);
            assert_eq!(sub.position, 2);
            drain(&mut sub, &cfg, &records);
            let rows = if idempotent { 3 } else { 4 };
            assert_eq!(sub.loaded.len(), rows, "idempotent load: {idempotent}");
            assert_eq!(sub.duplicate_loads, if idempotent { 0 } else { 1 });
            assert_eq!(sub.processed, 4);
            assert_eq!(sub.view.table.to_string(), "{a=1, b=2, c=3}");
        }
    }
}

/// Folding is a function of the log prefix alone: batch sizes, commit
/// intervals and crashes at any point change nothing but the warehouse's
/// duplicate loads.
#[cfg(all(test, not(target_arch = "wasm32")))]
mod properties {
    use super::*;
    use crate::engine::service::strategies::kv_command;
    use crate::engine::service::Command;
    use proptest::prelude::*;

    fn records(commands: &[Command]) -> Vec<Record> {
        let payload = |c: &Command| Payload::Command(c.clone());
        (0..commands.len())
            .map(|i| Record {
                offset: i as Offset,
                epoch: 1,
                writer: NodeId(0),
                payload: payload(&commands[i]),
            })
            .collect()
    }

    fn any_kind() -> impl Strategy<Value = SubscriberKind> {
        prop::sample::select(vec![
            SubscriberKind::Cache,
            SubscriberKind::SearchIndex,
            SubscriberKind::Warehouse,
            SubscriberKind::CountPerKey,
            SubscriberKind::RunningSum,
            SubscriberKind::Replica,
        ])
    }

    /// Commands of either service (the arithmetic one's number is one key).
    fn any_commands() -> impl Strategy<Value = (ServiceKind, Vec<Command>)> {
        let arithmetic = prop_oneof![
            (-9i64..9).prop_map(Command::Add),
            (-9i64..9).prop_map(Command::Mul),
            (-9i64..9).prop_map(Command::Set),
        ];
        prop_oneof![
            prop::collection::vec(kv_command(&["a", "b", "c"]), 1..40)
                .prop_map(|c| (ServiceKind::KeyValue, c)),
            prop::collection::vec(arithmetic, 1..40).prop_map(|c| (ServiceKind::Arithmetic, c)),
        ]
    }

    proptest! {
        /// A restart takes every write since the last commit back out: the
        /// view is exactly that of a subscriber that read up to the commit
        /// and stopped, staged warehouse rows included.
        #[test]
        fn a_restart_returns_the_view_as_of_the_last_commit(
            (service, commands) in any_commands(),
            kind in any_kind(),
            batch in 1u64..6,
            commit_every in 1u64..8,
            polls in 1usize..20,
        ) {
            let log = records(&commands);
            let config = SubscriberConfig {
                name: "s".into(), kind, source: NodeId(0), every_ticks: 1,
                batch_records: batch, commit_every_records: commit_every,
                load_every_records: 3, idempotent_load: false,
            };
            let mut sub = Subscriber::new(service);
            for _ in 0..polls {
                let from = (sub.position as usize).min(log.len());
                sub.poll(&config, &log[from..], 0, NodeId(9), 0);
            }
            let committed = sub.committed_offset as usize;
            sub.crash();
            sub.restart(kind);
            prop_assert_eq!(sub.position as usize, committed);
            // The same reads, stopped at the commit (a poll never reads
            // past it, since the log handed over ends there).
            let mut reference = Subscriber::new(service);
            for _ in 0..polls {
                let from = (reference.position as usize).min(committed);
                reference.poll(&config, &log[from..committed], 0, NodeId(9), 0);
            }
            prop_assert_eq!(&sub.view, &reference.view);
            prop_assert_eq!(sub.uncommitted_writes(), 0);
        }

        #[test]
        fn crashes_and_batching_never_change_the_folded_view(
            commands in prop::collection::vec(kv_command(&["a", "b", "c"]), 1..40),
            batch in 1u64..6,
            commit_every in 1u64..6,
            crashes in prop::collection::vec(any::<bool>(), 0..60),
            kind in prop::sample::select(vec![
                SubscriberKind::Cache, SubscriberKind::SearchIndex, SubscriberKind::Warehouse,
                SubscriberKind::CountPerKey, SubscriberKind::RunningSum, SubscriberKind::Replica,
            ]),
        ) {
            let log = records(&commands);
            let plain = SubscriberConfig {
                name: "s".into(), kind, source: NodeId(0), every_ticks: 1,
                batch_records: 1, commit_every_records: 1, load_every_records: 1, idempotent_load: true,
            };
            let mut reference = Subscriber::new(ServiceKind::KeyValue);
            while (reference.position as usize) < log.len() {
                reference.poll(&plain, &log[reference.position as usize..], 0, NodeId(9), 0);
            }
            let config = SubscriberConfig { batch_records: batch, commit_every_records: commit_every, ..plain };
            let mut sub = Subscriber::new(ServiceKind::KeyValue);
            let mut crash = crashes.into_iter();
            while (sub.position as usize) < log.len() {
                sub.poll(&config, &log[sub.position as usize..], 0, NodeId(9), 0);
                if crash.next().unwrap_or(false) {
                    sub.crash();
                    sub.restart(kind);
                }
            }
            let done = |s: &Subscriber| (s.view.table.clone(), s.view.index.clone(), s.view.counts.clone(), s.view.sum);
            prop_assert_eq!(done(&sub), done(&reference));
            // Idempotent loads hold each row once, however often re-read.
            prop_assert_eq!(sub.loaded.len(), reference.loaded.len());
        }
    }
}
