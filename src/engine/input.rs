//! Inputs: everything that reaches the simulation from outside.
//!
//! A client write, a crash, a partition: each is a value that can be stored
//! in a scenario, a timeline, a link or an exported file and replayed.

use super::ids::{ClientId, NodeId, Tick};
use super::service::Command;
use serde::{Deserialize, Serialize};
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum Input {
    /// A client submits a command to the cluster.
    Write {
        #[serde(default)]
        client: ClientId,
        command: Command,
        /// The node the client sends to; by default the one that currently
        /// takes writes (the sequencer, or the primary of the newest epoch).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        to: Option<NodeId>,
    },
    /// The node stops: volatile state is lost, its durable log is kept.
    Crash {
        node: NodeId,
    },
    /// A crashed node comes back and recovers from its log.
    Restart {
        node: NodeId,
    },
    /// Cuts every link from each node in `from` to each node in `to`, and
    /// the way back too unless `one_way`.
    Partition {
        from: Vec<NodeId>,
        to: Vec<NodeId>,
        #[serde(default)]
        one_way: bool,
    },
    /// Cuts a node off from everyone, both ways.
    Isolate {
        node: NodeId,
    },
    /// Restores every cut link.
    Heal,
    /// A subscriber stops and loses everything after its last commit.
    CrashSubscriber {
        name: String,
    },
    /// A crashed subscriber resumes from its committed offset.
    RestartSubscriber {
        name: String,
    },
    /// A subscriber stops reading (the log and everyone else carry on).
    PauseSubscriber {
        name: String,
    },
    ResumeSubscriber {
        name: String,
    },
    /// A client reads `key` from a subscriber's cache. With `wait`, the
    /// read waits until the subscriber has read past the client's own last
    /// acknowledged write (read-your-writes by offset); without, it answers
    /// at once and may be stale.
    QuerySubscriber {
        #[serde(default)]
        client: ClientId,
        name: String,
        key: String,
        #[serde(default)]
        wait: bool,
    },
    /// A member of a consumer group stops; its uncommitted progress is lost
    /// and its partitions go unread until the group rebalances.
    CrashMember {
        group: String,
        member: u8,
    },
    /// A crashed member comes back and rejoins its group (a rebalance).
    RestartMember {
        group: String,
        member: u8,
    },
    /// Asks a node to take over as primary (primary-backup only).
    Promote {
        node: NodeId,
    },
    /// A client reads from one chosen replica: the value of `key` in a
    /// key-value table, or the number of the arithmetic service.
    Read {
        #[serde(default)]
        client: ClientId,
        from: NodeId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        key: Option<String>,
    },
    /// Restores the link from `from` to `to`, and the way back too unless
    /// `one_way`: the opposite of a partition between two nodes. Other cut
    /// links stay cut.
    HealLink {
        from: NodeId,
        to: NodeId,
        #[serde(default)]
        one_way: bool,
    },
}

impl Input {
    /// Client 0 writes `command` to whichever node takes writes.
    pub fn write(command: Command) -> Input {
        Input::Write {
            client: ClientId::default(),
            command,
            to: None,
        }
    }
}

impl fmt::Display for Input {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let list = |nodes: &[NodeId]| {
            nodes
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(",")
        };
        match self {
            Input::Write {
                client,
                command,
                to: None,
            } => write!(f, "{client} writes {command}"),
            Input::Write {
                client,
                command,
                to: Some(node),
            } => {
                write!(f, "{client} writes {command} to {node}")
            }
            Input::Promote { node } => write!(f, "promote {node}"),
            Input::QuerySubscriber {
                client,
                name,
                key,
                wait,
            } => {
                let how = if *wait {
                    ", waiting for its own write"
                } else {
                    ""
                };
                write!(f, "{client} reads {key} from {name}{how}")
            }
            Input::CrashSubscriber { name } => write!(f, "crash subscriber {name}"),
            Input::RestartSubscriber { name } => write!(f, "restart subscriber {name}"),
            Input::PauseSubscriber { name } => write!(f, "pause subscriber {name}"),
            Input::ResumeSubscriber { name } => write!(f, "resume subscriber {name}"),
            Input::CrashMember { group, member } => write!(f, "crash {group} member m{member}"),
            Input::RestartMember { group, member } => {
                write!(f, "restart {group} member m{member}")
            }
            Input::Read {
                client,
                from,
                key: Some(key),
            } => write!(f, "{client} reads {key} from {from}"),
            Input::Read {
                client,
                from,
                key: None,
            } => write!(f, "{client} reads from {from}"),
            Input::Crash { node } => write!(f, "crash {node}"),
            Input::Restart { node } => write!(f, "restart {node}"),
            Input::Partition { from, to, one_way } => {
                let arrow = if *one_way { "->" } else { "<->" };
                write!(f, "partition {} {arrow} {}", list(from), list(to))
            }
            Input::Isolate { node } => write!(f, "isolate {node}"),
            Input::Heal => write!(f, "heal"),
            Input::HealLink { from, to, one_way } => {
                let arrow = if *one_way { "->" } else { "<->" };
                write!(f, "heal {from} {arrow} {to}")
            }
        }
    }
}

/// An input scheduled at a tick, as scenario files list them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TimedInput {
    pub tick: Tick,
    #[serde(flatten)]
    pub input: Input,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::Scenario;

    #[test]
    fn heal_link_reads_and_prints_like_a_partition() {
        let timed: TimedInput =
            serde_json::from_str(r#"{"tick":3,"type":"heal_link","from":1,"to":2}"#).unwrap();
        let input = Input::HealLink {
            from: NodeId(1),
            to: NodeId(2),
            one_way: false,
        };
        assert_eq!(timed.input, input);
        assert_eq!(input.to_string(), "heal r1 <-> r2");
        assert_eq!(
            serde_json::to_string(&input).unwrap(),
            r#"{"type":"heal_link","from":1,"to":2,"one_way":false}"#
        );
        let one_way: Input =
            serde_json::from_str(r#"{"type":"heal_link","from":2,"to":0,"one_way":true}"#).unwrap();
        assert_eq!(one_way.to_string(), "heal r2 -> r0");
    }

    #[test]
    fn heal_link_names_two_different_nodes_that_exist() {
        let scenario = |input: &str| {
            Scenario::from_json(&format!(
                r#"{{"seed":1,"replicas":3,"run_ticks":10,"inputs":[{input}]}}"#
            ))
        };
        assert!(scenario(r#"{"tick":1,"type":"heal_link","from":0,"to":2}"#).is_ok());
        let error = scenario(r#"{"tick":1,"type":"heal_link","from":0,"to":5}"#).unwrap_err();
        assert_eq!(error.field, "inputs[0].to");
        let error = scenario(r#"{"tick":1,"type":"heal_link","from":1,"to":1}"#).unwrap_err();
        assert_eq!(
            error.to_string(),
            "inputs[0].to: a link joins two different nodes"
        );
        let error = scenario(r#"{"tick":1,"type":"heal_link","from":1}"#).unwrap_err();
        assert!(error.to_string().contains("missing field `to`"), "{error}");
    }
}
