//! The RS256 signing key: generated once, kept in the data directory as a
//! PKCS#8 PEM file readable only by its owner, and published as a JWKS.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};

use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use base64::Engine as _;
use jsonwebtoken::{DecodingKey, EncodingKey};
use rsa::pkcs1::EncodeRsaPrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use rsa::{RsaPrivateKey, RsaPublicKey};
use sha2::{Digest, Sha256};

use crate::error::IdpError;

/// File name of the key inside the data directory.
pub const KEY_FILE_NAME: &str = "idp-signing-key.pem";

/// Cognito signs with 2048-bit RSA keys; so do we.
const KEY_BITS: usize = 2048;

/// The key as jsonwebtoken uses it (RS256 signing and checking, the same
/// crate the chat's verifier uses), and its public half for the JWKS.
pub struct SigningKeys {
    encoding: EncodingKey,
    decoding: DecodingKey,
    public: RsaPublicKey,
    kid: String,
}

impl SigningKeys {
    /// Loads the key from `<data_dir>/idp-signing-key.pem`, generating and
    /// saving one on first start so tokens survive restarts.
    pub fn load_or_create(data_dir: &Path) -> Result<Self, IdpError> {
        let path = data_dir.join(KEY_FILE_NAME);
        let private = match fs::read_to_string(&path) {
            Ok(pem) => {
                restrict_permissions(&path)?;
                RsaPrivateKey::from_pkcs8_pem(&pem).map_err(|e| key_error(&path, e))?
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::info!(path = %path.display(), "generating the idp signing key");
                let private = RsaPrivateKey::new(&mut rand::rngs::OsRng, KEY_BITS)
                    .map_err(|e| key_error(&path, e))?;
                let pem = private
                    .to_pkcs8_pem(LineEnding::LF)
                    .map_err(|e| key_error(&path, e))?;
                write_private_file(&path, pem.as_bytes())?;
                private
            }
            Err(source) => return Err(IdpError::Io { path, source }),
        };
        Self::from_private_key(private, &path)
    }

    fn from_private_key(private: RsaPrivateKey, path: &Path) -> Result<Self, IdpError> {
        let public = private.to_public_key();
        // The kid names the key by its content, so it is stable across
        // restarts and changes whenever the key does.
        let spki = public.to_public_key_der().map_err(|e| key_error(path, e))?;
        let kid = BASE64URL.encode(&Sha256::digest(spki.as_bytes())[..20]);
        let pkcs1 = private.to_pkcs1_der().map_err(|e| key_error(path, e))?;
        let n = BASE64URL.encode(public.n().to_bytes_be());
        let e = BASE64URL.encode(public.e().to_bytes_be());
        // jsonwebtoken picks its crypto backend from its features; name ours
        // in case another crate of the build enables a second one.
        let _ = jsonwebtoken::crypto::rust_crypto::DEFAULT_PROVIDER.install_default();
        Ok(Self {
            encoding: EncodingKey::from_rsa_der(pkcs1.as_bytes()),
            decoding: DecodingKey::from_rsa_components(&n, &e).map_err(|e| key_error(path, e))?,
            public,
            kid,
        })
    }

    pub fn kid(&self) -> &str {
        &self.kid
    }

    pub(crate) fn encoding(&self) -> &EncodingKey {
        &self.encoding
    }

    pub(crate) fn decoding(&self) -> &DecodingKey {
        &self.decoding
    }

    /// The public key as a JWK set, the shape Cognito serves.
    pub fn jwks(&self) -> serde_json::Value {
        serde_json::json!({
            "keys": [{
                "alg": "RS256",
                "e": BASE64URL.encode(self.public.e().to_bytes_be()),
                "kid": self.kid,
                "kty": "RSA",
                "n": BASE64URL.encode(self.public.n().to_bytes_be()),
                "use": "sig",
            }]
        })
    }
}

fn key_error(path: &Path, error: impl std::fmt::Display) -> IdpError {
    IdpError::SigningKey {
        path: path.to_path_buf(),
        message: error.to_string(),
    }
}

/// Writes the key next to its final name and renames it into place, so a
/// crash never leaves a truncated key that would fail every later start.
fn write_private_file(path: &Path, contents: &[u8]) -> Result<(), IdpError> {
    let temporary: PathBuf = path.with_extension("pem.tmp");
    let io_error = |source| IdpError::Io {
        path: temporary.clone(),
        source,
    };
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    let mut file = options.open(&temporary).map_err(io_error)?;
    restrict_permissions(&temporary)?;
    file.write_all(contents).map_err(io_error)?;
    file.sync_all().map_err(io_error)?;
    fs::rename(&temporary, path).map_err(|source| IdpError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// Makes sure only the owner can read the key, even if it was created by
/// hand or restored from a backup with looser permissions.
fn restrict_permissions(path: &Path) -> Result<(), IdpError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let io_error = |source| IdpError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mode = fs::metadata(path).map_err(io_error)?.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(path = %path.display(), "tightening idp signing key permissions to 0600");
            fs::set_permissions(path, fs::Permissions::from_mode(0o600)).map_err(io_error)?;
        }
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}
