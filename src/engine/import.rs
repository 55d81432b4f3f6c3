//! Importing real change logs: the JSON lines `kcat -C -J` prints for a
//! Kafka topic, and the JSON `wal2json` emits from PostgreSQL logical
//! decoding (format 1 with one transaction per line, or format 2). Each
//! valid line becomes key-value commands; an invalid line is reported with
//! its number and skipped or, if asked, rejects the whole import. Nothing
//! here panics on any input.

use super::service::Command;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Format {
    /// `kcat -C -J`: {"topic","partition","offset","key","payload",...}.
    Kcat,
    /// `wal2json`: {"change":[...]} (format 1) or {"action":...} (format 2).
    Wal2json,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum OnInvalid {
    /// Report the line and go on.
    #[default]
    Skip,
    /// Report the line and import nothing.
    Reject,
}

/// A line that could not be imported.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LineError {
    /// 1-based, as editors count.
    pub line: usize,
    pub message: String,
}

impl fmt::Display for LineError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

/// What an import produced.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Imported {
    /// (line, command), in file order.
    pub commands: Vec<(usize, Command)>,
    pub skipped: Vec<LineError>,
}

/// Largest dump an import reads, in bytes (8 MiB) ...
pub const MAX_IMPORT_BYTES: usize = 8 << 20;
/// ... and in lines.
pub const MAX_IMPORT_LINES: usize = 100_000;

/// Refuses a dump past the limits, naming the limit.
pub fn check_size(text: &str) -> Result<(), String> {
    check_bytes(text.len() as u64)?;
    let lines = text.lines().count();
    if lines > MAX_IMPORT_LINES {
        return Err(format!(
            "the dump has {lines} lines; imports are limited to {MAX_IMPORT_LINES} lines"
        ));
    }
    Ok(())
}

/// Refuses a dump of `bytes` bytes past the limit, before reading it.
pub fn check_bytes(bytes: u64) -> Result<(), String> {
    if bytes > MAX_IMPORT_BYTES as u64 {
        return Err(format!(
            "the dump is {bytes} bytes; imports are limited to {MAX_IMPORT_BYTES} bytes (8 MiB)"
        ));
    }
    Ok(())
}

pub fn parse(format: Format, text: &str, on_invalid: OnInvalid) -> Result<Imported, LineError> {
    let mut imported = Imported::default();
    // kcat: offsets must grow within each (topic, partition).
    let mut last_offset: BTreeMap<(String, i64), i64> = BTreeMap::new();
    for (index, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        // From bytes, as scenarios and links are read: one copy of the JSON
        // parser in the browser bundle (a `&str` is valid UTF-8, so the
        // value and the messages are those of `from_str`).
        let parsed = serde_json::from_slice::<Value>(line.as_bytes())
            .map_err(|e| format!("not JSON: {e}"))
            .and_then(|doc| match format {
                Format::Kcat => kcat_line(&doc, &mut last_offset),
                Format::Wal2json => wal2json_line(&doc),
            });
        match parsed {
            Ok(commands) => imported
                .commands
                .extend(commands.into_iter().map(|c| (index + 1, c))),
            Err(message) => {
                let error = LineError {
                    line: index + 1,
                    message,
                };
                if on_invalid == OnInvalid::Reject {
                    return Err(error);
                }
                imported.skipped.push(error);
            }
        }
    }
    Ok(imported)
}

fn key_text(value: &Value) -> Option<String> {
    let text = match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let key: String = text
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .collect();
    (!key.is_empty() && key.len() <= 32).then_some(key)
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn kcat_line(doc: &Value, last: &mut BTreeMap<(String, i64), i64>) -> Result<Vec<Command>, String> {
    let topic = doc
        .get("topic")
        .and_then(Value::as_str)
        .ok_or("no \"topic\" string")?;
    let partition = doc
        .get("partition")
        .and_then(Value::as_i64)
        .ok_or("no \"partition\" number")?;
    let offset = doc
        .get("offset")
        .and_then(Value::as_i64)
        .ok_or("no \"offset\" number")?;
    let previous = last.insert((topic.to_owned(), partition), offset);
    if previous.is_some_and(|p| p >= offset) {
        return Err(format!(
            "offset {offset} does not follow {} in {topic}/{partition}",
            previous.unwrap_or(0)
        ));
    }
    let key = doc
        .get("key")
        .and_then(key_text)
        .ok_or("no usable \"key\" (a short string)")?;
    match doc.get("payload") {
        None | Some(Value::Null) => Ok(vec![Command::Delete(key.into())]),
        Some(payload) => {
            let value = integer(payload).ok_or("\"payload\" is not an integer")?;
            Ok(vec![Command::Put(key.into(), value)])
        }
    }
}

/// A row's key (`table:first-column`) and its first integer among the rest.
fn row(table: &str, names: &[Value], values: &[Value]) -> Result<(String, Option<i64>), String> {
    if names.is_empty() || names.len() != values.len() {
        return Err("column names and values do not match".into());
    }
    let id = key_text(&values[0]).ok_or("the first column is not a usable key")?;
    let value = values[1..].iter().find_map(integer);
    Ok((
        key_text(&Value::String(format!("{table}:{id}"))).ok_or("key too long")?,
        value,
    ))
}

fn change_command(
    kind: &str,
    table: &str,
    names: &[Value],
    values: &[Value],
) -> Result<Command, String> {
    let (key, value) = row(table, names, values)?;
    match kind {
        "insert" | "update" | "I" | "U" => Ok(Command::Put(
            key.into(),
            value.ok_or("no integer column to use as the value")?,
        )),
        "delete" | "D" => Ok(Command::Delete(key.into())),
        other => Err(format!("unknown change kind `{other}`")),
    }
}

fn wal2json_line(doc: &Value) -> Result<Vec<Command>, String> {
    let empty = Vec::new();
    if let Some(changes) = doc.get("change") {
        let changes = changes.as_array().ok_or("\"change\" is not a list")?;
        return changes
            .iter()
            .map(|c| {
                let kind = c
                    .get("kind")
                    .and_then(Value::as_str)
                    .ok_or("a change has no \"kind\"")?;
                let table = c
                    .get("table")
                    .and_then(Value::as_str)
                    .ok_or("a change has no \"table\"")?;
                let (names, values) = if kind == "delete" {
                    let keys = c.get("oldkeys").ok_or("a delete has no \"oldkeys\"")?;
                    (keys.get("keynames"), keys.get("keyvalues"))
                } else {
                    (c.get("columnnames"), c.get("columnvalues"))
                };
                let list =
                    |v: Option<&Value>| v.and_then(Value::as_array).unwrap_or(&empty).clone();
                change_command(kind, table, &list(names), &list(values))
            })
            .collect();
    }
    let action = doc
        .get("action")
        .and_then(Value::as_str)
        .ok_or("neither \"change\" nor \"action\"")?;
    if matches!(action, "B" | "C" | "M" | "T") {
        return Ok(Vec::new()); // begin, commit, message, truncate: no row change
    }
    let table = doc
        .get("table")
        .and_then(Value::as_str)
        .ok_or("no \"table\"")?;
    let field = if action == "D" { "identity" } else { "columns" };
    let columns = doc
        .get(field)
        .and_then(Value::as_array)
        .ok_or(format!("no \"{field}\" list"))?;
    let names: Vec<Value> = columns
        .iter()
        .map(|c| c.get("name").cloned().unwrap_or(Value::Null))
        .collect();
    let values: Vec<Value> = columns
        .iter()
        .map(|c| c.get("value").cloned().unwrap_or(Value::Null))
        .collect();
    Ok(vec![change_command(action, table, &names, &values)?])
}

#[cfg(test)]
mod tests {
    use super::*;

    const KCAT: &str = r#"{"topic":"orders","partition":0,"offset":0,"tstype":"create","ts":1,"broker":1,"key":"cart-7","payload":"3"}
{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":2,"broker":1,"key":"cart-8","payload":"hello"}
{"topic":"orders","partition":1,"offset":0,"tstype":"create","ts":3,"broker":1,"key":"cart-9","payload":5}
not json
{"topic":"orders","partition":0,"offset":1,"tstype":"create","ts":4,"broker":1,"key":"cart-7","payload":null}
{"topic":"orders","partition":0,"offset":2,"tstype":"create","ts":5,"broker":1,"key":"cart-7","payload":null}"#;

    #[test]
    fn kcat_lines_become_puts_and_tombstones_and_bad_lines_are_named() {
        let imported = parse(Format::Kcat, KCAT, OnInvalid::Skip).unwrap();
        let commands: Vec<(usize, String)> = imported
            .commands
            .iter()
            .map(|(l, c)| (*l, c.to_string()))
            .collect();
        assert_eq!(
            commands,
            [
                (1, "put cart-7 3".into()),
                (3, "put cart-9 5".into()),
                (6, "delete cart-7".into())
            ]
        );
        let skipped: Vec<String> = imported.skipped.iter().map(|e| e.to_string()).collect();
        assert_eq!(skipped.len(), 3);
        assert!(skipped[0].starts_with("line 2: \"payload\" is not an integer"));
        assert!(skipped[1].starts_with("line 4: not JSON"));
        assert!(skipped[2].starts_with("line 5: offset 1 does not follow 1"));
        assert_eq!(
            parse(Format::Kcat, KCAT, OnInvalid::Reject)
                .unwrap_err()
                .line,
            2
        );
    }

    #[test]
    fn wal2json_formats_one_and_two() {
        let v1 = r#"{"change":[{"kind":"insert","schema":"public","table":"stock","columnnames":["sku","qty"],"columntypes":["text","integer"],"columnvalues":["apple",3]},{"kind":"update","schema":"public","table":"stock","columnnames":["sku","qty"],"columntypes":["text","integer"],"columnvalues":["apple",4]}]}
{"change":[{"kind":"delete","schema":"public","table":"stock","oldkeys":{"keynames":["sku"],"keytypes":["text"],"keyvalues":["apple"]}}]}
{"action":"B"}
{"action":"I","schema":"public","table":"stock","columns":[{"name":"sku","type":"text","value":"pear"},{"name":"qty","type":"integer","value":7}]}
{"action":"D","schema":"public","table":"stock","identity":[{"name":"sku","type":"text","value":"pear"}]}
{"action":"X","table":"stock","columns":[]}"#;
        let imported = parse(Format::Wal2json, v1, OnInvalid::Skip).unwrap();
        let commands: Vec<String> = imported
            .commands
            .iter()
            .map(|(_, c)| c.to_string())
            .collect();
        assert_eq!(
            commands,
            [
                "put stock_apple 3",
                "put stock_apple 4",
                "delete stock_apple",
                "put stock_pear 7",
                "delete stock_pear"
            ]
        );
        assert_eq!(imported.skipped.len(), 1);
        assert_eq!(imported.skipped[0].line, 6);
    }

    #[test]
    fn dumps_past_the_limits_are_refused_naming_the_limit() {
        assert_eq!(check_size("{}\n{}\n"), Ok(()));
        let lines = "{}\n".repeat(MAX_IMPORT_LINES + 1);
        assert!(check_size(&lines)
            .unwrap_err()
            .contains("limited to 100000 lines"));
        let bytes = " ".repeat(MAX_IMPORT_BYTES + 1);
        assert!(check_size(&bytes)
            .unwrap_err()
            .contains("limited to 8388608 bytes"));
    }

    #[cfg(not(target_arch = "wasm32"))]
    mod properties {
        use super::*;
        use proptest::prelude::*;

        proptest! {
            /// Any text at all: an answer, never a panic.
            #[test]
            fn parsers_never_panic(text in ".{0,400}", json_ish in r#"[{}\[\]":,a-z0-9 \n-]{0,300}"#) {
                for format in [Format::Kcat, Format::Wal2json] {
                    for on_invalid in [OnInvalid::Skip, OnInvalid::Reject] {
                        let _ = parse(format, &text, on_invalid);
                        let _ = parse(format, &json_ish, on_invalid);
                    }
                }
            }
        }
    }
}
