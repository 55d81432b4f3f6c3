//! What the page remembers while a run goes forward, so that drawing a
//! frame costs the same at step 50 and at step 2 000 000:
//!
//! - the trace events of the last `KEEP` steps, collected as the app steps,
//!   so the event feed, the subscribers' answers and the space-time diagram
//!   need not replay steps from a keyframe every redraw;
//! - every subscriber's lag curve, bucketed, extended by the samples added
//!   since the last redraw instead of read from the start of the run.
//!
//! Both are caches of what the timeline already says, valid only for the
//! position and trace hash they end at: after any move that is not a step
//! forward (Back, a seek, an input, another scenario) they start over, and
//! until enough steps are kept again the timeline's own `events_between`
//! (which replays) answers.

use super::view::{LagHistory, LagSeries, LAG_SAMPLES};
use crate::engine::{ClientId, Timeline, TraceEvent};
use std::cell::RefCell;
use std::collections::{BTreeSet, VecDeque};

/// Steps of events kept: the space-time diagram reads the most (its window
/// and the steps before it).
pub const KEEP: usize = 160;

#[derive(Debug, Default)]
pub struct Recent {
    /// The position and trace hash the kept steps end at.
    at: Option<(usize, u64)>,
    /// Events of steps `at - steps.len() + 1 ..= at`, oldest first.
    steps: VecDeque<Vec<TraceEvent>>,
    lags: RefCell<LagCache>,
    /// Acknowledgements read so far, and the clients among them.
    clients: RefCell<(usize, BTreeSet<ClientId>)>,
}

impl Recent {
    /// After one step forward from a world whose trace hash was `before`:
    /// keeps its events. Anything else starts the kept steps over.
    pub fn stepped(&mut self, timeline: &Timeline, before: u64) {
        let world = timeline.world();
        let position = timeline.position();
        let follows = self
            .at
            .is_some_and(|(at, hash)| at + 1 == position && hash == before);
        if !follows {
            self.steps.clear();
            *self.lags.get_mut() = LagCache::default();
            *self.clients.get_mut() = Default::default();
        }
        if self.steps.len() == KEEP {
            self.steps.pop_front();
        }
        self.steps.push_back(world.last_events().to_vec());
        self.at = Some((position, world.trace_hash()));
    }

    /// The trace events of the steps after `from` up to the current
    /// position, as `Timeline::events_between(from, position)` gives them.
    pub fn events_since(&self, timeline: &Timeline, from: usize) -> Vec<TraceEvent> {
        let position = timeline.position();
        let kept = self.at == Some((position, timeline.world().trace_hash()));
        let first = position - self.steps.len().min(position);
        let from = from.clamp(timeline.start(), position);
        if kept && from >= first {
            return self
                .steps
                .iter()
                .skip(from - first)
                .flatten()
                .cloned()
                .collect();
        }
        timeline.events_between(from, position)
    }

    /// Every client that was acknowledged, and c0 (the page's own client).
    pub fn clients(&self, timeline: &Timeline) -> Vec<ClientId> {
        let kept = self.at == Some((timeline.position(), timeline.world().trace_hash()));
        let mut cache = self.clients.borrow_mut();
        let acks = timeline.world().client_acks();
        if !kept || cache.0 > acks.len() {
            *cache = Default::default();
        }
        let (read, clients) = &mut *cache;
        clients.insert(ClientId::default());
        clients.extend(acks.iter_from(*read).map(|a| a.client));
        *read = acks.len();
        clients.iter().copied().collect()
    }

    /// Every subscriber's lag curve up to the current position.
    pub fn lag_history(&self, timeline: &Timeline) -> LagHistory {
        let kept = self.at == Some((timeline.position(), timeline.world().trace_hash()));
        let mut cache = self.lags.borrow_mut();
        if !kept {
            // Not a run the app stepped through: start over.
            *cache = LagCache::default();
        }
        cache.history(timeline)
    }
}

/// Lag curves in buckets of a power-of-two number of steps, each point the
/// largest lag in its bucket, so a spike is never sampled away.
#[derive(Debug, Default)]
struct LagCache {
    bucket: u64,
    /// Per subscriber: samples read so far and the points made of them.
    series: Vec<(usize, Vec<(u64, u64)>)>,
    /// The position the curves were last extended to.
    until: u64,
}

fn add(points: &mut Vec<(u64, u64)>, bucket: u64, step: u64, lag: u64) {
    let at = (step / bucket) * bucket;
    match points.last_mut() {
        Some(last) if last.0 == at => last.1 = last.1.max(lag),
        _ => points.push((at, lag)),
    }
}

impl LagCache {
    fn history(&mut self, timeline: &Timeline) -> LagHistory {
        let world = timeline.world();
        let position = world.step_count();
        let bucket = position
            .div_ceil(LAG_SAMPLES as u64)
            .max(1)
            .next_power_of_two();
        let count = world.subscribers().count();
        if self.series.len() != count || position < self.until || bucket < self.bucket {
            self.series = vec![(0, Vec::new()); count];
            self.bucket = bucket;
        }
        if bucket > self.bucket {
            for (_, points) in &mut self.series {
                let old = std::mem::take(points);
                for (step, lag) in old {
                    add(points, bucket, step, lag);
                }
            }
            self.bucket = bucket;
        }
        self.until = position;
        let series: Vec<LagSeries> = world
            .subscribers()
            .enumerate()
            .map(|(i, (config, _))| {
                let (read, points) = &mut self.series[i];
                if let Some(samples) = world.lag_samples(i) {
                    for &(step, lag) in samples.iter_from(*read) {
                        add(points, bucket, step, lag);
                    }
                    *read = samples.len();
                }
                let mut points = points.clone();
                let now = points.last().map_or(0, |p| p.1);
                points.push((position, now));
                LagSeries {
                    name: config.name.clone(),
                    points,
                }
            })
            .collect();
        let max_lag = series
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.1))
            .max()
            .unwrap_or(0);
        LagHistory {
            series,
            until: position,
            max_lag,
        }
    }
}
