//! A minute-resolution clock signal, so "sent 5 min ago" stays true while the app is open.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use std::time::Duration;

/// The current time, refreshed once a minute. Components read it instead of
/// calling `Utc::now()`, which keeps the domain functions pure.
#[derive(Clone, Copy)]
pub struct ClockContext(pub ReadSignal<DateTime<Utc>>);

impl ClockContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn now(self) -> DateTime<Utc> {
        self.0.get()
    }
}

pub fn provide_clock_context() -> ClockContext {
    let (now, set_now) = signal(Utc::now());
    // The handle is dropped on purpose: the clock runs for the app's lifetime.
    let _ = set_interval_with_handle(move || set_now.set(Utc::now()), Duration::from_secs(60));
    let ctx = ClockContext(now);
    provide_context(ctx);
    ctx
}
