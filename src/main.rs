//! Browser entry point: installs the panic guard, names the screens that load as separate wasm parts, and mounts the app.

#[cfg(target_arch = "wasm32")]
mod parts {
    //! Each function `split_screens!` writes is a split point:
    //! `scripts/split-wasm.mjs` moves it, and everything only it reaches,
    //! out of the app's first download into a part fetched the first time
    //! the screen opens (or in the background: the pages behind the lock
    //! while the lock screen shows, the others after unlocking). Screens
    //! named in one `split_screens!` share a part. They live in the binary,
    //! not the library, so nothing else that links the library (the XLSForm
    //! part, the browser tests) inherits the split points.
    use jangkau::ui::screens::{build, Build, PartMissing, Screens};
    use leptos::wasm_split::wasm_split;

    /// Split points for screens that share the part `$part`: each returns
    /// the builder of the page of the same name in `build`.
    macro_rules! split_screens {
        ($part:ident: $($screen:ident),+) => {$(
            #[wasm_split($part, wasm_split_path = ::leptos::wasm_split, fallible)]
            fn $screen() -> Result<Build, PartMissing> {
                Ok(build::$screen)
            }
        )+};
    }

    split_screens!(unlocked: unlocked);
    split_screens!(reports: people, participant, site_needs, summary);
    split_screens!(send: send);
    split_screens!(exchange: exchange);
    split_screens!(settings: settings);
    split_screens!(form_import: form_import);

    pub fn screens() -> Screens {
        Screens {
            unlocked: || Box::pin(unlocked()),
            people: || Box::pin(people()),
            participant: || Box::pin(participant()),
            site_needs: || Box::pin(site_needs()),
            summary: || Box::pin(summary()),
            send: || Box::pin(send()),
            exchange: || Box::pin(exchange()),
            settings: || Box::pin(settings()),
            form_import: || Box::pin(form_import()),
        }
    }
}

#[cfg(target_arch = "wasm32")]
fn main() {
    use leptos::prelude::*;
    jangkau::platform::install_panic_guard();
    leptos::mount::mount_to_body(|| view! { <jangkau::App screens=parts::screens() /> });
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Jangkau runs in the browser: build it with `trunk build --release`.");
}
