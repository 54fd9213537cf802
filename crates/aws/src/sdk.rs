//! SDK clients from the function's environment, without aws-config: on
//! Lambda the region and the role's temporary credentials are environment
//! variables (`AWS_REGION`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`,
//! `AWS_SESSION_TOKEN`), and the local stack points a client elsewhere with
//! the SDK's standard `AWS_ENDPOINT_URL_<SERVICE>` (docs/aws.md).

use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|value| !value.is_empty())
}

/// A client of an SDK crate whose config needs nothing beyond region,
/// credentials, HTTP client and an optional endpoint. Each SDK crate has its
/// own (identically shaped) config types, so a macro rather than a generic.
macro_rules! plain_client {
    ($env:expr, $sdk:ident, $endpoint:expr) => {{
        use $sdk::config::{Builder, Credentials, Region};
        let env = $env;
        let credentials =
            Credentials::new(&env.access_key, &env.secret_key, env.session_token.clone(), None, "environment");
        let mut config = Builder::new()
            .behavior_version_latest()
            .region(Region::new(env.region.clone()))
            .credentials_provider(credentials)
            .http_client(Self::http_client());
        if let Some(endpoint) = $endpoint {
            config = config.endpoint_url(endpoint);
        }
        $sdk::Client::from_conf(config.build())
    }};
}

/// What every client needs: region, credentials, HTTP(S) client.
#[derive(Clone, Debug)]
pub struct Environment {
    pub region: String,
    access_key: String,
    secret_key: String,
    session_token: Option<String>,
}

impl Environment {
    /// The Lambda environment (dummy credentials when none are set: the
    /// local services accept anything).
    pub fn from_env() -> Self {
        Self {
            region: var("AWS_REGION").or_else(|| var("AWS_DEFAULT_REGION")).unwrap_or_else(|| "us-east-1".into()),
            access_key: var("AWS_ACCESS_KEY_ID").unwrap_or_else(|| "local".into()),
            secret_key: var("AWS_SECRET_ACCESS_KEY").unwrap_or_else(|| "local".into()),
            session_token: var("AWS_SESSION_TOKEN"),
        }
    }

    /// For tests against local services.
    pub fn local(region: &str) -> Self {
        Self { region: region.into(), access_key: "local".into(), secret_key: "local".into(), session_token: None }
    }

    /// The endpoint override for a service (`DYNAMODB`, `APIGATEWAYMANAGEMENTAPI`...), if any.
    pub fn endpoint_override(service: &str) -> Option<String> {
        var(&format!("AWS_ENDPOINT_URL_{service}")).or_else(|| var("AWS_ENDPOINT_URL"))
    }

    fn http_client() -> aws_sdk_dynamodb::config::SharedHttpClient {
        // HTTPS for AWS; the same connector speaks plain HTTP to local endpoints.
        aws_smithy_http_client::Builder::new().tls_provider(Provider::Rustls(CryptoMode::Ring)).build_https()
    }

    pub fn dynamodb(&self, endpoint: Option<&str>) -> aws_sdk_dynamodb::Client {
        plain_client!(self, aws_sdk_dynamodb, endpoint)
    }

    /// The management API of one WebSocket API stage: its endpoint is the
    /// stage's `https://<api>.execute-api.<region>.amazonaws.com/<stage>`.
    pub fn management_api(&self, endpoint: &str) -> aws_sdk_apigatewaymanagement::Client {
        use aws_sdk_apigatewaymanagement::config::{Builder, Credentials, Region};
        let credentials =
            Credentials::new(&self.access_key, &self.secret_key, self.session_token.clone(), None, "environment");
        let config = Builder::new()
            .behavior_version_latest()
            .region(Region::new(self.region.clone()))
            .credentials_provider(credentials)
            .http_client(Self::http_client())
            .endpoint_url(endpoint)
            .build();
        aws_sdk_apigatewaymanagement::Client::from_conf(config)
    }

    /// S3. With an endpoint override (moto) addressing is path-style: the
    /// bucket in the path, not the host name. Checksums only where S3
    /// requires them, so that a presigned PUT signs no checksum of an empty
    /// body that the browser's upload would contradict.
    pub fn s3(&self, endpoint: Option<&str>) -> aws_sdk_s3::Client {
        use aws_sdk_s3::config::{Builder, Credentials, Region, RequestChecksumCalculation};
        let credentials =
            Credentials::new(&self.access_key, &self.secret_key, self.session_token.clone(), None, "environment");
        let mut config = Builder::new()
            .behavior_version_latest()
            .region(Region::new(self.region.clone()))
            .credentials_provider(credentials)
            .request_checksum_calculation(RequestChecksumCalculation::WhenRequired)
            .http_client(Self::http_client());
        if let Some(endpoint) = endpoint {
            config = config.endpoint_url(endpoint).force_path_style(true);
        }
        aws_sdk_s3::Client::from_conf(config.build())
    }

    /// Lambda: a send naming a still-pending image invokes the pipeline.
    pub fn lambda(&self, endpoint: Option<&str>) -> aws_sdk_lambda::Client {
        plain_client!(self, aws_sdk_lambda, endpoint)
    }

    /// SNS: the administrators' notice of every stored image.
    pub fn sns(&self, endpoint: Option<&str>) -> aws_sdk_sns::Client {
        plain_client!(self, aws_sdk_sns, endpoint)
    }

    /// Amazon Comprehend (the `comprehend` mood provider).
    pub fn comprehend(&self, endpoint: Option<&str>) -> aws_sdk_comprehend::Client {
        plain_client!(self, aws_sdk_comprehend, endpoint)
    }
}
