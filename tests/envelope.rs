#![cfg(not(target_arch = "wasm32"))]
//! Programme envelopes natively: round trip, every kind of damage refused, pasted keys recognised, and the decryptor command.

use std::process::Command;

use jangkau::crypto::envelope::{self, parse_public_key, Envelope, PublicKeyText};
use jangkau::crypto::{native, CryptoError};

fn keys() -> (String, String) {
    native::generate().unwrap()
}

#[test]
fn what_is_sealed_to_the_public_key_opens_with_the_private_key_only() {
    let (private, public) = keys();
    let text = "{\"records\":[\"Ingin usaha salon\"]}".as_bytes();
    let sealed = native::seal(&public, text).unwrap();
    let json = sealed.to_json();
    assert!(!json.contains("salon"));
    let parsed = Envelope::parse(&json).unwrap();
    assert_eq!(native::open(&private, &parsed).unwrap(), text);
    // Fresh one-time key and IV each time.
    let again = native::seal(&public, text).unwrap();
    assert_ne!(
        (again.epk.clone(), again.iv.clone()),
        (sealed.epk.clone(), sealed.iv.clone())
    );
    // Another programme's key is told apart, not reported as damage.
    let (other_private, _) = keys();
    assert!(matches!(
        native::open(&other_private, &sealed),
        Err(CryptoError::BadKey(m)) if m.contains("another programme key")
    ));
    assert!(matches!(
        native::open(
            "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----",
            &sealed
        ),
        Err(CryptoError::BadKey(_))
    ));
    // An empty payload is still a valid envelope.
    let empty = native::seal(&public, b"").unwrap();
    assert_eq!(native::open(&private, &empty).unwrap(), b"");
}

fn flip(b64: &str, at: usize) -> String {
    let mut bytes = base64_decode(b64);
    bytes[at] ^= 0x01;
    envelope::encode(&bytes)
}

fn base64_decode(text: &str) -> Vec<u8> {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .unwrap()
}

#[test]
fn any_change_to_any_field_is_refused() {
    let (private, public) = keys();
    let sealed = native::seal(&public, b"catatan rahasia").unwrap();
    let (_, other_public) = keys();
    let other = native::seal(&other_public, b"x").unwrap();
    let changed = [
        Envelope {
            ct: flip(&sealed.ct, 0),
            ..sealed.clone()
        },
        Envelope {
            ct: flip(&sealed.ct, base64_decode(&sealed.ct).len() - 1),
            ..sealed.clone()
        },
        Envelope {
            iv: flip(&sealed.iv, 3),
            ..sealed.clone()
        },
        // A valid point, but not the one the sender used.
        Envelope {
            epk: other.epk.clone(),
            ..sealed.clone()
        },
        Envelope {
            epk: flip(&sealed.epk, 10),
            ..sealed.clone()
        },
        Envelope {
            ct: envelope::encode(&base64_decode(&sealed.ct)[..10]),
            ..sealed.clone()
        },
        Envelope {
            ct: String::new(),
            ..sealed.clone()
        },
        Envelope {
            alg: "RSA-OAEP-256+A256GCM".into(),
            ..sealed.clone()
        },
        // The version is bound into the key and the tag: a version-2
        // envelope passed off as version 1 (or any other) does not open.
        Envelope {
            jangkau_envelope: 1,
            ..sealed.clone()
        },
        Envelope {
            jangkau_envelope: 3,
            ..sealed.clone()
        },
        Envelope {
            iv: "***".into(),
            ..sealed.clone()
        },
    ];
    for (i, envelope) in changed.iter().enumerate() {
        assert_eq!(
            native::open(&private, envelope),
            Err(CryptoError::Tampered),
            "change {i}"
        );
    }
    // A changed key id is for "another key" — or damage; never opened.
    let kid = Envelope {
        kid: flip(&sealed.kid, 0),
        ..sealed.clone()
    };
    assert!(native::open(&private, &kid).is_err());
    // Truncated files are not envelopes at all.
    let json = sealed.to_json();
    for cut in [0, 1, json.len() / 2, json.len() - 1] {
        assert_eq!(
            Envelope::parse(&json[..cut]),
            Err(CryptoError::Tampered),
            "cut {cut}"
        );
    }
}

#[test]
fn pasted_keys_are_recognised_and_private_keys_refused() {
    let (private, public) = keys();
    assert!(matches!(parse_public_key(&public), Ok(PublicKeyText::Spki(der)) if der.len() == 91));
    // Extra blank lines and spaces from a chat app do not matter.
    let spaced = public.replace('\n', "\n\n  ");
    assert_eq!(parse_public_key(&spaced), parse_public_key(&public));
    let jwk = r#"{"kty":"EC","crv":"P-256","x":"f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU","y":"x_FEzRu9m36HLN_tue659LNpXW6pCyStikYjKIWI5a0"}"#;
    assert!(matches!(parse_public_key(jwk), Ok(PublicKeyText::Jwk(_))));
    let refused = [
        (private.as_str(), "private key"),
        (
            r#"{"kty":"EC","crv":"P-256","x":"a","y":"b","d":"c"}"#,
            "private key",
        ),
        (r#"{"kty":"RSA","n":"a","e":"AQAB"}"#, "not a P-256 key"),
        (
            r#"{"kty":"EC","crv":"P-384","x":"a","y":"b"}"#,
            "not a P-256 key",
        ),
        (r#"{"kty":"EC","crv":"P-256"}"#, "incomplete key"),
        ("{not json", "not JSON"),
        ("", "empty"),
        ("   \n ", "empty"),
        ("hello", "no PUBLIC KEY block"),
        ("-----BEGIN PUBLIC KEY-----\nMFkwEwYH", "truncated PEM"),
        (
            "-----BEGIN PUBLIC KEY-----\n!!!\n-----END PUBLIC KEY-----",
            "PEM is not base64",
        ),
    ];
    for (text, why) in refused {
        assert_eq!(
            parse_public_key(text),
            Err(CryptoError::BadKey(why.into())),
            "{text:?}"
        );
    }
}

#[test]
fn the_command_makes_keys_and_decrypts_and_says_why_when_it_cannot() {
    let dir = std::env::temp_dir().join(format!("jangkau-cli-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let name = dir.join("programme");
    let bin = env!("CARGO_BIN_EXE_jangkau-decrypt");
    let out = Command::new(bin)
        .args(["keygen", name.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("fingerprint"));
    let private = dir.join("programme.private.pem");
    let public = std::fs::read_to_string(dir.join("programme.public.pem")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&private).unwrap().permissions().mode();
        assert_eq!(mode & 0o077, 0, "the private key is readable by others");
    }
    // Never overwrites a key.
    let again = Command::new(bin)
        .args(["keygen", name.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!again.status.success());

    let file = dir.join("batch.json");
    std::fs::write(
        &file,
        native::seal(&public, "Modal usaha: Rp 2.500.000".as_bytes())
            .unwrap()
            .to_json(),
    )
    .unwrap();
    let out = Command::new(bin)
        .args(["--key", private.to_str().unwrap(), file.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "Modal usaha: Rp 2.500.000"
    );

    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, &text[..text.len() - 20]).unwrap();
    let out = Command::new(bin)
        .args(["--key", private.to_str().unwrap(), file.to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cut short"));
    assert!(out.stdout.is_empty());

    let usage = Command::new(bin).output().unwrap();
    assert_eq!(usage.status.code(), Some(2));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Issue 15: version 2 compresses before encrypting; version 1 files made
/// by phones before it still open, and what is inside a version 2 must be
/// gzip of bounded size.
#[test]
fn version_2_is_compressed_inside_and_version_1_still_opens() {
    use envelope::{ENVELOPE_V1, ENVELOPE_VERSION};
    let (private, public) = keys();
    let records: String = (0..40)
        .map(|i| {
            format!(r#"{{"site":"KDR-{i:02}","answers":{{"site_active":"partly","houses":12}}}},"#)
        })
        .collect();
    let v2 = native::seal(&public, records.as_bytes()).unwrap();
    assert_eq!(v2.jangkau_envelope, ENVELOPE_VERSION);
    assert_eq!(native::open(&private, &v2).unwrap(), records.as_bytes());
    let v1 = native::seal_as(&public, records.as_bytes(), ENVELOPE_V1).unwrap();
    assert_eq!(v1.jangkau_envelope, 1);
    assert_eq!(native::open(&private, &v1).unwrap(), records.as_bytes());
    assert!(
        v2.to_json().len() * 4 < v1.to_json().len(),
        "version 2 ({} bytes) is not much smaller than version 1 ({} bytes)",
        v2.to_json().len(),
        v1.to_json().len()
    );
    // Inside a version 2: not gzip at all, or gzip cut short.
    let not_gzip = native::seal_as(&public, b"plain text", ENVELOPE_VERSION).unwrap();
    assert!(matches!(
        native::open(&private, &not_gzip),
        Err(CryptoError::Failed(m)) if m.contains("does not decompress")
    ));
    let zipped = native::gzip(records.as_bytes());
    let cut = native::seal_as(&public, &zipped[..zipped.len() / 2], ENVELOPE_VERSION).unwrap();
    assert!(native::open(&private, &cut).is_err());
    // A small file that would open to more than the limit is refused.
    let zeros = native::gzip(&vec![0; 5000]);
    assert!(zeros.len() < 100);
    assert!(matches!(
        native::gunzip(&zeros, 4999),
        Err(CryptoError::Failed(m)) if m.contains("larger than 4999 bytes")
    ));
    assert_eq!(native::gunzip(&zeros, 5000).unwrap().len(), 5000);
}
