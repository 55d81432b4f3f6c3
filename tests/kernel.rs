//! The simulation kernel: event order, network faults, crashes, replication.
#![cfg(not(target_arch = "wasm32"))]

mod common;

use common::{run_with_trace, scenario, writes};
use loglab::engine::trace::DropReason;
use loglab::engine::{Input, NodeId, TraceKind, World};
use serde_json::json;

fn base(inputs: Vec<serde_json::Value>, run_ticks: u64) -> serde_json::Value {
    json!({ "seed": 1, "replicas": 3, "inputs": inputs, "run_ticks": run_ticks })
}

#[test]
fn events_run_in_tick_order_and_steps_count_up() {
    let (_, trace) = run_with_trace(common::scenario(json!({
        "seed": 9, "replicas": 3,
        "network": { "latency_ticks": { "min": 1, "max": 9 } },
        "inputs": writes(&["+1", "*2", "+3", "-1", "*7"]),
        "run_ticks": 200
    })));
    assert!(trace.len() > 20);
    for pair in trace.windows(2) {
        assert!(
            pair[0].tick <= pair[1].tick,
            "time went backwards: {pair:?}"
        );
        assert!(pair[0].step <= pair[1].step);
    }
}

#[test]
fn same_log_same_order_same_state() {
    let (world, _) = run_with_trace(scenario(base(writes(&["+1", "+2", "+3"]), 50)));
    let replicas: Vec<_> = world.nodes().iter().filter(|n| n.runs_service()).collect();
    assert_eq!(replicas.len(), 3);
    for node in replicas {
        assert_eq!(
            (
                node.machine.state.number().unwrap(),
                node.machine.applied_offset
            ),
            (6, 3),
            "{}",
            node.id
        );
        let commands: Vec<String> = node
            .log
            .read_from(0)
            .map(|r| r.payload.to_string())
            .collect();
        assert_eq!(commands, ["+1", "+2", "+3"]);
    }
    assert_eq!(world.client_acks().len(), 3);
}

#[test]
fn each_replica_passes_through_the_essays_values() {
    let (_, trace) = run_with_trace(scenario(base(writes(&["+1", "+2", "+3"]), 50)));
    for replica in 1..=3 {
        let values: Vec<String> = trace
            .iter()
            .filter_map(|e| match e.kind {
                TraceKind::Apply {
                    node, ref change, ..
                } if node == NodeId(replica) => Some(change.to_string()),
                _ => None,
            })
            .collect();
        assert_eq!(values, ["1", "3", "6"], "replica n{replica}");
    }
}

#[test]
fn a_partition_blocks_and_a_heal_restores() {
    let inputs = vec![
        json!({ "tick": 1, "type": "isolate", "node": 3 }),
        json!({ "tick": 2, "type": "write", "command": "+4" }),
        json!({ "tick": 30, "type": "heal" }),
    ];
    let mut world = World::new(scenario(base(inputs, 120)));
    let mut trace = Vec::new();
    while world.next_tick().is_some_and(|t| t < 30) {
        world.step();
        trace.extend(world.last_events().iter().cloned());
    }
    assert_eq!(
        world.node(NodeId(3)).unwrap().log.end(),
        0,
        "isolated node got records"
    );
    assert_eq!(
        world
            .node(NodeId(1))
            .unwrap()
            .machine
            .state
            .number()
            .unwrap(),
        4
    );
    assert!(trace.iter().any(|e| matches!(
        e.kind,
        TraceKind::Drop {
            to: NodeId(3),
            reason: DropReason::Partitioned,
            ..
        }
    )));
    assert!(trace
        .iter()
        .all(|e| !matches!(e.kind, TraceKind::Deliver { to: NodeId(3), .. })));

    world.run_until(120);
    let n3 = world.node(NodeId(3)).unwrap();
    assert_eq!(
        (n3.machine.state.number().unwrap(), n3.log.end()),
        (4, 1),
        "healed node did not catch up"
    );
}

#[test]
fn a_one_way_cut_blocks_only_one_direction() {
    let inputs = vec![
        json!({ "tick": 1, "type": "partition", "from": [0], "to": [2], "one_way": true }),
        json!({ "tick": 2, "type": "write", "command": "+1" }),
    ];
    let mut world = World::new(scenario(base(inputs, 40)));
    world.run_until(40);
    assert!(world.network().is_cut(NodeId(0), NodeId(2)));
    assert!(!world.network().is_cut(NodeId(2), NodeId(0)));
    assert_eq!(world.node(NodeId(2)).unwrap().log.end(), 0);
    assert_eq!(world.node(NodeId(1)).unwrap().log.end(), 1);
}

#[test]
fn messages_in_flight_are_visible_state() {
    let mut world = World::new(scenario(base(writes(&["+1"]), 20)));
    world.step();
    let in_flight: Vec<_> = world.network().in_flight().collect();
    assert_eq!(in_flight.len(), 3, "one replicate per replica");
    assert!(in_flight
        .iter()
        .all(|m| m.from == NodeId(0) && m.deliver_tick > m.sent_tick));
    world.run_until(20);
    assert_eq!(world.network().in_flight().count(), 0);
}

#[test]
fn drop_and_duplicate_ratios_hold_over_many_seeds() {
    let (mut sends, mut lost, mut duplicated) = (0u64, 0u64, 0u64);
    for seed in 0..300 {
        let (_, trace) = run_with_trace(scenario(json!({
            "seed": seed, "replicas": 3,
            "network": { "latency_ticks": { "min": 1, "max": 4 }, "drop": "1/5", "duplicate": "1/10" },
            "inputs": writes(&["+1", "+2", "+3", "+4", "+5", "+6"]),
            "run_ticks": 200
        })));
        for event in &trace {
            match event.kind {
                TraceKind::Send { .. } => sends += 1,
                TraceKind::Drop {
                    reason: DropReason::Lost,
                    ..
                } => lost += 1,
                TraceKind::Duplicate { .. } => duplicated += 1,
                _ => {}
            }
        }
    }
    let lost_share = lost as f64 / sends as f64;
    let dup_share = duplicated as f64 / (sends - lost) as f64;
    assert!(sends > 10_000, "too few sends to judge: {sends}");
    assert!(
        (0.18..0.22).contains(&lost_share),
        "lost {lost_share:.3} of sends, expected 0.20"
    );
    assert!(
        (0.085..0.115).contains(&dup_share),
        "duplicated {dup_share:.3}, expected 0.10"
    );
}

#[test]
fn replicas_converge_despite_loss_duplication_and_reordering() {
    for seed in 0..200 {
        let (world, _) = run_with_trace(scenario(json!({
            "seed": seed, "replicas": 4,
            "network": { "latency_ticks": { "min": 1, "max": 10 }, "drop": "1/4", "duplicate": "1/4" },
            "inputs": writes(&["+1", "*2", "+3", "*5", "-4", "set 10", "*3", "+7"]),
            "run_ticks": 600
        })));
        assert!(
            world.violations().is_empty(),
            "seed {seed}: {:?}",
            world.violations()
        );
        for node in world.nodes().iter().filter(|n| n.runs_service()) {
            assert_eq!(
                (
                    node.machine.state.number().unwrap(),
                    node.machine.applied_offset
                ),
                (37, 8),
                "seed {seed}: {} did not converge",
                node.id
            );
        }
    }
}

#[test]
fn a_crash_loses_volatile_state_and_a_restart_replays_the_log() {
    let mut world = World::new(scenario(base(writes(&["+1", "+2"]), 100)));
    world.run_until(20);
    let before = world.node(NodeId(2)).unwrap().clone();
    assert_eq!(
        (before.machine.state.number().unwrap(), before.log.end()),
        (3, 2)
    );

    world.apply_input(&Input::Crash { node: NodeId(2) });
    let crashed = world.node(NodeId(2)).unwrap();
    assert!(!crashed.up);
    assert_eq!(
        crashed.machine.state.number().unwrap(),
        0,
        "volatile state survived a crash"
    );
    assert_eq!(crashed.log.end(), 2, "the durable log was lost");

    // Messages to a crashed node are dropped on arrival.
    world.apply_input(&Input::write("*5".parse().unwrap()));
    world.run_until(40);
    assert!(world.last_events().iter().all(|e| !matches!(
        e.kind,
        TraceKind::Apply {
            node: NodeId(2),
            ..
        }
    )));
    assert_eq!(world.node(NodeId(2)).unwrap().log.end(), 2);

    world.apply_input(&Input::Restart { node: NodeId(2) });
    let applied: Vec<String> = world
        .last_events()
        .iter()
        .filter_map(|e| match e.kind {
            TraceKind::Apply { ref change, .. } => Some(change.to_string()),
            _ => None,
        })
        .collect();
    assert_eq!(
        applied,
        ["1", "3"],
        "restart must replay the durable log first"
    );
    world.run_until(100);
    let n2 = world.node(NodeId(2)).unwrap();
    assert_eq!(
        (n2.up, n2.machine.state.number().unwrap(), n2.log.end()),
        (true, 15, 3)
    );
}

#[test]
fn writes_to_a_crashed_sequencer_are_lost_and_unacknowledged() {
    let mut world = World::new(scenario(base(vec![], 100)));
    world.apply_input(&Input::Crash { node: NodeId(0) });
    world.apply_input(&Input::write("+1".parse().unwrap()));
    assert!(matches!(
        world.last_events()[0].kind,
        TraceKind::RequestLost { .. }
    ));
    assert!(world.client_acks().is_empty());
    world.apply_input(&Input::Restart { node: NodeId(0) });
    world.apply_input(&Input::write("+2".parse().unwrap()));
    world.run_until(100);
    assert_eq!(world.client_acks().len(), 1);
    assert!(world.nodes()[1..]
        .iter()
        .all(|n| n.machine.state.number().unwrap() == 2));
}

#[test]
fn inputs_run_in_tick_order_whatever_order_the_file_lists_them() {
    let write =
        |tick: u64, command: &str| json!({ "tick": tick, "type": "write", "command": command });
    let sorted = vec![
        write(1, "+1"),
        write(3, "*2"),
        write(3, "+5"),
        write(6, "-1"),
    ];
    let shuffled = vec![
        write(6, "-1"),
        write(3, "*2"),
        write(1, "+1"),
        write(3, "+5"),
    ];
    let (a, _) = run_with_trace(scenario(base(sorted, 60)));
    let (b, _) = run_with_trace(scenario(base(shuffled, 60)));
    assert_eq!(a.trace_hash(), b.trace_hash());
    assert_eq!(
        b.node(NodeId(1)).unwrap().machine.state.number().unwrap(),
        6,
        "(0+1)*2+5-1: same-tick inputs keep file order"
    );
}

#[test]
fn a_read_sees_the_chosen_replica_as_it_is_now() {
    let read = Input::Read {
        client: Default::default(),
        from: NodeId(1),
        key: None,
    };
    let mut world = World::new(scenario(base(vec![], 50)));
    world.apply_input(&Input::write("+5".parse().unwrap()));
    world.apply_input(&read);
    let seen = |world: &World| match &world.last_events()[0].kind {
        TraceKind::Read {
            value,
            applied_offset,
            ..
        } => (*value, *applied_offset),
        other => panic!("not a read: {other:?}"),
    };
    assert_eq!(
        seen(&world),
        (Some(0), 0),
        "before replication the replica is stale"
    );
    world.run_until(50);
    world.apply_input(&read);
    assert_eq!(seen(&world), (Some(5), 1));
}
