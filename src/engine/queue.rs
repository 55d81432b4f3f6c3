//! The single event queue, ordered by (tick, sequence number).
//!
//! Events at the same tick run in the order they were scheduled, so the
//! order never depends on anything but the run itself.

use super::ids::{MsgId, NodeId, Tick};
use std::collections::{BTreeMap, VecDeque};

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

/// Ticks the wheel covers ahead of its cursor (a power of two).
const WHEEL: u64 = 64;

/// A timing wheel: nearly every event is due within a few ticks (message
/// latencies, heartbeats, polls), so events due before `cursor + WHEEL`
/// sit in the bucket of their tick, in scheduling order, and pushing or
/// popping one is O(1). Events due later wait, ordered, in `later`, and
/// move into the wheel as the cursor comes within `WHEEL` ticks of them,
/// before anything else can be scheduled at their tick, so scheduling
/// order is kept across both.
#[derive(Clone, Debug)]
pub struct EventQueue {
    /// Bucket `tick % WHEEL` holds the events due at `tick`, for ticks in
    /// `cursor..cursor + WHEEL`, as (sequence number, event).
    wheel: Vec<VecDeque<(u64, Event)>>,
    /// No event in the wheel is due before it; the tick of the last pop.
    cursor: Tick,
    in_wheel: usize,
    /// Events due at `cursor + WHEEL` or later.
    later: BTreeMap<QueueKey, Event>,
    next_seq: u64,
}

impl Default for EventQueue {
    fn default() -> Self {
        EventQueue {
            wheel: (0..WHEEL).map(|_| VecDeque::new()).collect(),
            cursor: 0,
            in_wheel: 0,
            later: BTreeMap::new(),
            next_seq: 0,
        }
    }
}

impl EventQueue {
    /// Schedules `event` at `tick`, which must not be before the last
    /// event popped (the world's clock only moves forward).
    pub fn push(&mut self, tick: Tick, event: Event) -> QueueKey {
        debug_assert!(tick >= self.cursor, "scheduled in the past");
        let tick = tick.max(self.cursor);
        let key = (tick, self.next_seq);
        self.next_seq += 1;
        if tick < self.cursor + WHEEL {
            self.wheel[Self::bucket(tick)].push_back((key.1, event));
            self.in_wheel += 1;
        } else {
            self.later.insert(key, event);
        }
        key
    }

    fn bucket(tick: Tick) -> usize {
        (tick % WHEEL) as usize
    }

    pub fn pop(&mut self) -> Option<(Tick, Event)> {
        let tick = self.next_tick()?;
        if self.in_wheel == 0 {
            // Only far events are left: jump to the first.
            self.cursor = tick;
            self.bring_into_wheel();
        }
        let (_, event) = self.wheel[Self::bucket(tick)]
            .pop_front()
            .expect("next_tick found this bucket full");
        self.in_wheel -= 1;
        if tick != self.cursor {
            self.cursor = tick;
            self.bring_into_wheel();
        }
        Some((tick, event))
    }

    /// Moves the events that the cursor has come within `WHEEL` ticks of
    /// from `later` into their buckets, oldest first.
    fn bring_into_wheel(&mut self) {
        while let Some(entry) = self.later.first_entry() {
            let (tick, seq) = *entry.key();
            if tick >= self.cursor + WHEEL {
                break;
            }
            let event = entry.remove();
            self.wheel[Self::bucket(tick)].push_back((seq, event));
            self.in_wheel += 1;
        }
    }

    /// Cancels a pending event: `key` came from `push` and has neither run
    /// nor been cancelled (the world keeps each node's pending timer key
    /// and forgets it when the timer fires or is cancelled).
    pub fn cancel(&mut self, key: QueueKey) {
        let (tick, seq) = key;
        if tick < self.cursor + WHEEL {
            let bucket = &mut self.wheel[Self::bucket(tick)];
            if let Some(at) = bucket.iter().position(|&(s, _)| s == seq) {
                bucket.remove(at);
                self.in_wheel -= 1;
                return;
            }
        }
        let removed = self.later.remove(&key);
        debug_assert!(removed.is_some(), "only a pending event can be cancelled");
    }

    /// When the next event is due. Scans the few ticks from the cursor to
    /// the first full bucket.
    pub fn next_tick(&self) -> Option<Tick> {
        if self.in_wheel == 0 {
            return self.later.first_key_value().map(|((tick, _), _)| *tick);
        }
        (self.cursor..self.cursor + WHEEL).find(|&tick| !self.wheel[Self::bucket(tick)].is_empty())
    }

    pub fn len(&self) -> usize {
        self.in_wheel + self.later.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Pending events in the order they will run.
    pub fn iter(&self) -> impl Iterator<Item = (Tick, &Event)> {
        let mut pending: Vec<(QueueKey, &Event)> = (self.cursor..self.cursor + WHEEL)
            .flat_map(|tick| {
                self.wheel[Self::bucket(tick)]
                    .iter()
                    .map(move |(seq, event)| ((tick, *seq), event))
            })
            .chain(self.later.iter().map(|(key, event)| (*key, event)))
            .collect();
        pending.sort_unstable_by_key(|(key, _)| *key);
        pending.into_iter().map(|((tick, _), event)| (tick, event))
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

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        /// What the queue must do, kept the simplest way: an ordered map.
        #[derive(Default)]
        struct Model {
            events: BTreeMap<QueueKey, Event>,
        }

        #[derive(Clone, Debug)]
        enum Op {
            /// Push this many ticks after the current one.
            Push(u64),
            /// Cancel the n-th pending event (if any).
            Cancel(usize),
            Pop,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                4 => (0u64..8).prop_map(Op::Push),
                1 => (60u64..400).prop_map(Op::Push),
                1 => any::<usize>().prop_map(Op::Cancel),
                4 => Just(Op::Pop),
            ]
        }

        proptest! {
            /// Near and far events, cancels and pops in any mix: the wheel
            /// pops exactly what the ordered map pops, in the same order.
            #[test]
            fn the_wheel_pops_what_an_ordered_map_pops(ops in proptest::collection::vec(op(), 0..300)) {
                let mut queue = EventQueue::default();
                let mut model = Model::default();
                let mut now = 0;
                for (n, op) in ops.into_iter().enumerate() {
                    match op {
                        Op::Push(after) => {
                            let event = Event::Poll(n);
                            let key = queue.push(now + after, event.clone());
                            model.events.insert(key, event);
                        }
                        Op::Cancel(pick) => {
                            if !model.events.is_empty() {
                                let key = *model.events.keys().nth(pick % model.events.len()).unwrap();
                                model.events.remove(&key);
                                queue.cancel(key);
                            }
                        }
                        Op::Pop => {
                            let expected = model.events.pop_first().map(|((t, _), e)| (t, e));
                            prop_assert_eq!(queue.pop(), expected.clone());
                            if let Some((tick, _)) = expected {
                                now = tick;
                            }
                        }
                    }
                    prop_assert_eq!(queue.len(), model.events.len());
                    prop_assert_eq!(queue.next_tick(), model.events.keys().next().map(|k| k.0));
                    let pending: Vec<(Tick, &Event)> = queue.iter().collect();
                    let expected: Vec<(Tick, &Event)> = model.events.iter().map(|((t, _), e)| (*t, e)).collect();
                    prop_assert_eq!(pending, expected);
                }
            }
        }
    }
}
