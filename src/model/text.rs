//! Text given in both interface languages, as form definitions carry it.

use serde::{Deserialize, Serialize};

use super::language::Language;

/// A label, hint, choice or message in Bahasa Indonesia and English. Both are
/// required: a form must read fully in either language.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Text {
    pub id: String,
    pub en: String,
}

impl Text {
    pub fn get(&self, language: Language) -> &str {
        match language {
            Language::Indonesian => &self.id,
            Language::English => &self.en,
        }
    }

    /// The language codes whose text is blank.
    pub fn blank_languages(&self) -> Vec<&'static str> {
        let mut out = Vec::new();
        if self.id.trim().is_empty() {
            out.push("id");
        }
        if self.en.trim().is_empty() {
            out.push("en");
        }
        out
    }
}
