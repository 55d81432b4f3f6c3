//! A partitioned topic and a consumer group: per-partition order, crashes,
//! rebalances and what key partitioning buys. The property tests live
//! with the module, in `src/engine/consumer_group.rs`.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_with_trace, scenario};
use loglab::engine::check::GROUP_OUTPUT_MATCHES;
use loglab::engine::consumer_group::PartitionBy;
use loglab::engine::report::RunReport;
use loglab::engine::service::State;
use loglab::engine::{Scenario, TraceKind};
use serde_json::json;
use std::collections::BTreeMap;
use std::rc::Rc;

fn bundled(name: &str) -> Rc<Scenario> {
    Rc::new(loglab::scenarios::load(name).unwrap())
}

#[test]
fn data_integration_survives_a_member_crash_with_redeliveries() {
    let (world, trace) = run_with_trace(bundled("data-integration"));
    let report = RunReport::of(&world);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let group = &report.consumer_groups[0];
    assert_eq!(group.name, "dashboards");
    // Start, m1's timeout, m1's return.
    assert_eq!(group.generation, 3);
    assert_eq!((group.processed, group.redelivered), (20, 2));
    assert!(group.sink_matches_source);
    let source = report.replicas[0].state.clone().unwrap();
    assert_eq!(
        State::table(group.sink.iter().map(|(k, v)| (k, *v))),
        source
    );
    assert_eq!(
        group.sink,
        BTreeMap::from(
            [
                ("clicks:cart", 3),
                ("clicks:home", 4),
                ("cpu:r1", 35),
                ("cpu:r2", 60),
                ("user:ann", 2),
                ("user:cy", 1)
            ]
            .map(|(k, v)| (k.to_owned(), v))
        )
    );
    // Every member is back and owns something.
    assert!(group
        .members
        .iter()
        .all(|m| m.up && !m.partitions.is_empty()));
    // The rebalances: everyone at the start, m1's partitions handed to m0
    // and m2 after the 4-tick session timeout (crash at 12), m1 back at 30.
    let rebalances: Vec<(u64, Vec<Option<u8>>)> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::GroupRebalance(rebalance) => Some((e.tick, rebalance.owners.clone())),
            _ => None,
        })
        .collect();
    assert_eq!(
        rebalances,
        vec![
            (0, vec![Some(0), Some(1), Some(2), Some(0)]),
            (16, vec![Some(0), Some(2), Some(0), Some(2)]),
            (30, vec![Some(0), Some(1), Some(2), Some(0)]),
        ]
    );
    // The other subscribers never waited for the group.
    for sub in &report.subscribers {
        assert_eq!(sub.position, 18, "{}", sub.name);
    }
}

#[test]
fn round_robin_partitioning_loses_per_key_order() {
    let (world, _) = run_with_trace(bundled("consumer-group-round-robin"));
    let report = RunReport::of(&world);
    let invariants: Vec<&str> = report.violations.iter().map(|v| v.invariant).collect();
    assert_eq!(invariants, vec![GROUP_OUTPUT_MATCHES]);
    let violation = &report.violations[0];
    assert_eq!(violation.tick, 17);
    assert!(
        violation
            .explanation
            .contains("holds cart:bob = 3 where the source has 4"),
        "{}",
        violation.explanation
    );
    assert!(!report.consumer_groups[0].sink_matches_source);
}

#[test]
fn the_same_crash_is_harmless_with_key_hash_partitioning() {
    let mut fixed = (*bundled("consumer-group-round-robin")).clone();
    fixed.consumer_groups[0].partition_by = PartitionBy::KeyHash;
    let (world, _) = run_with_trace(Rc::new(fixed));
    let report = RunReport::of(&world);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    assert!(report.consumer_groups[0].sink_matches_source);
}

#[test]
fn a_group_whose_members_all_crash_waits_and_resumes() {
    let run = scenario(json!({
        "seed": 3, "replicas": 1, "service": "key-value", "run_ticks": 60,
        "inputs": [
            { "tick": 1, "type": "write", "command": "put a 1" },
            { "tick": 2, "type": "crash_member", "group": "g", "member": 0 },
            { "tick": 2, "type": "crash_member", "group": "g", "member": 1 },
            { "tick": 3, "type": "write", "command": "put b 2" },
            { "tick": 4, "type": "write", "command": "incr a" },
            { "tick": 20, "type": "restart_member", "group": "g", "member": 1 },
        ],
        "consumer_groups": [{ "name": "g", "partitions": 3, "members": 2, "commit_every_records": 5 }],
    }));
    let (world, trace) = run_with_trace(run);
    let report = RunReport::of(&world);
    assert!(report.violations.is_empty(), "{:?}", report.violations);
    let group = &report.consumer_groups[0];
    assert!(group.sink_matches_source);
    // Nobody was alive at the timeout: partitions went to nobody.
    assert!(trace.iter().any(|e| matches!(
        &e.kind,
        TraceKind::GroupRebalance(rebalance) if rebalance.owners.iter().all(Option::is_none)
    )));
    assert_eq!(group.members[1].partitions, vec![0, 1, 2]);
    assert!(!group.members[0].up);
}
