//! The action client: every server function's one way in.
//!
//! A server function is declared with [`action`] above `#[server]`, and its first
//! parameter names who may call it:
//!
//! ```text
//! #[action]
//! #[server(endpoint = "nodes/list")]
//! pub async fn list_nodes(call: Call<SignedIn>) -> Result<Vec<NodeView>, AppError> {
//!     Ok(backend::nodes::list(call.backend(), &call.caller).await?)
//! }
//! ```
//!
//! `Call<Anyone>` is a public endpoint (it says so where it is declared), `Call<SignedIn>`
//! any signed-in user's, `Call<Admin>` an administrator's. The declarations make the
//! access table ([`declared`]); [`gate`], an axum layer around every server function,
//! looks the request's path up in it, resolves the caller from the session and applies the
//! access level before a single argument is read: an anonymous call to a user endpoint is
//! 401 whatever its body, a plain user's call to an administrator's endpoint 403, and a
//! server function registered without a declaration is refused outright. The body then
//! starts from the resolved [`Call`], and any error it answers carries its HTTP status.

#[cfg(not(feature = "ssr"))]
use std::marker::PhantomData;

pub use action_macro::action;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Access {
    /// Anyone (signing in, first-run setup, "who am I").
    Public,
    /// Any signed-in user, acting on their own things.
    User,
    /// Administrators only.
    Admin,
}

/// A caller as a server function receives it, at the access level its type names.
pub trait Caller: Sized + 'static {
    /// The endpoint's access level.
    const ACCESS: Access;

    /// The caller behind the session (`None`: nobody signed in), if this level admits
    /// them: otherwise 401 or 403.
    #[cfg(feature = "ssr")]
    fn admit(user: Option<User>) -> Result<Self, AppError>;
}

/// Anyone at all, signed in or not (public endpoints).
pub struct Anyone {
    /// The signed-in user, if any.
    #[cfg(feature = "ssr")]
    pub user: Option<User>,
}

/// A signed-in user (derefs to the user).
pub struct SignedIn {
    #[cfg(feature = "ssr")]
    user: User,
}

/// A signed-in administrator (derefs to the user).
pub struct Admin {
    #[cfg(feature = "ssr")]
    user: User,
}

impl Caller for Anyone {
    const ACCESS: Access = Access::Public;

    #[cfg(feature = "ssr")]
    fn admit(user: Option<User>) -> Result<Self, AppError> {
        Ok(Anyone { user })
    }
}

impl Caller for SignedIn {
    const ACCESS: Access = Access::User;

    #[cfg(feature = "ssr")]
    fn admit(user: Option<User>) -> Result<Self, AppError> {
        user.map(|user| SignedIn { user })
            .ok_or(AppError::Unauthenticated)
    }
}

impl Caller for Admin {
    const ACCESS: Access = Access::Admin;

    #[cfg(feature = "ssr")]
    fn admit(user: Option<User>) -> Result<Self, AppError> {
        let SignedIn { user } = SignedIn::admit(user)?;
        user.require_admin()?;
        Ok(Admin { user })
    }
}

/// One call of a server function: who makes it, and the server's services.
pub struct Call<C: Caller> {
    #[cfg(feature = "ssr")]
    pub caller: C,
    #[cfg(feature = "ssr")]
    state: AppState,
    /// The browser build only names the type (the bodies are server-side).
    #[cfg(not(feature = "ssr"))]
    access: PhantomData<C>,
}

impl<C: Caller> Call<C> {
    /// The access level of endpoints that take this call.
    pub const ACCESS: Access = C::ACCESS;
}

#[cfg(feature = "ssr")]
pub use server::{
    Declared, FieldSpec, attach_caller, declared, gate, is_html_form, run, undeclared,
};

#[cfg(feature = "ssr")]
use backend::accounts::User;

#[cfg(feature = "ssr")]
use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::state::AppState;

#[cfg(feature = "ssr")]
mod server {
    use std::collections::{HashMap, HashSet};
    use std::future::Future;
    use std::sync::LazyLock;

    use axum::body::Body;
    use axum::extract::{Request, State};
    use axum::http::{StatusCode, header};
    use axum::middleware::Next;
    use axum::response::{IntoResponse, Response};
    use backend::Backend;
    use leptos::prelude::use_context;
    use leptos::server_fn::error::{SERVER_FN_ERROR_HEADER, ServerFnUrlError};
    use leptos_axum::ResponseOptions;
    use tower_sessions::Session;

    use super::{Access, Admin, Call, Caller, SignedIn, User};
    use crate::auth::{client_address, current_user};
    use crate::error::AppError;
    use crate::state::AppState;

    /// One server function's path and access level, as `#[action]` declared it.
    #[derive(Debug)]
    pub struct Declared {
        pub path: &'static str,
        pub access: Access,
        /// The form fields it reads, in order.
        pub fields: &'static [FieldSpec],
    }

    /// One form field of a server function: its name and its Rust type as written
    /// (`JobId`, `Option<u64>`, `ContainerForm`), for the bad-input sweep.
    #[derive(Debug, Clone, Copy, PartialEq, Eq)]
    pub struct FieldSpec {
        pub name: &'static str,
        pub ty: &'static str,
    }

    inventory::collect!(Declared);

    /// Every declared endpoint.
    pub fn declared() -> impl Iterator<Item = &'static Declared> {
        inventory::iter::<Declared>.into_iter()
    }

    /// The access table, by path.
    static ACCESS: LazyLock<HashMap<&'static str, Access>> = LazyLock::new(|| {
        declared()
            .map(|declared| (declared.path, declared.access))
            .collect()
    });

    /// Registered server functions that no `#[action]` declared (refused by the gate),
    /// sorted: the authorization test requires none.
    pub fn undeclared() -> Vec<String> {
        let mut missing: Vec<String> = SERVER_FUNCTIONS
            .iter()
            .filter(|path| !ACCESS.contains_key(path.as_str()))
            .cloned()
            .collect();
        missing.sort();
        missing
    }

    /// The paths of every registered server function (declared or not).
    static SERVER_FUNCTIONS: LazyLock<HashSet<String>> = LazyLock::new(|| {
        leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path.to_owned())
            .collect()
    });

    /// Who the caller is, as a gate found out from the session for this request.
    #[derive(Clone)]
    struct Resolved(Option<User>);

    /// Records who the caller of `request` is (`None`: nobody signed in), so that server
    /// functions called while the request is served need not ask the session again. The
    /// page gate calls it for the pages it lets through.
    pub fn attach_caller(request: &mut Request<Body>, user: Option<User>) {
        request.extensions_mut().insert(Resolved(user));
    }

    /// The axum layer in front of the server functions (inside the session layer).
    pub async fn gate(
        State(state): State<AppState>,
        mut request: Request<Body>,
        next: Next,
    ) -> Response {
        let path = request.uri().path().to_owned();
        if !SERVER_FUNCTIONS.contains(&path) {
            return next.run(request).await;
        }
        let Some(access) = ACCESS.get(path.as_str()).copied() else {
            tracing::error!(%path, "a server function without #[action] was called: refused");
            return refusal(&request, &path, AppError::internal("undeclared endpoint"));
        };
        let Some(session) = request.extensions().get::<Session>().cloned() else {
            return refusal(&request, &path, AppError::internal("no session layer"));
        };
        let user = match current_user(&state, &session).await {
            Ok(user) => user,
            Err(error) => return refusal(&request, &path, error),
        };
        let admitted = match access {
            Access::Public => Ok(()),
            Access::User => SignedIn::admit(user.clone()).map(drop),
            Access::Admin => Admin::admit(user.clone()).map(drop),
        };
        if let Err(error) = admitted {
            return refusal(&request, &path, error);
        }
        attach_caller(&mut request, user);
        next.run(request).await
    }

    /// Whether the request is a plain HTML form post (no JavaScript): it gets a redirect
    /// back to the form instead of a status, as leptos_axum answers it.
    pub fn is_html_form(headers: &axum::http::HeaderMap) -> bool {
        headers
            .get(header::ACCEPT)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.contains("text/html"))
    }

    /// The answer to a refused call, in the shape its server function would have given:
    /// the error as JSON with its status, or, for a plain form post, back to the form
    /// with the error in the URL.
    fn refusal(request: &Request<Body>, path: &str, error: AppError) -> Response {
        if is_html_form(request.headers()) {
            let back = request
                .headers()
                .get(header::REFERER)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("/");
            let location = ServerFnUrlError::new(path, error)
                .to_url(back)
                .map_or_else(|_| back.to_owned(), |url| url.to_string());
            return (StatusCode::FOUND, [(header::LOCATION, location)]).into_response();
        }
        let status =
            StatusCode::from_u16(error.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        let body = serde_json::to_string(&error).unwrap_or_else(|_| "\"Internal\"".into());
        (
            status,
            [
                (header::CONTENT_TYPE, "application/json".to_owned()),
                (
                    header::HeaderName::from_static(SERVER_FN_ERROR_HEADER),
                    path.to_owned(),
                ),
            ],
            body,
        )
            .into_response()
    }

    impl<C: Caller> Call<C> {
        /// This request's caller at this access level. Called over HTTP, the gate has
        /// resolved the caller already; called while a page renders on the server, the
        /// page gate has, or else the session is asked here.
        async fn resolve() -> Result<Self, AppError> {
            let state =
                use_context::<AppState>().ok_or_else(|| AppError::internal("no request state"))?;
            let parts = use_context::<axum::http::request::Parts>()
                .ok_or_else(|| AppError::internal("no request"))?;
            let user = match parts.extensions.get::<Resolved>() {
                Some(Resolved(user)) => user.clone(),
                None => {
                    let session = parts
                        .extensions
                        .get::<Session>()
                        .ok_or_else(|| AppError::internal("no session layer"))?;
                    current_user(&state, session).await?
                }
            };
            Ok(Call {
                caller: C::admit(user)?,
                state,
            })
        }

        /// The services.
        pub fn backend(&self) -> &Backend {
            &self.state.backend
        }

        /// The server's shared state (session lifetimes, demo cluster, start time).
        pub fn state(&self) -> &AppState {
            &self.state
        }

        /// The request's session, to sign in or out.
        pub async fn session(&self) -> Result<Session, AppError> {
            crate::auth::session().await
        }

        /// The client's address, for rate limits and the audit log.
        pub fn client_address(&self) -> Option<String> {
            client_address()
        }
    }

    impl std::ops::Deref for SignedIn {
        type Target = User;

        fn deref(&self) -> &User {
            &self.user
        }
    }

    impl std::ops::Deref for Admin {
        type Target = User;

        fn deref(&self) -> &User {
            &self.user
        }
    }

    /// What `#[action]` wraps every server function's body in: the resolved call in, and
    /// every error out with its HTTP status set.
    #[doc(hidden)]
    pub async fn run<C, T, Body, Answer>(body: Body) -> Result<T, AppError>
    where
        C: Caller,
        Body: FnOnce(Call<C>) -> Answer,
        Answer: Future<Output = Result<T, AppError>>,
    {
        let answer = match Call::<C>::resolve().await {
            Ok(call) => body(call).await,
            Err(error) => Err(error),
        };
        answer.map_err(with_status)
    }

    /// Records an error's status on the response, except for plain HTML form posts,
    /// which leptos_axum answers with a redirect back to the form (status 302).
    fn with_status(error: AppError) -> AppError {
        let html_form = use_context::<axum::http::request::Parts>()
            .is_some_and(|parts| is_html_form(&parts.headers));
        if !html_form
            && let Some(response) = use_context::<ResponseOptions>()
            && let Ok(status) = StatusCode::from_u16(error.status())
        {
            response.set_status(status);
        }
        error
    }
}
