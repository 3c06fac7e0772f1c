//! The creation wizard's drafts: what the user typed so far, saved at every step so a
//! reload, back/forward, a bookmark or a second tab all show the same values. A draft
//! belongs to one user and expires a day after its last change.

use model::provision::ContainerForm;
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;

/// How long an untouched draft is kept.
const LIFETIME: &str = "1d";

fn encode(form: &ContainerForm) -> ServiceResult<String> {
    serde_json::to_string(form)
        .map_err(|e| ServiceError::Internal(format!("cannot store the draft: {e}")))
}

/// Starts a draft for `user` with `form` (the wizard's defaults, usually).
pub async fn create(backend: &Backend, user: &User, form: &ContainerForm) -> ServiceResult<String> {
    purge_expired(backend).await;
    let id = new_id();
    backend
        .store
        .db()
        .query(
            "CREATE type::record('draft', $id) CONTENT {
                 owner: type::record('user', $owner), form: $form,
                 expires_at: time::now() + <duration> $lifetime
             }",
        )
        .bind(("id", id.clone()))
        .bind(("owner", user.id.clone()))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?;
    Ok(id)
}

/// The user's draft `id` (expired drafts are gone).
pub async fn get(backend: &Backend, user: &User, id: &str) -> ServiceResult<ContainerForm> {
    #[derive(SurrealValue)]
    struct Stored {
        form: String,
    }
    if !model::validate::is_record_id(id) {
        return Err(ServiceError::NotFound);
    }
    let stored: Option<Stored> = backend
        .store
        .db()
        .query(
            "SELECT form FROM ONLY type::record('draft', $id)
              WHERE owner = type::record('user', $owner) AND expires_at > time::now()",
        )
        .bind(("id", id.to_owned()))
        .bind(("owner", user.id.clone()))
        .await?
        .check()?
        .take(0)?;
    let stored = stored.ok_or(ServiceError::NotFound)?;
    serde_json::from_str(&stored.form)
        .map_err(|e| ServiceError::Internal(format!("draft {id} is unreadable: {e}")))
}

/// Replaces the user's draft `id` with `form` and extends its life.
pub async fn save(
    backend: &Backend,
    user: &User,
    id: &str,
    form: &ContainerForm,
) -> ServiceResult<()> {
    get(backend, user, id).await?;
    backend
        .store
        .db()
        .query(
            "UPDATE type::record('draft', $id)
                SET form = $form, updated_at = time::now(),
                    expires_at = time::now() + <duration> $lifetime
              WHERE owner = type::record('user', $owner)",
        )
        .bind(("id", id.to_owned()))
        .bind(("owner", user.id.clone()))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?;
    Ok(())
}

/// Removes the user's draft `id` (after its job was queued).
pub async fn delete(backend: &Backend, user: &User, id: &str) -> ServiceResult<()> {
    backend
        .store
        .db()
        .query("DELETE type::record('draft', $id) WHERE owner = type::record('user', $owner)")
        .bind(("id", id.to_owned()))
        .bind(("owner", user.id.clone()))
        .await?
        .check()?;
    Ok(())
}

/// Deletes every expired draft; failures are logged (the next call tries again).
async fn purge_expired(backend: &Backend) {
    let result = backend
        .store
        .db()
        .query("DELETE draft WHERE expires_at <= time::now()")
        .await
        .and_then(|r| r.check());
    if let Err(error) = result {
        tracing::warn!(%error, "cannot delete expired drafts");
    }
}
