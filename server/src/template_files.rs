//! Template archives in and out, as plain routes (files, not server functions); the
//! session's user is resolved here first, as for the job event stream:
//!
//! - `POST /api/templates/import`: a multipart upload (field `archive`) of a `.tar.gz` or
//!   `.zip` of template folders. The import's report is left in the session and the
//!   browser goes back to `/templates/import`, which shows it; a refused archive comes
//!   back as `?error=…`. API clients (`Accept: application/json`) get the report as JSON.
//! - `GET /api/templates/{id}/export`: the template's folder as a `.tar.gz`.

use app::api::templates::IMPORT_REPORT_KEY;
use app::state::AppState;
use axum::extract::{Multipart, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use backend::ServiceError;
use backend::templates::{ArchiveLimits, import};
use model::ids::TemplateId;
use tower_sessions::Session;

use crate::caller::signed_in;

/// The largest archive accepted: the request limit is 8 MiB, multipart adds a little.
const MAX_ARCHIVE_BYTES: usize = 6 * 1024 * 1024;

fn wants_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|accept| accept.contains("application/json") && !accept.contains("text/html"))
}

/// The archive's bytes from the multipart body, within the limit.
async fn archive_of(mut multipart: Multipart) -> Result<Vec<u8>, String> {
    while let Some(mut field) = multipart
        .next_field()
        .await
        .map_err(|e| format!("the upload could not be read: {e}"))?
    {
        if field.name() != Some("archive") {
            continue;
        }
        let mut bytes = Vec::new();
        while let Some(chunk) = field
            .chunk()
            .await
            .map_err(|e| format!("the upload could not be read: {e}"))?
        {
            bytes.extend_from_slice(&chunk);
            if bytes.len() > MAX_ARCHIVE_BYTES {
                return Err(format!(
                    "the archive is larger than {} MiB",
                    MAX_ARCHIVE_BYTES / 1024 / 1024
                ));
            }
        }
        return Ok(bytes);
    }
    Err("choose an archive to upload".into())
}

/// The upload handler.
pub async fn import_archive(
    State(state): State<AppState>,
    session: Session,
    headers: HeaderMap,
    multipart: Multipart,
) -> Response {
    let user = match signed_in(&state, &session).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let json = wants_json(&headers);
    let refuse = |message: String| {
        if json {
            (StatusCode::UNPROCESSABLE_ENTITY, axum::Json(message)).into_response()
        } else {
            let url = app::redirect::header_safe(&format!(
                "/templates/import?error={}",
                message
                    .replace('%', "%25")
                    .replace('&', "%26")
                    .replace('#', "%23")
            ));
            Redirect::to(&url).into_response()
        }
    };
    let bytes = match archive_of(multipart).await {
        Ok(bytes) => bytes,
        Err(message) => return refuse(message),
    };
    let limits = ArchiveLimits {
        max_archive_bytes: MAX_ARCHIVE_BYTES,
        ..ArchiveLimits::default()
    };
    match import::import_archive(&state.backend, &user, &bytes, limits).await {
        Ok(report) if json => axum::Json(report).into_response(),
        Ok(report) => {
            if let Err(error) = session.insert(IMPORT_REPORT_KEY, &report).await {
                tracing::error!(%error, "cannot keep the import report in the session");
            }
            Redirect::to("/templates/import").into_response()
        }
        Err(ServiceError::Validation(error)) => refuse(error.message),
        Err(ServiceError::Conflict(message)) => refuse(message),
        Err(error) => {
            tracing::error!(%error, "template import failed");
            refuse("the import failed; see the server log".into())
        }
    }
}

/// The export handler.
pub async fn export(
    State(state): State<AppState>,
    session: Session,
    Path(id): Path<String>,
) -> Response {
    let user = match signed_in(&state, &session).await {
        Ok(user) => user,
        Err(refused) => return refused,
    };
    let not_found = || (StatusCode::NOT_FOUND, "\"NotFound\"").into_response();
    let Some(id) = TemplateId::parse(&id) else {
        return not_found();
    };
    match import::export(&state.backend, &user, &id).await {
        Ok((name, bytes)) => {
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
            (
                [
                    (
                        header::CONTENT_TYPE,
                        HeaderValue::from_static("application/gzip"),
                    ),
                    (header::CONTENT_DISPOSITION, disposition),
                ],
                bytes,
            )
                .into_response()
        }
        Err(ServiceError::NotFound) => not_found(),
        Err(error) => {
            tracing::error!(%error, "template export failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
