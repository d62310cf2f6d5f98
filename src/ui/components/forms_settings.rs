//! Settings → Forms: the forms on this phone, the programme's forms address, "Check for new forms", a form file from the phone, and what the last delivery brought.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, td, td_string, use_i18n};
use crate::model::registry::{Part, Source, Taken};
use crate::platform::share;
use crate::service::forms::FormsError;
use crate::state::{Delivery, FormsContext, LanguageContext, RecordsContext};
use crate::ui::components::PrivateInput;
use crate::ui::labels;
use crate::ui::messages;

#[component]
pub fn FormsSettings() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let records = RecordsContext::expect_context();
    let forms = FormsContext::expect_context();
    let address = RwSignal::new(String::new());
    let address_problem = RwSignal::new(None::<FormsError>);
    let reading = RwSignal::new(false);
    // The field shows the stored address when that changes (not when only
    // the time of the last check does, which would wipe what is typed).
    let stored_url = Memo::new(move |_| forms.settings.with(|s| s.url.clone()));
    Effect::new(move |_| {
        address.set(stored_url.get().unwrap_or_default());
    });

    let held = move || {
        let locale = i18n.get_locale();
        forms.with(|r| {
            r.form_ids()
                .into_iter()
                .map(|(id, versions)| {
                    let current = r.current_version(Part::Form, &id);
                    let title = labels::form_title(locale, r, &id);
                    let versions = versions
                        .iter()
                        .map(u32::to_string)
                        .collect::<Vec<_>>()
                        .join(", ");
                    let state = match current {
                        Some(v) => td!(locale, forms_current, v = move || v).into_any(),
                        None => td_string!(locale, forms_not_offered).into_any(),
                    };
                    view! {
                        <li class="held-form" data-testid="held-form" data-form=id.clone() data-current=current.map(|v| v.to_string()).unwrap_or_default()>
                            <span class="list-title">{title}</span>
                            <span class="list-meta">{state} " · " {t!(i18n, forms_versions_held, list = move || versions.clone())}</span>
                        </li>
                    }
                })
                .collect_view()
        })
    };
    let source = move || {
        forms.with(|r| match r.source {
            Source::BuiltIn => t!(i18n, forms_source_builtin).into_any(),
            Source::Index => t!(i18n, forms_source_index).into_any(),
            Source::File => t!(i18n, forms_source_file).into_any(),
        })
    };

    let save_address = move |text: Option<String>| {
        address_problem.set(None);
        let Some(service) = records.records() else {
            return;
        };
        leptos::task::spawn_local(async move {
            match forms.set_address(&service, text).await {
                Ok(()) => {
                    if forms.settings.get_untracked().url.is_some() {
                        forms.check_now(service);
                    }
                }
                Err(e) => {
                    address_problem.try_set(Some(e));
                }
            }
        });
    };
    let check = move |_| {
        if let Some(service) = records.records() {
            forms.check_now(service);
        }
    };
    let picked = move |ev: leptos::ev::Event| {
        let Some(file) = share::picked_file(&ev) else {
            return;
        };
        let Some(service) = records.records() else {
            return;
        };
        reading.set(true);
        leptos::task::spawn_local(async move {
            match share::read_file(&file).await {
                Ok(bytes) => forms.take_file(&service, &bytes).await,
                Err(_) => forms.last.set(Some(Delivery::Failed(FormsError::Index(
                    crate::model::registry::IndexError::Syntax(String::new()),
                )))),
            }
            reading.try_set(false);
        });
    };

    let last = move || {
        let lang = language.get();
        let locale = i18n.get_locale();
        forms.last.get().map(|delivery| match delivery {
            Delivery::Failed(e) => view! {
                <p class="field-error" role="alert" data-testid="forms-failed">{messages::forms_error(lang, &e)}</p>
            }
            .into_any(),
            Delivery::Taken(outcomes) => {
                let added = outcomes.iter().filter(|o| o.result == Ok(Taken::Added)).count();
                let refused = outcomes.iter().filter(|o| o.result.is_err()).count();
                let rows = outcomes
                    .into_iter()
                    .filter(|o| o.result != Ok(Taken::Held))
                    .map(|o| {
                        let name = forms.with(|r| match o.part {
                            Part::Form => labels::form_title(locale, r, &o.id),
                            Part::Consent => o.id.clone(),
                        });
                        let what = match &o.result {
                            Ok(_) => view! { <span>{t!(i18n, forms_added)}</span> }.into_any(),
                            Err(p) => view! { <span class="field-error">{messages::entry_problem(lang, p)}</span> }.into_any(),
                        };
                        let version = o.version;
                        let outcome = if o.result.is_ok() { "added" } else { "refused" };
                        view! {
                            <li data-testid="forms-outcome" data-form=o.id.clone() data-version=version data-outcome=outcome>
                                <strong>{name}</strong> " · " {t!(i18n, forms_version, v = move || version)} ": " {what}
                            </li>
                        }
                    })
                    .collect_view();
                view! {
                    <p role="status" data-testid="forms-done" data-added=added data-refused=refused>
                        {t!(i18n, forms_done, added = move || added, refused = move || refused)}
                    </p>
                    <ul class="plain-list">{rows}</ul>
                }
                .into_any()
            }
        })
    };
    let checked_at = move || {
        forms.settings.get().checked_at_ms.map(|ms| {
            let when = chrono::DateTime::from_timestamp_millis(ms as i64)
                .map(labels::date_time)
                .unwrap_or_default();
            view! { <p class="hint" data-testid="forms-checked-at">{t!(i18n, forms_checked_at, when = move || when.clone())}</p> }
        })
    };

    view! {
        <section class="card" id="forms" data-testid="forms-settings">
            <h2>{t!(i18n, forms_heading)}</h2>
            <p class="hint">{source}</p>
            {move || forms.damaged.get().map(|_| view! {
                <p class="notice error" role="alert" data-testid="forms-damaged">{t!(i18n, forms_damaged)}</p>
            })}
            <ul class="plain-list" data-testid="held-forms">{held}</ul>
            <label class="field">
                <span>{t!(i18n, forms_address)}</span>
                <PrivateInput {..} type="url" inputmode="url" autocapitalize="off" placeholder="https://" data-testid="forms-address"
                    prop:value=move || address.get()
                    on:input=move |ev| address.set(event_target_value(&ev)) />
            </label>
            <p class="hint">{t!(i18n, forms_address_hint)}</p>
            {move || address_problem.get().map(|e| {
                let lang = language.get();
                view! { <p class="field-error" role="alert" data-testid="forms-address-problem">{messages::forms_error(lang, &e)}</p> }
            })}
            <div class="form-nav">
                <button type="button" class="button primary" data-testid="forms-address-save"
                    disabled=move || forms.checking.get()
                    on:click=move |_| save_address(Some(address.get_untracked()))>{t!(i18n, forms_address_save)}</button>
                <Show when=move || forms.settings.get().url.is_some()>
                    <button type="button" class="button secondary" data-testid="forms-address-remove"
                        disabled=move || forms.checking.get()
                        on:click=move |_| save_address(None)>{t!(i18n, forms_address_remove)}</button>
                </Show>
            </div>
            <button type="button" class="button secondary wide" data-testid="forms-check"
                disabled=move || forms.checking.get() || forms.settings.get().url.is_none()
                on:click=check>
                {move || if forms.checking.get() { t!(i18n, forms_checking).into_any() } else { t!(i18n, forms_check).into_any() }}
            </button>
            {checked_at}
            <label class="button secondary wide file-pick">
                {move || if reading.get() { t!(i18n, forms_reading).into_any() } else { t!(i18n, forms_load_file).into_any() }}
                <PrivateInput {..} type="file" accept=".json,application/json" data-testid="forms-file" on:change=picked
                    disabled=move || forms.checking.get() />
            </label>
            {last}
            <A href="/forms/import" attr:class="button secondary wide" attr:data-testid="xls-open">{t!(i18n, xls_open)}</A>
        </section>
    }
}
