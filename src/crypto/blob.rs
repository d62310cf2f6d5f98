//! The byte layout of a record payload sealed with AES-GCM: version, IV, ciphertext and tag.

use super::CryptoError;

/// Stored as the record's `cipher` field.
pub const AES_GCM_NAME: &str = "aes-256-gcm";
pub const BLOB_VERSION: u8 = 1;
pub const IV_LEN: usize = 12;
pub const TAG_LEN: usize = 16;

/// `version || iv || ciphertext-with-tag`.
pub fn frame(iv: &[u8; IV_LEN], ciphertext: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(1 + IV_LEN + ciphertext.len());
    out.push(BLOB_VERSION);
    out.extend_from_slice(iv);
    out.extend_from_slice(ciphertext);
    out
}

/// Splits a blob into IV and ciphertext-with-tag.
///
/// # Errors
/// [`CryptoError::Tampered`] when too short to hold an IV and a tag, or of
/// an unknown version: either way it cannot be opened.
pub fn unframe(blob: &[u8]) -> Result<([u8; IV_LEN], &[u8]), CryptoError> {
    if blob.len() < 1 + IV_LEN + TAG_LEN || blob[0] != BLOB_VERSION {
        return Err(CryptoError::Tampered);
    }
    let mut iv = [0u8; IV_LEN];
    iv.copy_from_slice(&blob[1..=IV_LEN]);
    Ok((iv, &blob[1 + IV_LEN..]))
}
