//! A provider in a temporary directory on a manual clock, driven through the
//! router exactly as the server mounts it (nested under `/idp`).

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use aws_cognito_srp::{SrpClient, User as SrpUser};
use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::Router;
use base64::engine::general_purpose::{STANDARD as BASE64, URL_SAFE_NO_PAD as BASE64URL};
use base64::Engine as _;
use http_body_util::BodyExt;
use std::net::SocketAddr;

use axum::extract::ConnectInfo;
use moodchat_idp::{ClientAddress, Idp, IdpConfig, ManualClock};
use serde_json::{json, Value};
use tower::ServiceExt;

pub const POOL_ID: &str = "local_moodchat";
pub const CLIENT_ID: &str = "web";
pub const PASSWORD: &str = "Corr3ct-Horse!";

/// Generating a 2048-bit RSA key takes seconds in a debug build, so the
/// tests share one, copied into each data directory before opening (the
/// provider then loads it as it would after a restart).
fn shared_key_pem() -> &'static str {
    static PEM: OnceLock<String> = OnceLock::new();
    PEM.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        Idp::open(IdpConfig::new(dir.path())).unwrap();
        std::fs::read_to_string(dir.path().join(moodchat_idp::KEY_FILE_NAME)).unwrap()
    })
}

pub struct TestIdp {
    pub idp: Idp,
    pub clock: Arc<ManualClock>,
    pub app: Router,
    pub dir: tempfile::TempDir,
}

/// For tests that try one name more often than the per-name sign-in rate
/// allows (lockout tests).
pub fn lift_name_rate_limit(config: &mut IdpConfig) {
    config.limits.initiate_auth_per_name =
        moodchat_limits::Rate::per(10_000, Duration::from_secs(60));
}

/// For tests that sign up or start sign-ins more often than one client may
/// (tests/srp_timing.rs).
#[allow(dead_code)]
pub fn lift_client_rate_limits(config: &mut IdpConfig) {
    let plenty = moodchat_limits::Rate::per(10_000, Duration::from_secs(60));
    config.limits.sign_up_per_client = plenty;
    config.limits.initiate_auth_per_client = plenty;
}

pub fn config(dir: &std::path::Path) -> IdpConfig {
    let mut config = IdpConfig::new(dir);
    config.issuer_base = "http://127.0.0.1:8080/idp".into();
    config.dev_outbox = true;
    config
}

impl TestIdp {
    pub fn new() -> Self {
        Self::with(|_| {})
    }

    pub fn with(adjust: impl FnOnce(&mut IdpConfig)) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join(moodchat_idp::KEY_FILE_NAME),
            shared_key_pem(),
        )
        .unwrap();
        let mut config = config(dir.path());
        adjust(&mut config);
        // SRP clients sign the wall-clock time, so the manual clock starts there.
        let clock = Arc::new(ManualClock::starting_now());
        let idp = Idp::open_with_clock(config, clock.clone()).unwrap();
        // As the server mounts it: nest_service also routes "/idp/" to "/".
        let app = Router::new().nest_service("/idp", idp.router::<()>());
        Self {
            idp,
            clock,
            app,
            dir,
        }
    }

    pub fn advance(&self, by: Duration) {
        self.clock.advance(by);
    }

    /// Any HTTP request to the app. Like the embedding server, the router
    /// sees the TCP peer: loopback, unless the request says otherwise.
    pub async fn request(
        &self,
        mut request: Request<Body>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        if request.extensions().get::<ConnectInfo<SocketAddr>>().is_none() {
            request
                .extensions_mut()
                .insert(ConnectInfo(SocketAddr::from(([127, 0, 0, 1], 40_000))));
        }
        let response = self.app.clone().oneshot(request).await.unwrap();
        let status = response.status();
        let headers = response.headers().clone();
        let body = response
            .into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec();
        (status, headers, body)
    }

    pub async fn get_json(&self, path: &str) -> (StatusCode, Value) {
        let request = Request::get(path).body(Body::empty()).unwrap();
        let (status, _, body) = self.request(request).await;
        (status, serde_json::from_slice(&body).unwrap_or(Value::Null))
    }

    /// One Cognito JSON API call.
    pub async fn call(&self, operation: &str, body: Value) -> (StatusCode, Value) {
        self.call_from(None, operation, body).await
    }

    /// A call from a given client address (what the embedding server
    /// puts in the request's extensions).
    pub async fn call_from(
        &self,
        client: Option<ClientAddress>,
        operation: &str,
        body: Value,
    ) -> (StatusCode, Value) {
        let (status, _, answer) = self.call_with_headers(client, operation, body).await;
        (status, answer)
    }

    pub async fn call_with_headers(
        &self,
        client: Option<ClientAddress>,
        operation: &str,
        body: Value,
    ) -> (StatusCode, axum::http::HeaderMap, Value) {
        let mut request = Request::post("/idp")
            .header("content-type", "application/x-amz-json-1.1")
            .header(
                "x-amz-target",
                format!("AWSCognitoIdentityProviderService.{operation}"),
            )
            .body(Body::from(body.to_string()))
            .unwrap();
        if let Some(client) = client {
            request.extensions_mut().insert(client);
        }
        let (status, headers, body) = self.request(request).await;
        (
            status,
            headers,
            serde_json::from_slice(&body).expect("Cognito answers are JSON"),
        )
    }

    /// A call that must succeed.
    pub async fn ok(&self, operation: &str, body: Value) -> Value {
        let (status, answer) = self.call(operation, body).await;
        assert_eq!(status, StatusCode::OK, "{operation} failed: {answer}");
        answer
    }

    pub async fn sign_up(
        &self,
        username: &str,
        email: &str,
        password: &str,
    ) -> (StatusCode, Value) {
        self.call(
            "SignUp",
            json!({
                "ClientId": CLIENT_ID,
                "Username": username,
                "Password": password,
                "UserAttributes": [
                    {"Name": "email", "Value": email},
                    {"Name": "name", "Value": format!("{username} the tester")}
                ]
            }),
        )
        .await
    }

    pub fn latest_code(&self, email: &str) -> String {
        self.idp
            .latest_code(email)
            .unwrap()
            .expect("a code was delivered")
    }

    /// Signs up and confirms with the delivered code.
    pub async fn confirmed_user(&self, username: &str, email: &str, password: &str) -> String {
        let (status, answer) = self.sign_up(username, email, password).await;
        assert_eq!(status, StatusCode::OK, "{answer}");
        let code = self.latest_code(email);
        self.ok(
            "ConfirmSignUp",
            json!({"ClientId": CLIENT_ID, "Username": username, "ConfirmationCode": code}),
        )
        .await;
        answer["UserSub"].as_str().unwrap().to_owned()
    }

    /// The whole USER_SRP_AUTH flow with the real aws-cognito-srp client.
    /// Returns the AuthenticationResult, or the error status and body.
    pub async fn sign_in(
        &self,
        username: &str,
        password: &str,
    ) -> Result<Value, (StatusCode, Value)> {
        let client = SrpClient::new(SrpUser::new(POOL_ID, username, password), CLIENT_ID, None);
        let auth = client.get_auth_parameters();
        let (status, challenge) = self
            .call(
                "InitiateAuth",
                json!({
                    "AuthFlow": "USER_SRP_AUTH",
                    "ClientId": CLIENT_ID,
                    "AuthParameters": {"USERNAME": auth.username, "SRP_A": auth.a}
                }),
            )
            .await;
        if status != StatusCode::OK {
            return Err((status, challenge));
        }
        assert_eq!(challenge["ChallengeName"], "PASSWORD_VERIFIER");
        let params = &challenge["ChallengeParameters"];
        let text = |name: &str| params[name].as_str().unwrap().to_owned();
        let proof = client
            .verify(
                &text("SECRET_BLOCK"),
                &text("USER_ID_FOR_SRP"),
                &text("SALT"),
                &text("SRP_B"),
            )
            .unwrap();
        let (status, answer) = self
            .call(
                "RespondToAuthChallenge",
                json!({
                    "ChallengeName": "PASSWORD_VERIFIER",
                    "ClientId": CLIENT_ID,
                    "ChallengeResponses": {
                        "USERNAME": text("USER_ID_FOR_SRP"),
                        "PASSWORD_CLAIM_SECRET_BLOCK": proof.password_claim_secret_block,
                        "PASSWORD_CLAIM_SIGNATURE": proof.password_claim_signature,
                        "TIMESTAMP": proof.timestamp,
                    }
                }),
            )
            .await;
        if status != StatusCode::OK {
            return Err((status, answer));
        }
        Ok(answer["AuthenticationResult"].clone())
    }

    pub async fn refresh(&self, refresh_token: &str) -> (StatusCode, Value) {
        self.call(
            "InitiateAuth",
            json!({
                "AuthFlow": "REFRESH_TOKEN_AUTH",
                "ClientId": CLIENT_ID,
                "AuthParameters": {"REFRESH_TOKEN": refresh_token}
            }),
        )
        .await
    }

    pub async fn get_user(&self, access_token: &str) -> (StatusCode, Value) {
        self.call("GetUser", json!({"AccessToken": access_token}))
            .await
    }
}

/// Asserts a Cognito error answer.
#[track_caller]
pub fn assert_error(answer: &(StatusCode, Value), type_name: &str, message: &str) {
    assert_eq!(answer.0, StatusCode::BAD_REQUEST, "{}", answer.1);
    assert_eq!(answer.1["__type"], type_name, "{}", answer.1);
    assert_eq!(answer.1["message"], message, "{}", answer.1);
}

#[track_caller]
pub fn assert_incorrect_credentials(result: &Result<Value, (StatusCode, Value)>) {
    let error = result.as_ref().expect_err("sign-in should fail");
    assert_error(
        error,
        "NotAuthorizedException",
        "Incorrect username or password.",
    );
}

/// Verifies a JWT's RS256 signature against a JWK set, the way any JWT
/// library would, and returns its header and claims.
pub fn verify_jwt(jwks: &Value, token: &str) -> (Value, Value) {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::signature::Verifier;

    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWS compact serialization");
    let header: Value = serde_json::from_slice(&BASE64URL.decode(parts[0]).unwrap()).unwrap();
    let claims: Value = serde_json::from_slice(&BASE64URL.decode(parts[1]).unwrap()).unwrap();
    assert_eq!(header["alg"], "RS256");
    let jwk = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|key| key["kid"] == header["kid"])
        .expect("the token's kid is in the JWKS");
    assert_eq!(jwk["kty"], "RSA");
    let number = |name: &str| {
        rsa::BigUint::from_bytes_be(&BASE64URL.decode(jwk[name].as_str().unwrap()).unwrap())
    };
    let public_key = rsa::RsaPublicKey::new(number("n"), number("e")).unwrap();
    let signature = Signature::try_from(BASE64URL.decode(parts[2]).unwrap().as_slice()).unwrap();
    VerifyingKey::<sha2::Sha256>::new(public_key)
        .verify(format!("{}.{}", parts[0], parts[1]).as_bytes(), &signature)
        .expect("the signature verifies with the JWKS key");
    (header, claims)
}

/// An SRP client written from the formulas, for proofs the real client
/// can't make (chosen timestamps, stale challenges).
pub mod handmade_srp {
    use super::*;
    use hmac::{Hmac, Mac};
    use num_bigint::BigUint;
    use sha2::{Digest, Sha256};

    pub fn n() -> BigUint {
        BigUint::parse_bytes(
            concat!(
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
                "08E24FA074E5AB3143DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF"
            )
            .as_bytes(),
            16,
        )
        .unwrap()
    }

    fn pad(value: &BigUint) -> Vec<u8> {
        let bytes = value.to_bytes_be();
        if bytes[0] & 0x80 != 0 {
            [&[0u8][..], &bytes].concat()
        } else {
            bytes
        }
    }

    fn h(parts: &[&[u8]]) -> BigUint {
        let mut hasher = Sha256::new();
        for part in parts {
            hasher.update(part);
        }
        BigUint::from_bytes_be(&hasher.finalize())
    }

    pub struct Client {
        pub a: BigUint,
        pub public_a: BigUint,
    }

    impl Client {
        pub fn new() -> Self {
            let a = BigUint::from_bytes_be(&[0x5au8; 64]);
            let public_a = BigUint::from(2u8).modpow(&a, &n());
            Self { a, public_a }
        }

        pub fn srp_a(&self) -> String {
            self.public_a.to_str_radix(16)
        }

        /// PASSWORD_CLAIM_SIGNATURE for a challenge, signed over `timestamp`.
        pub fn signature(&self, password: &str, params: &Value, timestamp: &str) -> String {
            let n = n();
            let g = BigUint::from(2u8);
            let text = |name: &str| params[name].as_str().unwrap().to_owned();
            let user_id = text("USER_ID_FOR_SRP");
            let salt = BigUint::parse_bytes(text("SALT").as_bytes(), 16).unwrap();
            let public_b = BigUint::parse_bytes(text("SRP_B").as_bytes(), 16).unwrap();
            let pool = POOL_ID.split_once('_').unwrap().1;
            let k = h(&[&pad(&n), &pad(&g)]);
            let u = h(&[&pad(&self.public_a), &pad(&public_b)]);
            let identity = Sha256::digest(format!("{pool}{user_id}:{password}").as_bytes());
            let x = h(&[&pad(&salt), &identity]);
            let k_gx = (&k * g.modpow(&x, &n)) % &n;
            let s = ((&public_b + &n - k_gx) % &n).modpow(&(&self.a + &u * &x), &n);
            let mut extract = Hmac::<Sha256>::new_from_slice(&pad(&u)).unwrap();
            extract.update(&pad(&s));
            let mut expand =
                Hmac::<Sha256>::new_from_slice(&extract.finalize().into_bytes()).unwrap();
            expand.update(b"Caldera Derived Key\x01");
            let key = &expand.finalize().into_bytes()[..16];
            let mut proof = Hmac::<Sha256>::new_from_slice(key).unwrap();
            proof.update(pool.as_bytes());
            proof.update(user_id.as_bytes());
            proof.update(&BASE64.decode(text("SECRET_BLOCK")).unwrap());
            proof.update(timestamp.as_bytes());
            BASE64.encode(proof.finalize().into_bytes())
        }
    }

    /// `%a %b %-d %H:%M:%S UTC %Y`.
    pub fn timestamp(at: time::OffsetDateTime) -> String {
        const DAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        const MONTHS: [&str; 12] = [
            "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
        ];
        format!(
            "{} {} {} {:02}:{:02}:{:02} UTC {}",
            DAYS[at.weekday().number_days_from_monday() as usize],
            MONTHS[at.month() as usize - 1],
            at.day(),
            at.hour(),
            at.minute(),
            at.second(),
            at.year()
        )
    }
}
