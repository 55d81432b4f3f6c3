//! Decimal numbers written straight into a `String`: the labels the engine
//! builds on nearly every step (message labels, applied changes) would
//! otherwise spend most of their time in the formatting machinery.

/// Appends the decimal digits of `n`, as `Display` writes them.
pub(crate) fn push_u64(out: &mut String, n: u64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Appends `n` as `Display` writes it.
pub(crate) fn push_i64(out: &mut String, n: i64) {
    out.push_str(itoa::Buffer::new().format(n));
}

/// Reads a string and parses it with `FromStr`. The error is raised while
/// the parser is at the string, so `serde_json` reports that position and
/// a scenario error names the field the string is in.
pub(crate) fn parse_str<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr<Err = String>,
{
    struct Parse<T>(std::marker::PhantomData<T>);
    impl<T: std::str::FromStr<Err = String>> serde::de::Visitor<'_> for Parse<T> {
        type Value = T;
        fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("a string")
        }
        fn visit_str<E: serde::de::Error>(self, text: &str) -> Result<T, E> {
            text.parse().map_err(E::custom)
        }
    }
    deserializer.deserialize_str(Parse(std::marker::PhantomData))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_read_as_display_writes_them() {
        for n in [0, 1, -1, 9, 10, -10, 99, 1_000_000_007, i64::MIN, i64::MAX] {
            let mut out = String::from("x");
            push_i64(&mut out, n);
            assert_eq!(out, format!("x{n}"));
        }
        let mut out = String::new();
        push_u64(&mut out, u64::MAX);
        assert_eq!(out, u64::MAX.to_string());
    }
}
