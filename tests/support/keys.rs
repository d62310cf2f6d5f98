//! Native stand-ins for the phone's WebCrypto key handling, for tests only: AES-256-GCM from RustCrypto behind the `Cipher` seam, and a `KeyMaker` that wraps the data key under a hash of the PIN (no work factor: never for real secrets).
#![allow(dead_code)] // not every test file uses every helper

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use jangkau::crypto::blob::{self, IV_LEN};
use jangkau::crypto::keyfile::{KeyFile, KDF_NAME, KEYFILE_VERSION, MIN_ITERATIONS, SALT_LEN};
use jangkau::crypto::secret::SecretKind;
use jangkau::crypto::{Cipher, CryptoError, KeyMaker};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

/// Records sealed with AES-256-GCM, as on the phone (same blob framing and
/// cipher name), so tampering and wrong keys fail as they would there.
#[derive(Clone)]
pub struct NativeCipher {
    key: [u8; 32],
}

impl NativeCipher {
    pub fn random() -> NativeCipher {
        let mut key = [0u8; 32];
        OsRng.fill_bytes(&mut key);
        NativeCipher { key }
    }
}

impl Cipher for NativeCipher {
    fn name(&self) -> &'static str {
        blob::AES_GCM_NAME
    }

    async fn seal(&self, aad: &[u8], plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let mut iv = [0u8; IV_LEN];
        OsRng.fill_bytes(&mut iv);
        let ct = Aes256Gcm::new(&self.key.into())
            .encrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: plaintext,
                    aad,
                },
            )
            .map_err(|e| CryptoError::Failed(e.to_string()))?;
        Ok(blob::frame(&iv, &ct))
    }

    async fn open(&self, aad: &[u8], sealed: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (iv, ct) = blob::unframe(sealed)?;
        Aes256Gcm::new(&self.key.into())
            .decrypt(Nonce::from_slice(&iv), Payload { msg: ct, aad })
            .map_err(|_| CryptoError::Tampered)
    }
}

/// Wraps the data key with AES-GCM under SHA-256(salt ‖ secret).
#[derive(Default, Clone, Copy)]
pub struct TestKeys;

fn kek(secret: &str, salt: &[u8]) -> Aes256Gcm {
    let digest: [u8; 32] = Sha256::new()
        .chain_update(salt)
        .chain_update(secret.as_bytes())
        .finalize()
        .into();
    Aes256Gcm::new(&digest.into())
}

fn wrap(key: &[u8; 32], secret: &str, kind: SecretKind, iterations: u32) -> KeyFile {
    let mut salt = vec![0u8; SALT_LEN];
    let mut iv = vec![0u8; IV_LEN];
    OsRng.fill_bytes(&mut salt);
    OsRng.fill_bytes(&mut iv);
    let mut file = KeyFile {
        v: KEYFILE_VERSION,
        kind,
        kdf: KDF_NAME.to_owned(),
        iterations,
        salt,
        iv,
        wrapped: Vec::new(),
    };
    file.wrapped = kek(secret, &file.salt)
        .encrypt(
            Nonce::from_slice(&file.iv),
            Payload {
                msg: key,
                aad: &file.wrap_aad(),
            },
        )
        .expect("wrapping 32 bytes cannot fail");
    file
}

fn unwrap(file: &KeyFile, secret: &str) -> Result<[u8; 32], CryptoError> {
    let key = kek(secret, &file.salt)
        .decrypt(
            Nonce::from_slice(&file.iv),
            Payload {
                msg: &file.wrapped,
                aad: &file.wrap_aad(),
            },
        )
        .map_err(|_| CryptoError::WrongSecret)?;
    key.try_into().map_err(|_| CryptoError::WrongSecret)
}

impl KeyMaker for TestKeys {
    type Cipher = NativeCipher;

    async fn calibrate(&self) -> Result<u32, CryptoError> {
        Ok(MIN_ITERATIONS)
    }

    async fn create(
        &self,
        secret: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<(KeyFile, NativeCipher), CryptoError> {
        let cipher = NativeCipher::random();
        Ok((wrap(&cipher.key, secret, kind, iterations), cipher))
    }

    async fn unlock(&self, file: &KeyFile, secret: &str) -> Result<NativeCipher, CryptoError> {
        Ok(NativeCipher {
            key: unwrap(file, secret)?,
        })
    }

    async fn rewrap(
        &self,
        file: &KeyFile,
        old: &str,
        new: &str,
        kind: SecretKind,
        iterations: u32,
    ) -> Result<KeyFile, CryptoError> {
        Ok(wrap(&unwrap(file, old)?, new, kind, iterations))
    }

    async fn new_shared(&self) -> Result<(Vec<u8>, NativeCipher), CryptoError> {
        let cipher = NativeCipher::random();
        Ok((cipher.key.to_vec(), cipher))
    }

    async fn shared_cipher(&self, raw: &[u8]) -> Result<NativeCipher, CryptoError> {
        Ok(NativeCipher {
            key: raw
                .try_into()
                .map_err(|_| CryptoError::BadKeyFile("shared key of the wrong length".into()))?,
        })
    }
}
