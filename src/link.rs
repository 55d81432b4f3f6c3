//! Links to a scenario: the URL hash `#scenario=NAME`. Plain string work,
//! so it is tested natively (and fuzzed in `tests/fuzz.rs`); the app's
//! `ui::location` reads and writes the browser's location with it.

/// What a URL hash asks for: `None` when it names no scenario at all. The
/// name is percent-decoded as `decodeURIComponent` would; a malformed
/// escape leaves it as written.
pub fn scenario_in(hash: &str) -> Option<String> {
    let raw = hash
        .trim_start_matches('#')
        .split('&')
        .find_map(|part| part.strip_prefix("scenario="))?;
    Some(percent_decode(raw).unwrap_or_else(|| raw.to_owned()))
}

/// The hash that links to the scenario called `name`.
pub fn scenario_hash(name: &str) -> String {
    format!("#scenario={}", percent_encode(name))
}

/// `decodeURIComponent`: `%XX` escapes of UTF-8 bytes; `None` for a
/// broken escape or bytes that are not UTF-8.
pub fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// `encodeURIComponent`: every byte but ASCII letters, digits and
/// `-_.!~*'()` becomes `%XX`.
pub fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-_.!~*'()".contains(&byte) {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_scenario_among_other_parts() {
        assert_eq!(
            scenario_in("#scenario=failover-async"),
            Some("failover-async".into())
        );
        assert_eq!(scenario_in("#a=1&scenario=x%20y&b"), Some("x y".into()));
        assert_eq!(scenario_in("scenario="), Some(String::new()));
        assert_eq!(scenario_in("#other=1"), None);
        assert_eq!(scenario_in(""), None);
    }

    #[test]
    fn broken_escapes_stay_as_written() {
        assert_eq!(scenario_in("#scenario=%"), Some("%".into()));
        assert_eq!(scenario_in("#scenario=%zz"), Some("%zz".into()));
        assert_eq!(scenario_in("#scenario=%ff"), Some("%ff".into()));
        assert_eq!(scenario_in("#scenario=%C3%A9"), Some("\u{e9}".into()));
        // A multi-byte character split by the escape's end.
        assert_eq!(percent_decode("%E2%82"), None);
        assert_eq!(percent_decode("a%2"), None);
    }

    #[test]
    fn encode_then_decode_is_the_identity() {
        for name in ["arithmetic", "a b&c=d#e", "caf\u{e9} \u{1f600}", "%41", ""] {
            assert_eq!(scenario_in(&scenario_hash(name)).as_deref(), Some(name));
        }
        assert_eq!(percent_encode("a b"), "a%20b");
    }
}
