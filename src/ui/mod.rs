//! The Yew front end (placeholder until the first page lands).

pub fn start() {}
