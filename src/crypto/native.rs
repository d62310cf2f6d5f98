//! Programme envelopes natively (RustCrypto): opening them with the private key, and making keys and test envelopes.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use hkdf::Hkdf;
use p256::ecdh::{diffie_hellman, EphemeralSecret};
use p256::elliptic_curve::sec1::ToEncodedPoint;
use p256::pkcs8::{
    DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey, LineEnding,
};
use p256::{PublicKey, SecretKey};
use rand_core::{OsRng, RngCore};
use sha2::{Digest, Sha256};

use super::envelope::{self, Envelope, ENVELOPE_VERSION, KID_LEN};
use super::CryptoError;

/// A new programme key pair as PEM: (private PKCS#8, public SPKI).
///
/// # Errors
/// When encoding fails (it does not, for a fresh key).
pub fn generate() -> Result<(String, String), CryptoError> {
    let secret = SecretKey::random(&mut OsRng);
    let private = secret
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|e| CryptoError::Failed(e.to_string()))?
        .to_string();
    let public = secret
        .public_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|e| CryptoError::Failed(e.to_string()))?;
    Ok((private, public))
}

/// The key id: the first 16 bytes of SHA-256 over the SPKI DER.
pub fn kid_of(public: &PublicKey) -> Vec<u8> {
    let der = public
        .to_public_key_der()
        .expect("a valid P-256 key always encodes");
    Sha256::digest(der.as_bytes())[..KID_LEN].to_vec()
}

/// A version-2 envelope never opens to more than this: a file that would
/// is refused rather than filling the programme's disk or memory.
pub const MAX_PLAINTEXT: u64 = 256 * 1024 * 1024;

fn aes_key(version: u32, shared: &[u8], epk: &[u8], kid: &[u8]) -> Aes256Gcm {
    let mut key = [0u8; 32];
    Hkdf::<Sha256>::new(Some(epk), shared)
        .expand(&envelope::hkdf_info(version, kid), &mut key)
        .expect("32 bytes is a valid HKDF-SHA-256 length");
    Aes256Gcm::new(&key.into())
}

/// Opens an envelope with the programme's private key (PKCS#8 PEM).
///
/// # Errors
/// `BadKey` for an unusable private key or an envelope made for another
/// key; `Tampered` when the envelope is damaged or was changed; `Failed`
/// when what is inside a version-2 envelope does not decompress, or would
/// exceed [`MAX_PLAINTEXT`].
pub fn open(private_pem: &str, envelope: &Envelope) -> Result<Vec<u8>, CryptoError> {
    let secret = SecretKey::from_pkcs8_pem(private_pem)
        .map_err(|_| CryptoError::BadKey("not a P-256 private key (PKCS#8 PEM)".into()))?;
    let fields = envelope.open()?;
    if fields.kid != kid_of(&secret.public_key()) {
        return Err(CryptoError::BadKey(
            "this file was encrypted for another programme key".into(),
        ));
    }
    let epk = PublicKey::from_sec1_bytes(&fields.epk).map_err(|_| CryptoError::Tampered)?;
    let shared = diffie_hellman(secret.to_nonzero_scalar(), epk.as_affine());
    let plain = aes_key(
        envelope.jangkau_envelope,
        shared.raw_secret_bytes(),
        &fields.epk,
        &fields.kid,
    )
    .decrypt(
        Nonce::from_slice(&fields.iv),
        Payload {
            msg: &fields.ct,
            aad: &envelope.aad(),
        },
    )
    .map_err(|_| CryptoError::Tampered)?;
    if envelope.compressed() {
        gunzip(&plain, MAX_PLAINTEXT)
    } else {
        Ok(plain)
    }
}

/// gzip as the browser's `CompressionStream` writes it, for version 2.
pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    use std::io::Write as _;
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder
        .write_all(bytes)
        .and_then(|()| encoder.finish())
        .expect("writing to memory does not fail")
}

/// Undoes [`gzip`], stopping past `limit` bytes of output.
///
/// # Errors
/// `Failed` when `bytes` is not gzip or opens to more than `limit`.
pub fn gunzip(bytes: &[u8], limit: u64) -> Result<Vec<u8>, CryptoError> {
    use std::io::Read as _;
    let mut out = Vec::new();
    flate2::read::MultiGzDecoder::new(bytes)
        .take(limit + 1)
        .read_to_end(&mut out)
        .map_err(|_| CryptoError::Failed("the content inside does not decompress".into()))?;
    if out.len() as u64 > limit {
        return Err(CryptoError::Failed(format!(
            "the content is larger than {limit} bytes"
        )));
    }
    Ok(out)
}

/// Encrypts to a public key (SPKI PEM) exactly as the app does (version
/// 2: compressed, then encrypted); for tests and for programmes checking
/// their set-up.
///
/// # Errors
/// `BadKey` for an unusable public key.
pub fn seal(public_pem: &str, plaintext: &[u8]) -> Result<Envelope, CryptoError> {
    seal_as(public_pem, &gzip(plaintext), ENVELOPE_VERSION)
}

/// Encrypts `inner` exactly as given, as an envelope of `version`: version
/// 1 as phones made before compression ([`envelope::ENVELOPE_V1`]), or a
/// version 2 around anything, for checking what readers refuse.
///
/// # Errors
/// `BadKey` for an unusable public key.
pub fn seal_as(public_pem: &str, inner: &[u8], version: u32) -> Result<Envelope, CryptoError> {
    let public = PublicKey::from_public_key_pem(public_pem)
        .map_err(|_| CryptoError::BadKey("not a P-256 public key (SPKI PEM)".into()))?;
    let kid = kid_of(&public);
    let ephemeral = EphemeralSecret::random(&mut OsRng);
    let epk = ephemeral
        .public_key()
        .to_encoded_point(false)
        .as_bytes()
        .to_vec();
    let shared = ephemeral.diffie_hellman(&public);
    let mut iv = [0u8; envelope::IV_LEN];
    OsRng.fill_bytes(&mut iv);
    let aad = envelope::aad(
        version,
        &envelope::encode(&kid),
        &envelope::encode(&epk),
        &envelope::encode(&iv),
    );
    let ct = aes_key(version, shared.raw_secret_bytes(), &epk, &kid)
        .encrypt(
            Nonce::from_slice(&iv),
            Payload {
                msg: inner,
                aad: &aad,
            },
        )
        .map_err(|e| CryptoError::Failed(e.to_string()))?;
    Ok(Envelope::new(version, &kid, &epk, &iv, &ct))
}

/// SHA-256 natively: what the programme's tools and the tests hash forms with.
pub fn sha256(bytes: &[u8]) -> Vec<u8> {
    Sha256::digest(bytes).to_vec()
}

/// [`crate::service::forms::Digest`] by RustCrypto.
pub struct NativeDigest;

impl crate::service::forms::Digest for NativeDigest {
    async fn sha256(&self, bytes: &[u8]) -> Result<Vec<u8>, CryptoError> {
        Ok(sha256(bytes))
    }
}
