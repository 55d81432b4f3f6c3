//! The field a scenario error is about, found from where the parser stopped.
//!
//! `serde_json` reports the line and column at which a value was refused.
//! Reading the document up to there, keeping the keys and array indexes of
//! the values still open, gives the path of the value being read, written
//! as `inputs[2].node`. One small scanner instead of a path-tracking
//! wrapper around every `Deserialize` impl keeps the browser bundle small.

/// One open object or array, and which member the parser is in.
enum Open {
    /// The key of the member being read, once its name has been read.
    Object(Option<String>),
    /// The index of the element being read.
    Array(usize),
}

/// The path of the value `error` refused in `text` (empty for the document
/// as a whole).
pub fn field_of(text: &str, error: &serde_json::Error) -> String {
    if error.line() == 0 {
        return String::new();
    }
    let message = error.to_string();
    // Refused as soon as a key was read, yet about the object it is in: a
    // key read twice, or the name of an unknown variant (`{"name": …}`).
    // (Errors about a whole object or array, such as a missing field, are
    // reported once its closing bracket has been read: it is the member.)
    let not_the_key = ["duplicate field", "unknown variant"]
        .iter()
        .any(|start| message.starts_with(start));
    let end = offset(text, error.line(), error.column());
    path(&text.as_bytes()[..end], not_the_key)
}

/// The byte offset of a 1-based line and a column counted in bytes from
/// the start of that line, as `serde_json` counts them.
fn offset(text: &str, line: usize, column: usize) -> usize {
    let mut start = 0;
    for _ in 1..line {
        match text.as_bytes()[start..].iter().position(|&b| b == b'\n') {
            Some(newline) => start += newline + 1,
            None => break,
        }
    }
    (start + column).min(text.len())
}

#[inline(never)]
fn path(read: &[u8], not_the_key: bool) -> String {
    let mut open: Vec<Open> = Vec::new();
    // Between an object's `{` or `,` and its next key's closing quote.
    let mut want_key = false;
    // Between a key's closing quote and its colon.
    let mut after_key = false;
    let mut i = 0;
    while i < read.len() {
        match read[i] {
            b'"' => {
                let start = i;
                i += 1;
                while i < read.len() && read[i] != b'"' {
                    i += if read[i] == b'\\' { 2 } else { 1 };
                }
                if want_key && i < read.len() {
                    let key =
                        serde_json::from_slice::<String>(&read[start..=i]).unwrap_or_default();
                    if let Some(Open::Object(member)) = open.last_mut() {
                        *member = Some(key);
                    }
                    want_key = false;
                    after_key = true;
                }
            }
            b':' => after_key = false,
            b'{' => {
                open.push(Open::Object(None));
                want_key = true;
            }
            b'[' => open.push(Open::Array(0)),
            // `"key"}` is not JSON, but a key is refused before the bracket
            // after it is checked, and the error is placed past the bracket.
            b'}' | b']' if after_key && i + 1 == read.len() => break,
            b'}' | b']' => {
                open.pop();
                want_key = false;
                after_key = false;
            }
            b',' => match open.last_mut() {
                Some(Open::Object(member)) => {
                    *member = None;
                    want_key = true;
                }
                Some(Open::Array(index)) => *index += 1,
                None => {}
            },
            _ => {}
        }
        i += 1;
    }
    if after_key && not_the_key {
        if let Some(Open::Object(member)) = open.last_mut() {
            *member = None;
        }
    }
    let mut path = String::new();
    for member in &open {
        match member {
            Open::Object(Some(key)) => {
                if !path.is_empty() {
                    path.push('.');
                }
                path.push_str(key);
            }
            Open::Object(None) => {}
            Open::Array(index) => {
                path.push('[');
                path.push_str(&index.to_string());
                path.push(']');
            }
        }
    }
    path
}
