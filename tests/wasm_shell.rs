//! Browser tests of the page shell: the Timeline and Speed sliders, the
//! run settings, keyboard shortcuts, forks with undo, share links and the
//! space-time diagram. Each drives the app like a user and compares the
//! page with a timeline driven directly through the engine.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_shell`

#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use loglab::engine::permalink::Link;
use loglab::engine::protocol::ProtocolKind;
use loglab::engine::{Input, NodeId, Timeline, World};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

/// Sets a field's value and fires `event` on it, as typing or dragging does.
async fn set_value(root: &Element, selector: &str, value: &str, event: &str) {
    let element = find(root, selector).unwrap_or_else(|| panic!("no {selector}"));
    if let Some(select) = element.dyn_ref::<HtmlSelectElement>() {
        select.set_value(value);
    } else {
        element
            .dyn_ref::<HtmlInputElement>()
            .unwrap()
            .set_value(value);
    }
    let init = EventInit::new();
    init.set_bubbles(true);
    element
        .dispatch_event(&Event::new_with_event_init_dict(event, &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
}

fn input(root: &Element, selector: &str) -> HtmlInputElement {
    find(root, selector).unwrap().dyn_into().unwrap()
}

/// Presses `key` on `target` (the event bubbles to the document).
async fn press(target: &Element, key: &str) {
    let dispatch = js_sys::Function::new_with_args(
        "target, key",
        "target.dispatchEvent(new KeyboardEvent('keydown', \
         { key, bubbles: true, cancelable: true }));",
    );
    dispatch
        .call2(&JsValue::NULL, target, &JsValue::from_str(key))
        .unwrap();
    yew::scheduler::flush().await;
}

/// Waits for the browser's next animation frame, then lets Yew render.
async fn next_frame() {
    let (sender, receiver) = yew::platform::pinned::oneshot::channel();
    let _frame = gloo::render::request_animation_frame(move |_| {
        let _ = sender.send(());
    });
    receiver.await.unwrap();
    yew::scheduler::flush().await;
}

fn step_of(root: &Element) -> u64 {
    let status = status(root);
    status.rsplit(' ').next().unwrap().parse().unwrap()
}

fn trace_hash(root: &Element) -> String {
    find(root, "[role=status]")
        .unwrap()
        .get_attribute("data-trace-hash")
        .unwrap()
}

/// The page shows `world`: where it is, its exact trace, and every log.
fn assert_shows(root: &Element, world: &World) {
    let expected = format!("Tick {} \u{b7} Step {}", world.tick(), world.step_count());
    assert_eq!(status(root), expected);
    assert_eq!(trace_hash(root), format!("{:016x}", world.trace_hash()));
    for node in world.nodes() {
        let commands: Vec<String> = node.log.read_from(0).map(|r| short(&r.payload)).collect();
        assert_eq!(tape_payloads(root, &node.id.to_string()), commands);
    }
}

#[wasm_bindgen_test]
async fn the_timeline_slider_seeks_to_any_recorded_step() {
    let root = mount().await;
    let slider = input(&root, "#timeline");
    assert!(slider.disabled(), "nothing recorded yet");
    let mut expected = engine_for("arithmetic");
    for _ in 0..10 {
        click(&root, "Step").await;
        expected.step();
    }
    assert_eq!(slider.max(), "10");
    assert_eq!(slider.value(), "10");
    assert_eq!(
        slider.get_attribute("aria-valuetext").unwrap(),
        "Step 10 of 10"
    );

    set_value(&root, "#timeline", "4", "input").await;
    expected.seek(4);
    assert_shows(&root, expected.world());
    assert_eq!(slider.value(), "4");
    assert_eq!(slider.max(), "10", "seeking keeps the recorded future");

    set_value(&root, "#timeline", "9", "input").await;
    expected.seek(9);
    assert_shows(&root, expected.world());
    set_value(&root, "#timeline", "0", "input").await;
    assert_shows(&root, engine_for("arithmetic").world());
    // Step redoes the recorded run from there.
    click(&root, "Step").await;
    expected.seek(1);
    assert_shows(&root, expected.world());
}

#[wasm_bindgen_test]
async fn speed_sets_the_steps_each_frame_runs() {
    let root = mount_at("#scenario=split-brain-unfenced").await;
    assert_eq!(text(&root, "[data-testid=speed-value]"), "1/16 per frame");
    set_value(&root, "#speed", "11", "input").await;
    assert_eq!(text(&root, "[data-testid=speed-value]"), "64 per frame");
    assert_eq!(
        input(&root, "#speed")
            .get_attribute("aria-valuetext")
            .unwrap(),
        "64 steps per frame"
    );
    click(&root, "Play").await;
    next_frame().await;
    next_frame().await;
    let step = step_of(&root);
    // Literal: the run ends at step 134.
    assert!(
        step > 0 && (step % 64 == 0 || step == 134),
        "whole frames of 64 steps, got {step}"
    );
    for _ in 0..4 {
        next_frame().await;
    }
    assert_eq!(step_of(&root), 134, "plays to the end of the run");
    assert!(button(&root, "Pause").disabled(), "stopped at the end");

    // At the slowest speed a frame runs at most one step.
    click(&root, "Reset").await;
    set_value(&root, "#speed", "0", "input").await;
    assert_eq!(text(&root, "[data-testid=speed-value]"), "1/32 per frame");
    click(&root, "Play").await;
    for _ in 0..3 {
        next_frame().await;
    }
    assert_eq!(
        step_of(&root),
        1,
        "one step at once, then one every 32 frames"
    );
    click(&root, "Pause").await;
    assert!(!button(&root, "Play").disabled());
}

#[wasm_bindgen_test]
async fn protocol_switches_the_run_to_primary_backup_and_undo_brings_it_back() {
    let root = mount().await;
    for _ in 0..3 {
        click(&root, "Step").await;
    }
    set_value(&root, "#protocol", "primary-backup", "change").await;
    assert!(find(&root, "[role=alert]").is_none());
    let mut scenario = loglab::scenarios::load("arithmetic").unwrap();
    scenario.protocol = ProtocolKind::PrimaryBackup;
    let mut expected = Timeline::new(Rc::new(scenario));
    assert_shows(&root, expected.world());
    assert_eq!(
        text(&root, "[data-testid=role-r0]"),
        "primary \u{b7} epoch 1"
    );
    assert!(
        find(&root, "[data-testid=node-r3]").is_none(),
        "3 nodes now"
    );
    assert_eq!(hash(), "#scenario=arithmetic&protocol=primary-backup");
    for _ in 0..5 {
        click(&root, "Step").await;
        expected.step();
    }
    assert_shows(&root, expected.world());

    let notice = text(&root, "[data-testid=undo-notice] p");
    assert_eq!(notice, "A new run started with protocol Primary-backup");
    click(&root, "Undo").await;
    let mut before = engine_for("arithmetic");
    for _ in 0..3 {
        before.step();
    }
    assert_shows(&root, before.world());
    let protocol: HtmlSelectElement = find(&root, "#protocol").unwrap().dyn_into().unwrap();
    assert_eq!(protocol.value(), "active-active");
    assert_eq!(hash(), "#scenario=arithmetic");

    set_value(&root, "#seed", "8", "change").await;
    let mut scenario = loglab::scenarios::load("arithmetic").unwrap();
    scenario.seed = 8;
    assert_shows(&root, Timeline::new(Rc::new(scenario)).world());
    assert_eq!(hash(), "#scenario=arithmetic&seed=8");
}

#[wasm_bindgen_test]
async fn a_replica_count_that_does_not_fit_is_refused_and_the_run_is_kept() {
    let root = mount_at("#scenario=crash-restart").await;
    let mut expected = engine_for("crash-restart");
    for _ in 0..12 {
        click(&root, "Step").await;
        expected.step();
    }
    set_value(&root, "#replicas", "1", "change").await;
    let alert = text(&root, "[role=alert]");
    // Literal: the scenario crashes r2 at tick 8; with one replica the
    // cluster is r0 and r1.
    assert!(alert.contains("1 replica is not possible here"), "{alert}");
    assert!(
        alert.contains("input at tick 8 (\u{201c}crash r2\u{201d})"),
        "{alert}"
    );
    assert!(alert.ends_with("The run is unchanged."), "{alert}");
    assert_shows(&root, expected.world());
    let replicas = input(&root, "#replicas");
    assert_eq!(
        replicas.value(),
        "1",
        "the refused value stays to be corrected"
    );
    assert_eq!(replicas.get_attribute("aria-invalid").unwrap(), "true");
    assert!(find(&root, "[data-testid=undo-notice]").is_none());

    set_value(&root, "#replicas", "12", "change").await;
    let alert = text(&root, "[data-testid=settings-error]");
    assert!(alert.contains("from 1 to 9"), "{alert}");
    assert_shows(&root, expected.world());

    set_value(&root, "#seed", "", "change").await;
    let alert = text(&root, "[data-testid=settings-error]");
    assert!(alert.contains("The seed must be a whole number"), "{alert}");
    assert_shows(&root, expected.world());

    // Steps still work on the kept run, and a good value clears the alert.
    click(&root, "Step").await;
    expected.step();
    assert_shows(&root, expected.world());
    set_value(&root, "#replicas", "4", "change").await;
    assert!(find(&root, "[role=alert]").is_none());
    assert_eq!(input(&root, "#replicas").value(), "4");
    assert_eq!(
        input(&root, "#seed").value(),
        "3",
        "the refused seed is reset"
    );
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert!(find(&root, "[data-testid=node-r4]").is_some());
}

#[wasm_bindgen_test]
async fn keyboard_shortcuts_move_the_run_and_open_the_list() {
    let root = mount().await;
    let mut expected = engine_for("arithmetic");
    for _ in 0..3 {
        press(&root, "ArrowRight").await;
        expected.step();
    }
    assert_shows(&root, expected.world());
    press(&root, "ArrowLeft").await;
    expected.back();
    assert_shows(&root, expected.world());
    press(&root, "Home").await;
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");

    press(&root, " ").await;
    assert!(!button(&root, "Pause").disabled(), "Space plays");
    press(&root, " ").await;
    assert!(button(&root, "Pause").disabled(), "Space again pauses");
    let paused = status(&root);

    // Keys typed into a field are the field's.
    let command = find(&root, "#command").unwrap();
    press(&command, "ArrowRight").await;
    press(&command, " ").await;
    assert_eq!(status(&root), paused);
    let seed = find(&root, "#seed").unwrap();
    press(&seed, "Home").await;
    assert_eq!(status(&root), paused);

    press(&root, "?").await;
    let dialog = find(&root, "[role=dialog]").expect("? opens the shortcuts");
    assert_eq!(dialog.get_attribute("aria-modal").unwrap(), "true");
    let listed = text(&root, "[role=dialog] dl");
    for what in [
        "Play or pause",
        "Step forward",
        "Step back",
        "Reset to the start",
    ] {
        assert!(listed.contains(what), "{listed}");
    }
    let focused = web_sys::window()
        .unwrap()
        .document()
        .unwrap()
        .active_element()
        .unwrap();
    assert_eq!(
        focused.text_content().unwrap(),
        "Close",
        "focus is in the dialog"
    );
    // While it is open, the run does not move.
    press(&focused, "ArrowRight").await;
    assert_eq!(status(&root), paused);
    press(&focused, "Escape").await;
    assert!(find(&root, "[role=dialog]").is_none(), "Escape closes it");

    click(&root, "Keyboard shortcuts").await;
    assert!(find(&root, "[role=dialog]").is_some());
    click(&root, "Close").await;
    assert!(find(&root, "[role=dialog]").is_none());
}

#[wasm_bindgen_test]
async fn a_fork_can_be_undone_and_the_old_future_comes_back() {
    let root = mount().await;
    let mut expected = engine_for("arithmetic");
    for _ in 0..10 {
        click(&root, "Step").await;
        expected.step();
    }
    for _ in 0..4 {
        click(&root, "Back").await;
    }
    node_action(&root, "r2", "Crash").await;
    assert_eq!(
        text(&root, "[data-testid=undo-notice] p"),
        "Forked at step 6: the 4 later steps were dropped"
    );
    let mut forked = engine_for("arithmetic");
    forked.seek(0);
    for _ in 0..6 {
        forked.step();
    }
    forked.input(Input::Crash { node: NodeId(2) });
    assert_shows(&root, forked.world());
    assert_eq!(
        input(&root, "#timeline").max(),
        "7",
        "the old future is gone"
    );

    click(&root, "Undo fork").await;
    assert!(find(&root, "[data-testid=undo-notice]").is_none());
    expected.seek(6);
    assert_shows(&root, expected.world());
    assert_eq!(
        input(&root, "#timeline").max(),
        "10",
        "the old future is back"
    );
    for _ in 0..4 {
        click(&root, "Step").await;
    }
    expected.seek(10);
    assert_shows(&root, expected.world());

    // Keep: the fork stays and the notice goes.
    click(&root, "Back").await;
    node_action(&root, "r1", "Crash").await;
    assert_eq!(
        text(&root, "[data-testid=undo-notice] p"),
        "Forked at step 9: the 1 later step was dropped"
    );
    click(&root, "Keep").await;
    assert!(find(&root, "[data-testid=undo-notice]").is_none());
    assert_eq!(input(&root, "#timeline").max(), "10");
}

#[wasm_bindgen_test]
async fn a_copied_link_rebuilds_the_same_world() {
    let root = mount_at("#scenario=failover-async").await;
    set_value(&root, "#seed", "5", "change").await;
    for _ in 0..15 {
        click(&root, "Step").await;
    }
    node_action(&root, "r2", "Crash").await;
    for _ in 0..10 {
        click(&root, "Step").await;
    }
    click(&root, "Back").await;
    click(&root, "Back").await;
    let shown = trace_hash(&root);
    click(&root, "Copy link").await;
    let link = input(&root, "[data-testid=share-link]").value();
    let hash = format!("#{}", link.split_once('#').unwrap().1);
    assert!(
        hash.starts_with("#scenario=failover-async&seed=5&at=24&inputs="),
        "{hash}"
    );
    assert_eq!(self::hash(), hash, "the address bar carries the run too");

    // The engine alone rebuilds the same world from the link.
    let decoded = Link::decode(&hash).unwrap();
    assert!(decoded.problems.is_empty());
    let base = loglab::scenarios::load("failover-async").unwrap();
    let scenario = decoded.link.apply_settings(&base).unwrap();
    let replayed = decoded.link.replay(Rc::new(scenario));
    assert_eq!(replayed.problem, None);
    assert_eq!(
        format!("{:016x}", replayed.timeline.world().trace_hash()),
        shown
    );

    // So does a fresh page opened on it, recorded future included.
    let fresh = mount_at(&hash).await;
    assert!(find(&fresh, "[role=alert]").is_none());
    assert_eq!(trace_hash(&fresh), shown);
    assert_shows(&fresh, replayed.timeline.world());
    assert_eq!(input(&fresh, "#seed").value(), "5");
    // The link holds inputs, not steps: the two steps recorded after the
    // position are not in it, and Step runs them again, the same way.
    assert_eq!(input(&fresh, "#timeline").max(), "24");
    click(&fresh, "Step").await;
    click(&root, "Step").await;
    assert_eq!(trace_hash(&fresh), trace_hash(&root));
}

#[wasm_bindgen_test]
async fn a_garbled_link_says_so_and_opens_the_rest() {
    let root = mount_at("#scenario=failover-async&at=12&inputs=%%garbage!").await;
    let alert = text(&root, "[role=alert]");
    assert!(alert.contains("could not be used"), "{alert}");
    assert!(alert.contains("recorded inputs"), "{alert}");
    let mut expected = engine_for("failover-async");
    expected.seek(0);
    for _ in 0..12 {
        expected.step();
    }
    assert_shows(&root, expected.world());

    let root = mount_at("#scenario=failover-async&seed=banana&replicas=0").await;
    let alert = text(&root, "[role=alert]");
    assert!(alert.contains("seed"), "{alert}");
    assert!(alert.contains("settings do not fit"), "{alert}");
    assert_shows(&root, engine_for("failover-async").world());
}

#[wasm_bindgen_test]
async fn clicking_an_arrow_in_the_space_time_diagram_goes_to_its_step() {
    let root = mount().await;
    for _ in 0..12 {
        click(&root, "Step").await;
    }
    let arrows = root
        .query_selector_all(".space-time [role=button]")
        .unwrap();
    assert!(arrows.length() > 3, "messages are drawn");
    let arrow: Element = (0..arrows.length())
        .filter_map(|i| arrows.item(i)?.dyn_into::<Element>().ok())
        .find(|a| {
            a.get_attribute("aria-label")
                .is_some_and(|l| l.starts_with("Message replicate r0\u{2192}r3, step"))
        })
        .expect("a replicate message to r3");
    let label = arrow.get_attribute("aria-label").unwrap();
    let step: usize = label.rsplit(' ').next().unwrap().parse().unwrap();
    let init = EventInit::new();
    init.set_bubbles(true);
    arrow
        .dispatch_event(&Event::new_with_event_init_dict("click", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    let mut expected = engine_for("arithmetic");
    for _ in 0..12 {
        expected.step();
    }
    expected.seek(step);
    assert_shows(&root, expected.world());
    assert_eq!(
        text(&root, ".space-time .note"),
        format!("Steps 0\u{2013}{step}; click an arrow to go to the step it arrived.")
    );
    assert_eq!(
        input(&root, "#timeline").max(),
        "12",
        "a seek keeps the run"
    );
}

#[wasm_bindgen_test]
async fn the_latest_event_is_announced_apart_from_the_status() {
    let root = mount().await;
    let latest = find(&root, "[data-testid=latest-event]").unwrap();
    assert_eq!(latest.get_attribute("aria-live").unwrap(), "polite");
    assert!(latest.get_attribute("role").is_none());
    assert_eq!(
        text(&root, "[data-testid=latest-event]"),
        "Nothing has happened yet."
    );
    click(&root, "Step").await;
    // The first step is the client's write of +1 to r0, told first; the
    // append follows, and the sends and timers are left out as chatter.
    let latest = text(&root, "[data-testid=latest-event]");
    assert!(
        latest.starts_with("Step 1: c0 sends the command +1 to r0.") && latest.ends_with("more)"),
        "{latest}"
    );
}
