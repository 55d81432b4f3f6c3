//! Unordered broadcast: the planted bug that shows why the log matters.
//!
//! Node 0 forwards every client command straight to each replica. There is
//! no sequencer and no offsets on the wire: a replica appends whatever
//! arrives next at the end of its own log and applies it. Different
//! latencies deliver `+1` and `*2` in different orders to different
//! replicas, and their states part ways.

use super::{ClientRequest, Ctx, Effect, Message, Out, Protocol, Role};
use crate::engine::ids::NodeId;
use crate::engine::log::{Payload, Record};

pub const BROADCASTER: NodeId = NodeId(0);

pub fn build(node: NodeId) -> Box<dyn Protocol> {
    if node == BROADCASTER {
        Box::new(Broadcaster)
    } else {
        Box::new(Receiver)
    }
}

#[derive(Clone, Debug)]
pub struct Broadcaster;

impl Protocol for Broadcaster {
    fn role(&self) -> Role {
        Role::Broadcaster
    }
    fn runs_service(&self) -> bool {
        false
    }
    fn takes_writes(&self) -> bool {
        true
    }
    fn on_client_request(&mut self, ctx: &Ctx, request: ClientRequest, out: &mut Out) {
        for &replica in ctx.nodes.iter().filter(|&&n| n != ctx.me) {
            out.send(
                replica,
                Message::Command {
                    command: request.command.clone(),
                },
            );
        }
    }
    fn on_message(&mut self, _: &Ctx, _: NodeId, _: &Message, _: &mut Out) {}
    fn on_tick(&mut self, _: &Ctx, _: &mut Out) {}
    fn on_restart(&mut self, _: &Ctx, _: &mut Out) {}
    fn clone_box(&self) -> Box<dyn Protocol> {
        Box::new(self.clone())
    }
}

#[derive(Clone, Debug)]
pub struct Receiver;

impl Protocol for Receiver {
    fn role(&self) -> Role {
        Role::Replica
    }
    fn runs_service(&self) -> bool {
        true
    }
    fn on_client_request(&mut self, _: &Ctx, _: ClientRequest, _: &mut Out) {}
    fn on_message(&mut self, ctx: &Ctx, from: NodeId, message: &Message, out: &mut Out) {
        let Message::Command { command } = message else {
            return;
        };
        // Arrival order is the only order there is.
        let offset = ctx.log.end();
        let payload = Payload::Command(command.clone());
        out.push(Effect::Append(Record {
            offset,
            epoch: 1,
            writer: from,
            payload,
        }));
        out.push(Effect::Commit { up_to: offset + 1 });
        out.push(Effect::Apply { up_to: offset + 1 });
    }
    fn on_tick(&mut self, _: &Ctx, _: &mut Out) {}
    fn on_restart(&mut self, ctx: &Ctx, out: &mut Out) {
        out.push(Effect::Apply {
            up_to: ctx.log.end(),
        });
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
    use crate::engine::service::{Command, Machine};

    #[test]
    fn a_receiver_appends_in_arrival_order_and_applies() {
        let (mut log, machine, params) =
            (Log::new(), Machine::default(), ProtocolParams::default());
        let first = Record {
            offset: 0,
            epoch: 1,
            writer: BROADCASTER,
            payload: Payload::Command(Command::Add(1)),
        };
        log.append(first).unwrap();
        let nodes = [NodeId(0), NodeId(1), NodeId(2)];
        let ctx = Ctx {
            me: NodeId(2),
            tick: 4,
            log: &log,
            machine: &machine,
            nodes: &nodes,
            params: &params,
            seed: 0,
            persisted_epoch: 0,
        };
        let mut out = Out::default();
        Receiver.on_message(
            &ctx,
            BROADCASTER,
            &Message::Command {
                command: Command::Mul(2),
            },
            &mut out,
        );
        let record = Record {
            offset: 1,
            epoch: 1,
            writer: BROADCASTER,
            payload: Payload::Command(Command::Mul(2)),
        };
        assert_eq!(
            out.effects,
            vec![
                Effect::Append(record),
                Effect::Commit { up_to: 2 },
                Effect::Apply { up_to: 2 }
            ]
        );
    }
}
