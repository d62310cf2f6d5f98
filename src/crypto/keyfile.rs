//! The data key as kept on the phone (wrapped under a PIN-derived key) and choosing the PBKDF2 work factor.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use serde::{Deserialize, Serialize};

use super::blob::IV_LEN;
use super::secret::SecretKind;
use super::CryptoError;

pub const KEYFILE_VERSION: u32 = 1;
pub const KDF_NAME: &str = "PBKDF2-SHA-256";
pub const SALT_LEN: usize = 16;
/// A 256-bit AES key wrapped with AES-GCM: 32 bytes plus the 16-byte tag.
pub const WRAPPED_LEN: usize = 48;
/// Bounds on the work factor, whatever the phone measured: the floor keeps
/// a glitched measurement from weakening the key, the ceiling keeps a slow
/// moment from making every unlock take many seconds.
pub const MIN_ITERATIONS: u32 = 100_000;
pub const MAX_ITERATIONS: u32 = 2_000_000;
/// What unlocking should cost on the phone that set the PIN.
pub const TARGET_MS: f64 = 750.0;

/// Stored (as JSON) in the `meta` store. Nothing in it is secret without
/// the PIN: the data key is only ever stored wrapped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyFile {
    pub v: u32,
    pub kind: SecretKind,
    pub kdf: String,
    pub iterations: u32,
    #[serde(with = "b64")]
    pub salt: Vec<u8>,
    #[serde(with = "b64")]
    pub iv: Vec<u8>,
    #[serde(with = "b64")]
    pub wrapped: Vec<u8>,
}

impl KeyFile {
    /// # Errors
    /// [`CryptoError::BadKeyFile`] for anything but a complete key file of
    /// this version.
    pub fn parse(json: &str) -> Result<KeyFile, CryptoError> {
        let file: KeyFile =
            serde_json::from_str(json).map_err(|e| CryptoError::BadKeyFile(e.to_string()))?;
        let bad = |what: &str| Err(CryptoError::BadKeyFile(what.to_owned()));
        if file.v != KEYFILE_VERSION {
            return bad("unknown version");
        }
        if file.kdf != KDF_NAME {
            return bad("unknown key derivation");
        }
        if !(MIN_ITERATIONS..=MAX_ITERATIONS).contains(&file.iterations) {
            return bad("work factor out of range");
        }
        if file.salt.len() != SALT_LEN || file.iv.len() != IV_LEN {
            return bad("salt or IV of the wrong length");
        }
        if file.wrapped.len() != WRAPPED_LEN {
            return bad("wrapped key of the wrong length");
        }
        Ok(file)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a key file always serialises")
    }

    /// Additional data for the wrap: changing the kind, work factor or salt
    /// in storage makes the wrapped key fail to open, instead of silently
    /// weakening it.
    pub fn wrap_aad(&self) -> Vec<u8> {
        format!(
            "jangkau/keyfile/{}/{}/{}/{}",
            self.v,
            match self.kind {
                SecretKind::Pin => "pin",
                SecretKind::Passphrase => "passphrase",
            },
            self.iterations,
            STANDARD.encode(&self.salt)
        )
        .into_bytes()
    }
}

/// The iteration count that makes derivation take about `target_ms` on this
/// phone, from one timed probe of `probe_iterations`; rounded to 10 000 and
/// kept within [`MIN_ITERATIONS`, `MAX_ITERATIONS`].
pub fn iterations_for(probe_iterations: u32, probe_ms: f64, target_ms: f64) -> u32 {
    if !(probe_ms.is_finite() && probe_ms > 0.0) {
        return MIN_ITERATIONS;
    }
    let per_ms = f64::from(probe_iterations) / probe_ms;
    let wanted = (per_ms * target_ms / 10_000.0).round() * 10_000.0;
    if wanted >= f64::from(MAX_ITERATIONS) {
        MAX_ITERATIONS
    } else {
        (wanted as u32).max(MIN_ITERATIONS)
    }
}

/// Bytes as standard base64 inside JSON.
pub(crate) mod b64 {
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine as _;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&STANDARD.encode(bytes))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<u8>, D::Error> {
        let text = String::deserialize(d)?;
        STANDARD
            .decode(text.as_bytes())
            .map_err(serde::de::Error::custom)
    }
}
