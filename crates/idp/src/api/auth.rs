//! InitiateAuth (USER_SRP_AUTH, REFRESH_TOKEN_AUTH) and
//! RespondToAuthChallenge (PASSWORD_VERIFIER).

use std::collections::HashMap;

use base64::engine::general_purpose::STANDARD as BASE64;
use base64::Engine as _;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rand::RngCore;
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::Sha256;

use super::request::{check_client, required, required_param};
use super::subject::{record_failed_login, Subject};
use crate::challenges::{PendingChallenge, Requester, CHALLENGE_TTL_SECS};
use crate::credentials;
use crate::error::{ApiError, ErrorKind};
use crate::lockout;
use crate::srp;
use crate::store::{fold_case, RefreshFamily, User};
use crate::timestamp;
use crate::tokens::{self, TokenContext};
use crate::{ClientAddress, Inner};

/// How far a client's TIMESTAMP may be from our clock, in seconds.
pub const TIMESTAMP_TOLERANCE_SECS: i64 = 5 * 60;

/// Longest SRP_A we parse: N is 768 hex digits; allow a PAD byte and some
/// leading zeros, refuse megabytes of digits.
const MAX_SRP_A_HEX_DIGITS: usize = 1024;

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct InitiateAuthRequest {
    auth_flow: Option<String>,
    client_id: Option<String>,
    // Absent and null both mean "none" (some clients send explicit nulls).
    #[serde(default)]
    auth_parameters: Option<HashMap<String, String>>,
}

#[derive(Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct RespondToAuthChallengeRequest {
    challenge_name: Option<String>,
    client_id: Option<String>,
    #[serde(default)]
    challenge_responses: Option<HashMap<String, String>>,
}

pub fn initiate_auth(
    inner: &Inner,
    request: InitiateAuthRequest,
    client: Option<ClientAddress>,
) -> Result<Value, ApiError> {
    let flow = required(&request.auth_flow, "authFlow")?;
    check_client(inner, &request.client_id)?;
    let params = request.auth_parameters.unwrap_or_default();
    match flow {
        "USER_SRP_AUTH" => start_srp(inner, &params, client),
        "REFRESH_TOKEN_AUTH" | "REFRESH_TOKEN" => refresh(inner, &params),
        "USER_PASSWORD_AUTH" | "CUSTOM_AUTH" | "USER_AUTH" | "ADMIN_USER_PASSWORD_AUTH"
        | "ADMIN_NO_SRP_AUTH" => Err(ApiError::new(
            ErrorKind::InvalidParameter,
            format!("{flow} flow not enabled for this client"),
        )),
        other => Err(ApiError::new(
            ErrorKind::InvalidParameter,
            format!(
                "1 validation error detected: Value '{other}' at 'authFlow' failed to satisfy constraint: Member must satisfy enum value set: [USER_SRP_AUTH, REFRESH_TOKEN_AUTH, REFRESH_TOKEN, CUSTOM_AUTH, ADMIN_NO_SRP_AUTH, USER_PASSWORD_AUTH, ADMIN_USER_PASSWORD_AUTH, USER_AUTH]"
            ),
        )),
    }
}

/// The SRP identity a challenge is computed for: a real user's, or a
/// stand-in for a name that has no account.
struct SrpIdentity {
    sub: Option<String>,
    user_id_for_srp: String,
    salt: Vec<u8>,
    verifier: BigUint,
}

/// Step one of SRP: answer with salt, B and a fresh SECRET_BLOCK.
fn start_srp(
    inner: &Inner,
    params: &HashMap<String, String>,
    client: Option<ClientAddress>,
) -> Result<Value, ApiError> {
    let login = required_param(params, "USERNAME")?;
    let srp_a = required_param(params, "SRP_A")?;
    let name = fold_case(login);
    inner.limiters.admit_name(&name)?;
    let invalid_a = || ApiError::new(ErrorKind::InvalidParameter, "Invalid SRP_A value.");
    if srp_a.len() > MAX_SRP_A_HEX_DIGITS {
        return Err(invalid_a());
    }
    let public_a = srp::parse_hex_number(srp_a).ok_or_else(invalid_a)?;
    if &public_a % &*srp::N == BigUint::ZERO {
        return Err(invalid_a());
    }

    let identity = match inner.store.find_user_by_login(login)? {
        Some(user) => SrpIdentity {
            user_id_for_srp: user.sub.clone(),
            salt: user.salt,
            verifier: credentials::verifier_number(&user.verifier),
            sub: Some(user.sub),
        },
        None => simulated_identity(inner, login),
    };

    // Same work for real and simulated identities, so timing doesn't tell
    // them apart. A zero scrambler u is astronomically unlikely; if it
    // happens, a new b gives a new B and so a new u.
    let (public_b, session_key) = loop {
        let private_b = random_private_ephemeral();
        let public_b = srp::public_ephemeral_b(&identity.verifier, &private_b);
        match srp::session_key(&public_a, &public_b, &identity.verifier, &private_b) {
            Ok(key) => break (public_b, key),
            Err(srp::SrpRejection::ScramblerIsZero) => continue,
            Err(srp::SrpRejection::PublicAIsZeroModN) => return Err(invalid_a()),
        }
    };

    let now = inner.now();
    let secret_block = inner.challenges.insert(
        PendingChallenge {
            sub: identity.sub,
            user_id_for_srp: identity.user_id_for_srp.clone(),
            session_key,
            expires_at: now + CHALLENGE_TTL_SECS,
        },
        Requester { name, client },
        now,
    );

    Ok(json!({
        "ChallengeName": "PASSWORD_VERIFIER",
        "ChallengeParameters": {
            "SALT": hex::encode(&identity.salt),
            "SECRET_BLOCK": BASE64.encode(secret_block),
            "SRP_B": hex::encode(public_b.to_bytes_be()),
            "USERNAME": identity.user_id_for_srp,
            "USER_ID_FOR_SRP": identity.user_id_for_srp,
        }
    }))
}

fn random_private_ephemeral() -> BigUint {
    let mut bytes = [0u8; srp::PRIVATE_EPHEMERAL_LEN];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    BigUint::from_bytes_be(&bytes)
}

/// A stand-in for a name without an account, as Cognito does with
/// PreventUserExistenceErrors: the same salt and UUID every time for the
/// same name (derived from the installation secret), and a random verifier
/// that no password matches.
fn simulated_identity(inner: &Inner, login: &str) -> SrpIdentity {
    let derive = |label: &[u8]| {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&inner.secret).expect("HMAC takes any key length");
        mac.update(label);
        mac.update(fold_case(login).as_bytes());
        mac.finalize().into_bytes()
    };
    let id_bytes: [u8; 16] = derive(b"simulated-sub\0")[..16]
        .try_into()
        .expect("16 bytes");
    let sub = uuid::Builder::from_random_bytes(id_bytes)
        .into_uuid()
        .to_string();
    let mut salt = derive(b"simulated-salt\0")[..srp::SALT_LEN].to_vec();
    if salt[0] == 0 {
        salt[0] = 1;
    }
    let mut verifier_bytes = [0u8; 384];
    rand::rngs::OsRng.fill_bytes(&mut verifier_bytes);
    let verifier = BigUint::from_bytes_be(&verifier_bytes) % &*srp::N;
    SrpIdentity {
        sub: None,
        user_id_for_srp: sub,
        salt,
        verifier,
    }
}

/// Step two of SRP: check the client's proof of the session key.
///
/// An unknown name goes through the same steps as an account with a wrong
/// password (the same reads, the proof computed and compared, the failure
/// counted and written, the same lockout), so neither the answer nor its
/// timing tells whether the name exists (tests/api/srp_timing.rs measures it).
pub fn respond_to_auth_challenge(
    inner: &Inner,
    request: RespondToAuthChallengeRequest,
) -> Result<Value, ApiError> {
    check_client(inner, &request.client_id)?;
    let challenge_name = required(&request.challenge_name, "challengeName")?;
    if challenge_name != "PASSWORD_VERIFIER" {
        return Err(ApiError::new(
            ErrorKind::InvalidParameter,
            format!("Challenge {challenge_name} is not pending for this session."),
        ));
    }
    let responses = &request.challenge_responses.unwrap_or_default();
    let login = required_param(responses, "USERNAME")?;
    let secret_block_b64 = required_param(responses, "PASSWORD_CLAIM_SECRET_BLOCK")?;
    let signature_b64 = required_param(responses, "PASSWORD_CLAIM_SIGNATURE")?;
    let client_timestamp = required_param(responses, "TIMESTAMP")?;

    let now = inner.now();
    let secret_block = BASE64
        .decode(secret_block_b64)
        .map_err(|_| ApiError::incorrect_credentials())?;
    // Taken, hence spent, whatever the outcome below. A block we never
    // issued says nothing about any name, so it may fail fast.
    let challenge = inner
        .challenges
        .take(&secret_block, now)
        .ok_or_else(ApiError::incorrect_credentials)?;
    let subject = Subject::of(inner, &challenge)?;
    let named = inner.store.find_user_by_login(login)?;
    // JS clients send USER_ID_FOR_SRP back, others the name typed at sign-in.
    let names_subject = match &subject {
        Subject::Account(user) => login == user.sub || named.is_some_and(|found| found.sub == user.sub),
        Subject::Unknown { .. } => true,
    };
    if !names_subject {
        return Err(ApiError::incorrect_credentials());
    }
    if subject.locked_until() > now {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            lockout::LOCKED_MESSAGE,
        ));
    }

    let expected = srp::claim_signature(
        &challenge.session_key,
        &inner.pool_name,
        &challenge.user_id_for_srp,
        &secret_block,
        client_timestamp,
    );
    let presented = BASE64.decode(signature_b64).unwrap_or_default();
    let proven = srp::signatures_match(&expected, &presented);
    let user = match subject {
        Subject::Account(user) if proven => user,
        subject => {
            record_failed_login(inner, &subject, now)?;
            return Err(ApiError::incorrect_credentials());
        }
    };
    // The proof is right, but only a fresh timestamp shows it was made now.
    let fresh = timestamp::parse(client_timestamp)
        .is_some_and(|at| (at.unix_timestamp() - now).abs() <= TIMESTAMP_TOLERANCE_SECS);
    if !fresh {
        return Err(ApiError::incorrect_credentials());
    }
    if user.failed_logins > 0 {
        inner.store.set_login_failures(&user.sub, 0, 0)?;
    }
    // Only someone who knows the password learns the account is unconfirmed.
    if !user.confirmed {
        return Err(ApiError::new(
            ErrorKind::UserNotConfirmed,
            "User is not confirmed.",
        ));
    }

    let family = RefreshFamily {
        family: uuid::Uuid::new_v4().to_string(),
        sub: user.sub.clone(),
        client_id: inner.config.client_id.clone(),
        auth_time: now,
        expires_at: now + inner.config.refresh_token_ttl.as_secs() as i64,
        revoked_at: None,
    };
    let refresh_token = tokens::new_refresh_token();
    inner
        .store
        .insert_refresh_family(&tokens::refresh_token_hash(&refresh_token), &family, now)?;
    tracing::info!(sub = %user.sub, "idp: user signed in");
    Ok(json!({
        "AuthenticationResult": authentication_result(inner, &user, &family, Some(&refresh_token)),
        "ChallengeParameters": {},
    }))
}

/// REFRESH_TOKEN_AUTH: new ID and access tokens in the same session.
fn refresh(inner: &Inner, params: &HashMap<String, String>) -> Result<Value, ApiError> {
    let token = required_param(params, "REFRESH_TOKEN")?;
    let invalid = || ApiError::new(ErrorKind::NotAuthorized, "Invalid Refresh Token");
    let family = inner
        .store
        .find_refresh_by_hash(&tokens::refresh_token_hash(token))?
        .filter(|family| family.client_id == inner.config.client_id)
        .ok_or_else(invalid)?;
    if family.revoked_at.is_some() {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            "Refresh Token has been revoked",
        ));
    }
    if family.expires_at <= inner.now() {
        return Err(ApiError::new(
            ErrorKind::NotAuthorized,
            "Refresh Token has expired",
        ));
    }
    let user = inner
        .store
        .find_user_by_sub(&family.sub)?
        .filter(|user| user.confirmed)
        .ok_or_else(invalid)?;
    Ok(json!({
        "AuthenticationResult": authentication_result(inner, &user, &family, None),
        "ChallengeParameters": {},
    }))
}

/// Cognito's AuthenticationResult: ID and access token of the session, plus
/// the refresh token when the session was just created.
fn authentication_result(
    inner: &Inner,
    user: &User,
    family: &RefreshFamily,
    refresh_token: Option<&str>,
) -> Value {
    let context = TokenContext {
        issuer: &inner.issuer,
        client_id: &inner.config.client_id,
        origin_jti: &family.family,
        auth_time: family.auth_time,
        now: inner.now(),
        id_ttl_secs: inner.config.id_token_ttl.as_secs() as i64,
        access_ttl_secs: inner.config.access_token_ttl.as_secs() as i64,
    };
    let mut result = json!({
        "AccessToken": tokens::encode_jwt(&inner.keys, &tokens::access_token_claims(user, &context)),
        "ExpiresIn": context.access_ttl_secs,
        "IdToken": tokens::encode_jwt(&inner.keys, &tokens::id_token_claims(user, &context)),
        "TokenType": "Bearer",
    });
    if let Some(refresh_token) = refresh_token {
        result["RefreshToken"] = Value::String(refresh_token.to_owned());
    }
    result
}
