//! The audit log.

use leptos::prelude::*;
use model::audit::AuditPage;

use crate::error::AppError;

/// One page of the caller's entries (administrators: everyone's), newest first.
#[server(endpoint = "audit/list")]
pub async fn list_audit(page: u32) -> Result<AuditPage, AppError> {
    use crate::auth::require_user;
    use crate::state::app_state;

    let user = require_user().await?;
    let state = app_state()?;
    Ok(backend::audit::list(&state.backend, &user, page, 50).await?)
}
