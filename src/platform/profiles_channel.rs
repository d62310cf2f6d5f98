//! Telling the app's other tabs and windows that a profile was removed here (a BroadcastChannel), so none goes on writing to its deleted database.

use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{BroadcastChannel, MessageEvent};

const CHANNEL: &str = "jangkau-profiles";

/// Says in every other tab that profile `id` is gone. Without
/// BroadcastChannel nothing is said: the other tab then learns it at its
/// next lock screen, which re-reads the directory.
pub fn announce_removed(id: &str) {
    if let Ok(channel) = BroadcastChannel::new(CHANNEL) {
        // Refused only for a closed channel or a value that cannot be
        // cloned; a string always can, and this one was just opened.
        let _ = channel.post_message(&id.into());
        channel.close();
    }
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
    // Both live as long as the page: the channel must stay open to hear.
    listener.forget();
    std::mem::forget(channel);
}
