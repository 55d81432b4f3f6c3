//! Subscribers reading one log at their own pace.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::run_with_trace;
use loglab::engine::report::RunReport;
use loglab::engine::trace::SubscriberAnswer;
use loglab::engine::{Scenario, TraceEvent, TraceKind};
use serde_json::json;
use std::rc::Rc;

fn subscribers_scenario() -> Scenario {
    loglab::scenarios::load("subscribers").unwrap()
}

#[test]
fn every_kind_derives_its_view_and_the_crashed_warehouse_loads_rows_twice() {
    let (world, _) = run_with_trace(Rc::new(subscribers_scenario()));
    let report = RunReport::of(&world);
    let by_name = |name: &str| report.subscribers.iter().find(|s| s.name == name).unwrap();
    let table = json!({ "apples": 4, "kiwis": 5, "plums": 5 });
    assert_eq!(by_name("cache").state, table);
    assert_eq!(
        by_name("replica").state,
        table,
        "a replica of the changelog equals the source table"
    );
    assert_eq!(
        report.replicas[1].state,
        Some(serde_json::from_value(table).unwrap())
    );
    assert_eq!(
        by_name("search").state,
        json!({ "4": ["apples"], "5": ["kiwis", "plums"] })
    );
    assert_eq!(
        by_name("counts").state,
        json!({ "apples": 2, "kiwis": 1, "pears": 2, "plums": 2 })
    );
    let warehouse = by_name("warehouse");
    assert_eq!(
        warehouse.state,
        json!({ "rows": 8, "staged": 1 }),
        "6 rows loaded, 2 of them twice"
    );
    assert_eq!((warehouse.processed, warehouse.committed_offset), (9, 4));
    assert!(report
        .subscribers
        .iter()
        .all(|s| s.lag == 0 && s.position == 7));
    let max_lags: Vec<u64> = report.subscribers.iter().map(|s| s.max_lag).collect();
    assert_eq!(
        max_lags,
        [2, 2, 5, 3, 6],
        "the slow ones fell further behind, and caught up"
    );
    assert!(report.violations.is_empty());
}

/// The cluster's own events, without any subscriber's.
fn cluster_events(trace: &[TraceEvent]) -> Vec<(u64, String)> {
    trace
        .iter()
        .filter(|e| {
            !matches!(
                e.kind,
                TraceKind::SubscriberRead { .. }
                    | TraceKind::SubscriberCommit { .. }
                    | TraceKind::SubscriberLoad { .. }
                    | TraceKind::SubscriberState { .. }
            )
        })
        .map(|e| (e.tick, e.kind.to_string()))
        .collect()
}

#[test]
fn subscribers_never_slow_the_writer_or_each_other() {
    let with = subscribers_scenario();
    let mut without = with.clone();
    without.subscribers.clear();
    without
        .inputs
        .retain(|i| !i.input.to_string().contains("subscriber"));
    let (_, trace_with) = run_with_trace(Rc::new(with.clone()));
    let (_, trace_without) = run_with_trace(Rc::new(without));
    assert_eq!(cluster_events(&trace_with), cluster_events(&trace_without));

    // Pausing the slow warehouse for good changes nothing for the cache.
    let mut paused = with.clone();
    paused
        .inputs
        .retain(|i| !i.input.to_string().contains("subscriber"));
    let mut clean = paused.clone();
    paused.inputs.insert(
        0,
        serde_json::from_value(
            json!({ "tick": 1, "type": "pause_subscriber", "name": "warehouse" }),
        )
        .unwrap(),
    );
    let (paused_world, _) = run_with_trace(Rc::new(paused));
    let (clean_world, _) = run_with_trace(Rc::new(clean.clone()));
    let (p, c) = (RunReport::of(&paused_world), RunReport::of(&clean_world));
    assert_eq!(p.subscribers[0], c.subscribers[0]);
    assert_eq!(
        (p.subscribers[2].position, p.subscribers[2].lag),
        (0, 7),
        "the paused one just lags"
    );
    clean.subscribers.clear();
    assert_eq!(
        p.replicas,
        RunReport::of(&run_with_trace(Rc::new(clean)).0).replicas
    );
}

#[test]
fn bad_subscriber_settings_are_refused_with_the_field() {
    let mut doc = serde_json::to_value(subscribers_scenario()).unwrap();
    doc["subscribers"][1]["name"] = json!("cache");
    let error = Scenario::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(error.field, "subscribers[1].name");
    let mut doc = serde_json::to_value(subscribers_scenario()).unwrap();
    doc["subscribers"][0]["batch_records"] = json!(0);
    assert_eq!(
        Scenario::from_json(&doc.to_string()).unwrap_err().field,
        "subscribers[0].batch_records"
    );
    let mut doc = serde_json::to_value(subscribers_scenario()).unwrap();
    doc["inputs"][7]["name"] = json!("nobody");
    let error = Scenario::from_json(&doc.to_string()).unwrap_err();
    assert_eq!(error.field, "inputs[7].name");
    assert!(error.message.contains("no subscriber is called `nobody`"));
}

fn answers(name: &str) -> (Vec<TraceKind>, RunReport) {
    let (world, trace) = run_with_trace(Rc::new(loglab::scenarios::load(name).unwrap()));
    let answers = trace
        .into_iter()
        .filter(|e| matches!(e.kind, TraceKind::SubscriberAnswer { .. }))
        .map(|e| e.kind)
        .collect();
    (answers, RunReport::of(&world))
}

#[test]
fn read_your_writes_is_stale_without_waiting_and_exact_with_it() {
    let (stale, stale_report) = answers("read-your-writes-stale");
    let [TraceKind::SubscriberAnswer(answer)] = stale.as_slice() else {
        panic!("one answer expected: {stale:?}");
    };
    let SubscriberAnswer {
        value,
        position,
        needed,
        waited,
        ..
    } = &**answer;
    assert_eq!((*value, *position, *needed, *waited), (None, 0, 2, false));
    let invariants: Vec<&str> = stale_report
        .violations
        .iter()
        .map(|v| v.invariant)
        .collect();
    assert_eq!(invariants, ["read-your-writes"]);
    assert!(stale_report.violations[0]
        .explanation
        .contains("before its own write at #1"));

    let (waited, waited_report) = answers("read-your-writes-wait");
    let [TraceKind::SubscriberAnswer(answer)] = waited.as_slice() else {
        panic!("one answer expected: {waited:?}");
    };
    let SubscriberAnswer {
        value,
        position,
        needed,
        waited,
        ..
    } = &**answer;
    assert_eq!((*value, *position, *needed, *waited), (Some(3), 2, 2, true));
    assert!(waited_report.violations.is_empty());
}

#[test]
fn a_subscriber_behind_retention_rebootstraps_from_the_compacted_log() {
    let (world, trace) = run_with_trace(Rc::new(
        loglab::scenarios::load("retention-rebootstrap").unwrap(),
    ));
    let told: Vec<String> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::SubscriberState { subscriber, what } if what.contains("retention") => {
                Some(format!("{subscriber} {what}"))
            }
            _ => None,
        })
        .collect();
    assert_eq!(
        told,
        ["replica fell behind the retention point #4: re-bootstraps from 3 compacted records"]
    );
    let report = RunReport::of(&world);
    let table = json!({ "a": 3, "c": 4, "d": 4 });
    assert_eq!(report.subscribers[0].state, table);
    assert_eq!(
        report.subscribers[1].state, table,
        "the compacted log rebuilds the same table"
    );
    assert_eq!(
        report.subscribers[1].processed, 4,
        "it never read the records before #4"
    );
    assert!(report.violations.is_empty());
}

#[test]
fn the_world_records_each_subscribers_lag_curve() {
    let (world, _) = run_with_trace(Rc::new(subscribers_scenario()));
    let report = RunReport::of(&world);
    for (index, sub) in report.subscribers.iter().enumerate() {
        let samples: Vec<(u64, u64)> = world
            .lag_samples(index)
            .unwrap()
            .iter_from(0)
            .copied()
            .collect();
        assert_eq!(samples[0], (0, 0));
        assert!(samples
            .windows(2)
            .all(|w| w[0].0 < w[1].0 && w[0].1 != w[1].1));
        assert_eq!(samples.last().unwrap().1, sub.lag, "{}", sub.name);
        assert!(
            samples.iter().any(|&(_, lag)| lag > 0),
            "{} lagged",
            sub.name
        );
    }
}

/// In `failover-async` r0 acknowledges `*10` alone and later truncates it.
/// A subscriber reading r0 had read it: told of the truncation, it
/// rebuilds from r0's log as it is then, and ends equal to r0.
#[test]
fn a_subscriber_whose_source_truncates_what_it_read_rebuilds() {
    let mut scenario = loglab::scenarios::load("failover-async").unwrap();
    scenario.subscribers = vec![serde_json::from_value(json!({
        "name": "mirror", "kind": "replica", "source": 0, "every_ticks": 1
    }))
    .unwrap()];
    let (world, trace) = run_with_trace(Rc::new(scenario));
    let told: Vec<String> = trace
        .iter()
        .filter_map(|e| match &e.kind {
            TraceKind::SubscriberState { subscriber, what } => Some(format!("{subscriber} {what}")),
            _ => None,
        })
        .collect();
    assert_eq!(told.len(), 1, "{told:?}");
    assert!(
        told[0].starts_with("mirror read record #1 ")
            && told[0].contains("that r0 has since truncated"),
        "{}",
        told[0]
    );
    let report = RunReport::of(&world);
    let r0 = serde_json::to_value(&report.replicas[0].state).unwrap();
    assert_eq!(r0, json!(6), "1 + 5: *10 is lost");
    assert_eq!(report.subscribers[0].state, r0);
}
