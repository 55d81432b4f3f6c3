//! Active-active replication (state machine replication) over a sequenced log.
//!
//! Node 0 is the sequencer: it gives every client command the next offset
//! in its log and pushes the records to the replicas. Each replica appends
//! them at the same offsets and applies the *commands* itself, so replicas
//! fed the same log in the same order reach the same value; a replica's
//! whole progress is one number, its applied offset.
//!
//! Loss and reordering are repaired by offsets alone: a replica that sees a
//! record beyond its log end asks for the gap (`Fetch`), and the sequencer
//! re-sends to replicas whose acknowledged end lags on a retry timer.

use super::{ClientRequest, Ctx, Effect, Message, Out, Protocol, Role};
use crate::engine::ids::{NodeId, Offset, Tick};
use crate::engine::log::{Payload, Record};
use std::collections::BTreeMap;

pub const SEQUENCER: NodeId = NodeId(0);

/// The sequencer never changes in this protocol, so the epoch is fixed.
const EPOCH: u64 = 1;

pub fn build(node: NodeId) -> Box<dyn Protocol> {
    if node == SEQUENCER {
        Box::new(Sequencer::default())
    } else {
        Box::new(Replica::default())
    }
}

/// A batch of the log from `from`, at most `max_batch_records` long.
fn replicate_from(ctx: &Ctx, from: Offset) -> Message {
    let end = ctx.log.end();
    let upto = end.min(from.saturating_add(ctx.params.max_batch_records));
    Message::Replicate {
        from_offset: from.min(end),
        records: (from..upto)
            .filter_map(|o| ctx.log.get(o).cloned())
            .collect(),
        leader_end: end,
        commit: ctx.log.commit_offset(),
    }
}

#[derive(Clone, Debug, Default)]
pub struct Sequencer {
    /// The highest log end each replica has reported; absent means "not
    /// heard from since this sequencer (re)started".
    acked_end: BTreeMap<NodeId, Offset>,
    timer_armed: bool,
}

impl Sequencer {
    fn replicas<'a>(ctx: &'a Ctx) -> impl Iterator<Item = NodeId> + 'a {
        ctx.nodes.iter().copied().filter(|&n| n != ctx.me)
    }

    fn arm_timer(&mut self, ctx: &Ctx, out: &mut Out) {
        if !self.timer_armed {
            self.timer_armed = true;
            out.push(Effect::SetTimer {
                after_ticks: ctx.params.retry_ticks,
            });
        }
    }

    /// Re-sends to every replica that is behind (an empty replicate asks a
    /// replica we have not heard from to report), and retries while anyone is.
    fn resend_to_laggards(&mut self, ctx: &Ctx, out: &mut Out) {
        let end = ctx.log.end();
        let mut anyone_behind = false;
        for replica in Self::replicas(ctx) {
            let from = match self.acked_end.get(&replica) {
                Some(&acked) if acked >= end => continue,
                Some(&acked) => acked,
                None => end,
            };
            anyone_behind = true;
            out.send(replica, replicate_from(ctx, from));
        }
        if anyone_behind {
            self.arm_timer(ctx, out);
        }
    }
}

impl Protocol for Sequencer {
    fn role(&self) -> Role {
        Role::Sequencer
    }

    fn takes_writes(&self) -> bool {
        true
    }

    fn runs_service(&self) -> bool {
        false
    }

    fn on_client_request(&mut self, ctx: &Ctx, request: ClientRequest, out: &mut Out) {
        let offset = ctx.log.end();
        let record = Record {
            writer: ctx.me,
            offset,
            epoch: EPOCH,
            payload: Payload::Command(request.command),
        };
        out.push(Effect::Append(record.clone()));
        // The sequencer's log is the source of truth: appended means committed.
        out.push(Effect::Commit { up_to: offset + 1 });
        out.push(Effect::Reply {
            client: request.client,
            offset,
        });
        // Push just the new record; a replica that missed earlier ones sees
        // the gap and fetches them.
        let message = Message::Replicate {
            from_offset: offset,
            records: vec![record],
            leader_end: offset + 1,
            commit: offset + 1,
        };
        for replica in Self::replicas(ctx) {
            out.send(replica, message.clone());
        }
        self.arm_timer(ctx, out);
    }

    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out) {
        match *message {
            Message::Ack { log_end } => {
                // Acks may arrive out of order; a replica's log never shrinks
                // here, so the highest report is the truth.
                let acked = self.acked_end.entry(from).or_insert(log_end);
                *acked = (*acked).max(log_end);
                if *acked < ctx.log.end() {
                    self.arm_timer(ctx, out);
                }
            }
            Message::Fetch { from_offset } => {
                let acked = self.acked_end.entry(from).or_insert(from_offset);
                *acked = (*acked).max(from_offset);
                out.send(from, replicate_from(ctx, from_offset));
            }
            _ => {}
        }
    }

    fn on_tick(&mut self, ctx: &Ctx, out: &mut Out) {
        self.timer_armed = false;
        self.resend_to_laggards(ctx, out);
    }

    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out) {
        out.push(Effect::Commit {
            up_to: ctx.log.end(),
        });
        self.resend_to_laggards(ctx, out);
    }

    fn clone_box(&self) -> Box<dyn Protocol> {
        Box::new(self.clone())
    }
}

#[derive(Clone, Debug, Default)]
pub struct Replica {
    /// The last gap we asked for and when, so a burst of out-of-order
    /// records asks once per retry period instead of once per record.
    last_fetch: Option<(Offset, Tick)>,
}

impl Replica {
    fn fetch(&mut self, ctx: &Ctx, from: NodeId, end: Offset, out: &mut Out) {
        let recent = self.last_fetch.is_some_and(|(offset, tick)| {
            offset == end && ctx.tick < tick + ctx.params.retry_ticks
        });
        if !recent {
            self.last_fetch = Some((end, ctx.tick));
            out.send(from, Message::Fetch { from_offset: end });
        }
    }

    fn catch_up(ctx: &Ctx, up_to: Offset, out: &mut Out) {
        if ctx.machine.applied_offset < up_to {
            out.push(Effect::Apply { up_to });
        }
    }
}

impl Protocol for Replica {
    fn role(&self) -> Role {
        Role::Replica
    }

    fn runs_service(&self) -> bool {
        true
    }

    fn on_client_request(&mut self, _ctx: &Ctx, _request: ClientRequest, _out: &mut Out) {
        // Writes go to the sequencer; a replica ignores them.
    }

    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out) {
        let Message::Replicate {
            from_offset,
            records,
            leader_end,
            commit,
        } = message
        else {
            return;
        };
        let old_end = ctx.log.end();
        if *from_offset > old_end {
            // A gap: an earlier message was lost or is still on its way.
            self.fetch(ctx, from, old_end, out);
            return;
        }
        let mut end = old_end;
        for record in records.iter().filter(|r| r.offset >= old_end) {
            out.push(Effect::Append(record.clone()));
            end += 1;
        }
        let committed = (*commit).min(end).max(ctx.log.commit_offset());
        if committed > ctx.log.commit_offset() {
            out.push(Effect::Commit { up_to: committed });
        }
        Self::catch_up(ctx, committed, out);
        if end < *leader_end {
            // Still behind after this batch: ask for the next one.
            self.fetch(ctx, from, end, out);
        } else {
            out.send(from, Message::Ack { log_end: end });
        }
    }

    fn on_tick(&mut self, _ctx: &Ctx, _out: &mut Out) {}

    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out) {
        // Recovery is replay: rebuild the value from the durable log, then
        // ask the sequencer for whatever came after it.
        Self::catch_up(ctx, ctx.log.commit_offset(), out);
        self.fetch(ctx, SEQUENCER, ctx.log.end(), out);
    }

    fn clone_box(&self) -> Box<dyn Protocol> {
        Box::new(self.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::ClientId;
    use crate::engine::log::Log;
    use crate::engine::protocol::ProtocolParams;
    use crate::engine::service::{Command, Machine, State};

    const NODES: [NodeId; 3] = [NodeId(0), NodeId(1), NodeId(2)];

    fn record(offset: Offset, command: &str) -> Record {
        Record {
            offset,
            writer: SEQUENCER,
            epoch: EPOCH,
            payload: Payload::Command(command.parse().unwrap()),
        }
    }

    fn log_of(commands: &[&str]) -> Log {
        let mut log = Log::new();
        for (i, c) in commands.iter().enumerate() {
            log.append(record(i as Offset, c)).unwrap();
        }
        log
    }

    fn ctx<'a>(
        me: NodeId,
        log: &'a Log,
        machine: &'a Machine,
        params: &'a ProtocolParams,
    ) -> Ctx<'a> {
        Ctx {
            me,
            tick: 10,
            log,
            machine,
            nodes: &NODES,
            params,
            seed: 0,
            persisted_epoch: 0,
        }
    }

    #[test]
    fn sequencer_appends_acks_and_pushes_a_client_command() {
        let (log, machine, params) = (
            log_of(&["+1"]),
            Machine::default(),
            ProtocolParams::default(),
        );
        let mut sequencer = Sequencer::default();
        let mut out = Out::default();
        let request = ClientRequest {
            client: ClientId(4),
            command: Command::Mul(2),
        };
        sequencer.on_client_request(&ctx(SEQUENCER, &log, &machine, &params), request, &mut out);
        let new = record(1, "*2");
        let push = Message::Replicate {
            from_offset: 1,
            records: vec![new.clone()],
            leader_end: 2,
            commit: 2,
        };
        assert_eq!(
            out.effects,
            vec![
                Effect::Append(new),
                Effect::Commit { up_to: 2 },
                Effect::Reply {
                    client: ClientId(4),
                    offset: 1
                },
                Effect::Send {
                    to: NodeId(1),
                    message: push.clone()
                },
                Effect::Send {
                    to: NodeId(2),
                    message: push
                },
                Effect::SetTimer {
                    after_ticks: params.retry_ticks
                },
            ]
        );
    }

    #[test]
    fn replica_appends_commits_applies_and_acks_in_order() {
        let (log, machine, params) = (
            log_of(&["+1"]),
            Machine {
                state: State::Number(1),
                applied_offset: 1,
            },
            ProtocolParams::default(),
        );
        let mut replica = Replica::default();
        let mut out = Out::default();
        let message = Message::Replicate {
            from_offset: 0,
            records: vec![record(0, "+1"), record(1, "*2"), record(2, "+3")],
            leader_end: 3,
            commit: 3,
        };
        replica.on_message(
            &ctx(NodeId(1), &log, &machine, &params),
            SEQUENCER,
            &message,
            &mut out,
        );
        assert_eq!(
            out.effects,
            vec![
                Effect::Append(record(1, "*2")),
                Effect::Append(record(2, "+3")),
                Effect::Commit { up_to: 3 },
                Effect::Apply { up_to: 3 },
                Effect::Send {
                    to: SEQUENCER,
                    message: Message::Ack { log_end: 3 }
                },
            ]
        );
    }

    #[test]
    fn replica_fetches_a_gap_once_per_retry_period() {
        let (log, machine, params) = (
            log_of(&["+1"]),
            Machine::default(),
            ProtocolParams::default(),
        );
        let mut replica = Replica::default();
        let ahead = Message::Replicate {
            from_offset: 3,
            records: vec![record(3, "+4")],
            leader_end: 4,
            commit: 4,
        };
        let fetch = Effect::Send {
            to: SEQUENCER,
            message: Message::Fetch { from_offset: 1 },
        };
        let context = ctx(NodeId(2), &log, &machine, &params);
        let mut out = Out::default();
        replica.on_message(&context, SEQUENCER, &ahead, &mut out);
        assert_eq!(out.effects, vec![fetch.clone()]);
        let mut again = Out::default();
        replica.on_message(&context, SEQUENCER, &ahead, &mut again);
        assert_eq!(
            again.effects,
            vec![],
            "a second gap message within the retry period must not ask again"
        );
        let later = Ctx {
            tick: 10 + params.retry_ticks,
            ..context
        };
        let mut retry = Out::default();
        replica.on_message(&later, SEQUENCER, &ahead, &mut retry);
        assert_eq!(retry.effects, vec![fetch]);
    }

    #[test]
    fn sequencer_answers_a_fetch_with_a_bounded_batch() {
        let commands: Vec<String> = (0..20).map(|i| format!("+{i}")).collect();
        let refs: Vec<&str> = commands.iter().map(String::as_str).collect();
        let log = log_of(&refs);
        let (machine, params) = (
            Machine::default(),
            ProtocolParams {
                retry_ticks: 5,
                max_batch_records: 4,
                ..ProtocolParams::default()
            },
        );
        let mut sequencer = Sequencer::default();
        let mut out = Out::default();
        let fetch = Message::Fetch { from_offset: 6 };
        sequencer.on_message(
            &ctx(SEQUENCER, &log, &machine, &params),
            NodeId(2),
            &fetch,
            &mut out,
        );
        let batch: Vec<Record> = (6..10).map(|o| log.get(o).unwrap().clone()).collect();
        assert_eq!(
            out.effects,
            vec![Effect::Send {
                to: NodeId(2),
                message: Message::Replicate {
                    from_offset: 6,
                    records: batch,
                    leader_end: 20,
                    commit: 0
                },
            }]
        );
    }

    #[test]
    fn restarted_replica_replays_its_log_then_fetches() {
        let mut log = log_of(&["+1", "+2", "+3"]);
        log.commit_to(2).unwrap();
        let (machine, params) = (Machine::default(), ProtocolParams::default());
        let mut replica = Replica::default();
        let mut out = Out::default();
        replica.on_restart(&ctx(NodeId(1), &log, &machine, &params), &mut out);
        assert_eq!(
            out.effects,
            vec![
                Effect::Apply { up_to: 2 },
                Effect::Send {
                    to: SEQUENCER,
                    message: Message::Fetch { from_offset: 3 }
                },
            ]
        );
    }
}
