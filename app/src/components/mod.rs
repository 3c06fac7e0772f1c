//! Reusable pieces of pages.

mod forms;
mod live_clock;
mod server_facts;

pub use forms::{
    FieldError, FormError, LiveFieldErrors, NewPasswordFields, Notice, TestAndSaveButton,
    action_error,
};
pub use live_clock::LiveClock;
pub use server_facts::ServerFacts;
