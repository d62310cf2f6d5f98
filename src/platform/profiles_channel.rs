//! Telling the app's other tabs and windows that a profile was removed here (a BroadcastChannel), so none goes on writing to its deleted database.

use std::cell::RefCell;

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "jangkau-profiles";

thread_local! {
    /// The page's one channel: it both listens and speaks, because a
    /// channel never hears its own messages while another channel object
    /// of the same page would.
    static OPEN: RefCell<Option<BroadcastChannel>> = const { RefCell::new(None) };
}

/// Says in every other tab that profile `id` is gone. Without
/// BroadcastChannel nothing is said: the other tab then learns it at its
/// next lock screen, which re-reads the directory.
pub fn announce_removed(id: &str) {
    OPEN.with_borrow(|open| {
        if let Some(channel) = open {
            // Refused only for a closed channel or a value that cannot be
            // cloned; this one stays open and a string always clones.
            let _ = channel.post_message(&id.into());
        }
    });
}

/// Calls `removed` with the id of each profile another tab removes, for
/// as long as the app runs.
pub fn on_removed(removed: impl Fn(String) + 'static) {
    let Ok(channel) = BroadcastChannel::new(CHANNEL) else {
        return;
    };
    let listener = Closure::<dyn Fn(MessageEvent)>::new(move |event: MessageEvent| {
        if let Some(id) = event.data().as_string() {
            removed(id);
        }
    });
    channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
    // Lives as long as the page, like the channel it listens on.
    listener.forget();
    OPEN.with_borrow_mut(|open| {
        // The app mounted again (browser tests): the earlier one goes quiet.
        if let Some(earlier) = open.replace(channel) {
            earlier.close();
        }
    });
}
