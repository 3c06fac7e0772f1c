//! The audit log.

use leptos::prelude::*;
use model::audit::AuditPage;

use crate::action::{Call, SignedIn, action};
use crate::error::AppError;

/// Entries per page of the audit log.
#[cfg(feature = "ssr")]
const PER_PAGE: u32 = 50;

/// One page of the caller's entries (administrators: everyone's), newest first.
#[action]
#[server(endpoint = "audit/list")]
pub async fn list_audit(call: Call<SignedIn>, page: u32) -> Result<AuditPage, AppError> {
    Ok(backend::audit::list(call.backend(), &call.caller, page, PER_PAGE).await?)
}
