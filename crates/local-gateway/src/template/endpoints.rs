//! Pointing AWS endpoint URLs at the local stand-ins. Values resolved from the
//! template name AWS hosts (`https://<api>.execute-api.<region>.amazonaws.com/prod`,
//! `https://cognito-idp.<region>.amazonaws.com/<pool>`); locally those hosts
//! are all the gateway. Like an /etc/hosts entry plus the scheme: the rest of
//! the URL (stage, pool id, paths) stays as the template wrote it.

/// Host (with scheme) -> local base URL, longest match wins.
#[derive(Clone, Debug, Default)]
pub struct EndpointMap {
    rewrites: Vec<(String, String)>,
}

impl EndpointMap {
    /// `gateway` is the gateway's base URL, e.g. `http://127.0.0.1:4510`.
    /// `api_ids` are the template's API ids as the local scope names them.
    pub fn new(gateway: &str, region: &str, api_ids: &[String]) -> Self {
        let gateway = gateway.trim_end_matches('/');
        let websocket = gateway.replacen("http://", "ws://", 1).replacen("https://", "wss://", 1);
        let mut rewrites = vec![(format!("https://cognito-idp.{region}.amazonaws.com"), format!("{gateway}/idp"))];
        for id in api_ids {
            let host = format!("{id}.execute-api.{region}.amazonaws.com");
            rewrites.push((format!("https://{host}"), gateway.to_owned()));
            rewrites.push((format!("wss://{host}"), websocket.clone()));
        }
        rewrites.sort_by_key(|(from, _)| std::cmp::Reverse(from.len()));
        Self { rewrites }
    }

    /// The local URL for `value` when it is an AWS endpoint URL of this
    /// stack; anything else unchanged.
    pub fn rewrite(&self, value: &str) -> String {
        for (from, to) in &self.rewrites {
            if let Some(rest) = value.strip_prefix(from.as_str()) {
                if rest.is_empty() || rest.starts_with('/') {
                    return format!("{to}{rest}");
                }
            }
        }
        value.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aws_hosts_become_the_gateway() {
        let map = EndpointMap::new("http://127.0.0.1:4510/", "us-east-1", &["websocketapi".into(), "httpapi".into()]);
        assert_eq!(
            map.rewrite("https://cognito-idp.us-east-1.amazonaws.com/us-east-1_x/.well-known/jwks.json"),
            "http://127.0.0.1:4510/idp/us-east-1_x/.well-known/jwks.json"
        );
        assert_eq!(map.rewrite("wss://websocketapi.execute-api.us-east-1.amazonaws.com/prod"), "ws://127.0.0.1:4510/prod");
        assert_eq!(map.rewrite("https://httpapi.execute-api.us-east-1.amazonaws.com/api"), "http://127.0.0.1:4510/api");
        assert_eq!(map.rewrite("https://httpapi.execute-api.us-east-1.amazonaws.com"), "http://127.0.0.1:4510");
    }

    #[test]
    fn other_values_are_left_alone() {
        let map = EndpointMap::new("http://127.0.0.1:1", "us-east-1", &["a".into()]);
        for value in ["info", "https://example.com/x", "https://a.execute-api.us-east-1.amazonaws.com.evil/x", "800"] {
            assert_eq!(map.rewrite(value), value);
        }
    }
}
