//! Template and bucket rows in the database: reading them by owner, and writing any
//! number of buckets and templates (with their scripts, files and packages) in one
//! transaction whose guards check that every record written or referenced is the owner's.

use model::ids::{BucketId, TemplateId};
use model::template::{
    FilePolicy, PackageManager, PackageRef, TemplateContent, TemplateFile, TemplateScript,
    TemplateSource,
};
use surrealdb::types::SurrealValue;

use crate::Backend;
use crate::accounts::User;
use crate::error::{ServiceError, ServiceResult};
use crate::store::{QueryFailure, StoreError, record_id};

/// What a guard throws when a record is missing or another user's.
const NOT_FOUND: &str = "not found";
/// What a guard throws when a template selects a bucket that is not the owner's.
const BUCKET_NOT_FOUND: &str = "bucket not found";

/// A script as stored.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct ScriptRow {
    pub position: i64,
    pub name: String,
    pub description: String,
    pub content: String,
    pub enabled: bool,
}

/// A file as stored.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct FileRow {
    pub position: i64,
    pub name: String,
    pub target_dir: String,
    pub policy: String,
    pub mode: i64,
    pub content: String,
}

/// A package as stored in a bucket.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct PackageRow {
    pub position: i64,
    pub manager: String,
    pub name: String,
    pub version: String,
}

/// A template row with its scripts and files.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct TemplateRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub os_hint: String,
    pub cores: i64,
    pub memory_mib: i64,
    pub swap_mib: i64,
    pub disk_gib: i64,
    pub storage: String,
    pub bridge: String,
    pub unprivileged: bool,
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub buckets: Vec<String>,
    pub packages: String,
    pub source: String,
    pub revision: i64,
    pub created_at: String,
    pub updated_at: String,
    pub scripts: Vec<ScriptRow>,
    pub files: Vec<FileRow>,
}

/// A bucket row with its packages and the names of the templates that select it.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct BucketRow {
    pub id: String,
    pub name: String,
    pub description: String,
    pub packages: Vec<PackageRow>,
    pub used_by: Vec<String>,
}

const TEMPLATE_VALUE: &str = "{ id: record::id(id), name: name, description: description, \
    tags: tags, os_hint: os_hint, cores: cores, memory_mib: memory_mib, swap_mib: swap_mib, \
    disk_gib: disk_gib, storage: storage, bridge: bridge, unprivileged: unprivileged, \
    nesting: nesting, keyctl: keyctl, fuse: fuse, \
    buckets: array::map(buckets, |$b| record::id($b)), packages: packages, source: source, \
    revision: revision, created_at: <string> created_at, updated_at: <string> updated_at, \
    scripts: (SELECT position, name, description, content, enabled FROM template_script \
        WHERE template = $parent.id ORDER BY position), \
    files: (SELECT position, name, target_dir, policy, mode, content FROM template_file \
        WHERE template = $parent.id ORDER BY position) }";

const BUCKET_VALUE: &str = "{ id: record::id(id), name: name, description: description, \
    packages: (SELECT position, manager, name, version FROM bucket_package \
        WHERE bucket = $parent.id ORDER BY position), \
    used_by: (SELECT VALUE name FROM template WHERE owner = $parent.owner \
        AND buckets CONTAINS $parent.id ORDER BY name) }";

fn number(value: i64) -> u32 {
    u32::try_from(value).unwrap_or(0)
}

fn optional(value: &str) -> Option<String> {
    (!value.is_empty()).then(|| value.to_owned())
}

fn corrupt(what: &str, detail: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("{what} is unreadable: {detail}"))
}

impl PackageRow {
    pub fn package(&self) -> Result<PackageRef, StoreError> {
        Ok(PackageRef {
            manager: PackageManager::parse(&self.manager)
                .ok_or_else(|| corrupt("a package's manager", &self.manager))?,
            name: self.name.clone(),
            version: optional(&self.version),
        })
    }
}

impl TemplateRow {
    pub fn id(&self) -> Result<TemplateId, StoreError> {
        record_id(&self.id)
    }

    /// The stored template as checked content.
    pub fn content(&self) -> Result<TemplateContent, StoreError> {
        let packages: Vec<PackageRef> = serde_json::from_str(&self.packages)
            .map_err(|e| corrupt(&format!("template {}'s packages", self.name), e))?;
        let files = self
            .files
            .iter()
            .map(|f| {
                Ok(TemplateFile {
                    name: f.name.clone(),
                    target_dir: f.target_dir.clone(),
                    policy: FilePolicy::parse(&f.policy)
                        .ok_or_else(|| corrupt("a file's policy", &f.policy))?,
                    mode: number(f.mode),
                    content: f.content.clone(),
                })
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        Ok(TemplateContent {
            name: self.name.clone(),
            description: self.description.clone(),
            tags: self.tags.clone(),
            os_hint: optional(&self.os_hint),
            cores: number(self.cores),
            memory_mib: number(self.memory_mib),
            swap_mib: number(self.swap_mib),
            disk_gib: number(self.disk_gib),
            storage: optional(&self.storage),
            bridge: optional(&self.bridge),
            unprivileged: self.unprivileged,
            nesting: self.nesting,
            keyctl: self.keyctl,
            fuse: self.fuse,
            scripts: self
                .scripts
                .iter()
                .map(|s| TemplateScript {
                    name: s.name.clone(),
                    description: s.description.clone(),
                    content: s.content.clone(),
                    enabled: s.enabled,
                })
                .collect(),
            files,
            buckets: self
                .buckets
                .iter()
                .map(|id| record_id(id))
                .collect::<Result<_, _>>()?,
            packages,
        })
    }

    pub fn source(&self) -> TemplateSource {
        TemplateSource::parse(&self.source)
    }

    pub fn revision(&self) -> u32 {
        number(self.revision)
    }
}

impl BucketRow {
    pub fn id(&self) -> Result<BucketId, StoreError> {
        record_id(&self.id)
    }

    pub fn packages(&self) -> Result<Vec<PackageRef>, StoreError> {
        self.packages.iter().map(PackageRow::package).collect()
    }
}

/// The user's template `id`; another user's is "not found".
pub(super) async fn load(
    backend: &Backend,
    owner: &User,
    id: &TemplateId,
) -> ServiceResult<TemplateRow> {
    let row: Option<TemplateRow> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {TEMPLATE_VALUE} FROM ONLY type::record('template', $id)
              WHERE owner = type::record('user', $owner)"
        ))
        .bind(("id", id.to_string()))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    row.ok_or(ServiceError::NotFound)
}

/// Every template of the user, by name.
pub(super) async fn load_all(backend: &Backend, owner: &User) -> ServiceResult<Vec<TemplateRow>> {
    let rows: Vec<TemplateRow> = backend
        .store
        .db()
        .query(format!(
            "SELECT * FROM (SELECT VALUE {TEMPLATE_VALUE} FROM template
               WHERE owner = type::record('user', $owner)) ORDER BY name"
        ))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(rows)
}

/// Every bucket of the user, by name.
pub(super) async fn load_buckets(backend: &Backend, owner: &User) -> ServiceResult<Vec<BucketRow>> {
    let rows: Vec<BucketRow> = backend
        .store
        .db()
        .query(format!(
            "SELECT * FROM (SELECT VALUE {BUCKET_VALUE} FROM bucket
               WHERE owner = type::record('user', $owner)) ORDER BY name"
        ))
        .bind(("owner", owner.id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(rows)
}

/// A bucket to write: created when `new`, otherwise renamed and, when `packages` is
/// `Some`, its packages replaced.
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct BucketWrite {
    pub id: String,
    pub new: bool,
    pub name: String,
    pub description: String,
    pub replace_packages: bool,
    pub packages: Vec<PackageRow>,
}

impl BucketWrite {
    pub fn new(id: &BucketId, new: bool, name: &str, description: &str) -> BucketWrite {
        BucketWrite {
            id: id.to_string(),
            new,
            name: name.to_owned(),
            description: description.to_owned(),
            replace_packages: false,
            packages: Vec::new(),
        }
    }

    /// Replaces the bucket's packages with `packages`, in order.
    pub fn with_packages(mut self, packages: &[PackageRef]) -> BucketWrite {
        self.replace_packages = true;
        self.packages = packages
            .iter()
            .zip(0..)
            .map(|(p, position)| PackageRow {
                position,
                manager: p.manager.as_str().to_owned(),
                name: p.name.clone(),
                version: p.version.clone().unwrap_or_default(),
            })
            .collect();
        self
    }
}

/// A template to write, with all its scripts and files (they replace the stored ones).
#[derive(Debug, Clone, SurrealValue)]
pub(super) struct TemplateWrite {
    pub id: String,
    pub new: bool,
    pub source: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub os_hint: String,
    pub cores: i64,
    pub memory_mib: i64,
    pub swap_mib: i64,
    pub disk_gib: i64,
    pub storage: String,
    pub bridge: String,
    pub unprivileged: bool,
    pub nesting: bool,
    pub keyctl: bool,
    pub fuse: bool,
    pub buckets: Vec<String>,
    pub packages: String,
    pub scripts: Vec<ScriptRow>,
    pub files: Vec<FileRow>,
}

impl TemplateWrite {
    pub fn new(
        id: &TemplateId,
        new: bool,
        source: TemplateSource,
        content: &TemplateContent,
    ) -> ServiceResult<TemplateWrite> {
        let packages = serde_json::to_string(&content.packages)
            .map_err(|e| ServiceError::Internal(format!("cannot store the packages: {e}")))?;
        Ok(TemplateWrite {
            id: id.to_string(),
            new,
            source: source.as_str().to_owned(),
            name: content.name.clone(),
            description: content.description.clone(),
            tags: content.tags.clone(),
            os_hint: content.os_hint.clone().unwrap_or_default(),
            cores: i64::from(content.cores),
            memory_mib: i64::from(content.memory_mib),
            swap_mib: i64::from(content.swap_mib),
            disk_gib: i64::from(content.disk_gib),
            storage: content.storage.clone().unwrap_or_default(),
            bridge: content.bridge.clone().unwrap_or_default(),
            unprivileged: content.unprivileged,
            nesting: content.nesting,
            keyctl: content.keyctl,
            fuse: content.fuse,
            buckets: content.buckets.iter().map(ToString::to_string).collect(),
            packages,
            scripts: content
                .scripts
                .iter()
                .zip(0..)
                .map(|(s, position)| ScriptRow {
                    position,
                    name: s.name.clone(),
                    description: s.description.clone(),
                    content: s.content.clone(),
                    enabled: s.enabled,
                })
                .collect(),
            files: content
                .files
                .iter()
                .zip(0..)
                .map(|(f, position)| FileRow {
                    position,
                    name: f.name.clone(),
                    target_dir: f.target_dir.clone(),
                    policy: f.policy.as_str().to_owned(),
                    mode: i64::from(f.mode),
                    content: f.content.clone(),
                })
                .collect(),
        })
    }
}

/// Writes `buckets`, then `templates`, for `owner` in one transaction. A record that is
/// not new must be the owner's, and so must every bucket a template selects; otherwise
/// nothing is written and the answer is "not found". A name another of the owner's
/// records has is a field error on `name`.
pub(super) async fn write(
    backend: &Backend,
    owner: &User,
    buckets: Vec<BucketWrite>,
    templates: Vec<TemplateWrite>,
) -> ServiceResult<()> {
    let mut response = backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $owner = type::record('user', $owner_id);
             FOR $b IN $buckets {
                 LET $rid = type::record('bucket', $b.id);
                 IF $b.new {
                     CREATE $rid CONTENT { owner: $owner, name: $b.name, description: $b.description };
                 } ELSE {
                     IF (SELECT VALUE owner FROM ONLY $rid) != $owner { THROW $not_found };
                     UPDATE $rid SET name = $b.name, description = $b.description,
                         updated_at = time::now();
                 };
                 IF $b.replace_packages {
                     DELETE bucket_package WHERE bucket = $rid;
                     FOR $p IN $b.packages {
                         CREATE bucket_package CONTENT { bucket: $rid, position: $p.position,
                             manager: $p.manager, name: $p.name, version: $p.version };
                     };
                 };
             };
             FOR $t IN $templates {
                 LET $rid = type::record('template', $t.id);
                 FOR $b IN $t.buckets {
                     IF (SELECT VALUE owner FROM ONLY type::record('bucket', $b)) != $owner {
                         THROW $bucket_not_found
                     };
                 };
                 LET $content = {
                     name: $t.name, description: $t.description, tags: $t.tags,
                     os_hint: $t.os_hint, cores: $t.cores, memory_mib: $t.memory_mib,
                     swap_mib: $t.swap_mib, disk_gib: $t.disk_gib, storage: $t.storage,
                     bridge: $t.bridge, unprivileged: $t.unprivileged, nesting: $t.nesting,
                     keyctl: $t.keyctl, fuse: $t.fuse, packages: $t.packages,
                     buckets: array::map($t.buckets, |$b| type::record('bucket', $b))
                 };
                 IF $t.new {
                     CREATE $rid CONTENT object::extend($content, { owner: $owner, source: $t.source });
                 } ELSE {
                     IF (SELECT VALUE owner FROM ONLY $rid) != $owner { THROW $not_found };
                     UPDATE $rid MERGE $content;
                     UPDATE $rid SET revision += 1, updated_at = time::now();
                 };
                 DELETE template_script WHERE template = $rid;
                 DELETE template_file WHERE template = $rid;
                 FOR $s IN $t.scripts {
                     CREATE template_script CONTENT object::extend($s, { template: $rid });
                 };
                 FOR $f IN $t.files {
                     CREATE template_file CONTENT object::extend($f, { template: $rid });
                 };
             };
             COMMIT TRANSACTION;",
        )
        .bind(("owner_id", owner.id.to_string()))
        .bind(("buckets", buckets))
        .bind(("templates", templates))
        .bind(("not_found", NOT_FOUND))
        .bind(("bucket_not_found", BUCKET_NOT_FOUND))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => Ok(()),
        Some(QueryFailure::Thrown(message)) if message == NOT_FOUND => Err(ServiceError::NotFound),
        Some(QueryFailure::Thrown(message)) if message == BUCKET_NOT_FOUND => {
            Err(ServiceError::field(
                "buckets",
                "a chosen bucket no longer exists; reload the page",
            ))
        }
        Some(QueryFailure::Duplicate { index }) if index.starts_with("bucket") => Err(
            ServiceError::field("name", "you already have a bucket with this name"),
        ),
        Some(QueryFailure::Duplicate { index }) if index.starts_with("template") => Err(
            ServiceError::field("name", "you already have a template with this name"),
        ),
        Some(other) => Err(StoreError::Query(other).into()),
    }
}

/// Deletes the user's template `id` with its scripts and files.
pub(super) async fn delete_template(
    backend: &Backend,
    owner: &User,
    id: &TemplateId,
) -> ServiceResult<()> {
    delete_guarded(
        backend,
        owner,
        "LET $rid = type::record('template', $id);
         IF (SELECT VALUE owner FROM ONLY $rid) != $owner { THROW $not_found };
         DELETE template_script WHERE template = $rid;
         DELETE template_file WHERE template = $rid;
         DELETE $rid;",
        id.to_string(),
    )
    .await
}

/// Deletes the user's bucket `id` with its packages, unless a template selects it.
pub(super) async fn delete_bucket(
    backend: &Backend,
    owner: &User,
    id: &BucketId,
) -> ServiceResult<()> {
    delete_guarded(
        backend,
        owner,
        "LET $rid = type::record('bucket', $id);
         IF (SELECT VALUE owner FROM ONLY $rid) != $owner { THROW $not_found };
         LET $users = (SELECT VALUE name FROM template WHERE owner = $owner AND buckets CONTAINS $rid);
         IF array::len($users) > 0 { THROW 'in use by ' + array::join($users, ', ') };
         DELETE bucket_package WHERE bucket = $rid;
         DELETE $rid;",
        id.to_string(),
    )
    .await
}

async fn delete_guarded(
    backend: &Backend,
    owner: &User,
    body: &str,
    id: String,
) -> ServiceResult<()> {
    let mut response = backend
        .store
        .db()
        .query(format!(
            "BEGIN TRANSACTION;
             LET $owner = type::record('user', $owner_id);
             {body}
             COMMIT TRANSACTION;"
        ))
        .bind(("id", id))
        .bind(("owner_id", owner.id.to_string()))
        .bind(("not_found", NOT_FOUND))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => Ok(()),
        Some(QueryFailure::Thrown(message)) if message == NOT_FOUND => Err(ServiceError::NotFound),
        Some(QueryFailure::Thrown(message)) => Err(ServiceError::Conflict(format!(
            "This bucket is {message}; remove it from those templates first."
        ))),
        Some(other) => Err(StoreError::Query(other).into()),
    }
}
