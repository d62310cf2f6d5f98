//! WebCrypto behind the cipher seam: PBKDF2 from the PIN, AES-GCM key wrapping, sealing record payloads, and envelopes to a programme key.

use js_sys::{Array, Object, Promise, Reflect, Uint8Array};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use web_sys::{CryptoKey, SubtleCrypto};

use super::blob::{self, AES_GCM_NAME, IV_LEN};
use super::envelope::{self, Envelope, PublicKeyText};
use super::keyfile::{self, KeyFile, KDF_NAME, KEYFILE_VERSION, SALT_LEN};
use super::secret::SecretKind;
use super::{Cipher, CryptoError};

/// A WebCrypto failure as an error. Only the exception's name is kept: a
/// message could in principle quote data.
pub(crate) fn failed(error: JsValue) -> CryptoError {
    let name = Reflect::get(&error, &JsValue::from_str("name"))
        .ok()
        .and_then(|n| n.as_string())
        .unwrap_or_else(|| "unknown".into());
    CryptoError::Failed(name)
}

pub(crate) fn subtle() -> Result<SubtleCrypto, CryptoError> {
    let crypto = web_sys::window()
        .ok_or_else(|| CryptoError::Failed("no window".into()))?
        .crypto()
        .map_err(failed)?;
    Ok(crypto.subtle())
}

/// `n` bytes from the browser's cryptographic random source.
pub fn random_bytes(n: usize) -> Result<Vec<u8>, CryptoError> {
    let mut bytes = vec![0u8; n];
    web_sys::window()
        .ok_or_else(|| CryptoError::Failed("no window".into()))?
        .crypto()
        .map_err(failed)?
        .get_random_values_with_u8_array(&mut bytes)
        .map_err(failed)?;
    Ok(bytes)
}

pub(crate) async fn resolve(promise: Result<Promise, JsValue>) -> Result<JsValue, JsValue> {
    JsFuture::from(promise?).await
}

/// A plain JS object from name/value pairs: WebCrypto's algorithm parameters.
pub(crate) fn params(pairs: &[(&str, JsValue)]) -> Object {
    let object = Object::new();
    for (name, value) in pairs {
        // Setting a property on a fresh plain object cannot fail.
        let _ = Reflect::set(&object, &JsValue::from_str(name), value);
    }
    object
}

pub(crate) fn bytes(data: &[u8]) -> JsValue {
    Uint8Array::from(data).into()
}

pub(crate) fn usages(names: &[&str]) -> JsValue {
    names
        .iter()
        .map(|n| JsValue::from_str(n))
        .collect::<Array>()
        .into()
}

pub(crate) fn to_vec(buffer: &JsValue) -> Vec<u8> {
    Uint8Array::new(buffer).to_vec()
}

fn aes_gcm(iv: &[u8], aad: &[u8]) -> Object {
    params(&[
        ("name", "AES-GCM".into()),
        ("iv", bytes(iv)),
        ("additionalData", bytes(aad)),
    ])
}

fn iv() -> Result<[u8; IV_LEN], CryptoError> {
    let mut iv = [0u8; IV_LEN];
    iv.copy_from_slice(&random_bytes(IV_LEN)?);
    Ok(iv)
}

/// Seals record payloads with a 256-bit AES-GCM data key that never leaves
/// WebCrypto (non-extractable). Dropping it is locking.
#[derive(Clone)]
pub struct AesGcmCipher {
    key: CryptoKey,
}

impl Cipher for AesGcmCipher {
    fn name(&self) -> &'static str {
        AES_GCM_NAME
    }

    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let iv = iv()?;
        let sealed = resolve(subtle()?.encrypt_with_object_and_u8_array(
            &aes_gcm(&iv, aad),
            &self.key,
            plaintext,
        ))
        .await
        .map_err(failed)?;
        Ok(blob::frame(&iv, &to_vec(&sealed)))
    }

    async fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (iv, ciphertext) = blob::unframe(sealed)?;
        let plain = resolve(subtle()?.decrypt_with_object_and_u8_array(
            &aes_gcm(&iv, aad),
            &self.key,
            ciphertext,
        ))
        .await
        // OperationError is the only failure of a well-formed call: the
        // tag did not match.
        .map_err(|_| CryptoError::Tampered)?;
        Ok(to_vec(&plain))
    }
}

fn aes_256() -> Object {
    params(&[("name", "AES-GCM".into()), ("length", 256.into())])
}

/// The key that wraps the data key, derived from the PIN or passphrase.
async fn wrapping_key(
    secret: &str,
    salt: &[u8],
    iterations: u32,
) -> Result<CryptoKey, CryptoError> {
    let subtle = subtle()?;
    let base = resolve(subtle.import_key_with_str(
        "raw",
        &Uint8Array::from(secret.as_bytes()),
        "PBKDF2",
        false,
        &usages(&["deriveKey", "deriveBits"]),
    ))
    .await
    .map_err(failed)?;
    let key = resolve(subtle.derive_key_with_object_and_object(
        &pbkdf2(salt, iterations),
        base.unchecked_ref(),
        &aes_256(),
        false,
        &usages(&["wrapKey", "unwrapKey"]),
    ))
    .await
    .map_err(failed)?;
    Ok(key.unchecked_into())
}

fn pbkdf2(salt: &[u8], iterations: u32) -> Object {
    params(&[
        ("name", "PBKDF2".into()),
        ("hash", "SHA-256".into()),
        ("salt", bytes(salt)),
        ("iterations", iterations.into()),
    ])
}

async fn unwrap(
    file: &KeyFile,
    kek: &CryptoKey,
    extractable: bool,
) -> Result<CryptoKey, CryptoError> {
    let key = resolve(subtle()?.unwrap_key_with_u8_array_and_object_and_object(
        "raw",
        &file.wrapped,
        kek,
        &aes_gcm(&file.iv, &file.wrap_aad()),
        &aes_256(),
        extractable,
        &usages(&["encrypt", "decrypt"]),
    ))
    .await
    // The tag fails to match: the PIN was wrong (or the file was altered,
    // which a user cannot tell apart and need not).
    .map_err(|_| CryptoError::WrongSecret)?;
    Ok(key.unchecked_into())
}

/// A key file for `key` under a new secret: fresh salt and IV.
async fn wrap(
    key: &CryptoKey,
    secret: &str,
    kind: SecretKind,
    iterations: u32,
) -> Result<KeyFile, CryptoError> {
    let mut file = KeyFile {
        v: KEYFILE_VERSION,
        kind,
        kdf: KDF_NAME.to_owned(),
        iterations,
        salt: random_bytes(SALT_LEN)?,
        iv: random_bytes(IV_LEN)?,
        wrapped: Vec::new(),
    };
    let kek = wrapping_key(secret, &file.salt, iterations).await?;
    let wrapped = resolve(subtle()?.wrap_key_with_object(
        "raw",
        key,
        &kek,
        &aes_gcm(&file.iv, &file.wrap_aad()),
    ))
    .await
    .map_err(failed)?;
    file.wrapped = to_vec(&wrapped);
    Ok(file)
}

/// First run: a new random data key, wrapped under `secret`. Returns the key
/// file to store and the cipher, already unlocked. The generated key is
/// extractable only so it can be wrapped; the cipher holds a
/// non-extractable copy unwrapped from the file, which also proves the file
/// opens before anything is sealed with it.
///
/// # Errors
/// When WebCrypto fails.
pub async fn create(
    secret: &str,
    kind: SecretKind,
    iterations: u32,
) -> Result<(KeyFile, AesGcmCipher), CryptoError> {
    let generated = resolve(subtle()?.generate_key_with_object(
        &aes_256(),
        true,
        &usages(&["encrypt", "decrypt"]),
    ))
    .await
    .map_err(failed)?;
    let file = wrap(generated.unchecked_ref(), secret, kind, iterations).await?;
    let cipher = unlock(&file, secret).await?;
    Ok((file, cipher))
}

/// Opens the data key with the PIN or passphrase.
///
/// # Errors
/// [`CryptoError::WrongSecret`] when it does not open.
pub async fn unlock(file: &KeyFile, secret: &str) -> Result<AesGcmCipher, CryptoError> {
    let kek = wrapping_key(secret, &file.salt, file.iterations).await?;
    Ok(AesGcmCipher {
        key: unwrap(file, &kek, false).await?,
    })
}

/// A new PIN or passphrase: the same data key wrapped anew, so no record is
/// re-encrypted. The old secret is required.
///
/// # Errors
/// [`CryptoError::WrongSecret`] when `old` does not open the key.
pub async fn rewrap(
    file: &KeyFile,
    old: &str,
    new: &str,
    kind: SecretKind,
    iterations: u32,
) -> Result<KeyFile, CryptoError> {
    let kek = wrapping_key(old, &file.salt, file.iterations).await?;
    let key = unwrap(file, &kek, true).await?;
    wrap(&key, new, kind, iterations).await
}

fn now_ms() -> f64 {
    web_sys::window()
        .and_then(|w| w.performance())
        .map_or(0.0, |p| p.now())
}

/// Milliseconds one PBKDF2 derivation of `iterations` takes here.
///
/// # Errors
/// When WebCrypto fails.
pub async fn time_derivation(iterations: u32) -> Result<f64, CryptoError> {
    let salt = random_bytes(SALT_LEN)?;
    let started = now_ms();
    wrapping_key("calibration", &salt, iterations).await?;
    Ok(now_ms() - started)
}

/// The work factor for this phone: one probe, scaled to
/// [`keyfile::TARGET_MS`].
///
/// # Errors
/// When WebCrypto fails.
pub async fn calibrate() -> Result<u32, CryptoError> {
    const PROBE: u32 = 100_000;
    let ms = time_derivation(PROBE).await?;
    Ok(keyfile::iterations_for(PROBE, ms, keyfile::TARGET_MS))
}

/// The data key made, opened and re-wrapped by WebCrypto (PBKDF2-SHA-256
/// and AES-GCM key wrapping).
#[derive(Debug, Clone, Copy, Default)]
pub struct WebKeys;

impl super::KeyMaker for WebKeys {
    type Cipher = AesGcmCipher;

    async fn calibrate(&self) -> Result<u32, CryptoError> {
        calibrate().await
    }

    async fn create(
        &self,
        secret: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<(KeyFile, AesGcmCipher), CryptoError> {
        create(secret, kind, iterations).await
    }

    async fn unlock(&self, file: &KeyFile, secret: &str) -> Result<AesGcmCipher, CryptoError> {
        unlock(file, secret).await
    }

    async fn rewrap(
        &self,
        file: &KeyFile,
        old: &str,
        new: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<KeyFile, CryptoError> {
        rewrap(file, old, new, kind, iterations).await
    }

    async fn new_shared(&self) -> Result<(Vec<u8>, AesGcmCipher), CryptoError> {
        let raw = random_bytes(SHARED_KEY_LEN)?;
        let cipher = self.shared_cipher(&raw).await?;
        Ok((raw, cipher))
    }

    async fn shared_cipher(&self, raw: &[u8]) -> Result<AesGcmCipher, CryptoError> {
        if raw.len() != SHARED_KEY_LEN {
            return Err(CryptoError::BadKeyFile(
                "shared key of the wrong length".into(),
            ));
        }
        // Non-extractable: once imported, the key stays inside WebCrypto;
        // the raw bytes live only as long as this call.
        let key = resolve(subtle()?.import_key_with_str(
            "raw",
            &Uint8Array::from(raw),
            "AES-GCM",
            false,
            &usages(&["encrypt", "decrypt"]),
        ))
        .await
        .map_err(failed)?;
        Ok(AesGcmCipher {
            key: key.unchecked_into(),
        })
    }
}

/// A shared key: 256-bit AES.
const SHARED_KEY_LEN: usize = 32;

/// SHA-256 of `bytes`, by WebCrypto (no hashing code in the download).
///
/// # Errors
/// When WebCrypto is missing or fails.
pub async fn sha256(bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
    let digest = resolve(subtle()?.digest_with_str_and_u8_array("SHA-256", bytes))
        .await
        .map_err(failed)?;
    Ok(to_vec(&digest))
}

/// A programme's public key, ready to encrypt to.
#[derive(Clone)]
pub struct ProgrammeKey {
    key: CryptoKey,
    kid: Vec<u8>,
}

impl ProgrammeKey {
    pub fn kid(&self) -> &[u8] {
        &self.kid
    }
}

fn ecdh_p256() -> Object {
    params(&[("name", "ECDH".into()), ("namedCurve", "P-256".into())])
}

/// Imports a pasted PEM or JWK public key (see [`envelope::parse_public_key`]).
///
/// # Errors
/// [`CryptoError::BadKey`] for anything but a public P-256 key.
pub async fn import_programme_key(text: &str) -> Result<ProgrammeKey, CryptoError> {
    let subtle = subtle()?;
    let not_p256 = |_| CryptoError::BadKey("not a P-256 public key".into());
    let imported = match envelope::parse_public_key(text)? {
        PublicKeyText::Spki(der) => resolve(subtle.import_key_with_object(
            "spki",
            &Uint8Array::from(der.as_slice()),
            &ecdh_p256(),
            true,
            &usages(&[]),
        ))
        .await
        .map_err(not_p256)?,
        PublicKeyText::Jwk(jwk) => {
            let object = js_sys::JSON::parse(&jwk.to_string())
                .map_err(|_| CryptoError::BadKey("not JSON".into()))?;
            resolve(subtle.import_key_with_object(
                "jwk",
                object.unchecked_ref(),
                &ecdh_p256(),
                true,
                &usages(&[]),
            ))
            .await
            .map_err(not_p256)?
        }
    };
    let key: CryptoKey = imported.unchecked_into();
    if key.type_() != "public" {
        return Err(CryptoError::BadKey("private key".into()));
    }
    let spki = resolve(subtle.export_key("spki", &key))
        .await
        .map_err(failed)?;
    let digest = resolve(subtle.digest_with_str_and_u8_array("SHA-256", &to_vec(&spki)))
        .await
        .map_err(failed)?;
    let mut kid = to_vec(&digest);
    kid.truncate(envelope::KID_LEN);
    Ok(ProgrammeKey { key, kid })
}

/// Encrypts `plaintext` to the programme: a one-time P-256 key pair, ECDH
/// with the programme key, HKDF-SHA-256 to a fresh AES-256-GCM key, used
/// once. Only the holder of the programme's private key can open it.
/// The plaintext is gzip-compressed first (envelope version 2); a browser
/// without `CompressionStream` makes version 1, which every reader opens.
///
/// # Errors
/// When WebCrypto fails.
pub async fn seal_for_programme(
    programme: &ProgrammeKey,
    plaintext: &[u8],
) -> Result<Envelope, CryptoError> {
    let (version, inner) = match crate::platform::compress::gzip(plaintext).await {
        Ok(zipped) => (envelope::ENVELOPE_VERSION, zipped),
        Err(_) => (envelope::ENVELOPE_V1, plaintext.to_vec()),
    };
    let subtle = subtle()?;
    let pair =
        resolve(subtle.generate_key_with_object(&ecdh_p256(), false, &usages(&["deriveBits"])))
            .await
            .map_err(failed)?;
    let get = |name: &str| {
        Reflect::get(&pair, &JsValue::from_str(name))
            .map(|k| k.unchecked_into::<CryptoKey>())
            .map_err(failed)
    };
    let (private, public) = (get("privateKey")?, get("publicKey")?);
    let epk = to_vec(
        &resolve(subtle.export_key("raw", &public))
            .await
            .map_err(failed)?,
    );
    let shared = resolve(subtle.derive_bits_with_object(
        &params(&[
            ("name", "ECDH".into()),
            ("public", programme.key.clone().into()),
        ]),
        &private,
        256,
    ))
    .await
    .map_err(failed)?;
    let hkdf_base = resolve(subtle.import_key_with_str(
        "raw",
        &Uint8Array::new(&shared),
        "HKDF",
        false,
        &usages(&["deriveKey"]),
    ))
    .await
    .map_err(failed)?;
    let aes = resolve(subtle.derive_key_with_object_and_object(
        &params(&[
            ("name", "HKDF".into()),
            ("hash", "SHA-256".into()),
            ("salt", bytes(&epk)),
            ("info", bytes(&envelope::hkdf_info(version, &programme.kid))),
        ]),
        hkdf_base.unchecked_ref(),
        &aes_256(),
        false,
        &usages(&["encrypt"]),
    ))
    .await
    .map_err(failed)?;
    let iv = iv()?;
    let aad = envelope::aad(
        version,
        &envelope::encode(&programme.kid),
        &envelope::encode(&epk),
        &envelope::encode(&iv),
    );
    let ct = resolve(subtle.encrypt_with_object_and_u8_array(
        &aes_gcm(&iv, &aad),
        aes.unchecked_ref(),
        &inner,
    ))
    .await
    .map_err(failed)?;
    Ok(Envelope::new(
        version,
        &programme.kid,
        &epk,
        &iv,
        &to_vec(&ct),
    ))
}

/// Batch entries made in the browser: encrypted to the programme key when
/// one is set, fingerprinted with WebCrypto's SHA-256.
pub struct WebPreparer {
    programme: Option<ProgrammeKey>,
}

impl crate::sync::engine::Preparer for WebPreparer {
    async fn prepare(
        &self,
        record: &crate::model::record::Record,
    ) -> Result<crate::sync::wire::Entry, CryptoError> {
        use crate::sync::wire::{hex, Content, Entry};
        let content = Content::of(record).to_bytes();
        match &self.programme {
            Some(key) => {
                let envelope = seal_for_programme(key, &content).await?;
                let json = envelope.to_json();
                let value =
                    serde_json::from_str(&json).map_err(|e| CryptoError::Failed(e.to_string()))?;
                Ok(Entry::encrypted(
                    record,
                    value,
                    hex(&sha256(json.as_bytes()).await?),
                ))
            }
            None => Ok(Entry::plain(record, hex(&sha256(&content).await?))),
        }
    }
}

/// The programme key, imported by WebCrypto, behind the sending service's seam.
#[derive(Debug, Clone, Copy, Default)]
pub struct WebProgramme;

impl crate::service::sending::Programme for WebProgramme {
    type Preparer = WebPreparer;

    async fn preparer(&self, key: Option<&str>) -> Result<WebPreparer, CryptoError> {
        Ok(WebPreparer {
            programme: match key {
                Some(text) => Some(import_programme_key(text).await?),
                None => None,
            },
        })
    }
}

/// [`crate::service::forms::Digest`] by WebCrypto.
pub struct WebDigest;

impl crate::service::forms::Digest for WebDigest {
    async fn sha256(&self, bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
        sha256(bytes).await
    }
}
