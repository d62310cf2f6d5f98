//! Browser entry point: installs the panic guard, names the screens that load as separate wasm parts, and mounts the app.

#[cfg(target_arch = "wasm32")]
mod parts {
    //! Each function below is a split point: `scripts/split-wasm.sh` moves
    //! it, and everything only it reaches, out of the app's first download
    //! into a part fetched the first time the screen opens. Functions with
    //! the same first argument share a part. They live in the binary, not
    //! the library, so nothing else that links the library (the XLSForm
    //! part, the browser tests) inherits the split points.
    use jangkau::ui::screens::{build, Build, PartMissing, Screens};
    use leptos::wasm_split::wasm_split;

    #[wasm_split(reports, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn people() -> Result<Build, PartMissing> {
        Ok(build::people)
    }
    #[wasm_split(reports, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn participant() -> Result<Build, PartMissing> {
        Ok(build::participant)
    }
    #[wasm_split(reports, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn site_needs() -> Result<Build, PartMissing> {
        Ok(build::site_needs)
    }
    #[wasm_split(reports, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn summary() -> Result<Build, PartMissing> {
        Ok(build::summary)
    }
    #[wasm_split(send, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn send() -> Result<Build, PartMissing> {
        Ok(build::send)
    }
    #[wasm_split(exchange, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn exchange() -> Result<Build, PartMissing> {
        Ok(build::exchange)
    }
    #[wasm_split(settings, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn settings() -> Result<Build, PartMissing> {
        Ok(build::settings)
    }
    #[wasm_split(form_import, wasm_split_path = ::leptos::wasm_split, fallible)]
    fn form_import() -> Result<Build, PartMissing> {
        Ok(build::form_import)
    }

    pub fn screens() -> Screens {
        Screens {
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
