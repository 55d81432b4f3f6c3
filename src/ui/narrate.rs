//! Trace events told as sentences a student can follow: who did what, to
//! which offset, and why it matters. The engine's own `Display` is terse
//! (it serves logs and tests); these say the same thing in full.

use crate::engine::service::StateChange;
use crate::engine::trace::DropReason;
use crate::engine::{Offset, TraceKind};

/// A piece of a sentence: plain words, or something the user typed or the
/// log holds (a command, a record), shown as code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Part {
    Text(String),
    Code(String),
}

/// How much an event matters to the story.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Network chatter and timers: there, but quiet.
    Minor,
    /// The log, the state machines, the subscribers doing their work.
    Normal,
    /// Something went wrong or was broken on purpose.
    Alarm,
}

impl Tone {
    pub fn class(self) -> &'static str {
        match self {
            Tone::Minor => "minor",
            Tone::Normal => "normal",
            Tone::Alarm => "alarm",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Sentence {
    pub parts: Vec<Part>,
    pub tone: Tone,
}

impl Sentence {
    /// The sentence as plain text, for a live region or a tooltip.
    pub fn text(&self) -> String {
        self.parts
            .iter()
            .map(|part| match part {
                Part::Text(text) | Part::Code(text) => text.as_str(),
            })
            .collect()
    }
}

/// Builds a sentence from pieces.
struct Say {
    parts: Vec<Part>,
}

impl Say {
    fn new(text: impl Into<String>) -> Say {
        Say {
            parts: vec![Part::Text(text.into())],
        }
    }

    fn code(mut self, code: impl Into<String>) -> Say {
        self.parts.push(Part::Code(code.into()));
        self
    }

    fn then(mut self, text: impl Into<String>) -> Say {
        self.parts.push(Part::Text(text.into()));
        self
    }

    fn tone(self, tone: Tone) -> Sentence {
        Sentence {
            parts: self.parts,
            tone,
        }
    }
}

/// `#3` or `#3 to #5`: a range of records `from..to` (end exclusive).
fn records(from: Offset, to: Offset) -> String {
    match to.saturating_sub(from) {
        0 => "nothing".to_owned(),
        1 => format!("record #{from}"),
        _ => format!("records #{from} to #{}", to - 1),
    }
}

fn changes(from: Offset, to: Offset) -> String {
    match to.saturating_sub(from) {
        0 => "no changes".to_owned(),
        1 => format!("change #{from}"),
        _ => format!("changes #{from} to #{}", to - 1),
    }
}

/// One trace event as a sentence.
pub fn narrate(kind: &TraceKind) -> Sentence {
    use Tone::{Alarm, Minor, Normal};
    match kind {
        TraceKind::Write {
            node,
            client,
            command,
        } => Say::new(format!("{client} sends the command "))
            .code(command.to_string())
            .then(format!(" to {node}."))
            .tone(Normal),
        TraceKind::RequestLost {
            node: Some(node),
            client,
        } => Say::new(format!(
            "{client}'s write is lost: {node} is down, so nobody handles it."
        ))
        .tone(Alarm),
        TraceKind::RequestLost { node: None, client } => Say::new(format!(
            "{client}'s write is lost: no node is taking writes right now."
        ))
        .tone(Alarm),
        TraceKind::Send {
            id,
            from,
            to,
            message,
            deliver_tick,
        } => Say::new(format!("{from} sends {id} to {to}: "))
            .code(message.to_string())
            .then(format!(" (arrives at tick {deliver_tick})."))
            .tone(Minor),
        TraceKind::Duplicate {
            id,
            copy,
            deliver_tick,
        } => Say::new(format!(
            "The network duplicates {id}; the copy {copy} arrives at tick {deliver_tick}."
        ))
        .tone(Minor),
        TraceKind::Deliver { id, from, to } => {
            Say::new(format!("{to} receives {id} from {from}.")).tone(Minor)
        }
        TraceKind::Drop {
            id,
            from,
            to,
            reason,
        } => {
            let why = match reason {
                DropReason::Lost => format!("The network loses {id} from {from} to {to}."),
                DropReason::Partitioned => {
                    format!("{id} from {from} to {to} is dropped: the link is cut.")
                }
                DropReason::NodeDown => {
                    format!("{id} from {from} reaches {to}, which is down: dropped.")
                }
            };
            Say::new(why).tone(Alarm)
        }
        TraceKind::Append {
            node,
            offset,
            epoch,
            payload,
            ..
        } => Say::new(format!("{node} appends "))
            .code(payload.to_string())
            .then(format!(" at offset {offset}, epoch {epoch}."))
            .tone(Normal),
        TraceKind::Truncate { node, from } => Say::new(format!(
            "{node} cuts its log back to offset {from}: the records from there on are thrown away."
        ))
        .tone(Alarm),
        TraceKind::Commit { node, offset } => {
            let text = match offset {
                0 => format!("{node} knows no record is committed yet."),
                1 => format!("{node} learns record #0 is committed: it is durable."),
                n => format!(
                    "{node} learns records #0 to #{} are committed: they are durable.",
                    n - 1
                ),
            };
            Say::new(text).tone(Normal)
        }
        TraceKind::Apply {
            node,
            offset,
            change,
        } => {
            let what = match change {
                StateChange::Number(_) => "; its value is now ",
                _ => ": ",
            };
            Say::new(format!("{node} applies record #{offset}{what}"))
                .code(change.to_string())
                .then(".")
                .tone(Normal)
        }
        TraceKind::Reply {
            node,
            client,
            offset,
        } => Say::new(format!(
            "{node} tells {client} its write is done: it sits at offset {offset}."
        ))
        .tone(Normal),
        TraceKind::Read {
            node,
            client,
            key,
            value,
            applied_offset,
        } => {
            let what = key
                .as_deref()
                .map_or("the value".to_owned(), |k| k.to_owned());
            let seen = value.map_or("nothing".to_owned(), |v| v.to_string());
            Say::new(format!(
                "{client} reads {what} from {node} and sees {seen} ({node} has applied {applied_offset} records)."
            ))
            .tone(Normal)
        }
        TraceKind::SubscriberRead {
            subscriber,
            from,
            to,
        } => Say::new(format!(
            "{subscriber} reads {} and folds them into its state.",
            records(*from, *to)
        ))
        .tone(Normal),
        TraceKind::SubscriberCommit { subscriber, offset } => Say::new(format!(
            "{subscriber} commits offset {offset}: after a crash it resumes there."
        ))
        .tone(Normal),
        TraceKind::SubscriberLoad { subscriber, rows } => {
            let rows = if *rows == 1 {
                "1 row".to_owned()
            } else {
                format!("{rows} rows")
            };
            Say::new(format!("{subscriber} loads {rows} into the warehouse.")).tone(Normal)
        }
        TraceKind::SubscriberState { subscriber, what } => match what.as_str() {
            "crashes" => Say::new(format!(
                "{subscriber} crashes: whatever it read after its last commit is lost."
            ))
            .tone(Alarm),
            "restarts" => Say::new(format!(
                "{subscriber} restarts from its committed offset and reads those records again."
            ))
            .tone(Normal),
            "pauses" => Say::new(format!(
                "{subscriber} pauses: it stops reading, and the log carries on without it."
            ))
            .tone(Alarm),
            "resumes" => {
                Say::new(format!("{subscriber} resumes reading where it stopped.")).tone(Normal)
            }
            other => Say::new(format!("{subscriber} {other}.")).tone(Alarm),
        },
        TraceKind::GroupRebalance(r) => {
            let shares: Vec<String> = r
                .shares()
                .map(|(p, owner, offset)| match owner {
                    Some(m) => format!("p{p} to m{m} from {offset}"),
                    None => format!("p{p} to nobody"),
                })
                .collect();
            Say::new(format!(
                "{} rebalances into generation {}: {}.",
                r.group,
                r.generation,
                shares.join(", ")
            ))
            .tone(Alarm)
        }
        TraceKind::MemberRead {
            group,
            member,
            partition,
            from,
            to,
        } => Say::new(format!(
            "{group} member m{member} processes {} of partition p{partition}.",
            changes(*from, *to)
        ))
        .tone(Normal),
        TraceKind::GroupCommit {
            group,
            partition,
            offset,
        } => Say::new(format!(
            "{group} commits partition p{partition} at offset {offset}."
        ))
        .tone(Normal),
        TraceKind::MemberState {
            group,
            member,
            what,
        } => match what.as_str() {
            "crashes" => Say::new(format!(
                "{group} member m{member} crashes: what it read since its last commit is lost."
            ))
            .tone(Alarm),
            other => Say::new(format!("{group} member m{member} {other}.")).tone(Normal),
        },
        TraceKind::SubscriberAnswer(a) => {
            let client = a.client;
            let seen = a.value.map_or("nothing".to_owned(), |v| v.to_string());
            let answer = Say::new(format!("{} answers {client}: ", a.subscriber))
                .code(format!("{} = {seen}", a.key));
            if a.stale() {
                answer
                    .then(format!(
                        ". Stale: it had read up to #{}, but {client}'s own write is at #{}.",
                        a.position.saturating_sub(1),
                        a.needed - 1
                    ))
                    .tone(Alarm)
            } else if a.needed == 0 {
                answer.then(".").tone(Normal)
            } else {
                let how = if a.waited {
                    "after waiting until it "
                } else {
                    "it already "
                };
                answer
                    .then(format!(
                        ", {how}had read {client}'s own write at #{}.",
                        a.needed - 1
                    ))
                    .tone(Normal)
            }
        }
        TraceKind::Promote { node } => {
            Say::new(format!("{node} is asked to take over as primary.")).tone(Alarm)
        }
        TraceKind::Role { node, role, epoch } => {
            Say::new(format!("{node} is now {role} in epoch {epoch}.")).tone(Normal)
        }
        TraceKind::Timer { node } => Say::new(format!("{node}'s timer fires.")).tone(Minor),
        TraceKind::Crash { node } => Say::new(format!(
            "{node} crashes: its state machine is lost, its log on disk is kept."
        ))
        .tone(Alarm),
        TraceKind::Restart { node } => {
            Say::new(format!("{node} restarts and replays its log.")).tone(Normal)
        }
        TraceKind::Cut { from, to } => {
            Say::new(format!("The link {from}\u{2192}{to} is cut.")).tone(Alarm)
        }
        TraceKind::Heal => Say::new("Every cut link is healed.").tone(Normal),
        TraceKind::Reconnect { from, to } => {
            Say::new(format!("The link {from}\u{2192}{to} works again.")).tone(Normal)
        }
    }
}
