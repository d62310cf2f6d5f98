//! The interface languages Jangkau speaks and how a saved choice is read back.

use serde::{Deserialize, Serialize};

/// An interface language. Bahasa Indonesia is the default: the people who use
/// Jangkau work in it, and many of their phones are set to English anyway, so
/// the browser's language is not a reliable hint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub enum Language {
    #[default]
    Indonesian,
    English,
}

impl Language {
    /// Every language, in the order the switch offers them.
    pub const ALL: [Language; 2] = [Language::Indonesian, Language::English];

    /// BCP 47 code, as used for `<html lang>` and the locale files.
    pub fn code(self) -> &'static str {
        match self {
            Language::Indonesian => "id",
            Language::English => "en",
        }
    }

    /// Parses a code as saved by [`Language::code`]; case and surrounding
    /// blanks are ignored, and a region (`en-GB`) is accepted.
    pub fn from_code(code: &str) -> Option<Language> {
        let code = code.trim().to_ascii_lowercase();
        let primary = code.split(['-', '_']).next().unwrap_or_default();
        match primary {
            "id" | "in" => Some(Language::Indonesian),
            "en" => Some(Language::English),
            _ => None,
        }
    }

    /// The language to start in, given what was saved (if anything). A
    /// missing or unreadable value falls back to the default rather than
    /// failing: a broken preference must never stop the app from opening.
    pub fn from_saved(saved: Option<&str>) -> Language {
        saved.and_then(Language::from_code).unwrap_or_default()
    }

    /// The other language: the switch in the header toggles between two.
    pub fn toggled(self) -> Language {
        match self {
            Language::Indonesian => Language::English,
            Language::English => Language::Indonesian,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_is_indonesian() {
        assert_eq!(Language::default(), Language::Indonesian);
        assert_eq!(Language::from_saved(None), Language::Indonesian);
    }

    #[test]
    fn codes_round_trip() {
        for lang in Language::ALL {
            assert_eq!(Language::from_code(lang.code()), Some(lang));
        }
    }

    #[test]
    fn accepts_regions_case_and_blanks() {
        assert_eq!(Language::from_code(" EN-gb "), Some(Language::English));
        assert_eq!(Language::from_code("id_ID"), Some(Language::Indonesian));
        // Java and old Android report Indonesian as "in".
        assert_eq!(Language::from_code("in"), Some(Language::Indonesian));
    }

    #[test]
    fn unknown_or_garbage_falls_back_to_default() {
        assert_eq!(Language::from_code("fr"), None);
        assert_eq!(Language::from_saved(Some("")), Language::Indonesian);
        assert_eq!(
            Language::from_saved(Some("\u{0}<script>")),
            Language::Indonesian
        );
        assert_eq!(Language::from_saved(Some("en")), Language::English);
    }

    #[test]
    fn toggle_switches_between_the_two() {
        assert_eq!(Language::Indonesian.toggled(), Language::English);
        assert_eq!(Language::English.toggled(), Language::Indonesian);
    }
}
