//! What the log tapes draw: for a window of offsets, each node's record
//! there (payload, epoch, committed or not, whether another node holds a
//! different one), its commit and applied marks, and the records the last
//! step truncated away. Only the window is read, so a log of 100 000
//! records costs no more than a log of 40.

use crate::engine::log::Payload;
use crate::engine::protocol::{ProtocolKind, Role};
use crate::engine::{Log, NodeId, Record, Timeline, TraceKind, World};

/// How many offsets the tapes show at once.
pub const WINDOW: u64 = 40;

/// One node's log and marks, as handed to the tapes component. Cloning a
/// `Log` copies chunk pointers, not records.
#[derive(Clone, Debug)]
pub struct TapeSource {
    pub id: NodeId,
    pub role: Role,
    pub up: bool,
    pub runs_service: bool,
    pub applied: u64,
    pub log: Log,
    /// The log as it was before the last step truncated it from `.0`.
    pub before_truncation: Option<(u64, Log)>,
}

/// Everything the tapes need, compared by which world it came from (the
/// scenario, the step and the trace hash), not record by record.
#[derive(Clone, Debug)]
pub struct Tapes {
    pub version: (String, u64, u64),
    pub epochs: bool,
    pub sources: Vec<TapeSource>,
}

impl PartialEq for Tapes {
    fn eq(&self, other: &Tapes) -> bool {
        self.version == other.version
    }
}

/// The world one step before the timeline's position: the nearest
/// keyframe, replayed. Only needed when the last step truncated a log.
fn previous_world(timeline: &Timeline) -> Option<World> {
    let target = timeline.position().checked_sub(1)?;
    (target >= timeline.start()).then(|| timeline.world_at(target))
}

pub fn of(timeline: &Timeline) -> Tapes {
    let world = timeline.world();
    let truncated: Vec<(NodeId, u64)> = world
        .last_events()
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Truncate { node, from } => Some((node, from)),
            _ => None,
        })
        .collect();
    let before = if truncated.is_empty() {
        None
    } else {
        previous_world(timeline)
    };
    let sources = world
        .nodes()
        .iter()
        .map(|node| {
            let from = truncated
                .iter()
                .filter(|(n, _)| *n == node.id)
                .map(|&(_, from)| from)
                .min();
            let before_truncation = from
                .zip(before.as_ref())
                .and_then(|(from, world)| Some((from, world.node(node.id)?.log.clone())));
            TapeSource {
                id: node.id,
                role: node.role(),
                up: node.up,
                runs_service: node.runs_service(),
                applied: node.machine.applied_offset,
                log: node.log.clone(),
                before_truncation,
            }
        })
        .collect();
    Tapes {
        version: (
            world.scenario().name.clone(),
            world.step_count(),
            world.trace_hash(),
        ),
        epochs: world.scenario().protocol == ProtocolKind::PrimaryBackup,
        sources,
    }
}

/// A record as a cell shows it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CellRecord {
    /// Short: `+1`, `= 3`, `epoch start`.
    pub payload: String,
    /// Everything, for the tooltip.
    pub full: String,
    /// It marks the start of an epoch.
    pub starts_epoch: bool,
    pub epoch: u64,
    pub committed: bool,
    pub applied: bool,
    /// Another node holds a different record at this offset.
    pub differs: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    pub offset: u64,
    pub record: Option<CellRecord>,
    /// What the last step's truncation removed here.
    pub removed: Option<String>,
    /// The commit mark (high watermark) sits just before this offset.
    pub commit_here: bool,
    /// The applied mark sits just before this offset.
    pub applied_here: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub id: NodeId,
    pub role: Role,
    pub up: bool,
    pub runs_service: bool,
    pub end: u64,
    pub commit: u64,
    pub applied: u64,
    pub cells: Vec<Cell>,
}

/// The short form a cell has room for.
pub fn short_payload(payload: &Payload) -> String {
    match payload {
        Payload::EpochStart { .. } => "epoch start".to_owned(),
        other => other.to_string(),
    }
}

impl Tapes {
    /// One past the highest offset any tape reaches, truncated records
    /// included.
    pub fn end(&self) -> u64 {
        self.sources
            .iter()
            .map(|s| {
                let removed = s.before_truncation.as_ref().map_or(0, |(_, log)| log.end());
                s.log.end().max(removed)
            })
            .max()
            .unwrap_or(0)
    }

    /// The rows for offsets `start..end`.
    pub fn rows(&self, start: u64, end: u64) -> Vec<Row> {
        let differs: Vec<bool> = (start..end)
            .map(|offset| {
                let mut records = self.sources.iter().filter_map(|s| s.log.get(offset));
                let Some(first) = records.next() else {
                    return false;
                };
                records.any(|r| r != first)
            })
            .collect();
        self.sources
            .iter()
            .map(|s| {
                let commit = s.log.commit_offset();
                let cells = (start..end)
                    .map(|offset| {
                        let record = s.log.get(offset);
                        let removed = s
                            .before_truncation
                            .as_ref()
                            .filter(|(from, _)| offset >= *from)
                            .and_then(|(_, log)| log.get(offset))
                            .filter(|old| Some(*old) != record)
                            .map(|old: &Record| short_payload(&old.payload));
                        Cell {
                            offset,
                            record: record.map(|r| CellRecord {
                                payload: short_payload(&r.payload),
                                full: r.payload.to_string(),
                                starts_epoch: matches!(r.payload, Payload::EpochStart { .. }),
                                epoch: r.epoch,
                                committed: offset < commit,
                                applied: s.runs_service && offset < s.applied,
                                differs: differs[(offset - start) as usize],
                            }),
                            removed,
                            commit_here: offset == commit,
                            applied_here: s.runs_service && offset == s.applied,
                        }
                    })
                    .collect();
                Row {
                    id: s.id,
                    role: s.role,
                    up: s.up,
                    runs_service: s.runs_service,
                    end: s.log.end(),
                    commit,
                    applied: s.applied,
                    cells,
                }
            })
            .collect()
    }
}
