//! The simulated network: per-link latency, loss, duplication and cuts.
//!
//! Messages in flight are kept as state (the UI draws them). Reordering is
//! not a separate knob: it falls out of per-message random latency.

use super::ids::{MsgId, NodeId, Tick};
use super::protocol::Message;
use super::rng::Ratio;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeSet, VecDeque};
use std::rc::Rc;

/// Latency of one message, uniform in `min..=max` ticks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LatencyTicks {
    pub min: Tick,
    pub max: Tick,
}

/// How a link behaves.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LinkConfig {
    pub latency_ticks: LatencyTicks,
    pub drop: Ratio,
    pub duplicate: Ratio,
}

/// A scenario's network: defaults for every link, then overrides.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    pub latency_ticks: LatencyTicks,
    pub drop: Ratio,
    pub duplicate: Ratio,
    pub links: Vec<LinkOverride>,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            latency_ticks: LatencyTicks { min: 1, max: 3 },
            drop: Ratio::NEVER,
            duplicate: Ratio::NEVER,
            links: Vec::new(),
        }
    }
}

/// Settings for one directed link that differ from the defaults.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LinkOverride {
    pub from: NodeId,
    pub to: NodeId,
    #[serde(default)]
    pub latency_ticks: Option<LatencyTicks>,
    #[serde(default)]
    pub drop: Option<Ratio>,
    #[serde(default)]
    pub duplicate: Option<Ratio>,
}

impl NetworkConfig {
    /// The effective settings of the directed link `from → to`; a later
    /// override wins over an earlier one.
    pub fn link(&self, from: NodeId, to: NodeId) -> LinkConfig {
        let mut link = LinkConfig {
            latency_ticks: self.latency_ticks,
            drop: self.drop,
            duplicate: self.duplicate,
        };
        for o in self.links.iter().filter(|o| o.from == from && o.to == to) {
            link.latency_ticks = o.latency_ticks.unwrap_or(link.latency_ticks);
            link.drop = o.drop.unwrap_or(link.drop);
            link.duplicate = o.duplicate.unwrap_or(link.duplicate);
        }
        link
    }
}

/// A message on the wire.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct InFlight {
    pub id: MsgId,
    pub from: NodeId,
    pub to: NodeId,
    /// Shared with the trace's `Send` event (and a duplicate's copy).
    pub message: Rc<Message>,
    pub sent_tick: Tick,
    pub deliver_tick: Tick,
}

/// The network's state: what is cut and what is in flight.
///
/// Ids are handed out in order and a message lands within the link's
/// latency, so the messages in flight are a window of ids: slot `i` holds
/// message `base + i` (none once it landed, or if it was dropped before
/// launch). Launching and landing are O(1) and the window is already in
/// id order.
#[derive(Clone, Debug, Default)]
pub struct Network {
    cut: BTreeSet<(NodeId, NodeId)>,
    window: VecDeque<Option<InFlight>>,
    /// Id of the message in `window[0]`.
    base: u64,
    next_id: u64,
}

impl Network {
    pub fn is_cut(&self, from: NodeId, to: NodeId) -> bool {
        self.cut.contains(&(from, to))
    }

    /// Cuts `from → to`; true if it was not cut already.
    pub fn cut(&mut self, from: NodeId, to: NodeId) -> bool {
        self.cut.insert((from, to))
    }

    /// Restores `from → to`; true if it was cut.
    pub fn reconnect(&mut self, from: NodeId, to: NodeId) -> bool {
        self.cut.remove(&(from, to))
    }

    /// Restores every link; true if anything was cut.
    pub fn heal(&mut self) -> bool {
        let any = !self.cut.is_empty();
        self.cut.clear();
        any
    }

    pub fn cut_links(&self) -> impl Iterator<Item = (NodeId, NodeId)> + '_ {
        self.cut.iter().copied()
    }

    pub fn next_id(&mut self) -> MsgId {
        let id = MsgId(self.next_id);
        self.next_id += 1;
        id
    }

    /// Puts a message on the wire; one launched again with the same id
    /// replaces the first.
    pub fn launch(&mut self, message: InFlight) {
        let id = message.id.0;
        if self.window.is_empty() {
            self.base = id;
        }
        while id < self.base {
            self.window.push_front(None);
            self.base -= 1;
        }
        let at = (id - self.base) as usize;
        if at >= self.window.len() {
            self.window.resize_with(at + 1, || None);
        }
        self.window[at] = Some(message);
    }

    pub fn land(&mut self, id: MsgId) -> Option<InFlight> {
        let at = usize::try_from(id.0.checked_sub(self.base)?).ok()?;
        let message = self.window.get_mut(at)?.take();
        while self.window.front().is_some_and(Option::is_none) {
            self.window.pop_front();
            self.base += 1;
        }
        message
    }

    /// Messages on the wire, oldest first.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.window.iter().flatten()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(id: u64) -> InFlight {
        InFlight {
            id: MsgId(id),
            from: NodeId(0),
            to: NodeId(1),
            message: Rc::new(Message::Ack { log_end: id }),
            sent_tick: 0,
            deliver_tick: 1,
        }
    }

    #[test]
    fn in_flight_messages_come_back_by_id_and_list_oldest_first() {
        let mut network = Network::default();
        for id in [3, 1, 2, 5] {
            network.launch(message(id));
        }
        assert_eq!(network.land(MsgId(2)).map(|m| m.id), Some(MsgId(2)));
        assert_eq!(network.land(MsgId(2)), None);
        network.launch(message(4));
        let ids: Vec<u64> = network.in_flight().map(|m| m.id.0).collect();
        assert_eq!(ids, [1, 3, 4, 5]);
        network.launch(message(3));
        assert_eq!(network.in_flight().count(), 4, "a relaunch replaces");
        assert_eq!(network.land(MsgId(9)), None);
        for id in [1, 3, 4, 5] {
            assert_eq!(network.land(MsgId(id)).map(|m| m.id.0), Some(id));
        }
        assert_eq!(network.in_flight().count(), 0);
        assert!(network.window.is_empty(), "landed messages leave no slot");
    }
}
