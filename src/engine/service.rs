//! Replicated services: the deterministic state machines a log drives.
//!
//! Only the arithmetic service of the essay exists so far: the state is one
//! integer and every command is a pure function of the old state.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A command of the arithmetic service, written `+n`, `-n`, `*n` or `set n`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum ArithCommand {
    Add(i64),
    Sub(i64),
    Mul(i64),
    Set(i64),
}

impl ArithCommand {
    /// Applies the command. Overflow wraps so that every input has a
    /// defined, platform-independent result.
    pub fn apply(self, value: i64) -> i64 {
        match self {
            ArithCommand::Add(n) => value.wrapping_add(n),
            ArithCommand::Sub(n) => value.wrapping_sub(n),
            ArithCommand::Mul(n) => value.wrapping_mul(n),
            ArithCommand::Set(n) => n,
        }
    }
}

impl fmt::Display for ArithCommand {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArithCommand::Add(n) => write!(f, "+{n}"),
            ArithCommand::Sub(n) => write!(f, "-{n}"),
            ArithCommand::Mul(n) => write!(f, "*{n}"),
            ArithCommand::Set(n) => write!(f, "set {n}"),
        }
    }
}

impl FromStr for ArithCommand {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let bad = || {
            format!(
                "`{text}` is not an arithmetic command; write +n, -n, *n or set n (n an integer)"
            )
        };
        let number = |s: &str| s.trim().parse::<i64>().map_err(|_| bad());
        if let Some(rest) = text.strip_prefix("set ") {
            return Ok(ArithCommand::Set(number(rest)?));
        }
        let mut chars = text.chars();
        let op = chars.next().ok_or_else(bad)?;
        let rest = chars.as_str();
        if rest.trim().starts_with(['+', '-']) {
            return Err(bad());
        }
        match op {
            '+' => Ok(ArithCommand::Add(number(rest)?)),
            '-' => Ok(ArithCommand::Sub(number(rest)?)),
            '*' => Ok(ArithCommand::Mul(number(rest)?)),
            _ => Err(bad()),
        }
    }
}

impl TryFrom<String> for ArithCommand {
    type Error = String;
    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

impl From<ArithCommand> for String {
    fn from(command: ArithCommand) -> String {
        command.to_string()
    }
}

/// Which service the replicas run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ServiceKind {
    #[default]
    Arithmetic,
}

/// A replica's state machine: its value and how much of the log it has
/// applied. This is volatile: a crash loses it and a restart rebuilds it by
/// replaying the durable log.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Machine {
    pub value: i64,
    /// Number of log records applied; the next record to apply has this offset.
    pub applied_offset: u64,
}

impl Machine {
    pub fn apply(&mut self, command: ArithCommand) -> i64 {
        self.value = command.apply(self.value);
        self.applied_offset += 1;
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_prints_every_command() {
        for text in ["+1", "-3", "*2", "set 7", "+-4"] {
            if text == "+-4" {
                assert!(text.parse::<ArithCommand>().is_err());
                continue;
            }
            let command: ArithCommand = text.parse().unwrap();
            assert_eq!(command.to_string(), text);
        }
        assert!("".parse::<ArithCommand>().is_err());
        assert!("/2".parse::<ArithCommand>().is_err());
        assert!("+x".parse::<ArithCommand>().is_err());
    }

    #[test]
    fn the_essays_numbers_come_out() {
        let mut machine = Machine::default();
        let seen: Vec<i64> = ["+1", "+2", "+3"]
            .iter()
            .map(|c| machine.apply(c.parse().unwrap()))
            .collect();
        assert_eq!(seen, [1, 3, 6]);
        let add_then_double = ArithCommand::Mul(2).apply(ArithCommand::Add(1).apply(0));
        let double_then_add = ArithCommand::Add(1).apply(ArithCommand::Mul(2).apply(0));
        assert_eq!((add_then_double, double_then_add), (2, 1));
    }
}
