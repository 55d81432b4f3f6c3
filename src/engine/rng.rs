//! The world's only source of randomness, and integer probabilities.
//!
//! ChaCha gives the same stream on 64-bit native and 32-bit wasm; every
//! draw uses `u64` ranges so no platform-sized integer leaks in.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Clone, Debug)]
pub struct SimRng(ChaCha8Rng);

impl SimRng {
    pub fn new(seed: u64) -> Self {
        SimRng(ChaCha8Rng::seed_from_u64(seed))
    }

    /// Uniform in `min..=max`.
    pub fn range(&mut self, min: u64, max: u64) -> u64 {
        self.0.gen_range(min..=max)
    }

    /// True with probability `ratio`. Always draws exactly one number, so a
    /// change of ratio never shifts the rest of the stream.
    pub fn chance(&mut self, ratio: Ratio) -> bool {
        let roll = self.0.gen_range(0..ratio.den);
        roll < ratio.num
    }
}

/// A probability as `num/den`, written "1/10" in scenario files.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Ratio {
    pub num: u64,
    pub den: u64,
}

impl Ratio {
    pub const NEVER: Ratio = Ratio { num: 0, den: 1 };

    pub fn new(num: u64, den: u64) -> Result<Self, String> {
        if den == 0 {
            return Err(format!("`{num}/{den}` has a zero denominator"));
        }
        if num > den {
            return Err(format!(
                "`{num}/{den}` is more than 1; a probability is at most 1/1"
            ));
        }
        Ok(Ratio { num, den })
    }
}

impl Default for Ratio {
    fn default() -> Self {
        Ratio::NEVER
    }
}

impl fmt::Display for Ratio {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.num, self.den)
    }
}

impl FromStr for Ratio {
    type Err = String;
    fn from_str(text: &str) -> Result<Self, String> {
        let bad = || format!("`{text}` is not a probability; write it as a ratio such as \"1/10\"");
        let (num, den) = text.split_once('/').ok_or_else(bad)?;
        let num = num.trim().parse().map_err(|_| bad())?;
        let den = den.trim().parse().map_err(|_| bad())?;
        Ratio::new(num, den)
    }
}

impl TryFrom<String> for Ratio {
    type Error = String;
    fn try_from(text: String) -> Result<Self, String> {
        text.parse()
    }
}

impl<'de> Deserialize<'de> for Ratio {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        super::text::parse_str(deserializer)
    }
}

impl From<Ratio> for String {
    fn from(ratio: Ratio) -> String {
        ratio.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PINNED: [u64; 6] = [68, 95, 42, 62, 80, 77];

    #[test]
    fn same_seed_same_stream_and_different_seed_differs() {
        let draw = |seed| {
            let mut rng = SimRng::new(seed);
            (0..32).map(|_| rng.range(0, 1_000_000)).collect::<Vec<_>>()
        };
        assert_eq!(draw(7), draw(7));
        assert_ne!(draw(7), draw(8));
    }

    #[test]
    fn known_first_draws_pin_the_generator() {
        // Pinned so that a change of RNG crate, algorithm or range method is
        // noticed here first: the golden trace hashes depend on this stream.
        let mut rng = SimRng::new(42);
        let first: Vec<u64> = (0..6).map(|_| rng.range(0, 99)).collect();
        assert_eq!(first, PINNED);
    }

    #[test]
    fn ratios_parse_and_reject_nonsense() {
        assert_eq!("1/10".parse::<Ratio>(), Ok(Ratio { num: 1, den: 10 }));
        assert!("3/2".parse::<Ratio>().is_err());
        assert!("1/0".parse::<Ratio>().is_err());
        assert!("0.1".parse::<Ratio>().is_err());
    }

    #[test]
    fn chance_extremes() {
        let mut rng = SimRng::new(1);
        assert!((0..1000).all(|_| !rng.chance(Ratio::NEVER)));
        assert!((0..1000).all(|_| rng.chance(Ratio { num: 5, den: 5 })));
    }
}
