//! Running a scenario to its end and summarising the result.

use super::check::Violation;
use super::consumer_group::{ConsumerGroup, GroupConfig, PartitionBy};
use super::ids::{NodeId, Offset, Tick};
use super::log::Payload;
use super::protocol::{ProtocolKind, Role};
use super::scenario::Scenario;
use super::service::State;
use super::subscriber::SubscriberKind;
use super::trace::TraceEvent;
use super::world::World;
use serde::Serialize;
use std::collections::BTreeMap;
use std::rc::Rc;
use xxhash_rust::xxh3::xxh3_64;

/// One node at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeReport {
    pub id: NodeId,
    pub role: Role,
    pub epoch: u64,
    pub up: bool,
    /// The service's value; `None` on a node that does not run the service.
    pub state: Option<State>,
    pub applied_offset: Offset,
    pub log_end_offset: Offset,
    pub commit_offset: Offset,
    /// Size of the log's payloads in their canonical JSON encoding.
    pub log_bytes: u64,
    /// Records a replay of this log must execute (commands, not results).
    pub replay_executions: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct RunReport {
    pub scenario: String,
    pub protocol: ProtocolKind,
    pub seed: u64,
    /// 16 hex digits: a JSON number would lose bits in JavaScript.
    pub trace_hash: String,
    pub final_tick: Tick,
    pub steps: u64,
    pub trace_events: u64,
    pub acknowledged_writes: usize,
    pub replicas: Vec<NodeReport>,
    pub subscribers: Vec<SubscriberReport>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub consumer_groups: Vec<GroupReport>,
    pub violations: Vec<Violation>,
}

/// One consumer group at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct GroupReport {
    pub name: String,
    pub partition_by: PartitionBy,
    pub generation: u64,
    pub members: Vec<MemberReport>,
    pub partitions: Vec<PartitionReport>,
    /// Changes processed, again-processed ones included.
    pub processed: u64,
    /// Changes processed a second time after a rebalance.
    pub redelivered: u64,
    pub sink: BTreeMap<String, i64>,
    /// Whether the output table equals the source table.
    pub sink_matches_source: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MemberReport {
    pub member: u8,
    pub up: bool,
    pub partitions: Vec<u32>,
    pub processed: u64,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PartitionReport {
    pub partition: u32,
    pub owner: Option<u8>,
    /// Changes in the partition.
    pub changes: Offset,
    pub position: Offset,
    pub committed_offset: Offset,
}

/// One subscriber at the end of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct SubscriberReport {
    pub name: String,
    pub kind: SubscriberKind,
    pub up: bool,
    pub position: Offset,
    pub committed_offset: Offset,
    /// Source log end minus position.
    pub lag: Offset,
    /// The largest lag (committed records not yet read) during the run.
    pub max_lag: Offset,
    /// Records processed, re-processing after crashes included.
    pub processed: u64,
    /// What its kind shows (the cache, the index, row counts, ...).
    pub state: serde_json::Value,
    /// 16 hex digits over the canonical JSON of `state`.
    pub state_digest: String,
}

fn payload_bytes(payload: &Payload) -> u64 {
    serde_json::to_vec(payload).map_or(0, |bytes| bytes.len() as u64)
}

pub fn hash_hex(hash: u64) -> String {
    format!("{hash:016x}")
}

impl RunReport {
    pub fn of(world: &World) -> RunReport {
        let scenario = world.scenario();
        RunReport {
            scenario: scenario.name.clone(),
            protocol: scenario.protocol,
            seed: scenario.seed,
            trace_hash: hash_hex(world.trace_hash()),
            final_tick: world.tick(),
            steps: world.step_count(),
            trace_events: world.trace_len(),
            acknowledged_writes: world.client_acks().len(),
            replicas: world
                .nodes()
                .iter()
                .map(|n| NodeReport {
                    id: n.id,
                    role: n.role(),
                    epoch: n.epoch(),
                    up: n.up,
                    state: (n.runs_service() && n.up).then(|| n.machine.state.clone()),
                    applied_offset: n.machine.applied_offset,
                    log_end_offset: n.log.end(),
                    commit_offset: n.log.commit_offset(),
                    log_bytes: n.log.read_from(0).map(|r| payload_bytes(&r.payload)).sum(),
                    replay_executions: n
                        .log
                        .read_from(0)
                        .filter(|r| matches!(r.payload, Payload::Command(_)))
                        .count() as u64,
                })
                .collect(),
            subscribers: world
                .subscribers()
                .map(|(config, sub)| {
                    let state = sub.view.shown(config.kind, &sub.loaded);
                    let log_end = world.node(config.source).map_or(0, |n| n.log.end());
                    SubscriberReport {
                        name: config.name.clone(),
                        kind: config.kind,
                        up: sub.up,
                        position: sub.position,
                        committed_offset: sub.committed_offset,
                        lag: sub.lag(log_end),
                        max_lag: sub.max_lag,
                        processed: sub.processed,
                        state_digest: hash_hex(xxh3_64(state.to_string().as_bytes())),
                        state,
                    }
                })
                .collect(),
            consumer_groups: world
                .consumer_groups()
                .map(|(config, group)| GroupReport::of(config, group))
                .collect(),
            violations: world.violations().to_vec(),
        }
    }
}

impl MemberReport {
    /// Every member of `group`, in order.
    pub fn all(group: &ConsumerGroup) -> Vec<MemberReport> {
        (0..group.members.len() as u8)
            .map(|m| MemberReport {
                member: m,
                up: group.members[m as usize].up,
                partitions: group.partitions_of(m),
                processed: group.members[m as usize].processed,
            })
            .collect()
    }
}

impl GroupReport {
    pub fn of(config: &GroupConfig, group: &ConsumerGroup) -> GroupReport {
        GroupReport {
            name: config.name.clone(),
            partition_by: config.partition_by,
            generation: group.generation,
            members: MemberReport::all(group),
            partitions: (0..group.topic.partition_count())
                .map(|p| PartitionReport {
                    partition: p,
                    owner: group.owner[p as usize],
                    changes: group.topic.len(p),
                    position: group.position[p as usize],
                    committed_offset: group.committed[p as usize],
                })
                .collect(),
            processed: group.processed,
            redelivered: group.redelivered,
            sink: group.sink.clone(),
            sink_matches_source: group.sink_matches_source(),
        }
    }
}

/// Runs a scenario until `run_ticks`, handing every trace event to
/// `on_event` as it happens, and returns the final world.
pub fn run(scenario: Rc<Scenario>, mut on_event: impl FnMut(&TraceEvent)) -> World {
    let limit = scenario.run_ticks;
    let mut world = World::new(scenario);
    while world.next_tick().is_some_and(|t| t <= limit) {
        world.step();
        world.last_events().iter().for_each(&mut on_event);
    }
    world
}
