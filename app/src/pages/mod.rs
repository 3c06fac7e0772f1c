//! One module per page, and how a page reads the typed ids in its URL.

mod account;
mod audit;
mod backups;
mod container;
pub(crate) mod dashboard;
mod history;
mod job;
mod jobs;
mod login;
mod logs;
mod nodes;
mod not_found;
mod resources;
mod services;
mod settings;
mod setup;
mod snapshots;
pub(crate) mod templates;
mod users;
mod wizard;

pub use account::AccountPage;
pub use audit::AuditLogPage;
pub use backups::BackupsSection;
pub use container::ContainerPage;
pub use dashboard::DashboardPage;
pub use history::{HistorySection, Subject};
pub use job::JobProgressPage;
pub use jobs::JobsPage;
pub use login::LoginPage;
pub use logs::LogsPage;
pub use nodes::{AddNodePage, NodePage, NodesPage};
pub use not_found::NotFoundPage;
pub use resources::ResourcesSection;
pub use services::{CredentialsPage, ServicesSection};
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use snapshots::SnapshotsSection;
pub use templates::{
    BucketsPage, EditTemplatePage, ImportTemplatesPage, NewTemplatePage, TemplatePage,
    TemplatesPage,
};
pub use users::UsersPage;
pub use wizard::{WizardPage, WizardStartPage};

/// The route parameter `name` (e.g. `:id`) as a typed id; `None` when the URL holds
/// something that cannot be one.
pub(crate) fn route_param<T: std::str::FromStr>(
    params: leptos::prelude::Memo<leptos_router::params::ParamsMap>,
    name: &str,
) -> Option<T> {
    use leptos::prelude::Read;
    params.read().get(name).and_then(|text| text.parse().ok())
}

/// Loads what a URL names, or answers "not found" at once for a malformed id (nothing
/// is asked of the server).
pub(crate) async fn load_named<Id, T>(
    id: Option<Id>,
    load: impl AsyncFnOnce(Id) -> Result<T, crate::error::AppError>,
) -> Result<T, crate::error::AppError> {
    match id {
        Some(id) => load(id).await,
        None => Err(crate::error::AppError::NotFound),
    }
}
