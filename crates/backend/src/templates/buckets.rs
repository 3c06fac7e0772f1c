//! Package buckets: named, reusable package lists a template selects. A pasted list
//! (`.apt`, `.pip`, … file contents) is checked whole: one bad line and nothing is saved.

use model::audit::AuditAction;
use model::ids::BucketId;
use model::template::fields::{MAX_DESCRIPTION, bucket_name, text_content};
use model::template::packages::MAX_BUCKET_PACKAGES;
use model::template::{BucketView, ListImport, PackageManager, PackageRef, parse_list};

use super::records::{self, BucketWrite};
use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;

/// Buckets one user keeps at most.
pub const MAX_BUCKETS: usize = 200;

/// The user's buckets, by name, each with the templates that use it.
pub async fn list(backend: &Backend, user: &User) -> ServiceResult<Vec<BucketView>> {
    records::load_buckets(backend, user)
        .await?
        .iter()
        .map(|row| {
            Ok(BucketView {
                id: row.id()?,
                name: row.name.clone(),
                description: row.description.clone(),
                packages: row.packages()?,
                used_by: row.used_by.clone(),
            })
        })
        .collect()
}

/// The user's bucket `id`.
pub async fn get(backend: &Backend, user: &User, id: &BucketId) -> ServiceResult<BucketView> {
    list(backend, user)
        .await?
        .into_iter()
        .find(|b| &b.id == id)
        .ok_or(ServiceError::NotFound)
}

fn description(value: &str) -> ServiceResult<String> {
    Ok(text_content("description", value.trim(), MAX_DESCRIPTION)?)
}

/// Creates an empty bucket; its id.
pub async fn create(
    backend: &Backend,
    user: &User,
    name: &str,
    about: &str,
) -> ServiceResult<BucketId> {
    let name = bucket_name("name", name)?;
    let about = description(about)?;
    if list(backend, user).await?.len() >= MAX_BUCKETS {
        return Err(ServiceError::Conflict(format!(
            "You have {MAX_BUCKETS} buckets, the most one account keeps; delete some first."
        )));
    }
    let id: BucketId = new_id();
    records::write(
        backend,
        user,
        vec![BucketWrite::new(&id, true, &name, &about)],
        Vec::new(),
    )
    .await?;
    audit::record(
        backend,
        Entry::ok(user, AuditAction::BucketCreate, Target::bucket(&name)),
    )
    .await;
    Ok(id)
}

/// Renames the user's bucket `id` and changes its description.
pub async fn rename(
    backend: &Backend,
    user: &User,
    id: &BucketId,
    name: &str,
    about: &str,
) -> ServiceResult<()> {
    let name = bucket_name("name", name)?;
    let about = description(about)?;
    records::write(
        backend,
        user,
        vec![BucketWrite::new(id, false, &name, &about)],
        Vec::new(),
    )
    .await?;
    audit::record(
        backend,
        Entry::ok(user, AuditAction::BucketUpdate, Target::bucket(&name)),
    )
    .await;
    Ok(())
}

/// Deletes the user's bucket `id`; refused, naming them, while templates select it.
pub async fn delete(backend: &Backend, user: &User, id: &BucketId) -> ServiceResult<()> {
    let bucket = get(backend, user, id).await?;
    records::delete_bucket(backend, user, id).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::BucketDelete,
            Target::bucket(&bucket.name),
        ),
    )
    .await;
    Ok(())
}

/// Writes `packages` as the bucket's whole list.
async fn replace_packages(
    backend: &Backend,
    user: &User,
    bucket: &BucketView,
    packages: &[PackageRef],
    detail: String,
) -> ServiceResult<()> {
    if packages.len() > MAX_BUCKET_PACKAGES {
        return Err(ServiceError::field(
            "package",
            format!("a bucket holds at most {MAX_BUCKET_PACKAGES} packages"),
        ));
    }
    let write = BucketWrite::new(&bucket.id, false, &bucket.name, &bucket.description)
        .with_packages(packages);
    records::write(backend, user, vec![write], Vec::new()).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::BucketUpdate,
            Target::bucket(&bucket.name),
        )
        .detail(detail),
    )
    .await;
    Ok(())
}

fn parse_manager(word: &str) -> ServiceResult<PackageManager> {
    PackageManager::parse(word)
        .ok_or_else(|| ServiceError::field("manager", "choose apt, apk, dnf, pip or npm"))
}

/// Adds one package (`nginx`, `requests==2.31`) for `manager` to the bucket; a package
/// already there under that manager is replaced (its version may change).
pub async fn add_package(
    backend: &Backend,
    user: &User,
    id: &BucketId,
    manager: &str,
    spec: &str,
) -> ServiceResult<()> {
    let manager = parse_manager(manager)?;
    let package = PackageRef::parse(manager, spec)
        .map_err(|message| ServiceError::field("package", message))?;
    let bucket = get(backend, user, id).await?;
    let mut packages = bucket.packages.clone();
    match packages
        .iter_mut()
        .find(|p| p.manager == manager && p.name == package.name)
    {
        Some(existing) => *existing = package.clone(),
        None => packages.push(package.clone()),
    }
    let detail = format!("added {} {}", manager, package.spec());
    replace_packages(backend, user, &bucket, &packages, detail).await
}

/// Removes package `name` of `manager` from the bucket.
pub async fn remove_package(
    backend: &Backend,
    user: &User,
    id: &BucketId,
    manager: &str,
    name: &str,
) -> ServiceResult<()> {
    let manager = parse_manager(manager)?;
    let bucket = get(backend, user, id).await?;
    let mut packages = bucket.packages.clone();
    let before = packages.len();
    packages.retain(|p| !(p.manager == manager && p.name == name.trim()));
    if packages.len() == before {
        return Err(ServiceError::NotFound);
    }
    let detail = format!("removed {manager} {}", name.trim());
    replace_packages(backend, user, &bucket, &packages, detail).await
}

/// Adds every package of a pasted list for `manager` (`#` comments and blank lines
/// ignored). Packages already in the bucket and repeats count as duplicates; any line
/// that is not a package refuses the whole list, naming the lines.
pub async fn import_list(
    backend: &Backend,
    user: &User,
    id: &BucketId,
    manager: &str,
    text: &str,
) -> ServiceResult<ListImport> {
    let manager = parse_manager(manager)?;
    let list = parse_list(manager, text);
    if !list.invalid.is_empty() {
        let lines: Vec<String> = list
            .invalid
            .iter()
            .take(10)
            .map(|(line, text)| format!("line {line}: {text:?}"))
            .collect();
        let more = list.invalid.len().saturating_sub(10);
        let more = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        return Err(ServiceError::field(
            "list",
            format!(
                "not package names, nothing was imported: {}{more}",
                lines.join(", ")
            ),
        ));
    }
    let bucket = get(backend, user, id).await?;
    let mut packages = bucket.packages.clone();
    let mut report = ListImport {
        imported: 0,
        duplicates: list.duplicates,
    };
    for package in list.packages {
        if packages
            .iter()
            .any(|p| p.manager == manager && p.name == package.name)
        {
            report.duplicates += 1;
        } else {
            packages.push(package);
            report.imported += 1;
        }
    }
    replace_packages(backend, user, &bucket, &packages, report.describe()).await?;
    Ok(report)
}
