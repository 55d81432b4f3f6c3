//! Share links: a URL hash that rebuilds a run exactly.
//!
//! ```text
//! #scenario=failover-async&protocol=primary-backup&seed=3&replicas=3&at=120&inputs=W1sx…
//! ```
//!
//! - `scenario`: a bundled scenario's file name (percent-encoded);
//! - `protocol`, `seed`, `replicas`: present when they differ from the
//!   bundled scenario (`protocol` is `active-active`, `primary-backup` or
//!   `broadcast`);
//! - `at`: the position shown (a step number), left out when 0;
//! - `inputs`: the user's recorded inputs, left out when there are none:
//!   base64url (no padding) of compact JSON `[[position, input], …]`, where
//!   `position` is the step number the input was made at (strictly
//!   increasing) and `input` is an [`Input`] as scenario files write it.
//!
//! A run is deterministic, so the scenario, the settings and the inputs
//! with their positions are all it takes: [`replay`] steps a fresh
//! timeline to each input's position, makes the input there, and seeks to
//! `at`. Decoding is lenient: a part that cannot be read is left out and
//! reported in a sentence, and nothing here panics, whatever the text.

use super::input::{Input, TimedInput};
use super::protocol::ProtocolKind;
use super::scenario::{Scenario, ScenarioError};
use super::timeline::Timeline;
use std::rc::Rc;

/// The furthest position a link may ask for: as many steps as a timeline
/// keeps by default (`HistoryLimits::default().max_steps`). The scale
/// scenario passes 100 000 records at about 2.7 million steps; replaying
/// that many keeps the page busy for a while (a minute or two in wasm).
pub const MAX_POSITION: usize = 4_000_000;

/// Everything a share link carries.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Link {
    /// File name of a bundled scenario.
    pub scenario: String,
    pub protocol: Option<ProtocolKind>,
    pub seed: Option<u64>,
    pub replicas: Option<u8>,
    /// The position shown.
    pub at: usize,
    /// The user's inputs with the positions they were made at.
    pub inputs: Vec<(usize, Input)>,
}

/// A decoded link, and a sentence for every part that had to be left out.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    pub link: Link,
    pub problems: Vec<String>,
}

/// A replayed link: the run, and why part of the link was left out.
#[derive(Debug)]
pub struct Replayed {
    pub timeline: Timeline,
    pub problem: Option<String>,
}

impl Link {
    /// The link of a run: its settings where they differ from `base` (the
    /// bundled scenario called `name`), every recorded input, and the
    /// position shown.
    pub fn of(name: &str, base: &Scenario, timeline: &Timeline) -> Link {
        let scenario = timeline.scenario();
        Link {
            scenario: name.to_owned(),
            protocol: (scenario.protocol != base.protocol).then_some(scenario.protocol),
            seed: (scenario.seed != base.seed).then_some(scenario.seed),
            replicas: (scenario.replicas != base.replicas).then_some(scenario.replicas),
            at: timeline.position(),
            inputs: recorded_inputs(timeline),
        }
    }

    /// The hash text, without the leading `#`.
    pub fn encode(&self) -> String {
        let mut parts = vec![format!("scenario={}", percent_encode(&self.scenario))];
        if let Some(protocol) = self.protocol {
            parts.push(format!("protocol={}", protocol_name(protocol)));
        }
        if let Some(seed) = self.seed {
            parts.push(format!("seed={seed}"));
        }
        if let Some(replicas) = self.replicas {
            parts.push(format!("replicas={replicas}"));
        }
        if self.at > 0 {
            parts.push(format!("at={}", self.at));
        }
        if !self.inputs.is_empty() {
            let json = serde_json::to_vec(&self.inputs).expect("inputs always serialize");
            parts.push(format!("inputs={}", base64url_encode(&json)));
        }
        parts.join("&")
    }

    /// Reads a hash (with or without its `#`). `None` when it says nothing
    /// about a run at all (no `scenario` and no other known part).
    pub fn decode(hash: &str) -> Option<Decoded> {
        let mut decoded = Decoded::default();
        let mut scenario = None;
        let mut seen = Vec::new();
        for part in hash.trim_start_matches('#').split('&') {
            let (key, value) = part.split_once('=').unwrap_or((part, ""));
            let key = percent_decode(key);
            if seen.contains(&key) {
                continue; // the first of a repeated part counts
            }
            let link = &mut decoded.link;
            let problem = match key.as_str() {
                "scenario" => {
                    scenario = Some(percent_decode(value));
                    None
                }
                "protocol" => match protocol_named(&percent_decode(value)) {
                    Some(protocol) => {
                        link.protocol = Some(protocol);
                        None
                    }
                    None => Some(format!(
                        "its protocol \u{201c}{}\u{201d} is not one of active-active, \
                         primary-backup or broadcast",
                        shorten(&percent_decode(value))
                    )),
                },
                "seed" => match value.parse::<u64>() {
                    Ok(seed) => {
                        link.seed = Some(seed);
                        None
                    }
                    Err(_) => Some(format!(
                        "its seed \u{201c}{}\u{201d} is not a whole number",
                        shorten(value)
                    )),
                },
                "replicas" => match value.parse::<u8>() {
                    Ok(replicas) => {
                        link.replicas = Some(replicas);
                        None
                    }
                    Err(_) => Some(format!(
                        "its replica count \u{201c}{}\u{201d} is not a number from 1 to 9",
                        shorten(value)
                    )),
                },
                "at" => match value.parse::<usize>() {
                    Ok(at) if at <= MAX_POSITION => {
                        link.at = at;
                        None
                    }
                    Ok(_) => Some(format!("its step {value} is beyond {MAX_POSITION}")),
                    Err(_) => Some(format!(
                        "its step \u{201c}{}\u{201d} is not a step number",
                        shorten(value)
                    )),
                },
                "inputs" => match decode_inputs(value) {
                    Ok(inputs) => {
                        link.inputs = inputs;
                        None
                    }
                    Err(why) => Some(format!("its recorded inputs {why}")),
                },
                _ => {
                    continue; // unknown parts are left for other uses
                }
            };
            seen.push(key);
            decoded.problems.extend(problem);
        }
        match scenario {
            Some(name) => decoded.link.scenario = name,
            None if seen.is_empty() => return None,
            None => decoded.problems.push("it names no scenario".to_owned()),
        }
        Some(decoded)
    }

    /// `base` with this link's settings, checked like a scenario file.
    pub fn apply_settings(&self, base: &Scenario) -> Result<Scenario, ScenarioError> {
        let mut scenario = base.clone();
        if let Some(protocol) = self.protocol {
            scenario.protocol = protocol;
        }
        if let Some(seed) = self.seed {
            scenario.seed = seed;
        }
        if let Some(replicas) = self.replicas {
            scenario.replicas = replicas;
        }
        scenario.validate()?;
        Ok(scenario)
    }

    /// Rebuilds the run this link describes on `scenario` (which already
    /// has the link's settings). An input that does not fit the scenario
    /// or the run, and every input after it, is left out, and `at` is held
    /// to the end of the run; `problem` says so. All at once: see
    /// [`Replay`] for a slice at a time.
    pub fn replay(&self, scenario: Rc<Scenario>) -> Replayed {
        Replay::start(self, scenario).finish()
    }
}

/// A link's run being rebuilt a slice at a time, so that a page can show
/// its progress instead of freezing for the seconds a long run takes.
pub struct Replay {
    timeline: Timeline,
    /// The inputs that fit the scenario, in order, with their positions.
    inputs: Vec<(usize, Input)>,
    /// How many inputs the link has (for the problem's wording).
    link_inputs: usize,
    next: usize,
    at: usize,
    problem: Option<String>,
    done: bool,
}

impl Replay {
    pub fn start(link: &Link, scenario: Rc<Scenario>) -> Replay {
        let (inputs, problem) = match check_inputs(&scenario, &link.inputs) {
            Ok(()) => (&link.inputs[..], None),
            Err((index, error)) => (
                &link.inputs[..index],
                Some(format!(
                    "its input {} of {} (\u{201c}{}\u{201d}) does not fit this scenario \
                     ({}), so it and any later ones were left out",
                    index + 1,
                    link.inputs.len(),
                    link.inputs[index].1,
                    error.message
                )),
            ),
        };
        Replay {
            timeline: Timeline::new(scenario),
            inputs: inputs.to_vec(),
            link_inputs: link.inputs.len(),
            next: 0,
            at: link.at,
            problem,
            done: false,
        }
    }

    /// The step the rebuilt run is at, and the step the link shows.
    pub fn progress(&self) -> (usize, usize) {
        (self.timeline.position(), self.at)
    }

    /// Runs up to `budget` more steps (each input counts as one); true
    /// once the run is rebuilt.
    pub fn advance(&mut self, budget: usize) -> bool {
        let mut budget = budget.max(1);
        while !self.done && budget > 0 {
            let target = self.inputs.get(self.next).map_or(self.at, |(at, _)| *at);
            if self.timeline.position() < target {
                let ran = step_toward(&mut self.timeline, target, budget);
                if ran == 0 {
                    self.run_ended(target);
                }
                budget -= ran.min(budget);
                continue;
            }
            match self.inputs.get(self.next) {
                Some((_, input)) => {
                    self.timeline.input(input.clone());
                    self.next += 1;
                    budget -= 1;
                }
                None => self.done = true,
            }
        }
        self.done
    }

    /// The run ended before `target`: the inputs from the next on are left
    /// out, or the link's step is held to the run's end.
    fn run_ended(&mut self, target: usize) {
        let end = self.timeline.position();
        if self.next < self.inputs.len() {
            self.problem = Some(format!(
                "the run ends at step {end}, before its input {} of {} at step {target}, so it \
                 and any later ones were left out",
                self.next + 1,
                self.link_inputs,
            ));
            self.inputs.truncate(self.next);
        } else {
            if self.problem.is_none() {
                self.problem = Some(format!(
                    "the run ends at step {end}, before step {}; showing its end",
                    self.at
                ));
            }
            self.done = true;
        }
    }

    /// The rebuilt run, at the link's step (or its end): whatever is left
    /// to replay is replayed now.
    pub fn finish(mut self) -> Replayed {
        while !self.advance(usize::MAX) {}
        self.timeline.seek(self.at);
        Replayed {
            timeline: self.timeline,
            problem: self.problem,
        }
    }
}

/// Every input recorded in `timeline`, forgotten history included, with
/// the position it was made at.
pub fn recorded_inputs(timeline: &Timeline) -> Vec<(usize, Input)> {
    timeline
        .inputs()
        .map(|(at, input)| (at, input.clone()))
        .collect()
}

/// Moves `timeline` toward `target` by at most `budget` steps (a seek
/// within the recorded range counts as one); how many it took, 0 when the
/// run has ended (or `target` is reached).
fn step_toward(timeline: &mut Timeline, target: usize, budget: usize) -> usize {
    if timeline.position() < target && target <= timeline.len() {
        timeline.seek(target);
        return 1;
    }
    let mut ran = 0;
    while timeline.position() < target && ran < budget {
        if !timeline.step() {
            break;
        }
        ran += 1;
    }
    ran
}

/// Checks the inputs as if a scenario file listed them: nodes, subscribers
/// and groups must exist, commands must suit the service. The index of the
/// first that does not fit, and why.
fn check_inputs(
    scenario: &Scenario,
    inputs: &[(usize, Input)],
) -> Result<(), (usize, ScenarioError)> {
    let mut probe = scenario.clone();
    probe.inputs = inputs
        .iter()
        .map(|(_, input)| TimedInput {
            tick: 0,
            input: input.clone(),
        })
        .collect();
    probe.validate().map_err(|error| {
        let index = error
            .field
            .strip_prefix("inputs[")
            .and_then(|rest| rest.split(']').next())
            .and_then(|n| n.parse::<usize>().ok())
            .filter(|&i| i < inputs.len())
            .unwrap_or(0);
        (index, error)
    })
}

fn decode_inputs(text: &str) -> Result<Vec<(usize, Input)>, String> {
    let bytes = base64url_decode(text).ok_or("are not valid base64url")?;
    let inputs: Vec<(usize, Input)> =
        serde_json::from_slice(&bytes).map_err(|e| format!("could not be read ({e})"))?;
    let mut last = None;
    for (position, _) in &inputs {
        if *position > MAX_POSITION {
            return Err(format!("go beyond step {MAX_POSITION}"));
        }
        if last.is_some_and(|last| *position <= last) {
            return Err("are not in step order".to_owned());
        }
        last = Some(*position);
    }
    Ok(inputs)
}

pub fn protocol_name(protocol: ProtocolKind) -> &'static str {
    match protocol {
        ProtocolKind::ActiveActive => "active-active",
        ProtocolKind::Broadcast => "broadcast",
        ProtocolKind::PrimaryBackup => "primary-backup",
    }
}

pub fn protocol_named(name: &str) -> Option<ProtocolKind> {
    [
        ProtocolKind::ActiveActive,
        ProtocolKind::Broadcast,
        ProtocolKind::PrimaryBackup,
    ]
    .into_iter()
    .find(|&p| protocol_name(p) == name)
}

/// At most 40 characters of something the user did not write, for quoting.
fn shorten(text: &str) -> String {
    let mut chars = text.chars();
    let short: String = chars.by_ref().take(40).collect();
    if chars.next().is_some() {
        format!("{short}\u{2026}")
    } else {
        short
    }
}

fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; a broken escape stays as it is, and bytes that
/// are not UTF-8 become U+FFFD.
fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%')
            .then(|| bytes.get(i + 1..i + 3))
            .flatten()
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match escaped {
            Some(byte) => {
                out.push(byte);
                i += 3;
            }
            None => {
                out.push(bytes[i]);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// Base64url (RFC 4648 §5) without padding.
pub fn base64url_encode(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | (b as u32) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(BASE64URL[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    out
}

/// Base64url with or without padding; `None` for anything else.
pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let text = text.trim_end_matches('=');
    if text.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(text.len() / 4 * 3 + 2);
    for chunk in text.as_bytes().chunks(4) {
        let mut n = 0u32;
        for (i, &c) in chunk.iter().enumerate() {
            let value = BASE64URL.iter().position(|&b| b == c)? as u32;
            n |= value << (18 - 6 * i);
        }
        for i in 0..chunk.len() - 1 {
            out.push((n >> (16 - 8 * i)) as u8);
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ids::NodeId;
    use crate::engine::scenarios_for_tests::arithmetic;

    fn bundled(name: &str) -> Scenario {
        crate::scenarios::load(name).unwrap()
    }

    #[test]
    fn base64url_matches_rfc_4648_vectors() {
        let vectors = [
            ("", ""),
            ("f", "Zg"),
            ("fo", "Zm8"),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg"),
            ("fooba", "Zm9vYmE"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, encoded) in vectors {
            assert_eq!(base64url_encode(plain.as_bytes()), encoded);
            assert_eq!(base64url_decode(encoded).unwrap(), plain.as_bytes());
        }
        assert_eq!(base64url_encode(&[0xfb, 0xff]), "-_8");
        assert_eq!(base64url_decode("Zm8=").unwrap(), b"fo");
        assert_eq!(base64url_decode("Zm9vY"), None, "a lone sixth bit group");
        assert_eq!(base64url_decode("Zm+v"), None, "standard alphabet");
    }

    #[test]
    fn a_reconnected_link_travels_as_one_input() {
        let cut = |a: u8, b: u8| Input::Partition {
            from: vec![NodeId(a)],
            to: vec![NodeId(b)],
            one_way: false,
        };
        let heal = Input::HealLink {
            from: NodeId(0),
            to: NodeId(1),
            one_way: false,
        };
        let mut timeline = Timeline::new(arithmetic());
        timeline.step();
        timeline.input(cut(0, 1));
        timeline.input(cut(0, 2));
        timeline.step();
        timeline.input(heal.clone());
        let link = Link::of("arithmetic", &arithmetic(), &timeline);
        assert_eq!(
            link.inputs,
            [(1, cut(0, 1)), (2, cut(0, 2)), (4, heal.clone())]
        );
        let text = link.encode();
        let json = r#"[4,{"type":"heal_link","from":0,"to":1,"one_way":false}]"#;
        let bytes = base64url_decode(text.split("inputs=").nth(1).unwrap()).unwrap();
        assert!(String::from_utf8(bytes).unwrap().contains(json));
        let decoded = Link::decode(&text).unwrap();
        assert_eq!(decoded.problems, Vec::<String>::new());
        let replayed = decoded.link.replay(arithmetic());
        assert_eq!(replayed.problem, None);
        assert_eq!(
            replayed.timeline.world().trace_hash(),
            timeline.world().trace_hash()
        );
        let still_cut: Vec<_> = replayed.timeline.world().network().cut_links().collect();
        assert_eq!(still_cut, [(NodeId(0), NodeId(2)), (NodeId(2), NodeId(0))]);
    }

    #[test]
    fn a_link_reads_back_literally() {
        let link = Link {
            scenario: "failover-async".to_owned(),
            protocol: Some(ProtocolKind::PrimaryBackup),
            seed: Some(3),
            replicas: None,
            at: 120,
            inputs: vec![
                (4, Input::Crash { node: NodeId(2) }),
                (9, Input::write("+1".parse().unwrap())),
            ],
        };
        let text = link.encode();
        let json =
            r#"[[4,{"type":"crash","node":2}],[9,{"type":"write","client":0,"command":"+1"}]]"#;
        assert_eq!(
            text,
            format!(
                "scenario=failover-async&protocol=primary-backup&seed=3&at=120&inputs={}",
                base64url_encode(json.as_bytes())
            )
        );
        let decoded = Link::decode(&format!("#{text}")).unwrap();
        assert_eq!(decoded.problems, Vec::<String>::new());
        assert_eq!(decoded.link, link);
    }

    #[test]
    fn only_a_scenario_is_the_plain_scenario_link() {
        let link = Link {
            scenario: "arithmetic".to_owned(),
            ..Link::default()
        };
        assert_eq!(link.encode(), "scenario=arithmetic");
        assert_eq!(Link::decode("").map(|d| d.link), None);
        assert_eq!(Link::decode("#top").map(|d| d.link), None);
        assert_eq!(Link::decode("#scenario=arithmetic").unwrap().link, link);
    }

    #[test]
    fn broken_parts_are_reported_and_left_out() {
        let decoded =
            Link::decode("#scenario=arithmetic&seed=x&at=-1&inputs=!!&replicas=300").unwrap();
        assert_eq!(decoded.link.scenario, "arithmetic");
        assert_eq!(decoded.link.seed, None);
        assert_eq!(decoded.link.at, 0);
        assert!(decoded.link.inputs.is_empty());
        assert_eq!(decoded.problems.len(), 4, "{:?}", decoded.problems);
        assert!(
            decoded.problems[2].contains("base64url"),
            "{:?}",
            decoded.problems
        );

        let unordered = serde_json::to_vec(&vec![(5, Input::Heal), (5, Input::Heal)]).unwrap();
        let decoded = Link::decode(&format!(
            "scenario=arithmetic&inputs={}",
            base64url_encode(&unordered)
        ))
        .unwrap();
        assert_eq!(
            decoded.problems,
            ["its recorded inputs are not in step order"]
        );

        let decoded = Link::decode("#at=4").unwrap();
        assert_eq!(decoded.problems, ["it names no scenario"]);
        assert_eq!(decoded.link.at, 4);
    }

    #[test]
    fn a_name_with_odd_characters_survives() {
        let link = Link {
            scenario: "a b&c=d%\u{201c}".to_owned(),
            ..Link::default()
        };
        assert_eq!(Link::decode(&link.encode()).unwrap().link, link);
        // A cut-off escape stays; bytes that are not UTF-8 become U+FFFD.
        assert_eq!(
            Link::decode("scenario=%E2%80%9").unwrap().link.scenario,
            "\u{fffd}%9"
        );
    }

    /// A user's session: steps, a crash, back, a fork, forward again.
    fn session() -> (Timeline, Scenario) {
        let base = bundled("crash-restart");
        let mut scenario = base.clone();
        scenario.seed = 11;
        let mut timeline = Timeline::new(Rc::new(scenario));
        for _ in 0..12 {
            timeline.step();
        }
        timeline.input(Input::Crash { node: NodeId(1) });
        for _ in 0..20 {
            timeline.step();
        }
        timeline.seek(16);
        timeline.input(Input::write("*3".parse().unwrap()));
        for _ in 0..30 {
            timeline.step();
        }
        timeline.seek(40);
        (timeline, base)
    }

    #[test]
    fn a_replayed_link_is_the_same_run() {
        let (timeline, base) = session();
        let link = Link::of("crash-restart", &base, &timeline);
        assert_eq!(link.seed, Some(11));
        assert_eq!(link.protocol, None);
        assert_eq!(link.at, 40);
        assert_eq!(link.inputs.len(), 2);
        let decoded = Link::decode(&link.encode()).unwrap();
        assert!(decoded.problems.is_empty());
        let scenario = decoded.link.apply_settings(&base).unwrap();
        let mut replayed = decoded.link.replay(Rc::new(scenario));
        assert_eq!(replayed.problem, None);
        assert_eq!(replayed.timeline.position(), 40);
        assert_eq!(
            replayed.timeline.world().trace_hash(),
            timeline.world().trace_hash()
        );
        assert_eq!(replayed.timeline.actions()[..40], timeline.actions()[..40]);
        // The recorded future is there too, up to the last input.
        replayed.timeline.seek(usize::MAX);
        assert_eq!(replayed.timeline.position(), 40);
    }

    #[test]
    fn an_input_that_does_not_fit_is_left_out_with_a_reason() {
        let link = Link {
            scenario: "arithmetic".to_owned(),
            at: 6,
            inputs: vec![
                (2, Input::Crash { node: NodeId(1) }),
                (3, Input::Crash { node: NodeId(7) }),
                (4, Input::Heal),
            ],
            ..Link::default()
        };
        let replayed = link.replay(arithmetic());
        let problem = replayed.problem.unwrap();
        assert!(problem.contains("input 2 of 3"), "{problem}");
        assert!(problem.contains("crash r7"), "{problem}");
        assert_eq!(replayed.timeline.position(), 6);
        assert_eq!(recorded_inputs(&replayed.timeline).len(), 1);

        let promote = Link {
            inputs: vec![(0, Input::Promote { node: NodeId(1) })],
            ..link.clone()
        };
        let problem = promote.replay(arithmetic()).problem.unwrap();
        assert!(problem.contains("primary-backup"), "{problem}");
    }

    #[test]
    fn a_step_beyond_the_run_shows_its_end() {
        let link = Link {
            scenario: "arithmetic".to_owned(),
            at: 5_000,
            ..Link::default()
        };
        let replayed = link.replay(arithmetic());
        let end = replayed.timeline.position();
        assert!(end > 10 && end < 5_000);
        assert!(replayed
            .problem
            .unwrap()
            .contains(&format!("ends at step {end}")));
    }

    #[test]
    fn settings_are_checked_like_a_scenario_file() {
        let base = bundled("crash-restart");
        let link = Link {
            scenario: "crash-restart".to_owned(),
            replicas: Some(1),
            ..Link::default()
        };
        let error = link.apply_settings(&base).unwrap_err();
        assert_eq!(error.field, "inputs[2].node");
        let link = Link {
            protocol: Some(ProtocolKind::PrimaryBackup),
            ..link
        };
        assert_eq!(
            link.apply_settings(&base).unwrap_err().field,
            "inputs[2].node"
        );
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        fn input() -> impl Strategy<Value = Input> {
            prop_oneof![
                (0u8..12).prop_map(|n| Input::Crash { node: NodeId(n) }),
                (0u8..12).prop_map(|n| Input::Restart { node: NodeId(n) }),
                (0u8..12).prop_map(|n| Input::Isolate { node: NodeId(n) }),
                (0u8..12).prop_map(|n| Input::Promote { node: NodeId(n) }),
                Just(Input::Heal),
                (0u8..12, 0u8..12, any::<bool>()).prop_map(|(a, b, one_way)| Input::HealLink {
                    from: NodeId(a),
                    to: NodeId(b),
                    one_way,
                }),
                (any::<i32>(), proptest::option::of(0u8..4)).prop_map(|(n, to)| Input::Write {
                    client: Default::default(),
                    command: format!("+{}", n.unsigned_abs()).parse().unwrap(),
                    to: to.map(NodeId),
                }),
                ("[a-z ]{0,6}", any::<bool>()).prop_map(|(key, wait)| Input::QuerySubscriber {
                    client: Default::default(),
                    name: "cache".to_owned(),
                    key,
                    wait,
                }),
            ]
        }

        fn link() -> impl Strategy<Value = Link> {
            let protocol = proptest::option::of(prop_oneof![
                Just(ProtocolKind::ActiveActive),
                Just(ProtocolKind::Broadcast),
                Just(ProtocolKind::PrimaryBackup),
            ]);
            (
                "\\PC{0,12}",
                protocol,
                proptest::option::of(any::<u64>()),
                proptest::option::of(any::<u8>()),
                0..=MAX_POSITION,
                prop::collection::vec((1usize..50, input()), 0..8),
            )
                .prop_map(|(scenario, protocol, seed, replicas, at, gaps)| {
                    let mut position = 0;
                    let inputs = gaps
                        .into_iter()
                        .map(|(gap, input)| {
                            position += gap;
                            (position, input)
                        })
                        .collect();
                    Link {
                        scenario,
                        protocol,
                        seed,
                        replicas,
                        at,
                        inputs,
                    }
                })
        }

        /// Hash-like text: the real keys and separators among noise.
        fn hashlike() -> impl Strategy<Value = String> {
            let piece = prop_oneof![
                Just("scenario=".to_owned()),
                Just("&".to_owned()),
                Just("=".to_owned()),
                Just("#".to_owned()),
                Just("%".to_owned()),
                Just("at=".to_owned()),
                Just("seed=".to_owned()),
                Just("replicas=".to_owned()),
                Just("protocol=".to_owned()),
                Just("inputs=".to_owned()),
                "[A-Za-z0-9_-]{0,12}",
                "\\PC{0,4}",
            ];
            prop::collection::vec(piece, 0..12).prop_map(|pieces| pieces.concat())
        }

        proptest! {
            #[test]
            fn decode_reads_back_what_encode_wrote(link in link()) {
                let decoded = Link::decode(&link.encode()).unwrap();
                prop_assert_eq!(decoded.problems, Vec::<String>::new());
                prop_assert_eq!(decoded.link, link);
            }

            #[test]
            fn any_text_decodes_without_panicking(text in "\\PC{0,80}") {
                let _ = Link::decode(&text);
            }

            #[test]
            fn hashlike_text_decodes_without_panicking(text in hashlike()) {
                let _ = Link::decode(&text);
            }

            #[test]
            fn any_json_in_inputs_decodes_without_panicking(json in "\\PC{0,60}") {
                let text = format!("scenario=arithmetic&inputs={}", base64url_encode(json.as_bytes()));
                let decoded = Link::decode(&text).unwrap();
                prop_assert_eq!(decoded.link.scenario, "arithmetic");
            }

            #[test]
            fn base64url_round_trips(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
                prop_assert_eq!(base64url_decode(&base64url_encode(&bytes)), Some(bytes));
            }
        }

        proptest! {
            #![proptest_config(ProptestConfig::with_cases(24))]

            /// Whatever a link holds, replaying it never panics and never
            /// goes past the run; a link of the result replays to the same
            /// world.
            #[test]
            fn replay_never_panics_and_is_stable(link in link(), seed in 0u64..50) {
                let mut scenario = bundled("crash-restart");
                scenario.seed = seed;
                let link = Link { at: link.at % 400, ..link };
                let replayed = link.replay(Rc::new(scenario.clone()));
                let again = Link::of("crash-restart", &scenario, &replayed.timeline);
                let twice = again.replay(Rc::new(scenario));
                prop_assert_eq!(twice.problem, None);
                prop_assert_eq!(
                    twice.timeline.world().trace_hash(),
                    replayed.timeline.world().trace_hash()
                );
                prop_assert_eq!(twice.timeline.position(), replayed.timeline.position());
            }

            /// Rebuilt a slice at a time, as the page does for a long run,
            /// a link gives the very run it gives at once, problems and
            /// all, and the progress only moves forward.
            #[test]
            fn a_replay_in_slices_is_the_replay_at_once(
                link in link(), seed in 0u64..50, slice in 1usize..40,
            ) {
                let mut scenario = bundled("crash-restart");
                scenario.seed = seed;
                let link = Link { at: link.at % 400, ..link };
                let scenario = Rc::new(scenario);
                let at_once = link.replay(scenario.clone());
                let mut replay = Replay::start(&link, scenario);
                let mut last = 0;
                while !replay.advance(slice) {
                    let (position, target) = replay.progress();
                    prop_assert!(position >= last);
                    prop_assert_eq!(target, link.at);
                    last = position;
                }
                let sliced = replay.finish();
                prop_assert_eq!(sliced.problem, at_once.problem);
                prop_assert_eq!(sliced.timeline.position(), at_once.timeline.position());
                prop_assert_eq!(sliced.timeline.actions(), at_once.timeline.actions());
                prop_assert_eq!(
                    sliced.timeline.world().trace_hash(),
                    at_once.timeline.world().trace_hash()
                );
            }
        }
    }
}
