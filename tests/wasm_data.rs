//! Browser tests of the data panels: subscribers, consumer groups, the
//! table at an offset, the checkers' "Go to step" and the narrated event
//! feed. Each drives the app like a user and compares the page with a
//! timeline driven directly through the engine.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_data`

#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use loglab::engine::service::State;
use loglab::engine::subscriber::SubscriberKind;
use loglab::engine::table::{diff, table_at};
use loglab::engine::{Input, NodeId, Timeline, World};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Moves a range input (found by id) as a user dragging it would.
async fn slide(root: &Element, id: &str, value: u64) {
    let input: HtmlInputElement = find(root, &format!("#{id}")).unwrap().dyn_into().unwrap();
    input.set_value(&value.to_string());
    assert_eq!(input.value(), value.to_string(), "{id} accepts {value}");
    input.dispatch_event(&bubbling("input")).unwrap();
    yew::scheduler::flush().await;
}

async fn choose(root: &Element, id: &str, value: &str) {
    let select: HtmlSelectElement = find(root, &format!("#{id}")).unwrap().dyn_into().unwrap();
    select.set_value(value);
    assert_eq!(select.value(), value, "{id} offers {value}");
    select.dispatch_event(&bubbling("change")).unwrap();
    yew::scheduler::flush().await;
}

async fn tick_box(root: &Element, id: &str) {
    let input: HtmlInputElement = find(root, &format!("#{id}")).unwrap().dyn_into().unwrap();
    input.click();
    yew::scheduler::flush().await;
}

/// Steps the app to the end of its run; returns the engine at the same place.
async fn step_to_end(root: &Element, name: &str) -> Timeline {
    let mut expected = engine_for(name);
    let mut steps = 0;
    while !button(root, "Step").disabled() {
        click(root, "Step").await;
        assert!(expected.step());
        steps += 1;
        assert!(steps < 2_000, "the run ends");
    }
    expected
}

/// Asserts every subscriber card shows what the engine's world holds.
fn assert_subscribers(root: &Element, world: &World) {
    assert_eq!(
        status(root),
        format!("Tick {} \u{b7} Step {}", world.tick(), world.step_count())
    );
    for (config, sub) in world.subscribers() {
        let name = &config.name;
        let shown = |what: &str| text(root, &format!("[data-testid=sub-{name}-{what}]"));
        let log_end = world.node(config.source).unwrap().log.end();
        assert_eq!(
            shown("position"),
            sub.position.to_string(),
            "{name} position"
        );
        assert_eq!(
            shown("committed"),
            sub.committed_offset.to_string(),
            "{name} committed"
        );
        assert_eq!(shown("lag"), sub.lag(log_end).to_string(), "{name} lag");
        assert_eq!(shown("max-lag"), sub.max_lag.to_string(), "{name} max lag");
        let health = match (sub.up, sub.paused) {
            (false, _) => "crashed",
            (true, true) => "paused",
            (true, false) => "up",
        };
        assert_eq!(shown("health"), health, "{name} health");
        let rows = texts(
            root,
            &format!("[data-testid=sub-{name}-state] tbody tr:not(.empty) th"),
        );
        match config.kind {
            SubscriberKind::Cache => {
                let State::Table(table) = &sub.view.table else {
                    panic!("key-value scenario");
                };
                let keys: Vec<String> = table.keys().map(|k| k.to_string()).collect();
                assert_eq!(rows, keys, "{name} cache keys");
                let values = texts(
                    root,
                    &format!("[data-testid=sub-{name}-state] tbody tr:not(.empty) td"),
                );
                let expected: Vec<String> = table.values().map(|v| v.to_string()).collect();
                assert_eq!(values, expected, "{name} cache values");
            }
            SubscriberKind::SearchIndex => {
                let values: Vec<String> = sub.view.index.keys().map(|v| v.to_string()).collect();
                assert_eq!(rows, values, "{name} index values");
            }
            SubscriberKind::CountPerKey => {
                let keys: Vec<String> = sub.view.counts.keys().cloned().collect();
                assert_eq!(rows, keys, "{name} counted keys");
            }
            SubscriberKind::Replica => {
                let State::Table(table) = &sub.view.table else {
                    panic!("key-value scenario");
                };
                let keys: Vec<String> = table.keys().map(|k| k.to_string()).collect();
                assert_eq!(rows, keys, "{name} replica keys");
            }
            SubscriberKind::Warehouse => {
                assert_eq!(
                    shown("loaded"),
                    sub.loaded.len().to_string(),
                    "{name} loaded"
                );
                assert_eq!(
                    shown("staged"),
                    sub.view.staged.len().to_string(),
                    "{name} staged"
                );
            }
            SubscriberKind::RunningSum => {
                assert!(shown("state").contains(&sub.view.sum.to_string()));
            }
        }
        // The tape marks the position (the slot it reads next).
        let next = root
            .query_selector(&format!("[data-testid=tape-{name}] .mcell.next"))
            .unwrap()
            .expect("the position is on the tape");
        assert_eq!(
            next.get_attribute("data-offset").unwrap(),
            sub.position.to_string()
        );
    }
}

#[wasm_bindgen_test]
async fn each_subscriber_card_shows_the_engines_numbers_and_state() {
    let root = mount_at("#scenario=subscribers").await;
    let mut expected = engine_for("subscribers");
    assert_subscribers(&root, expected.world());
    for _ in 0..4 {
        step_both(&root, &mut expected, 12).await;
        assert_subscribers(&root, expected.world());
    }
    // A lag chart per subscriber, ending at the current step.
    let charts = root
        .query_selector_all("[data-testid^=lag-chart-]")
        .unwrap()
        .length();
    assert_eq!(charts as usize, expected.world().subscribers().count());
    assert!(text(&root, "[data-testid=lag-chart-warehouse]").contains("step 48"));
}

#[wasm_bindgen_test]
async fn crash_restart_pause_and_resume_are_the_engines_inputs() {
    let root = mount_at("#scenario=subscribers").await;
    let mut expected = engine_for("subscribers");
    step_both(&root, &mut expected, 10).await;
    let name = |s: &str| s.to_owned();
    let actions: [(&str, Input); 5] = [
        (
            "Crash cache",
            Input::CrashSubscriber {
                name: name("cache"),
            },
        ),
        (
            "Pause search",
            Input::PauseSubscriber {
                name: name("search"),
            },
        ),
        (
            "Restart cache",
            Input::RestartSubscriber {
                name: name("cache"),
            },
        ),
        (
            "Resume search",
            Input::ResumeSubscriber {
                name: name("search"),
            },
        ),
        (
            "Crash replica",
            Input::CrashSubscriber {
                name: name("replica"),
            },
        ),
    ];
    for (label, input) in actions {
        click(&root, label).await;
        expected.input(input);
        assert_subscribers(&root, expected.world());
        step_both(&root, &mut expected, 6).await;
        assert_subscribers(&root, expected.world());
    }
    assert!(has_button(&root, "Restart replica"));
    assert!(!has_button(&root, "Crash replica"));
    // To the end of the run: the restarted cache has caught up with the log.
    while !button(&root, "Step").disabled() {
        step_both(&root, &mut expected, 1).await;
    }
    assert_subscribers(&root, expected.world());
    assert_eq!(text(&root, "[data-testid=sub-cache-lag]"), "0");
}

/// The table rows shown, as `key=value`.
fn table_rows(root: &Element) -> Vec<String> {
    let keys = texts(root, "[data-testid=table-rows] tbody tr:not(.empty) th");
    let values = texts(
        root,
        "[data-testid=table-rows] tbody tr:not(.empty) td.value",
    );
    keys.iter()
        .zip(&values)
        .map(|(k, v)| format!("{k}={v}"))
        .collect()
}

fn cells(state: &State) -> Vec<String> {
    match state {
        State::Number(n) => vec![format!("value={n}")],
        State::Table(table) => table.iter().map(|(k, v)| format!("{k}={v}")).collect(),
    }
}

#[wasm_bindgen_test]
async fn the_table_view_travels_in_log_time_and_diffs_two_offsets() {
    let root = mount_at("#scenario=subscribers").await;
    let expected = step_to_end(&root, "subscribers").await;
    let world = expected.world();
    let scenario = world.scenario();
    // By default the first node that runs the service: r1 here.
    let node = world.node(NodeId(1)).unwrap();
    let at = |offset| table_at(&node.log, offset, scenario.service, scenario.seed, node.id);
    let end = node.log.end();
    assert_eq!(text(&root, "[data-testid=table-at-value]"), end.to_string());
    assert_eq!(table_rows(&root), cells(&at(end)));
    for k in [0, 1, 3, 5, end] {
        slide(&root, "table-at", k).await;
        assert_eq!(text(&root, "[data-testid=table-at-value]"), k.to_string());
        assert_eq!(table_rows(&root), cells(&at(k)), "table at offset {k}");
    }

    // Between offsets 2 and 5: apples 3→4 (incr), pears deleted, plums added.
    slide(&root, "table-at", 5).await;
    slide(&root, "table-since", 2).await;
    let changes = diff(&at(2), &at(5));
    let shown = texts(&root, "[data-testid=table-diff] li");
    assert_eq!(shown.len(), changes.len());
    assert_eq!(
        shown,
        [
            "~ changed apples: 3 \u{2192} 4",
            "\u{2212} removed pears (was 5)",
            "+ added plums = 4",
        ]
    );
    let classes: Vec<String> = {
        let items = root
            .query_selector_all("[data-testid=table-diff] li")
            .unwrap();
        (0..items.length())
            .map(|i| {
                items
                    .item(i)
                    .unwrap()
                    .dyn_into::<Element>()
                    .unwrap()
                    .class_name()
            })
            .collect()
    };
    assert_eq!(classes, ["changed", "removed", "added"]);

    // The compacted log folds to the same table as the full one.
    tick_box(&root, "table-compacted").await;
    assert!(
        text(&root, "[data-testid=fold-note]").starts_with("\u{2713} Both fold to the same table")
    );
    let full = root
        .query_selector_all("[data-testid=full-log] li")
        .unwrap()
        .length();
    let compacted = root
        .query_selector_all("[data-testid=compacted-log] li")
        .unwrap()
        .length();
    assert_eq!(full, 5);
    assert!(compacted < full, "{compacted} < {full}");

    // Another node's log.
    choose(&root, "table-node", "r0").await;
    let r0 = world.node(NodeId(0)).unwrap();
    let r0_table = table_at(
        &r0.log,
        r0.log.end(),
        scenario.service,
        scenario.seed,
        r0.id,
    );
    assert_eq!(table_rows(&root), cells(&r0_table));
}

#[wasm_bindgen_test]
async fn go_to_step_moves_the_run_to_where_a_violation_began() {
    for (scenario, invariant) in [
        ("read-your-writes-stale", "read-your-writes"),
        ("consumer-group-round-robin", "group-output-matches-source"),
    ] {
        let root = mount_at(&format!("#scenario={scenario}")).await;
        let expected = step_to_end(&root, scenario).await;
        let violation = expected.world().violations()[0].clone();
        assert_eq!(violation.invariant, invariant);
        let state = |root: &Element| {
            root.query_selector(&format!("[data-invariant={invariant}] .state"))
                .unwrap()
                .unwrap()
                .text_content()
                .unwrap()
        };
        assert_eq!(state(&root), "broken");
        click(&root, &format!("Go to step {}", violation.step)).await;
        let mut there = engine_for(scenario);
        for _ in 0..violation.step {
            there.step();
        }
        assert_eq!(
            status(&root),
            format!("Tick {} \u{b7} Step {}", violation.tick, violation.step),
            "{scenario}"
        );
        assert_eq!(there.world().tick(), violation.tick);
        // Right after the step where it began: broken, and listed once.
        assert_eq!(state(&root), "broken");
        click(&root, "Back").await;
        assert_eq!(
            state(&root),
            "holds",
            "{scenario}: it holds the step before"
        );
    }
}

#[wasm_bindgen_test]
async fn the_event_feed_narrates_the_last_steps_newest_first() {
    let root = mount().await;
    assert!(find(&root, "[data-testid=last-events]").is_none());
    let mut expected = engine();
    step_both(&root, &mut expected, 1).await;
    let titles = texts(&root, "[data-testid=last-events] .step-title");
    assert_eq!(titles, ["Step 1 \u{b7} tick 1"]);
    let first = texts(
        &root,
        "[data-testid=last-events] > li:first-child .events li",
    );
    assert_eq!(first.len(), expected.world().last_events().len());
    // Literal: the client's first write reaches the sequencer, which logs it.
    assert_eq!(first[0], "c0 sends the command +1 to r0.");
    assert_eq!(first[1], "r0 appends +1 at offset 0, epoch 1.");
    step_both(&root, &mut expected, 8).await;
    let titles = texts(&root, "[data-testid=last-events] .step-title");
    assert_eq!(titles.len(), 6, "the last six steps");
    let world = expected.world();
    assert_eq!(
        titles[0],
        format!("Step {} \u{b7} tick {}", world.step_count(), world.tick()),
        "newest first"
    );
    let newest = texts(
        &root,
        "[data-testid=last-events] > li:first-child .events li",
    );
    assert_eq!(newest.len(), world.last_events().len().min(10));
    // Literal: step 4 delivered +1 to r3, which applied it.
    let all = texts(&root, "[data-testid=last-events] .events li");
    assert!(
        all.iter()
            .any(|s| s == "r3 applies record #0; its value is now 1."),
        "{all:?}"
    );
}

fn engine() -> Timeline {
    engine_for("arithmetic")
}

/// Asserts the group card shows the engine's group.
fn assert_group(root: &Element, world: &World) {
    for (config, group) in world.consumer_groups() {
        let name = &config.name;
        assert_eq!(
            text(root, &format!("[data-testid=group-{name}-generation]")),
            group.generation.to_string()
        );
        assert_eq!(
            text(root, &format!("[data-testid=group-{name}-redelivered]")),
            group.redelivered.to_string()
        );
        for (p, owner) in group.owner.iter().enumerate() {
            let shown = text(root, &format!("[data-testid=owner-{name}-p{p}]"));
            let expected = match owner {
                Some(m) if !group.members[*m as usize].up => format!("m{m} (down)"),
                Some(m) => format!("m{m}"),
                None => "nobody".to_owned(),
            };
            assert_eq!(shown, expected, "owner of p{p}");
        }
        for (m, member) in group.members.iter().enumerate() {
            let health = text(root, &format!("[data-testid=member-{name}-m{m}] .health"));
            assert_eq!(health, if member.up { "up" } else { "down" }, "m{m}");
            let parts: Vec<String> = group
                .partitions_of(m as u8)
                .iter()
                .map(|p| format!("p{p}"))
                .collect();
            let owns = if parts.is_empty() {
                "no partitions".to_owned()
            } else {
                parts.join(", ")
            };
            assert_eq!(
                text(
                    root,
                    &format!("[data-testid=member-{name}-m{m}-partitions]")
                ),
                owns
            );
        }
    }
}

#[wasm_bindgen_test]
async fn the_group_view_shows_the_rebalance_after_a_member_crashes() {
    let root = mount_at("#scenario=data-integration").await;
    let mut expected = engine_for("data-integration");
    assert_group(&root, expected.world());
    let generation = |t: &Timeline| t.world().consumer_groups().next().unwrap().1.generation;
    // Until m1 has crashed: its partitions are unread, still its own.
    while expected.world().consumer_groups().next().unwrap().1.members[1].up {
        step_both(&root, &mut expected, 1).await;
    }
    assert_group(&root, expected.world());
    assert_eq!(
        text(&root, "[data-testid=owner-dashboards-p1]"),
        "m1 (down)"
    );
    assert!(has_button(&root, "Restart member m1 of dashboards"));
    // Then the session timeout runs out and the coordinator rebalances.
    while generation(&expected) < 2 {
        step_both(&root, &mut expected, 1).await;
    }
    assert_group(&root, expected.world());
    assert_eq!(
        text(&root, "[data-testid=member-dashboards-m1-partitions]"),
        "no partitions"
    );
    // A user's crash of another member is the engine's input.
    click(&root, "Crash member m0 of dashboards").await;
    expected.input(Input::CrashMember {
        group: "dashboards".into(),
        member: 0,
    });
    assert_group(&root, expected.world());
    step_both(&root, &mut expected, 40).await;
    assert_group(&root, expected.world());
    click(&root, "Restart member m0 of dashboards").await;
    expected.input(Input::RestartMember {
        group: "dashboards".into(),
        member: 0,
    });
    assert_group(&root, expected.world());
}

#[wasm_bindgen_test]
async fn a_read_from_a_subscriber_is_stale_unless_it_waits_for_the_offset() {
    let root = mount_at("#scenario=read-your-writes-stale").await;
    let mut expected = engine_for("read-your-writes-stale");
    // Past c1's acknowledged write of cart = 3, before the cache reads it.
    while expected.world().client_acks().len() < 2 {
        step_both(&root, &mut expected, 1).await;
    }
    let cache_position = expected.world().subscribers().next().unwrap().1.position;
    assert!(cache_position < 2, "the cache has not read #1 yet");
    choose(&root, "ryw-client", "c1").await;
    choose(&root, "ryw-subscriber", "cache").await;
    choose(&root, "ryw-key", "cart").await;
    click(&root, "Read").await;
    expected.input(Input::QuerySubscriber {
        client: loglab::engine::ClientId(1),
        name: "cache".into(),
        key: "cart".into(),
        wait: false,
    });
    assert_eq!(
        status(&root),
        format!(
            "Tick {} \u{b7} Step {}",
            expected.world().tick(),
            expected.world().step_count()
        )
    );
    let answer = find(&root, "[data-testid=ryw-answers] li").expect("an answer");
    assert_eq!(answer.class_name(), "answer stale");
    assert!(answer.text_content().unwrap().contains("STALE"));

    // The same read, waiting for the offset: it waits, then answers fresh.
    tick_box(&root, "ryw-wait").await;
    click(&root, "Read").await;
    expected.input(Input::QuerySubscriber {
        client: loglab::engine::ClientId(1),
        name: "cache".into(),
        key: "cart".into(),
        wait: true,
    });
    assert!(text(&root, "[data-testid=ryw-waiting]").contains("c1's read of cart from cache"));
    while expected.world().waiting_reads().count() > 0 {
        step_both(&root, &mut expected, 1).await;
    }
    assert!(find(&root, "[data-testid=ryw-waiting]").is_none());
    let newest = find(&root, "[data-testid=ryw-answers] li").unwrap();
    assert_eq!(newest.class_name(), "answer fresh");
    assert!(newest.text_content().unwrap().contains("cart = 3"));
}
