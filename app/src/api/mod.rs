//! The server functions: the authenticated action layer.
//!
//! Each has a stable endpoint under `/api/` (listed in docs/api.md) and opens with
//! `require_user()` or `require_admin()`, except the three that let a visitor in.
//! [`ENDPOINTS`] says which is which; the router's authorization test fails when a server
//! function is missing from it.

pub mod audit;
pub mod auth;
pub mod containers;
pub mod inventory;
pub mod jobs;
pub mod nodes;
pub mod users;

/// Who may call an endpoint.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (signing in, first-run setup, "who am I").
    Public,
    /// Any signed-in user, acting on their own things.
    User,
    /// Administrators only.
    Admin,
}

/// Every server function's path and who may call it.
pub const ENDPOINTS: &[(&str, Access)] = &[
    ("/api/auth/visitor", Access::Public),
    ("/api/auth/setup", Access::Public),
    ("/api/auth/login", Access::Public),
    ("/api/auth/logout", Access::User),
    ("/api/auth/change-password", Access::User),
    ("/api/system/status", Access::User),
    ("/api/users/list", Access::Admin),
    ("/api/users/create", Access::Admin),
    ("/api/users/set-disabled", Access::Admin),
    ("/api/users/delete", Access::Admin),
    ("/api/nodes/list", Access::User),
    ("/api/nodes/get", Access::User),
    ("/api/nodes/probe", Access::User),
    ("/api/nodes/create", Access::User),
    ("/api/nodes/update", Access::User),
    ("/api/nodes/test", Access::User),
    ("/api/nodes/set-default", Access::User),
    ("/api/nodes/delete", Access::User),
    ("/api/nodes/repin-check", Access::User),
    ("/api/nodes/repin", Access::User),
    ("/api/nodes/demo", Access::User),
    ("/api/nodes/add-demo", Access::User),
    ("/api/audit/list", Access::User),
    ("/api/inventory/dashboard", Access::User),
    ("/api/containers/get", Access::User),
    ("/api/containers/power", Access::User),
    ("/api/containers/delete", Access::User),
    ("/api/wizard/start", Access::User),
    ("/api/wizard/get", Access::User),
    ("/api/wizard/save", Access::User),
    ("/api/wizard/choices", Access::User),
    ("/api/wizard/check-vmid", Access::User),
    ("/api/wizard/create", Access::User),
    ("/api/jobs/get", Access::User),
    ("/api/jobs/cancel", Access::User),
    ("/api/jobs/reveal-password", Access::User),
];
