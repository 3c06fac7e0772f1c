//! Local accounts: first-run setup, sign-in, password changes, and user administration.

use model::account::{UserView, Visitor};
use model::ids::UserId;
use model::validate;
use surrealdb::types::SurrealValue;
use zeroize::Zeroizing;

use crate::Backend;
use crate::audit::{self, AuditAction, AuditOutcome, Entry, Target};
use crate::error::{ServiceError, ServiceResult};
use crate::ids::new_id;
use crate::store::{QueryFailure, StoreError, record_id};

/// A user as the services see it (the hash never leaves this module).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub username: String,
    pub is_admin: bool,
    pub disabled: bool,
    /// RFC 3339.
    pub created_at: String,
    /// Unix seconds; sessions signed in earlier are invalid.
    pub sessions_valid_after: i64,
}

impl User {
    /// The browser's view.
    pub fn view(&self) -> UserView {
        UserView {
            id: self.id.clone(),
            username: self.username.clone(),
            is_admin: self.is_admin,
            disabled: self.disabled,
            created_at: self.created_at.clone(),
        }
    }

    /// Refuses non-admins.
    pub fn require_admin(&self) -> ServiceResult<()> {
        if self.is_admin {
            Ok(())
        } else {
            Err(ServiceError::Forbidden(
                "only administrators may do this".into(),
            ))
        }
    }
}

/// A user row as read.
#[derive(Debug, SurrealValue)]
struct StoredUser {
    id: String,
    username: String,
    is_admin: bool,
    disabled: bool,
    created_at: String,
    sessions_valid_after: i64,
}

impl StoredUser {
    fn into_user(self) -> Result<User, StoreError> {
        Ok(User {
            id: record_id(&self.id)?,
            username: self.username,
            is_admin: self.is_admin,
            disabled: self.disabled,
            created_at: self.created_at,
            sessions_valid_after: self.sessions_valid_after,
        })
    }
}

/// A user row with its password hash (no `Debug`: the hash stays out of logs).
#[derive(SurrealValue)]
struct Credentials {
    user: StoredUser,
    password_hash: String,
}

/// A user record projected onto [`StoredUser`].
const USER_VALUE: &str = "{ id: record::id(id), username: username, is_admin: is_admin, \
     disabled: disabled, created_at: <string> created_at, \
     sessions_valid_after: time::unix(sessions_valid_after) }";

/// Whether any account exists (a fresh install has none and shows the setup page).
pub async fn any_user_exists(backend: &Backend) -> ServiceResult<bool> {
    let count: Option<i64> = backend
        .store
        .db()
        .query("RETURN count(SELECT id FROM user LIMIT 1)")
        .await?
        .check()?
        .take(0)?;
    Ok(count.unwrap_or(0) > 0)
}

/// What the pages need to know about a visitor: signed in, or whether any account
/// exists yet (a fresh install shows the setup page).
pub async fn visitor(backend: &Backend, signed_in: Option<&User>) -> ServiceResult<Visitor> {
    if let Some(user) = signed_in {
        return Ok(Visitor::SignedIn(user.view()));
    }
    Ok(if any_user_exists(backend).await? {
        Visitor::Anonymous
    } else {
        Visitor::FreshInstall
    })
}

/// Loads a user by id (`None` when there is no such account).
pub async fn find(backend: &Backend, id: &UserId) -> ServiceResult<Option<User>> {
    let user: Option<StoredUser> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {USER_VALUE} FROM ONLY type::record('user', $id)"
        ))
        .bind(("id", id.to_string()))
        .await?
        .check()?
        .take(0)?;
    Ok(user.map(StoredUser::into_user).transpose()?)
}

/// Loads a user by username (`None` when there is no such account); for maintenance
/// commands that name an account.
pub async fn find_by_username(backend: &Backend, username: &str) -> ServiceResult<Option<User>> {
    let user: Option<StoredUser> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {USER_VALUE} FROM ONLY user WHERE username = $name LIMIT 1"
        ))
        .bind(("name", username.trim().to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(user.map(StoredUser::into_user).transpose()?)
}

async fn find_credentials(backend: &Backend, username: &str) -> ServiceResult<Option<Credentials>> {
    let found: Option<Credentials> = backend
        .store
        .db()
        .query(format!(
            "SELECT {USER_VALUE} AS user, password_hash FROM ONLY user \
             WHERE username = $name LIMIT 1"
        ))
        .bind(("name", username.to_owned()))
        .await?
        .check()?
        .take(0)?;
    Ok(found)
}

async fn insert_user(
    backend: &Backend,
    username: &str,
    password: Zeroizing<String>,
    is_admin: bool,
    first_run: bool,
) -> ServiceResult<User> {
    let hash = backend.passwords.hash(password).await?;
    let id: UserId = new_id();
    let guard = if first_run {
        // Only one setup ever succeeds, also across replicas: the marker record clashes.
        "IF count(SELECT id FROM user LIMIT 1) > 0 { THROW 'setup is already done' };\
         CREATE setup:done;"
    } else {
        ""
    };
    let mut response = backend
        .store
        .db()
        .query(format!(
            "BEGIN TRANSACTION;
             {guard}
             CREATE type::record('user', $id) CONTENT {{
                 username: $username, password_hash: $hash, is_admin: $is_admin
             }};
             COMMIT TRANSACTION;"
        ))
        .bind(("id", id.to_string()))
        .bind(("username", username.to_owned()))
        .bind(("hash", hash))
        .bind(("is_admin", is_admin))
        .await?;
    match QueryFailure::of_response(&mut response) {
        None => {}
        // The guard's THROW, or the marker record of a setup that won a race.
        Some(QueryFailure::Thrown(_) | QueryFailure::RecordExists { .. }) if first_run => {
            return Err(ServiceError::Conflict(
                "setup is already done; sign in instead".into(),
            ));
        }
        Some(QueryFailure::Duplicate { .. }) => {
            return Err(ServiceError::field("username", "this username is taken"));
        }
        Some(other) => return Err(StoreError::Query(other).into()),
    }
    find(backend, &id)
        .await?
        .ok_or_else(|| ServiceError::Internal("the new user vanished".into()))
}

/// What first-run setup asks for.
pub struct SetupForm<'a> {
    /// The one-time code from the server log (or `corral setup-code`).
    pub setup_code: &'a str,
    pub username: &'a str,
    pub password: Zeroizing<String>,
    pub repeated: Zeroizing<String>,
}

/// First-run setup: creates the first account, an administrator, for whoever has the
/// setup code. Refused once any account exists; the code is spent.
pub async fn setup(
    backend: &Backend,
    form: SetupForm<'_>,
    client: Option<String>,
) -> ServiceResult<User> {
    let SetupForm {
        setup_code,
        username,
        password,
        repeated,
    } = form;
    if any_user_exists(backend).await? {
        return Err(ServiceError::Conflict(
            "setup is already done; sign in instead".into(),
        ));
    }
    if !backend.setup_code.matches(setup_code) {
        return Err(ServiceError::field(
            "setup_code",
            "this is not the setup code: find it in the server's log, or run: corral setup-code",
        ));
    }
    let username = validate::username("username", username)?;
    validate::new_password("password", &password, &repeated)?;
    let user = insert_user(backend, &username, password, true, true).await?;
    backend.setup_code.spend();
    audit::record(
        backend,
        Entry::ok(&user, AuditAction::Setup, Target::user(&user.username)).client(client),
    )
    .await;
    Ok(user)
}

/// The longest username a sign-in looks at (accounts have at most 64 characters).
pub const MAX_SIGN_IN_USERNAME: usize = 256;

/// The longest password a sign-in verifies (new passwords have at most 1,024).
pub const MAX_SIGN_IN_PASSWORD: usize = 4096;

/// Signs in: rate-limited, the same work whether or not the user exists, one message
/// for every failure. Rehashes the password when the stored parameters are outdated.
/// An oversized username or password is refused before anything else: nothing is
/// counted, hashed, stored or logged for it.
pub async fn login(
    backend: &Backend,
    username: &str,
    password: Zeroizing<String>,
    client: Option<String>,
) -> ServiceResult<User> {
    if username.len() > MAX_SIGN_IN_USERNAME || password.len() > MAX_SIGN_IN_PASSWORD {
        return Err(ServiceError::BadCredentials);
    }
    let username = username.trim();
    let shown_name = shown_username(username);
    let failed = |detail: &str| {
        Entry::anonymous(
            &shown_name,
            AuditAction::Login,
            Target::user(&shown_name),
            AuditOutcome::Failed,
        )
        .detail(detail)
        .client(client.clone())
    };
    if let Err(refused) = backend.login_limiter.check(&shown_name, client.as_deref()) {
        if refused.first_in_window {
            audit::record(
                backend,
                failed("rate limited (further refusals this minute are counted in one entry)"),
            )
            .await;
        }
        return Err(refused.error);
    }
    let found = if username.is_empty() || username.len() > 64 {
        None
    } else {
        find_credentials(backend, username).await?
    };
    let stored_hash = match &found {
        Some(credentials) => credentials.password_hash.clone(),
        None => backend.dummy_hash().await?,
    };
    let matches = backend
        .passwords
        .verify(stored_hash, password.clone())
        .await?;
    let found = match found {
        Some(credentials) => Some((credentials.user.into_user()?, credentials.password_hash)),
        None => None,
    };
    let user = match found {
        Some((user, hash)) if matches && !user.disabled => {
            if !backend.passwords.policy.matches(&hash) {
                rehash(backend, &user, password).await?;
            }
            user
        }
        Some((user, _)) if matches => {
            audit::record(backend, failed("account disabled").actor(&user)).await;
            return Err(ServiceError::BadCredentials);
        }
        _ => {
            audit::record(backend, failed("wrong username or password")).await;
            return Err(ServiceError::BadCredentials);
        }
    };
    audit::record(
        backend,
        Entry::ok(&user, AuditAction::Login, Target::user(&user.username)).client(client),
    )
    .await;
    Ok(user)
}

async fn rehash(backend: &Backend, user: &User, password: Zeroizing<String>) -> ServiceResult<()> {
    let hash = backend.passwords.hash(password).await?;
    backend
        .store
        .db()
        .query("UPDATE type::record('user', $id) SET password_hash = $hash")
        .bind(("id", user.id.to_string()))
        .bind(("hash", hash))
        .await?
        .check()?;
    tracing::info!(user = %user.username, "password rehashed with the current parameters");
    Ok(())
}

/// A username as the audit log shows it: at most 64 characters, no control characters.
fn shown_username(typed: &str) -> String {
    typed.chars().take(64).filter(|c| !c.is_control()).collect()
}

/// Audits the refusals the sign-in limiter counted instead of logging one by one.
pub async fn report_refusals(backend: &Backend, now: std::time::Instant) {
    for summary in backend.login_limiter.take_refusal_summaries(now) {
        let (username, client) = summary
            .first
            .unwrap_or_else(|| ("(several usernames)".to_owned(), None));
        let entry = Entry::anonymous(
            &username,
            AuditAction::Login,
            Target::user(&username),
            AuditOutcome::Failed,
        )
        .detail(format!(
            "rate limited: {} more attempts refused in the last minute",
            summary.more
        ))
        .client(client);
        audit::record(backend, entry).await;
    }
}

/// Records a sign-out.
pub async fn logout(backend: &Backend, user: &User, client: Option<String>) {
    audit::record(
        backend,
        Entry::ok(user, AuditAction::Logout, Target::user(&user.username)).client(client),
    )
    .await;
}

/// Changes the caller's password after checking the current one. Every other session of
/// this user ends, including those signed in during this second (the validity mark is
/// one second ahead; sessions are stamped in whole seconds); returns the new
/// `sessions_valid_after` for the caller's own session.
pub async fn change_password(
    backend: &Backend,
    user: &User,
    current: Zeroizing<String>,
    new: Zeroizing<String>,
    repeated: Zeroizing<String>,
) -> ServiceResult<i64> {
    if current.len() > MAX_SIGN_IN_PASSWORD {
        return Err(ServiceError::field(
            "current_password",
            "this is not your current password",
        ));
    }
    backend
        .login_limiter
        .check_password_change(&user.id.to_string())
        .map_err(|refused| refused.error)?;
    let Some(credentials) = find_credentials(backend, &user.username).await? else {
        return Err(ServiceError::NotFound);
    };
    if !backend
        .passwords
        .verify(credentials.password_hash, current)
        .await?
    {
        audit::record(
            backend,
            Entry::by(
                user,
                AuditAction::PasswordChange,
                Target::user(&user.username),
                AuditOutcome::Failed,
            )
            .detail("wrong current password"),
        )
        .await;
        return Err(ServiceError::field(
            "current_password",
            "this is not your current password",
        ));
    }
    validate::new_password("new_password", &new, &repeated)?;
    let hash = backend.passwords.hash(new).await?;
    let valid_after: Option<i64> = backend
        .store
        .db()
        .query(
            "UPDATE ONLY type::record('user', $id)
             SET password_hash = $hash, sessions_valid_after = time::now() + 1s
             RETURN VALUE time::unix(sessions_valid_after)",
        )
        .bind(("id", user.id.to_string()))
        .bind(("hash", hash))
        .await?
        .check()?
        .take(0)?;
    audit::record(
        backend,
        Entry::ok(
            user,
            AuditAction::PasswordChange,
            Target::user(&user.username),
        ),
    )
    .await;
    valid_after.ok_or(ServiceError::NotFound)
}

/// Every account, for administrators.
pub async fn list(backend: &Backend, admin: &User) -> ServiceResult<Vec<UserView>> {
    admin.require_admin()?;
    let users: Vec<StoredUser> = backend
        .store
        .db()
        .query(format!(
            "SELECT VALUE {USER_VALUE} FROM user ORDER BY username"
        ))
        .await?
        .check()?
        .take(0)?;
    users
        .into_iter()
        .map(|stored| Ok(stored.into_user()?.view()))
        .collect()
}

/// An administrator creates an account.
pub async fn create(
    backend: &Backend,
    admin: &User,
    username: &str,
    password: Zeroizing<String>,
    repeated: Zeroizing<String>,
    is_admin: bool,
) -> ServiceResult<User> {
    admin.require_admin()?;
    let username = validate::username("username", username)?;
    validate::new_password("password", &password, &repeated)?;
    let user = insert_user(backend, &username, password, is_admin, false).await?;
    let role = if is_admin { "administrator" } else { "user" };
    audit::record(
        backend,
        Entry::ok(admin, AuditAction::UserCreate, Target::user(&user.username)).detail(role),
    )
    .await;
    Ok(user)
}

async fn other_user(backend: &Backend, admin: &User, id: &UserId) -> ServiceResult<User> {
    admin.require_admin()?;
    let target = find(backend, id).await?.ok_or(ServiceError::NotFound)?;
    if target.id == admin.id {
        return Err(ServiceError::Conflict(
            "you cannot disable or delete your own account".into(),
        ));
    }
    Ok(target)
}

/// An administrator disables or re-enables another account. A disabled user's sessions
/// stop working at once.
pub async fn set_disabled(
    backend: &Backend,
    admin: &User,
    id: &UserId,
    disabled: bool,
) -> ServiceResult<UserView> {
    let target = other_user(backend, admin, id).await?;
    backend
        .store
        .db()
        .query("UPDATE type::record('user', $id) SET disabled = $disabled")
        .bind(("id", target.id.to_string()))
        .bind(("disabled", disabled))
        .await?
        .check()?;
    let action = if disabled {
        AuditAction::UserDisable
    } else {
        AuditAction::UserEnable
    };
    audit::record(
        backend,
        Entry::ok(admin, action, Target::user(&target.username)),
    )
    .await;
    Ok(find(backend, id)
        .await?
        .ok_or(ServiceError::NotFound)?
        .view())
}

/// An administrator deletes another account together with its nodes, templates, buckets
/// and drafts; `confirm` must repeat the username.
pub async fn delete(
    backend: &Backend,
    admin: &User,
    id: &UserId,
    confirm: &str,
) -> ServiceResult<()> {
    let target = other_user(backend, admin, id).await?;
    if confirm.trim() != target.username {
        return Err(ServiceError::field(
            "confirm",
            format!("type {} to confirm", target.username),
        ));
    }
    backend
        .store
        .db()
        .query(
            "BEGIN TRANSACTION;
             LET $user = type::record('user', $id);
             DELETE node WHERE owner = $user;
             DELETE template_script WHERE template.owner = $user;
             DELETE template_file WHERE template.owner = $user;
             DELETE template WHERE owner = $user;
             DELETE bucket_package WHERE bucket.owner = $user;
             DELETE bucket WHERE owner = $user;
             DELETE draft WHERE owner = $user;
             DELETE template_draft WHERE owner = $user;
             DELETE discovery WHERE owner = $user;
             DELETE $user;
             COMMIT TRANSACTION;",
        )
        .bind(("id", target.id.to_string()))
        .await?
        .check()?;
    backend.node_lists.changed();
    audit::record(
        backend,
        Entry::ok(
            admin,
            AuditAction::UserDelete,
            Target::user(&target.username),
        ),
    )
    .await;
    Ok(())
}
