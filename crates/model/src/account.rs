//! Users as the browser sees them.

use serde::{Deserialize, Serialize};

use crate::ids::UserId;

/// A signed-in user or a row of the user list. Never carries the password hash.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserView {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
    pub disabled: bool,
    /// RFC 3339, UTC.
    pub created_at: String,
}

/// What the pages need to know about the visitor.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Visitor {
    /// No account exists yet: the setup page is the only way in.
    FreshInstall,
    /// Accounts exist; this visitor is not signed in.
    Anonymous,
    SignedIn(UserView),
}
