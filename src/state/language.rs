//! The chosen interface language, remembered on the phone and fed to leptos_i18n.

use gloo_storage::{LocalStorage, Storage};
use leptos::prelude::*;

use crate::i18n::Locale;
use crate::model::language::Language;
use crate::platform;

/// localStorage key. The language is not sensitive, so plain storage is fine.
const STORAGE_KEY: &str = "jangkau.language";

/// The interface language; setting it re-renders every translated string.
#[derive(Clone, Copy)]
pub struct LanguageContext(pub RwSignal<Language>);

impl LanguageContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn get(self) -> Language {
        self.0.get()
    }

    pub fn get_untracked(self) -> Language {
        self.0.get_untracked()
    }

    pub fn set(self, language: Language) {
        self.0.set(language);
    }
}

/// The leptos_i18n locale for a language.
pub fn locale_of(language: Language) -> Locale {
    match language {
        Language::Indonesian => Locale::id,
        Language::English => Locale::en,
    }
}

/// Reads the saved choice (default Bahasa Indonesia), provides it, and
/// provides the i18n context that follows it. Saving is best-effort: if
/// storage is unavailable the choice holds until the app closes.
pub fn provide_language_context() -> LanguageContext {
    let saved: Option<String> = LocalStorage::get(STORAGE_KEY).ok();
    let language = RwSignal::new(Language::from_saved(saved.as_deref()));
    let ctx = LanguageContext(language);
    provide_context(ctx);

    let locale = Signal::derive(move || locale_of(language.get()));
    provide_context(leptos_i18n::context::init_i18n_subcontext::<Locale>(Some(
        locale,
    )));

    Effect::new(move |previous: Option<Language>| {
        let current = language.get();
        platform::set_document_language(current.code());
        if previous.is_some_and(|p| p != current) {
            // Refused: the choice holds until the app closes; nothing else
            // depends on it.
            let _ = LocalStorage::set(STORAGE_KEY, current.code());
        }
        current
    });
    ctx
}
