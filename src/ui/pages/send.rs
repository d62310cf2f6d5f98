//! Sending: what waits, a "Send now" button, progress, records the server set aside, and recent sends.

use leptos::prelude::*;
use leptos_router::components::A;

use crate::i18n::{t, td_string, use_i18n};
use crate::state::{FormsContext, LanguageContext, Phase, StatusContext, SyncContext};
use crate::ui::labels;
use crate::ui::messages;

#[component]
pub fn Send() -> impl IntoView {
    let i18n = use_i18n();
    let language = LanguageContext::expect_context();
    let sync = SyncContext::expect_context();
    let status = StatusContext::expect_context();
    let waiting = move || status.get().waiting_to_send;
    let sending = move || matches!(sync.phase.get(), Phase::Sending(_));

    let progress = move || match sync.phase.get() {
        Phase::Sending(p) => {
            let (done, total) = (p.done, p.total.max(p.done));
            let percent = (done * 100).checked_div(total).unwrap_or(0);
            Some(view! {
                <div class="progress" role="progressbar" aria-valuemin="0" aria-valuemax=total aria-valuenow=done>
                    <div class="progress-bar"><div class="progress-fill" style:width=format!("{percent}%")></div></div>
                </div>
                <p data-testid="sync-progress">{t!(i18n, send_progress, done = move || done, total = move || total)}</p>
            })
        }
        Phase::Idle => None,
    };

    let state_line = move || {
        let lang = language.get();
        if sync.endpoint.get().is_none() {
            let problem = sync.problem.get().map(|p| {
                view! { <p class="notice error" role="alert" data-testid="endpoint-problem">{messages::load_problem(lang, &p)}</p> }
            });
            let n = waiting();
            return view! {
                {problem}
                <p class="notice" data-testid="sync-state" data-state="no-endpoint">
                    {t!(i18n, send_no_endpoint_waiting, n = move || n)}
                </p>
                <div class="choices">
                    <A href="/settings" attr:class="button secondary">{t!(i18n, send_to_settings)}</A>
                    <A href="/exchange" attr:class="button secondary">{t!(i18n, send_to_export)}</A>
                </div>
            }.into_any();
        }
        if let Some(e) = sync.local_error.get() {
            let detail = match &e {
                crate::sync::engine::SyncError::Storage(s) => messages::storage_error(lang, s),
                _ => td_string!(i18n.get_locale(), err_storage_failed),
            };
            return view! { <p class="notice error" data-testid="sync-state" data-state="local-error">{t!(i18n, send_local_error, detail = move || detail)}</p> }.into_any();
        }
        let state = sync.state.get();
        let n = waiting();
        match state.last_failure {
            Some(f) if n > 0 => {
                let next = match (&f, state.next_attempt_at) {
                    (f, _) if f.needs_user() => t!(i18n, send_needs_you).into_any(),
                    (_, Some(at)) => {
                        let time = labels::time_of_day(at);
                        t!(i18n, send_next_try, time = move || time.clone()).into_any()
                    }
                    _ => t!(i18n, send_when_signal).into_any(),
                };
                let kind = failure_code(&f);
                view! {
                    <p class="notice error" data-testid="sync-state" data-state=kind>
                        {messages::failure(lang, &f)} " " {next}
                    </p>
                }
                .into_any()
            }
            _ if n > 0 => view! { <p data-testid="sync-state" data-state="waiting">{t!(i18n, send_waiting, n = move || n)}</p> }.into_any(),
            _ => view! { <p data-testid="sync-state" data-state="done">{t!(i18n, send_nothing)}</p> }.into_any(),
        }
    };

    let forms = FormsContext::expect_context();
    let held = move || {
        let items = sync.held.get();
        if items.is_empty() {
            return None;
        }
        let lang = language.get();
        let rows = items
            .into_iter()
            .map(|h| {
                let id = h.id.clone();
                let title = forms.with(|r| labels::form_title(i18n.get_locale(), r, &h.form_id));
                view! {
                    <li class="record-row" data-testid="held-row" data-id=h.id.clone()>
                        <A href=format!("/record/{}", h.id) attr:class="list-button">
                            <span class="list-title">{title} {h.site.map(|s| format!(" · {s}"))}</span>
                            <span class="list-meta" data-testid="held-reason">{messages::held_reason(lang, h.reason.as_ref())}</span>
                        </A>
                        <button type="button" class="button secondary small" data-testid="held-release"
                            on:click=move |_| sync.release(id.clone())>{t!(i18n, held_release)}</button>
                    </li>
                }
            })
            .collect_view();
        Some(view! {
            <section class="card">
                <h2>{t!(i18n, held_heading)}</h2>
                <p class="hint">{t!(i18n, held_intro)}</p>
                <ul class="plain-list" data-testid="held-list">{rows}</ul>
            </section>
        })
    };

    let history = move || {
        let lang = language.get();
        let entries = sync.history.get();
        if entries.is_empty() {
            return view! { <li class="empty">{t!(i18n, history_empty)}</li> }.into_any();
        }
        entries
            .into_iter()
            .map(|h| {
                let (d, dup, held, newer) = (h.delivered, h.duplicates, h.held, h.newer);
                let code = h.failure.as_ref().map(failure_code);
                view! {
                    <li data-testid="history-row" data-delivered=d data-failure=code>
                        <span class="list-meta">{labels::date_time(h.at)}</span> " "
                        {(d > 0).then(|| t!(i18n, history_delivered, n = move || d))} " "
                        {(dup > 0).then(|| t!(i18n, history_duplicates, n = move || dup))} " "
                        {(held > 0).then(|| t!(i18n, history_held, n = move || held))} " "
                        {(newer > 0).then(|| t!(i18n, history_newer, n = move || newer))} " "
                        {h.failure.map(|f| messages::failure(lang, &f))}
                    </li>
                }
            })
            .collect_view()
            .into_any()
    };

    view! {
        <h1 data-testid="send-title">{t!(i18n, send_heading)}</h1>
        <section class="card">
            {state_line}
            {progress}
            <button type="button" class="button wide" data-testid="send-now"
                disabled=move || sending() || sync.endpoint.get().is_none() || waiting() == 0
                on:click=move |_| sync.send()>
                {t!(i18n, send_now)}
            </button>
        </section>
        {held}
        <section class="card">
            <h2>{t!(i18n, history_heading)}</h2>
            <ul class="plain-list" data-testid="history">{history}</ul>
        </section>
    }
}

/// A stable code for a failure, for tests and styling.
fn failure_code(f: &crate::sync::policy::Failure) -> &'static str {
    use crate::sync::policy::Failure;
    match f {
        Failure::Offline => "offline",
        Failure::Unreachable => "unreachable",
        Failure::Timeout => "timeout",
        Failure::Credentials { .. } => "credentials",
        Failure::Busy { .. } => "busy",
        Failure::Refused { .. } => "refused",
        Failure::NotAnAnswer { .. } => "not-an-answer",
        Failure::Redirected => "redirected",
    }
}
