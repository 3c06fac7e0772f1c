//! Reusable pieces of pages.

mod forms;
mod lifecycle;
mod live_clock;
mod server_facts;

pub use forms::{
    FieldError, FormError, LiveFieldErrors, NewPasswordFields, Notice, TestAndSaveButton,
    TypedConfirmation, action_error, live_marker,
};
pub use lifecycle::{LifecycleButtons, LifecycleTarget, lifecycle_submit};
pub use live_clock::LiveClock;
pub use server_facts::ServerFacts;
