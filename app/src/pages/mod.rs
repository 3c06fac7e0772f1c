//! One module per page.

mod dashboard;
mod not_found;
mod settings;
mod templates;

pub use dashboard::DashboardPage;
pub use not_found::NotFoundPage;
pub use settings::SettingsPage;
pub use templates::TemplatesPage;
