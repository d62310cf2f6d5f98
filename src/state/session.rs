//! The session around the key: auto-lock when idle or out of sight, quick exit, and discreet mode.

use std::time::Duration;

use gloo_storage::{LocalStorage, Storage};
use leptos::ev;
use leptos::prelude::*;

use crate::i18n::td_string;
use crate::model::autolock::AutoLock;
use crate::platform;
use crate::state::{locale_of, Gate, LanguageContext, RecordsContext};

/// localStorage keys. Neither is sensitive; both must be readable while
/// locked, so they cannot live in the encrypted store.
const AUTOLOCK_KEY: &str = "jangkau.autolock_min";
const DISCREET_KEY: &str = "jangkau.discreet";
/// How often the idle check runs while unlocked.
const CHECK_EVERY: Duration = Duration::from_secs(5);

#[derive(Clone, Copy)]
pub struct SessionContext {
    pub auto_lock: RwSignal<AutoLock>,
    /// A neutral app name in the tab and the app switcher.
    pub discreet: RwSignal<bool>,
    /// After a quick exit: the neutral screen shows until it is tapped.
    pub neutral: RwSignal<bool>,
    last_activity: StoredValue<f64>,
    hidden_since: StoredValue<Option<f64>>,
    records: RecordsContext,
}

fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl SessionContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn set_auto_lock(self, minutes: u32) {
        let lock = AutoLock::new(minutes);
        self.auto_lock.set(lock);
        // If localStorage refuses, the choice holds until the app closes and
        // the next start uses the default (5 minutes): never "never".
        let _ = LocalStorage::set(AUTOLOCK_KEY, lock.idle_min().to_string());
    }

    pub fn set_discreet(self, on: bool) {
        self.discreet.set(on);
        if on {
            // Refused: discreet for this session only; the setting shows
            // it is off at the next start, where the user can see it.
            let _ = LocalStorage::set(DISCREET_KEY, "1");
        } else {
            LocalStorage::delete(DISCREET_KEY);
        }
    }

    /// Locks at once and shows the neutral screen. The caller replaces the
    /// current history entry, so Back does not lead to the page that was open.
    pub fn quick_exit(self) {
        self.neutral.set(true);
        self.records.lock();
        platform::scroll_to_top();
    }

    fn touched(self) {
        self.last_activity.try_set_value(now_ms());
    }

    fn check(self) {
        if self.records.gate.try_get_untracked() != Some(Gate::Open) {
            return;
        }
        let (Some(last), Some(hidden)) = (
            self.last_activity.try_get_value(),
            self.hidden_since.try_get_value(),
        ) else {
            return;
        };
        if self
            .auto_lock
            .get_untracked()
            .due(now_ms(), last, hidden)
            .is_some()
        {
            self.records.lock();
        }
    }
}

pub fn provide_session_context() -> SessionContext {
    let records = RecordsContext::expect_context();
    let language = LanguageContext::expect_context();
    let stored: Option<String> = LocalStorage::get(AUTOLOCK_KEY).ok();
    let ctx = SessionContext {
        auto_lock: RwSignal::new(AutoLock::parse(stored.as_deref())),
        discreet: RwSignal::new(LocalStorage::get::<String>(DISCREET_KEY).is_ok()),
        neutral: RwSignal::new(false),
        last_activity: StoredValue::new(now_ms()),
        hidden_since: StoredValue::new(None),
        records,
    };
    provide_context(ctx);

    // Any touch or key counts as use. The listeners live as long as the app.
    let _ = window_event_listener(ev::pointerdown, move |_| ctx.touched());
    let _ = window_event_listener(ev::keydown, move |_| ctx.touched());
    let _ = window_event_listener(ev::input, move |_| ctx.touched());
    let _ = window_event_listener(ev::visibilitychange, move |_| {
        if platform::is_hidden() {
            ctx.hidden_since.set_value(Some(now_ms()));
        } else {
            // Back in sight: lock first if it was away too long.
            ctx.check();
            ctx.hidden_since.set_value(None);
        }
    });
    // Leaving the page for another site keeps it in the back-forward cache,
    // answers and key included, ready to come back on Back: lock first.
    // (A reload or a closed tab drops everything anyway.)
    let _ = window_event_listener(ev::pagehide, move |e| {
        if e.persisted() {
            ctx.records.lock();
        }
    });
    // Timers keep running (slowed) while hidden, so a phone left with the
    // app in the background locks even if nobody returns to it.
    let _ = set_interval_with_handle(move || ctx.check(), CHECK_EVERY);

    // Unlocking starts the idle time afresh.
    Effect::new(move |_| {
        if records.gate.get() == Gate::Open {
            ctx.touched();
        }
    });
    // The tab title: never anything about a person, and neutral when asked.
    Effect::new(move |_| {
        let l = locale_of(language.get());
        let title = if ctx.discreet.get() || ctx.neutral.get() {
            td_string!(l, discreet_name)
        } else {
            td_string!(l, app_name)
        };
        platform::set_title(title);
    });
    ctx
}
