//! Browser tests of the cluster view and the log tapes: mount the app,
//! act on the drawing as a user would (click or key on a node or a link),
//! and compare what is drawn with a timeline driven through the engine.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_cluster`

#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use loglab::engine::protocol::ProtocolKind;
use loglab::engine::{ClientId, Input, NodeId, TraceKind, World};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Runs `body` with `el` bound, as the page would.
fn run_js(el: &Element, body: &str) {
    let function = js_sys::Function::new_with_args("el", body);
    function.call1(&JsValue::NULL, el).unwrap();
}

fn el(root: &Element, selector: &str) -> Element {
    find(root, selector).unwrap_or_else(|| panic!("no element matches {selector}"))
}

/// A real mouse click (SVG elements have no `click()`).
async fn mouse_click(root: &Element, selector: &str) {
    run_js(
        &el(root, selector),
        "el.dispatchEvent(new MouseEvent('click', {bubbles: true, cancelable: true}))",
    );
    yew::scheduler::flush().await;
}

async fn key(target: &Element, key: &str) {
    run_js(
        target,
        &format!(
            "el.dispatchEvent(new KeyboardEvent('keydown', \
             {{key: {key:?}, bubbles: true, cancelable: true}}))"
        ),
    );
    yew::scheduler::flush().await;
}

fn focus(target: &Element) {
    run_js(target, "el.focus()");
}

fn active(root: &Element) -> Option<Element> {
    root.owner_document().unwrap().active_element()
}

fn attr(root: &Element, selector: &str, name: &str) -> Option<String> {
    el(root, selector).get_attribute(name)
}

fn has_class(root: &Element, selector: &str, class: &str) -> bool {
    classed(&el(root, selector), class)
}

fn classed(element: &Element, class: &str) -> bool {
    element
        .get_attribute("class")
        .unwrap_or_default()
        .split_whitespace()
        .any(|c| c == class)
}

fn count(root: &Element, selector: &str) -> u32 {
    root.query_selector_all(selector).unwrap().length()
}

fn all(root: &Element, selector: &str) -> Vec<Element> {
    let list = root.query_selector_all(selector).unwrap();
    (0..list.length())
        .map(|i| list.item(i).unwrap().dyn_into().unwrap())
        .collect()
}

/// Whether a button with this visible text or accessible name is shown.
fn shows_button(root: &Element, name: &str) -> bool {
    all(root, "button").iter().any(|b| {
        b.get_attribute("aria-label")
            .unwrap_or_else(|| b.text_content().unwrap_or_default())
            .trim()
            == name
    })
}

fn role_text(world: &World, id: NodeId) -> String {
    let node = world.node(id).unwrap();
    if world.scenario().protocol == ProtocolKind::PrimaryBackup {
        format!("{} \u{b7} epoch {}", node.role(), node.epoch())
    } else {
        node.role().to_string()
    }
}

/// Asserts the drawing and the tapes show exactly what the world holds.
fn assert_draws(root: &Element, world: &World) {
    assert_eq!(
        status(root),
        format!("Tick {} \u{b7} Step {}", world.tick(), world.step_count())
    );
    for node in world.nodes() {
        let id = node.id.to_string();
        let card = format!("[data-testid=node-{id}]");
        let health = if node.up { "up" } else { "down" };
        assert_eq!(attr(root, &card, "data-health").unwrap(), health, "{id}");
        assert_eq!(text(root, &format!("[data-testid=health-{id}]")), health);
        assert_eq!(has_class(root, &card, "down"), !node.up, "{id} greyed");
        let role = if node.up {
            role_text(world, node.id)
        } else {
            "crashed: state lost".to_owned()
        };
        assert_eq!(text(root, &format!("[data-testid=role-{id}]")), role);
        assert_eq!(
            text(root, &format!("[data-testid=end-{id}]")),
            node.log.end().to_string(),
            "log end of {id}"
        );
        if node.up && node.runs_service() {
            assert_eq!(
                text(root, &format!("[data-testid=value-{id}]")),
                node.machine.state.to_string(),
                "value of {id}"
            );
            assert_eq!(
                text(root, &format!("[data-testid=applied-{id}]")),
                node.machine.applied_offset.to_string(),
                "applied offset of {id}"
            );
        }
        // The tape: every record in the window, and the two marks.
        let tape = format!("[data-testid=tape-{id}]");
        let records: Vec<String> = node.log.read_from(0).map(|r| short(&r.payload)).collect();
        assert_eq!(tape_payloads(root, &id), records, "tape of {id}");
        let commit = node.log.commit_offset();
        assert_eq!(
            attr(root, &tape, "data-commit").unwrap(),
            commit.to_string()
        );
        assert_eq!(
            el(root, &format!("{tape} .mark.commit"))
                .closest("td")
                .unwrap()
                .unwrap()
                .get_attribute("data-offset")
                .unwrap(),
            commit.to_string(),
            "commit mark of {id}"
        );
        for cell in all(root, &format!("{tape} td.record")) {
            let offset: u64 = cell.get_attribute("data-offset").unwrap().parse().unwrap();
            assert_eq!(
                classed(&cell, "committed"),
                offset < commit,
                "{id} #{offset} committed"
            );
        }
        if node.runs_service() {
            let applied = node.machine.applied_offset;
            assert_eq!(
                attr(root, &tape, "data-applied").unwrap(),
                applied.to_string()
            );
            assert_eq!(
                el(root, &format!("{tape} .mark.applied"))
                    .closest("td")
                    .unwrap()
                    .unwrap()
                    .get_attribute("data-offset")
                    .unwrap(),
                applied.to_string(),
                "applied mark of {id}"
            );
        } else {
            assert_eq!(count(root, &format!("{tape} .mark.applied")), 0);
        }
    }
    assert_eq!(
        count(root, "[data-testid=cluster-svg] g.msg") as usize,
        world.network().in_flight().count(),
        "messages drawn"
    );
    for (from, to) in world.network().cut_links() {
        let (a, b) = (from.min(to), from.max(to));
        assert!(
            has_class(root, &format!("[data-testid=link-{a}-{b}]"), "cut"),
            "{a}–{b} drawn cut"
        );
    }
    let cut_drawn = count(root, "[data-testid=cluster-svg] g.link.cut") as usize;
    let mut pairs: Vec<(NodeId, NodeId)> = world
        .network()
        .cut_links()
        .map(|(a, b)| (a.min(b), a.max(b)))
        .collect();
    pairs.sort();
    pairs.dedup();
    assert_eq!(cut_drawn, pairs.len(), "links drawn cut");
}

#[wasm_bindgen_test]
async fn nodes_and_links_are_named_buttons() {
    let root = mount_at("#scenario=arithmetic").await;
    let names = ["Sequencer r0", "Replica r1", "Replica r2", "Replica r3"];
    for (i, name) in names.iter().enumerate() {
        let node = el(&root, &format!("[data-testid=node-r{i}]"));
        assert_eq!(
            node.namespace_uri().as_deref(),
            Some("http://www.w3.org/2000/svg")
        );
        assert_eq!(node.get_attribute("role").as_deref(), Some("button"));
        assert_eq!(node.get_attribute("tabindex").as_deref(), Some("0"));
        assert_eq!(node.get_attribute("aria-label").as_deref(), Some(*name));
    }
    let links: Vec<String> = all(&root, "[data-testid=cluster-svg] g.link")
        .iter()
        .map(|l| {
            assert_eq!(l.get_attribute("role").as_deref(), Some("button"));
            l.get_attribute("aria-label").unwrap()
        })
        .collect();
    assert_eq!(
        links,
        [
            "Link r0\u{2013}r1",
            "Link r0\u{2013}r2",
            "Link r0\u{2013}r3",
            "Link r1\u{2013}r2",
            "Link r1\u{2013}r3",
            "Link r2\u{2013}r3"
        ]
    );

    // In primary-backup every node is a replica, whichever is primary.
    let root = mount_at("#scenario=failover-quorum").await;
    for i in 0..3 {
        assert_eq!(
            attr(&root, &format!("[data-testid=node-r{i}]"), "aria-label").unwrap(),
            format!("Replica r{i}")
        );
    }
    assert_eq!(count(&root, "[data-testid=cluster-svg] g.link"), 3);
    assert_eq!(
        text(&root, "[data-testid=role-r0]"),
        "primary \u{b7} epoch 1"
    );
}

#[wasm_bindgen_test]
async fn the_drawing_follows_the_engine_through_a_failover() {
    let root = mount_at("#scenario=failover-quorum").await;
    let mut expected = engine_for("failover-quorum");
    assert_draws(&root, expected.world());
    for steps in [3, 10, 30, 40] {
        step_both(&root, &mut expected, steps).await;
        assert_draws(&root, expected.world());
    }
    // Literal: by now r1 has won epoch 2 and r0 is still cut off.
    assert_eq!(
        text(&root, "[data-testid=role-r1]"),
        "primary \u{b7} epoch 2"
    );
    while !button(&root, "Step").disabled() {
        click(&root, "Step").await;
        assert!(expected.step());
    }
    assert_draws(&root, expected.world());
}

#[wasm_bindgen_test]
async fn crash_and_restart_from_a_node_are_the_engines_inputs() {
    let root = mount_at("#scenario=arithmetic").await;
    let mut expected = engine_for("arithmetic");
    mouse_click(&root, "[data-testid=node-r2]").await;
    assert_eq!(
        attr(&root, "[data-testid=node-r2]", "aria-expanded").as_deref(),
        Some("true")
    );
    let actions = el(&root, "[data-testid=actions-r2]");
    assert_eq!(actions.get_attribute("role").as_deref(), Some("group"));
    assert_eq!(
        actions.get_attribute("aria-label").as_deref(),
        Some("Actions for r2")
    );
    assert!(!shows_button(&root, "Make primary"), "no primaries here");
    click(&root, "Crash").await;
    expected.input(Input::Crash { node: NodeId(2) });
    assert_draws(&root, expected.world());
    assert_eq!(text(&root, "[data-testid=health-r2]"), "down");
    assert!(has_class(&root, "[data-testid=node-r2]", "down"));

    // The menu stays open: the same place now offers Restart.
    click(&root, "Restart").await;
    expected.input(Input::Restart { node: NodeId(2) });
    assert_draws(&root, expected.world());

    // Escape closes the actions and gives focus back to the node.
    key(&el(&root, "[data-testid=actions-r2]"), "Escape").await;
    assert!(find(&root, "[data-testid=actions-r2]").is_none());
    assert_eq!(
        active(&root).and_then(|a| a.get_attribute("data-testid")),
        Some("node-r2".to_owned())
    );

    click(&root, "Back").await;
    click(&root, "Back").await;
    assert_draws(&root, engine_for("arithmetic").world());
}

#[wasm_bindgen_test]
async fn enter_and_space_open_a_nodes_actions() {
    let root = mount_at("#scenario=failover-quorum").await;
    let node = el(&root, "[data-testid=node-r1]");
    focus(&node);
    key(&node, "Enter").await;
    let actions = el(&root, "[data-testid=actions-r1]");
    assert_eq!(
        active(&root).as_ref(),
        Some(&actions),
        "focus moves into the actions"
    );
    // r1 is a live backup: it may be made primary.
    assert!(shows_button(&root, "Make primary"));
    assert!(shows_button(&root, "Send write"));
    assert!(shows_button(&root, "Isolate"));
    key(&actions, "Escape").await;
    assert!(find(&root, "[data-testid=actions-r1]").is_none());

    let node = el(&root, "[data-testid=node-r0]");
    key(&node, " ").await;
    assert!(find(&root, "[data-testid=actions-r0]").is_some());
    assert!(!shows_button(&root, "Make primary"), "r0 is the primary");
    mouse_click(&root, "[data-testid=node-r0]").await;
    assert!(
        find(&root, "[data-testid=actions-r0]").is_none(),
        "a second click closes"
    );
    assert_eq!(
        status(&root),
        "Tick 0 \u{b7} Step 0",
        "opening changes nothing"
    );
}

#[wasm_bindgen_test]
async fn make_primary_and_isolate_are_the_engines_inputs() {
    let root = mount_at("#scenario=arithmetic-primary-backup").await;
    let mut expected = engine_for("arithmetic-primary-backup");
    node_action(&root, "r0", "Isolate").await;
    expected.input(Input::Isolate { node: NodeId(0) });
    assert_draws(&root, expected.world());
    assert!(!shows_button(&root, "Isolate"), "already cut off");
    node_action(&root, "r1", "Make primary").await;
    expected.input(Input::Promote { node: NodeId(1) });
    step_both(&root, &mut expected, 10).await;
    assert_draws(&root, expected.world());
}

#[wasm_bindgen_test]
async fn a_cut_link_is_dashed_and_drops_the_next_message() {
    let root = mount_at("#scenario=arithmetic").await;
    let mut expected = engine_for("arithmetic");
    assert!(button(&root, "Heal all").disabled(), "nothing to heal yet");
    mouse_click(&root, "[data-testid=link-r0-r1]").await;
    expected.input(Input::Partition {
        from: vec![NodeId(0)],
        to: vec![NodeId(1)],
        one_way: false,
    });
    assert_draws(&root, expected.world());
    assert_eq!(
        attr(&root, "[data-testid=link-r0-r1]", "aria-pressed").as_deref(),
        Some("true")
    );
    assert_eq!(
        count(&root, "[data-testid=wire-r0-r1] line.wire.cut"),
        1,
        "drawn dashed"
    );
    assert!(text(&root, "[data-testid=network]").contains("r0\u{2194}r1"));
    assert!(!button(&root, "Heal all").disabled());

    // The next step sends +1 to every replica: the copy to r1 is dropped.
    step_both(&root, &mut expected, 1).await;
    let dropped = expected.world().last_events().iter().any(|e| {
        matches!(
            e.kind,
            TraceKind::Drop {
                from: NodeId(0),
                to: NodeId(1),
                ..
            }
        )
    });
    assert!(dropped, "the engine dropped r0→r1");
    assert!(find(&root, "[data-testid=drop-r0-r1]").is_some(), "✕ drawn");
    assert_draws(&root, expected.world());

    click(&root, "Heal all").await;
    expected.input(Input::Heal);
    assert_draws(&root, expected.world());
    assert!(!has_class(&root, "[data-testid=link-r0-r1]", "cut"));
    assert!(button(&root, "Heal all").disabled());
}

#[wasm_bindgen_test]
async fn reconnecting_one_link_keeps_the_others_cut() {
    let root = mount_at("#scenario=arithmetic").await;
    mouse_click(&root, "[data-testid=link-r0-r1]").await;
    let link = el(&root, "[data-testid=link-r0-r2]");
    focus(&link);
    key(&link, "Enter").await;
    assert!(has_class(&root, "[data-testid=link-r0-r2]", "cut"));
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 2");
    mouse_click(&root, "[data-testid=link-r0-r1]").await;
    // One click, one recorded input: the step count goes up by one.
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 3");
    let mut expected = engine_for("arithmetic");
    for input in [
        Input::Partition {
            from: vec![NodeId(0)],
            to: vec![NodeId(1)],
            one_way: false,
        },
        Input::Partition {
            from: vec![NodeId(0)],
            to: vec![NodeId(2)],
            one_way: false,
        },
        Input::HealLink {
            from: NodeId(0),
            to: NodeId(1),
            one_way: false,
        },
    ] {
        expected.input(input);
    }
    assert_draws(&root, expected.world());
    assert_eq!(
        status(&root),
        format!("Tick 0 \u{b7} Step {}", expected.position())
    );
    let cut: Vec<_> = expected.world().network().cut_links().collect();
    assert_eq!(cut, [(NodeId(0), NodeId(2)), (NodeId(2), NodeId(0))]);
    assert!(!has_class(&root, "[data-testid=link-r0-r1]", "cut"));
    assert_eq!(
        text(&root, "[data-testid=network] p"),
        "Network: cut r0\u{2194}r2."
    );
    // The event feed tells the reconnection as the newest step.
    let told: Vec<String> = all(
        &root,
        "[data-testid=last-events] > li:first-child .events li",
    )
    .iter()
    .map(|li| li.text_content().unwrap_or_default().trim().to_owned())
    .collect();
    assert_eq!(
        told,
        [
            "The link r0\u{2192}r1 works again.",
            "The link r1\u{2192}r0 works again."
        ]
    );
    // Back undoes the whole reconnection in one step.
    click(&root, "Back").await;
    assert!(has_class(&root, "[data-testid=link-r0-r1]", "cut"));
    assert!(has_class(&root, "[data-testid=link-r0-r2]", "cut"));
}

#[wasm_bindgen_test]
async fn the_partition_dialog_applies_one_partition() {
    let root = mount_at("#scenario=failover-quorum").await;
    click(&root, "Partition\u{2026}").await;
    let dialog = el(&root, "[role=dialog]");
    assert_eq!(dialog.get_attribute("aria-modal").as_deref(), Some("true"));
    // Escape leaves without touching the run.
    key(&dialog, "Escape").await;
    assert!(find(&root, "[role=dialog]").is_none());
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");

    click(&root, "Partition\u{2026}").await;
    let checked = |id: &str| {
        el(&root, &format!("#{id}"))
            .dyn_into::<HtmlInputElement>()
            .unwrap()
            .checked()
    };
    // Proposed: the primary alone against the rest.
    assert!(checked("part-a-r0") && !checked("part-a-r1") && !checked("part-a-r2"));
    assert!(!checked("part-b-r0") && checked("part-b-r1") && checked("part-b-r2"));
    // Move r2 to group A: it leaves group B.
    el(&root, "#part-a-r2")
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    assert!(checked("part-a-r2") && !checked("part-b-r2"));
    el(&root, "#part-one-way")
        .dyn_into::<HtmlInputElement>()
        .unwrap()
        .click();
    yew::scheduler::flush().await;
    click(&root, "Apply partition").await;
    assert!(find(&root, "[role=dialog]").is_none());
    let mut expected = engine_for("failover-quorum");
    expected.input(Input::Partition {
        from: vec![NodeId(0), NodeId(2)],
        to: vec![NodeId(1)],
        one_way: true,
    });
    assert_draws(&root, expected.world());
    assert_eq!(
        text(&root, "[data-testid=network] p"),
        "Network: cut r0\u{2192}r1, r2\u{2192}r1."
    );
    // One way only: one dashed lane and an arrow.
    assert_eq!(count(&root, "[data-testid=wire-r0-r1] line.one-way"), 1);
    assert_eq!(
        count(&root, "[data-testid=wire-r0-r1] polygon.cut-arrow"),
        1
    );
}

#[wasm_bindgen_test]
async fn send_write_points_the_form_at_the_node() {
    let root = mount_at("#scenario=failover-quorum").await;
    node_action(&root, "r1", "Send write").await;
    assert!(find(&root, "[data-testid=actions-r1]").is_none());
    let select: HtmlSelectElement = el(&root, "#write-to").dyn_into().unwrap();
    assert_eq!(select.value(), "r1");
    assert_eq!(
        active(&root).map(|a| a.id()),
        Some("command".to_owned()),
        "focus is in the command field"
    );
    assert_eq!(text(&root, "label[for=command]"), "Command for r1");
    assert!(text(&root, "[data-testid=write-destination]").contains("ignores"));
    let input: HtmlInputElement = el(&root, "#command").dyn_into().unwrap();
    input.set_value("+7");
    run_js(
        input.unchecked_ref(),
        "el.dispatchEvent(new Event('input', {bubbles: true}))",
    );
    yew::scheduler::flush().await;
    click(&root, "Write").await;
    let mut expected = engine_for("failover-quorum");
    expected.input(Input::Write {
        client: ClientId(0),
        command: "+7".parse().unwrap(),
        to: Some(NodeId(1)),
    });
    assert_draws(&root, expected.world());
    // The event feed narrates the newest step first (event_list.rs).
    assert_eq!(
        text(&root, "[data-testid=last-events] > li:first-child .events"),
        "c0 sends the command +7 to r1."
    );
}

#[wasm_bindgen_test]
async fn split_brain_marks_the_records_that_differ() {
    let root = mount_at("#scenario=split-brain-unfenced").await;
    let mut expected = engine_for("split-brain-unfenced");
    while !button(&root, "Step").disabled() {
        click(&root, "Step").await;
        assert!(expected.step());
    }
    assert_draws(&root, expected.world());
    let world = expected.world();
    let end = world.nodes().iter().map(|n| n.log.end()).max().unwrap();
    let mut marked = 0;
    for offset in 0..end {
        let records: Vec<_> = world
            .nodes()
            .iter()
            .filter_map(|n| n.log.get(offset))
            .collect();
        let differs = records.iter().any(|r| *r != records[0]);
        for node in world.nodes() {
            if node.log.get(offset).is_none() {
                continue;
            }
            let cell = format!(
                "[data-testid=tape-{}] td[data-offset=\"{offset}\"]",
                node.id
            );
            assert_eq!(has_class(&root, &cell, "differs"), differs, "{cell}");
            marked += usize::from(differs);
        }
    }
    assert!(marked >= 2, "split brain leaves differing records");
}

#[wasm_bindgen_test]
async fn a_truncation_leaves_ghosts_for_one_step() {
    let root = mount_at("#scenario=failover-quorum").await;
    let mut probe = engine_for("failover-quorum");
    let (mut steps, mut truncated) = (0, None);
    while truncated.is_none() {
        let before = probe.world().clone();
        assert!(probe.step(), "the run truncates a log");
        steps += 1;
        truncated = probe
            .world()
            .last_events()
            .iter()
            .find_map(|e| match e.kind {
                TraceKind::Truncate { node, from } => Some((node, from, before.clone())),
                _ => None,
            });
    }
    let (node, from, before) = truncated.unwrap();
    let mut expected = engine_for("failover-quorum");
    step_both(&root, &mut expected, steps).await;
    assert_draws(&root, expected.world());
    let old = &before.node(node).unwrap().log;
    let now = &expected.world().node(node).unwrap().log;
    let mut ghosts = Vec::new();
    for offset in from..old.end() {
        let removed = old.get(offset).unwrap();
        if now.get(offset) != Some(removed) {
            ghosts.push(short(&removed.payload));
        }
    }
    assert!(!ghosts.is_empty());
    let shown: Vec<String> = all(&root, &format!("[data-testid=tape-{node}] del.ghost"))
        .iter()
        .map(|d| {
            d.text_content()
                .unwrap()
                .replace("truncated: ", "")
                .trim()
                .to_owned()
        })
        .collect();
    assert_eq!(shown, ghosts);
    step_both(&root, &mut expected, 1).await;
    assert_eq!(
        count(&root, "del.ghost"),
        0,
        "only for the step that truncated"
    );
}

#[wasm_bindgen_test]
async fn the_log_window_looks_back() {
    let root = mount_at("#scenario=arithmetic").await;
    let input: HtmlInputElement = el(&root, "#command").dyn_into().unwrap();
    input.set_value("+1");
    run_js(
        input.unchecked_ref(),
        "el.dispatchEvent(new Event('input', {bubbles: true}))",
    );
    yew::scheduler::flush().await;
    for _ in 0..45 {
        click(&root, "Write").await;
    }
    // 45 records on r0: the window shows the last 40 offsets and the next.
    let offsets = |root: &Element| -> Vec<u64> {
        all(root, "[data-testid=tape-r0] td")
            .iter()
            .map(|c| c.get_attribute("data-offset").unwrap().parse().unwrap())
            .collect()
    };
    assert_eq!(offsets(&root), (6..46).collect::<Vec<u64>>());
    let range: HtmlInputElement = el(&root, "#log-window").dyn_into().unwrap();
    assert_eq!(range.max(), "46");
    range.set_value("40");
    run_js(
        range.unchecked_ref(),
        "el.dispatchEvent(new Event('input', {bubbles: true}))",
    );
    yew::scheduler::flush().await;
    assert_eq!(offsets(&root), (0..40).collect::<Vec<u64>>());
    assert_eq!(tape_payloads(&root, "r0").len(), 40);
}

/// Opening a node's actions, stepping and closing them patch the drawing
/// in place: a node keeps its element, so focus can return to it.
#[wasm_bindgen_test]
async fn the_drawing_is_patched_in_place() {
    let root = mount_at("#scenario=arithmetic").await;
    let svg = el(&root, "[data-testid=cluster-svg]");
    let drawing = svg.parent_element().unwrap();
    let cluster = el(&root, ".cluster");
    let tapes = el(&root, "[data-testid=tapes] table");
    mouse_click(&root, "[data-testid=node-r1]").await;
    assert!(cluster.is_connected(), "cluster after open");
    assert!(drawing.is_connected(), "drawing after open");
    assert!(svg.is_connected(), "svg after open");
    click(&root, "Step").await;
    assert!(tapes.is_connected(), "tapes after step");
    assert!(svg.is_connected(), "svg after step");
    key(&el(&root, "[data-testid=actions-r1]"), "Escape").await;
    assert!(svg.is_connected(), "svg after close");
}
