//! Importing template folders (an uploaded archive, a folder on disk, a starter) and
//! exporting a template as an archive. Everything is read and checked first; then the
//! good templates and their buckets are written in one transaction, so nothing is ever
//! half-imported. A template whose name the user already has is updated; buckets are
//! merged by name (packages they lack are added).

use std::path::Path;

use model::audit::AuditAction;
use model::ids::{BucketId, TemplateId};
use model::template::packages::MAX_BUCKET_PACKAGES;
use model::template::{
    BucketView, ImportReport, ImportedBucket, ImportedTemplate, PackageRef, Skipped, TemplateSource,
};

use super::archive::{self, ArchiveLimits, Entries};
use super::layout::{self, ReadTemplate};
use super::records::{self, BucketWrite, TemplateWrite};
use super::{MAX_TEMPLATES, buckets, free_name};
use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;

/// What to do when the user already has a template of the imported name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum SameName {
    /// Replace it (re-importing a repository).
    Update,
    /// Keep it and name the new one `Name (2)` (adding a starter twice).
    Rename,
}

/// Imports an uploaded `.tar.gz` or `.zip` of one or many template folders.
pub async fn import_archive(
    backend: &Backend,
    user: &User,
    bytes: &[u8],
    limits: ArchiveLimits,
) -> ServiceResult<ImportReport> {
    let entries = archive::read(bytes, limits)?;
    import_entries(
        backend,
        user,
        entries,
        TemplateSource::Import,
        SameName::Update,
    )
    .await
}

/// Imports every template folder under `dir` (`corral import-templates`).
pub async fn import_dir(backend: &Backend, user: &User, dir: &Path) -> ServiceResult<ImportReport> {
    let entries = archive::read_dir(dir, ArchiveLimits::default())?;
    import_entries(
        backend,
        user,
        entries,
        TemplateSource::Import,
        SameName::Update,
    )
    .await
}

/// Reads the template folders in `entries` and writes the good ones.
pub(super) async fn import_entries(
    backend: &Backend,
    user: &User,
    entries: Entries,
    source: TemplateSource,
    same_name: SameName,
) -> ServiceResult<ImportReport> {
    let (folders, outside) = archive::template_folders(entries);
    if folders.is_empty() {
        return Err(ServiceError::field(
            "archive",
            "no template folder found (a folder with a template.conf)",
        ));
    }
    let mut report = ImportReport::default();
    report
        .skipped
        .extend(outside.into_iter().map(|what| Skipped {
            what,
            why: "not inside a template folder".into(),
        }));
    let mut reads: Vec<ReadTemplate> = Vec::new();
    for (folder, files) in &folders {
        let shown = if folder.is_empty() {
            "(top level)"
        } else {
            folder
        };
        match layout::read(folder, files) {
            Ok(read) if reads.iter().any(|r| r.content.name == read.content.name) => {
                report.skipped.push(Skipped {
                    what: shown.into(),
                    why: format!("another folder also holds template {:?}", read.content.name),
                });
            }
            Ok(read) => {
                report.skipped.extend(read.ignored.iter().map(|path| {
                    Skipped {
                        what: format!("{folder}/{path}")
                            .trim_start_matches('/')
                            .to_owned(),
                        why: "not part of the template layout".into(),
                    }
                }));
                reads.push(read);
            }
            Err(why) => report.skipped.push(Skipped {
                what: shown.into(),
                why,
            }),
        }
    }
    write_reads(backend, user, reads, source, same_name, &mut report).await?;
    bound_skipped(&mut report.skipped);
    if !report.templates.is_empty() {
        audit::record(
            backend,
            Entry::ok(
                user,
                AuditAction::TemplateImport,
                Target::template(&names(&report.templates)),
            )
            .detail(report.describe()),
        )
        .await;
    }
    Ok(report)
}

/// Skipped entries a report lists at most (it is kept in the session until shown).
const MAX_SKIPPED_LISTED: usize = 200;

/// Cuts a long list of skipped entries, saying how many were left out.
fn bound_skipped(skipped: &mut Vec<Skipped>) {
    if skipped.len() > MAX_SKIPPED_LISTED {
        let more = skipped.len() - (MAX_SKIPPED_LISTED - 1);
        skipped.truncate(MAX_SKIPPED_LISTED - 1);
        skipped.push(Skipped {
            what: "…".into(),
            why: format!("{more} more entries skipped, not listed"),
        });
    }
}

fn names(templates: &[ImportedTemplate]) -> String {
    let shown: Vec<&str> = templates.iter().take(5).map(|t| t.name.as_str()).collect();
    let more = templates.len().saturating_sub(5);
    if more > 0 {
        format!("{} and {more} more", shown.join(", "))
    } else {
        shown.join(", ")
    }
}

/// Finds or makes the named buckets and writes the templates, all in one transaction.
async fn write_reads(
    backend: &Backend,
    user: &User,
    reads: Vec<ReadTemplate>,
    source: TemplateSource,
    same_name: SameName,
    report: &mut ImportReport,
) -> ServiceResult<()> {
    if reads.is_empty() {
        return Ok(());
    }
    let existing = records::load_all(backend, user).await?;
    let mut taken: Vec<String> = existing.iter().map(|t| t.name.clone()).collect();
    let new_count = reads
        .iter()
        .filter(|r| same_name == SameName::Rename || !taken.contains(&r.content.name))
        .count();
    if existing.len() + new_count > MAX_TEMPLATES {
        return Err(ServiceError::Conflict(format!(
            "This import would make more than {MAX_TEMPLATES} templates, the most one account keeps."
        )));
    }
    let mut plan = BucketPlan::new(buckets::list(backend, user).await?);
    let mut templates = Vec::new();
    for read in reads {
        let mut content = read.content;
        content.buckets = read
            .buckets
            .iter()
            .map(|(name, packages)| plan.merge(name, packages))
            .collect::<ServiceResult<_>>()?;
        let found = existing.iter().find(|t| t.name == content.name);
        let (id, new) = match (found, same_name) {
            (Some(row), SameName::Update) => (row.id()?, false),
            _ => {
                content.name = free_name(&content.name, &taken);
                (new_id::<model::ids::TemplateTable>(), true)
            }
        };
        taken.push(content.name.clone());
        templates.push(TemplateWrite::new(&id, new, source, &content)?);
        report.templates.push(ImportedTemplate {
            id,
            name: content.name,
            updated: !new,
        });
    }
    report.buckets = plan.report();
    records::write(backend, user, plan.writes(), templates).await
}

/// The buckets an import needs: the user's, extended, and new ones.
struct BucketPlan {
    buckets: Vec<PlannedBucket>,
}

struct PlannedBucket {
    id: BucketId,
    name: String,
    description: String,
    packages: Vec<PackageRef>,
    created: bool,
    added: usize,
}

impl BucketPlan {
    fn new(existing: Vec<BucketView>) -> BucketPlan {
        BucketPlan {
            buckets: existing
                .into_iter()
                .map(|b| PlannedBucket {
                    id: b.id,
                    name: b.name,
                    description: b.description,
                    packages: b.packages,
                    created: false,
                    added: 0,
                })
                .collect(),
        }
    }

    /// The id of bucket `name` once `packages` are in it.
    fn merge(&mut self, name: &str, packages: &[PackageRef]) -> ServiceResult<BucketId> {
        let at = match self.buckets.iter().position(|b| b.name == name) {
            Some(at) => at,
            None => {
                self.buckets.push(PlannedBucket {
                    id: new_id(),
                    name: name.to_owned(),
                    description: String::new(),
                    packages: Vec::new(),
                    created: true,
                    added: 0,
                });
                self.buckets.len() - 1
            }
        };
        let bucket = &mut self.buckets[at];
        for package in packages {
            let known = bucket
                .packages
                .iter()
                .any(|p| p.manager == package.manager && p.name == package.name);
            if !known {
                bucket.packages.push(package.clone());
                bucket.added += 1;
            }
        }
        if bucket.packages.len() > MAX_BUCKET_PACKAGES {
            return Err(ServiceError::field(
                "archive",
                format!("bucket {name} would hold more than {MAX_BUCKET_PACKAGES} packages"),
            ));
        }
        Ok(bucket.id.clone())
    }

    fn touched(&self) -> impl Iterator<Item = &PlannedBucket> {
        self.buckets.iter().filter(|b| b.created || b.added > 0)
    }

    fn writes(&self) -> Vec<BucketWrite> {
        self.touched()
            .map(|b| {
                BucketWrite::new(&b.id, b.created, &b.name, &b.description)
                    .with_packages(&b.packages)
            })
            .collect()
    }

    fn report(&self) -> Vec<ImportedBucket> {
        self.touched()
            .map(|b| ImportedBucket {
                name: b.name.clone(),
                created: b.created,
                added: b.added,
            })
            .collect()
    }
}

/// The user's template `id` as a `.tar.gz` of its folder: `(file name, bytes)`.
pub async fn export(
    backend: &Backend,
    user: &User,
    id: &TemplateId,
) -> ServiceResult<(String, Vec<u8>)> {
    let view = super::get(backend, user, id).await?;
    let folder = slug(&view.content.name);
    let files = layout::write(&view.content, &view.buckets);
    let bytes = archive::write_tar_gz(&[(folder.clone(), files)])?;
    Ok((format!("{folder}.tar.gz"), bytes))
}

/// A folder and file name for a template: lowercase letters, digits and hyphens.
fn slug(name: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.ends_with('-') {
            slug.push('-');
        }
    }
    let slug = slug.trim_matches('-');
    if slug.is_empty() {
        "template".into()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_skip_lists_are_cut() {
        let mut skipped: Vec<Skipped> = (0..1000)
            .map(|i| Skipped {
                what: format!("f{i}"),
                why: "x".into(),
            })
            .collect();
        bound_skipped(&mut skipped);
        assert_eq!(skipped.len(), MAX_SKIPPED_LISTED);
        assert_eq!(
            skipped[MAX_SKIPPED_LISTED - 1].why,
            "801 more entries skipped, not listed"
        );
    }

    #[test]
    fn slugs_are_plain() {
        assert_eq!(super::slug("Web server (nginx)"), "web-server-nginx");
        assert_eq!(super::slug("++"), "template");
    }
}
