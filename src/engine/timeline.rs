//! The timeline: a run as a list of actions, with keyframes for seeking.
//!
//! Position `p` is the world after the first `p` actions. Going back seeks
//! to an earlier position by cloning the nearest keyframe at or before it
//! and replaying; stepping forward from there redoes the recorded actions,
//! and a new input there forks the run (the recorded future is dropped).

use super::input::{Input, TimedInput};
use super::scenario::Scenario;
use super::trace::TraceEvent;
use super::world::World;
use serde::{Deserialize, Serialize};
use std::sync::Arc;

/// One step of a run.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// Run the next scheduled event.
    Step,
    /// Carry out an input now (a user's click), at the tick it was made.
    Input(TimedInput),
}

pub const DEFAULT_KEYFRAME_EVERY: usize = 64;

#[derive(Clone, Debug)]
pub struct Timeline {
    actions: Vec<Action>,
    /// `keyframes[k]` is the world at position `k * every`.
    keyframes: Vec<World>,
    every: usize,
    world: World,
}

impl Timeline {
    pub fn new(scenario: Arc<Scenario>) -> Timeline {
        Self::with_keyframe_every(scenario, DEFAULT_KEYFRAME_EVERY)
    }

    pub fn with_keyframe_every(scenario: Arc<Scenario>, every: usize) -> Timeline {
        let world = World::new(scenario);
        Timeline {
            actions: Vec::new(),
            keyframes: vec![world.clone()],
            every: every.max(1),
            world,
        }
    }

    pub fn world(&self) -> &World {
        &self.world
    }

    pub fn scenario(&self) -> &Arc<Scenario> {
        self.world.scenario()
    }

    /// How many actions the current world has taken.
    pub fn position(&self) -> usize {
        self.world.step_count() as usize
    }

    /// How many actions are recorded (the end of the redo range).
    pub fn len(&self) -> usize {
        self.actions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.actions.is_empty()
    }

    pub fn actions(&self) -> &[Action] {
        &self.actions
    }

    pub fn keyframe_count(&self) -> usize {
        self.keyframes.len()
    }

    /// Recorded worlds at evenly spaced positions, oldest first, with their
    /// positions: enough for charts over the whole run (a lag curve, say)
    /// without keeping a copy of the world per step.
    pub fn keyframes(&self) -> impl Iterator<Item = (usize, &World)> + '_ {
        self.keyframes
            .iter()
            .enumerate()
            .map(|(k, world)| (k * self.every, world))
    }

    /// The trace events of the actions taken after position `from` up to
    /// position `to` (both clamped to the recorded range), replayed on a
    /// copy of the nearest keyframe: the current world is not touched.
    pub fn events_between(&self, from: usize, to: usize) -> Vec<TraceEvent> {
        let to = to.min(self.actions.len());
        let from = from.min(to);
        let keyframe = (from / self.every).min(self.keyframes.len() - 1);
        let mut world = self.keyframes[keyframe].clone();
        let mut events = Vec::new();
        while (world.step_count() as usize) < to {
            let position = world.step_count() as usize;
            match &self.actions[position] {
                Action::Step => {
                    world.step();
                }
                Action::Input(timed) => world.apply_input(&timed.input),
            }
            if position >= from {
                events.extend_from_slice(world.last_events());
            }
        }
        events
    }

    /// Moves one step forward: redoes the recorded action there, or runs
    /// the next event. False when there is nothing to do.
    pub fn step(&mut self) -> bool {
        let position = self.position();
        if let Some(action) = self.actions.get(position).cloned() {
            self.perform(&action);
            return true;
        }
        if !self.world.step() {
            return false;
        }
        self.actions.push(Action::Step);
        self.keep_keyframe();
        true
    }

    /// Carries out an input now. Any recorded future is dropped (a fork).
    pub fn input(&mut self, input: Input) {
        let position = self.position();
        self.actions.truncate(position);
        self.keyframes.truncate(position / self.every + 1);
        let action = Action::Input(TimedInput {
            tick: self.world.tick(),
            input,
        });
        self.perform(&action);
        self.actions.push(action);
        self.keep_keyframe();
    }

    /// One step back. False at the start.
    pub fn back(&mut self) -> bool {
        let position = self.position();
        if position == 0 {
            return false;
        }
        self.seek(position - 1);
        true
    }

    /// Goes to `target` (clamped to the recorded range).
    pub fn seek(&mut self, target: usize) {
        let target = target.min(self.actions.len());
        let position = self.position();
        let keyframe = (target / self.every).min(self.keyframes.len() - 1);
        // Replaying forward from here is cheaper than from the keyframe.
        if target < position || keyframe * self.every > position {
            self.world = self.keyframes[keyframe].clone();
        }
        while self.position() < target {
            let action = self.actions[self.position()].clone();
            self.perform(&action);
        }
    }

    fn perform(&mut self, action: &Action) {
        match action {
            Action::Step => {
                self.world.step();
            }
            Action::Input(timed) => {
                debug_assert_eq!(
                    timed.tick,
                    self.world.tick(),
                    "replay drifted from the record"
                );
                self.world.apply_input(&timed.input)
            }
        }
        self.keep_keyframe();
    }

    fn keep_keyframe(&mut self) {
        let position = self.position();
        if position % self.every == 0 && self.keyframes.len() == position / self.every {
            self.keyframes.push(self.world.clone());
        }
    }
}
