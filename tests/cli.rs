//! The native runner, driven as a user would: example files and broken ones.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use serde_json::Value;
use std::path::PathBuf;
use std::process::{Command, Output};

fn loglab(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_loglab"))
        .args(args)
        .output()
        .expect("runs")
}

fn scenario_path(name: &str) -> String {
    format!("{}/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"))
}

fn temp_file(name: &str, text: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("cli-tests");
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn run_reports_the_arithmetic_example() {
    let out = loglab(&["run", &scenario_path("arithmetic")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["trace_hash"].as_str().unwrap().len(), 16);
    assert!(report["steps"].as_u64().unwrap() > 10);
    assert!(report["final_tick"].as_u64().unwrap() <= 40);
    assert_eq!(report["violations"], Value::Array(vec![]));
    let replicas = report["replicas"].as_array().unwrap();
    assert_eq!(replicas.len(), 4);
    assert_eq!(replicas[0]["role"], "sequencer");
    for replica in &replicas[1..] {
        assert_eq!(replica["role"], "replica");
        assert_eq!(replica["state"], 6);
        assert_eq!(replica["applied_offset"], 3);
        assert_eq!(replica["log_end_offset"], 3);
    }
}

#[test]
fn every_example_runs_and_only_planted_bugs_violate() {
    for (name, _) in loglab::scenarios::BUNDLED {
        if *name == "scale" {
            continue; // two million steps: swept over its first ticks in tests/replication.rs
        }
        let out = loglab(&["run", &scenario_path(name)]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        let violations = report["violations"].as_array().unwrap();
        assert_eq!(
            !violations.is_empty(),
            common::PLANTED_BUGS.contains(name),
            "{name}: {violations:?}"
        );
        if violations.is_empty() {
            let states: Vec<&Value> = report["replicas"]
                .as_array()
                .unwrap()
                .iter()
                .filter(|r| r["state"] != Value::Null)
                .map(|r| &r["state"])
                .collect();
            assert!(
                states.windows(2).all(|w| w[0] == w[1]),
                "{name}: replicas differ: {states:?}"
            );
        }
    }
}

#[test]
fn trace_flag_prints_json_lines_then_the_report() {
    let out = loglab(&["run", &scenario_path("arithmetic"), "--trace"]);
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let (report, events) = lines.split_last().unwrap();
    assert_eq!(
        events.len() as u64,
        report["trace_events"].as_u64().unwrap()
    );
    assert_eq!(events[0]["kind"], "write");
    assert!(events
        .iter()
        .any(|e| e["kind"] == "apply" && e["change"] == "6"));
}

#[test]
fn sweep_summarises_many_seeds() {
    let out = loglab(&["sweep", &scenario_path("lossy-network"), "--seeds", "0..50"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(summary["runs"], 50);
    assert_eq!(summary["distinct_trace_hashes"], 50);
    assert_eq!(summary["violating_seeds"], Value::Array(vec![]));
}

#[test]
fn bench_prints_a_rate() {
    let out = loglab(&["bench", "--ticks", "200"]);
    assert!(out.status.success());
    let result: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(result["events_per_second"].as_u64().unwrap() > 0);
    assert!(result["steps"].as_u64().unwrap() > 200);
}

/// Each broken file: its text, and what the error must mention.
const BROKEN: &[(&str, &str, &[&str])] = &[
    (
        "not-json.json",
        "{ seed: 1",
        &["not valid JSON", "line 1 column 3"],
    ),
    (
        "unknown-field.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"colour":"red"}"#,
        &["unknown field `colour`"],
    ),
    (
        "missing-seed.json",
        r#"{"replicas":3,"run_ticks":10}"#,
        &["missing field `seed`"],
    ),
    (
        "bad-ratio.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"network":{"drop":"2/1"}}"#,
        &["network.drop", "at most 1/1"],
    ),
    (
        "bad-command.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"inputs":[{"tick":1,"type":"write","command":"/2"}]}"#,
        &["inputs[0]", "is not a command"],
    ),
    (
        "bad-node.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"inputs":[{"tick":1,"type":"crash","node":7}]}"#,
        &["inputs[0].node", "node 7 does not exist"],
    ),
    (
        "late-input.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"inputs":[{"tick":11,"type":"heal"}]}"#,
        &["inputs[0].tick", "after run_ticks"],
    ),
    (
        "zero-replicas.json",
        r#"{"seed":1,"replicas":0,"run_ticks":10}"#,
        &["replicas", "between 1 and 9"],
    ),
    (
        "bad-latency.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"network":{"latency_ticks":{"min":5,"max":2}}}"#,
        &["network.latency_ticks", "greater than max"],
    ),
    (
        "bad-type.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"inputs":[{"tick":1,"type":"explode"}]}"#,
        &["inputs[0]", "unknown variant `explode`"],
    ),
    (
        "ten-replicas.json",
        r#"{"seed":1,"replicas":10,"run_ticks":10}"#,
        &["replicas", "between 1 and 9, got 10"],
    ),
    (
        "endless-run.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10000001}"#,
        &["run_ticks", "between 1 and 10000000, got 10000001"],
    ),
    (
        "bad-protocol.json",
        r#"{"seed":1,"replicas":3,"run_ticks":10,"protocol":"paxos"}"#,
        &["protocol", "unknown variant `paxos`"],
    ),
    (
        "unknown-group.json",
        r#"{"seed":1,"replicas":1,"run_ticks":10,"inputs":[{"tick":1,"type":"crash_member","group":"g","member":0}]}"#,
        &["inputs[0].group", "no consumer group is called `g`"],
    ),
    (
        "missing-member.json",
        r#"{"seed":1,"replicas":1,"run_ticks":10,"consumer_groups":[{"name":"g","partitions":2,"members":2}],"inputs":[{"tick":1,"type":"restart_member","group":"g","member":2}]}"#,
        &[
            "inputs[0].member",
            "member 2 does not exist",
            "members 0 to 1",
        ],
    ),
    (
        "too-many-partitions.json",
        r#"{"seed":1,"replicas":1,"run_ticks":10,"consumer_groups":[{"name":"g","partitions":99,"members":2}]}"#,
        &["consumer_groups[0].partitions", "between 1 and 16"],
    ),
];

#[test]
fn bad_scenario_files_fail_clearly_without_panicking() {
    for (name, text, expected) in BROKEN {
        let path = temp_file(name, text);
        let out = loglab(&["run", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(out.stdout.is_empty(), "{name}: printed a report anyway");
        assert!(!stderr.contains("panicked"), "{name} panicked: {stderr}");
        for needle in *expected {
            assert!(
                stderr.contains(needle),
                "{name}: `{needle}` not in: {stderr}"
            );
        }
    }
}

#[test]
fn missing_file_and_bad_arguments_fail_clearly() {
    let out = loglab(&["run", "/nonexistent/scenario.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot read /nonexistent/scenario.json"));
    let out = loglab(&["sweep", &scenario_path("arithmetic"), "--seeds", "9..3"]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("empty"));
}

#[test]
fn table_shows_the_table_at_an_offset_and_the_changes_since_another() {
    let out = loglab(&[
        "table",
        &scenario_path("subscribers"),
        "--at",
        "4",
        "--since",
        "1",
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["table"],
        serde_json::json!({ "apples": 4, "pears": 5, "plums": 4 })
    );
    let keys: Vec<&str> = report["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["apples", "pears", "plums"]);
    let out = loglab(&["table", &scenario_path("subscribers"), "--at", "99"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("since <= at <= 7"));
}

#[test]
fn real_change_logs_import_with_invalid_lines_named_and_skipped() {
    let sample = |name: &str| format!("{}/samples/{name}.json", env!("CARGO_MANIFEST_DIR"));
    let cases = [
        (
            "import-kcat",
            json_value(r#"{"cart-1": 3, "cart-4": 5}"#),
            "line 4: \"payload\" is not an integer",
        ),
        (
            "import-wal2json",
            json_value(r#"{"stock_apple": 11, "stock_kiwi": 30}"#),
            "line 4: no integer column",
        ),
    ];
    for (name, table, warning) in cases {
        let out = loglab(&["run", &sample(name)]);
        assert!(
            out.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(
            String::from_utf8_lossy(&out.stderr).contains(warning),
            "{name}"
        );
        let report: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(report["replicas"][1]["state"], table, "{name}");
        assert_eq!(report["subscribers"][0]["state"], table, "{name}");
    }
    // The same dump with invalid lines rejected: nothing runs.
    let text = std::fs::read_to_string(sample("import-kcat"))
        .unwrap()
        .replace("\"skip\"", "\"reject\"");
    let dump = std::fs::read_to_string(format!(
        "{}/samples/kcat-orders.jsonl",
        env!("CARGO_MANIFEST_DIR")
    ))
    .unwrap();
    temp_file("kcat-orders.jsonl", &dump);
    let strict = temp_file("import-kcat-strict.json", &text);
    let out = loglab(&["run", strict.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("import.file: kcat-orders.jsonl: line 4"));
}

fn json_value(text: &str) -> Value {
    serde_json::from_str(text).unwrap()
}

#[test]
fn more_than_sixteen_subscribers_are_refused() {
    let subscribers: Vec<Value> = (0..17)
        .map(|i| serde_json::json!({ "name": format!("s{i}"), "kind": "cache" }))
        .collect();
    let doc = serde_json::json!({
        "seed": 1, "replicas": 2, "service": "key-value", "run_ticks": 10,
        "subscribers": subscribers,
    });
    let path = temp_file("seventeen-subscribers.json", &doc.to_string());
    let out = loglab(&["run", path.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("subscribers: at most 16 subscribers are allowed, got 17"),
        "{stderr}"
    );
}

#[test]
fn imported_dumps_past_the_size_limits_are_refused_naming_the_limit() {
    let scenario = |name: &str, dump: &str| {
        let doc = serde_json::json!({
            "seed": 1, "replicas": 2, "service": "key-value", "run_ticks": 10,
            "import": { "format": "kcat", "file": dump },
        });
        temp_file(name, &doc.to_string())
    };
    let line = r#"{"topic":"t","partition":0,"offset":0,"key":"k","payload":1}"#;
    let cases = [
        (
            "too-many-lines",
            "\n".repeat(100_001),
            "the dump has 100001 lines; imports are limited to 100000 lines",
        ),
        (
            "too-many-bytes",
            format!("{line}{}", " ".repeat(8 << 20)),
            "bytes; imports are limited to 8388608 bytes (8 MiB)",
        ),
    ];
    for (name, dump, expected) in cases {
        temp_file(&format!("{name}.jsonl"), &dump);
        let path = scenario(&format!("{name}.json"), &format!("{name}.jsonl"));
        let out = loglab(&["run", path.to_str().unwrap()]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{name}: {stderr}");
        assert!(stderr.contains("import.file"), "{name}: {stderr}");
        assert!(stderr.contains(expected), "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("{name}.jsonl")),
            "{name}: {stderr}"
        );
    }
}
