//! AWS Signature Version 4 for one request, through aws-sigv4 (the signer
//! the AWS SDK itself uses; the serverless home needs the SDK anyway).
//! Checked against AWS's published SigV4 test suite (`get-vanilla`).

use std::time::SystemTime;

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{sign as sign_request, SignableBody, SignableRequest, SigningSettings};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;

pub struct SigningKeys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
    /// Temporary credentials' token: signed, and sent as `x-amz-security-token`.
    pub session_token: Option<&'a str>,
}

/// One request to sign. Every header given is signed; `host` comes from the
/// URL, `x-amz-date` from the signing time.
pub struct Request<'a> {
    pub method: &'a str,
    pub url: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

/// The headers to add to `request` (authorization, x-amz-date, and the
/// session token if any), signed for `region` and `service` at `time`.
pub fn sign(
    keys: &SigningKeys,
    region: &str,
    service: &str,
    time: SystemTime,
    request: &Request,
) -> Result<Vec<(String, String)>, String> {
    let credentials = Credentials::new(
        keys.access_key_id,
        keys.secret_access_key,
        keys.session_token.map(str::to_owned),
        None,
        "moodchat",
    );
    let identity: Identity = credentials.into();
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name(service)
        .time(time)
        .settings(SigningSettings::default())
        .build()
        .map_err(|error| format!("SigV4 parameters: {error}"))?
        .into();
    let signable = SignableRequest::new(
        request.method,
        request.url,
        request.headers.iter().copied(),
        SignableBody::Bytes(request.payload),
    )
    .map_err(|error| format!("SigV4 request: {error}"))?;
    let (instructions, _signature) =
        sign_request(signable, &params).map_err(|error| format!("SigV4 signing: {error}"))?.into_parts();
    Ok(instructions.headers().map(|(name, value)| (name.to_owned(), value.to_owned())).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::{Duration, UNIX_EPOCH};

    fn header<'a>(signed: &'a [(String, String)], name: &str) -> &'a str {
        signed.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str()).unwrap_or_default()
    }

    /// AWS SigV4 test suite, `get-vanilla`: GET / on example.amazonaws.com,
    /// region us-east-1, service "service", the suite's example key.
    #[test]
    fn reproduces_the_published_get_vanilla_signature() {
        let keys = SigningKeys {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
            session_token: None,
        };
        let request = Request { method: "GET", url: "https://example.amazonaws.com/", headers: &[], payload: b"" };
        let time = UNIX_EPOCH + Duration::from_secs(1_440_938_160); // 2015-08-30T12:36:00Z
        let signed = sign(&keys, "us-east-1", "service", time, &request).unwrap();
        assert_eq!(header(&signed, "x-amz-date"), "20150830T123600Z");
        assert_eq!(
            header(&signed, "authorization"),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn header_order_does_not_change_the_signature_and_the_token_is_signed() {
        let keys = SigningKeys { access_key_id: "A", secret_access_key: "S", session_token: Some("T") };
        let time = UNIX_EPOCH + Duration::from_secs(1_709_251_199); // a leap day, 2024-02-29T23:59:59Z
        let sign_with = |headers: &[(&str, &str)]| {
            let request = Request { method: "POST", url: "https://comprehend.ap-northeast-2.amazonaws.com/", headers, payload: b"{}" };
            sign(&keys, "ap-northeast-2", "comprehend", time, &request).unwrap()
        };
        let a = sign_with(&[("x-amz-target", "t"), ("content-type", "x")]);
        let b = sign_with(&[("content-type", "x"), ("x-amz-target", "t")]);
        assert_eq!(header(&a, "authorization"), header(&b, "authorization"));
        assert_eq!(header(&a, "x-amz-date"), "20240229T235959Z");
        assert_eq!(header(&a, "x-amz-security-token"), "T");
        assert!(
            header(&a, "authorization").contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token;x-amz-target"),
            "{a:?}"
        );
    }
}
