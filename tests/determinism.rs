//! Same inputs, same trace; different seed, different trace; keyframed
//! seeking lands on exactly the world a straight replay reaches.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_with_trace, scenario, writes};
use loglab::engine::report::hash_hex;
use loglab::engine::{Input, NodeId, Timeline, TraceEvent, World};
use proptest::prelude::*;
use serde_json::json;
use std::rc::Rc;

fn lossy(seed: u64) -> Rc<loglab::engine::Scenario> {
    scenario(json!({
        "seed": seed, "replicas": 3,
        "network": { "latency_ticks": { "min": 1, "max": 8 }, "drop": "1/6", "duplicate": "1/8" },
        "inputs": writes(&["+1", "*2", "+3", "*5", "-4", "set 10", "*3", "+7"]),
        "run_ticks": 300
    }))
}

#[test]
fn same_seed_same_trace_hash() {
    for seed in [0, 1, 42, u64::MAX] {
        let (a, trace_a) = run_with_trace(lossy(seed));
        let (b, trace_b) = run_with_trace(lossy(seed));
        assert_eq!(a.trace_hash(), b.trace_hash());
        assert_eq!(trace_a, trace_b);
    }
}

#[test]
fn different_seeds_give_different_hashes() {
    let hashes: std::collections::BTreeSet<String> = (0..200)
        .map(|seed| hash_hex(run_with_trace(lossy(seed)).0.trace_hash()))
        .collect();
    assert_eq!(hashes.len(), 200);
}

/// A comparable fingerprint of everything a world shows.
fn fingerprint(world: &World) -> String {
    let nodes: Vec<String> = world
        .nodes()
        .iter()
        .map(|n| {
            let log: Vec<String> = n
                .log
                .read_from(0)
                .map(|r| format!("{}:{}", r.offset, r.payload))
                .collect();
            format!(
                "{} up={} v={} a={} c={} [{}]",
                n.id,
                n.up,
                n.machine.state,
                n.machine.applied_offset,
                n.log.commit_offset(),
                log.join(",")
            )
        })
        .collect();
    let flight: Vec<String> = world
        .network()
        .in_flight()
        .map(|m| format!("{}>{}@{}", m.id, m.to, m.deliver_tick))
        .collect();
    format!(
        "t={} s={} h={:x} q={} {} | {}",
        world.tick(),
        world.step_count(),
        world.trace_hash(),
        world.queue().len(),
        nodes.join(" / "),
        flight.join(",")
    )
}

#[derive(Clone, Debug)]
enum Op {
    Step(u8),
    Back(u8),
    Seek(u16),
    Crash(u8),
    Restart(u8),
    Write(i8),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (1u8..20).prop_map(Op::Step),
        2 => (1u8..10).prop_map(Op::Back),
        1 => (0u16..400).prop_map(Op::Seek),
        1 => (0u8..4).prop_map(Op::Crash),
        1 => (0u8..4).prop_map(Op::Restart),
        2 => any::<i8>().prop_map(Op::Write),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// Whatever the user does (steps, goes back, seeks, forks with inputs),
    /// the timeline's world equals a fresh world that replays the recorded
    /// actions straight through.
    #[test]
    fn keyframe_seek_equals_straight_replay(seed in 0u64..1000, every in 1usize..40, ops in prop::collection::vec(op(), 1..40)) {
        let sc = lossy(seed);
        let mut timeline = Timeline::with_keyframe_every(sc.clone(), every);
        for op in ops {
            match op {
                Op::Step(n) => for _ in 0..n { timeline.step(); },
                Op::Back(n) => for _ in 0..n { timeline.back(); },
                Op::Seek(p) => timeline.seek(p as usize),
                Op::Crash(n) => timeline.input(Input::Crash { node: NodeId(n) }),
                Op::Restart(n) => timeline.input(Input::Restart { node: NodeId(n) }),
                Op::Write(n) => timeline.input(Input::write(format!("+{}", n.unsigned_abs()).parse().unwrap())),
            }
            let mut straight = World::new(sc.clone());
            for action in timeline.past_actions() {
                match action {
                    loglab::engine::Action::Step => { straight.step(); }
                    loglab::engine::Action::Input(timed) => straight.apply_input(&timed.input),
                }
            }
            prop_assert_eq!(fingerprint(timeline.world()), fingerprint(&straight));
        }
    }
}

#[test]
fn back_then_step_redoes_and_input_forks() {
    let mut timeline = Timeline::with_keyframe_every(lossy(3), 4);
    for _ in 0..30 {
        assert!(timeline.step());
    }
    let at_30 = fingerprint(timeline.world());
    for _ in 0..10 {
        timeline.back();
    }
    assert_eq!(timeline.position(), 20);
    assert_eq!(timeline.len(), 30, "going back keeps the recorded future");
    for _ in 0..10 {
        timeline.step();
    }
    assert_eq!(
        fingerprint(timeline.world()),
        at_30,
        "redo differs from the original"
    );

    timeline.seek(12);
    timeline.input(Input::Crash { node: NodeId(1) });
    assert_eq!(
        (timeline.position(), timeline.len()),
        (13, 13),
        "an input must fork"
    );
    timeline.seek(0);
    assert_eq!(timeline.world().step_count(), 0);
    assert!(!timeline.back());
}

#[test]
fn events_between_two_positions_are_the_trace_of_those_steps() {
    let mut timeline = Timeline::with_keyframe_every(lossy(7), 16);
    let mut trace: Vec<Vec<TraceEvent>> = Vec::new();
    while timeline.position() < 200 && timeline.step() {
        trace.push(timeline.world().last_events().to_vec());
    }
    timeline.input(Input::Heal);
    trace.push(timeline.world().last_events().to_vec());
    let end = timeline.position();
    timeline.seek(40);
    assert!(end > 50, "the run is long enough");
    for (from, to) in [(0, 10), (17, 45), (32, 32), (50, end), (0, end)] {
        let expected: Vec<TraceEvent> = trace[from..to].concat();
        assert_eq!(timeline.events_between(from, to), expected, "{from}..{to}");
    }
    assert_eq!(timeline.position(), 40, "the current world is not touched");
    let positions: Vec<usize> = timeline.keyframes().map(|(p, _)| p).collect();
    assert_eq!(positions[..3], [0, 16, 32]);
    assert!(timeline
        .keyframes()
        .all(|(p, world)| world.step_count() as usize == p));
}
