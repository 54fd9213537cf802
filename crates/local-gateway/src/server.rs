//! Putting the gateway together on one listener: `/<stage>` (WebSocket) and
//! its `@connections`, `/idp` (the identity provider), the Lambda Invoke API,
//! the HTTP API's routes, and the web app with `/config.json` for the rest.

use std::collections::{BTreeMap, HashMap};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use anyhow::{Context, Result};
use axum::extract::{Request, State};
use axum::response::{IntoResponse, Response};
use axum::Router;
use moodchat_idp::{Idp, IdpConfig};
use tokio::net::TcpListener;

use crate::http_api::{jwt::JwtAuthorizer, HttpApi};
use crate::lambda::{Functions, LaunchOptions};
use crate::template::{LocalNames, Stack, Template};
use crate::websocket::{self, Connections, Limits, WebSocketApi};

pub struct GatewayOptions {
    pub template: PathBuf,
    /// Parameter overrides; `AmplifyOrigin` defaults to the gateway's URL.
    pub parameters: HashMap<String, String>,
    pub names: LocalNames,
    pub binary_dir: PathBuf,
    pub binary_overrides: HashMap<String, PathBuf>,
    pub max_instances: usize,
    pub limits: Limits,
    /// The built web app (`dist/`), served with `/config.json`.
    pub dist: Option<PathBuf>,
    /// The identity provider's data (users, signing key, outbox).
    pub idp_data_dir: PathBuf,
    pub auto_confirm: bool,
    pub dynamodb_endpoint: Option<String>,
    pub moto_endpoint: Option<String>,
    /// Create the template's table, buckets and topics first.
    pub provision: bool,
}

pub struct Gateway {
    pub url: String,
    pub stack: Stack,
    pub functions: Functions,
    pub connections: Connections,
    pub idp: Idp,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    /// S3 event notifications (with moto): stopped with the gateway.
    _s3_events: crate::s3_events::Watchers,
}

impl Gateway {
    /// Serves until the task is aborted (or the process ends).
    pub async fn wait(mut self) -> Result<()> {
        (&mut self.server).await??;
        Ok(())
    }
}

impl Drop for Gateway {
    fn drop(&mut self) {
        self.server.abort();
    }
}

pub async fn start(listener: TcpListener, mut options: GatewayOptions) -> Result<Gateway> {
    let address = listener.local_addr()?;
    let url = format!("http://{address}");
    options.parameters.entry("AmplifyOrigin".into()).or_insert_with(|| url.clone());
    let template = Template::load(&options.template)?;
    let stack = template.resolve(&options.names, &options.parameters, &url)?;

    let mut idp_config = IdpConfig::new(&options.idp_data_dir);
    idp_config.issuer_base = format!("{url}/idp");
    idp_config.region = options.names.region.clone();
    idp_config.user_pool_id = options.names.user_pool_id.clone();
    idp_config.client_id = options.names.client_id.clone();
    idp_config.auto_confirm = options.auto_confirm;
    idp_config.dev_outbox = true;
    let idp = tokio::task::spawn_blocking(move || Idp::open(idp_config)).await??;

    if options.provision {
        let dynamodb = options.dynamodb_endpoint.as_deref().context("provisioning needs DynamoDB Local's endpoint")?;
        let moto = options.moto_endpoint.as_deref().context("provisioning needs moto's endpoint")?;
        crate::provision::provision(&stack, dynamodb, moto, &options.names.region).await?;
    }
    let functions = Functions::new(
        &stack,
        &LaunchOptions {
            binary_dir: options.binary_dir.clone(),
            binary_overrides: options.binary_overrides.clone(),
            environment: function_environment(&options, &url),
            max_instances: options.max_instances,
        },
    );
    for (function, binary) in functions.missing_binaries() {
        tracing::warn!(%function, binary = %binary.display(), "not built: its routes answer as a failing integration");
    }
    let s3_events = match &options.moto_endpoint {
        Some(moto) => {
            let s3 = crate::provision::s3_client(moto, &options.names.region);
            crate::s3_events::watch(&stack, &functions, s3, &options.names.region)
        }
        None => crate::s3_events::Watchers::default(),
    };

    let connections = Connections::default();
    let mut router = Router::new()
        .nest_service("/idp", idp.router::<()>())
        .merge(crate::lambda::invoke_api_router(functions.clone()));
    if let Some(api) = &stack.websocket {
        let api = Arc::new(WebSocketApi {
            api: api.clone(),
            functions: functions.clone(),
            connections: connections.clone(),
            limits: options.limits.clone(),
            region: options.names.region.clone(),
            account_id: options.names.account_id.clone(),
        });
        router = router.merge(websocket::router(api));
    }
    let http = stack.http.clone().map(|api| {
        let jwks_idp = idp.clone();
        let authorizer = api.jwt.clone().map(|config| JwtAuthorizer::new(config, Arc::new(move || jwks_idp.jwks_json())));
        Arc::new(HttpApi { api, functions: functions.clone(), authorizer, account_id: options.names.account_id.clone() })
    });
    let site = match &options.dist {
        Some(dist) => {
            let config = crate::site::config_json(&stack, &format!("{url}/idp/"), options.limits.idle_timeout.as_secs())?;
            Some(crate::site::router::<()>(dist, config))
        }
        None => None,
    };
    let router = router.fallback(fallback).with_state(Arc::new(Fallback { http, site }));
    let server = tokio::spawn(async move {
        axum::serve(listener, router.into_make_service_with_connect_info::<SocketAddr>()).await
    });
    Ok(Gateway { url, stack, functions, connections, idp, server, _s3_events: s3_events })
}

/// What every function's process gets besides the template's variables:
/// the region, dummy credentials, and the SDKs' endpoints pointed at the
/// local services (`AWS_ENDPOINT_URL_<SERVICE>`, which every AWS SDK reads).
fn function_environment(options: &GatewayOptions, url: &str) -> BTreeMap<String, String> {
    let mut environment = BTreeMap::new();
    let mut set = |name: &str, value: &str| {
        environment.insert(name.to_owned(), value.to_owned());
    };
    set("AWS_REGION", &options.names.region);
    set("AWS_DEFAULT_REGION", &options.names.region);
    set("AWS_ACCESS_KEY_ID", "local");
    set("AWS_SECRET_ACCESS_KEY", "local");
    set("AWS_EC2_METADATA_DISABLED", "true");
    set("AWS_ENDPOINT_URL_LAMBDA", url);
    if let Some(dynamodb) = &options.dynamodb_endpoint {
        set("AWS_ENDPOINT_URL_DYNAMODB", dynamodb);
    }
    if let Some(moto) = &options.moto_endpoint {
        set("AWS_ENDPOINT_URL_S3", moto);
        set("AWS_ENDPOINT_URL_SNS", moto);
    }
    environment
}

struct Fallback {
    http: Option<Arc<HttpApi>>,
    site: Option<Router>,
}

/// The HTTP API's routes first, then the web app.
async fn fallback(State(fallback): State<Arc<Fallback>>, request: Request) -> Response {
    if let Some(http) = fallback.http.as_ref().filter(|http| http.matches(request.uri().path())) {
        return http.clone().handle(request).await;
    }
    match &fallback.site {
        Some(site) => {
            use tower::ServiceExt;
            match site.clone().oneshot(request).await {
                Ok(response) => response,
                Err(never) => match never {},
            }
        }
        None => (axum::http::StatusCode::NOT_FOUND, axum::Json(serde_json::json!({"message": "Not Found"}))).into_response(),
    }
}
