//! The axum router: health check, Leptos pages and server functions, static files, and
//! around them (inside out) the action gate (server functions), the page gate, the
//! session layer, the client address, the host and same-origin guard, compression, the
//! security headers and the panic catcher.

use std::sync::LazyLock;

use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::middleware::{from_fn, from_fn_with_state};
use axum::routing::get;
use leptos::prelude::{provide_context, use_context};
use leptos_axum::{
    AxumRouteListing, LeptosRoutes, file_and_error_handler_with_context, generate_route_list,
};
use surrealdb::engine::any::Any;
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;
use tower_sessions_surrealdb_store::SurrealSessionStore;

use crate::client_address::{self, TrustedProxies};
use crate::headers::{self, CspNonce};
use crate::health::healthz;
use crate::origin::{OriginPolicy, guard};
use crate::{api_status, body_limit, page_gate, sessions};

/// How the router protects itself: sessions, cookies, the origin it answers for, the
/// proxies it believes.
pub struct HttpSecurity {
    pub sessions: SurrealSessionStore<Any>,
    /// Mark the session cookie `Secure` (Corral is served over https).
    pub secure_cookies: bool,
    /// The configured public origin, for the same-origin and host guards.
    pub public_origin: Option<String>,
    /// The listen address, also answered as a host when a public origin is set.
    pub listen: Option<std::net::SocketAddr>,
    /// Peers whose forwarding headers name the client.
    pub trusted_proxies: TrustedProxies,
}

impl HttpSecurity {
    /// Plain settings over `sessions`: no public origin, no proxies, cookies not `Secure`.
    pub fn local(sessions: SurrealSessionStore<Any>) -> HttpSecurity {
        HttpSecurity {
            sessions,
            secure_cookies: false,
            public_origin: None,
            listen: None,
            trusted_proxies: TrustedProxies::default(),
        }
    }
}

/// The app's pages, listed once per process. Listing them renders the app with resource
/// loading suppressed process-wide (a global flag in leptos_server, leptos#4773): a page
/// whose resources first polled during a second listing would wait forever. So the list
/// is made once, before any page can render, and every router (tests build many) reuses
/// it.
pub fn page_routes() -> Vec<AxumRouteListing> {
    static ROUTES: LazyLock<Vec<AxumRouteListing>> = LazyLock::new(|| generate_route_list(App));
    ROUTES.clone()
}

/// Builds the whole router around `state`.
pub fn build(state: AppState, security: HttpSecurity) -> Router {
    let routes = page_routes();
    let provide_state = {
        let state = state.clone();
        move || {
            provide_context(state.clone());
            provide_csp_nonce();
        }
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    let session_layer = sessions::layer(security.sessions, state.sessions, security.secure_cookies);
    let origin_policy = OriginPolicy {
        public_origin: security.public_origin,
        listen: security.listen,
    };
    let app = Router::new()
        .route("/healthz", get(healthz))
        .route("/api/jobs/{id}/events", get(crate::job_events::stream))
        .route(
            "/api/dashboard/events",
            get(crate::dashboard_events::stream),
        )
        .route(
            "/api/templates/import",
            axum::routing::post(crate::template_files::import_archive),
        )
        .route(
            "/api/templates/{id}/export",
            get(crate::template_files::export),
        )
        .route(
            "/api/containers/{node}/{vmid}/logs/follow",
            get(crate::container_logs::follow),
        )
        .route(
            "/api/containers/{node}/{vmid}/logs/download",
            get(crate::container_logs::download),
        )
        .leptos_routes_with_context(&state, routes, provide_state.clone(), render_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            provide_state,
            shell,
        ))
        .layer(from_fn(api_status::malformed_is_400))
        // Caller and access level of every server function, before its arguments are read.
        .layer(from_fn_with_state(state.clone(), app::action::gate))
        .layer(from_fn_with_state(state.clone(), page_gate::gate))
        .layer(session_layer)
        .layer(from_fn_with_state(
            security.trusted_proxies,
            client_address::resolve,
        ))
        .layer(from_fn_with_state(origin_policy, guard));
    edge(app.with_state(state))
}

/// The outermost layers, which know nothing of the app: compression (precompressed
/// static files keep their own encoding), the body limit, the panic catcher, the security
/// headers and request tracing.
pub fn edge(router: Router) -> Router {
    router
        .layer(CompressionLayer::new())
        .layer(from_fn(body_limit::limit))
        .layer(CatchPanicLayer::custom(headers::panic_answer))
        .layer(from_fn(headers::security_headers))
        .layer(TraceLayer::new_for_http())
}

/// Gives the page renderer this request's CSP nonce (the security-headers layer made it),
/// replacing the one leptos_axum drew, so the inline scripts match the header.
fn provide_csp_nonce() {
    let nonce = use_context::<axum::http::request::Parts>()
        .and_then(|parts| parts.extensions.get::<CspNonce>().cloned());
    if let Some(CspNonce(nonce)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(nonce));
    }
}
