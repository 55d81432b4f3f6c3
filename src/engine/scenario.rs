//! Scenario files: seed, cluster, network, timed inputs and run length.
//!
//! Parsing is strict: an unknown field or a bad value is refused with a
//! message that names the field (`inputs[2].node: …`), and nothing is run.

use super::consumer_group::{GroupConfig, MAX_MEMBERS, MAX_PARTITIONS};
use super::ids::{NodeId, Tick};
use super::import::{self, Format, LineError, OnInvalid};
use super::input::{Input, TimedInput};
use super::network::{LatencyTicks, NetworkConfig};
use super::protocol::{ProtocolKind, ProtocolParams};
use super::service::{Command, ServiceKind};
use super::subscriber::SubscriberConfig;
use serde::{Deserialize, Serialize};
use std::fmt;

mod json_path;

pub const MAX_REPLICAS: u8 = 9;
pub const MAX_RUN_TICKS: Tick = 10_000_000;
pub const MAX_SUBSCRIBERS: usize = 16;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub description: String,
    pub seed: u64,
    #[serde(default)]
    pub protocol: ProtocolKind,
    pub replicas: u8,
    #[serde(default)]
    pub service: ServiceKind,
    #[serde(default)]
    pub network: NetworkConfig,
    #[serde(default)]
    pub params: ProtocolParams,
    #[serde(default)]
    pub inputs: Vec<TimedInput>,
    /// Consumers reading the log at their own pace.
    #[serde(default)]
    pub subscribers: Vec<SubscriberConfig>,
    /// Consumer groups, each reading a partitioned topic made from the log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumer_groups: Vec<GroupConfig>,
    /// How many committed records the log keeps for subscribers; one that
    /// falls further behind must re-bootstrap from the compacted log.
    #[serde(default)]
    pub retention_records: Option<u64>,
    /// A steady client load: writes generated as the run goes, so a long
    /// run needs no long list of inputs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub load: Option<Load>,
    /// Writes taken from a real change log instead of (or besides) `inputs`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub import: Option<ImportSpec>,
    pub run_ticks: Tick,
}

/// Most commands a load cycles through.
pub const MAX_LOAD_COMMANDS: usize = 64;

/// One client write every `every_ticks` from `start_tick` up to
/// `until_tick` (default: the end of the run), cycling through `commands`.
/// At a tick with a scenario input too, the input goes first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Load {
    #[serde(default)]
    pub client: super::ids::ClientId,
    #[serde(default = "first_tick")]
    pub start_tick: Tick,
    #[serde(default = "first_tick")]
    pub every_ticks: Tick,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until_tick: Option<Tick>,
    pub commands: Vec<Command>,
}

impl Load {
    /// The tick of write number `n` (from 0), if the load makes one.
    pub fn tick_of(&self, n: u64, run_ticks: Tick) -> Option<Tick> {
        let tick = n
            .checked_mul(self.every_ticks)?
            .checked_add(self.start_tick)?;
        (tick <= self.until_tick.unwrap_or(run_ticks).min(run_ticks)).then_some(tick)
    }

    /// Write number `n`'s command.
    pub fn command(&self, n: u64) -> &Command {
        &self.commands[(n % self.commands.len() as u64) as usize]
    }
}

/// Where an imported change log comes from and how its changes are fed in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ImportSpec {
    pub format: Format,
    /// Path of the dump, relative to the scenario file.
    pub file: String,
    #[serde(default)]
    pub invalid_lines: OnInvalid,
    /// Tick of the first imported write.
    #[serde(default = "first_tick")]
    pub start_tick: Tick,
    /// Ticks between two imported writes.
    #[serde(default = "first_tick")]
    pub every_ticks: Tick,
}

fn first_tick() -> Tick {
    1
}

/// A scenario that could not be used, and where the problem is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScenarioError {
    /// Path of the offending field, such as `inputs[2].node`; empty when the
    /// problem is the document as a whole.
    pub field: String,
    pub message: String,
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.field.is_empty() {
            write!(f, "{}", self.message)
        } else {
            write!(f, "{}: {}", self.field, self.message)
        }
    }
}

impl std::error::Error for ScenarioError {}

fn invalid(field: impl Into<String>, message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: field.into(),
        message: message.into(),
    }
}

impl Scenario {
    /// Parses and validates a scenario document.
    pub fn from_json(text: &str) -> Result<Scenario, ScenarioError> {
        // From bytes, as link hashes are read: one copy of the parsing code
        // in the browser bundle. A `&str` is valid UTF-8, so the result and
        // the messages are those of `from_str`.
        let mut de = serde_json::Deserializer::from_slice(text.as_bytes());
        let scenario: Scenario =
            Deserialize::deserialize(&mut de).map_err(|e: serde_json::Error| {
                if e.is_syntax() || e.is_eof() {
                    return invalid("", format!("not valid JSON: {e}"));
                }
                invalid(json_path::field_of(text, &e), e.to_string())
            })?;
        scenario.validate()?;
        Ok(scenario)
    }

    /// Turns `import` into timed writes, reading the dump with `read`.
    /// Returns the lines skipped as invalid; with `invalid_lines: reject`
    /// the first invalid line is an error and the scenario is unchanged.
    pub fn resolve_import(
        &mut self,
        read: impl FnOnce(&str) -> Result<String, String>,
    ) -> Result<Vec<LineError>, ScenarioError> {
        let Some(spec) = self.import.clone() else {
            return Ok(Vec::new());
        };
        if self.service != ServiceKind::KeyValue {
            return Err(invalid(
                "import",
                "imported change logs need the key-value service",
            ));
        }
        if spec.every_ticks == 0 {
            return Err(invalid("import.every_ticks", "must be at least 1"));
        }
        let text = read(&spec.file).map_err(|e| invalid("import.file", e))?;
        import::check_size(&text)
            .map_err(|e| invalid("import.file", format!("{}: {e}", spec.file)))?;
        let imported = import::parse(spec.format, &text, spec.invalid_lines)
            .map_err(|e| invalid("import.file", format!("{}: {e}", spec.file)))?;
        for (i, (_, command)) in imported.commands.into_iter().enumerate() {
            let tick = spec.start_tick + i as Tick * spec.every_ticks;
            self.inputs.push(TimedInput {
                tick,
                input: Input::Write {
                    client: Default::default(),
                    command,
                    to: None,
                },
            });
        }
        super::sort::sort_by_key(&mut self.inputs, |i| i.tick);
        self.import = None;
        self.validate()?;
        Ok(imported.skipped)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("scenarios always serialize")
    }

    /// Every node id of this scenario's cluster.
    pub fn node_ids(&self) -> Vec<NodeId> {
        self.protocol.cluster(self.replicas)
    }

    /// Checks what the types alone cannot.
    pub fn validate(&self) -> Result<(), ScenarioError> {
        if self.replicas == 0 || self.replicas > MAX_REPLICAS {
            return Err(invalid(
                "replicas",
                format!(
                    "must be between 1 and {MAX_REPLICAS}, got {}",
                    self.replicas
                ),
            ));
        }
        if self.run_ticks == 0 || self.run_ticks > MAX_RUN_TICKS {
            return Err(invalid(
                "run_ticks",
                format!(
                    "must be between 1 and {MAX_RUN_TICKS}, got {}",
                    self.run_ticks
                ),
            ));
        }
        check_latency("network.latency_ticks", self.network.latency_ticks)?;
        if self.params.retry_ticks == 0 {
            return Err(invalid("params.retry_ticks", "must be at least 1"));
        }
        if self.params.max_batch_records == 0 {
            return Err(invalid("params.max_batch_records", "must be at least 1"));
        }
        let nodes = self.node_ids();
        let known = |field: String, node: NodeId| -> Result<(), ScenarioError> {
            if nodes.contains(&node) {
                Ok(())
            } else {
                let last = nodes.last().map_or(0, |n| n.0);
                Err(invalid(
                    field,
                    format!(
                        "node {} does not exist; this cluster has nodes 0 to {last}",
                        node.0
                    ),
                ))
            }
        };
        for (i, link) in self.network.links.iter().enumerate() {
            known(format!("network.links[{i}].from"), link.from)?;
            known(format!("network.links[{i}].to"), link.to)?;
            if let Some(latency) = link.latency_ticks {
                check_latency(&format!("network.links[{i}].latency_ticks"), latency)?;
            }
        }
        if let Some(load) = &self.load {
            if load.every_ticks == 0 || load.every_ticks > 10_000 {
                return Err(invalid("load.every_ticks", "must be between 1 and 10000"));
            }
            if load.commands.is_empty() || load.commands.len() > MAX_LOAD_COMMANDS {
                return Err(invalid(
                    "load.commands",
                    format!("needs 1 to {MAX_LOAD_COMMANDS} commands"),
                ));
            }
            for (i, command) in load.commands.iter().enumerate() {
                command
                    .check_service(self.service)
                    .map_err(|message| invalid(format!("load.commands[{i}]"), message))?;
            }
        }
        if self.retention_records == Some(0) {
            return Err(invalid("retention_records", "must be at least 1"));
        }
        if self.subscribers.len() > MAX_SUBSCRIBERS {
            return Err(invalid(
                "subscribers",
                format!(
                    "at most {MAX_SUBSCRIBERS} subscribers are allowed, got {}",
                    self.subscribers.len()
                ),
            ));
        }
        let mut names = std::collections::BTreeSet::new();
        for (i, sub) in self.subscribers.iter().enumerate() {
            let field = |name: &str| format!("subscribers[{i}].{name}");
            if sub.name.trim().is_empty() || !names.insert(sub.name.as_str()) {
                return Err(invalid(
                    field("name"),
                    "needs a name no other subscriber has",
                ));
            }
            known(field("source"), sub.source)?;
            let counts = [
                ("every_ticks", sub.every_ticks),
                ("batch_records", sub.batch_records),
                ("commit_every_records", sub.commit_every_records),
                ("load_every_records", sub.load_every_records),
            ];
            for (name, value) in counts {
                if value == 0 || value > 10_000 {
                    return Err(invalid(field(name), "must be between 1 and 10000"));
                }
            }
        }
        let mut groups = std::collections::BTreeMap::new();
        for (i, group) in self.consumer_groups.iter().enumerate() {
            let field = |name: &str| format!("consumer_groups[{i}].{name}");
            if group.name.trim().is_empty()
                || groups.insert(group.name.as_str(), group.members).is_some()
            {
                return Err(invalid(
                    field("name"),
                    "needs a name no other consumer group has",
                ));
            }
            known(field("source"), group.source)?;
            if group.partitions == 0 || group.partitions > MAX_PARTITIONS {
                return Err(invalid(
                    field("partitions"),
                    format!("must be between 1 and {MAX_PARTITIONS}"),
                ));
            }
            if group.members == 0 || group.members > MAX_MEMBERS {
                return Err(invalid(
                    field("members"),
                    format!("must be between 1 and {MAX_MEMBERS}"),
                ));
            }
            let counts = [
                ("every_ticks", group.every_ticks),
                ("batch_records", group.batch_records),
                ("commit_every_records", group.commit_every_records),
                ("session_timeout_ticks", group.session_timeout_ticks),
            ];
            for (name, value) in counts {
                if value == 0 || value > 10_000 {
                    return Err(invalid(field(name), "must be between 1 and 10000"));
                }
            }
        }
        for (i, timed) in self.inputs.iter().enumerate() {
            if timed.tick > self.run_ticks {
                return Err(invalid(
                    format!("inputs[{i}].tick"),
                    format!(
                        "tick {} is after run_ticks ({})",
                        timed.tick, self.run_ticks
                    ),
                ));
            }
            match &timed.input {
                Input::Read { from: node, .. } => known(format!("inputs[{i}].from"), *node)?,
                Input::Crash { node } | Input::Restart { node } | Input::Isolate { node } => {
                    known(format!("inputs[{i}].node"), *node)?
                }
                Input::Promote { node } => {
                    known(format!("inputs[{i}].node"), *node)?;
                    if self.protocol != ProtocolKind::PrimaryBackup {
                        return Err(invalid(
                            format!("inputs[{i}].type"),
                            "promote needs the primary-backup protocol",
                        ));
                    }
                }
                Input::Partition { from, to, .. } => {
                    for (side, list) in [("from", from), ("to", to)] {
                        if list.is_empty() {
                            return Err(invalid(
                                format!("inputs[{i}].{side}"),
                                "a partition side needs at least one node",
                            ));
                        }
                        for (j, node) in list.iter().enumerate() {
                            known(format!("inputs[{i}].{side}[{j}]"), *node)?;
                        }
                    }
                }
                Input::Write { command, to, .. } => {
                    if let Some(node) = to {
                        known(format!("inputs[{i}].to"), *node)?;
                    }
                    command
                        .check_service(self.service)
                        .map_err(|message| invalid(format!("inputs[{i}].command"), message))?;
                }
                Input::Heal => {}
                Input::HealLink { from, to, .. } => {
                    known(format!("inputs[{i}].from"), *from)?;
                    known(format!("inputs[{i}].to"), *to)?;
                    if from == to {
                        return Err(invalid(
                            format!("inputs[{i}].to"),
                            "a link joins two different nodes",
                        ));
                    }
                }
                Input::CrashMember { group, member } | Input::RestartMember { group, member } => {
                    let Some(&members) = groups.get(group.as_str()) else {
                        return Err(invalid(
                            format!("inputs[{i}].group"),
                            format!("no consumer group is called `{group}`"),
                        ));
                    };
                    if *member >= members {
                        return Err(invalid(
                            format!("inputs[{i}].member"),
                            format!(
                                "member {member} does not exist; group `{group}` has members 0 to {}",
                                members - 1
                            ),
                        ));
                    }
                }
                Input::QuerySubscriber { name, .. }
                | Input::CrashSubscriber { name }
                | Input::RestartSubscriber { name }
                | Input::PauseSubscriber { name }
                | Input::ResumeSubscriber { name } => {
                    if !names.contains(name.as_str()) {
                        return Err(invalid(
                            format!("inputs[{i}].name"),
                            format!("no subscriber is called `{name}`"),
                        ));
                    }
                }
            }
        }
        Ok(())
    }
}

fn check_latency(field: &str, latency: LatencyTicks) -> Result<(), ScenarioError> {
    if latency.min == 0 {
        return Err(invalid(format!("{field}.min"), "must be at least 1 tick"));
    }
    if latency.min > latency.max {
        return Err(invalid(
            field,
            format!(
                "min ({}) is greater than max ({})",
                latency.min, latency.max
            ),
        ));
    }
    if latency.max > 10_000 {
        return Err(invalid(
            format!("{field}.max"),
            "must be at most 10000 ticks",
        ));
    }
    Ok(())
}
