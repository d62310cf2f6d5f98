//! The records on this phone: drafts, waiting to send, sent; filter by form and site; open or delete drafts.

use leptos::prelude::*;
use leptos_router::components::A;
use leptos_router::hooks::use_query_map;
use uuid::Uuid;

use crate::i18n::{t, td_string, use_i18n};
use crate::model::record::RecordStatus;
use crate::report::record_day;
use crate::state::{
    local_offset, FormsContext, LanguageContext, RecordsContext, StatusContext, StorageState,
    SyncContext,
};
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
    let sync = SyncContext::expect_context();
    let query = use_query_map();
    // The record just finished ("Selesai" leads here): said and marked.
    let just_saved = move || query.with(|q| q.get("saved"));

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
                return Ok::<Vec<Row>, StorageError>(Vec::new());
            }
            let Some(service) = records.records() else {
                return Ok(Vec::new());
            };
            let page = service.list(&query).await?;
            // What tells records apart: her code and the visit's day, from
            // the sealed payload (one page, opened together).
            let ids: Vec<String> = page.iter().map(|r| r.id.clone()).collect();
            let opened = service.load_many(&ids).await?;
            let offset = local_offset();
            Ok(page
                .into_iter()
                .zip(opened)
                .map(|(summary, (_, record))| {
                    let record = record.ok().flatten();
                    Row {
                        code: record
                            .as_ref()
                            .and_then(|r| r.participant_code.as_ref())
                            .map(ToString::to_string),
                        day: record.as_ref().map(|r| record_day(r, offset)),
                        summary,
                    }
                })
                .collect())
        }
    });
    let saved_notice = move || {
        let id = just_saved()?;
        let status = list
            .get()?
            .ok()?
            .into_iter()
            .find(|r| r.summary.id == id)?
            .summary
            .status;
        let text = match status {
            RecordStatus::Sent => t!(i18n, records_saved_sent).into_any(),
            _ if sync.endpoint.get().is_none() => t!(i18n, records_saved_no_server).into_any(),
            _ => t!(i18n, records_saved_waiting).into_any(),
        };
        Some(
            view! { <p class="notice ok" role="status" data-testid="saved-notice" data-status=status.code()>{text}</p> },
        )
    };

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
    let forms = FormsContext::expect_context();
    // Every form this phone holds records of may be filtered for, offered or not.
    let form_options = move || {
        let locale = i18n.get_locale();
        forms
            .with(|r| labels::held_forms(locale, r))
            .into_iter()
            .map(|(id, title)| view! { <option value=id>{title}</option> })
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
        let saved = just_saved();
        let rows = items
            .into_iter()
            .map(|r| {
                let fresh = saved.as_deref() == Some(r.summary.id.as_str());
                row(r, fresh, i18n.get_locale(), delete)
            })
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
        {saved_notice}
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

/// A listed record and what tells it apart from the others.
#[derive(Clone)]
struct Row {
    summary: RecordSummary,
    code: Option<String>,
    day: Option<chrono::NaiveDate>,
}

fn row(
    Row {
        summary: r,
        code,
        day,
    }: Row,
    fresh: bool,
    locale: crate::i18n::Locale,
    delete: impl Fn(String) + Copy + 'static,
) -> impl IntoView {
    let title = FormsContext::expect_context().with(|f| labels::form_title(locale, f, &r.form_id));
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
    // Only what is there, so no dangling "·".
    let details = [code, r.site.clone(), day.map(labels::day)]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" · ");
    view! {
        <li class="record-row" class:fresh=fresh data-testid="record-row" data-status=r.status.code()>
            <A href=href attr:class="list-button">
                <span class="list-title">{title}</span>
                {(!details.is_empty()).then(|| view! { <span class="list-details">{details}</span> })}
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
