//! The web app manifest, its icons and index.html agree and meet what Chrome needs to install the app.

use std::path::{Path, PathBuf};

use serde_json::Value;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn manifest() -> Value {
    let text = std::fs::read_to_string(root().join("public/manifest.webmanifest")).unwrap();
    serde_json::from_str(&text).expect("manifest is valid JSON")
}

/// Width and height from a PNG's IHDR chunk, or an error saying why not.
fn png_size(path: &Path) -> Result<(u32, u32), String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{}: {e}", path.display()))?;
    if bytes.len() < 24 || &bytes[..8] != b"\x89PNG\r\n\x1a\n" || &bytes[12..16] != b"IHDR" {
        return Err(format!("{} is not a PNG", path.display()));
    }
    let be = |i: usize| u32::from_be_bytes([bytes[i], bytes[i + 1], bytes[i + 2], bytes[i + 3]]);
    Ok((be(16), be(20)))
}

#[test]
fn manifest_has_what_installation_needs() {
    let m = manifest();
    for field in [
        "name",
        "short_name",
        "start_url",
        "scope",
        "theme_color",
        "background_color",
        "id",
    ] {
        let value = m[field].as_str().unwrap_or_default();
        assert!(!value.is_empty(), "manifest.{field} is missing");
    }
    assert_eq!(m["name"], "Jangkau");
    assert_eq!(m["display"], "standalone");
    // Relative, so the app also works when deployed under a sub-path.
    assert_eq!(m["start_url"], "./");
    assert_eq!(m["scope"], "./");
}

#[test]
fn icons_exist_with_the_sizes_the_manifest_claims() {
    let m = manifest();
    let icons = m["icons"].as_array().expect("icons list");
    let mut purposes = Vec::new();
    for icon in icons {
        let src = icon["src"].as_str().unwrap();
        let sizes = icon["sizes"].as_str().unwrap();
        let (w, h) = png_size(&root().join("public").join(src)).unwrap();
        assert_eq!(format!("{w}x{h}"), sizes, "{src}");
        assert_eq!(icon["type"], "image/png");
        purposes.push((icon["purpose"].as_str().unwrap().to_owned(), w));
    }
    for purpose in ["any", "maskable"] {
        for size in [192, 512] {
            assert!(
                purposes.contains(&(purpose.to_owned(), size)),
                "no {purpose} {size} icon"
            );
        }
    }
}

#[test]
fn png_reader_rejects_non_png() {
    let path = root().join("Cargo.toml");
    assert!(png_size(&path).is_err());
}

#[test]
fn index_html_links_manifest_and_matches_theme() {
    let html = std::fs::read_to_string(root().join("index.html")).unwrap();
    assert!(html.contains(r#"<link rel="manifest" href="manifest.webmanifest">"#));
    let theme = manifest()["theme_color"].as_str().unwrap().to_owned();
    assert!(
        html.contains(&format!(r#"<meta name="theme-color" content="{theme}">"#)),
        "index.html theme-color differs from the manifest's {theme}"
    );
    assert!(
        html.contains(r#"<html lang="id">"#),
        "index.html must start in Bahasa Indonesia"
    );
    for copied in [
        "public/manifest.webmanifest",
        "public/sw.js",
        "public/icons",
    ] {
        assert!(
            html.contains(&format!(r#"href="{copied}""#)),
            "{copied} is not copied into the build"
        );
    }
}
