//! The records on this phone: drafts, waiting to send, sent; filter by form and site; open or delete drafts.

use leptos::prelude::*;
use leptos_router::components::A;
use uuid::Uuid;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::record::RecordStatus;
use crate::model::record_kind::RecordKind;
use crate::state::{LanguageContext, RecordsContext, StatusContext, StorageState};
use crate::storage::{ListQuery, RecordSummary, StorageError};
use crate::ui::components::{PrivateInput, PrivateSelect};
use crate::ui::labels;
use crate::ui::messages;

const PAGE: u32 = 50;

#[component]
pub fn Records() -> impl IntoView {
    let i18n = use_i18n();
    let records = RecordsContext::expect_context();
    let status = StatusContext::expect_context();
    let language = LanguageContext::expect_context();
    let shown = RwSignal::new(None::<RecordStatus>);
    let form_id = RwSignal::new(None::<String>);
    let site = RwSignal::new(String::new());
    let limit = RwSignal::new(PAGE);
    let changed = RwSignal::new(0u32);
    // Why the last delete failed, if it did.
    let deleting = RwSignal::new(None::<StorageError>);

    let list = LocalResource::new(move || {
        let query = ListQuery {
            status: shown.get(),
            form_id: form_id.get(),
            site: Some(site.get().trim().to_uppercase()).filter(|s| !s.is_empty()),
            offset: 0,
            limit: limit.get(),
        };
        let ready = matches!(records.state.get(), StorageState::Ready(_));
        changed.track();
        // Sending (or a confirmed withdrawal) changes the counts in the
        // background: the list follows.
        status.0.track();
        async move {
            if !ready {
                return Ok(Vec::new());
            }
            match records.records() {
                Some(r) => r.list(&query).await,
                None => Ok(Vec::new()),
            }
        }
    });

    let tab = move |value: Option<RecordStatus>, label: &'static str, testid: &'static str| {
        view! {
            <button type="button" class="tab" data-testid=testid aria-pressed=move || (shown.get() == value).to_string()
                on:click=move |_| { shown.set(value); limit.set(PAGE); }>
                {label}
            </button>
        }
    };
    let tabs = move || {
        let l = i18n.get_locale();
        view! {
            {tab(None, td_string!(l, records_all), "tab-all")}
            {tab(Some(RecordStatus::Draft), td_string!(l, status_draft), "tab-draft")}
            {tab(Some(RecordStatus::Final), td_string!(l, status_final), "tab-final")}
            {tab(Some(RecordStatus::Sent), td_string!(l, status_sent), "tab-sent")}
            {tab(Some(RecordStatus::Imported), td_string!(l, status_imported), "tab-imported")}
        }
    };
    let form_options = move || {
        RecordKind::ALL
            .into_iter()
            .map(|k| view! { <option value=k.form_id()>{labels::kind_title(i18n.get_locale(), k)}</option> })
            .collect_view()
    };

    let delete = move |id: String| {
        let confirm = td_string!(i18n.get_locale(), records_confirm_delete);
        let ok = web_sys::window()
            .and_then(|w| w.confirm_with_message(confirm).ok())
            .unwrap_or(false);
        let Ok(uuid) = Uuid::parse_str(&id) else {
            return;
        };
        if ok {
            leptos::task::spawn_local(async move {
                match records.delete(uuid).await {
                    Ok(()) => {
                        deleting.try_set(None);
                        changed.try_update(|n| *n += 1);
                    }
                    Err(e) => {
                        deleting.try_set(Some(e));
                    }
                }
            });
        }
    };

    let rows = move || {
        let items = match list.get() {
            Some(Ok(items)) => items,
            // Not "no records": the list could not be read.
            Some(Err(_)) => {
                return view! { <p class="notice error" role="alert" data-testid="records-problem">{t!(i18n, err_list_failed)}</p> }.into_any();
            }
            None => Vec::new(),
        };
        if items.is_empty() {
            return view! { <p class="empty" data-testid="records-empty">{t!(i18n, records_empty)}</p> }.into_any();
        }
        let full = items.len() as u32 >= limit.get_untracked();
        let rows = items
            .into_iter()
            .map(|r| row(r, i18n.get_locale(), delete))
            .collect_view();
        view! {
            <ul class="plain-list" data-testid="record-list">{rows}</ul>
            <Show when=move || full>
                <button type="button" class="button secondary wide" on:click=move |_| limit.update(|l| *l += PAGE)>{t!(i18n, records_more)}</button>
            </Show>
        }
        .into_any()
    };

    view! {
        <h1 data-testid="records-title">{t!(i18n, records_heading)}</h1>
        {move || deleting.get().map(|e| view! {
            <p class="notice error" role="alert" data-testid="delete-problem">{messages::storage_error(language.get(), &e)}</p>
        })}
        <div class="tabs" role="group">{tabs}</div>
        <div class="filters">
            <PrivateSelect {..} aria-label=move || td_string!(i18n.get_locale(), records_all_forms) data-testid="filter-form"
                on:change=move |ev| { let v = event_target_value(&ev); form_id.set(Some(v).filter(|v| !v.is_empty())); }>
                <option value="">{t!(i18n, records_all_forms)}</option>
                {form_options}
            </PrivateSelect>
            <PrivateInput {..} type="search" placeholder=move || td_string!(i18n.get_locale(), records_site) data-testid="filter-site"
                autocapitalize="characters"
                on:change=move |ev| site.set(event_target_value(&ev)) />
        </div>
        {rows}
    }
}

fn row(
    r: RecordSummary,
    locale: crate::i18n::Locale,
    delete: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let title = labels::form_title(locale, &r.form_id);
    let status = labels::status(locale, r.status);
    let when = labels::date_time(r.updated_at);
    let href = match r.status {
        RecordStatus::Draft => format!("/record/{}/0", r.id),
        _ => format!("/record/{}", r.id),
    };
    let id = r.id.clone();
    let is_draft = r.status == RecordStatus::Draft;
    let withdrawn = r.marked_for_deletion.then(
        || view! { " " <span class="chip withdrawn">{td_string!(locale, status_withdrawn)}</span> },
    );
    view! {
        <li class="record-row" data-testid="record-row" data-status=r.status.code()>
            <A href=href attr:class="list-button">
                <span class="list-title">{title} {r.site.map(|s| format!(" · {s}"))}</span>
                <span class="list-meta"><span class=format!("chip {}", r.status.code())>{status}</span> {withdrawn} " " {when}</span>
            </A>
            {is_draft.then(|| view! {
                <button type="button" class="button danger small" data-testid="delete-draft" on:click=move |_| delete(id.clone())>
                    {td_string!(locale, records_delete)}
                </button>
            })}
        </li>
    }
}
