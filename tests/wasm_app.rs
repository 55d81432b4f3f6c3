//! Browser tests of the Yew app: mount it, click like a user, and compare
//! the DOM with a timeline driven directly through the engine.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_app`
//! (needs wasm-bindgen-test-runner and chromedriver, see .cargo/config.toml).

#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use loglab::engine::{Input, NodeId, Timeline, World};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::{Element, Event, EventInit, HtmlInputElement, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

fn engine() -> Timeline {
    engine_for("arithmetic")
}

async fn type_command(root: &Element, command: &str) {
    let input: HtmlInputElement = find(root, "#command").unwrap().dyn_into().unwrap();
    input.set_value(command);
    let init = EventInit::new();
    init.set_bubbles(true);
    input
        .dispatch_event(&Event::new_with_event_init_dict("input", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
}

/// Chooses a scenario in the list, as a user would.
async fn pick(root: &Element, name: &str) {
    let select: HtmlSelectElement = find(root, "#scenario").unwrap().dyn_into().unwrap();
    select.set_value(name);
    assert_eq!(select.value(), name, "the list offers {name}");
    let init = EventInit::new();
    init.set_bubbles(true);
    select
        .dispatch_event(&Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
}

/// The accessible name of the write field (its `<label for>`).
fn command_label(root: &Element) -> String {
    text(root, "label[for=command]")
}

/// Whether a node's open actions offer this one.
async fn offers(root: &Element, node: &str, action: &str) -> bool {
    open_actions(root, node).await;
    let buttons = root
        .query_selector_all(&format!("[data-testid=actions-{node}] button"))
        .unwrap();
    (0..buttons.length()).any(|i| {
        buttons
            .item(i)
            .unwrap()
            .text_content()
            .unwrap_or_default()
            .trim()
            == action
    })
}

/// Asserts the page shows exactly what the engine's world holds.
fn assert_shows(root: &Element, world: &World) {
    let expected = format!("Tick {} \u{b7} Step {}", world.tick(), world.step_count());
    assert_eq!(status(root), expected);
    for node in world.nodes() {
        let id = node.id.to_string();
        let commands: Vec<String> = node.log.read_from(0).map(|r| short(&r.payload)).collect();
        assert_eq!(tape_payloads(root, &id), commands, "log of {id}");
        let health = if node.up { "up" } else { "down" };
        assert_eq!(text(root, &format!("[data-testid=health-{id}]")), health);
        let role = text(root, &format!("[data-testid=role-{id}]"));
        if node.up {
            assert!(
                role.starts_with(&node.role().to_string()),
                "role of {id}: {role}"
            );
        } else {
            assert_eq!(role, "crashed: state lost", "a crashed node has no role");
        }
        if node.up && node.runs_service() {
            let value = text(root, &format!("[data-testid=value-{id}]"));
            assert_eq!(value, node.machine.state.to_string(), "value of {id}");
            let applied = text(root, &format!("[data-testid=applied-{id}]"));
            assert_eq!(
                applied,
                node.machine.applied_offset.to_string(),
                "applied offset of {id}"
            );
        }
    }
    let in_flight = root
        .query_selector_all("[data-testid=in-flight] li")
        .unwrap()
        .length();
    assert_eq!(in_flight as usize, world.network().in_flight().count());
}

fn nodes_html(root: &Element) -> String {
    find(root, "[data-testid=cluster-svg]")
        .unwrap()
        .outer_html()
        + &find(root, "[data-testid=tapes]").unwrap().inner_html()
}

#[wasm_bindgen_test]
async fn step_and_back_follow_the_engine() {
    let root = mount().await;
    let mut expected = engine();
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert_shows(&root, expected.world());
    assert!(
        button(&root, "Back").disabled(),
        "Back is disabled at the start"
    );
    assert!(!button(&root, "Step").disabled());
    let initial = nodes_html(&root);

    click(&root, "Step").await;
    assert!(expected.step());
    assert_shows(&root, expected.world());
    // Literal: the first event is the client's write of +1 to the sequencer,
    // which replicates it to the three replicas.
    assert_eq!(status(&root), "Tick 1 \u{b7} Step 1");
    assert_eq!(tape_payloads(&root, "r0"), ["+1"]);
    assert_eq!(
        root.query_selector_all("[data-testid=in-flight] li")
            .unwrap()
            .length(),
        3
    );
    assert!(!button(&root, "Back").disabled());

    for _ in 0..3 {
        click(&root, "Step").await;
        assert!(expected.step());
        assert_shows(&root, expected.world());
    }
    // Literal: at step 4 the first replicate message reaches r3.
    assert_eq!(status(&root), "Tick 3 \u{b7} Step 4");
    assert_eq!(text(&root, "[data-testid=value-r3]"), "1");
    assert_eq!(text(&root, "[data-testid=applied-r3]"), "1");
    assert_eq!(text(&root, "[data-testid=value-r1]"), "0");

    click(&root, "Back").await;
    assert_eq!(status(&root), "Tick 3 \u{b7} Step 3");
    assert_eq!(text(&root, "[data-testid=value-r3]"), "0");

    for _ in 0..3 {
        click(&root, "Back").await;
    }
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert_eq!(
        nodes_html(&root),
        initial,
        "back to the start restores every node and tape"
    );
    assert!(button(&root, "Back").disabled());
}

#[wasm_bindgen_test]
async fn reset_returns_to_the_start_and_step_redoes() {
    let root = mount().await;
    for _ in 0..5 {
        click(&root, "Step").await;
    }
    assert_eq!(status(&root), "Tick 3 \u{b7} Step 5");
    click(&root, "Reset").await;
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert!(button(&root, "Reset").disabled());
    click(&root, "Step").await;
    assert_eq!(status(&root), "Tick 1 \u{b7} Step 1");
}

#[wasm_bindgen_test]
async fn step_is_disabled_when_the_run_is_over() {
    let root = mount().await;
    let mut expected = engine();
    while expected.step() {}
    for _ in 0..expected.len() {
        click(&root, "Step").await;
    }
    assert_shows(&root, expected.world());
    assert!(button(&root, "Step").disabled());
    assert!(button(&root, "Play").disabled());
    // Every replica applied +1, +2, +3 in that order.
    for replica in ["r1", "r2", "r3"] {
        assert_eq!(text(&root, &format!("[data-testid=value-{replica}]")), "6");
        assert_eq!(
            text(&root, &format!("[data-testid=applied-{replica}]")),
            "3"
        );
    }
}

#[wasm_bindgen_test]
async fn an_invalid_command_leaves_the_run_untouched() {
    let root = mount().await;
    type_command(&root, "double it").await;
    click(&root, "Write").await;
    let error = text(&root, "[data-testid=write-error]");
    assert!(error.contains("is not a command"), "{error}");
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");

    type_command(&root, "put a 1").await;
    click(&root, "Write").await;
    let error = text(&root, "[data-testid=write-error]");
    assert!(error.contains("is a key-value command"), "{error}");
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert!(tape_payloads(&root, "r0").is_empty());

    type_command(&root, "+5").await;
    click(&root, "Write").await;
    assert!(find(&root, "[data-testid=write-error]").is_none());
    let mut expected = engine();
    expected.input(Input::write("+5".parse().unwrap()));
    assert_shows(&root, expected.world());
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 1");
    assert_eq!(tape_payloads(&root, "r0"), ["+5"]);
}

#[wasm_bindgen_test]
async fn crash_and_restart_are_recorded_inputs() {
    let root = mount().await;
    node_action(&root, "r2", "Crash").await;
    let mut expected = engine();
    expected.input(Input::Crash { node: NodeId(2) });
    assert_shows(&root, expected.world());
    assert_eq!(text(&root, "[data-testid=health-r2]"), "down");

    node_action(&root, "r2", "Restart").await;
    assert_eq!(text(&root, "[data-testid=health-r2]"), "up");
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 2");

    click(&root, "Back").await;
    click(&root, "Back").await;
    assert_eq!(text(&root, "[data-testid=health-r2]"), "up");
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
}

#[wasm_bindgen_test]
async fn failover_async_loses_an_acknowledged_write_and_the_checkers_say_so() {
    let root = mount().await;
    pick(&root, "failover-async").await;
    assert_eq!(
        hash(),
        "#scenario=failover-async",
        "the URL carries the scenario"
    );
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert!(text(&root, "[data-testid=description]").contains("async acks"));
    assert_eq!(command_label(&root), "Command for the primary");
    assert_eq!(
        text(&root, "[data-testid=role-r0]"),
        "primary \u{b7} epoch 1"
    );
    assert_eq!(
        text(&root, "[data-testid=checkers] p"),
        "No invariant broken so far."
    );

    let mut steps = 0;
    while !button(&root, "Step").disabled() {
        click(&root, "Step").await;
        steps += 1;
        assert!(steps < 1_000, "the run ends");
    }
    let mut expected = engine_for("failover-async");
    for _ in 0..steps {
        assert!(expected.step());
    }
    assert_shows(&root, expected.world());
    // Literal: r1 won epoch 2 and is the primary at the end.
    assert_eq!(
        text(&root, "[data-testid=role-r1]"),
        "primary \u{b7} epoch 2"
    );
    assert_eq!(command_label(&root), "Command for the primary");
    let checkers = text(&root, "[data-testid=checkers]");
    assert!(
        checkers.contains("acknowledged-writes-survive"),
        "{checkers}"
    );
    let listed = root
        .query_selector_all("[data-testid=violations] li")
        .unwrap()
        .length();
    assert_eq!(listed as usize, expected.world().violations().len());

    // The panel shows the world at the current position: back at the
    // start nothing has broken yet.
    click(&root, "Reset").await;
    assert_eq!(
        text(&root, "[data-testid=checkers] p"),
        "No invariant broken so far."
    );
}

#[wasm_bindgen_test]
async fn a_link_opens_its_scenario() {
    let root = mount_at("#scenario=split-brain-unfenced").await;
    let select: HtmlSelectElement = find(&root, "#scenario").unwrap().dyn_into().unwrap();
    assert_eq!(select.value(), "split-brain-unfenced");
    assert!(find(&root, "[role=alert]").is_none());
    assert_shows(&root, engine_for("split-brain-unfenced").world());
    assert_eq!(tape_payloads(&root, "r0"), Vec::<String>::new());
    // Make primary is offered to backups, never to the primary.
    assert!(!offers(&root, "r0", "Make primary").await);
    assert!(offers(&root, "r1", "Make primary").await);
    assert!(offers(&root, "r2", "Make primary").await);

    // Picking the default again puts it in the URL too.
    pick(&root, "arithmetic").await;
    assert_eq!(hash(), "#scenario=arithmetic");
    assert_eq!(command_label(&root), "Command for the sequencer");
    assert!(
        !offers(&root, "r1", "Make primary").await,
        "no Make primary without primaries"
    );
}

#[wasm_bindgen_test]
async fn a_link_to_no_scenario_shows_an_alert_and_the_default() {
    let root = mount_at("#scenario=nope").await;
    let alert = text(&root, "[role=alert]");
    assert!(alert.contains("\u{201c}nope\u{201d}"), "{alert}");
    let select: HtmlSelectElement = find(&root, "#scenario").unwrap().dyn_into().unwrap();
    assert_eq!(select.value(), "arithmetic");
    assert_shows(&root, engine().world());
    click(&root, "Step").await;
    assert_eq!(status(&root), "Tick 1 \u{b7} Step 1");

    pick(&root, "crash-restart").await;
    assert!(find(&root, "[role=alert]").is_none(), "a choice clears it");
}

#[wasm_bindgen_test]
async fn isolate_promote_and_heal_are_recorded_inputs() {
    let root = mount_at("#scenario=arithmetic-primary-backup").await;
    let mut expected = engine_for("arithmetic-primary-backup");
    assert!(button(&root, "Heal all").disabled(), "nothing to heal yet");

    node_action(&root, "r0", "Isolate").await;
    expected.input(Input::Isolate { node: NodeId(0) });
    assert_shows(&root, expected.world());
    assert!(text(&root, "[data-testid=network]").contains("r0\u{2194}r1"));
    assert!(!offers(&root, "r0", "Isolate").await, "already cut off");
    assert!(!button(&root, "Heal all").disabled());

    node_action(&root, "r1", "Make primary").await;
    expected.input(Input::Promote { node: NodeId(1) });
    for _ in 0..10 {
        click(&root, "Step").await;
        assert!(expected.step());
    }
    assert_shows(&root, expected.world());

    click(&root, "Heal all").await;
    expected.input(Input::Heal);
    assert_shows(&root, expected.world());
    assert!(button(&root, "Heal all").disabled());
    assert_eq!(
        status(&root),
        format!("Tick {} \u{b7} Step 13", expected.world().tick())
    );

    // All three are undone like any step.
    for _ in 0..13 {
        click(&root, "Back").await;
    }
    assert_shows(&root, engine_for("arithmetic-primary-backup").world());
}

/// The banner a panic shows (the hook calls this): a recoverable page with
/// the message as text, a link to copy and a reload button, whose clicks
/// need no wasm. Reload is not clicked: it would reload the test page.
#[wasm_bindgen_test]
async fn a_panic_shows_a_banner_with_a_link_to_report_and_reload() {
    let document = web_sys::window().unwrap().document().unwrap();
    let message = "panicked at src/engine/world.rs:1:1:\n<b>not markup</b>";
    assert_eq!(loglab::ui::show_crash_banner(message), Some(()));
    // A second panic does not stack a second banner.
    assert_eq!(loglab::ui::show_crash_banner("again"), Some(()));
    let banners = document
        .query_selector_all(&format!("#{}", loglab::ui::CRASH_BANNER_ID))
        .unwrap();
    assert_eq!(banners.length(), 1);
    let banner: Element = banners.item(0).unwrap().dyn_into().unwrap();
    assert_eq!(banner.get_attribute("role").as_deref(), Some("alert"));
    assert_eq!(text(&banner, "h2"), "Loglab stopped: an internal error");
    // The message is text, not markup.
    assert_eq!(text(&banner, "pre"), message.trim());
    assert!(find(&banner, "pre b").is_none());
    let link: HtmlInputElement = find(&banner, "input").unwrap().dyn_into().unwrap();
    let href = web_sys::window().unwrap().location().href().unwrap();
    assert_eq!(link.value(), href);
    assert!(link.read_only());
    button(&banner, "Reload");
    button(&banner, "Copy link to report").click();
    assert_eq!(
        (
            link.selection_start().unwrap(),
            link.selection_end().unwrap()
        ),
        (Some(0), Some(href.encode_utf16().count() as u32)),
        "Copy selects the whole link"
    );
    banner.remove();
}
