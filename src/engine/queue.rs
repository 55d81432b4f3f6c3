//! The single event queue, ordered by (tick, sequence number).
//!
//! Events at the same tick run in the order they were scheduled, so the
//! order never depends on anything but the run itself.

use super::ids::{MsgId, NodeId, Tick};
use std::cmp::Ordering;
use std::collections::BinaryHeap;

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

/// A binary heap ordered by key, earliest first. Cancelling only notes the
/// key: the event is skipped when it reaches the top. Only timers are
/// cancelled, at most one pending per node, so the notes stay few.
#[derive(Clone, Debug, Default)]
pub struct EventQueue {
    heap: BinaryHeap<Entry>,
    /// Keys cancelled but still in the heap.
    cancelled: Vec<QueueKey>,
    next_seq: u64,
}

#[derive(Clone, Debug)]
struct Entry {
    key: QueueKey,
    event: Event,
}

impl PartialEq for Entry {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key
    }
}

impl Eq for Entry {}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Entry {
    /// Reversed: `BinaryHeap` is a max-heap and the earliest key runs first.
    fn cmp(&self, other: &Self) -> Ordering {
        other.key.cmp(&self.key)
    }
}

impl EventQueue {
    pub fn push(&mut self, tick: Tick, event: Event) -> QueueKey {
        let key = (tick, self.next_seq);
        self.next_seq += 1;
        self.heap.push(Entry { key, event });
        key
    }

    pub fn pop(&mut self) -> Option<(Tick, Event)> {
        let entry = self.heap.pop()?;
        self.skip_cancelled();
        Some((entry.key.0, entry.event))
    }

    /// Cancels a pending event: `key` came from `push` and has neither run
    /// nor been cancelled (the world keeps each node's pending timer key
    /// and forgets it when the timer fires or is cancelled).
    pub fn cancel(&mut self, key: QueueKey) {
        debug_assert!(
            !self.cancelled.contains(&key) && self.heap.iter().any(|entry| entry.key == key),
            "only a pending event can be cancelled"
        );
        self.cancelled.push(key);
        self.skip_cancelled();
    }

    /// Drops cancelled events from the top, so the top is always one that
    /// will run (`next_tick` can then just look).
    fn skip_cancelled(&mut self) {
        while let Some(top) = self.heap.peek() {
            let Some(at) = self.cancelled.iter().position(|&k| k == top.key) else {
                break;
            };
            self.cancelled.swap_remove(at);
            self.heap.pop();
        }
    }

    pub fn next_tick(&self) -> Option<Tick> {
        self.heap.peek().map(|entry| entry.key.0)
    }

    pub fn len(&self) -> usize {
        self.heap.len() - self.cancelled.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pending events in the order they will run.
    pub fn iter(&self) -> impl Iterator<Item = (Tick, &Event)> {
        let mut pending: Vec<&Entry> = self
            .heap
            .iter()
            .filter(|entry| !self.cancelled.contains(&entry.key))
            .collect();
        pending.sort_unstable_by_key(|entry| entry.key);
        pending.into_iter().map(|entry| (entry.key.0, &entry.event))
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
        queue.cancel(cancelled);
        assert_eq!(queue.len(), 4);
        let pending: Vec<Tick> = queue.iter().map(|(t, _)| t).collect();
        assert_eq!(pending, [3, 3, 5, 5]);
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
