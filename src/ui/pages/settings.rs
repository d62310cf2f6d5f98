//! Settings: interface language, the volunteers on the phone, security, storage, the coordinator's server, forms and key, and what this copy of the app is.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::model::language::Language;
use crate::model::number;
use crate::platform::storage_manager;
use crate::state::{LanguageContext, RecordsContext, UpdateContext};
use crate::ui::components::{
    FormsSettings, ProfilesSettings, ProgrammeKeySettings, SecuritySettings, ServerSettings,
};

#[component]
pub fn Settings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let update = UpdateContext::expect_context();
    let records = RecordsContext::expect_context();
    let estimate = LocalResource::new(storage_manager::estimate);
    let choices = Language::ALL
        .into_iter()
        .map(|choice| {
            view! {
                <button
                    class="choice"
                    data-testid=format!("language-{}", choice.code())
                    aria-pressed=move || (language.get() == choice).to_string()
                    on:click=move |_| language.set(choice)
                >
                    {language_name(choice)}
                </button>
            }
        })
        .collect_view();

    view! {
        <h1 data-testid="settings-title">{t!(i18n, settings_heading)}</h1>
        <section class="card">
            <h2>{t!(i18n, settings_language)}</h2>
            <div class="choices">{choices}</div>
        </section>
        <ProfilesSettings />
        <SecuritySettings />
        <section class="card">
            <h2>{t!(i18n, settings_storage)}</h2>
            <p data-testid="storage-persistence">
                {move || match records.persisted.get() {
                    Some(true) => t!(i18n, storage_persistent).into_any(),
                    _ => t!(i18n, storage_not_persistent).into_any(),
                }}
            </p>
            <p data-testid="storage-usage">
                {move || estimate.get().flatten().map(|e| {
                    let lang = language.get();
                    let used = number::size(e.usage, lang);
                    let total = number::size(e.quota, lang);
                    t!(i18n, storage_usage, used = move || used.clone(), total = move || total.clone())
                })}
            </p>
        </section>
        <section class="coordinator" data-testid="coordinator-settings">
            <h2>{t!(i18n, settings_coordinator)}</h2>
            <p class="hint">{t!(i18n, settings_coordinator_intro)}</p>
            <ServerSettings />
            <FormsSettings />
            <ProgrammeKeySettings />
        </section>
        <section class="card">
            <h2>{t!(i18n, settings_about)}</h2>
            <p>{t!(i18n, settings_version)} " " <span data-testid="app-version">{env!("CARGO_PKG_VERSION")}</span></p>
            <p data-testid="offline-ready">
                {move || if update.offline_ready.get() {
                    t!(i18n, settings_offline_ready).into_any()
                } else {
                    t!(i18n, settings_offline_not_ready).into_any()
                }}
            </p>
            <p>{t!(i18n, settings_offline)}</p>
        </section>
    }
}

/// Each language is named in itself, so a user who switched by mistake can
/// find the way back.
fn language_name(language: Language) -> &'static str {
    match language {
        Language::Indonesian => "Bahasa Indonesia",
        Language::English => "English",
    }
}
