//! What every panel of the page is given: the run, and the two ways a
//! panel may change it. A panel never touches the timeline itself; it
//! derives what it shows from `timeline` and sends inputs or seeks.

use super::recent::Recent;
use crate::engine::{Input, Timeline, TraceEvent};
use yew::Callback;

pub struct Slot<'a> {
    pub timeline: &'a Timeline,
    /// What the page kept of the last steps (see `recent`).
    pub recent: &'a Recent,
    /// Carries out an input now: it is recorded, and if the timeline was
    /// moved back it forks the run there.
    pub on_input: Callback<Input>,
    /// Moves to a recorded position (a step number) without changing the run.
    pub on_seek: Callback<usize>,
    /// Whether the run is playing (panels may then draw less).
    pub playing: bool,
}

impl Slot<'_> {
    /// The trace events of the steps after `from` up to the current
    /// position, from the kept steps when they reach back that far.
    pub fn events_since(&self, from: usize) -> Vec<TraceEvent> {
        self.recent.events_since(self.timeline, from)
    }
}

/// `html` without its key while the run plays. An element whose key
/// changed is removed and another built in its place; in lists whose items
/// are all new by the next redraw while playing (messages on the wire, the
/// space-time window, the axis ticks under it), patching the element at
/// the same index costs far less. Paused, keys keep an element (and focus
/// on it) with the item it shows.
pub fn keyed_unless_playing(playing: bool, html: yew::Html) -> yew::Html {
    match html {
        yew::virtual_dom::VNode::VTag(mut tag) if playing => {
            std::rc::Rc::make_mut(&mut tag).key = None;
            yew::virtual_dom::VNode::VTag(tag)
        }
        other => other,
    }
}
