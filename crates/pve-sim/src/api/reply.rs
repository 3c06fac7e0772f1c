//! Answers as PVE writes them: the `{"data": …}` envelope, error statuses with the message
//! as reason phrase, and error bodies in the old or new style.

use std::collections::BTreeMap;

use axum::body::Body;
use hyper::Response;
use serde_json::{Value, json};

use crate::config::ErrorStyle;

/// A successful answer: `data`, and `total` for paged lists.
pub struct Reply {
    pub data: Value,
    pub total: Option<u64>,
}

impl Reply {
    pub fn data(data: Value) -> Reply {
        Reply { data, total: None }
    }
}

/// A failed request, as a PVE handler `die`s or the schema check rejects it.
#[derive(Debug)]
pub struct ApiError {
    pub status: u16,
    pub message: String,
    /// Per-parameter messages of a 400.
    pub errors: BTreeMap<String, String>,
    /// The auth layer answers with an empty body.
    pub empty_body: bool,
    /// The "unexpected content" 501 is plain text.
    pub plain_text: bool,
}

impl ApiError {
    pub fn new(status: u16, message: impl Into<String>) -> ApiError {
        ApiError {
            status,
            message: message.into(),
            errors: BTreeMap::new(),
            empty_body: false,
            plain_text: false,
        }
    }

    /// 500: a handler `die`.
    pub fn fail(message: impl Into<String>) -> ApiError {
        ApiError::new(500, message)
    }

    /// 400 with one parameter error.
    pub fn param(field: &str, message: impl Into<String>) -> ApiError {
        ApiError::params(BTreeMap::from([(field.to_owned(), message.into())]))
    }

    /// 400 with several parameter errors.
    pub fn params(errors: BTreeMap<String, String>) -> ApiError {
        ApiError {
            errors,
            ..ApiError::new(400, "Parameter verification failed.")
        }
    }

    /// 401 from the auth layer: reason phrase only.
    pub fn unauthorized(reason: &str) -> ApiError {
        ApiError {
            empty_body: true,
            ..ApiError::new(401, reason)
        }
    }

    /// 403 naming the path and privilege.
    pub fn forbidden(path: &str, privilege: &str) -> ApiError {
        ApiError::new(
            403,
            format!("Permission check failed ({path}, {privilege})"),
        )
    }

    /// 595: the node this request is proxied to does not answer.
    pub fn unreachable() -> ApiError {
        ApiError {
            empty_body: true,
            ..ApiError::new(595, "Connection refused")
        }
    }
}

fn base(status: u16) -> hyper::http::response::Builder {
    Response::builder()
        .status(status)
        .header("Cache-Control", "max-age=0")
        .header("Pragma", "no-cache")
        .header("Server", "pve-api-daemon/3.0")
}

/// The 200 response for a reply.
pub fn success(reply: Reply) -> Response<Body> {
    let mut body = json!({ "data": reply.data });
    if let Some(total) = reply.total.filter(|t| *t > 0) {
        body["total"] = json!(total);
    }
    base(200)
        .header("Content-Type", "application/json;charset=UTF-8")
        .body(Body::from(body.to_string()))
        .unwrap_or_default()
}

/// The error response, in the configured generation's style.
pub fn failure(error: ApiError, style: ErrorStyle) -> Response<Body> {
    let reason = error.message.lines().next().unwrap_or("").to_owned();
    let mut builder = base(error.status);
    let body = if error.plain_text {
        builder = builder.header("Content-Type", "text/plain;charset=UTF-8");
        Body::from(error.message.clone())
    } else if error.empty_body {
        Body::empty()
    } else {
        builder = builder.header("Content-Type", "application/json;charset=UTF-8");
        let mut body = json!({ "data": null });
        if !error.errors.is_empty() {
            let errors: BTreeMap<_, _> = error
                .errors
                .iter()
                .map(|(field, message)| (field.clone(), format!("{message}\n")))
                .collect();
            body["errors"] = json!(errors);
        }
        if style == ErrorStyle::New {
            body["message"] = json!(format!("{}\n", error.message));
        }
        Body::from(body.to_string())
    };
    let mut response = builder.body(body).unwrap_or_default();
    if let Ok(reason) = hyper::ext::ReasonPhrase::try_from(reason.into_bytes()) {
        response.extensions_mut().insert(reason);
    }
    response
}

/// Bodies larger than this are compressed for a client that accepts it (pveproxy's rule).
const COMPRESS_ABOVE: usize = 1024;

/// Whether the request's `Accept-Encoding` names gzip.
pub fn accepts_gzip(headers: &hyper::HeaderMap) -> bool {
    headers
        .get_all(hyper::header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .any(|coding| coding.split(';').next().is_some_and(|c| c.trim() == "gzip"))
}

/// The response with its body gzip-compressed when it is over 1 KiB, as pveproxy sends
/// it to a client that accepts gzip.
pub async fn compressed(response: Response<Body>) -> Response<Body> {
    use std::io::Write;
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = axum::body::to_bytes(body, usize::MAX).await else {
        return Response::from_parts(parts, Body::empty());
    };
    if bytes.len() <= COMPRESS_ABOVE {
        return Response::from_parts(parts, Body::from(bytes));
    }
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    match encoder.write_all(&bytes).and_then(|()| encoder.finish()) {
        Ok(gzipped) => {
            parts.headers.insert(
                hyper::header::CONTENT_ENCODING,
                hyper::header::HeaderValue::from_static("gzip"),
            );
            parts.headers.remove(hyper::header::CONTENT_LENGTH);
            Response::from_parts(parts, Body::from(gzipped))
        }
        Err(_) => Response::from_parts(parts, Body::from(bytes)),
    }
}
