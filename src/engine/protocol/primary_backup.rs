//! Primary-backup replication with epochs, failover and fencing.
//!
//! One primary executes client commands and ships the log to the backups:
//! with physical logging the log holds results (`= 1`, `= 3`, `= 6`), with
//! logical logging the commands themselves. When the primary falls silent a
//! backup proposes a new epoch; nodes promise it only if its log is at least
//! as fresh as theirs, and once a majority has promised it becomes primary.
//! Its first record marks the epoch. A node that has promised a newer epoch
//! refuses an older primary's appends, which fences that primary off; when
//! it learns of the newer epoch it steps down and its divergent tail is
//! truncated by the usual log-matching check.
//!
//! `params.fencing = false` is a planted bug: promotion keeps the epoch,
//! nobody votes and nobody refuses, so two primaries can accept writes.

use super::{AckMode, ClientRequest, Ctx, Effect, Logging, Message, Out, Protocol, Role};
use crate::engine::ids::{ClientId, NodeId, Offset, Tick};
use crate::engine::log::{Payload, Record};
use crate::engine::service::Surroundings;
use std::collections::{BTreeMap, BTreeSet};

/// The primary of epoch 1.
pub const FIRST_PRIMARY: NodeId = NodeId(0);

pub fn build(node: NodeId) -> Box<dyn Protocol> {
    Box::new(PrimaryBackup::new(node))
}

#[derive(Clone, Debug)]
pub struct PrimaryBackup {
    role: Role,
    epoch: u64,
    last_heard: Tick,
    /// Primary: next offset to send each backup (optimistic).
    next: BTreeMap<NodeId, Offset>,
    /// Primary: the log end each backup has confirmed.
    matched: BTreeMap<NodeId, Offset>,
    /// Primary: writes waiting for their acknowledgement.
    waiting: Vec<(Offset, ClientId)>,
    /// Candidate: who has promised, and since when we ask.
    promises: BTreeSet<NodeId>,
    candidacy_tick: Tick,
}

impl PrimaryBackup {
    fn new(node: NodeId) -> Self {
        PrimaryBackup {
            role: if node == FIRST_PRIMARY {
                Role::Primary
            } else {
                Role::Backup
            },
            epoch: 1,
            last_heard: 0,
            next: BTreeMap::new(),
            matched: BTreeMap::new(),
            waiting: Vec::new(),
            promises: BTreeSet::new(),
            candidacy_tick: 0,
        }
    }

    fn others<'a>(ctx: &'a Ctx) -> impl Iterator<Item = NodeId> + 'a {
        ctx.nodes.iter().copied().filter(move |&n| n != ctx.me)
    }

    fn majority(ctx: &Ctx) -> usize {
        ctx.nodes.len() / 2 + 1
    }

    fn last_epoch(ctx: &Ctx) -> u64 {
        ctx.log
            .end()
            .checked_sub(1)
            .and_then(|o| ctx.log.get(o))
            .map_or(0, |r| r.epoch)
    }

    fn arm(ctx: &Ctx, out: &mut Out) {
        out.push(Effect::SetTimer {
            after_ticks: ctx.params.heartbeat_ticks,
        });
    }

    /// Adopts a newer epoch as a backup (stepping down if we led).
    fn follow(&mut self, ctx: &Ctx, epoch: u64, out: &mut Out) {
        if epoch > ctx.persisted_epoch {
            out.push(Effect::PersistEpoch { epoch });
        }
        self.epoch = epoch;
        self.role = Role::Backup;
        self.waiting.clear();
        self.last_heard = ctx.tick;
    }

    /// An append for `to` starting at `from`, plus `extra` (a record this
    /// handler is appending, not yet in `ctx.log`).
    fn append_for(
        &mut self,
        ctx: &Ctx,
        to: NodeId,
        extra: Option<&Record>,
        commit: Offset,
    ) -> Message {
        let end = ctx.log.end();
        let from = self.next.get(&to).copied().unwrap_or(end).min(end);
        let upto = end.min(from.saturating_add(ctx.params.max_batch_records));
        // Room for the extra record too, so pushing it never regrows.
        let mut records = Vec::with_capacity((upto - from) as usize + 1);
        records.extend((from..upto).filter_map(|o| ctx.log.get(o).cloned()));
        if let Some(record) = extra.filter(|_| from + records.len() as u64 == end) {
            records.push(record.clone());
        }
        let prev = from
            .checked_sub(1)
            .and_then(|o| ctx.log.get(o))
            .map(|r| (r.offset, r.epoch));
        self.next.insert(to, from + records.len() as u64);
        Message::Append {
            epoch: self.epoch,
            prev,
            records,
            commit,
        }
    }

    fn send_appends(&mut self, ctx: &Ctx, extra: Option<&Record>, commit: Offset, out: &mut Out) {
        for backup in Self::others(ctx) {
            let message = self.append_for(ctx, backup, extra, commit);
            out.send(backup, message);
        }
    }

    fn start_candidacy(&mut self, ctx: &Ctx, out: &mut Out) {
        if !ctx.params.fencing {
            // The planted bug: take over in the same epoch, asking nobody.
            self.become_primary(ctx, out);
            return;
        }
        self.epoch = self.epoch.max(ctx.persisted_epoch) + 1;
        out.push(Effect::PersistEpoch { epoch: self.epoch });
        self.role = Role::Candidate;
        self.promises = crate::engine::sort::set_of_one(ctx.me);
        self.candidacy_tick = ctx.tick;
        let (last_epoch, log_end) = (Self::last_epoch(ctx), ctx.log.end());
        for node in Self::others(ctx) {
            out.send(
                node,
                Message::Propose {
                    epoch: self.epoch,
                    last_epoch,
                    log_end,
                },
            );
        }
        if self.promises.len() >= Self::majority(ctx) {
            self.become_primary(ctx, out);
        }
    }

    fn become_primary(&mut self, ctx: &Ctx, out: &mut Out) {
        self.role = Role::Primary;
        self.waiting.clear();
        self.matched.clear();
        let end = ctx.log.end();
        let start = Record {
            offset: end,
            epoch: self.epoch,
            writer: ctx.me,
            payload: Payload::EpochStart { primary: ctx.me },
        };
        out.push(Effect::Append(start.clone()));
        // A primary's state covers its whole log: it executes on top of it.
        out.push(Effect::Apply { up_to: end + 1 });
        self.next = crate::engine::sort::map_from(Self::others(ctx).map(|n| (n, end)));
        let commit = if ctx.params.ack == AckMode::Async {
            // Async commits on the primary's own append, the epoch's start too.
            out.push(Effect::Commit { up_to: end + 1 });
            end + 1
        } else {
            ctx.log.commit_offset()
        };
        self.send_appends(ctx, Some(&start), commit, out);
    }

    /// The highest offset a majority (or everyone, for sync-all) holds,
    /// counted only once it reaches a record of this epoch.
    fn durable_end(&self, ctx: &Ctx) -> Offset {
        // Every node's log end, this one's first; on the stack for the
        // usual cluster sizes, as this runs on every acknowledgement.
        let mut buffer: [Offset; 16] = [0; 16];
        let mut spilled = Vec::new();
        let ends: &mut [Offset] = if ctx.nodes.len() <= buffer.len() {
            &mut buffer
        } else {
            spilled.resize(ctx.nodes.len(), 0);
            &mut spilled
        };
        ends[0] = ctx.log.end();
        let mut len = 1;
        for node in Self::others(ctx) {
            ends[len] = self.matched.get(&node).copied().unwrap_or(0);
            len += 1;
        }
        let ends = &mut ends[..len];
        ends.sort_unstable_by(|a, b| b.cmp(a));
        let needed = match ctx.params.ack {
            AckMode::SyncAll => ends.len(),
            AckMode::Quorum | AckMode::Async => Self::majority(ctx),
        };
        let end = ends[needed - 1];
        let ours = end
            .checked_sub(1)
            .and_then(|o| ctx.log.get(o))
            .is_some_and(|r| r.epoch == self.epoch);
        if ours {
            end
        } else {
            ctx.log.commit_offset()
        }
    }

    fn on_append_reply(
        &mut self,
        ctx: &Ctx,
        from: NodeId,
        epoch: u64,
        ok: bool,
        log_end: Offset,
        out: &mut Out,
    ) {
        if ctx.params.fencing && epoch > self.epoch {
            self.follow(ctx, epoch, out);
            return;
        }
        if self.role != Role::Primary || epoch != self.epoch {
            return;
        }
        if !ok {
            self.next.insert(from, log_end);
            let message = self.append_for(ctx, from, None, ctx.log.commit_offset());
            out.send(from, message);
            return;
        }
        let matched = self.matched.entry(from).or_insert(0);
        *matched = (*matched).max(log_end);
        if ctx.params.ack == AckMode::Async {
            return;
        }
        let commit = self.durable_end(ctx);
        if commit > ctx.log.commit_offset() {
            out.push(Effect::Commit { up_to: commit });
            // Acknowledge the writes now committed, in the order they came.
            self.waiting.retain(|&(offset, client)| {
                let done = offset < commit;
                if done {
                    out.push(Effect::Reply { client, offset });
                }
                !done
            });
        }
    }

    fn on_append(
        &mut self,
        ctx: &Ctx,
        from: NodeId,
        message: (u64, Option<(Offset, u64)>, &[Record], Offset),
        out: &mut Out,
    ) {
        let (epoch, prev, records, commit) = message;
        if ctx.params.fencing {
            if epoch < self.epoch {
                out.send(
                    from,
                    Message::AppendReply {
                        epoch: self.epoch,
                        ok: false,
                        log_end: ctx.log.end(),
                    },
                );
                return;
            }
            if epoch > self.epoch || self.role != Role::Backup {
                self.follow(ctx, epoch, out);
            }
        } else if self.role != Role::Backup {
            self.follow(ctx, epoch, out);
        }
        self.last_heard = ctx.tick;
        let end = ctx.log.end();
        if let Some((offset, prev_epoch)) = prev {
            if ctx.log.get(offset).map(|r| r.epoch) != Some(prev_epoch) {
                let log_end = end.min(offset);
                out.send(
                    from,
                    Message::AppendReply {
                        epoch: self.epoch,
                        ok: false,
                        log_end,
                    },
                );
                return;
            }
        }
        let mut new_end = end;
        let mut truncated = false;
        for record in records {
            match ctx.log.get(record.offset) {
                // Same offset and epoch: the same record (log matching).
                Some(mine) if !truncated && mine.epoch == record.epoch => continue,
                Some(_) if !truncated => {
                    out.push(Effect::Truncate {
                        from: record.offset,
                    });
                    truncated = true;
                    new_end = record.offset;
                }
                _ => {}
            }
            if record.offset == new_end {
                out.push(Effect::Append(record.clone()));
                new_end += 1;
            }
        }
        let committed = commit.min(new_end);
        if committed > ctx.log.commit_offset() {
            out.push(Effect::Commit { up_to: committed });
        }
        if committed > ctx.machine.applied_offset || truncated {
            out.push(Effect::Apply { up_to: committed });
        }
        out.send(
            from,
            Message::AppendReply {
                epoch: self.epoch,
                ok: true,
                log_end: new_end,
            },
        );
    }

    fn on_propose(
        &mut self,
        ctx: &Ctx,
        from: NodeId,
        epoch: u64,
        last: (u64, Offset),
        out: &mut Out,
    ) {
        let promised = self.epoch.max(ctx.persisted_epoch);
        let fresh_enough = last >= (Self::last_epoch(ctx), ctx.log.end());
        let granted = epoch > promised && fresh_enough;
        if epoch > promised {
            // A newer epoch exists: never lead an older one again.
            self.follow(ctx, epoch, out);
        }
        out.send(
            from,
            Message::Promise {
                epoch: self.epoch,
                granted,
            },
        );
        if epoch > promised && !granted && ctx.params.failover_timeout_ticks > 0 {
            // Our log is fresher than the candidate's, so it cannot win a
            // majority that includes us: stand ourselves instead of waiting.
            self.start_candidacy(ctx, out);
        }
    }

    fn on_promise(&mut self, ctx: &Ctx, from: NodeId, epoch: u64, granted: bool, out: &mut Out) {
        if epoch > self.epoch {
            self.follow(ctx, epoch, out);
            return;
        }
        if self.role == Role::Candidate && epoch == self.epoch && granted {
            self.promises.insert(from);
            if self.promises.len() >= Self::majority(ctx) {
                self.become_primary(ctx, out);
            }
        }
    }
}

impl Protocol for PrimaryBackup {
    fn role(&self) -> Role {
        self.role
    }

    fn runs_service(&self) -> bool {
        true
    }

    fn epoch(&self) -> u64 {
        self.epoch
    }

    fn takes_writes(&self) -> bool {
        self.role == Role::Primary
    }

    fn on_start(&mut self, ctx: &Ctx, out: &mut Out) {
        Self::arm(ctx, out);
    }

    fn on_client_request(&mut self, ctx: &Ctx, request: ClientRequest, out: &mut Out) {
        if self.role != Role::Primary {
            return;
        }
        let offset = ctx.log.end();
        let payload = match ctx.params.logging {
            Logging::Physical => {
                let here = Surroundings::of(ctx.seed, ctx.me, ctx.tick, offset);
                Payload::Write(ctx.machine.state.execute(&request.command, here))
            }
            Logging::Logical => Payload::Command(request.command),
        };
        let record = Record {
            offset,
            epoch: self.epoch,
            writer: ctx.me,
            payload,
        };
        out.push(Effect::Append(record.clone()));
        out.push(Effect::Apply { up_to: offset + 1 });
        let commit = if ctx.params.ack == AckMode::Async {
            out.push(Effect::Commit { up_to: offset + 1 });
            out.push(Effect::Reply {
                client: request.client,
                offset,
            });
            offset + 1
        } else {
            self.waiting.push((offset, request.client));
            ctx.log.commit_offset()
        };
        self.send_appends(ctx, Some(&record), commit, out);
    }

    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out) {
        match message {
            Message::Append {
                epoch,
                prev,
                records,
                commit,
            } => self.on_append(ctx, from, (*epoch, *prev, records, *commit), out),
            Message::AppendReply { epoch, ok, log_end } => {
                self.on_append_reply(ctx, from, *epoch, *ok, *log_end, out)
            }
            Message::Propose {
                epoch,
                last_epoch,
                log_end,
            } if ctx.params.fencing => {
                self.on_propose(ctx, from, *epoch, (*last_epoch, *log_end), out)
            }
            Message::Promise { epoch, granted } => {
                self.on_promise(ctx, from, *epoch, *granted, out)
            }
            _ => {}
        }
    }

    fn on_tick(&mut self, ctx: &Ctx, out: &mut Out) {
        Self::arm(ctx, out);
        let timeout = ctx.params.failover_timeout_ticks;
        match self.role {
            Role::Primary => {
                let commit = ctx.log.commit_offset();
                self.send_appends(ctx, None, commit, out);
            }
            Role::Candidate if ctx.tick >= self.candidacy_tick + timeout.max(1) => {
                // No majority in time: stand back and let the next node try.
                self.role = Role::Backup;
                self.last_heard = ctx.tick;
            }
            Role::Backup if timeout > 0 => {
                // Lower ids go first, so backups rarely compete.
                let patience = timeout + Tick::from(ctx.me.0) * ctx.params.heartbeat_ticks * 2;
                if ctx.tick >= self.last_heard + patience {
                    self.start_candidacy(ctx, out);
                }
            }
            _ => {}
        }
    }

    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out) {
        self.role = Role::Backup;
        self.epoch = ctx.persisted_epoch.max(Self::last_epoch(ctx)).max(1);
        self.last_heard = ctx.tick;
        out.push(Effect::Apply {
            up_to: ctx.log.commit_offset(),
        });
        Self::arm(ctx, out);
    }

    fn on_promote(&mut self, ctx: &Ctx, out: &mut Out) {
        if self.role != Role::Primary {
            self.start_candidacy(ctx, out);
        }
    }

    fn clone_box(&self) -> Box<dyn Protocol> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::log::Log;
    use crate::engine::protocol::ProtocolParams;
    use crate::engine::service::{Command, Machine, State, Write};

    const NODES: [NodeId; 3] = [NodeId(0), NodeId(1), NodeId(2)];

    fn record(offset: Offset, epoch: u64, value: i64) -> Record {
        Record {
            offset,
            epoch,
            writer: FIRST_PRIMARY,
            payload: Payload::Write(Write::Number(value)),
        }
    }

    fn log_of(records: &[Record]) -> Log {
        let mut log = Log::new();
        records.iter().for_each(|r| log.append(r.clone()).unwrap());
        log
    }

    struct Node {
        log: Log,
        machine: Machine,
        params: ProtocolParams,
        persisted_epoch: u64,
    }

    impl Node {
        fn new(records: &[Record], params: ProtocolParams) -> Node {
            let machine = Machine {
                state: State::Number(0),
                applied_offset: 0,
            };
            Node {
                log: log_of(records),
                machine,
                params,
                persisted_epoch: 0,
            }
        }

        fn ctx(&self, me: NodeId, tick: Tick) -> Ctx<'_> {
            Ctx {
                me,
                tick,
                log: &self.log,
                machine: &self.machine,
                nodes: &NODES,
                params: &self.params,
                seed: 0,
                persisted_epoch: self.persisted_epoch,
            }
        }
    }

    #[test]
    fn primary_executes_logs_the_result_and_waits_for_a_quorum() {
        let mut node = Node::new(&[record(0, 1, 1)], ProtocolParams::default());
        node.machine = Machine {
            state: State::Number(1),
            applied_offset: 1,
        };
        let mut primary = PrimaryBackup::new(FIRST_PRIMARY);
        primary.next = BTreeMap::from([(NodeId(1), 1), (NodeId(2), 0)]);
        let mut out = Out::default();
        let request = ClientRequest {
            client: ClientId(0),
            command: Command::Add(2),
        };
        primary.on_client_request(&node.ctx(FIRST_PRIMARY, 5), request, &mut out);
        let new = record(1, 1, 3);
        assert_eq!(
            out.effects,
            vec![
                Effect::Append(new.clone()),
                Effect::Apply { up_to: 2 },
                Effect::Send {
                    to: NodeId(1),
                    message: Message::Append {
                        epoch: 1,
                        prev: Some((0, 1)),
                        records: vec![new.clone()],
                        commit: 0
                    },
                },
                Effect::Send {
                    to: NodeId(2),
                    message: Message::Append {
                        epoch: 1,
                        prev: None,
                        records: vec![record(0, 1, 1), new],
                        commit: 0
                    },
                },
            ],
            "quorum mode: no reply until a majority holds the write"
        );
        assert_eq!(primary.waiting, [(1, ClientId(0))]);
    }

    #[test]
    fn a_quorum_of_replies_commits_and_acknowledges() {
        let node = Node::new(
            &[record(0, 1, 1), record(1, 1, 3)],
            ProtocolParams::default(),
        );
        let mut primary = PrimaryBackup::new(FIRST_PRIMARY);
        primary.waiting = vec![(0, ClientId(0)), (1, ClientId(1))];
        let mut out = Out::default();
        let reply = Message::AppendReply {
            epoch: 1,
            ok: true,
            log_end: 1,
        };
        primary.on_message(&node.ctx(FIRST_PRIMARY, 6), NodeId(2), &reply, &mut out);
        assert_eq!(
            out.effects,
            vec![
                Effect::Commit { up_to: 1 },
                Effect::Reply {
                    client: ClientId(0),
                    offset: 0
                }
            ]
        );
        assert_eq!(primary.waiting, [(1, ClientId(1))]);
    }

    #[test]
    fn a_backup_truncates_a_divergent_tail_from_a_newer_epoch() {
        let mut node = Node::new(
            &[record(0, 1, 1), record(1, 1, 10)],
            ProtocolParams::default(),
        );
        node.persisted_epoch = 2;
        let mut backup = PrimaryBackup::new(NodeId(0));
        backup.role = Role::Backup;
        backup.epoch = 2;
        let start = Record {
            offset: 1,
            epoch: 2,
            writer: NodeId(1),
            payload: Payload::EpochStart { primary: NodeId(1) },
        };
        let append = Message::Append {
            epoch: 2,
            prev: Some((0, 1)),
            records: vec![start.clone()],
            commit: 2,
        };
        let mut out = Out::default();
        backup.on_message(&node.ctx(NodeId(0), 30), NodeId(1), &append, &mut out);
        assert_eq!(
            out.effects,
            vec![
                Effect::Truncate { from: 1 },
                Effect::Append(start),
                Effect::Commit { up_to: 2 },
                Effect::Apply { up_to: 2 },
                Effect::Send {
                    to: NodeId(1),
                    message: Message::AppendReply {
                        epoch: 2,
                        ok: true,
                        log_end: 2
                    }
                },
            ]
        );
    }

    #[test]
    fn fencing_refuses_an_older_primary_and_no_fencing_obeys_it() {
        let node = Node::new(&[record(0, 1, 1)], ProtocolParams::default());
        let mut backup = PrimaryBackup::new(NodeId(2));
        backup.epoch = 2;
        let stale = Message::Append {
            epoch: 1,
            prev: Some((0, 1)),
            records: vec![],
            commit: 1,
        };
        let mut out = Out::default();
        backup.on_message(&node.ctx(NodeId(2), 40), FIRST_PRIMARY, &stale, &mut out);
        let refusal = Message::AppendReply {
            epoch: 2,
            ok: false,
            log_end: 1,
        };
        assert_eq!(
            out.effects,
            vec![Effect::Send {
                to: FIRST_PRIMARY,
                message: refusal.clone()
            }]
        );

        // The old primary, told of epoch 2, steps down.
        let mut old = PrimaryBackup::new(FIRST_PRIMARY);
        let mut out = Out::default();
        old.on_message(&node.ctx(FIRST_PRIMARY, 41), NodeId(2), &refusal, &mut out);
        assert_eq!((old.role, old.epoch), (Role::Backup, 2));
        assert_eq!(out.effects, vec![Effect::PersistEpoch { epoch: 2 }]);

        let unfenced = Node::new(
            &[record(0, 1, 1)],
            ProtocolParams {
                fencing: false,
                ..Default::default()
            },
        );
        let mut backup = PrimaryBackup::new(NodeId(2));
        backup.epoch = 2;
        let mut out = Out::default();
        backup.on_message(
            &unfenced.ctx(NodeId(2), 40),
            FIRST_PRIMARY,
            &stale,
            &mut out,
        );
        assert!(matches!(
            out.effects.last(),
            Some(Effect::Send {
                message: Message::AppendReply { ok: true, .. },
                ..
            })
        ));
    }

    #[test]
    fn a_node_promises_only_a_candidate_at_least_as_fresh() {
        let node = Node::new(
            &[record(0, 1, 1), record(1, 1, 3)],
            ProtocolParams {
                failover_timeout_ticks: 0,
                ..Default::default()
            },
        );
        let mut voter = PrimaryBackup::new(NodeId(2));
        let mut out = Out::default();
        let stale = Message::Propose {
            epoch: 2,
            last_epoch: 1,
            log_end: 1,
        };
        voter.on_message(&node.ctx(NodeId(2), 50), NodeId(1), &stale, &mut out);
        assert_eq!(
            out.effects,
            vec![
                Effect::PersistEpoch { epoch: 2 },
                Effect::Send {
                    to: NodeId(1),
                    message: Message::Promise {
                        epoch: 2,
                        granted: false
                    }
                },
            ]
        );
        let mut out = Out::default();
        let fresh = Message::Propose {
            epoch: 3,
            last_epoch: 1,
            log_end: 2,
        };
        voter.on_message(&node.ctx(NodeId(2), 51), NodeId(0), &fresh, &mut out);
        assert_eq!(
            out.effects,
            vec![
                Effect::PersistEpoch { epoch: 3 },
                Effect::Send {
                    to: NodeId(0),
                    message: Message::Promise {
                        epoch: 3,
                        granted: true
                    }
                },
            ]
        );
    }
}
