//! What runs while a profile is unlocked, begun by the pages behind the lock as they mount (so its code loads with their part): the forms opened before any page shows, the reports and the forms check in the background, and what makes records go out.

use std::rc::Rc;

use leptos::prelude::*;

use crate::state::{FormsContext, RecordsContext, ReportsContext, SyncContext};

/// Starts what runs for the records now open. The signal turns true once
/// the forms are open: every page reads them, so none shows before. What
/// this starts stops when the calling owner is cleaned up, which happens
/// when the pages unmount at lock.
pub fn while_unlocked() -> Signal<bool> {
    let records = RecordsContext::expect_context();
    let forms = FormsContext::expect_context();
    let reports = ReportsContext::expect_context();
    let ready = RwSignal::new(false);
    if let Some(open) = records.records() {
        leptos::task::spawn_local(async move {
            // Locked (or another profile opened) while the forms were
            // read: they are not kept, as at lock.
            let current = || records.records().is_some_and(|now| Rc::ptr_eq(&now, &open));
            if !forms.open(&open, current).await {
                return;
            }
            ready.try_set(true);
            // The follow-up list on the home screen needs them: opened now,
            // in the background.
            reports.ensure(Rc::clone(&open));
            forms.check_at_unlock(open);
        });
    }
    SyncContext::expect_context().drive();
    ready.into()
}
