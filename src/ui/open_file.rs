//! Open file…: a button that opens the browser's file picker, reads the
//! chosen file as text and hands its name and text to the app. What the
//! text becomes (a scenario, a dump's run, or a sentence saying what is
//! wrong) is decided by `load`, the same step whether the text came from
//! the picker or from a test.

use crate::engine::import::Format;
use crate::engine::upload::{self, Upload, UploadKind};
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::HtmlInputElement;
use yew::prelude::*;

/// What the file input hands the app: the file's name, and its text or
/// why it could not be read.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FileText {
    pub name: String,
    pub text: Result<String, String>,
}

impl FileText {
    /// A file that was read.
    pub fn new(name: impl Into<String>, text: impl Into<String>) -> FileText {
        FileText {
            name: name.into(),
            text: Ok(text.into()),
        }
    }
}

/// What the page says about the last file opened.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Said {
    pub text: String,
    pub error: bool,
    /// Counts every file, so the same refusal twice is announced twice.
    pub attempt: u32,
}

/// The file as a run, or the sentence the page shows instead (the run
/// shown is then left as it was).
pub fn load(file: &FileText) -> Result<Upload, String> {
    let problem = match &file.text {
        Ok(text) => match upload::open(&file.name, text) {
            Ok(upload) => return Ok(upload),
            Err(error) => error.to_string(),
        },
        Err(problem) => problem.clone(),
    };
    // "orders.json is empty" reads better as "it is empty" after the name.
    let problem = match problem.strip_prefix(file.name.as_str()) {
        Some(rest) if !file.name.is_empty() && rest.starts_with(' ') => format!("it{rest}"),
        _ => problem,
    };
    let problem = problem.trim_end_matches('.');
    Err(format!(
        "Could not open \u{201c}{}\u{201d}: {problem}. The run shown is unchanged.",
        file.name
    ))
}

/// The sentence shown once a file has opened.
pub fn opened_text(name: &str, upload: &Upload) -> String {
    let scenario = &upload.scenario;
    let mut text = match upload.kind {
        UploadKind::Scenario => format!(
            "Opened \u{201c}{name}\u{201d}: the scenario \u{201c}{}\u{201d}.",
            scenario.name
        ),
        UploadKind::Dump(format) => {
            let label = match format {
                Format::Kcat => "a kcat -J dump",
                Format::Wal2json => "a wal2json dump",
            };
            let changes = scenario.inputs.len();
            let noun = if changes == 1 {
                "change is"
            } else {
                "changes are"
            };
            format!("Opened \u{201c}{name}\u{201d}, {label}: its {changes} {noun} the writes.")
        }
    };
    if !upload.skipped.is_empty() {
        let shown: Vec<String> = upload
            .skipped
            .iter()
            .take(3)
            .map(|e| e.to_string())
            .collect();
        let more = upload.skipped.len() - shown.len();
        text.push_str(&format!(
            " Skipped {} line{} that {} not a change ({}{}).",
            upload.skipped.len(),
            if upload.skipped.len() == 1 { "" } else { "s" },
            if upload.skipped.len() == 1 {
                "is"
            } else {
                "are"
            },
            shown.join("; "),
            if more > 0 {
                format!("; and {more} more")
            } else {
                String::new()
            }
        ));
    }
    text
}

/// Reads the chosen file and reports it; a file over the limit is refused
/// before it is read.
fn read(file: web_sys::File, on_open: Callback<FileText>) {
    let name = file.name();
    if let Err(error) = upload::check_size(&name, file.size() as u64) {
        on_open.emit(FileText {
            name,
            text: Err(error.to_string()),
        });
        return;
    }
    wasm_bindgen_futures::spawn_local(async move {
        let text = match JsFuture::from(file.text()).await {
            Ok(text) => text
                .as_string()
                .ok_or_else(|| "the browser gave no text for it".to_owned()),
            Err(error) => Err(format!(
                "the browser could not read it ({})",
                error
                    .dyn_ref::<js_sys::Error>()
                    .map(|e| String::from(e.message()))
                    .unwrap_or_else(|| "no reason given".to_owned())
            )),
        };
        on_open.emit(FileText { name, text });
    });
}

#[derive(Properties, PartialEq)]
pub struct OpenFileProps {
    pub on_open: Callback<FileText>,
}

/// The button, and the file input it opens (hidden: the button is what
/// a user, a keyboard and a screen reader meet).
#[function_component(OpenFile)]
pub fn open_file(props: &OpenFileProps) -> Html {
    let input = use_node_ref();
    let onclick = {
        let input = input.clone();
        Callback::from(move |_: MouseEvent| {
            if let Some(input) = input.cast::<HtmlInputElement>() {
                input.click();
            }
        })
    };
    let onchange = {
        let on_open = props.on_open.clone();
        Callback::from(move |e: Event| {
            let input: HtmlInputElement = e.target_unchecked_into();
            let file = input.files().and_then(|files| files.get(0));
            // Choosing the same file again is then a change too.
            input.set_value("");
            if let Some(file) = file {
                read(file, on_open.clone());
            }
        })
    };
    html! {
        <div class="open-file">
            <button type="button" aria-describedby="open-file-help" {onclick}
                title="Open a scenario (.json) or a kcat -J / wal2json dump">
                {"Open file\u{2026}"}
            </button>
            <span id="open-file-help" class="visually-hidden">
                {"A scenario file, or a kcat -J or wal2json dump, at most 4 MiB."}
            </span>
            <input ref={input} type="file" hidden=true tabindex="-1"
                accept=".json,.jsonl,.ndjson,.txt,application/json,text/plain"
                aria-label="Open file" data-testid="open-file-input" {onchange} />
        </div>
    }
}

/// What the page says about the last file, under the scenario list.
pub fn said(said: Option<&Said>) -> Html {
    match said {
        None => html! {},
        Some(said) if said.error => html! {
            <p key={said.attempt} class="error notice open-said" role="alert"
                data-testid="open-error">{ &said.text }</p>
        },
        Some(said) => html! {
            <p key={said.attempt} class="note open-said" aria-live="polite"
                data-testid="open-note">{ &said.text }</p>
        },
    }
}
