//! `PUT` and `GET /api/blobs/{key}`: the embedded object storage behind the
//! signed URLs (what S3 is on AWS). No Authorization header: the signature
//! in the URL is the permission, as with S3 presigned URLs, so `<img src>`
//! and a plain `fetch(url, {method: "PUT"})` work.

use axum::body::Body;
use axum::extract::rejection::PathRejection;
use axum::extract::{FromRequestParts, Path, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use futures_util::StreamExt;
use moodchat_core::error::{bad_request, internal, not_found, too_large, unsupported_media_type};
use moodchat_core::{BlobKey, ImageKind, StoredImage};
use moodchat_protocol::images::UploadedImage;
use moodchat_protocol::{ApiError, ErrorCode, UserRef};
use tokio::io::AsyncWriteExt;

use tokio::sync::OwnedSemaphorePermit;

use super::process::prepare;
use super::signing::SignedQuery;
use super::store::IncomingFile;
use super::{Images, UploadClaim};
use crate::chat::http::{ChatError, QueryParams};

type Result<T> = std::result::Result<T, ChatError>;

/// The `{*key}` of a blob route, strictly parsed: anything that is not a
/// key the server could have made (`..`, `%2e%2e`, absolute paths, other
/// characters) is refused before any file is touched.
pub struct BlobPath(pub BlobKey);

impl<S: Send + Sync> FromRequestParts<S> for BlobPath {
    type Rejection = ChatError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> std::result::Result<Self, Self::Rejection> {
        let Path(raw) = Path::<String>::from_request_parts(parts, state)
            .await
            .map_err(|rejection: PathRejection| bad_request(rejection.body_text()))?;
        let key = BlobKey::parse(&raw).ok_or_else(|| bad_request("not a blob key"))?;
        Ok(Self(key))
    }
}

/// `PUT /api/blobs/{key}`. Refusals come in three shapes: the protocol's
/// errors, a 429 when the uploader is over a quota, a 503 when too many
/// images wait to be decoded.
pub async fn upload(
    State(images): State<Images>,
    BlobPath(key): BlobPath,
    QueryParams(query): QueryParams<SignedQuery>,
    headers: HeaderMap,
    body: Body,
) -> Response {
    match accept_upload(images, key, query, headers, body).await {
        Ok(uploaded) => (StatusCode::CREATED, Json(uploaded)).into_response(),
        Err(refusal) => refusal,
    }
}

async fn accept_upload(
    images: Images,
    key: BlobKey,
    query: SignedQuery,
    headers: HeaderMap,
    body: Body,
) -> std::result::Result<UploadedImage, Response> {
    if !key.is_original() {
        return Err(refuse(bad_request("thumbnails are made by the server")));
    }
    let allowed = images.signer.verify_upload(&key, &query).map_err(refuse)?;
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|value| value.to_str().ok()).unwrap_or("");
    if ImageKind::from_content_type(content_type) != Some(key.kind) {
        let message = format!("this URL takes Content-Type: {}", key.kind.content_type());
        return Err(refuse(unsupported_media_type(message)));
    }
    check_content_length(&headers, allowed.size).map_err(refuse)?;
    // Charged for every attempt that gets this far, so failing uploads
    // retried on one ticket are bounded as well as new ones.
    images.upload_quotas.upload(&allowed.uploader.sub, allowed.size).map_err(IntoResponse::into_response)?;
    let already_uploaded = || refuse(ApiError::new(ErrorCode::Conflict, "this image is already uploaded"));
    let claim = images.claim(&key).ok_or_else(already_uploaded)?;
    if images.store.exists(&key).await {
        return Err(already_uploaded());
    }

    let incoming = receive(&images, body, allowed.size).await.map_err(refuse)?;
    let turn = images.decoding.turn().await.map_err(IntoResponse::into_response)?;
    // From here on the work runs to the end even if the client goes away,
    // so an image is never left half-committed.
    let processing = store(images, key, allowed.uploader, incoming, claim, turn);
    let stored = tokio::spawn(processing)
        .await
        .map_err(|error| {
            tracing::error!(%error, "storing an upload panicked");
            refuse(internal("storing the image failed"))
        })?
        .map_err(refuse)?;
    Ok(UploadedImage {
        key: stored.key.to_string(),
        content_type: stored.content_type,
        size: stored.size,
        w: stored.width,
        h: stored.height,
    })
}

fn refuse(error: ApiError) -> Response {
    ChatError::Api(error).into_response()
}

/// A Content-Length other than the ticket's size is refused before a byte
/// is read. (The body is counted as well: the header may be absent.)
fn check_content_length(headers: &HeaderMap, size: u64) -> std::result::Result<(), ApiError> {
    let Some(value) = headers.get(header::CONTENT_LENGTH) else { return Ok(()) };
    let length: u64 =
        value.to_str().ok().and_then(|v| v.parse().ok()).ok_or_else(|| bad_request("bad Content-Length"))?;
    if length > size {
        return Err(too_large(format!("this URL takes exactly {size} bytes")));
    }
    if length < size {
        return Err(bad_request(format!("this URL takes exactly {size} bytes")));
    }
    Ok(())
}

/// Streams the body into a file in `.incoming`, stopping at the first byte
/// over `size`. The file is removed whatever happens, including when the
/// client disconnects (the future is dropped with the guard), unless it is
/// handed on for processing.
async fn receive(images: &Images, body: Body, size: u64) -> std::result::Result<IncomingFile, ApiError> {
    let (incoming, mut file) = images.store.incoming_file().await.map_err(storage_failed)?;
    let mut received: u64 = 0;
    let mut chunks = body.into_data_stream();
    while let Some(chunk) = chunks.next().await {
        let chunk = chunk.map_err(|_| bad_request("the upload was interrupted"))?;
        received += chunk.len() as u64;
        if received > size {
            return Err(too_large(format!("more than the {size} bytes this URL takes")));
        }
        file.write_all(&chunk).await.map_err(storage_failed)?;
    }
    if received < size {
        return Err(bad_request(format!("received {received} of the {size} bytes this URL takes")));
    }
    file.flush().await.map_err(storage_failed)?;
    Ok(incoming)
}

/// Checks and cleans the image, stores it with its thumbnail, and tells
/// the administrators (without waiting for them). The bytes are read only
/// now, with a decoding turn held, so uploads waiting in line hold files,
/// not memory. `_claim` keeps a second PUT of the same key out until this
/// is done.
async fn store(
    images: Images,
    key: BlobKey,
    uploader: UserRef,
    incoming: IncomingFile,
    _claim: UploadClaim,
    turn: OwnedSemaphorePermit,
) -> std::result::Result<StoredImage, ApiError> {
    let kind = key.kind;
    let thumbnail_max = images.settings.thumbnail_max_px;
    let bytes = tokio::fs::read(incoming.path()).await.map_err(storage_failed)?;
    drop(incoming);
    let prepared = tokio::task::spawn_blocking(move || prepare(kind, &bytes, thumbnail_max))
        .await
        .map_err(|_| internal("processing the image failed"))??;
    drop(turn);
    let stored = StoredImage {
        key,
        uploader,
        content_type: kind.content_type().to_owned(),
        size: prepared.original.len() as u64,
        width: prepared.width,
        height: prepared.height,
        stored_at_ms: images.clock.now_ms(),
    };
    images.store.commit(&stored, &prepared.original, &prepared.thumbnail).await.map_err(storage_failed)?;
    let notifier = images.notifier.clone();
    let notice = stored.clone();
    tokio::spawn(async move { notifier.image_stored(&notice).await });
    Ok(stored)
}

pub async fn download(
    State(images): State<Images>,
    BlobPath(key): BlobPath,
    QueryParams(query): QueryParams<SignedQuery>,
) -> Result<Response> {
    let expires_at = images.signer.verify_download(&key, &query)?;
    let bytes = images.store.read(&key).await.map_err(storage_failed)?.ok_or_else(|| not_found("no such image"))?;
    let max_age = (expires_at - images.signer.now_secs()).max(0);
    let headers = [
        (header::CONTENT_TYPE, HeaderValue::from_static(key.kind.content_type())),
        (header::CACHE_CONTROL, header_value(format!("private, max-age={max_age}"))),
        (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
        (header::CONTENT_DISPOSITION, HeaderValue::from_static("inline")),
    ];
    Ok((headers, bytes).into_response())
}

fn header_value(text: String) -> HeaderValue {
    HeaderValue::try_from(text).expect("ASCII digits and letters")
}

fn storage_failed(error: std::io::Error) -> ApiError {
    tracing::error!(%error, "image storage failed");
    internal("image storage failed")
}
