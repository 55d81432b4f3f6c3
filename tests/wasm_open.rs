//! Browser tests of Open file…: a file's text goes to the app the way the
//! file input hands it over (`Msg::Open`), and becomes a run or a message
//! that leaves the run shown exactly as it was. Two tests go through the
//! real input with a `File` made in the page.
//!
//! Run: `cargo test --target wasm32-unknown-unknown --test wasm_open`

#![cfg(target_arch = "wasm32")]

mod common;

use common::dom::*;
use loglab::engine::upload;
use loglab::engine::{Input, NodeId, Timeline};
use loglab::ui::{App, FileText, Msg};
use std::rc::Rc;
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlSelectElement};

wasm_bindgen_test_configure!(run_in_browser);

const KCAT: &str = include_str!("../samples/kcat-orders.jsonl");
const WAL2JSON: &str = include_str!("../samples/wal2json-stock.jsonl");
const QUORUM: &str = include_str!("../scenarios/failover-quorum.json");

/// Hands the app a file's text, as the file input does once it has read it.
async fn open_text(app: &yew::AppHandle<App>, name: &str, text: &str) {
    app.send_message(Msg::Open(FileText::new(name, text)));
    yew::scheduler::flush().await;
}

/// Waits a little for the browser (a file being read).
async fn pause() {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, 20)
            .unwrap();
    });
    wasm_bindgen_futures::JsFuture::from(promise).await.unwrap();
    yew::scheduler::flush().await;
}

async fn wait_for(root: &Element, selector: &str) -> Element {
    for _ in 0..250 {
        if let Some(found) = find(root, selector) {
            return found;
        }
        pause().await;
    }
    panic!("nothing matches {selector} after 5 s");
}

/// Puts a file made from `body` (a JS expression for its parts) in the
/// file input and fires `change`, as choosing it in the picker would.
fn choose_file(root: &Element, name: &str, body: &str) {
    let input = find(root, "[data-testid=open-file-input]").expect("the file input");
    let function = js_sys::Function::new_with_args(
        "input, name",
        &format!(
            "const transfer = new DataTransfer();\
             transfer.items.add(new File({body}, name));\
             input.files = transfer.files;\
             input.dispatchEvent(new Event('change', {{bubbles: true}}));"
        ),
    );
    function
        .call2(&JsValue::NULL, &input, &JsValue::from_str(name))
        .unwrap();
}

fn trace_hash(root: &Element) -> String {
    find(root, "[data-testid=status]")
        .unwrap()
        .get_attribute("data-trace-hash")
        .unwrap()
}

fn hash_of(timeline: &Timeline) -> String {
    format!("{:016x}", timeline.world().trace_hash())
}

fn picker(root: &Element) -> HtmlSelectElement {
    find(root, "#scenario").unwrap().dyn_into().unwrap()
}

fn button_disabled(root: &Element, name: &str) -> bool {
    button(root, name).disabled()
}

/// Everything the page shows below the header, and where the run is.
fn snapshot(root: &Element) -> (String, String, String, String) {
    (
        status(root),
        trace_hash(root),
        find(root, "main.shell").unwrap().inner_html(),
        picker(root).value(),
    )
}

fn expected_run(name: &str, text: &str) -> Timeline {
    Timeline::new(Rc::new(upload::open(name, text).unwrap().scenario))
}

#[wasm_bindgen_test]
async fn a_scenario_file_becomes_the_run_and_has_no_link() {
    let (root, app) = mount_with_handle("#scenario=arithmetic").await;
    click(&root, "Step").await;
    click(&root, "Step").await;
    let text = QUORUM.replace("\"seed\": 3", "\"seed\": 7");
    assert_ne!(text, QUORUM, "the copy differs from the bundled file");
    open_text(&app, "my-quorum.json", &text).await;

    let mut expected = expected_run("my-quorum.json", &text);
    assert_eq!(
        status(&root),
        "Tick 0 \u{b7} Step 0",
        "the timeline restarts"
    );
    assert_eq!(trace_hash(&root), hash_of(&expected));
    assert!(find(&root, "[data-testid=open-error]").is_none());
    let note = text_of(&root, "[data-testid=open-note]");
    assert!(
        note.starts_with("Opened \u{201c}my-quorum.json\u{201d}: the scenario"),
        "{note}"
    );
    assert_eq!(
        text_of(&root, "[data-testid=description]"),
        expected.scenario().description
    );
    // Three replicas, r0 the primary: the file's cluster is drawn.
    assert_eq!(
        text_of(&root, "[data-testid=role-r0]"),
        "primary \u{b7} epoch 1"
    );
    assert!(find(&root, "[data-testid=node-r3]").is_none());
    // The list shows the file, chosen.
    let select = picker(&root);
    assert_eq!(select.value(), "");
    assert_eq!(
        text_of(&root, "#scenario option:first-child"),
        "Your file: my-quorum.json"
    );
    // No link: the address bar no longer names the old run, and the share
    // control says why there is none.
    assert_eq!(hash(), "");
    assert!(button_disabled(&root, "Copy link"));
    assert!(text_of(&root, "[data-testid=share-unavailable]").contains("my-quorum.json"));

    for _ in 0..12 {
        click(&root, "Step").await;
        assert!(expected.step());
    }
    assert_eq!(trace_hash(&root), hash_of(&expected));
    // Settings apply to the file's run; still no link.
    let seed: web_sys::HtmlInputElement = find(&root, "#seed").unwrap().dyn_into().unwrap();
    assert_eq!(seed.value(), "7");

    // Picking a bundled scenario (even the one shown before) leaves the file.
    let init = web_sys::EventInit::new();
    init.set_bubbles(true);
    select.set_value("arithmetic");
    select
        .dispatch_event(&web_sys::Event::new_with_event_init_dict("change", &init).unwrap())
        .unwrap();
    yew::scheduler::flush().await;
    assert_eq!(picker(&root).value(), "arithmetic");
    assert_eq!(hash(), "#scenario=arithmetic");
    assert!(find(&root, "[data-testid=open-note]").is_none());
    assert!(!button_disabled(&root, "Copy link"));
    assert_eq!(trace_hash(&root), hash_of(&engine_for("arithmetic")));
}

#[wasm_bindgen_test]
async fn a_kcat_dump_becomes_a_key_value_run() {
    let (root, app) = mount_with_handle("#scenario=failover-quorum").await;
    open_text(&app, "orders.jsonl", KCAT).await;
    let mut expected = expected_run("orders.jsonl", KCAT);
    let changes = expected.scenario().inputs.len();
    assert_eq!(
        text_of(&root, "[data-testid=open-note]"),
        format!(
            "Opened \u{201c}orders.jsonl\u{201d}, a kcat -J dump: its {changes} changes are the \
             writes. Skipped 1 line that is not a change ({}).",
            upload::open("orders.jsonl", KCAT).unwrap().skipped[0]
        )
    );
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert_eq!(trace_hash(&root), hash_of(&expected));
    assert!(find(&root, "[data-testid=node-r2]").is_some());
    while !button(&root, "Step").disabled() {
        click(&root, "Step").await;
        assert!(expected.step());
    }
    assert_eq!(trace_hash(&root), hash_of(&expected));
    assert_eq!(
        text_of(&root, "[data-testid=verdict]"),
        "Checkers: all hold."
    );

    // A wal2json dump replaces it the same way.
    open_text(&app, "stock.json", WAL2JSON).await;
    assert!(text_of(&root, "[data-testid=open-note]").contains("a wal2json dump"));
    assert_eq!(status(&root), "Tick 0 \u{b7} Step 0");
    assert_eq!(
        trace_hash(&root),
        hash_of(&expected_run("stock.json", WAL2JSON))
    );
}

#[wasm_bindgen_test]
async fn a_bad_file_is_named_and_the_run_stays_as_it_was() {
    let (root, app) = mount_with_handle("#scenario=arithmetic").await;
    click(&root, "Step").await;
    click(&root, "Step").await;
    let before = snapshot(&root);
    let url = hash();
    let cases = [
        ("broken.json", "{ nope", "not valid JSON"),
        ("empty.json", "  \n", "it is empty"),
        ("half.json", r#"{"seed":1}"#, "missing field `replicas`"),
        (
            "imports.json",
            include_str!("../samples/import-kcat.json"),
            "open the dump itself",
        ),
        (
            "nothing.jsonl",
            r#"{"topic":"t","partition":0,"offset":0,"key":null,"payload":"x"}"#,
            "holds no change",
        ),
    ];
    for (name, text, needle) in cases {
        open_text(&app, name, text).await;
        let alert = find(&root, "[data-testid=open-error]").expect("an error is shown");
        assert_eq!(alert.get_attribute("role").as_deref(), Some("alert"));
        let said = alert.text_content().unwrap();
        assert!(
            said.starts_with(&format!("Could not open \u{201c}{name}\u{201d}: ")),
            "{said}"
        );
        assert!(said.contains(needle), "{name}: {said}");
        assert!(said.ends_with("The run shown is unchanged."), "{said}");
        assert_eq!(snapshot(&root), before, "{name} changed the run");
        assert_eq!(hash(), url, "{name} changed the address");
    }
    // A file the browser could not read says so too.
    app.send_message(Msg::Open(FileText {
        name: "gone.json".to_owned(),
        text: Err("the browser could not read it (NotFoundError)".to_owned()),
    }));
    yew::scheduler::flush().await;
    assert_eq!(
        text_of(&root, "[data-testid=open-error]"),
        "Could not open \u{201c}gone.json\u{201d}: the browser could not read it \
         (NotFoundError). The run shown is unchanged."
    );
    assert_eq!(snapshot(&root), before);

    // The run goes on as if nothing had happened.
    let mut expected = engine_for("arithmetic");
    expected.step();
    expected.step();
    click(&root, "Step").await;
    expected.step();
    assert_eq!(trace_hash(&root), hash_of(&expected));
    assert!(!button_disabled(&root, "Copy link"));

    // After a file's run, a bad file keeps the file's run.
    open_text(&app, "orders.jsonl", KCAT).await;
    click(&root, "Step").await;
    let before = snapshot(&root);
    open_text(&app, "broken.json", "[1,").await;
    assert!(find(&root, "[data-testid=open-error]").is_some());
    assert!(find(&root, "[data-testid=open-note]").is_none());
    assert_eq!(snapshot(&root), before);
    assert!(button_disabled(&root, "Copy link"), "still the file's run");
}

#[wasm_bindgen_test]
async fn a_bad_file_keeps_an_undo_and_a_fork() {
    // Everything the user built stays: recorded inputs, the fork's undo.
    let (root, app) = mount_with_handle("#scenario=arithmetic").await;
    for _ in 0..4 {
        click(&root, "Step").await;
    }
    click(&root, "Back").await;
    click(&root, "Back").await;
    app.send_message(Msg::Input(Input::Crash { node: NodeId(2) }));
    yew::scheduler::flush().await;
    assert!(find(&root, "[data-testid=undo-notice]").is_some());
    let before = (snapshot(&root), text_of(&root, "[data-testid=undo-notice]"));
    open_text(&app, "bad.json", "not json at all").await;
    assert_eq!(
        (snapshot(&root), text_of(&root, "[data-testid=undo-notice]")),
        before
    );
    click(&root, "Undo fork").await;
    assert!(status(&root).ends_with("Step 2"), "{}", status(&root));
}

#[wasm_bindgen_test]
async fn the_file_input_reads_the_chosen_file() {
    let root = mount_at("#scenario=arithmetic").await;
    assert!(find(&root, "button[aria-describedby=open-file-help]").is_some());
    assert_eq!(text_of(&root, ".open-file button"), "Open file\u{2026}");
    choose_file(&root, "orders.jsonl", &format!("[{}]", js_string(KCAT)));
    wait_for(&root, "[data-testid=open-note]").await;
    assert_eq!(
        trace_hash(&root),
        hash_of(&expected_run("orders.jsonl", KCAT))
    );
    // Over the limit: refused before it is read, and the run stays.
    let before = snapshot(&root);
    let big = upload::MAX_UPLOAD_BYTES + 1;
    choose_file(&root, "huge.json", &format!("[new Uint8Array({big})]"));
    let alert = wait_for(&root, "[data-testid=open-error]").await;
    assert_eq!(
        alert.text_content().unwrap(),
        format!(
            "Could not open \u{201c}huge.json\u{201d}: it is {big} bytes; the page opens files \
             of at most {} bytes. The run shown is unchanged.",
            upload::MAX_UPLOAD_BYTES
        )
    );
    assert_eq!(snapshot(&root), before);
    // Bytes that are not UTF-8 are read with replacement characters and
    // refused as JSON.
    choose_file(
        &root,
        "binary.json",
        "[new Uint8Array([0xff, 0xfe, 0x00, 0x7b])]",
    );
    for _ in 0..250 {
        if text_of(&root, "[data-testid=open-error]").contains("binary.json") {
            break;
        }
        pause().await;
    }
    assert!(text_of(&root, "[data-testid=open-error]").contains("not valid JSON"));
    assert_eq!(snapshot(&root), before);
}

/// A JS string literal for `text`.
fn js_string(text: &str) -> String {
    js_sys::JSON::stringify(&JsValue::from_str(text))
        .unwrap()
        .as_string()
        .unwrap()
}

fn text_of(root: &Element, selector: &str) -> String {
    text(root, selector)
}
