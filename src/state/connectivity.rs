//! Whether the browser reports a network connection, kept current by online/offline events.

use leptos::ev;
use leptos::prelude::*;

use crate::platform;

/// The browser's online flag. A hint for the UI only: sync decides by
/// talking to the server, because a captive portal looks "online" too.
#[derive(Clone, Copy)]
pub struct ConnectivityContext(pub ReadSignal<bool>);

impl ConnectivityContext {
    pub fn expect_context() -> Self {
        expect_context::<Self>()
    }

    pub fn online(self) -> bool {
        self.0.get()
    }
}

pub fn provide_connectivity_context() -> ConnectivityContext {
    let (online, set_online) = signal(platform::is_online());
    // Listeners live as long as the app; their handles need not be kept.
    let _ = window_event_listener(ev::online, move |_| set_online.set(true));
    let _ = window_event_listener(ev::offline, move |_| set_online.set(false));
    let ctx = ConnectivityContext(online);
    provide_context(ctx);
    ctx
}
