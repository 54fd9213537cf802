//! S3's check of a presigned request, done again here because moto does
//! not do it (it accepts tampered, expired, wrongly typed or oversized PUTs;
//! docs/aws.md, "The local stack"). S3 recomputes the SigV4 query-string
//! signature from the request it receives: the method, the path, the query
//! without the signature, and the values of the headers the URL names in
//! `X-Amz-SignedHeaders`, at the URL's `X-Amz-Date`; a different signature,
//! a signed header missing, or a request after `X-Amz-Date + X-Amz-Expires`
//! is refused (403). This is that computation, with aws-sigv4 (the signer
//! the SDK presigns with) and the credentials the adapter signed with.

use std::time::{Duration, SystemTime};

use aws_sdk_s3::config::Credentials;
use aws_sdk_s3::primitives::{DateTime, DateTimeFormat};
use aws_sigv4::http_request::{
    sign, PercentEncodingMode, SignableBody, SignableRequest, SignatureLocation, SigningSettings, UriPathNormalizationMode,
};
use reqwest::Url;

/// The query parameters the signature itself adds (not part of what it signs).
const SIGNATURE_PARAMETERS: [&str; 5] =
    ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders"];

/// Why S3 would refuse the request.
#[derive(Debug, PartialEq, Eq)]
pub enum Refused {
    Expired,
    MissingHeader(String),
    SignatureDoesNotMatch,
    Malformed(&'static str),
}

/// Would S3 accept `method url` with `headers` (name, value; the host is
/// the URL's) at `now`, signed with the local credentials in `region`?
pub fn check(method: &str, url: &str, headers: &[(&str, &str)], now: SystemTime, region: &str) -> Result<(), Refused> {
    let url = Url::parse(url).map_err(|_| Refused::Malformed("url"))?;
    let parameter = |name: &str| url.query_pairs().find(|(n, _)| n == name).map(|(_, v)| v.into_owned());
    let signature = parameter("X-Amz-Signature").ok_or(Refused::Malformed("X-Amz-Signature"))?;
    let signed_headers = parameter("X-Amz-SignedHeaders").ok_or(Refused::Malformed("X-Amz-SignedHeaders"))?;
    let expires_in = parameter("X-Amz-Expires").and_then(|e| e.parse().ok()).ok_or(Refused::Malformed("X-Amz-Expires"))?;
    let signed_at = parameter("X-Amz-Date").and_then(|d| amz_date(&d)).ok_or(Refused::Malformed("X-Amz-Date"))?;
    if now > signed_at + Duration::from_secs(expires_in) {
        return Err(Refused::Expired);
    }

    // The values of exactly the signed headers, from the request.
    let host = match url.port() {
        Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
        None => url.host_str().unwrap_or_default().to_owned(),
    };
    let mut values: Vec<(String, String)> = Vec::new();
    for name in signed_headers.split(';') {
        let value = if name == "host" {
            Some(host.clone())
        } else {
            headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.to_string())
        };
        values.push((name.to_owned(), value.ok_or_else(|| Refused::MissingHeader(name.to_owned()))?));
    }

    // The URL as it was before it was signed.
    let mut unsigned = url.clone();
    let kept: Vec<(String, String)> = url
        .query_pairs()
        .filter(|(name, _)| name != "X-Amz-Signature" && !SIGNATURE_PARAMETERS.contains(&name.as_ref()))
        .map(|(n, v)| (n.into_owned(), v.into_owned()))
        .collect();
    unsigned.set_query(None);
    if !kept.is_empty() {
        unsigned.query_pairs_mut().extend_pairs(kept);
    }

    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(Duration::from_secs(expires_in));
    settings.percent_encoding_mode = PercentEncodingMode::Single;
    settings.uri_path_normalization_mode = UriPathNormalizationMode::Disabled;
    let identity = Credentials::new("local", "local", None, None, "test").into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("s3")
        .time(signed_at)
        .settings(settings)
        .build()
        .map_err(|_| Refused::Malformed("signing parameters"))?
        .into();
    let request = SignableRequest::new(
        method,
        unsigned.as_str(),
        values.iter().map(|(n, v)| (n.as_str(), v.as_str())),
        SignableBody::UnsignedPayload,
    )
    .map_err(|_| Refused::Malformed("request"))?;
    let output = sign(request, &params).map_err(|_| Refused::Malformed("signing"))?;
    if output.signature() == signature {
        Ok(())
    } else {
        Err(Refused::SignatureDoesNotMatch)
    }
}

/// `20261205T183000Z` as a time.
fn amz_date(text: &str) -> Option<SystemTime> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let iso = format!("{}-{}-{}T{}:{}:{}Z", &text[0..4], &text[4..6], &text[6..8], &text[9..11], &text[11..13], &text[13..15]);
    SystemTime::try_from(DateTime::from_str(&iso, DateTimeFormat::DateTime).ok()?).ok()
}
