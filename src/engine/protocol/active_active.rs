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
            .filter_map(|o| ctx.log.get(o).copied())
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

    fn runs_service(&self) -> bool {
        false
    }

    fn on_client_request(&mut self, ctx: &Ctx, request: ClientRequest, out: &mut Out) {
        let offset = ctx.log.end();
        let record = Record {
            offset,
            epoch: EPOCH,
            payload: Payload::Command(request.command),
        };
        out.push(Effect::Append(record));
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
            Message::Replicate { .. } => {}
        }
    }

    fn on_timer(&mut self, ctx: &Ctx, out: &mut Out) {
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
            out.push(Effect::Append(*record));
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

    fn on_timer(&mut self, _ctx: &Ctx, _out: &mut Out) {}

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
