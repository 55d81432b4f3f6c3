//! What every panel of the page is given: the run, and the two ways a
//! panel may change it. A panel never touches the timeline itself; it
//! derives what it shows from `timeline` and sends inputs or seeks.

use crate::engine::{Input, Timeline};
use yew::Callback;

pub struct Slot<'a> {
    pub timeline: &'a Timeline,
    /// Carries out an input now: it is recorded, and if the timeline was
    /// moved back it forks the run there.
    pub on_input: Callback<Input>,
    /// Moves to a recorded position (a step number) without changing the run.
    pub on_seek: Callback<usize>,
}
