//! The single event queue, ordered by (tick, sequence number).
//!
//! Events at the same tick run in the order they were scheduled, so the
//! order never depends on anything but the run itself.

use super::ids::{MsgId, NodeId, Tick};
use std::collections::BTreeMap;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Event {
    /// A message in flight reaches its destination (or is dropped there).
    Deliver(MsgId),
    /// A node's timer fires.
    Timer(NodeId),
    /// A subscriber (by index) polls its source log.
    Poll(usize),
    /// A consumer group member polls its partitions.
    MemberPoll { group: usize, member: u8 },
    /// A consumer group's coordinator checks its members' sessions and
    /// rebalances if some partition has no live owner.
    GroupCheck(usize),
}

/// Where an event sits in the queue; used to cancel it.
pub type QueueKey = (Tick, u64);

#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    events: BTreeMap<QueueKey, Event>,
    next_seq: u64,
}

impl EventQueue {
    pub fn push(&mut self, tick: Tick, event: Event) -> QueueKey {
        let key = (tick, self.next_seq);
        self.next_seq += 1;
        self.events.insert(key, event);
        key
    }

    pub fn pop(&mut self) -> Option<(Tick, Event)> {
        self.events
            .pop_first()
            .map(|((tick, _), event)| (tick, event))
    }

    pub fn cancel(&mut self, key: QueueKey) -> Option<Event> {
        self.events.remove(&key)
    }

    pub fn next_tick(&self) -> Option<Tick> {
        self.events.first_key_value().map(|((tick, _), _)| *tick)
    }

    pub fn len(&self) -> usize {
        self.events.len()
    }

    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
    }

    /// Pending events in the order they will run.
    pub fn iter(&self) -> impl Iterator<Item = (Tick, &Event)> {
        self.events.iter().map(|((tick, _), event)| (*tick, event))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_by_tick_then_by_scheduling_order() {
        let mut queue = EventQueue::default();
        queue.push(5, Event::Timer(NodeId(1)));
        queue.push(3, Event::Timer(NodeId(2)));
        queue.push(5, Event::Timer(NodeId(3)));
        let cancelled = queue.push(4, Event::Timer(NodeId(4)));
        queue.push(3, Event::Timer(NodeId(5)));
        assert_eq!(queue.cancel(cancelled), Some(Event::Timer(NodeId(4))));
        let order: Vec<(Tick, Event)> = std::iter::from_fn(|| queue.pop()).collect();
        let nodes: Vec<(Tick, u8)> = order
            .into_iter()
            .map(|(t, e)| match e {
                Event::Timer(n) => (t, n.0),
                _ => unreachable!("only timers were queued"),
            })
            .collect();
        assert_eq!(nodes, [(3, 2), (3, 5), (5, 1), (5, 3)]);
        assert!(queue.is_empty());
    }
}
