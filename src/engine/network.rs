//! The simulated network: per-link latency, loss, duplication and cuts.
//!
//! Messages in flight are kept as state (the UI draws them). Reordering is
//! not a separate knob: it falls out of per-message random latency.

use super::ids::{MsgId, NodeId, Tick};
use super::protocol::Message;
use super::rng::Ratio;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

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
    pub message: Message,
    pub sent_tick: Tick,
    pub deliver_tick: Tick,
}

/// The network's state: what is cut and what is in flight.
#[derive(Clone, Debug, Default)]
pub struct Network {
    cut: BTreeSet<(NodeId, NodeId)>,
    in_flight: BTreeMap<MsgId, InFlight>,
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

    pub fn launch(&mut self, message: InFlight) {
        self.in_flight.insert(message.id, message);
    }

    pub fn land(&mut self, id: MsgId) -> Option<InFlight> {
        self.in_flight.remove(&id)
    }

    /// Messages on the wire, oldest first.
    pub fn in_flight(&self) -> impl Iterator<Item = &InFlight> {
        self.in_flight.values()
    }
}
