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

/// A subscriber's derived state.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct View {
    /// The source table as of `position`: needed to interpret commands.
    pub table: State,
    pub cache: BTreeMap<String, i64>,
    pub index: BTreeMap<i64, BTreeSet<String>>,
    pub counts: BTreeMap<String, u64>,
    pub sum: i64,
    /// Warehouse rows read but not loaded yet.
    pub staged: Vec<Row>,
}

impl View {
    pub fn new(service: ServiceKind) -> View {
        View {
            table: State::initial(service),
            cache: BTreeMap::new(),
            index: BTreeMap::new(),
            counts: BTreeMap::new(),
            sum: 0,
            staged: Vec::new(),
        }
    }

    /// Folds one write in. The arithmetic service's number is the key `value`.
    pub fn fold(&mut self, offset: Offset, write: &Write) {
        let (key, value) = (write.key().to_owned(), write.value());
        self.table.install(write);
        if let Some(old) = self.cache.get(&key) {
            if let Some(keys) = self.index.get_mut(old) {
                keys.remove(&key);
                if keys.is_empty() {
                    self.index.remove(old);
                }
            }
        }
        match value {
            Some(v) => {
                self.cache.insert(key.clone(), v);
                self.index.entry(v).or_default().insert(key.clone());
                self.sum = self.sum.wrapping_add(v);
            }
            None => {
                self.cache.remove(&key);
            }
        }
        *self.counts.entry(key.clone()).or_insert(0) += 1;
        self.staged.push(Row { offset, key, value });
    }

    /// The part of the view its kind shows, as JSON.
    pub fn shown(&self, kind: SubscriberKind, loaded: &[Row]) -> serde_json::Value {
        let shown = match kind {
            SubscriberKind::Cache => serde_json::to_value(&self.cache),
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
    /// The view as of `committed_offset` (durable).
    checkpoint: View,
    /// Rows loaded into the warehouse: they have left the subscriber, so a
    /// crash does not take them back.
    pub loaded: Vec<Row>,
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
            checkpoint: View::new(service),
            loaded: Vec::new(),
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
    pub fn poll(
        &mut self,
        config: &SubscriberConfig,
        records: &[Record],
        seed: u64,
        me: NodeId,
        tick: Tick,
    ) -> PollOutcome {
        let mut outcome = PollOutcome::default();
        let start = self.position;
        for record in records.iter().take(config.batch_records as usize) {
            let around = Surroundings::of(seed, me, tick, record.offset);
            if let Some(write) = record.change(&self.view.table, around) {
                self.view.fold(record.offset, &write);
                if config.kind != SubscriberKind::Warehouse {
                    // Only a warehouse loads staged rows; elsewhere they
                    // would pile up and every commit would copy them all.
                    self.view.staged.clear();
                }
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
            if idempotent && self.loaded.iter().any(|r| r.offset == row.offset) {
                continue;
            }
            self.loaded.push(row);
        }
        count
    }

    fn commit(&mut self) {
        self.committed_offset = self.position;
        self.checkpoint = self.view.clone();
    }

    /// Starts over from a compacted log that ends at `position`: the table
    /// comes out whole, views that count history see only what compaction
    /// kept.
    pub fn bootstrap(&mut self, service: ServiceKind, compacted: &[Record], position: Offset) {
        self.view = View::new(service);
        for record in compacted {
            if let Payload::Write(write) = &record.payload {
                self.view.fold(record.offset, write);
            }
        }
        self.position = position;
        self.source_rewound = None;
        self.commit();
    }

    /// Loses everything after the last commit.
    pub fn crash(&mut self) {
        self.up = false;
        self.polling = false;
    }

    /// Resumes from the committed offset and checkpoint.
    pub fn restart(&mut self) {
        self.up = true;
        self.position = self.committed_offset;
        self.view = self.checkpoint.clone();
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
    fn kinds_derive_their_views() {
        let records = log(&["put a 5", "put b 5", "incr a", "delete b", "put c 1"]);
        let mut sub = Subscriber::new(ServiceKind::KeyValue);
        drain(&mut sub, &config(SubscriberKind::Cache), &records);
        let v = &sub.view;
        assert_eq!(v.cache, BTreeMap::from([("a".into(), 6), ("c".into(), 1)]));
        assert_eq!(
            v.index,
            BTreeMap::from([
                (1, BTreeSet::from(["c".into()])),
                (6, BTreeSet::from(["a".into()]))
            ])
        );
        assert_eq!(
            v.counts,
            BTreeMap::from([("a".into(), 2), ("b".into(), 2), ("c".into(), 1)])
        );
        assert_eq!(v.sum, 5 + 5 + 6 + 1);
        assert_eq!(v.table.to_string(), "{a=6, c=1}");
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
            sub.restart();
            assert_eq!(sub.position, 2);
            drain(&mut sub, &cfg, &records);
            let rows = if idempotent { 3 } else { 4 };
            assert_eq!(sub.loaded.len(), rows, "idempotent load: {idempotent}");
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

    proptest! {
        #[test]
        fn crashes_and_batching_never_change_the_folded_view(
            commands in prop::collection::vec(kv_command(&["a", "b", "c"]), 1..40),
            batch in 1u64..6,
            commit_every in 1u64..6,
            crashes in prop::collection::vec(any::<bool>(), 0..60),
        ) {
            let log = records(&commands);
            let plain = SubscriberConfig {
                name: "s".into(), kind: SubscriberKind::Warehouse, source: NodeId(0), every_ticks: 1,
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
                    sub.restart();
                }
            }
            let done = |s: &Subscriber| (s.view.table.clone(), s.view.cache.clone(), s.view.index.clone(), s.view.counts.clone(), s.view.sum);
            prop_assert_eq!(done(&sub), done(&reference));
            // Idempotent loads hold each row once, however often re-read.
            prop_assert_eq!(sub.loaded.len(), reference.loaded.len());
        }
    }
}
