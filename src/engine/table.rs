//! Tables and changelogs are two views of one thing: a table at offset `n`
//! is the log's first `n` records folded up, and the changes between two
//! offsets are what the log says happened in between.

use super::ids::{NodeId, Offset};
use super::log::{Log, Payload, Record};
use super::service::{ServiceKind, State, Surroundings, Write, NUMBER_KEY};
use serde::Serialize;
use std::collections::BTreeMap;

/// The state the first `offset` records of `log` produce. Commands are
/// executed as `node` would (it matters only for nondeterministic ones).
pub fn table_at(log: &Log, offset: Offset, service: ServiceKind, seed: u64, node: NodeId) -> State {
    let mut state = State::initial(service);
    fold_range(&mut state, log, 0, offset, seed, node);
    state
}

/// Folds the records `from..to` of `log` into `state`, the table at
/// `from`: `table_at` carried forward without starting over.
pub fn fold_range(state: &mut State, log: &Log, from: Offset, to: Offset, seed: u64, node: NodeId) {
    for record in log.read_from(from).take_while(|r| r.offset < to) {
        if let Some(write) = record.change(state, Surroundings::of(seed, node, 0, record.offset)) {
            state.install(&write);
        }
    }
}

/// Key-based compaction of the first `upto` records: the latest change
/// per key, as a physical write, in offset order. Deletions (tombstones)
/// are kept only if they are within `tombstone_records` of `upto`, so a
/// reader that had seen the key learns it is gone; older ones are dropped.
/// Folding the compacted records gives the same table as the full prefix.
pub fn compact(
    log: &Log,
    upto: Offset,
    service: ServiceKind,
    seed: u64,
    node: NodeId,
    tombstone_records: Offset,
) -> Vec<Record> {
    let mut state = State::initial(service);
    let mut latest: BTreeMap<String, Record> = BTreeMap::new();
    for record in log.read_from(0).take_while(|r| r.offset < upto) {
        let Some(write) = record.change(&state, Surroundings::of(seed, node, 0, record.offset))
        else {
            continue;
        };
        state.install(&write);
        latest.insert(
            write.key().to_owned(),
            Record {
                payload: Payload::Write(write),
                ..record.clone()
            },
        );
    }
    let mut kept: Vec<Record> = latest
        .into_values()
        .filter(|r| {
            let tombstone = matches!(r.payload, Payload::Write(Write::Delete(_)));
            !tombstone || r.offset + tombstone_records >= upto
        })
        .collect();
    super::sort::sort_by_key(&mut kept, |r| r.offset);
    kept
}

/// The table a list of (compacted) records folds into.
pub fn fold(records: &[Record], service: ServiceKind) -> State {
    let mut state = State::initial(service);
    for record in records {
        if let Payload::Write(write) = &record.payload {
            state.install(write);
        }
    }
    state
}

/// One key's change between two tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Change {
    pub key: String,
    pub before: Option<i64>,
    pub after: Option<i64>,
}

/// Every key and its value, the arithmetic number as the key `value`.
pub fn cells(state: &State) -> BTreeMap<String, i64> {
    match state {
        State::Number(n) => super::sort::map_of_one(NUMBER_KEY.to_owned(), *n),
        State::Table(table) => {
            super::sort::map_from(table.iter().map(|(k, v)| (k.to_string(), *v)))
        }
    }
}

/// Every key whose value differs between `before` and `after`, in key order.
pub fn diff(before: &State, after: &State) -> Vec<Change> {
    let (a, b) = (cells(before), cells(after));
    let keys: std::collections::BTreeSet<&String> = super::sort::set_from(a.keys().chain(b.keys()));
    keys.into_iter()
        .filter(|k| a.get(*k) != b.get(*k))
        .map(|k| Change {
            key: k.clone(),
            before: a.get(k).copied(),
            after: b.get(k).copied(),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::log::Record;
    use crate::engine::service::Command;

    fn log(commands: &[&str]) -> Log {
        let parsed: Vec<Command> = commands.iter().map(|c| c.parse().unwrap()).collect();
        log_of(&parsed)
    }

    fn log_of(commands: &[Command]) -> Log {
        let mut log = Log::new();
        for (i, c) in commands.iter().enumerate() {
            let payload = Payload::Command(c.clone());
            log.append(Record {
                offset: i as Offset,
                epoch: 1,
                writer: NodeId(0),
                payload,
            })
            .unwrap();
        }
        log
    }

    #[test]
    fn a_table_at_any_offset_and_the_diff_between_two() {
        let log = log(&["put a 1", "put b 2", "incr a", "delete b"]);
        let at = |o| table_at(&log, o, ServiceKind::KeyValue, 0, NodeId(0)).to_string();
        assert_eq!(
            [at(0), at(1), at(2), at(3), at(4)],
            ["{}", "{a=1}", "{a=1, b=2}", "{a=2, b=2}", "{a=2}"]
        );
        let (t1, t4) = (
            table_at(&log, 1, ServiceKind::KeyValue, 0, NodeId(0)),
            table_at(&log, 4, ServiceKind::KeyValue, 0, NodeId(0)),
        );
        assert_eq!(
            diff(&t1, &t4),
            [Change {
                key: "a".into(),
                before: Some(1),
                after: Some(2)
            }]
        );
        assert!(diff(&t4, &t4).is_empty());
    }

    #[test]
    fn compaction_keeps_the_latest_change_per_key_and_recent_tombstones() {
        let log = log(&[
            "put a 1", "put b 2", "incr a", "delete b", "put c 3", "incr a",
        ]);
        let texts = |records: Vec<Record>| {
            records
                .iter()
                .map(|r| format!("#{} {}", r.offset, r.payload))
                .collect::<Vec<_>>()
        };
        let kv = ServiceKind::KeyValue;
        assert_eq!(
            texts(compact(&log, 6, kv, 0, NodeId(0), 10)),
            ["#3 b deleted", "#4 c = 3", "#5 a = 3"]
        );
        assert_eq!(
            texts(compact(&log, 6, kv, 0, NodeId(0), 1)),
            ["#4 c = 3", "#5 a = 3"]
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use crate::engine::service::strategies::kv_command;
        use proptest::prelude::*;

        proptest! {
            /// Compaction never changes the table the log folds into.
            #[test]
            fn compaction_preserves_the_table(
                commands in prop::collection::vec(kv_command(&["k0", "k1", "k2", "k3"]), 0..60),
                tombstones in 0u64..10,
            ) {
                let log = log_of(&commands);
                let kv = ServiceKind::KeyValue;
                let compacted = compact(&log, log.end(), kv, 0, NodeId(0), tombstones);
                prop_assert!(compacted.len() <= 4, "one record per key at most (keys k0..k3)");
                prop_assert_eq!(fold(&compacted, kv), table_at(&log, log.end(), kv, 0, NodeId(0)));
            }

            /// Folding a prefix, then installing the rest on top, equals
            /// folding the whole log.
            #[test]
            fn prefix_then_rest_equals_whole(
                commands in prop::collection::vec(kv_command(&["k0", "k1", "k2"]), 0..40),
                cut in 0usize..40,
            ) {
                let log = log_of(&commands);
                let cut = (cut as Offset).min(log.end());
                let mut state = table_at(&log, cut, ServiceKind::KeyValue, 0, NodeId(0));
                for record in log.read_from(cut) {
                    if let Some(write) = record.change(&state, Surroundings::default()) {
                        state.install(&write);
                    }
                }
                prop_assert_eq!(state, table_at(&log, log.end(), ServiceKind::KeyValue, 0, NodeId(0)));
            }
        }
    }
}
