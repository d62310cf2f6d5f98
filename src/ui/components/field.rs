//! Every input, text area and list the app shows, made one way: the browser keeps none of their state, offers no autofill and checks no spelling.
//!
//! Chromium saves the state of every form control for session restore (the
//! profile's `Sessions/` files, and the tab state on Android) — typed text,
//! and each radio button and checkbox on or off under its name — unless the
//! control says `autocomplete="off"`. Records are about people who can be
//! harmed, so no page writes `<input>`, `<textarea>` or `<select>` itself:
//! it uses these components, which always opt out (tests/ui_fields.rs fails
//! the build of any page that does otherwise). Spell checking is off too:
//! an "enhanced" spell checker sends the text to a server.
//!
//! Everything else — `type`, `id`, `name`, `value`, events, `prop:` — is
//! spread onto the element: `<PrivateInput {..} type="radio" name=n />`.

use leptos::html;
use leptos::prelude::*;

/// An `<input>` of any type.
#[component]
pub fn PrivateInput(#[prop(optional)] node_ref: NodeRef<html::Input>) -> impl IntoView {
    view! { <input node_ref=node_ref autocomplete="off" spellcheck="false" /> }
}

/// A `<textarea>`, starting with `value`.
#[component]
pub fn PrivateTextArea(
    #[prop(optional)] node_ref: NodeRef<html::Textarea>,
    #[prop(optional, into)] value: String,
) -> impl IntoView {
    view! { <textarea node_ref=node_ref autocomplete="off" spellcheck="false">{value}</textarea> }
}

/// A `<select>` holding `children` (its `<option>`s).
#[component]
pub fn PrivateSelect(children: Children) -> impl IntoView {
    view! { <select autocomplete="off">{children()}</select> }
}
