//! Drafts as stored, whatever form they hold: a JSON text per record in a draft table
//! (`draft` for the wizard, `template_draft` for the template form), owned by one user,
//! expiring a day after its last change, at most [`MAX_PER_USER`] per user and table.

use model::ids::{Id, Table};
use serde::Serialize;
use serde::de::DeserializeOwned;
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use crate::store::StoreError;

/// How long an untouched draft is kept.
pub(crate) const LIFETIME: &str = "1d";

/// Drafts one user keeps per table at most; starting another drops their least recently
/// touched.
pub const MAX_PER_USER: usize = 50;

fn encode<F: Serialize>(form: &F) -> ServiceResult<String> {
    serde_json::to_string(form)
        .map_err(|e| ServiceError::Internal(format!("cannot store the draft: {e}")))
}

/// Stores `form` as a new draft of `user` in table `T`; its id.
pub(crate) async fn create<T: Table, F: Serialize>(
    backend: &Backend,
    user: &User,
    form: &F,
) -> ServiceResult<Id<T>> {
    purge_expired(backend, T::NAME).await;
    let id: Id<T> = new_id();
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $owner = type::record('user', $owner_id);
             LET $stale = (SELECT id, updated_at FROM type::table($table) WHERE owner = $owner
                 ORDER BY updated_at DESC START $keep);
             DELETE $stale.id;
             CREATE type::record($table, $id) CONTENT {
                 owner: $owner, form: $form,
                 expires_at: time::now() + <duration> $lifetime
             };
             COMMIT TRANSACTION;",
        )
        .bind(("table", T::NAME))
        .bind(("id", id.to_string()))
        .bind(("owner_id", user.id.to_string()))
        .bind(("keep", i64::try_from(MAX_PER_USER - 1).unwrap_or(0)))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?;
    Ok(id)
}

/// The user's draft `id` (expired drafts are gone).
pub(crate) async fn get<T: Table, F: DeserializeOwned>(
    backend: &Backend,
    user: &User,
    id: &Id<T>,
) -> ServiceResult<F> {
    #[derive(SurrealValue)]
    struct Stored {
        form: String,
    }
    let stored: Option<Stored> = backend
        .store
        .db()
        .query(
            "SELECT form FROM ONLY type::record($table, $id)
              WHERE owner = type::record('user', $owner) AND expires_at > time::now()",
        )
        .bind(("table", T::NAME))
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let stored = stored.ok_or(ServiceError::NotFound)?;
    serde_json::from_str(&stored.form)
        .map_err(|e| StoreError::Corrupt(format!("draft {id} is unreadable: {e}")).into())
}

/// Replaces the user's draft `id` with `form` and extends its life.
pub(crate) async fn save<T: Table, F: Serialize>(
    backend: &Backend,
    user: &User,
    id: &Id<T>,
    form: &F,
) -> ServiceResult<()> {
    let saved: Vec<String> = backend
        .store
        .db()
        .query(
            "UPDATE type::record($table, $id)
                SET form = $form, updated_at = time::now(),
                    expires_at = time::now() + <duration> $lifetime
              WHERE owner = type::record('user', $owner) AND expires_at > time::now()
             RETURN VALUE record::id(id)",
        )
        .bind(("table", T::NAME))
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .bind(("form", encode(form)?))
        .bind(("lifetime", LIFETIME))
        .await?
        .check()?
        .take(0)?;
    if saved.is_empty() {
        Err(ServiceError::NotFound)
    } else {
        Ok(())
    }
}

/// Deletes the user's draft `id` (nothing when it is gone already).
pub(crate) async fn delete<T: Table>(
    backend: &Backend,
    user: &User,
    id: &Id<T>,
) -> ServiceResult<()> {
    backend
        .store
        .db()
        .query("DELETE type::record($table, $id) WHERE owner = type::record('user', $owner)")
        .bind(("table", T::NAME))
        .bind(("id", id.to_string()))
        .bind(("owner", user.id.to_string()))
        .await?
        .check()?;
    Ok(())
}

/// Deletes every expired draft of the table; failures are logged (the next call tries
/// again).
async fn purge_expired(backend: &Backend, table: &'static str) {
    let result = backend
        .store
        .db()
        .query("DELETE type::table($table) WHERE expires_at <= time::now()")
        .bind(("table", table))
        .await
        .and_then(|r| r.check());
    if let Err(error) = result {
        tracing::warn!(%error, table, "cannot delete expired drafts");
    }
}
