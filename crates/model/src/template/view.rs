//! What the pages show of templates and buckets.

use serde::{Deserialize, Serialize};

use super::content::TemplateContent;
use super::kinds::TemplateSource;
use super::packages::PackageRef;
use crate::ids::{BucketId, TemplateId};

/// A row of the template list.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSummary {
    pub id: TemplateId,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub os_hint: Option<String>,
    pub source: TemplateSource,
    pub scripts: usize,
    /// Packages of its buckets and its own.
    pub packages: usize,
    pub files: usize,
    /// RFC 3339.
    pub updated_at: String,
}

/// One template with its buckets, as the detail page and the wizard see it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateView {
    pub id: TemplateId,
    pub content: TemplateContent,
    /// The buckets it selects (those still there), in its order.
    pub buckets: Vec<BucketView>,
    pub source: TemplateSource,
    /// Counts up with every change; a job records the revision it was made from.
    pub revision: u32,
    pub created_at: String,
    pub updated_at: String,
}

/// A package bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BucketView {
    pub id: BucketId,
    pub name: String,
    pub description: String,
    pub packages: Vec<PackageRef>,
    /// Names of the user's templates that select it.
    pub used_by: Vec<String>,
}

/// What a pasted or uploaded package list did to a bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ListImport {
    pub imported: usize,
    pub duplicates: usize,
}

impl ListImport {
    /// "Imported 12 packages, 3 duplicates skipped".
    pub fn describe(&self) -> String {
        let plural = |n: usize, word: &str| {
            if n == 1 {
                format!("{n} {word}")
            } else {
                format!("{n} {word}s")
            }
        };
        let mut text = format!("Imported {}", plural(self.imported, "package"));
        if self.duplicates > 0 {
            text.push_str(&format!(
                ", {} skipped",
                plural(self.duplicates, "duplicate")
            ));
        }
        text
    }
}

/// Where a template a job was made from: its id, name and revision then.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateRef {
    pub id: TemplateId,
    pub name: String,
    pub revision: u32,
}

/// What an import did: templates written, buckets made or extended, and what was left
/// out and why.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportReport {
    pub templates: Vec<ImportedTemplate>,
    pub buckets: Vec<ImportedBucket>,
    pub skipped: Vec<Skipped>,
}

/// A template an import wrote.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedTemplate {
    pub id: TemplateId,
    pub name: String,
    /// It existed (by name) and was replaced.
    pub updated: bool,
}

/// A bucket an import made or added packages to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ImportedBucket {
    pub name: String,
    pub created: bool,
    /// Packages it did not have before.
    pub added: usize,
}

/// A folder or file an import left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// The folder or file, as named in the archive.
    pub what: String,
    pub why: String,
}

impl ImportReport {
    /// "Imported 2 templates (1 updated); 1 skipped".
    pub fn describe(&self) -> String {
        let updated = self.templates.iter().filter(|t| t.updated).count();
        let mut text = format!(
            "Imported {} template{}",
            self.templates.len(),
            if self.templates.len() == 1 { "" } else { "s" }
        );
        if updated > 0 {
            text.push_str(&format!(" ({updated} updated)"));
        }
        if !self.skipped.is_empty() {
            text.push_str(&format!("; {} skipped", self.skipped.len()));
        }
        text
    }
}

/// A built-in starter template, as the list offers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StarterSummary {
    /// Its stable word (`nginx`), what adding it names.
    pub slug: String,
    pub name: String,
    pub description: String,
    pub tags: Vec<String>,
    pub os_hint: Option<String>,
    pub scripts: usize,
    pub packages: usize,
    pub files: usize,
}

/// The template list page: the user's templates matching the filters, every tag they
/// carry, and the starters on offer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateListing {
    pub templates: Vec<TemplateSummary>,
    pub tags: Vec<String>,
    pub starters: Vec<StarterSummary>,
    /// How many templates the user has, filters aside.
    pub total: usize,
}
