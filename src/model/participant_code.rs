//! Participant codes: short, pseudonymous, easy to read aloud, with a check character.
//!
//! A code is six random symbols and one check symbol, shown as `ABCD-EFG`.
//! The alphabet leaves out 0/O, 1/I and L, which are confused when read
//! aloud or handwritten, and has 31 symbols — a prime — so a weighted check
//! modulo 31 catches every single wrong symbol and every swap of two
//! neighbours. Codes are random, never derived from a name: knowing someone
//! does not reveal her code, and a code reveals nothing about her.

use std::fmt;

use serde::{Deserialize, Serialize};
use thiserror::Error;

const ALPHABET: &[u8; 31] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
const DATA_LEN: usize = 6;
const LEN: usize = DATA_LEN + 1;

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ParticipantCode([u8; LEN]);

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CodeError {
    #[error("a code has 7 characters")]
    WrongLength,
    #[error("{0:?} never appears in a code (codes leave out 0, O, 1, I and L)")]
    BadCharacter(char),
    #[error("the check character does not match: a character is mistyped")]
    CheckFailed,
}

fn value(symbol: u8) -> Option<u32> {
    ALPHABET.iter().position(|&s| s == symbol).map(|p| p as u32)
}

/// The check value for six data symbols: makes Σ weightᵢ·valueᵢ ≡ 0 (mod 31)
/// with weights 7…1, all distinct and neighbours differing by one.
fn check_value(data: &[u32]) -> u32 {
    let sum: u32 = data
        .iter()
        .enumerate()
        .map(|(i, v)| (LEN as u32 - i as u32) * v)
        .sum();
    (31 - sum % 31) % 31
}

impl ParticipantCode {
    /// Builds a code from six random numbers (from the platform's secure
    /// random source; passed in so this stays testable). Each is reduced
    /// modulo 31; the bias from a u32 is below one in a hundred million.
    pub fn from_random(random: [u32; DATA_LEN]) -> ParticipantCode {
        let data: Vec<u32> = random.iter().map(|r| r % 31).collect();
        let mut code = [0u8; LEN];
        for (slot, v) in code.iter_mut().zip(&data) {
            *slot = ALPHABET[*v as usize];
        }
        code[DATA_LEN] = ALPHABET[check_value(&data) as usize];
        ParticipantCode(code)
    }

    /// Reads a code as typed: case, spaces and hyphens do not matter.
    ///
    /// # Errors
    /// [`CodeError`] saying what is wrong, so the user can fix it.
    pub fn parse(input: &str) -> Result<ParticipantCode, CodeError> {
        let symbols: Vec<char> = input
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '-')
            .map(|c| c.to_ascii_uppercase())
            .collect();
        if symbols.len() != LEN {
            return Err(CodeError::WrongLength);
        }
        let mut code = [0u8; LEN];
        let mut values = Vec::with_capacity(LEN);
        for (slot, c) in code.iter_mut().zip(&symbols) {
            let v = u8::try_from(*c)
                .ok()
                .and_then(value)
                .ok_or(CodeError::BadCharacter(*c))?;
            *slot = ALPHABET[v as usize];
            values.push(v);
        }
        if check_value(&values[..DATA_LEN]) != values[DATA_LEN] {
            return Err(CodeError::CheckFailed);
        }
        Ok(ParticipantCode(code))
    }
}

impl fmt::Display for ParticipantCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = std::str::from_utf8(&self.0).map_err(|_| fmt::Error)?;
        write!(f, "{}-{}", &s[..4], &s[4..])
    }
}

impl From<ParticipantCode> for String {
    fn from(code: ParticipantCode) -> String {
        code.to_string()
    }
}

impl TryFrom<String> for ParticipantCode {
    type Error = CodeError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        ParticipantCode::parse(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A small deterministic generator for tests (xorshift).
    fn randoms(seed: &mut u32) -> [u32; 6] {
        std::array::from_fn(|_| {
            *seed ^= *seed << 13;
            *seed ^= *seed >> 17;
            *seed ^= *seed << 5;
            *seed
        })
    }

    #[test]
    fn generated_codes_parse_back_and_look_right() {
        let mut seed = 0x1234_5678;
        for _ in 0..1000 {
            let code = ParticipantCode::from_random(randoms(&mut seed));
            let shown = code.to_string();
            assert_eq!(shown.len(), 8);
            assert_eq!(&shown[4..5], "-");
            assert!(!shown.contains(['0', 'O', '1', 'I', 'L']));
            assert_eq!(ParticipantCode::parse(&shown), Ok(code.clone()));
            assert_eq!(
                ParticipantCode::parse(&shown.to_lowercase().replace('-', " ")),
                Ok(code)
            );
        }
    }

    #[test]
    fn every_single_substitution_is_caught() {
        let code = ParticipantCode::from_random([1, 22, 3, 14, 5, 30])
            .to_string()
            .replace('-', "");
        for pos in 0..LEN {
            for &s in ALPHABET {
                let mut typo: Vec<u8> = code.bytes().collect();
                if typo[pos] == s {
                    continue;
                }
                typo[pos] = s;
                let typo = String::from_utf8(typo).unwrap();
                assert_eq!(
                    ParticipantCode::parse(&typo),
                    Err(CodeError::CheckFailed),
                    "{typo}"
                );
            }
        }
    }

    #[test]
    fn every_neighbour_swap_is_caught() {
        let mut seed = 42;
        for _ in 0..200 {
            let code = ParticipantCode::from_random(randoms(&mut seed))
                .to_string()
                .replace('-', "");
            for pos in 0..LEN - 1 {
                let mut swapped: Vec<u8> = code.bytes().collect();
                if swapped[pos] == swapped[pos + 1] {
                    continue;
                }
                swapped.swap(pos, pos + 1);
                let swapped = String::from_utf8(swapped).unwrap();
                assert_eq!(
                    ParticipantCode::parse(&swapped),
                    Err(CodeError::CheckFailed),
                    "{swapped}"
                );
            }
        }
    }

    #[test]
    fn bad_input_says_what_is_wrong() {
        assert_eq!(ParticipantCode::parse("ABC"), Err(CodeError::WrongLength));
        assert_eq!(ParticipantCode::parse(""), Err(CodeError::WrongLength));
        assert_eq!(
            ParticipantCode::parse("AB0D-EFG"),
            Err(CodeError::BadCharacter('0'))
        );
        assert_eq!(
            ParticipantCode::parse("ABOD-EFG"),
            Err(CodeError::BadCharacter('O'))
        );
        assert_eq!(
            ParticipantCode::parse("AB😀D-EFG"),
            Err(CodeError::BadCharacter('😀'))
        );
    }

    #[test]
    fn serde_uses_the_display_form() {
        let code = ParticipantCode::from_random([0, 1, 2, 3, 4, 5]);
        let json = serde_json::to_string(&code).unwrap();
        assert_eq!(json, format!("\"{code}\""));
        assert_eq!(
            serde_json::from_str::<ParticipantCode>(&json).unwrap(),
            code
        );
        assert!(serde_json::from_str::<ParticipantCode>("\"2345-678\"").is_err());
    }
}
