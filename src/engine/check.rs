//! Invariant checkers. They look at the world after every step and never
//! change it, so the same checks run in the browser, the CLI and the tests
//! without touching the outcome they judge.

use super::ids::{NodeId, Offset, Tick};
use super::log::Payload;
use super::service::State;
use super::subscriber::{SubscriberKind, SUBSCRIBER_NODE};
use super::table::fold_range;
use super::trace::{TraceEvent, TraceKind};
use super::world::{Node, World};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet};

/// An invariant that did not hold, said so a student can follow it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Violation {
    pub invariant: &'static str,
    pub step: u64,
    pub tick: Tick,
    pub nodes: Vec<NodeId>,
    pub explanation: String,
}

pub const SAME_OFFSET_SAME_STATE: &str = "same-offset-same-state";
pub const COMMITTED_LOGS_AGREE: &str = "committed-logs-agree";
pub const APPLIED_NEVER_DECREASES: &str = "applied-offset-never-decreases";
pub const ONE_PRIMARY_PER_EPOCH: &str = "one-primary-per-epoch";
pub const ACKED_WRITES_SURVIVE: &str = "acknowledged-writes-survive";
pub const READ_YOUR_WRITES: &str = "read-your-writes";
pub const CHANGELOG_REPLICA_MATCHES: &str = "changelog-replica-matches-source";
pub const PARTITION_ORDER_KEPT: &str = "partition-order-kept";
pub const GROUP_OUTPUT_MATCHES: &str = "group-output-matches-source";

#[derive(Clone, Debug, Default)]
pub struct Checkers {
    /// Commit offset of each node already checked for agreement.
    checked_commit: Vec<Offset>,
    /// Applied offset of each node after the previous step.
    last_applied: Vec<Offset>,
    found: Vec<Violation>,
    /// Epoch → the node that accepted client writes in it.
    writers: BTreeMap<u64, NodeId>,
    /// (invariant, nodes) already reported: a lasting divergence is
    /// reported once, at the step where it began.
    reported: BTreeSet<(&'static str, String)>,
    /// (group, partition) → what the trace says should happen next there.
    partitions: BTreeMap<(String, u32), PartitionWatch>,
    /// Replica subscriber → the source table folded up to an offset, so
    /// each read folds only the records since the last one (a refold from
    /// zero per read made long runs quadratic).
    replica_tables: BTreeMap<String, (Offset, State)>,
    /// Per pair of nodes (`a * nodes + b`, `a < b`): the applied offset at
    /// which their states were last found equal. Neither state changes
    /// without its applied offset moving, except through a crash or a
    /// truncation (which forget the pair), so an equal pair is compared
    /// once per offset rather than at every step.
    equal_at: Vec<Option<Offset>>,
}

/// A partition as the checker follows it from the trace alone.
#[derive(Clone, Debug, Default)]
struct PartitionWatch {
    /// The member that owns it in the current generation.
    owner: Option<u8>,
    /// The change its owner must read next.
    next: Offset,
    /// The offset last committed in the group.
    committed: Offset,
}

impl Checkers {
    pub fn violations(&self) -> &[Violation] {
        &self.found
    }

    /// Checks the world as it is after a step whose trace events are `events`.
    pub fn observe(&mut self, world: &World, events: &[TraceEvent]) {
        // One pass over the step's events says which checkers have anything
        // to look at; each checker below reads only these kinds.
        let (mut applied, mut appended, mut truncated) = (false, false, false);
        let (mut answered, mut subscriber_read, mut group_event) = (false, false, false);
        for event in events {
            match event.kind {
                TraceKind::Apply { .. } | TraceKind::Restart { .. } => applied = true,
                TraceKind::Append { .. } => appended = true,
                TraceKind::Truncate { node, .. } => {
                    truncated = true;
                    self.forget_equal(world, node);
                }
                TraceKind::Crash { node } => self.forget_equal(world, node),
                TraceKind::SubscriberAnswer { .. } => answered = true,
                TraceKind::SubscriberRead { .. } => subscriber_read = true,
                TraceKind::GroupRebalance { .. }
                | TraceKind::MemberRead { .. }
                | TraceKind::GroupCommit { .. } => group_event = true,
                _ => {}
            }
        }
        // Values change only when records are applied (or a node restarts).
        if applied {
            self.same_offset_same_state(world);
        }
        self.watch_progress(world, events);
        if appended {
            self.one_primary_per_epoch(world, events);
        }
        if answered {
            self.read_your_writes(world, events);
        }
        if subscriber_read {
            self.changelog_replicas_match(world, events);
        }
        if group_event {
            self.partition_order_kept(world, events);
            self.group_output_matches(world, events);
        }
        if truncated {
            self.acked_writes_survive(world);
        }
    }

    /// At most one node accepts client writes in any one epoch; two mean
    /// split brain.
    fn one_primary_per_epoch(&mut self, world: &World, events: &[TraceEvent]) {
        for event in events {
            let TraceKind::Append {
                node,
                epoch,
                writer,
                ref payload,
                offset,
            } = event.kind
            else {
                continue;
            };
            let client_write = matches!(payload, Payload::Command(_) | Payload::Write(_));
            if node != writer || !client_write {
                continue;
            }
            let first = *self.writers.entry(epoch).or_insert(node);
            if first != node {
                let explanation = format!(
                    "{first} and {node} both accepted client writes in epoch {epoch} \
                     ({node}'s at #{offset}): two primaries at once is split brain"
                );
                let mut nodes = vec![first, node];
                super::sort::sort(&mut nodes);
                self.report(world, ONE_PRIMARY_PER_EPOCH, nodes, explanation);
            }
        }
    }

    /// A client reading after its own acknowledged write must see it: the
    /// subscriber must have read at least up to that write's offset.
    fn read_your_writes(&mut self, world: &World, events: &[TraceEvent]) {
        for event in events {
            let TraceKind::SubscriberAnswer(ref a) = event.kind else {
                continue;
            };
            if a.stale() {
                let explanation = format!(
                    "{} read {} from {}, which had read up to #{}, before its own write at #{}: \
                     a stale read (wait for the offset to avoid it)",
                    a.client,
                    a.key,
                    a.subscriber,
                    a.position,
                    a.needed - 1
                );
                let key = format!("{}/{}/{}", a.subscriber, a.client, event.step);
                self.report_keyed(world, READ_YOUR_WRITES, key, vec![], explanation);
            }
        }
    }

    /// A replica-kind subscriber built from the changelog equals the source
    /// table folded up to the same offset, after every read.
    fn changelog_replicas_match(&mut self, world: &World, events: &[TraceEvent]) {
        if events
            .iter()
            .any(|e| matches!(e.kind, TraceKind::Truncate { .. }))
        {
            self.replica_tables.clear(); // folded records may be gone
        }
        for event in events {
            let TraceKind::SubscriberRead {
                ref subscriber, to, ..
            } = event.kind
            else {
                continue;
            };
            let Some((config, sub)) = world.subscribers().find(|(c, _)| &c.name == subscriber)
            else {
                continue;
            };
            let Some(source) = world.node(config.source) else {
                continue;
            };
            if config.kind != SubscriberKind::Replica {
                continue;
            }
            let scenario = world.scenario();
            let (folded, table) = self
                .replica_tables
                .entry(subscriber.clone())
                .or_insert_with(|| (0, State::initial(scenario.service)));
            if *folded > to {
                (*folded, *table) = (0, State::initial(scenario.service));
            }
            fold_range(
                table,
                &source.log,
                *folded,
                to,
                scenario.seed,
                SUBSCRIBER_NODE,
            );
            *folded = to;
            if sub.view.table != *table {
                let expected = table.clone();
                let explanation = format!(
                    "{subscriber} holds {} after reading up to #{} but the source log folds to {expected} there",
                    sub.view.table,
                    to - 1
                );
                self.report(
                    world,
                    CHANGELOG_REPLICA_MATCHES,
                    vec![config.source],
                    explanation,
                );
            }
        }
    }

    /// Each partition is read by its owner only, in order, without gaps,
    /// and every generation starts from the offset last committed: never
    /// past it (changes would be skipped) and never before it.
    fn partition_order_kept(&mut self, world: &World, events: &[TraceEvent]) {
        for event in events {
            match &event.kind {
                TraceKind::GroupRebalance(rebalance) => {
                    let group = &rebalance.group;
                    for (p, owner, start) in rebalance.shares() {
                        let watch = self
                            .partitions
                            .entry((group.clone(), p as u32))
                            .or_default();
                        let committed = watch.committed;
                        watch.owner = owner;
                        watch.next = start;
                        if start != committed {
                            let what = if start > committed {
                                "skipping the changes in between"
                            } else {
                                "going back before a commit"
                            };
                            let explanation = format!(
                                "{group}'s new generation starts partition p{p} at #{start}                                  but its committed offset is {committed}: {what}"
                            );
                            let key = format!("{group}/{p}/{}", event.step);
                            self.report_keyed(
                                world,
                                PARTITION_ORDER_KEPT,
                                key,
                                vec![],
                                explanation,
                            );
                        }
                    }
                }
                TraceKind::MemberRead {
                    group,
                    member,
                    partition,
                    from,
                    to,
                } => {
                    let watch = self
                        .partitions
                        .entry((group.clone(), *partition))
                        .or_default();
                    let (owner, next) = (watch.owner, watch.next);
                    watch.next = *to;
                    let problem = if owner != Some(*member) {
                        Some(format!(
                            "m{member} read partition p{partition} (#{from}..#{}) but it belongs to {}",
                            to - 1,
                            owner.map_or("nobody".to_owned(), |m| format!("m{m}"))
                        ))
                    } else if *from != next {
                        Some(format!(
                            "m{member} read partition p{partition} from #{from} but the next change there is #{next}: \
                             the partition's order is broken"
                        ))
                    } else {
                        None
                    };
                    if let Some(explanation) = problem {
                        let key = format!("{group}/{partition}/{}", event.step);
                        self.report_keyed(
                            world,
                            PARTITION_ORDER_KEPT,
                            key,
                            vec![],
                            format!("{group}: {explanation}"),
                        );
                    }
                }
                TraceKind::GroupCommit {
                    group,
                    partition,
                    offset,
                } => {
                    let watch = self
                        .partitions
                        .entry((group.clone(), *partition))
                        .or_default();
                    watch.committed = *offset;
                    if *offset > watch.next {
                        let explanation = format!(
                            "{group} committed partition p{partition} at {offset} but its owner had only read up to #{}",
                            watch.next
                        );
                        let key = format!("{group}/{partition}/{}", event.step);
                        self.report_keyed(world, PARTITION_ORDER_KEPT, key, vec![], explanation);
                    }
                }
                _ => {}
            }
        }
    }

    /// Once a group has processed everything in its topic, its output
    /// table equals the source table at the same point of the log.
    fn group_output_matches(&mut self, world: &World, events: &[TraceEvent]) {
        let read: BTreeSet<&str> =
            super::sort::set_from(events.iter().filter_map(|e| match &e.kind {
                TraceKind::MemberRead { group, .. } => Some(group.as_str()),
                _ => None,
            }));
        for (config, group) in world.consumer_groups() {
            if !read.contains(config.name.as_str()) || !group.caught_up() {
                continue;
            }
            if group.sink_matches_source() {
                continue;
            }
            let rows = group.sink_beside_source();
            let Some(&(differs, held, source)) =
                rows.iter().find(|(_, held, source)| held != source)
            else {
                continue;
            };
            let shown = |v: Option<i64>| v.map_or("nothing".to_owned(), |v| v.to_string());
            let explanation = format!(
                "{} has processed every change up to #{} but holds {differs} = {} where the source has {}: \
                 changes of one key were processed out of log order",
                config.name,
                group.topic.indexed_upto().saturating_sub(1),
                shown(held),
                shown(source),
            );
            self.report_keyed(
                world,
                GROUP_OUTPUT_MATCHES,
                config.name.clone(),
                vec![config.source],
                explanation,
            );
        }
    }

    /// A write the client was told is done must stay in some node's log.
    fn acked_writes_survive(&mut self, world: &World) {
        for ack in world.client_acks().iter_from(0) {
            let held = world.nodes().iter().any(|n| {
                n.log
                    .get(ack.offset)
                    .is_some_and(|r| r.epoch == ack.epoch && r.writer == ack.writer)
            });
            if !held {
                let explanation = format!(
                    "{}'s write, acknowledged by {} at #{} in epoch {}, is in no log any more: \
                     the client was told it was safe",
                    ack.client, ack.node, ack.offset, ack.epoch
                );
                let mut nodes = vec![ack.writer, ack.node];
                nodes.dedup();
                let key = format!("{}/{}", ack.offset, ack.epoch);
                self.report_keyed(world, ACKED_WRITES_SURVIVE, key, nodes, explanation);
            }
        }
    }

    /// Records a violation unless one with the same invariant and `key`
    /// was reported already (by default the key is the nodes involved).
    fn report(
        &mut self,
        world: &World,
        invariant: &'static str,
        nodes: Vec<NodeId>,
        explanation: String,
    ) {
        let key = format!("{nodes:?}");
        self.report_keyed(world, invariant, key, nodes, explanation);
    }

    fn report_keyed(
        &mut self,
        world: &World,
        invariant: &'static str,
        key: String,
        nodes: Vec<NodeId>,
        explanation: String,
    ) {
        if self.reported.insert((invariant, key)) {
            self.found.push(Violation {
                invariant,
                step: world.step_count(),
                tick: world.tick(),
                nodes,
                explanation,
            });
        }
    }

    /// Deterministic replicas fed the same prefix of the log must hold the
    /// same state: equal applied offsets mean equal values. Only state built
    /// from committed records counts: a primary may run ahead on writes
    /// that are not committed yet, and those may still be withdrawn.
    fn same_offset_same_state(&mut self, world: &World) {
        let counts = |n: &Node| {
            n.up && n.runs_service() && n.machine.applied_offset <= n.log.commit_offset()
        };
        let nodes = world.nodes();
        self.equal_at.resize(nodes.len() * nodes.len(), None);
        for (i, a) in nodes.iter().enumerate().filter(|(_, n)| counts(n)) {
            for (j, b) in nodes.iter().enumerate().skip(i + 1) {
                let applied = a.machine.applied_offset;
                let pair = i * nodes.len() + j;
                if !counts(b)
                    || applied != b.machine.applied_offset
                    || self.equal_at[pair] == Some(applied)
                {
                    continue;
                }
                let (va, vb) = (&a.machine.state, &b.machine.state);
                if va == vb {
                    self.equal_at[pair] = Some(applied);
                } else {
                    let explanation = format!(
                        "{} and {} have both applied {applied} records yet hold {va} and {vb}: \
                         the same log in the same order must give the same state",
                        a.id, b.id
                    );
                    self.report(world, SAME_OFFSET_SAME_STATE, vec![a.id, b.id], explanation);
                }
            }
        }
    }

    /// `node`'s state was thrown away: its pairs must be compared afresh.
    fn forget_equal(&mut self, world: &World, node: NodeId) {
        let count = world.nodes().len();
        let Some(index) = world.nodes().iter().position(|n| n.id == node) else {
            return;
        };
        for other in 0..count {
            let (a, b) = (index.min(other), index.max(other));
            if let Some(slot) = self.equal_at.get_mut(a * count + b) {
                *slot = None;
            }
        }
    }

    /// Follows each node's two progress numbers, its commit offset and its
    /// applied offset, in one pass: the offsets newly committed are checked
    /// for agreement (`committed_logs_agree`) and the applied offset must
    /// not go back (`applied_never_decreases`). A node whose numbers did not
    /// move costs two comparisons.
    fn watch_progress(&mut self, world: &World, events: &[TraceEvent]) {
        let count = world.nodes().len();
        self.checked_commit.resize(count, 0);
        self.last_applied.resize(count, 0);
        for (index, node) in world.nodes().iter().enumerate() {
            let commit = node.log.commit_offset();
            let checked = self.checked_commit[index];
            if commit != checked {
                self.checked_commit[index] = commit;
                for offset in checked.min(commit)..commit {
                    self.committed_logs_agree(world, node, offset);
                }
            }
            let (before, now) = (self.last_applied[index], node.machine.applied_offset);
            if now != before {
                self.last_applied[index] = now;
                if now < before {
                    self.applied_never_decreases(world, events, node.id, before, now);
                }
            }
        }
    }

    /// Once an offset is committed anywhere, every node that has that
    /// offset committed holds the very same record there. Checked for each
    /// offset as `node` commits it.
    fn committed_logs_agree(&mut self, world: &World, node: &Node, offset: Offset) {
        let Some(mine) = node.log.get(offset) else {
            return;
        };
        for other in world.nodes().iter().filter(|o| o.id != node.id) {
            if offset >= other.log.commit_offset() {
                continue;
            }
            let Some(theirs) = other.log.get(offset).filter(|theirs| *theirs != mine) else {
                continue;
            };
            let explanation = format!(
                "offset {offset} is committed on {} as {} and on {} as {}: \
                 a committed record must be the same everywhere",
                other.id, theirs.payload, node.id, mine.payload
            );
            let mut nodes = vec![node.id, other.id];
            super::sort::sort(&mut nodes);
            self.report(world, COMMITTED_LOGS_AGREE, nodes, explanation);
        }
    }

    /// A replica's progress is one number that only grows; it may restart
    /// from zero only when a crash wiped its memory, or drop back to a
    /// recorded truncation point.
    fn applied_never_decreases(
        &mut self,
        world: &World,
        events: &[TraceEvent],
        id: NodeId,
        before: Offset,
        now: Offset,
    ) {
        let excused = events.iter().any(|e| match e.kind {
            TraceKind::Crash { node } | TraceKind::Truncate { node, .. } => node == id,
            _ => false,
        });
        if !excused {
            let explanation = format!(
                "{id}'s applied offset went back from {before} to {now} with no crash or truncation"
            );
            self.report(world, APPLIED_NEVER_DECREASES, vec![id], explanation);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::log::{Log, Payload, Record};
    use crate::engine::trace::GroupRebalance;
    use crate::engine::{report, scenarios_for_tests::arithmetic};

    fn finished_world() -> World {
        let world = report::run(arithmetic(), |_| {});
        assert!(world.violations().is_empty(), "{:?}", world.violations());
        world
    }

    fn event(world: &World, kind: TraceKind) -> TraceEvent {
        TraceEvent {
            step: world.step_count(),
            tick: world.tick(),
            kind,
        }
    }

    #[test]
    fn diverging_values_at_equal_offsets_are_caught() {
        let mut world = finished_world();
        world.nodes_mut()[2].machine.state = crate::engine::service::State::Number(7);
        let apply = event(
            &world,
            TraceKind::Apply {
                node: NodeId(2),
                offset: 2,
                change: crate::engine::service::StateChange::Number(7),
            },
        );
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[apply]);
        let found = checkers.violations();
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].invariant, SAME_OFFSET_SAME_STATE);
        assert_eq!(found[0].nodes, [NodeId(1), NodeId(2)]);
        assert!(found[0]
            .explanation
            .contains("applied 3 records yet hold 6 and 7"));
        // A lasting divergence is reported once.
        checkers.observe(
            &world,
            &[event(&world, TraceKind::Restart { node: NodeId(2) })],
        );
        assert_eq!(checkers.violations().len(), 2);
    }

    #[test]
    fn a_committed_record_that_differs_is_caught() {
        let mut world = finished_world();
        let mut forged = Log::new();
        for offset in 0..3 {
            let command = if offset == 1 { "*9" } else { "+1" };
            let payload = Payload::Command(command.parse().unwrap());
            forged
                .append(Record {
                    writer: NodeId(0),
                    offset,
                    epoch: 1,
                    payload,
                })
                .unwrap();
        }
        forged.commit_to(3).unwrap();
        world.nodes_mut()[3].log = forged;
        let append = event(
            &world,
            TraceKind::Append {
                node: NodeId(3),
                offset: 1,
                epoch: 1,
                writer: NodeId(0),
                payload: Payload::Command("*9".parse().unwrap()),
            },
        );
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[append]);
        let found = checkers.violations();
        assert!(!found.is_empty());
        assert!(found.iter().all(|v| v.invariant == COMMITTED_LOGS_AGREE));
        assert!(found[0]
            .explanation
            .contains("offset 1 is committed on r3 as *9 and on r0 as +2"));
    }

    #[test]
    fn a_changelog_replica_that_differs_from_the_source_is_caught() {
        let scenario = crate::scenarios::load("subscribers").unwrap();
        let mut world = report::run(std::rc::Rc::new(scenario), |_| {});
        assert!(world.violations().is_empty());
        let read = |world: &World| {
            event(
                world,
                TraceKind::SubscriberRead {
                    subscriber: "replica".into(),
                    from: 6,
                    to: 7,
                },
            )
        };
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[read(&world)]);
        assert!(
            checkers.violations().is_empty(),
            "a faithful replica passes"
        );
        world.subscribers_mut()[4].view.table = crate::engine::service::State::Number(3);
        checkers.observe(&world, &[read(&world)]);
        let found = checkers.violations();
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].invariant, CHANGELOG_REPLICA_MATCHES);
        assert!(
            found[0]
                .explanation
                .contains("replica holds 3 after reading up to #6"),
            "{}",
            found[0].explanation
        );
    }

    #[test]
    fn applied_offset_going_back_is_caught_unless_a_crash_explains_it() {
        let mut world = finished_world();
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[]);
        world.nodes_mut()[1].machine.applied_offset = 1;
        let mut crashed = checkers.clone();
        crashed.observe(
            &world,
            &[event(&world, TraceKind::Crash { node: NodeId(1) })],
        );
        assert!(crashed.violations().is_empty());
        checkers.observe(&world, &[]);
        assert_eq!(checkers.violations().len(), 1);
        assert_eq!(checkers.violations()[0].invariant, APPLIED_NEVER_DECREASES);
        assert_eq!(checkers.violations()[0].nodes, [NodeId(1)]);
    }

    #[test]
    fn a_partition_read_out_of_order_or_by_a_stranger_is_caught() {
        let world = finished_world();
        let group = || "g".to_owned();
        let rebalance = event(
            &world,
            TraceKind::GroupRebalance(Box::new(GroupRebalance {
                group: group(),
                generation: 1,
                owners: vec![Some(0), Some(1)],
                from: vec![0, 0],
            })),
        );
        let read = |member, partition, from, to| {
            event(
                &world,
                TraceKind::MemberRead {
                    group: group(),
                    member,
                    partition,
                    from,
                    to,
                },
            )
        };
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[rebalance, read(0, 0, 0, 2), read(1, 1, 0, 1)]);
        assert!(checkers.violations().is_empty());
        // m0 skips #2 of p0; m0 reads m1's partition.
        checkers.observe(&world, &[read(0, 0, 3, 4)]);
        checkers.observe(&world, &[read(0, 1, 1, 2)]);
        let found = checkers.violations();
        assert_eq!(found.len(), 2, "{found:?}");
        assert!(found.iter().all(|v| v.invariant == PARTITION_ORDER_KEPT));
        assert!(found[0]
            .explanation
            .contains("from #3 but the next change there is #2"));
        assert!(found[1].explanation.contains("belongs to m1"));
    }

    #[test]
    fn a_generation_that_skips_past_the_commit_is_caught() {
        let world = finished_world();
        let commit = event(
            &world,
            TraceKind::GroupCommit {
                group: "g".into(),
                partition: 0,
                offset: 0,
            },
        );
        let rebalance = event(
            &world,
            TraceKind::GroupRebalance(Box::new(GroupRebalance {
                group: "g".into(),
                generation: 2,
                owners: vec![Some(1)],
                from: vec![5],
            })),
        );
        let mut checkers = Checkers::default();
        checkers.observe(&world, &[commit, rebalance]);
        let found = checkers.violations();
        assert_eq!(found.len(), 1, "{found:?}");
        assert!(found[0]
            .explanation
            .contains("skipping the changes in between"));
    }
}
