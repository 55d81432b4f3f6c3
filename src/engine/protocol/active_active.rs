//! Active-active replication (state machine replication) over a sequenced log.
//!
//! Node 0 is the sequencer: it gives every client command the next offset
//! in its log and pushes the records to the replicas. Each replica appends
//! them at the same offsets and applies the *commands* itself, so replicas
//! fed the same log in the same order reach the same value; a replica's
//! whole progress is one number, its applied offset.

use super::{ClientRequest, Ctx, Effect, Message, Out, Protocol, Role};
use crate::engine::ids::{NodeId, Offset};
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

#[derive(Clone, Debug, Default)]
pub struct Sequencer {
    /// What each replica has acknowledged; absent means "not heard from".
    acked_end: BTreeMap<NodeId, Offset>,
}

impl Sequencer {
    fn replicas<'a>(ctx: &'a Ctx) -> impl Iterator<Item = NodeId> + 'a {
        ctx.nodes.iter().copied().filter(|&n| n != ctx.me)
    }

    fn replicate_from(ctx: &Ctx, from: Offset, end: Offset) -> Message {
        let upto = end.min(from + ctx.params.max_batch_records);
        Message::Replicate {
            from_offset: from,
            records: (from..upto)
                .filter_map(|o| ctx.log.get(o).copied())
                .collect(),
            leader_end: end,
            commit: end,
        }
    }

    fn anyone_behind(&self, ctx: &Ctx, end: Offset) -> bool {
        Self::replicas(ctx).any(|r| self.acked_end.get(&r).is_none_or(|&e| e < end))
    }

    /// Re-sends to every replica that is behind, and keeps retrying while
    /// anyone is.
    fn resend_to_laggards(&self, ctx: &Ctx, out: &mut Out) {
        let end = ctx.log.end();
        for replica in Self::replicas(ctx) {
            match self.acked_end.get(&replica) {
                Some(&acked) if acked >= end => {}
                Some(&acked) => out.send(replica, Self::replicate_from(ctx, acked, end)),
                // Unknown progress: an empty replicate asks the replica to say where it is.
                None => out.send(replica, Self::replicate_from(ctx, end, end)),
            }
        }
        if self.anyone_behind(ctx, end) {
            out.push(Effect::SetTimer {
                after_ticks: ctx.params.retry_ticks,
            });
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
        // the gap and asks for them (see `Replica::on_message`).
        let message = Message::Replicate {
            from_offset: offset,
            records: vec![record],
            leader_end: offset + 1,
            commit: offset + 1,
        };
        for replica in Self::replicas(ctx) {
            out.send(replica, message.clone());
        }
        out.push(Effect::SetTimer {
            after_ticks: ctx.params.retry_ticks,
        });
    }

    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out) {
        let Message::Ack { log_end } = *message else {
            return;
        };
        // The latest report wins: a replica can report less than before
        // (a late duplicate ack); the worst case is one redundant resend.
        self.acked_end.insert(from, log_end);
        let end = ctx.log.end();
        if log_end < end {
            out.send(from, Self::replicate_from(ctx, log_end, end));
        }
    }

    fn on_timer(&mut self, ctx: &Ctx, out: &mut Out) {
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
pub struct Replica;

impl Replica {
    fn catch_up(ctx: &Ctx, end: Offset, out: &mut Out) {
        if ctx.machine.applied_offset < end {
            out.push(Effect::Apply { up_to: end });
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
            commit,
            ..
        } = message
        else {
            return;
        };
        let old_end = ctx.log.end();
        let mut end = old_end;
        if *from_offset > end {
            // A gap: an earlier message was lost or is late. Ask from our end.
            out.send(from, Message::Ack { log_end: end });
            return;
        }
        for record in records.iter().filter(|r| r.offset >= old_end) {
            out.push(Effect::Append(*record));
            end += 1;
        }
        let committed = (*commit).min(end);
        if committed > ctx.log.commit_offset() {
            out.push(Effect::Commit { up_to: committed });
        }
        Self::catch_up(ctx, committed.max(ctx.log.commit_offset()), out);
        out.send(from, Message::Ack { log_end: end });
    }

    fn on_timer(&mut self, _ctx: &Ctx, _out: &mut Out) {}

    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out) {
        // Recovery is replay: rebuild the value from the durable log, then
        // tell the sequencer where we are so it sends the rest.
        Self::catch_up(ctx, ctx.log.commit_offset(), out);
        out.send(
            SEQUENCER,
            Message::Ack {
                log_end: ctx.log.end(),
            },
        );
    }

    fn clone_box(&self) -> Box<dyn Protocol> {
        Box::new(self.clone())
    }
}
