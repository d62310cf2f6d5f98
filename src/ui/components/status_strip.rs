//! Records on the phone, waiting to send, last sent — at a glance on the home screen.

use leptos::prelude::*;

use crate::i18n::{t, use_i18n};
use crate::state::{ClockContext, StatusContext};
use crate::ui::labels;

#[component]
pub fn StatusStrip() -> impl IntoView {
    let i18n = use_i18n();
    let status = StatusContext::expect_context();
    let clock = ClockContext::expect_context();
    let last_sent =
        move || labels::last_sent(i18n.get_locale(), status.get().last_sent_age(clock.now()));

    view! {
        <section class="status-strip" aria-label=move || crate::i18n::td_string!(i18n.get_locale(), status_label)>
            <div class="stat">
                <span class="stat-value" data-testid="status-on-phone">{move || status.get().on_phone}</span>
                <span class="stat-label">{t!(i18n, status_on_phone)}</span>
            </div>
            <div class="stat" class:attention=move || status.get().has_unsent()>
                <span class="stat-value" data-testid="status-waiting">{move || status.get().waiting_to_send}</span>
                <span class="stat-label">{t!(i18n, status_waiting)}</span>
            </div>
            <div class="stat">
                <span class="stat-value stat-text" data-testid="status-last-sent">{last_sent}</span>
                <span class="stat-label">{t!(i18n, status_last_sent)}</span>
            </div>
        </section>
    }
}
