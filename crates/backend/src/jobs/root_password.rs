//! A job's root password: generated when the job is created, sealed to
//! `job:<id>:root_password`, read by the runner for the create call, and shown to the
//! owner exactly once after success (erased as it is read).

use model::ids::JobId;
use model::job::JobState;
use surrealdb::types::SurrealValue;
use zeroize::Zeroizing;

use super::record::owned;
use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::vault::Binding;

/// Length of generated root passwords.
const CHARS: usize = 24;

pub(super) fn binding(job_id: &str) -> Binding<'_> {
    Binding {
        table: "job",
        record: job_id,
        field: "root_password",
    }
}

/// A root password of 24 letters and digits without look-alikes (about 140 bits).
pub(super) fn generate() -> Zeroizing<String> {
    const ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";
    Zeroizing::new(crate::ids::random_text(ALPHABET, CHARS))
}

fn open(backend: &Backend, job_id: &JobId, sealed: &str) -> ServiceResult<Zeroizing<String>> {
    let plain = backend.keys.open(&binding(job_id.as_str()), sealed)?;
    Ok(Zeroizing::new(String::from_utf8_lossy(&plain).into_owned()))
}

/// The root password of a job that succeeded, exactly once: it is erased as it is read.
pub async fn reveal(
    backend: &Backend,
    user: &User,
    job_id: &JobId,
) -> ServiceResult<Option<Zeroizing<String>>> {
    let job = owned(backend, user, job_id).await?;
    if job.state() != JobState::Succeeded {
        return Ok(None);
    }
    let sealed: Option<String> = backend
        .store
        .db()
        .query(
            "LET $before = (UPDATE type::record('job', $id) SET root_password = NONE
                 WHERE root_password != NONE RETURN BEFORE)[0];
             RETURN $before.root_password;",
        )
        .bind(("id", job_id.to_string()))
        .await?
        .check()?
        .take(1)?;
    sealed
        .map(|sealed| open(backend, job_id, &sealed))
        .transpose()
}

/// The root password for the create call (runner use; not erased).
pub(crate) async fn for_create(
    backend: &Backend,
    job_id: &JobId,
) -> ServiceResult<Zeroizing<String>> {
    let sealed: Option<String> = backend
        .store
        .db()
        .query("RETURN (SELECT VALUE root_password FROM ONLY type::record('job', $id))")
        .bind(("id", job_id.to_string()))
        .await?
        .check()?
        .take(0)?;
    let sealed =
        sealed.ok_or_else(|| ServiceError::Internal("the job has no root password".into()))?;
    open(backend, job_id, &sealed)
}

/// Reseals every stored root password not yet sealed with the current key (see
/// `nodes::reseal_all`); returns how many.
pub async fn reseal_all(backend: &Backend) -> ServiceResult<usize> {
    #[derive(SurrealValue)]
    struct Sealed {
        id: String,
        root_password: String,
    }
    let rows: Vec<Sealed> = backend
        .store
        .db()
        .query("SELECT record::id(id) AS id, root_password FROM job WHERE root_password != NONE")
        .await?
        .check()?
        .take(0)?;
    let mut count = 0;
    for row in rows {
        if !backend.keys.is_stale(&row.root_password)? {
            continue;
        }
        let resealed = backend.keys.reseal(&binding(&row.id), &row.root_password)?;
        backend
            .store
            .db()
            .query("UPDATE type::record('job', $id) SET root_password = $sealed")
            .bind(("id", row.id.clone()))
            .bind(("sealed", resealed))
            .await?
            .check()?;
        count += 1;
    }
    Ok(count)
}
