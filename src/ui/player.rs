//! Playing: how many engine steps each animation frame runs.
//!
//! Speeds go from one step every 32 frames (about two a second, slow
//! enough for a class to follow each message) to 64 steps a frame, on a
//! doubling scale, then 256, 1024 and 4096 for long runs (a frame steps
//! for at most a few milliseconds, so the fastest run what fits). A
//! `Pacer` turns a speed into whole steps per frame.

/// Steps per frame as `steps / frames`, slowest first.
pub const SPEEDS: [(u32, u32); 15] = [
    (1, 32),
    (1, 16),
    (1, 8),
    (1, 4),
    (1, 2),
    (1, 1),
    (2, 1),
    (4, 1),
    (8, 1),
    (16, 1),
    (32, 1),
    (64, 1),
    (256, 1),
    (1024, 1),
    (4096, 1),
];

/// One step every 16 frames: about four a second.
pub const DEFAULT_SPEED: usize = 1;

/// What the Speed control shows, short: steps per frame.
pub fn speed_label(speed: usize) -> String {
    match SPEEDS[speed.min(SPEEDS.len() - 1)] {
        (1, frames) if frames > 1 => format!("1/{frames} per frame"),
        (steps, _) => format!("{steps} per frame"),
    }
}

/// What a screen reader says for the Speed control.
pub fn speed_text(speed: usize) -> String {
    match SPEEDS[speed.min(SPEEDS.len() - 1)] {
        (1, 1) => "1 step per frame, about 60 a second".to_owned(),
        (1, frames) => format!(
            "1 step every {frames} frames, about {} a second",
            (60 + frames / 2) / frames
        ),
        (steps, _) => format!("{steps} steps per frame"),
    }
}

/// Counts frames and hands out whole steps.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pacer {
    /// Progress towards the next step, in `steps / frames` units.
    credit: u32,
}

impl Pacer {
    /// A pacer whose first frame runs a step at once, so Play answers
    /// without a pause even at the slowest speed.
    pub fn starting(speed: usize) -> Pacer {
        let (steps, frames) = SPEEDS[speed.min(SPEEDS.len() - 1)];
        Pacer {
            credit: frames.saturating_sub(steps),
        }
    }

    /// The steps to run in the next frame.
    pub fn frame(&mut self, speed: usize) -> u32 {
        let (steps, frames) = SPEEDS[speed.min(SPEEDS.len() - 1)];
        self.credit += steps;
        let due = self.credit / frames;
        self.credit %= frames;
        due
    }
}
