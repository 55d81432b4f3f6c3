//! A file a user opens in the page: either a scenario document, or a real
//! change-log dump (`kcat -C -J` lines or `wal2json` output) that becomes
//! the writes of a small key-value scenario. Whatever the bytes, the result
//! is a runnable scenario or an error that says what is wrong; nothing here
//! panics and nothing half-loaded is ever returned.

use super::import::{Format, LineError, OnInvalid};
use super::scenario::{ImportSpec, Scenario, ScenarioError, MAX_RUN_TICKS};
use serde_json::Value;

/// The largest file the page accepts.
pub const MAX_UPLOAD_BYTES: usize = 4 * 1024 * 1024;

/// A file turned into a scenario.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upload {
    pub scenario: Scenario,
    /// What kind of file it was, for the message the page shows.
    pub kind: UploadKind,
    /// Dump lines that were not valid and were skipped.
    pub skipped: Vec<LineError>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UploadKind {
    Scenario,
    Dump(Format),
}

fn error(message: impl Into<String>) -> ScenarioError {
    ScenarioError {
        field: String::new(),
        message: message.into(),
    }
}

/// Which dump format the first non-empty line looks like, if any.
pub fn detect_dump(text: &str) -> Option<Format> {
    let line = text.lines().find(|l| !l.trim().is_empty())?;
    // From bytes, like every JSON the page reads: one copy of the parser.
    let doc: Value = serde_json::from_slice(line.as_bytes()).ok()?;
    let object = doc.as_object()?;
    if object.contains_key("topic") || object.contains_key("partition") {
        Some(Format::Kcat)
    } else if object.contains_key("change") || object.contains_key("action") {
        Some(Format::Wal2json)
    } else {
        None
    }
}

/// Refuses a file of `bytes` bytes when it is over the limit, so the page
/// can say so before reading it.
pub fn check_size(file_name: &str, bytes: u64) -> Result<(), ScenarioError> {
    if bytes > MAX_UPLOAD_BYTES as u64 {
        return Err(error(format!(
            "{file_name} is {bytes} bytes; the page opens files of at most {MAX_UPLOAD_BYTES} bytes"
        )));
    }
    Ok(())
}

/// Reads `text` (from a file called `file_name`) as a scenario or a dump.
pub fn open(file_name: &str, text: &str) -> Result<Upload, ScenarioError> {
    check_size(file_name, text.len() as u64)?;
    if text.trim().is_empty() {
        return Err(error(format!("{file_name} is empty")));
    }
    if let Some(format) = detect_dump(text) {
        return from_dump(file_name, format, text);
    }
    let scenario = Scenario::from_json(text)?;
    if let Some(spec) = &scenario.import {
        return Err(ScenarioError {
            field: "import.file".into(),
            message: format!(
                "this scenario imports `{}`, which the page cannot read next to it; \
                 open the dump itself instead",
                spec.file
            ),
        });
    }
    Ok(Upload {
        scenario,
        kind: UploadKind::Scenario,
        skipped: Vec::new(),
    })
}

/// A key-value scenario whose writes are the dump's changes: three
/// active-active replicas, a cache and a per-key counter reading the log.
fn from_dump(file_name: &str, format: Format, text: &str) -> Result<Upload, ScenarioError> {
    let label = match format {
        Format::Kcat => "kcat -J",
        Format::Wal2json => "wal2json",
    };
    let template = serde_json::json!({
        "name": format!("Imported: {file_name}"),
        "description": format!(
            "The changes in {file_name} ({label}) are the writes, one per tick, in file order. \
             A cache and a per-key counter read the log as it grows."
        ),
        "seed": 1,
        "protocol": "active-active",
        "replicas": 3,
        "service": "key-value",
        "subscribers": [
            { "name": "cache", "kind": "cache", "every_ticks": 1 },
            { "name": "counts", "kind": "count-per-key", "every_ticks": 2, "batch_records": 2 }
        ],
        "run_ticks": 1
    });
    let mut scenario = Scenario::from_json(&template.to_string())?;
    scenario.import = Some(ImportSpec {
        format,
        file: file_name.to_owned(),
        invalid_lines: OnInvalid::Skip,
        start_tick: 1,
        every_ticks: 1,
    });
    // Every change gets a tick, and the run goes on long enough to settle.
    scenario.run_ticks = MAX_RUN_TICKS;
    let skipped = scenario.resolve_import(|_| Ok(text.to_owned()))?;
    let Some(last) = scenario.inputs.last() else {
        return Err(error(format!(
            "{file_name} looks like {label} output but holds no change the simulator can use"
        )));
    };
    scenario.run_ticks = (last.tick + 40).min(MAX_RUN_TICKS);
    scenario.validate()?;
    Ok(Upload {
        scenario,
        kind: UploadKind::Dump(format),
        skipped,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const KCAT: &str = include_str!("../../samples/kcat-orders.jsonl");
    const WAL2JSON: &str = include_str!("../../samples/wal2json-stock.jsonl");

    #[test]
    fn a_kcat_dump_becomes_a_key_value_run_with_bad_lines_named() {
        let upload = open("orders.jsonl", KCAT).expect("the sample opens");
        assert_eq!(upload.kind, UploadKind::Dump(Format::Kcat));
        assert_eq!(upload.skipped.len(), 1);
        assert_eq!(upload.skipped[0].line, 4);
        assert!(upload.scenario.inputs.len() > 3);
        assert!(upload.scenario.import.is_none(), "resolved into inputs");
        assert!(upload.scenario.name.contains("orders.jsonl"));
    }

    #[test]
    fn a_wal2json_dump_is_recognised() {
        let upload = open("stock.json", WAL2JSON).expect("the sample opens");
        assert_eq!(upload.kind, UploadKind::Dump(Format::Wal2json));
        assert!(!upload.scenario.inputs.is_empty());
    }

    #[test]
    fn a_scenario_document_opens_as_itself() {
        let text = crate::scenarios::text("arithmetic").expect("bundled");
        let upload = open("arithmetic.json", text).expect("opens");
        assert_eq!(upload.kind, UploadKind::Scenario);
        assert_eq!(upload.scenario, Scenario::from_json(text).unwrap());
    }

    #[test]
    fn bad_files_say_what_is_wrong() {
        let cases = [
            ("", "is empty"),
            ("{ nope", "not valid JSON"),
            (r#"{"seed":1}"#, "missing field `replicas`"),
            (
                r#"{"topic":"t","partition":0,"offset":0,"key":null,"payload":"x"}"#,
                "holds no change",
            ),
            (
                r#"{"seed":1,"replicas":1,"run_ticks":5,"service":"key-value","import":{"format":"kcat","file":"x.jsonl"}}"#,
                "open the dump itself",
            ),
        ];
        for (text, needle) in cases {
            let message = open("f.json", text).expect_err(text).to_string();
            assert!(message.contains(needle), "{text}: {message}");
        }
        let huge = " ".repeat(MAX_UPLOAD_BYTES + 1);
        assert!(open("big.json", &huge)
            .unwrap_err()
            .message
            .contains("at most"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::super::*;
        use super::KCAT;
        use proptest::prelude::*;

        proptest! {
            #[test]
            fn any_text_opens_or_fails_cleanly(text in ".{0,300}") {
                if let Ok(upload) = open("any", &text) {
                    prop_assert!(upload.scenario.validate().is_ok());
                }
            }

            #[test]
            fn damaged_samples_open_or_fail_cleanly(cut in 0usize..2000, junk in "[{}\\[\\]\":,a-z0-9 \n-]{0,40}") {
                let mut text = KCAT.to_owned();
                let at = (0..=cut.min(text.len())).rev().find(|&i| text.is_char_boundary(i)).unwrap_or(0);
                text.insert_str(at, &junk);
                if let Ok(upload) = open("damaged.jsonl", &text) {
                    prop_assert!(upload.scenario.validate().is_ok());
                }
            }
        }
    }
}
