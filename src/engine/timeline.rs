//! The timeline: a run as a list of actions, with keyframes for seeking.
//!
//! Position `p` is the world after the first `p` actions. Going back seeks
//! to an earlier position by cloning the nearest keyframe at or before it
//! and replaying; stepping forward from there redoes the recorded actions,
//! and a new input there forks the run (the recorded future is dropped).
//!
//! History is bounded ([`HistoryLimits`]): past a number of keyframes (or
//! their estimated bytes) the older half of them is thinned, so seeking far
//! back replays more steps; past a number of actions the oldest are
//! forgotten, and Back stops at the earliest position kept. Either way
//! [`Timeline::history_notice`] says so in a sentence the page can show.

use super::input::{Input, TimedInput};
use super::memory;
use super::scenario::Scenario;
use super::trace::TraceEvent;
use super::world::World;
use serde::{Deserialize, Serialize};
use std::rc::Rc;

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Run the next scheduled event.
    Step,
    /// Carry out an input now (a user's click), at the tick it was made.
    /// Boxed: nearly every action is a `Step`, which then takes one word.
    Input(Box<TimedInput>),
}

impl Action {
    /// Carries the action out on `world`, as it was recorded.
    pub fn redo(&self, world: &mut World) {
        match self {
            Action::Step => {
                world.step();
            }
            Action::Input(timed) => {
                debug_assert_eq!(timed.tick, world.tick(), "replay drifted from the record");
                world.apply_input(&timed.input)
            }
        }
    }
}

pub const DEFAULT_KEYFRAME_EVERY: usize = 64;

/// How many trace events must separate two keyframes, beside the `every`
/// steps: a keyframe copies the whole world, so a bigger world waits for
/// more events, and recording stays O(1) per event however big it grows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KeyframeSpacing {
    /// Events per KiB the last keyframe copied (0: steps alone decide).
    pub events_per_kib: u64,
    /// Never more events than this, so a seek replays little.
    pub max_events: u64,
}

impl KeyframeSpacing {
    /// Steps alone decide: a keyframe every `every` steps exactly.
    pub const STEPS_ONLY: KeyframeSpacing = KeyframeSpacing {
        events_per_kib: 0,
        max_events: 0,
    };

    /// Trace events to wait for after a keyframe of `bytes`.
    pub fn events_after(&self, bytes: usize) -> u64 {
        (bytes as u64 / 1024 * self.events_per_kib).min(self.max_events)
    }
}

impl Default for KeyframeSpacing {
    /// Copying a KiB of world costs about as much as running a few dozen
    /// events; waiting for 256 events per KiB keeps the copies near a
    /// tenth of recording. At most 32 768 events apart: a seek replays
    /// about 10 ms natively, 20 ms in the browser, at worst.
    fn default() -> Self {
        KeyframeSpacing {
            events_per_kib: 256,
            max_events: 32_768,
        }
    }
}

/// Fewest keyframes byte-based thinning leaves.
const MIN_KEYFRAMES: usize = 8;

/// How much history a timeline keeps.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct HistoryLimits {
    /// Most recorded actions; beyond, the oldest are forgotten.
    pub max_steps: usize,
    /// Most keyframes; beyond, the older half of them is thinned.
    pub max_keyframes: usize,
    /// Most estimated keyframe bytes; beyond, the older half is thinned
    /// (down to a few keyframes, whatever their size).
    pub max_keyframe_bytes: usize,
}

impl Default for HistoryLimits {
    /// About 150 MB at most for the benchmark's five replicas: 4M actions
    /// (one word each) and 4096 keyframes of ~20 KB, under 96 MB.
    fn default() -> Self {
        HistoryLimits {
            max_steps: 4_000_000,
            max_keyframes: 4096,
            max_keyframe_bytes: 96 << 20,
        }
    }
}

/// What a timeline holds, estimated (see `engine::memory`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct HistorySize {
    /// Recorded actions (steps kept).
    pub steps: usize,
    pub keyframes: usize,
    /// The action list, inputs included.
    pub action_bytes: usize,
    /// What the keyframes' world clones own.
    pub keyframe_bytes: usize,
    /// Log records shared by the keyframes and the current world.
    pub shared_bytes: usize,
}

impl HistorySize {
    pub fn total(&self) -> usize {
        self.action_bytes + self.keyframe_bytes + self.shared_bytes
    }
}

#[derive(Clone, Debug)]
struct Keyframe {
    position: usize,
    world: World,
    /// `memory::world_bytes(&world)`, taken once.
    bytes: usize,
    /// When the next keyframe is due if this is the newest: at this
    /// position and trace length or later (see `Timeline::keep_keyframe`),
    /// worked out once rather than at every step.
    next_due: (usize, u64),
}

impl Keyframe {
    /// A snapshot of `world`, without its last step's events: seeking
    /// replays at least one step from the keyframe before the target
    /// ([`Timeline::keyframe_before`]), which makes them again. The next
    /// one is due `every` steps and, as `spacing` asks for a world this
    /// size, enough trace events later.
    fn of(world: &World, every: usize, spacing: KeyframeSpacing) -> Keyframe {
        let world = world.snapshot();
        let position = world.step_count() as usize;
        let bytes = memory::world_bytes(&world);
        let events = world.trace_len() + spacing.events_after(bytes);
        Keyframe {
            position,
            bytes,
            next_due: (position + every, events),
            world,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Timeline {
    /// `actions[i]` leads from position `start + i` to `start + i + 1`.
    actions: Vec<Action>,
    /// The earliest position kept: 0 until old actions are forgotten.
    start: usize,
    /// By position; the first is at `start`. Dense (every `every` steps)
    /// except where thinned.
    keyframes: Vec<Keyframe>,
    keyframe_bytes: usize,
    every: usize,
    spacing: KeyframeSpacing,
    limits: HistoryLimits,
    /// Spacing of the keyframes older than the recent, dense ones: `every`
    /// until the limits are reached, then doubled as often as needed.
    old_stride: usize,
    /// Keyframes before this position were thinned.
    thinned_before: usize,
    /// The inputs made before `start`, with their positions: a share link
    /// still rebuilds the whole run after its oldest steps were forgotten.
    forgotten_inputs: Vec<(usize, Input)>,
    /// Positions of the kept `Input` actions, ascending: the page asks for
    /// the latest input before the current position every frame.
    input_positions: Vec<usize>,
    world: World,
}

impl Timeline {
    /// Keyframes at least `DEFAULT_KEYFRAME_EVERY` steps apart, spaced
    /// further by the world's size (`KeyframeSpacing::default`).
    pub fn new(scenario: Rc<Scenario>) -> Timeline {
        Self::with_spacing(
            scenario,
            DEFAULT_KEYFRAME_EVERY,
            KeyframeSpacing::default(),
            HistoryLimits::default(),
        )
    }

    /// A keyframe every `every` steps exactly.
    pub fn with_keyframe_every(scenario: Rc<Scenario>, every: usize) -> Timeline {
        Self::with_limits(scenario, every, HistoryLimits::default())
    }

    /// A keyframe every `every` steps exactly, within `limits`.
    pub fn with_limits(scenario: Rc<Scenario>, every: usize, limits: HistoryLimits) -> Timeline {
        Self::with_spacing(scenario, every, KeyframeSpacing::STEPS_ONLY, limits)
    }

    pub fn with_spacing(
        scenario: Rc<Scenario>,
        every: usize,
        spacing: KeyframeSpacing,
        limits: HistoryLimits,
    ) -> Timeline {
        let world = World::new(scenario);
        let every = every.max(1);
        let first = Keyframe::of(&world, every, spacing);
        Timeline {
            actions: Vec::new(),
            start: 0,
            keyframe_bytes: first.bytes,
            keyframes: vec![first],
            every,
            spacing,
            limits: HistoryLimits {
                max_steps: limits.max_steps.max(1),
                max_keyframes: limits.max_keyframes.max(2),
                ..limits
            },
            old_stride: every,
            thinned_before: 0,
            forgotten_inputs: Vec::new(),
            input_positions: Vec::new(),
            world,
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn scenario(&self) -> &Rc<Scenario> {
        self.world.scenario()
    }

    pub fn limits(&self) -> HistoryLimits {
        self.limits
    }

    /// How many actions the current world has taken.
    pub fn position(&self) -> usize {
        self.world.step_count() as usize
    }

    /// The earliest position Back and seeking can reach: 0 unless the
    /// oldest actions were forgotten.
    pub fn start(&self) -> usize {
        self.start
    }

    /// The end of the recorded range: the position after the last action.
    pub fn len(&self) -> usize {
        self.start + self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    /// The actions kept, from position `start()` on.
    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    /// Every input made in this run, forgotten history included, with the
    /// position it was made at, in order.
    pub fn inputs(&self) -> impl Iterator<Item = (usize, &Input)> + '_ {
        let kept = self
            .actions
            .iter()
            .enumerate()
            .filter_map(|(i, action)| match action {
                Action::Input(timed) => Some((self.start + i, &timed.input)),
                Action::Step => None,
            });
        self.forgotten_inputs
            .iter()
            .map(|(at, input)| (*at, input))
            .chain(kept)
    }

    /// The kept actions that led to the current world.
    pub fn past_actions(&self) -> &[Action] {
        &self.actions[..self.position() - self.start]
    }

    /// The latest input among the actions that led to the current world.
    pub fn last_past_input(&self) -> Option<&TimedInput> {
        let position = self.position();
        let index = self.input_positions.partition_point(|&p| p < position);
        let at = *self.input_positions.get(index.checked_sub(1)?)?;
        match &self.actions[at - self.start] {
            Action::Input(timed) => Some(timed),
            Action::Step => None,
        }
    }

    pub fn keyframe_count(&self) -> usize {
        self.keyframes.len()
    }

    /// Recorded worlds at evenly spaced positions, oldest first, with their
    /// positions: enough for charts over the whole run (a lag curve, say)
    /// without keeping a copy of the world per step.
    pub fn keyframes(&self) -> impl Iterator<Item = (usize, &World)> + '_ {
        self.keyframes.iter().map(|k| (k.position, &k.world))
    }

    /// The trace events of the actions taken after position `from` up to
    /// position `to` (both clamped to the recorded range), replayed on a
    /// copy of the nearest keyframe: the current world is not touched.
    pub fn events_between(&self, from: usize, to: usize) -> Vec<TraceEvent> {
        let mut events = Vec::new();
        self.replay_copy(from, to, |position, world| {
            if position >= from {
                events.extend_from_slice(world.last_events());
            }
        });
        events
    }

    /// A copy of the world at `position` (clamped to the recorded range),
    /// replayed from the nearest keyframe: the current world is not touched.
    pub fn world_at(&self, position: usize) -> World {
        self.replay_copy(position, position, |_, _| {})
    }

    /// Copies the nearest keyframe at or before `from` and redoes the
    /// recorded actions up to `to`, showing `after` the world after each
    /// one along with the position it was taken at.
    fn replay_copy(&self, from: usize, to: usize, mut after: impl FnMut(usize, &World)) -> World {
        let to = to.clamp(self.start, self.len());
        let from = from.clamp(self.start, to);
        let mut world = self.keyframe_before(from).world.clone();
        while (world.step_count() as usize) < to {
            let position = world.step_count() as usize;
            self.actions[position - self.start].redo(&mut world);
            after(position, &world);
        }
        world
    }

    /// Moves one step forward: redoes the recorded action there, or runs
    /// the next event. False when there is nothing to do.
    pub fn step(&mut self) -> bool {
        let position = self.position();
        if let Some(action) = self.actions.get(position - self.start).cloned() {
            self.perform(&action);
            return true;
        }
        if !self.world.step() {
            return false;
        }
        self.actions.push(Action::Step);
        self.recorded();
        true
    }

    /// Carries out an input now. Any recorded future is dropped (a fork).
    pub fn input(&mut self, input: Input) {
        let position = self.position();
        self.actions.truncate(position - self.start);
        self.input_positions.retain(|&p| p < position);
        self.input_positions.push(position);
        let keep = self.keyframes.partition_point(|k| k.position <= position);
        self.keyframe_bytes -= self.keyframes[keep..]
            .iter()
            .map(|k| k.bytes)
            .sum::<usize>();
        self.keyframes.truncate(keep);
        self.thinned_before = self.thinned_before.min(position);
        let action = Action::Input(Box::new(TimedInput {
            tick: self.world.tick(),
            input,
        }));
        self.perform(&action);
        self.actions.push(action);
        self.recorded();
    }

    /// One step back. False at the start.
    pub fn back(&mut self) -> bool {
        let position = self.position();
        if position == self.start {
            return false;
        }
        self.seek(position - 1);
        true
    }

    /// Goes to `target` (clamped to the recorded range).
    pub fn seek(&mut self, target: usize) {
        let target = target.clamp(self.start, self.len());
        let position = self.position();
        let nearest = self.keyframe_before(target);
        // Replaying forward from here is cheaper than from the keyframe.
        if target < position || nearest.position > position {
            self.world = nearest.world.clone();
        }
        while self.position() < target {
            let action = self.actions[self.position() - self.start].clone();
            self.perform(&action);
        }
    }

    /// The latest keyframe before `position`, so that replaying from it
    /// takes at least the step that led to `position` and makes that
    /// step's events again (keyframes do not keep them); the first
    /// keyframe for the first position.
    fn keyframe_before(&self, position: usize) -> &Keyframe {
        let after = self.keyframes.partition_point(|k| k.position < position);
        &self.keyframes[after.saturating_sub(1)]
    }

    fn perform(&mut self, action: &Action) {
        action.redo(&mut self.world);
        self.keep_keyframe();
    }

    /// Keeps a copy of the world if it is far enough from the last one:
    /// `every` steps, and (where `spacing` asks) enough trace events that
    /// copying the world costs little beside running them.
    fn keep_keyframe(&mut self) {
        let (position, events) = self
            .keyframes
            .last()
            .expect("the first keyframe is never dropped")
            .next_due;
        if self.position() >= position && self.world.trace_len() >= events {
            let keyframe = Keyframe::of(&self.world, self.every, self.spacing);
            self.keyframe_bytes += keyframe.bytes;
            self.keyframes.push(keyframe);
            if self.over_limits() {
                self.thin();
            }
        }
    }

    fn over_limits(&self) -> bool {
        self.keyframes.len() > self.limits.max_keyframes
            || (self.keyframe_bytes > self.limits.max_keyframe_bytes
                && self.keyframes.len() > MIN_KEYFRAMES)
    }

    /// A new action was recorded at the end: keep a keyframe if one is
    /// due, then hold the history within its limits.
    fn recorded(&mut self) {
        self.keep_keyframe();
        if self.actions.len() > self.limits.max_steps {
            self.forget();
        }
    }

    /// Brings the keyframes within the limits. The newest quarter (by
    /// count and by bytes) stays dense, for Back; older ones are kept only
    /// at multiples of `old_stride`, doubled until they fit, so seeking
    /// into old history replays at most `old_stride` steps. The first
    /// keyframe always stays.
    fn thin(&mut self) {
        // The first index of the dense, recent window.
        let mut dense = self.keyframes.len();
        let mut dense_bytes = 0;
        while dense > 1
            && self.keyframes.len() - dense < self.limits.max_keyframes / 4
            && dense_bytes + self.keyframes[dense - 1].bytes <= self.limits.max_keyframe_bytes / 4
        {
            dense -= 1;
            dense_bytes += self.keyframes[dense].bytes;
        }
        if dense <= 1 {
            return; // Nothing old to thin: the limits are too tight to hold.
        }
        let dense_from = self
            .keyframes
            .get(dense)
            .map_or(self.position(), |k| k.position);
        self.thinned_before = self.thinned_before.max(dense_from);
        let mut first_pass = true;
        while self.over_limits() {
            if !first_pass {
                self.old_stride *= 2;
            }
            first_pass = false;
            let stride = self.old_stride;
            let (mut index, mut freed, mut kept_old) = (0, 0, 0);
            let mut last_kept = 0;
            self.keyframes.retain(|k| {
                // At least `stride` steps after the one kept before it.
                let keep = index == 0 || index >= dense || k.position >= last_kept + stride;
                if keep {
                    last_kept = k.position;
                }
                if !keep {
                    freed += k.bytes;
                } else if index < dense {
                    kept_old += 1;
                }
                index += 1;
                keep
            });
            dense = kept_old;
            self.keyframe_bytes -= freed;
            if kept_old <= 1 {
                return;
            }
        }
    }

    /// Forgets the oldest actions, an eighth more than needed so this runs
    /// rarely, up to a keyframe (the new start).
    fn forget(&mut self) {
        let end = self.len();
        let cut = end - self.limits.max_steps + self.limits.max_steps / 8;
        let first = self
            .keyframes
            .partition_point(|k| k.position < cut)
            .min(self.keyframes.len() - 1);
        let new_start = self.keyframes[first].position;
        if new_start <= self.start {
            return;
        }
        let start = self.start;
        let forgotten = self.actions.drain(..new_start - start).enumerate();
        self.forgotten_inputs
            .extend(forgotten.filter_map(|(i, action)| match action {
                Action::Input(timed) => Some((start + i, timed.input)),
                Action::Step => None,
            }));
        self.input_positions.retain(|&p| p >= new_start);
        self.keyframe_bytes -= self.keyframes[..first]
            .iter()
            .map(|k| k.bytes)
            .sum::<usize>();
        self.keyframes.drain(..first);
        self.start = new_start;
    }

    /// The longest stretch of recorded steps without a keyframe: the most
    /// a seek replays.
    pub fn longest_replay(&self) -> usize {
        let ends = self
            .keyframes
            .iter()
            .map(|k| k.position)
            .chain([self.len()]);
        ends.clone()
            .zip(ends.skip(1))
            .map(|(a, b)| b - a)
            .max()
            .unwrap_or(0)
    }

    /// What the history holds, estimated.
    pub fn size(&self) -> HistorySize {
        let inputs = self
            .actions
            .iter()
            .filter(|a| matches!(a, Action::Input(_)))
            .count();
        HistorySize {
            steps: self.actions.len(),
            keyframes: self.keyframes.len(),
            action_bytes: self.actions.capacity() * std::mem::size_of::<Action>()
                + inputs * std::mem::size_of::<TimedInput>()
                + self.forgotten_inputs.capacity() * std::mem::size_of::<(usize, Input)>(),
            keyframe_bytes: self.keyframe_bytes,
            // The current world may sit anywhere; the newest keyframe
            // reads (nearly) all the records.
            shared_bytes: self
                .keyframes
                .last()
                .map_or(0, |k| memory::shared_bytes(&k.world))
                .max(memory::shared_bytes(&self.world)),
        }
    }

    /// Estimated bytes of the whole history (see [`HistorySize`]).
    pub fn approx_bytes(&self) -> usize {
        self.size().total()
    }

    /// A sentence for the page when the history limits have changed what
    /// Back and seeking can do; `None` while the whole run is kept.
    pub fn history_notice(&self) -> Option<String> {
        let forgotten = (self.start > 0).then(|| {
            format!(
                "This run is longer than the {} steps of history kept: steps before {} \
                 were forgotten, so Back and Reset stop there (a share link still rebuilds the \
                 whole run).",
                self.limits.max_steps, self.start
            )
        });
        let thinned = (self.thinned_before > self.start).then(|| {
            format!(
                "To keep its memory bounded ({} snapshots, about {} MB), the history \
                 keeps fewer snapshots before step {}: going back there replays up to {} \
                 steps, so it can be slower.",
                self.limits.max_keyframes,
                self.limits.max_keyframe_bytes >> 20,
                self.thinned_before,
                self.longest_replay()
            )
        });
        match (forgotten, thinned) {
            (None, None) => None,
            (Some(a), Some(b)) => Some(format!("{a} {b}")),
            (a, b) => a.or(b),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::scenarios_for_tests::arithmetic;
    use crate::engine::NodeId;

    /// A long busy run: the benchmark workload.
    fn busy() -> Rc<Scenario> {
        Rc::new(crate::engine::bench::bench_scenario(300))
    }

    fn limits(max_steps: usize, max_keyframes: usize) -> HistoryLimits {
        HistoryLimits {
            max_steps,
            max_keyframes,
            max_keyframe_bytes: usize::MAX,
        }
    }

    fn fresh_at(scenario: &Rc<Scenario>, actions: &[Action]) -> World {
        let mut world = World::new(scenario.clone());
        for action in actions {
            action.redo(&mut world);
        }
        world
    }

    #[test]
    fn an_action_is_one_word() {
        assert_eq!(std::mem::size_of::<Action>(), std::mem::size_of::<usize>());
    }

    #[test]
    fn keyframes_keep_no_step_events_yet_seeking_to_one_shows_them() {
        let scenario = busy();
        let mut timeline = Timeline::with_keyframe_every(scenario.clone(), 16);
        // A crash and a restart (a step that can bring a whole log's
        // replay with it: events a keyframe must not copy).
        for position in 0..400 {
            match position {
                150 => timeline.input(Input::Crash { node: NodeId(2) }),
                175 => timeline.input(Input::Restart { node: NodeId(2) }),
                _ => assert!(timeline.step()),
            }
        }
        let positions: Vec<usize> = timeline.keyframes.iter().map(|k| k.position).collect();
        assert!(
            positions.contains(&176),
            "a keyframe right after the restart"
        );
        assert!(timeline
            .keyframes
            .iter()
            .all(|k| k.world.last_events().is_empty()));
        for &target in positions.iter().chain(&[1, 175, 177, 399]) {
            timeline.seek(target);
            let straight = fresh_at(&scenario, &timeline.actions()[..target]);
            assert_eq!(timeline.world().last_events(), straight.last_events());
            assert_eq!(
                timeline.world_at(target).last_events(),
                straight.last_events()
            );
        }
        timeline.seek(176);
        let restarted = timeline.world().last_events().iter().any(|e| {
            matches!(
                e.kind,
                crate::engine::TraceKind::Restart { node: NodeId(2) }
            )
        });
        assert!(restarted, "the restart is shown at the keyframe after it");
    }

    #[test]
    fn a_short_run_keeps_everything_and_says_nothing() {
        let mut timeline = Timeline::new(arithmetic());
        while timeline.step() {}
        assert_eq!(timeline.start(), 0);
        assert_eq!(timeline.history_notice(), None);
        assert!(timeline.approx_bytes() > 0);
    }

    #[test]
    fn too_many_keyframes_thins_the_old_ones_and_seeking_still_lands_right() {
        let scenario = busy();
        let mut timeline = Timeline::with_limits(scenario.clone(), 4, limits(usize::MAX, 16));
        let mut all = Vec::new();
        for _ in 0..2000 {
            assert!(timeline.step());
        }
        all.extend_from_slice(timeline.actions());
        assert!(timeline.keyframe_count() <= 16);
        assert_eq!(timeline.start(), 0, "no action is forgotten");
        // The recent history stays dense, the old one is sparse.
        let positions: Vec<usize> = timeline.keyframes.iter().map(|k| k.position).collect();
        assert_eq!(positions[0], 0);
        assert_eq!(positions[positions.len() - 1], 2000);
        assert_eq!(
            positions[positions.len() - 1] - positions[positions.len() - 2],
            4
        );
        assert!(timeline.longest_replay() > 4);
        let notice = timeline.history_notice().expect("a notice");
        assert!(notice.contains("16 snapshots"), "{notice}");
        assert!(notice.contains("replays up to"), "{notice}");
        for target in [0, 1, 333, 999, 1500, 1999, 2000] {
            timeline.seek(target);
            assert_eq!(timeline.position(), target);
            let straight = fresh_at(&scenario, &all[..target]);
            assert_eq!(timeline.world().trace_hash(), straight.trace_hash());
        }
    }

    #[test]
    fn too_many_steps_forgets_the_oldest_and_back_stops_there() {
        let scenario = busy();
        let mut timeline = Timeline::with_limits(scenario.clone(), 8, limits(400, 1000));
        let mut all = Vec::new();
        for _ in 0..1000 {
            assert!(timeline.step());
            all.push(Action::Step);
        }
        assert!(
            timeline.actions().len() <= 400,
            "{}",
            timeline.actions().len()
        );
        assert!(timeline.start() > 0);
        assert_eq!(timeline.len(), 1000);
        assert_eq!(timeline.start() % 8, 0, "the start is a keyframe");
        timeline.seek(0);
        assert_eq!(timeline.position(), timeline.start());
        assert!(!timeline.back());
        let straight = fresh_at(&scenario, &all[..timeline.start()]);
        assert_eq!(timeline.world().trace_hash(), straight.trace_hash());
        let notice = timeline.history_notice().expect("a notice");
        assert!(
            notice.contains(&format!("steps before {} were forgotten", timeline.start())),
            "{notice}"
        );
        assert!(notice.contains("400 steps"), "{notice}");
        // A copy of any kept step replays from the kept actions.
        for position in [timeline.start(), timeline.start() + 5, 999] {
            let copy = timeline.world_at(position);
            assert_eq!(copy.step_count() as usize, position);
            assert_eq!(
                copy.trace_hash(),
                fresh_at(&scenario, &all[..position]).trace_hash()
            );
        }
        // Forking after the start still works.
        timeline.seek(timeline.start() + 3);
        timeline.input(Input::Heal);
        assert_eq!(timeline.len(), timeline.start() + 4);
    }

    #[test]
    fn inputs_before_the_forgotten_start_are_still_listed() {
        let scenario = busy();
        let mut timeline = Timeline::with_limits(scenario.clone(), 8, limits(400, 1000));
        let mut all = Vec::new();
        for position in 0..1000 {
            if position == 10 || position == 900 {
                timeline.input(Input::Heal);
                all.push(timeline.actions().last().cloned().expect("the input"));
            }
            assert!(timeline.step());
            all.push(Action::Step);
        }
        assert!(timeline.start() > 11, "{}", timeline.start());
        let inputs: Vec<(usize, &Input)> = timeline.inputs().collect();
        assert_eq!(inputs, vec![(10, &Input::Heal), (901, &Input::Heal)]);
        // Replaying them from scratch gives the same run.
        assert_eq!(
            fresh_at(&scenario, &all).trace_hash(),
            timeline.world().trace_hash()
        );
    }

    #[test]
    fn a_byte_budget_thins_too_but_keeps_a_few_keyframes() {
        let mut timeline = Timeline::with_limits(
            busy(),
            2,
            HistoryLimits {
                max_steps: usize::MAX,
                max_keyframes: usize::MAX,
                max_keyframe_bytes: 1,
            },
        );
        for _ in 0..500 {
            timeline.step();
        }
        assert!((MIN_KEYFRAMES / 2..=MIN_KEYFRAMES).contains(&timeline.keyframe_count()));
        assert!(timeline.history_notice().is_some());
    }

    #[test]
    fn keyframe_bytes_stay_the_sum_of_the_kept_keyframes() {
        let mut timeline = Timeline::with_limits(busy(), 3, limits(300, 10));
        for round in 0..40 {
            for _ in 0..25 {
                timeline.step();
            }
            if round % 3 == 0 {
                timeline.seek(timeline.position() - 10);
                timeline.input(Input::Heal);
            }
            let sum: usize = timeline.keyframes.iter().map(|k| k.bytes).sum();
            assert_eq!(timeline.size().keyframe_bytes, sum);
            assert_eq!(timeline.keyframes[0].position, timeline.start());
            assert!(timeline.keyframe_count() <= 10);
        }
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use crate::engine::NodeId;
        use proptest::prelude::*;

        #[derive(Clone, Debug)]
        enum Op {
            Step(u8),
            Back(u8),
            Seek(u16),
            Crash(u8),
            Heal,
        }

        fn op() -> impl Strategy<Value = Op> {
            prop_oneof![
                5 => (1..60u8).prop_map(Op::Step),
                2 => (1..30u8).prop_map(Op::Back),
                2 => any::<u16>().prop_map(Op::Seek),
                1 => (0..6u8).prop_map(Op::Crash),
                1 => Just(Op::Heal),
            ]
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(64))]

            /// Under tight limits, whatever the user does, the world equals
            /// a fresh one replaying every action up to its position, and
            /// the history stays within its limits.
            #[test]
            fn bounded_history_replays_exactly(
                every in 1usize..10,
                max_keyframes in 2usize..12,
                max_steps in 20usize..200,
                ops in prop::collection::vec(op(), 1..40),
            ) {
                let scenario = busy();
                let mut timeline = Timeline::with_limits(
                    scenario.clone(), every, limits(max_steps, max_keyframes));
                // Every action ever recorded on the current branch.
                // The test's own record of the branch: it keeps what the
                // timeline forgets.
                let mut all: Vec<Action> = Vec::new();
                let record = |all: &mut Vec<Action>, timeline: &mut Timeline, input: Input| {
                    all.truncate(timeline.position());
                    let tick = timeline.world().tick();
                    all.push(Action::Input(Box::new(TimedInput { tick, input: input.clone() })));
                    timeline.input(input);
                };
                for op in ops {
                    match op {
                        Op::Step(n) => for _ in 0..n {
                            let at_end = timeline.position() == timeline.len();
                            if timeline.step() && at_end {
                                all.push(Action::Step);
                            }
                        },
                        Op::Back(n) => for _ in 0..n { timeline.back(); },
                        Op::Seek(p) => timeline.seek(usize::from(p) % (timeline.len() + 1)),
                        Op::Crash(n) => record(&mut all, &mut timeline, Input::Crash { node: NodeId(n) }),
                        Op::Heal => record(&mut all, &mut timeline, Input::Heal),
                    }
                    prop_assert_eq!(timeline.len(), all.len());
                    prop_assert_eq!(timeline.actions(), &all[timeline.start()..]);
                    let straight = fresh_at(&scenario, &all[..timeline.position()]);
                    prop_assert_eq!(timeline.world().trace_hash(), straight.trace_hash());
                    prop_assert!(timeline.keyframe_count() <= max_keyframes);
                    let scanned = timeline.past_actions().iter().rev().find_map(|a| match a {
                        Action::Input(timed) => Some(&**timed),
                        Action::Step => None,
                    });
                    prop_assert_eq!(timeline.last_past_input(), scanned);
                    prop_assert!(timeline.actions().len() <= max_steps + every);
                }
            }
        }
    }
}
