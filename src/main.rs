//! Browser entry point: installs the panic guard and mounts the app.

#[cfg(target_arch = "wasm32")]
fn main() {
    jangkau::platform::install_panic_guard();
    leptos::mount::mount_to_body(jangkau::App);
}

#[cfg(not(target_arch = "wasm32"))]
fn main() {
    eprintln!("Jangkau runs in the browser: build it with `trunk build --release`.");
}
