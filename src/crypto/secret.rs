//! What a PIN or passphrase must be, and how long the lock screen waits after wrong ones.

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// How the user unlocks: decides the keyboard and the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SecretKind {
    Pin,
    Passphrase,
}

pub const PIN_MIN: usize = 6;
pub const PIN_MAX: usize = 12;
pub const PASSPHRASE_MIN: usize = 8;
/// Long enough for any sentence people type; a longer paste is almost
/// certainly the wrong thing pasted, and is refused with a message.
pub const PASSPHRASE_MAX: usize = 256;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
pub enum SecretError {
    #[error("nothing was typed")]
    Empty,
    #[error("only spaces were typed")]
    OnlySpaces,
    #[error("a PIN has digits only")]
    NotDigits,
    #[error("at least {min} characters")]
    TooShort { min: usize },
    #[error("at most {max} characters")]
    TooLong { max: usize },
    /// 000000, 123456, 987654: the first guesses anyone tries.
    #[error("too easy to guess")]
    TooSimple,
    #[error("the two entries differ")]
    Mismatch,
}

/// Checks a new PIN or passphrase. Lengths count characters, not bytes, so
/// a passphrase in any script gets the same rule.
///
/// # Errors
/// The first rule broken.
pub fn check(kind: SecretKind, secret: &str) -> Result<(), SecretError> {
    if secret.is_empty() {
        return Err(SecretError::Empty);
    }
    if secret.chars().all(char::is_whitespace) {
        return Err(SecretError::OnlySpaces);
    }
    let len = secret.chars().count();
    match kind {
        SecretKind::Pin => {
            if !secret.chars().all(|c| c.is_ascii_digit()) {
                return Err(SecretError::NotDigits);
            }
            if len < PIN_MIN {
                return Err(SecretError::TooShort { min: PIN_MIN });
            }
            if len > PIN_MAX {
                return Err(SecretError::TooLong { max: PIN_MAX });
            }
            if is_run(secret.as_bytes()) {
                return Err(SecretError::TooSimple);
            }
        }
        SecretKind::Passphrase => {
            if len < PASSPHRASE_MIN {
                return Err(SecretError::TooShort {
                    min: PASSPHRASE_MIN,
                });
            }
            if len > PASSPHRASE_MAX {
                return Err(SecretError::TooLong {
                    max: PASSPHRASE_MAX,
                });
            }
        }
    }
    Ok(())
}

/// Checks a new secret and its confirmation.
///
/// # Errors
/// As [`check`], then [`SecretError::Mismatch`].
pub fn confirm(kind: SecretKind, first: &str, second: &str) -> Result<(), SecretError> {
    check(kind, first)?;
    if first != second {
        return Err(SecretError::Mismatch);
    }
    Ok(())
}

/// One digit repeated, or digits stepping by +1 or -1 (wrapping 9→0).
fn is_run(digits: &[u8]) -> bool {
    let steps: Vec<i16> = digits
        .windows(2)
        .map(|w| (i16::from(w[1]) - i16::from(w[0]) + 10) % 10)
        .collect();
    [0, 1, 9].iter().any(|s| steps.iter().all(|d| d == s))
}

/// Wrong attempts so far and when the next one is allowed. Kept on the
/// phone, so reloading the app does not reset it.
#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Throttle {
    pub failures: u32,
    /// Milliseconds since 1970.
    pub not_before_ms: f64,
}

/// Attempts allowed before any waiting: a finger slips.
pub const FREE_ATTEMPTS: u32 = 3;
/// The longest wait, so the rightful user is never shut out for long.
pub const MAX_DELAY_S: u32 = 15 * 60;

impl Throttle {
    /// Seconds to wait after `failures` wrong attempts: none for the first
    /// three, then 30 s doubling each time, at most 15 minutes.
    pub fn delay_s(failures: u32) -> u32 {
        if failures <= FREE_ATTEMPTS {
            return 0;
        }
        let doublings = (failures - FREE_ATTEMPTS - 1).min(10);
        (30u32 << doublings).min(MAX_DELAY_S)
    }

    /// Milliseconds still to wait at `now_ms`. A clock set back cannot make
    /// the wait longer than the delay itself.
    pub fn wait_ms(&self, now_ms: f64) -> f64 {
        let longest = f64::from(Self::delay_s(self.failures)) * 1000.0;
        (self.not_before_ms - now_ms).clamp(0.0, longest)
    }

    /// After a wrong attempt at `now_ms`.
    pub fn failed(self, now_ms: f64) -> Throttle {
        let failures = self.failures.saturating_add(1);
        Throttle {
            failures,
            not_before_ms: now_ms + f64::from(Self::delay_s(failures)) * 1000.0,
        }
    }
}
