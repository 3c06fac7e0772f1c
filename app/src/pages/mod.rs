//! One module per page.

mod account;
mod audit;
mod container;
pub(crate) mod dashboard;
mod job;
mod login;
mod nodes;
mod not_found;
mod settings;
mod setup;
mod templates;
mod users;
mod wizard;

pub use account::AccountPage;
pub use audit::AuditLogPage;
pub use container::ContainerPage;
pub use dashboard::DashboardPage;
pub use job::JobProgressPage;
pub use login::LoginPage;
pub use nodes::{AddNodePage, NodePage, NodesPage};
pub use not_found::NotFoundPage;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use templates::TemplatesPage;
pub use users::UsersPage;
pub use wizard::{WizardPage, WizardStartPage};
