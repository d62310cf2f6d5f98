//! Build script: links the app's wasm with its relocations kept, which `scripts/split-wasm.mjs` needs to split it into parts.

fn main() {
    // Only the app's own binary: the XLSForm part and the browser tests
    // link without them (binaryen cannot optimise a wasm that keeps them).
    if std::env::var("CARGO_CFG_TARGET_ARCH").as_deref() == Ok("wasm32") {
        println!("cargo:rustc-link-arg-bin=jangkau=--emit-relocs");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
