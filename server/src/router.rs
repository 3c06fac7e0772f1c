//! The axum router: health check, Leptos pages and server functions, static files.

use app::state::AppState;
use app::{App, shell};
use axum::Router;
use axum::routing::get;
use leptos::prelude::provide_context;
use leptos_axum::{LeptosRoutes, file_and_error_handler_with_context, generate_route_list};
use tower_http::compression::CompressionLayer;
use tower_http::trace::TraceLayer;

use crate::health::healthz;

/// Builds the whole HTTP surface around `state`.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let provide_state = {
        let state = state.clone();
        move || provide_context(state.clone())
    };
    let render_shell = {
        let options = state.leptos_options.clone();
        move || shell(options.clone())
    };
    Router::new()
        .route("/healthz", get(healthz))
        .leptos_routes_with_context(&state, routes, provide_state.clone(), render_shell)
        .fallback(file_and_error_handler_with_context::<AppState, _>(
            provide_state,
            shell,
        ))
        // Precompressed static files keep their own encoding; the rest is compressed here.
        .layer(CompressionLayer::new())
        .layer(TraceLayer::new_for_http())
        .with_state(state)
}
