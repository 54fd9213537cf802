//! AWS Signature Version 4 for JSON POST requests, implemented directly on
//! `hmac` + `sha2` (the AWS SDK is far too heavy to build for one call).
//! Checked against AWS's published SigV4 test suite (`get-vanilla`).

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use std::time::{SystemTime, UNIX_EPOCH};

type HmacSha256 = Hmac<Sha256>;

pub struct SigningKeys<'a> {
    pub access_key_id: &'a str,
    pub secret_access_key: &'a str,
}

/// One request to sign. Header names must be lower-case; every header given
/// is signed (host and x-amz-date included by the caller).
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    /// Already canonical (sorted, encoded) query string; "" for none.
    pub query: &'a str,
    pub headers: &'a [(&'a str, &'a str)],
    pub payload: &'a [u8],
}

/// `YYYYMMDDTHHMMSSZ` for the `x-amz-date` header.
pub fn amz_date(now: SystemTime) -> String {
    let secs = now.duration_since(UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let (days, rest) = (secs / 86_400, secs % 86_400);
    let (year, month, day) = civil_date(days as i64);
    format!("{year:04}{month:02}{day:02}T{:02}{:02}{:02}Z", rest / 3600, rest % 3600 / 60, rest % 60)
}

/// Days since 1970-01-01 -> proleptic Gregorian (year, month, day), by
/// counting 400-year eras of 146,097 days with years starting in March (so
/// the leap day is the last day of the "year").
fn civil_date(days: i64) -> (i64, u32, u32) {
    let shifted = days + 719_468; // days from 0000-03-01
    let era = shifted.div_euclid(146_097);
    let day_of_era = shifted.rem_euclid(146_097);
    let year_of_era = (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_from_march + 2) / 5 + 1) as u32;
    let month = if month_from_march < 10 { month_from_march + 3 } else { month_from_march - 9 } as u32;
    let year = year_of_era + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn sha256_hex(data: &[u8]) -> String {
    hex(&Sha256::digest(data))
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = HmacSha256::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The `Authorization` header value for `request` at `amz_date`
/// (which must equal the request's x-amz-date header).
pub fn authorization(keys: &SigningKeys, region: &str, service: &str, amz_date: &str, request: &Request) -> String {
    let mut headers: Vec<(&str, String)> =
        request.headers.iter().map(|(name, value)| (*name, value.trim().to_owned())).collect();
    headers.sort_by(|a, b| a.0.cmp(b.0));
    let canonical_headers: String = headers.iter().map(|(name, value)| format!("{name}:{value}\n")).collect();
    let signed_headers = headers.iter().map(|(name, _)| *name).collect::<Vec<_>>().join(";");
    let canonical_request = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method,
        request.path,
        request.query,
        sha256_hex(request.payload)
    );
    let date = &amz_date[..8];
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!("AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}", sha256_hex(canonical_request.as_bytes()));
    let mut key = hmac(format!("AWS4{}", keys.secret_access_key).as_bytes(), date.as_bytes());
    for part in [region, service, "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex(&hmac(&key, string_to_sign.as_bytes()));
    format!(
        "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
        keys.access_key_id
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// AWS SigV4 test suite, `get-vanilla`: GET / on example.amazonaws.com,
    /// region us-east-1, service "service", the suite's example key.
    #[test]
    fn reproduces_the_published_get_vanilla_signature() {
        let keys = SigningKeys {
            access_key_id: "AKIDEXAMPLE",
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
        };
        let request = Request {
            method: "GET",
            path: "/",
            query: "",
            headers: &[("host", "example.amazonaws.com"), ("x-amz-date", "20150830T123600Z")],
            payload: b"",
        };
        assert_eq!(
            authorization(&keys, "us-east-1", "service", "20150830T123600Z", &request),
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
    }

    #[test]
    fn header_order_does_not_change_the_signature() {
        let keys = SigningKeys { access_key_id: "A", secret_access_key: "S" };
        let sign = |headers: &[(&str, &str)]| {
            let request = Request { method: "POST", path: "/", query: "", headers, payload: b"{}" };
            authorization(&keys, "ap-northeast-2", "comprehend", "20240229T235959Z", &request)
        };
        let a = sign(&[("host", "h"), ("x-amz-date", "20240229T235959Z"), ("content-type", "x")]);
        let b = sign(&[("content-type", "x"), ("x-amz-date", "20240229T235959Z"), ("host", "h")]);
        assert_eq!(a, b);
        assert!(a.contains("SignedHeaders=content-type;host;x-amz-date"));
    }

    #[test]
    fn amz_dates_cover_epoch_leap_days_and_the_vector_time() {
        let at = |secs: u64| amz_date(UNIX_EPOCH + Duration::from_secs(secs));
        assert_eq!(at(0), "19700101T000000Z");
        assert_eq!(at(1_440_938_160), "20150830T123600Z");
        assert_eq!(at(951_782_400), "20000229T000000Z");
        assert_eq!(at(1_709_251_199), "20240229T235959Z");
        assert_eq!(at(4_107_542_400), "21000301T000000Z");
    }
}
