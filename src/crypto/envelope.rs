//! The envelope that encrypts a batch or export to a programme's public key (ECDH P-256, HKDF-SHA-256, AES-256-GCM): its format and checks.
//!
//! `docs/envelope.md` is the specification; this module and the native
//! decryptor (`src/bin/jangkau-decrypt.rs`) implement it, and the browser
//! side is in `crypto::web`.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::CryptoError;

/// The version the app seals: 2, whose plaintext is gzip-compressed
/// before it is encrypted. Version 1 (the plaintext as it is) is still
/// read; nothing else is.
pub const ENVELOPE_VERSION: u32 = 2;
/// The first version, before compression.
pub const ENVELOPE_V1: u32 = 1;
pub const ALG: &str = "ECDH-ES-P256+HKDF-SHA256+A256GCM";
/// Uncompressed SEC1 point: 0x04, then x and y.
pub const EPK_LEN: usize = 65;
pub const KID_LEN: usize = 16;
pub const IV_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Envelope {
    pub jangkau_envelope: u32,
    pub alg: String,
    /// First 16 bytes of SHA-256 of the recipient's SubjectPublicKeyInfo.
    pub kid: String,
    /// The sender's one-time public key.
    pub epk: String,
    pub iv: String,
    /// Ciphertext followed by the 16-byte tag.
    pub ct: String,
}

/// An envelope's fields, decoded and checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Opened {
    pub kid: Vec<u8>,
    pub epk: Vec<u8>,
    pub iv: Vec<u8>,
    pub ct: Vec<u8>,
}

fn b64url(text: &str, what: &str) -> Result<Vec<u8>, CryptoError> {
    URL_SAFE_NO_PAD
        .decode(text.as_bytes())
        .map_err(|_| CryptoError::BadKey(format!("{what} is not base64url")))
}

pub fn encode(bytes: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(bytes)
}

impl Envelope {
    /// An envelope of `version` (its `aad` and HKDF `info` must have used
    /// the same).
    pub fn new(version: u32, kid: &[u8], epk: &[u8], iv: &[u8], ct: &[u8]) -> Envelope {
        Envelope {
            jangkau_envelope: version,
            alg: ALG.to_owned(),
            kid: encode(kid),
            epk: encode(epk),
            iv: encode(iv),
            ct: encode(ct),
        }
    }

    /// Reads an envelope from JSON.
    ///
    /// # Errors
    /// [`CryptoError::Tampered`] for anything that is not a complete
    /// envelope of this version: truncated, re-encoded or of another kind.
    pub fn parse(json: &str) -> Result<Envelope, CryptoError> {
        serde_json::from_str(json).map_err(|_| CryptoError::Tampered)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("an envelope always serialises")
    }

    /// Decodes and checks every field.
    ///
    /// # Errors
    /// [`CryptoError::Tampered`] when a field is missing, of the wrong
    /// length, or the version or algorithm is not one this reads.
    pub fn open(&self) -> Result<Opened, CryptoError> {
        let tampered = |_| CryptoError::Tampered;
        if !matches!(self.jangkau_envelope, ENVELOPE_V1 | ENVELOPE_VERSION) || self.alg != ALG {
            return Err(CryptoError::Tampered);
        }
        let opened = Opened {
            kid: b64url(&self.kid, "kid").map_err(tampered)?,
            epk: b64url(&self.epk, "epk").map_err(tampered)?,
            iv: b64url(&self.iv, "iv").map_err(tampered)?,
            ct: b64url(&self.ct, "ct").map_err(tampered)?,
        };
        if opened.kid.len() != KID_LEN
            || opened.epk.len() != EPK_LEN
            || opened.epk[0] != 0x04
            || opened.iv.len() != IV_LEN
            || opened.ct.len() < TAG_LEN
        {
            return Err(CryptoError::Tampered);
        }
        Ok(opened)
    }

    /// The additional data: everything but the ciphertext, so no header
    /// field can be swapped without the tag failing.
    pub fn aad(&self) -> Vec<u8> {
        aad(self.jangkau_envelope, &self.kid, &self.epk, &self.iv)
    }

    /// Whether the plaintext inside is gzip-compressed (version 2).
    pub fn compressed(&self) -> bool {
        self.jangkau_envelope >= ENVELOPE_VERSION
    }
}

/// See [`Envelope::aad`]; from the version and the base64url header
/// fields. The version is bound in, so an envelope cannot be passed off
/// as the other version.
pub fn aad(version: u32, kid: &str, epk: &str, iv: &str) -> Vec<u8> {
    format!("jangkau-envelope/{version}|{ALG}|{kid}|{epk}|{iv}").into_bytes()
}

/// HKDF `info`: binds the derived key to this format, its version and the
/// recipient.
pub fn hkdf_info(version: u32, kid: &[u8]) -> Vec<u8> {
    let mut info = format!("jangkau-envelope/{version}").into_bytes();
    info.extend_from_slice(kid);
    info
}

/// A programme key as pasted into Settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PublicKeyText {
    /// DER SubjectPublicKeyInfo from a `PUBLIC KEY` PEM block.
    Spki(Vec<u8>),
    /// A JWK, checked to be a public P-256 key.
    Jwk(serde_json::Value),
}

/// Recognises a pasted public key: PEM (`-----BEGIN PUBLIC KEY-----`) or JWK.
/// The curve of a PEM key is checked by WebCrypto when it is imported.
///
/// # Errors
/// [`CryptoError::BadKey`] saying what is wrong — above all a private key,
/// which must never be pasted into a phone.
pub fn parse_public_key(text: &str) -> Result<PublicKeyText, CryptoError> {
    let text = text.trim();
    let bad = |why: &str| Err(CryptoError::BadKey(why.to_owned()));
    if text.is_empty() {
        return bad("empty");
    }
    if text.contains("PRIVATE KEY") {
        return bad("private key");
    }
    if text.starts_with('{') {
        let jwk: serde_json::Value =
            serde_json::from_str(text).map_err(|_| CryptoError::BadKey("not JSON".into()))?;
        if jwk.get("d").is_some() {
            return bad("private key");
        }
        if jwk.get("kty").and_then(|v| v.as_str()) != Some("EC")
            || jwk.get("crv").and_then(|v| v.as_str()) != Some("P-256")
        {
            return bad("not a P-256 key");
        }
        if jwk.get("x").is_none() || jwk.get("y").is_none() {
            return bad("incomplete key");
        }
        return Ok(PublicKeyText::Jwk(jwk));
    }
    Ok(PublicKeyText::Spki(pem_body(text, "PUBLIC KEY")?))
}

/// The DER bytes inside one PEM block labelled `label`.
///
/// # Errors
/// [`CryptoError::BadKey`] when there is no such block or it is not base64.
pub fn pem_body(text: &str, label: &str) -> Result<Vec<u8>, CryptoError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let start = text
        .find(&begin)
        .ok_or_else(|| CryptoError::BadKey(format!("no {label} block")))?
        + begin.len();
    let stop = text[start..]
        .find(&end)
        .ok_or_else(|| CryptoError::BadKey("truncated PEM".into()))?
        + start;
    let body: String = text[start..stop]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = STANDARD
        .decode(body.as_bytes())
        .map_err(|_| CryptoError::BadKey("PEM is not base64".into()))?;
    if der.is_empty() {
        return Err(CryptoError::BadKey("empty PEM".into()));
    }
    Ok(der)
}

/// A key id as people compare it: hex in groups of four.
pub fn fingerprint(kid: &[u8]) -> String {
    kid.chunks(2)
        .map(|pair| pair.iter().map(|b| format!("{b:02x}")).collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
}
