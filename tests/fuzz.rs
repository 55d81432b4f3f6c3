//! Fuzzing every parser of outside input with proptest: scenario files
//! (arbitrary text, and the bundled scenarios with bytes flipped, deleted
//! and inserted), imported change logs (kcat -J and wal2json lines, random
//! and structured), files opened in the page, link hashes (random, and a
//! real share link mutated) and typed commands. Each must answer with a
//! value or a clear error, never panic; a scenario that parses must also
//! run without panicking.
//!
//! CI runs a modest number of cases per property (see `cases`). For a
//! longer hunt, in release mode:
//!   PROPTEST_CASES=100000 cargo test --release --test fuzz
#![cfg(not(target_arch = "wasm32"))]

use loglab::engine::import::{self, Format, OnInvalid};
use loglab::engine::permalink::Link;
use loglab::engine::service::Command;
use loglab::engine::{upload, Input, NodeId, Scenario, Timeline, World};
use loglab::scenarios::BUNDLED;
use proptest::prelude::*;
use serde_json::{json, Map, Value};
use std::rc::Rc;

/// `PROPTEST_CASES` if set, else `default`.
fn cases(default: u32) -> ProptestConfig {
    let mut config = ProptestConfig::default();
    if std::env::var("PROPTEST_CASES").is_err() {
        config.cases = default;
    }
    config
}

/// Steps a scenario that parsed, for a while: valid means runnable.
fn runs(scenario: Scenario) {
    let run_ticks = scenario.run_ticks;
    let mut world = World::new(std::rc::Rc::new(scenario));
    for _ in 0..400 {
        if world.next_tick().is_none_or(|t| t > run_ticks) || !world.step() {
            break;
        }
    }
}

/// A parse error must say something: a message, and where when it can.
fn check_error(error: &loglab::engine::ScenarioError) -> Result<(), TestCaseError> {
    prop_assert!(!error.message.trim().is_empty(), "empty message: {error:?}");
    prop_assert!(!error.to_string().contains("panicked"));
    Ok(())
}

#[derive(Clone, Debug)]
enum Mutation {
    /// XOR one byte with a non-zero mask.
    Flip(usize, u8),
    Delete(usize, usize),
    Insert(usize, Vec<u8>),
    /// Replace a digit run's first digit, to reach number limits.
    Digit(usize, u8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 1..=255u8).prop_map(|(at, mask)| Mutation::Flip(at, mask)),
        (any::<usize>(), 1..40usize).prop_map(|(at, len)| Mutation::Delete(at, len)),
        (
            any::<usize>(),
            prop::collection::vec(
                prop_oneof![
                    any::<u8>(),
                    prop::sample::select(b"{}[]\":,0123456789-.e ".to_vec())
                ],
                1..12
            )
        )
            .prop_map(|(at, bytes)| Mutation::Insert(at, bytes)),
        (any::<usize>(), b'0'..=b'9').prop_map(|(at, digit)| Mutation::Digit(at, digit)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for m in mutations {
        let at = |i: usize, len: usize| if len == 0 { 0 } else { i % len };
        match m {
            Mutation::Flip(i, mask) if !bytes.is_empty() => {
                let i = at(*i, bytes.len());
                bytes[i] ^= mask;
            }
            Mutation::Delete(i, n) if !bytes.is_empty() => {
                let i = at(*i, bytes.len());
                let end = (i + n).min(bytes.len());
                bytes.drain(i..end);
            }
            Mutation::Insert(i, new) => {
                let i = at(*i, bytes.len() + 1);
                bytes.splice(i..i, new.iter().copied());
            }
            Mutation::Digit(i, digit) => {
                let digits: Vec<usize> = (0..bytes.len())
                    .filter(|&j| bytes[j].is_ascii_digit())
                    .collect();
                if !digits.is_empty() {
                    let j = digits[at(*i, digits.len())];
                    bytes[j] = *digit;
                }
            }
            _ => {}
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Field names the parsers look for, so random documents reach past the
/// first "missing field" check.
const KEYS: &[&str] = &[
    "topic",
    "partition",
    "offset",
    "key",
    "payload",
    "change",
    "kind",
    "table",
    "columnnames",
    "columnvalues",
    "oldkeys",
    "keynames",
    "keyvalues",
    "action",
    "columns",
    "identity",
    "name",
    "value",
];

fn leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![i64::MIN, -1, 0, 1, i64::MAX, 9_007_199_254_740_993])
            .prop_map(Value::from),
        any::<f64>().prop_map(|f| json!(f)),
        ".{0,40}".prop_map(Value::String),
        prop::sample::select(vec![
            "insert", "update", "delete", "I", "U", "D", "B", "C", "M", "T", "X", "3", " 7 ", "-0",
            "1e3",
        ])
        .prop_map(|s| Value::String(s.into())),
    ]
}

/// JSON documents built from the parsers' own field names.
fn document() -> impl Strategy<Value = Value> {
    leaf().prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((prop::sample::select(KEYS.to_vec()), inner), 0..8).prop_map(
                |pairs| {
                    let map: Map<String, Value> =
                        pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
                    Value::Object(map)
                }
            ),
        ]
    })
}

fn parse_all_ways(text: &str) -> Result<(), TestCaseError> {
    for format in [Format::Kcat, Format::Wal2json] {
        let skipped =
            import::parse(format, text, OnInvalid::Skip).expect("skipping never fails as a whole");
        let lines = text.lines().count();
        for error in &skipped.skipped {
            prop_assert!(error.line >= 1 && error.line <= lines, "{error}");
            prop_assert!(!error.message.is_empty());
        }
        for (line, _) in &skipped.commands {
            prop_assert!(*line >= 1 && *line <= lines);
        }
        // Reject fails exactly when Skip skipped something.
        let rejected = import::parse(format, text, OnInvalid::Reject);
        prop_assert_eq!(rejected.is_err(), !skipped.skipped.is_empty());
    }
    Ok(())
}

/// A scenario importing `dump`, resolved as the CLI and app would.
fn import_scenario(format: &str, dump: &str) -> Result<(), TestCaseError> {
    let doc = json!({
        "seed": 1, "replicas": 2, "service": "key-value", "run_ticks": 50,
        "import": { "format": format, "file": "dump.jsonl", "every_ticks": 1 },
    });
    let mut scenario = Scenario::from_json(&doc.to_string()).expect("the base is valid");
    match scenario.resolve_import(|_| Ok(dump.to_owned())) {
        Ok(_) => runs(scenario),
        Err(error) => check_error(&error)?,
    }
    Ok(())
}

/// A real share link: a run of `crash-restart` with inputs, at a step.
/// Built once per test thread: a scenario shares its keys through `Rc`.
fn shared_link() -> (Scenario, String) {
    let base = loglab::scenarios::load("crash-restart").expect("bundled");
    let mut timeline = Timeline::new(Rc::new(base.clone()));
    for (at, input) in [
        (3, Input::Crash { node: NodeId(1) }),
        (9, Input::write("+5".parse().expect("a command"))),
        (15, Input::Restart { node: NodeId(1) }),
        (20, Input::Heal),
    ] {
        while timeline.position() < at && timeline.step() {}
        timeline.input(input);
    }
    for _ in 0..10 {
        timeline.step();
    }
    let link = Link::of("crash-restart", &base, &timeline).encode();
    (base, link)
}

proptest! {
    #![proptest_config(cases(512))]

    #[test]
    fn scenario_parser_takes_any_text(text in ".{0,300}") {
        if let Err(error) = Scenario::from_json(&text) {
            check_error(&error)?;
        }
    }

    #[test]
    fn scenario_parser_takes_json_shaped_noise(text in r#"[{}\[\]":,a-z_0-9 .\-]{0,300}"#) {
        match Scenario::from_json(&text) {
            Ok(scenario) => runs(scenario),
            Err(error) => check_error(&error)?,
        }
    }

    #[test]
    fn mutated_bundled_scenarios_parse_or_fail_clearly(
        which in 0..BUNDLED.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let text = mutate(BUNDLED[which].1, &mutations);
        match Scenario::from_json(&text) {
            Ok(scenario) => runs(scenario),
            Err(error) => check_error(&error)?,
        }
        // The same bytes opened in the page.
        match upload::open("mutated.json", &text) {
            Ok(opened) => prop_assert!(opened.scenario.validate().is_ok()),
            Err(error) => check_error(&error)?,
        }
    }

    #[test]
    fn network_inputs_with_any_nodes_parse_or_fail_clearly(
        replicas in 1u8..10,
        ops in prop::collection::vec((0u8..4, 0u8..12, 0u8..12, any::<bool>(), 0u64..25), 1..8),
    ) {
        // Cuts and heal_links between any two ids, in or out of range.
        let inputs: Vec<Value> = ops
            .iter()
            .map(|&(kind, a, b, one_way, tick)| match kind {
                0 => json!({ "tick": tick, "type": "partition", "from": [a], "to": [b], "one_way": one_way }),
                1 => json!({ "tick": tick, "type": "isolate", "node": a }),
                2 => json!({ "tick": tick, "type": "heal" }),
                _ => json!({ "tick": tick, "type": "heal_link", "from": a, "to": b, "one_way": one_way }),
            })
            .collect();
        let text = json!({ "seed": 1, "replicas": replicas, "run_ticks": 30, "inputs": inputs })
            .to_string();
        match Scenario::from_json(&text) {
            Ok(scenario) => runs(scenario),
            Err(error) => check_error(&error)?,
        }
    }

    #[test]
    fn import_parsers_take_any_lines(text in "(.{0,120}\n?){0,6}") {
        parse_all_ways(&text)?;
    }

    #[test]
    fn import_parsers_take_documents_made_of_their_own_fields(
        docs in prop::collection::vec(document(), 1..6),
    ) {
        let text: Vec<String> = docs.iter().map(Value::to_string).collect();
        let text = text.join("\n");
        parse_all_ways(&text)?;
        import_scenario("kcat", &text)?;
        import_scenario("wal2json", &text)?;
    }

    #[test]
    fn mutated_sample_dumps_import_or_fail_clearly(
        wal in any::<bool>(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let (format, sample) = if wal {
            ("wal2json", include_str!("../samples/wal2json-stock.jsonl"))
        } else {
            ("kcat", include_str!("../samples/kcat-orders.jsonl"))
        };
        let text = mutate(sample, &mutations);
        parse_all_ways(&text)?;
        import_scenario(format, &text)?;
    }

    #[test]
    fn link_hashes_decode_and_replay_or_fail_clearly(
        hash in ".{0,120}",
        escapes in "(%[0-9a-fA-FzZ]{0,2}|[a-zA-Z0-9_=&#-])*",
    ) {
        let base = loglab::scenarios::load("failover-async").expect("bundled");
        for text in [
            hash.clone(),
            format!("#scenario=failover-async&{escapes}"),
            format!("#scenario=failover-async&at=40&inputs={escapes}"),
        ] {
            let Some(decoded) = Link::decode(&text) else { continue };
            if let Ok(scenario) = decoded.link.apply_settings(&base) {
                let replayed = decoded.link.replay(std::rc::Rc::new(scenario));
                prop_assert!(replayed.timeline.position() <= replayed.timeline.len());
            }
        }
    }

    #[test]
    fn mutated_share_links_decode_and_replay_or_say_what_is_wrong(
        mutations in prop::collection::vec(mutation(), 1..5),
    ) {
        let (base, link) = &shared_link();
        let text = mutate(link, &mutations);
        if let Some(decoded) = Link::decode(&text) {
            for problem in &decoded.problems {
                prop_assert!(!problem.trim().is_empty());
            }
            if decoded.link.scenario == "crash-restart" {
                let mut link = decoded.link;
                link.at %= 2000;
                for input in &mut link.inputs {
                    input.0 %= 2000;
                }
                if let Ok(scenario) = link.apply_settings(base) {
                    let replayed = link.replay(Rc::new(scenario));
                    prop_assert!(replayed.timeline.position() <= replayed.timeline.len());
                }
            }
        }
    }

    #[test]
    fn typed_commands_parse_or_fail_clearly(text in ".{0,60}", words in "(put|incr|delete|set|[+*/-]|[0-9]{1,25}| |[a-z]{1,40}){0,5}") {
        for text in [&text, &words] {
            match text.parse::<Command>() {
                Ok(command) => {
                    // What parses prints back as something that parses alike.
                    let again: Command = command.to_string().parse().expect("round trip");
                    prop_assert_eq!(again, command);
                }
                Err(message) => prop_assert!(!message.is_empty()),
            }
        }
    }
}

/// Scenario parsing as it was with `serde_path_to_error`: the errors must
/// name the same field, with the same message (the position in it may
/// differ: a bad probability or command is now reported at its string,
/// where it was reported after the comma or bracket that followed).
fn from_json_tracking_paths(text: &str) -> Result<Scenario, loglab::engine::ScenarioError> {
    let invalid = |field: String, message: String| loglab::engine::ScenarioError { field, message };
    let mut de = serde_json::Deserializer::from_str(text);
    let scenario: Scenario = serde_path_to_error::deserialize(&mut de).map_err(|e| {
        // (The old code compared the written path with "." to find the
        // document itself, so a key named "." was no field: the path's
        // segments tell them apart.)
        let field = if e.path().iter().next().is_none() {
            String::new()
        } else {
            e.path().to_string()
        };
        let inner = e.into_inner();
        if inner.is_syntax() || inner.is_eof() {
            return invalid(String::new(), format!("not valid JSON: {inner}"));
        }
        invalid(field, inner.to_string())
    })?;
    scenario.validate()?;
    Ok(scenario)
}

/// The result with the position left out of a scenario error's message.
fn same_but_position(
    result: Result<Scenario, loglab::engine::ScenarioError>,
) -> Result<Scenario, loglab::engine::ScenarioError> {
    result.map_err(|mut e| {
        if let Some(at) = e.message.rfind(" at line ") {
            e.message.truncate(at);
        }
        e
    })
}

/// `value` with the member at `choices` (indexes taken modulo the sizes
/// met on the way down) replaced by `by`, or removed, or given a stray
/// sibling key.
fn edit(value: &mut Value, choices: &[usize], by: Value, how: usize, stray: &str) {
    let Some((&choice, rest)) = choices.split_first() else {
        *value = by;
        return;
    };
    match value {
        Value::Object(map) if !map.is_empty() => {
            let key = map
                .keys()
                .nth(choice % map.len())
                .cloned()
                .expect("in range");
            if rest.is_empty() && how % 4 == 1 {
                map.remove(&key);
            } else if rest.is_empty() && how % 4 == 2 {
                map.insert(stray.to_owned(), by);
            } else {
                edit(map.get_mut(&key).expect("present"), rest, by, how, stray);
            }
        }
        Value::Array(items) if !items.is_empty() => {
            let len = items.len();
            if rest.is_empty() && how % 4 == 1 {
                items.remove(choice % len);
            } else {
                edit(&mut items[choice % len], rest, by, how, stray);
            }
        }
        _ => *value = by,
    }
}

/// Values a scenario field might wrongly hold.
fn wrong_value() -> impl Strategy<Value = Value> {
    prop_oneof![
        leaf(),
        document(),
        prop::sample::select(vec![
            json!(300),
            json!(-1),
            json!(1.5),
            json!("primary_backup"),
            json!("explode"),
            json!({"type": "explode"}),
            json!({"type": "write", "command": "+1", "extra": 1}),
            json!({"type": "crash"}),
            json!([1, 2]),
            json!([]),
            json!({}),
            json!("+x"),
        ]),
    ]
}

proptest! {
    #![proptest_config(cases(2048))]

    #[test]
    fn scenario_errors_name_the_field_serde_path_to_error_named(
        which in 0..BUNDLED.len(),
        choices in prop::collection::vec(any::<usize>(), 0..6),
        by in wrong_value(),
        how in any::<usize>(),
        stray in r#"[a-z_."\\\[\]{}:, \n\u{e9}\u{1F600}]{0,8}"#,
        pretty in any::<bool>(),
    ) {
        let mut doc: Value = serde_json::from_str(BUNDLED[which].1).expect("bundled is JSON");
        edit(&mut doc, &choices, by, how, &stray);
        let text = if pretty {
            serde_json::to_string_pretty(&doc).expect("serializes")
        } else {
            doc.to_string()
        };
        prop_assert_eq!(same_but_position(Scenario::from_json(&text)), same_but_position(from_json_tracking_paths(&text)), "{}", text);
    }

    #[test]
    fn scenario_errors_name_the_same_field_in_mutated_text(
        which in 0..BUNDLED.len(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let text = mutate(BUNDLED[which].1, &mutations);
        prop_assert_eq!(same_but_position(Scenario::from_json(&text)), same_but_position(from_json_tracking_paths(&text)));
    }

    #[test]
    fn scenario_errors_name_the_same_field_in_noise(text in r#"[{}\[\]":,a-z_0-9 .\-]{0,300}"#) {
        prop_assert_eq!(same_but_position(Scenario::from_json(&text)), same_but_position(from_json_tracking_paths(&text)));
    }
}
