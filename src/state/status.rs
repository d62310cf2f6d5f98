//! The counts behind the home screen's status strip.

use leptos::prelude::*;

use crate::model::status::StatusSummary;

/// Records on the phone, waiting to send, last sent. The storage and sync
/// layers write it; the status strip only reads it.
#[derive(Clone, Copy)]
pub struct StatusContext(pub RwSignal<StatusSummary>);

impl StatusContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn get(self) -> StatusSummary {
        self.0.get()
    }
}

pub fn provide_status_context() -> StatusContext {
    let ctx = StatusContext(RwSignal::new(StatusSummary::default()));
    provide_context(ctx);
    ctx
}
