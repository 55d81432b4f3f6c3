//! The append-only log: totally ordered records with dense offsets.
//!
//! Records are kept in a [`Chunked`] vector, so cloning a log (as every
//! timeline keyframe does) copies a few pointers instead of every record.

use super::chunked::Chunked;
use super::ids::{NodeId, Offset};
use super::service::{Command, State, Surroundings, Write};
use serde::{Deserialize, Serialize};
use std::fmt;

/// What a record carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Payload {
    /// A command every replica executes itself (logical logging).
    Command(Command),
    /// The change a primary's execution made, installed as is (physical logging).
    Write(Write),
    /// Marks the start of an epoch: from here on `primary` writes the log.
    /// Applying it changes no state.
    EpochStart { primary: NodeId },
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Payload::Command(command) => write!(f, "{command}"),
            Payload::Write(write) => write!(f, "{write}"),
            Payload::EpochStart { primary } => write!(f, "epoch start: {primary} primary"),
        }
    }
}

/// One entry of a log.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Record {
    pub offset: Offset,
    /// The epoch (term) of the writer that created the record.
    pub epoch: u64,
    /// The node that accepted it into the log (the sequencer or a primary).
    pub writer: NodeId,
    pub payload: Payload,
}

impl Record {
    /// The change this record makes to `state`: the write it carries, or
    /// what executing its command gives (reading `around` if the command is
    /// nondeterministic); `None` for an epoch marker.
    pub fn change(&self, state: &State, around: Surroundings) -> Option<Write> {
        match &self.payload {
            Payload::Write(write) => Some(write.clone()),
            Payload::Command(command) => Some(state.execute(command, around)),
            Payload::EpochStart { .. } => None,
        }
    }
}

/// Why an operation on a log was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LogError {
    /// Appends must land exactly at the end: offsets are dense.
    NotAtEnd { offset: Offset, end: Offset },
    /// The commit mark cannot pass the end of the log.
    CommitPastEnd { commit: Offset, end: Offset },
}

impl fmt::Display for LogError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LogError::NotAtEnd { offset, end } => {
                write!(f, "append at offset {offset} but the log ends at {end}")
            }
            LogError::CommitPastEnd { commit, end } => {
                write!(f, "commit mark {commit} is past the log end {end}")
            }
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Log {
    /// Shared chunks: cloning a log (every keyframe does) is cheap.
    records: Chunked<Record>,
    /// High watermark: records below this offset are committed.
    commit: Offset,
}

impl Log {
    pub fn new() -> Self {
        Self::default()
    }

    /// The offset the next appended record will get.
    pub fn end(&self) -> Offset {
        self.records.len() as Offset
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Bytes a clone of this log owns (its chunk pointers); the records
    /// themselves are shared. See `engine::memory`.
    pub fn pointer_bytes(&self) -> usize {
        self.records.pointer_bytes()
    }

    /// Bytes of the record storage this log reads, shared with its clones.
    pub fn storage_bytes(&self) -> usize {
        self.records.storage_bytes()
    }

    /// Offsets below the commit mark are committed.
    pub fn commit_offset(&self) -> Offset {
        self.commit
    }

    pub fn append(&mut self, record: Record) -> Result<(), LogError> {
        let end = self.end();
        if record.offset != end {
            return Err(LogError::NotAtEnd {
                offset: record.offset,
                end,
            });
        }
        self.records.push(record);
        Ok(())
    }

    pub fn get(&self, offset: Offset) -> Option<&Record> {
        self.records.get(usize::try_from(offset).ok()?)
    }

    /// Records from `from` (inclusive), oldest first.
    pub fn read_from(&self, from: Offset) -> impl Iterator<Item = &Record> + '_ {
        self.records
            .iter_from(usize::try_from(from).unwrap_or(usize::MAX))
    }

    /// Removes every record at or after `from`. A truncation below the
    /// commit mark pulls the mark back too: later protocols use exactly this
    /// to show acknowledged writes being lost.
    pub fn truncate_from(&mut self, from: Offset) {
        if from >= self.end() {
            return;
        }
        self.records.truncate(from as usize);
        self.commit = self.commit.min(from);
    }

    /// Moves the commit mark forward; it never moves back here.
    pub fn commit_to(&mut self, commit: Offset) -> Result<bool, LogError> {
        if commit > self.end() {
            return Err(LogError::CommitPastEnd {
                commit,
                end: self.end(),
            });
        }
        if commit > self.commit {
            self.commit = commit;
            return Ok(true);
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(offset: Offset) -> Record {
        Record {
            offset,
            writer: NodeId(0),
            epoch: 1,
            payload: Payload::Command(Command::Add(offset as i64)),
        }
    }

    fn log_of(len: u64) -> Log {
        let mut log = Log::new();
        for offset in 0..len {
            log.append(record(offset)).unwrap();
        }
        log
    }

    #[test]
    fn offsets_are_dense_from_zero() {
        let log = log_of(200);
        assert_eq!(log.end(), 200);
        for (index, rec) in log.read_from(0).enumerate() {
            assert_eq!(rec.offset, index as u64);
        }
        assert_eq!(log.read_from(150).count(), 50);
        assert!(log.get(200).is_none());
    }

    #[test]
    fn append_must_land_at_the_end() {
        let mut log = log_of(3);
        assert_eq!(
            log.append(record(5)),
            Err(LogError::NotAtEnd { offset: 5, end: 3 })
        );
        assert_eq!(
            log.append(record(2)),
            Err(LogError::NotAtEnd { offset: 2, end: 3 })
        );
        assert_eq!(log.end(), 3);
    }

    /// Against a plain `Vec` model: any mix of appends and truncations
    /// keeps offsets dense, and a clone taken on the way never changes.
    #[cfg(not(target_arch = "wasm32"))]
    mod model {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn appends_and_truncations_match_a_vec(ops in prop::collection::vec((any::<bool>(), 0u64..150), 1..60)) {
                let (mut log, mut model) = (Log::new(), Vec::new());
                let mut snapshots = Vec::new();
                for (append, n) in ops {
                    if append {
                        for _ in 0..n {
                            let r = record(model.len() as Offset);
                            log.append(r.clone()).unwrap();
                            model.push(r);
                        }
                    } else {
                        log.truncate_from(n);
                        model.truncate(n as usize);
                    }
                    prop_assert_eq!(log.end(), model.len() as Offset);
                    prop_assert!(log.read_from(0).eq(model.iter()));
                    snapshots.push((log.clone(), model.clone()));
                }
                for (snapshot, expected) in snapshots {
                    prop_assert!(snapshot.read_from(0).eq(expected.iter()));
                }
            }
        }
    }

    #[test]
    fn commit_mark_moves_forward_and_follows_truncation() {
        let mut log = log_of(10);
        assert_eq!(log.commit_to(4), Ok(true));
        assert_eq!(log.commit_to(2), Ok(false));
        assert_eq!(log.commit_offset(), 4);
        assert!(log.commit_to(11).is_err());
        log.truncate_from(3);
        assert_eq!(log.commit_offset(), 3);
    }
}
