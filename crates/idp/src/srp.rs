//! SRP-6a exactly as Amazon Cognito speaks it (the server half).
//!
//! Cognito's flavour fixes every free choice of SRP-6a: the RFC 5054 3072-bit
//! group with g = 2, SHA-256, the "PAD" encoding below, x derived from
//! `poolName ‖ USER_ID_FOR_SRP ‖ ":" ‖ password`, and a final HMAC proof over
//! the SECRET_BLOCK and a timestamp instead of the M1/M2 exchange of RFC 5054.
//! Clients (amazon-cognito-identity-js, Amplify, aws-cognito-srp) hard-code all
//! of it, so every byte here must match them.
//!
//! This module is pure math: no I/O, no clock, no randomness except where a
//! caller passes it in.

use std::sync::LazyLock;

use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

type HmacSha256 = Hmac<Sha256>;

/// RFC 5054 appendix A, 3072-bit group (the one Cognito uses).
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74",
    "020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F1437",
    "4FE1356D6D51C245E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3DC2007CB8A163BF05",
    "98DA48361C55D39A69163FA8FD24CF5F83655D23DCA3AD961C62F356208552BB",
    "9ED529077096966D670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9DE2BCBF695581718",
    "3995497CEA956AE515D2261898FA051015728E5A8AAAC42DAD33170D04507A33",
    "A85521ABDF1CBA64ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6BF12FFA06D98A0864",
    "D87602733EC86A64521F2B18177B200CBBE117577A615D6C770988C0BAD946E2",
    "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// The group modulus N.
pub static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N is valid hex"));

/// The generator g = 2.
pub static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u8));

/// The multiplier k = H(PAD(N) ‖ PAD(g)).
pub static K: LazyLock<BigUint> = LazyLock::new(|| hash_to_int(&[&pad(&N), &pad(&G)]));

/// Cognito's key-derivation label (the "info" of its one-block HKDF).
const DERIVED_KEY_INFO: &[u8] = b"Caldera Derived Key";

/// Length in bytes of the server's private ephemeral b. 256 bits is what RFC
/// 5054 asks as a minimum; we take twice that.
pub const PRIVATE_EPHEMERAL_LEN: usize = 64;

/// Length in bytes of a user's salt.
pub const SALT_LEN: usize = 16;

/// Cognito's PAD: the minimal big-endian bytes of a non-negative number,
/// with one 0x00 prepended when the top bit is set, so that Java's and
/// JavaScript's signed big-integer encodings agree with ours.
pub fn pad(value: &BigUint) -> Vec<u8> {
    pad_bytes(&value.to_bytes_be())
}

/// PAD applied to an already minimal big-endian byte string.
fn pad_bytes(minimal: &[u8]) -> Vec<u8> {
    if minimal.first().is_some_and(|&b| b & 0x80 != 0) {
        let mut padded = Vec::with_capacity(minimal.len() + 1);
        padded.push(0);
        padded.extend_from_slice(minimal);
        padded
    } else {
        minimal.to_vec()
    }
}

fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    BigUint::from_bytes_be(&hasher.finalize())
}

/// The part of a pool id after the first '_' ("us-east-1_abc" -> "abc"),
/// which Cognito mixes into x and into the proof.
pub fn pool_name(user_pool_id: &str) -> Option<&str> {
    user_pool_id
        .split_once('_')
        .map(|(_, name)| name)
        .filter(|n| !n.is_empty())
}

/// x = H(PAD(salt) ‖ H(poolName ‖ userId ‖ ":" ‖ password)).
///
/// The salt is hashed as the PAD of the number it encodes (the clients parse
/// the hex SALT into a big integer first), so leading zero bytes vanish; that
/// is why we never issue a salt that starts with 0x00.
pub fn private_key_x(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> BigUint {
    let mut identity = Sha256::new();
    identity.update(pool_name.as_bytes());
    identity.update(user_id.as_bytes());
    identity.update(b":");
    identity.update(password.as_bytes());
    let identity = identity.finalize();
    let salt_number = BigUint::from_bytes_be(salt);
    hash_to_int(&[&pad(&salt_number), &identity])
}

/// The verifier v = g^x mod N stored at sign-up instead of the password.
pub fn verifier(pool_name: &str, user_id: &str, password: &str, salt: &[u8]) -> BigUint {
    let x = private_key_x(pool_name, user_id, password, salt);
    G.modpow(&x, &N)
}

/// The server's public ephemeral B = (k·v + g^b) mod N.
pub fn public_ephemeral_b(verifier: &BigUint, private_b: &BigUint) -> BigUint {
    (&*K * verifier + G.modpow(private_b, &N)) % &*N
}

/// Why a client's SRP_A was refused.
#[derive(Debug, PartialEq, Eq)]
pub enum SrpRejection {
    /// A ≡ 0 (mod N): would let the client force S = 0 without the password.
    PublicAIsZeroModN,
    /// u = 0: would make S independent of the verifier.
    ScramblerIsZero,
}

/// The 16-byte session key K that both sides derive, or why A is unusable.
///
/// S = (A · v^u)^b mod N, u = H(PAD(A) ‖ PAD(B)), then Cognito's one-block
/// HKDF: K = HMAC(HMAC(PAD(u), PAD(S)), "Caldera Derived Key" ‖ 0x01)[..16].
pub fn session_key(
    public_a: &BigUint,
    public_b: &BigUint,
    verifier: &BigUint,
    private_b: &BigUint,
) -> Result<[u8; 16], SrpRejection> {
    if (public_a % &*N) == BigUint::ZERO {
        return Err(SrpRejection::PublicAIsZeroModN);
    }
    let u = hash_to_int(&[&pad(public_a), &pad(public_b)]);
    if u == BigUint::ZERO {
        return Err(SrpRejection::ScramblerIsZero);
    }
    let base = (public_a * verifier.modpow(&u, &N)) % &*N;
    let shared_secret = base.modpow(private_b, &N);

    let mut extract = HmacSha256::new_from_slice(&pad(&u)).expect("HMAC takes any key length");
    extract.update(&pad(&shared_secret));
    let pseudo_random_key = extract.finalize().into_bytes();

    let mut expand =
        HmacSha256::new_from_slice(&pseudo_random_key).expect("HMAC takes any key length");
    expand.update(DERIVED_KEY_INFO);
    expand.update(&[1]);
    let okm = expand.finalize().into_bytes();

    let mut key = [0u8; 16];
    key.copy_from_slice(&okm[..16]);
    Ok(key)
}

/// PASSWORD_CLAIM_SIGNATURE = HMAC(K, poolName ‖ userId ‖ secretBlock ‖ timestamp).
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(pool_name.as_bytes());
    mac.update(user_id.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.finalize().into_bytes().into()
}

/// Compares the client's signature with the expected one without leaking,
/// through timing, how many leading bytes matched.
pub fn signatures_match(expected: &[u8; 32], presented: &[u8]) -> bool {
    presented.len() == expected.len() && bool::from(expected.as_slice().ct_eq(presented))
}

/// Parses an SRP number as clients send it: hex, any case, possibly odd length.
pub fn parse_hex_number(hex_digits: &str) -> Option<BigUint> {
    if hex_digits.is_empty() || !hex_digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    BigUint::parse_bytes(hex_digits.as_bytes(), 16)
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD as BASE64;
    use base64::Engine as _;

    fn client_public_a(private_a: &BigUint) -> BigUint {
        G.modpow(private_a, &N)
    }

    /// The client side of the same exchange, written from the formulas in
    /// ARCHITECTURE.md, so the vectors below check our server math against an
    /// independent derivation of S = (B - k·g^x)^(a + u·x).
    fn client_session_key(private_a: &BigUint, public_b: &BigUint, x: &BigUint) -> [u8; 16] {
        let public_a = client_public_a(private_a);
        let u = hash_to_int(&[&pad(&public_a), &pad(public_b)]);
        let k_gx = (&*K * G.modpow(x, &N)) % &*N;
        let base = (public_b + &*N - k_gx) % &*N;
        let exponent = private_a + &u * x;
        let s = base.modpow(&exponent, &N);
        let mut extract = HmacSha256::new_from_slice(&pad(&u)).unwrap();
        extract.update(&pad(&s));
        let prk = extract.finalize().into_bytes();
        let mut expand = HmacSha256::new_from_slice(&prk).unwrap();
        expand.update(b"Caldera Derived Key\x01");
        let mut key = [0u8; 16];
        key.copy_from_slice(&expand.finalize().into_bytes()[..16]);
        key
    }

    #[test]
    fn multiplier_k_matches_the_measured_value() {
        assert_eq!(
            hex::encode(K.to_bytes_be()),
            "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6"
        );
    }

    #[test]
    fn pad_prefixes_zero_only_when_the_top_bit_is_set() {
        assert_eq!(pad(&BigUint::from(0x7fu8)), vec![0x7f]);
        assert_eq!(pad(&BigUint::from(0x80u8)), vec![0x00, 0x80]);
        assert_eq!(pad(&N)[0], 0);
        assert_eq!(pad(&N).len(), 385);
    }

    #[test]
    fn pool_name_is_the_part_after_the_underscore() {
        assert_eq!(pool_name("us-east-1_TestPool1"), Some("TestPool1"));
        assert_eq!(pool_name("local_moodchat"), Some("moodchat"));
        assert_eq!(pool_name("nounderscore"), None);
        assert_eq!(pool_name("trailing_"), None);
    }

    /// Vector 1 (ARCHITECTURE.md, also aws-cognito-srp's own test): the
    /// client's signature for a = 0x01×128 against a server that sent
    /// salt = SRP_B = 36ef01c6dde9fe503da333b1acc758ba. The SECRET_BLOCK
    /// string is handed to the client as base64 text, so its bytes are the
    /// base64 decoding of that string.
    #[test]
    fn client_signature_vector() {
        let private_a = BigUint::from_bytes_be(&[1u8; 128]);
        let salt = hex::decode("36ef01c6dde9fe503da333b1acc758ba").unwrap();
        let public_b = parse_hex_number("36ef01c6dde9fe503da333b1acc758ba").unwrap();
        let x = private_key_x("abc", "user_id", "password", &salt);
        let key = client_session_key(&private_a, &public_b, &x);
        let secret_block = BASE64
            .decode(
                "9ae77ec7154c14dcc487b47707fee4b4920cb96d8a8c045e4c8df879a7b375524aa736acdec6c9ad4ea606774d00621b",
            )
            .unwrap();
        let signature = claim_signature(
            &key,
            "abc",
            "user_id",
            &secret_block,
            "Mon Feb 10 18:30:12 UTC 2025",
        );
        assert_eq!(
            BASE64.encode(signature),
            "apNSb5GZpJciVc6cVNkDf4elCMoWUZcH4aukLlMPiFA="
        );
    }

    /// Vector 2 (ARCHITECTURE.md): the full server case. The server derives
    /// its key from v and b alone and must accept the client's proof.
    #[test]
    fn full_server_vector() {
        let pool = pool_name("us-east-1_TestPool1").unwrap();
        let salt = hex::decode("5f3a1c2b4d6e7f8091a2b3c4d5e6f708").unwrap();
        let private_a = BigUint::from_bytes_be(&[1u8; 128]);
        let private_b = BigUint::from_bytes_be(&[2u8; 128]);
        let secret_block = [3u8; 32];
        let timestamp = "Sat Nov 1 09:05:07 UTC 2025";

        let v = verifier(pool, "alice", "Passw0rd!x", &salt);
        let public_b = public_ephemeral_b(&v, &private_b);
        let public_a = client_public_a(&private_a);
        let server_key = session_key(&public_a, &public_b, &v, &private_b).unwrap();

        let expected = claim_signature(&server_key, pool, "alice", &secret_block, timestamp);
        assert_eq!(
            BASE64.encode(expected),
            "qU6t5ngNPEJXyqPryaDVRg38JGo6UHXXBahPCiUAeZQ="
        );

        // And the client, knowing only the password, derives the same key.
        let x = private_key_x(pool, "alice", "Passw0rd!x", &salt);
        assert_eq!(client_session_key(&private_a, &public_b, &x), server_key);

        let presented = BASE64
            .decode("qU6t5ngNPEJXyqPryaDVRg38JGo6UHXXBahPCiUAeZQ=")
            .unwrap();
        assert!(signatures_match(&expected, &presented));
        let mut tampered = presented.clone();
        tampered[31] ^= 1;
        assert!(!signatures_match(&expected, &tampered));
        assert!(!signatures_match(&expected, &presented[..31]));
    }

    #[test]
    fn a_wrong_password_yields_a_different_key() {
        let salt = [0x42u8; SALT_LEN];
        let private_a = BigUint::from_bytes_be(&[7u8; 128]);
        let private_b = BigUint::from_bytes_be(&[9u8; 64]);
        let v = verifier("pool", "id", "Right-Passw0rd", &salt);
        let public_b = public_ephemeral_b(&v, &private_b);
        let server_key =
            session_key(&client_public_a(&private_a), &public_b, &v, &private_b).unwrap();
        let wrong_x = private_key_x("pool", "id", "Wrong-Passw0rd", &salt);
        assert_ne!(
            client_session_key(&private_a, &public_b, &wrong_x),
            server_key
        );
    }

    #[test]
    fn public_a_that_is_a_multiple_of_n_is_rejected() {
        let v = verifier("pool", "id", "pw", &[1u8; SALT_LEN]);
        let b = BigUint::from(12345u32);
        let public_b = public_ephemeral_b(&v, &b);
        for multiple in [BigUint::ZERO, N.clone(), &*N * 2u8] {
            assert_eq!(
                session_key(&multiple, &public_b, &v, &b),
                Err(SrpRejection::PublicAIsZeroModN)
            );
        }
    }

    #[test]
    fn hex_numbers_parse_like_the_clients_send_them() {
        assert_eq!(parse_hex_number("0ff"), Some(BigUint::from(255u32)));
        assert_eq!(parse_hex_number("FF"), Some(BigUint::from(255u32)));
        assert_eq!(parse_hex_number("f"), Some(BigUint::from(15u32)));
        assert_eq!(parse_hex_number(""), None);
        assert_eq!(parse_hex_number("+ff"), None);
        assert_eq!(parse_hex_number("xyz"), None);
    }
}
