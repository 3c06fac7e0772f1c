//! Templates (PRODUCT.md §8): the user's recipes for new containers, their package
//! buckets, import and export in the folder layout, and the built-in starters.
//!
//! Everything belongs to one user: every read and write names the owner, and another
//! user's template or bucket is "not found", as for nodes.
//!
//! - [`records`]: rows, reads by owner, the one transaction that writes;
//! - [`buckets`]: package buckets and pasted package lists;
//! - [`layout`]: a template folder (`template.conf`, `container-configs/…`) to and from a
//!   template; [`archive`]: `.tar.gz` and `.zip` archives of such folders;
//! - [`import`]: checking a whole archive, then writing it in one transaction;
//! - [`starters`]: the built-in templates;
//! - [`drafts`]: the template form while it is edited.

mod archive;
pub mod buckets;
pub mod drafts;
pub mod import;
mod layout;
mod records;
pub mod starters;

use model::ids::TemplateId;
use model::template::{
    TemplateContent, TemplateForm, TemplateListing, TemplateSource, TemplateSummary, TemplateView,
};

pub use archive::ArchiveLimits;

use crate::Backend;
use crate::accounts::User;
use crate::audit::{self, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use model::audit::AuditAction;
use records::{TemplateRow, TemplateWrite};

/// Templates one user keeps at most.
pub const MAX_TEMPLATES: usize = 500;

/// The list's filters, as in the URL (`?q=web&tag=nginx`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TemplateQuery {
    /// Words that must all appear in the name, description, tags or OS hint.
    pub q: String,
    /// A tag the template must carry.
    pub tag: String,
}

/// The longest search and tag accepted.
const MAX_QUERY: usize = 256;

impl TemplateQuery {
    /// Refuses filters no template could match (and that would cost to compare).
    fn check(&self) -> ServiceResult<()> {
        for (field, value) in [("q", &self.q), ("tag", &self.tag)] {
            if value.chars().count() > MAX_QUERY {
                return Err(ServiceError::field(
                    field,
                    format!("at most {MAX_QUERY} characters"),
                ));
            }
        }
        Ok(())
    }

    fn matches(&self, summary: &TemplateSummary) -> bool {
        let tag = self.tag.trim().to_ascii_lowercase();
        if !tag.is_empty() && !summary.tags.contains(&tag) {
            return false;
        }
        let haystack = format!(
            "{} {} {} {}",
            summary.name,
            summary.description,
            summary.tags.join(" "),
            summary.os_hint.as_deref().unwrap_or("")
        )
        .to_lowercase();
        self.q
            .split_whitespace()
            .all(|word| haystack.contains(&word.to_lowercase()))
    }
}

impl TemplateRow {
    fn summary(&self, bucket_sizes: &[(String, usize)]) -> ServiceResult<TemplateSummary> {
        let content = self.content()?;
        let bucket_packages: usize = self
            .buckets
            .iter()
            .filter_map(|id| bucket_sizes.iter().find(|(b, _)| b == id).map(|(_, n)| n))
            .sum();
        Ok(TemplateSummary {
            id: self.id()?,
            name: content.name,
            description: content.description,
            tags: content.tags,
            os_hint: content.os_hint,
            source: self.source(),
            scripts: content.scripts.len(),
            packages: content.packages.len() + bucket_packages,
            files: content.files.len(),
            updated_at: self.updated_at.clone(),
        })
    }
}

/// The user's templates matching `query`, by name (case aside).
pub async fn list(
    backend: &Backend,
    user: &User,
    query: &TemplateQuery,
) -> ServiceResult<Vec<TemplateSummary>> {
    query.check()?;
    let rows = records::load_all(backend, user).await?;
    let sizes: Vec<(String, usize)> = records::load_buckets(backend, user)
        .await?
        .iter()
        .map(|b| (b.id.clone(), b.packages.len()))
        .collect();
    let mut summaries = Vec::with_capacity(rows.len());
    for row in &rows {
        let summary = row.summary(&sizes)?;
        if query.matches(&summary) {
            summaries.push(summary);
        }
    }
    summaries.sort_by_key(|s| s.name.to_lowercase());
    Ok(summaries)
}

/// The list page: the templates matching `query`, every tag, the starters.
pub async fn listing(
    backend: &Backend,
    user: &User,
    query: &TemplateQuery,
) -> ServiceResult<TemplateListing> {
    query.check()?;
    let all = list(backend, user, &TemplateQuery::default()).await?;
    let mut tags: Vec<String> = all.iter().flat_map(|t| t.tags.clone()).collect();
    tags.sort();
    tags.dedup();
    let total = all.len();
    Ok(TemplateListing {
        templates: all.into_iter().filter(|t| query.matches(t)).collect(),
        tags,
        starters: starters::catalogue(),
        total,
    })
}

/// The user's template `id` with its buckets.
pub async fn get(backend: &Backend, user: &User, id: &TemplateId) -> ServiceResult<TemplateView> {
    let row = records::load(backend, user, id).await?;
    let content = row.content()?;
    let all = buckets::list(backend, user).await?;
    let buckets = content
        .buckets
        .iter()
        .filter_map(|id| all.iter().find(|b| &b.id == id).cloned())
        .collect();
    Ok(TemplateView {
        id: row.id()?,
        content,
        buckets,
        source: row.source(),
        revision: row.revision(),
        created_at: row.created_at.clone(),
        updated_at: row.updated_at.clone(),
    })
}

/// Stores a new template for `user` from `content`; its id.
pub(crate) async fn insert(
    backend: &Backend,
    user: &User,
    content: &TemplateContent,
    source: TemplateSource,
) -> ServiceResult<TemplateId> {
    let count = records::load_all(backend, user).await?.len();
    if count >= MAX_TEMPLATES {
        return Err(ServiceError::Conflict(format!(
            "You have {MAX_TEMPLATES} templates, the most one account keeps; delete some first."
        )));
    }
    let id: TemplateId = new_id();
    let write = TemplateWrite::new(&id, true, source, content)?;
    records::write(backend, user, Vec::new(), vec![write]).await?;
    Ok(id)
}

/// Creates a template from the form (checked again here); its id.
pub async fn create(
    backend: &Backend,
    user: &User,
    form: &TemplateForm,
) -> ServiceResult<TemplateId> {
    let content = form.validate()?;
    let id = insert(backend, user, &content, TemplateSource::User).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::TemplateCreate,
            Target::template(&content.name),
        ),
    )
    .await;
    Ok(id)
}

/// Replaces the user's template `id` with the form's values (its revision counts up).
pub async fn update(
    backend: &Backend,
    user: &User,
    id: &TemplateId,
    form: &TemplateForm,
) -> ServiceResult<()> {
    let content = form.validate()?;
    let stored = records::load(backend, user, id).await?;
    let write = TemplateWrite::new(id, false, stored.source(), &content)?;
    records::write(backend, user, Vec::new(), vec![write]).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::TemplateUpdate,
            Target::template(&content.name),
        ),
    )
    .await;
    Ok(())
}

/// A name not yet taken among `taken`: `base`, else `base (2)`, `base (3)`, ….
pub(crate) fn free_name(base: &str, taken: &[String]) -> String {
    if !taken.iter().any(|t| t == base) {
        return base.to_owned();
    }
    (2..)
        .map(|n| {
            let suffix = format!(" ({n})");
            let stem: String = base.chars().take(64 - suffix.len()).collect();
            format!("{}{suffix}", stem.trim_end())
        })
        .find(|name| !taken.iter().any(|t| t == name))
        .unwrap_or_else(|| base.to_owned())
}

/// Copies the user's template `id` as "Copy of …"; the copy's id.
pub async fn duplicate(
    backend: &Backend,
    user: &User,
    id: &TemplateId,
) -> ServiceResult<TemplateId> {
    let mut content = records::load(backend, user, id).await?.content()?;
    let taken: Vec<String> = records::load_all(backend, user)
        .await?
        .into_iter()
        .map(|row| row.name)
        .collect();
    let base: String = format!("Copy of {}", content.name)
        .chars()
        .take(64)
        .collect();
    content.name = free_name(base.trim_end(), &taken);
    let copy = insert(backend, user, &content, TemplateSource::User).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::TemplateCreate,
            Target::template(&content.name),
        )
        .detail("duplicated"),
    )
    .await;
    Ok(copy)
}

/// Deletes the user's template `id`; `confirm` must repeat its name.
pub async fn delete(
    backend: &Backend,
    user: &User,
    id: &TemplateId,
    confirm: &str,
) -> ServiceResult<()> {
    let row = records::load(backend, user, id).await?;
    if confirm.trim() != row.name {
        return Err(ServiceError::field(
            "confirm",
            format!("type {} to confirm", row.name),
        ));
    }
    records::delete_template(backend, user, id).await?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::TemplateDelete,
            Target::template(&row.name),
        ),
    )
    .await;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn free_names_count_up() {
        let taken = vec!["Web".to_owned(), "Web (2)".to_owned()];
        assert_eq!(free_name("Web", &taken), "Web (3)");
        assert_eq!(free_name("Db", &taken), "Db");
        let long = "x".repeat(64);
        assert_eq!(free_name(&long, std::slice::from_ref(&long)).len(), 64);
    }
}
