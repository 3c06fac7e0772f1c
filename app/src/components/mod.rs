//! Reusable pieces of pages.

mod chart;
mod container_fields;
mod copy;
mod forms;
mod lifecycle;
mod live_clock;
pub mod live_form;
mod server_facts;

pub use chart::HistoryChart;
pub use container_fields::{ContainerFields, FormTarget};
pub use copy::CopyButton;
pub use forms::{
    Field, FieldError, FormError, LoadFailed, NewPasswordFields, Notice, TestAndSaveButton,
    TrustCheckbox, TypedConfirmation, action_error, latest_outcome, live_marker, outcome_of,
};
pub use lifecycle::{LifecycleButtons, LifecycleTarget, dispatch_submit, lifecycle_submit};
pub use live_clock::LiveClock;
pub use live_form::LiveFieldErrors;
pub use server_facts::ServerFacts;
