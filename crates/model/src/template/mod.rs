//! Container templates (PRODUCT.md §8): a tested recipe of size, network hints, features,
//! packages (from reusable buckets and its own), ordered scripts and configuration files.
//!
//! - [`kinds`]: package managers, file policies, where a template came from;
//! - [`packages`]: package names and versions per manager, package list files;
//! - [`fields`]: checks of names, OS hints, target directories and modes, and bounds;
//! - [`content`]: the checked template ([`TemplateContent`]);
//! - [`form`]: the form as typed ([`TemplateForm`]) and its buttons ([`FormEdit`]);
//! - [`view`]: what the pages show.

pub mod content;
pub mod fields;
pub mod form;
pub mod kinds;
pub mod packages;
pub mod view;

pub use content::{TemplateContent, TemplateFile, TemplateScript};
pub use form::{
    FormEdit, TemplateDraft, TemplateFileForm, TemplateForm, TemplateScriptForm, own_packages,
};
pub use kinds::{FilePolicy, PackageManager, TemplateSource};
pub use packages::{PackageList, PackageRef, parse_list};
pub use view::{
    BucketView, ImportReport, ImportedBucket, ImportedTemplate, ListImport, Skipped,
    StarterSummary, TemplateListing, TemplateRef, TemplateSummary, TemplateView,
};
