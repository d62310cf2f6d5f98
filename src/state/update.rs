//! Whether a new version of the app is installed and waiting for the user's tap.

use std::rc::Rc;

use leptos::prelude::*;

use crate::platform::service_worker;

/// `ready` turns true when a new service worker has installed; the banner
/// then offers a reload. `offline_ready` is true once a worker controls or
/// will control the app, i.e. the app can start without network.
#[derive(Clone, Copy)]
pub struct UpdateContext {
    pub ready: ReadSignal<bool>,
    pub offline_ready: ReadSignal<bool>,
}

impl UpdateContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    /// Activates the new version and reloads into it.
    pub fn apply(self) {
        service_worker::apply_update();
    }
}

pub fn provide_update_context() -> UpdateContext {
    let (ready, set_ready) = signal(false);
    let (offline_ready, set_offline_ready) = signal(false);
    leptos::task::spawn_local(async move {
        let registered = service_worker::register(Rc::new(move || set_ready.set(true))).await;
        set_offline_ready.set(registered);
    });
    let ctx = UpdateContext {
        ready,
        offline_ready,
    };
    provide_context(ctx);
    ctx
}
