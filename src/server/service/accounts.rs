//! Accounts through the service: the first administrator, users, logins with throttling,
//! sessions and API tokens, and who a presented secret stands for. Every change is audited.

use super::{Service, ServiceError};
use crate::core::account::{self, Actor, NewPassword, Role, Username};
use crate::server::store::accounts::{self as store, AuditEntry, NewUser, TokenView, UserView};
use chrono::{Duration, Utc};

/// How long a login session lasts.
pub const SESSION_HOURS: i64 = 12;
/// The longest an API token may live.
pub const MAX_TOKEN_DAYS: i64 = 366;

/// A user to create, as an administrator (or `fairtender user add`) gives it.
#[derive(Debug, Clone, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UserRequest {
    pub username: String,
    #[serde(default)]
    pub display_name: Option<String>,
    /// officer | reviewer | inspector | admin (or the Chinese name).
    pub role: String,
    /// An officer's agency, or a reviewer's assigned agencies.
    #[serde(default)]
    pub agencies: Vec<String>,
    /// Omitted: a one-time password is generated and returned once; it must be changed at
    /// the first login either way.
    #[serde(default)]
    pub password: Option<String>,
}

/// A created user and, if the service generated it, the one-time password (shown once).
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct CreatedUser {
    pub user: UserView,
    pub one_time_password: Option<String>,
}

/// A successful login: the session secret (for the cookie) and who logged in.
#[derive(Debug, Clone)]
pub struct Session {
    pub secret: String,
    pub actor: Actor,
    pub expires_at: chrono::DateTime<Utc>,
}

/// A new API token: the secret is returned once.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct IssuedToken {
    pub token: String,
    #[serde(flatten)]
    pub view: TokenView,
}

/// The longest agency name accepted.
const MAX_AGENCY: usize = 200;

impl Service {
    /// On the first start of an empty database: creates `admin` with a one-time password and
    /// returns it (the caller prints it once). `None` when users exist.
    pub async fn ensure_first_admin(&self) -> Result<Option<String>, ServiceError> {
        if self.read_only || store::user_count(self.store.db()).await? > 0 {
            return Ok(None);
        }
        let req = UserRequest {
            username: "admin".into(),
            display_name: Some("系统管理员".into()),
            role: "admin".into(),
            agencies: vec![],
            password: None,
        };
        match self.create_user(&Actor::operator(), &req).await {
            Ok(c) => Ok(c.one_time_password),
            // Another instance created it first.
            Err(ServiceError::Store(crate::server::store::StoreError::DuplicateUser(_))) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Creates a user (administrators only). The password (given or generated) must be
    /// changed at the first login.
    pub async fn create_user(&self, by: &Actor, req: &UserRequest) -> Result<CreatedUser, ServiceError> {
        self.create_user_as(by, req, true).await
    }

    /// Creates a demo user whose README-listed password stays valid (`serve --demo` only).
    pub(crate) async fn create_demo_user(&self, req: &UserRequest) -> Result<CreatedUser, ServiceError> {
        self.create_user_as(&Actor::operator(), req, false).await
    }

    async fn create_user_as(&self, by: &Actor, req: &UserRequest, must_change: bool) -> Result<CreatedUser, ServiceError> {
        require(by, account::Permission::Administer)?;
        let username = Username::parse(&req.username)?;
        let role = Role::parse(&req.role)
            .ok_or_else(|| ServiceError::Invalid(format!("角色应为：{}", Role::labels_zh())))?;
        let agencies: Vec<String> =
            req.agencies.iter().map(|a| a.trim().to_string()).filter(|a| !a.is_empty()).collect();
        if agencies.iter().any(|a| a.chars().count() > MAX_AGENCY) {
            return Err(ServiceError::Invalid(format!("机构名称最长 {MAX_AGENCY} 个字")));
        }
        match role {
            Role::Officer if agencies.len() != 1 => {
                return Err(ServiceError::Invalid("采购人员须属于且仅属于一个机构（agencies 填一个）".into()))
            }
            Role::Reviewer if agencies.is_empty() => {
                return Err(ServiceError::Invalid("审查人员须至少分配一个机构".into()))
            }
            Role::Inspector | Role::Admin if !agencies.is_empty() => {
                return Err(ServiceError::Invalid("监督检查人员和管理员不属于具体机构，agencies 应为空".into()))
            }
            _ => {}
        }
        let (password, generated) = match &req.password {
            Some(p) => (p.clone(), None),
            None => {
                let p = account::one_time_password();
                (p.clone(), Some(p))
            }
        };
        let hash = hash_blocking(NewPassword::parse(&password)?).await?;
        let display_name: String = req.display_name.clone().map(|d| d.trim().chars().take(64).collect()).unwrap_or_default();
        let new = NewUser {
            display_name: if display_name.is_empty() { username.as_str().to_string() } else { display_name },
            username,
            role,
            agencies,
            password_hash: hash,
            must_change_password: must_change,
        };
        let _turn = self.store.write_turn().await;
        let user = store::create_user(self.store.db(), &new).await?;
        let mut e = AuditEntry::new(by, "user.create", "user", user.id);
        e.after = Some(serde_json::json!({"username": user.username, "role": user.role, "agencies": user.agencies}));
        store::append(self.store.db(), e).await?;
        Ok(CreatedUser { user, one_time_password: generated })
    }

    /// Every user (administrators only).
    pub async fn users(&self, by: &Actor) -> Result<Vec<UserView>, ServiceError> {
        require(by, account::Permission::Administer)?;
        Ok(store::users(self.store.db()).await?)
    }

    /// The user named `username` (for the CLI, which names users).
    pub async fn user_named(&self, by: &Actor, username: &str) -> Result<UserView, ServiceError> {
        require(by, account::Permission::Administer)?;
        let name = Username::parse(username)?;
        match store::user_for_login(self.store.db(), name.as_str()).await? {
            Some((u, _)) => Ok(u),
            None => Err(crate::server::store::StoreError::NotFound(crate::server::store::Missing::User).into()),
        }
    }

    /// Disables or re-enables a user; disabling ends their sessions and revokes their tokens.
    pub async fn set_user_disabled(&self, by: &Actor, user_id: i64, disabled: bool) -> Result<UserView, ServiceError> {
        require(by, account::Permission::Administer)?;
        if by.user_id == Some(user_id) && disabled {
            return Err(ServiceError::Invalid("不能停用自己的账号".into()));
        }
        let _turn = self.store.write_turn().await;
        let before = store::user(self.store.db(), user_id).await?;
        let after = store::set_disabled(self.store.db(), user_id, disabled).await?;
        let mut e = AuditEntry::new(by, if disabled { "user.disable" } else { "user.enable" }, "user", user_id);
        e.before = Some(serde_json::json!({"disabled": before.disabled}));
        e.after = Some(serde_json::json!({"disabled": after.disabled}));
        store::append(self.store.db(), e).await?;
        Ok(after)
    }

    /// Resets a user's password to a new one-time password (returned once).
    pub async fn reset_password(&self, by: &Actor, user_id: i64) -> Result<String, ServiceError> {
        require(by, account::Permission::Administer)?;
        let otp = account::one_time_password();
        let hash = hash_blocking(NewPassword::parse(&otp)?).await?;
        let _turn = self.store.write_turn().await;
        store::user(self.store.db(), user_id).await?;
        store::set_password(self.store.db(), user_id, &hash, true).await?;
        store::revoke_all(self.store.db(), user_id).await?;
        store::append(self.store.db(), AuditEntry::new(by, "user.reset_password", "user", user_id)).await?;
        Ok(otp)
    }

    /// Logs in: checks the throttle, then the password. A failure is recorded and audited
    /// (the message never says whether the username exists).
    pub async fn login(&self, username: &str, password: &str, address: &str) -> Result<Session, ServiceError> {
        let name = username.trim().to_ascii_lowercase();
        let since = Utc::now() - Duration::minutes(account::THROTTLE_WINDOW_MINUTES);
        let (by_user, by_address) = store::failures_since(self.store.db(), &name, address, since).await?;
        if by_user >= account::MAX_FAILURES_PER_ACCOUNT || by_address >= account::MAX_FAILURES_PER_ADDRESS {
            return Err(ServiceError::LoginThrottled { retry_after_secs: account::THROTTLE_WINDOW_MINUTES as u64 * 60 });
        }
        let found = store::user_for_login(self.store.db(), &name).await?;
        // Verify against a fixed hash when the user is unknown, so timing does not tell.
        let (user, hash) = match found {
            Some((u, h)) => (Some(u), h),
            None => (None, String::new()),
        };
        let pw = password.to_string();
        let ok = tokio::task::spawn_blocking(move || {
            let hash = if hash.is_empty() { dummy_hash().to_string() } else { hash };
            account::verify_password(&pw, &hash)
        })
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?;
        let user = match user {
            Some(u) if ok && !u.disabled => u,
            _ => {
                let turn = self.store.write_turn().await;
                store::record_failure(self.store.db(), &name, address).await?;
                let mut e = AuditEntry::new(&Actor::operator(), "login.failed", "user", &name);
                e.actor = name.chars().take(64).collect();
                e.actor_id = None;
                e.after = Some(serde_json::json!({"address": address}));
                store::append(self.store.db(), e).await?;
                // The write turn is released before the delay: a failed login must not hold up
                // every other writer (uploads, decisions) while it waits.
                drop(turn);
                // A little delay on every failure slows guessing down further.
                tokio::time::sleep(std::time::Duration::from_millis(200 * (by_user + 1).min(5))).await;
                return Err(ServiceError::BadCredentials);
            }
        };
        let secret = account::new_secret("ft_s_");
        let expires_at = Utc::now() + Duration::hours(SESSION_HOURS);
        let _turn = self.store.write_turn().await;
        store::clear_failures(self.store.db(), &name).await?;
        store::insert_token(self.store.db(), user.id, store::SESSION, &account::secret_hash(&secret), "login", expires_at).await?;
        let actor = Actor {
            user_id: Some(user.id),
            username: user.username.clone(),
            display_name: user.display_name.clone(),
            role: user.role,
            agencies: user.agencies.clone(),
            must_change_password: user.must_change_password,
        };
        store::append(self.store.db(), AuditEntry::new(&actor, "login", "user", user.id)).await?;
        Ok(Session { secret, actor, expires_at })
    }

    /// Ends the session (or revokes the token) the secret belongs to.
    pub async fn logout(&self, secret: &str) -> Result<(), ServiceError> {
        let _turn = self.store.write_turn().await;
        store::revoke_token_hash(self.store.db(), &account::secret_hash(secret)).await?;
        Ok(())
    }

    /// Who a session cookie or bearer token stands for (`None`: unknown, expired, revoked or
    /// the user is disabled).
    pub async fn authenticate(&self, secret: &str) -> Result<Option<Actor>, ServiceError> {
        if secret.len() > 128 {
            return Ok(None);
        }
        Ok(store::actor_for_token(self.store.db(), &account::secret_hash(secret)).await?)
    }

    /// Changes the actor's own password (required after a one-time password).
    pub async fn change_password(&self, by: &Actor, old: &str, new: &str) -> Result<(), ServiceError> {
        let Some(id) = by.user_id else { return Err(ServiceError::Invalid("本机操作员没有密码".into())) };
        let (_, hash) = store::user_for_login(self.store.db(), &by.username)
            .await?
            .ok_or(crate::server::store::StoreError::NotFound(crate::server::store::Missing::User))?;
        let old_pw = old.to_string();
        let ok = tokio::task::spawn_blocking(move || account::verify_password(&old_pw, &hash))
            .await
            .map_err(|e| ServiceError::Task(e.to_string()))?;
        if !ok {
            return Err(ServiceError::BadCredentials);
        }
        if old == new {
            return Err(ServiceError::Invalid("新密码不能与原密码相同".into()));
        }
        let hash = hash_blocking(NewPassword::parse(new)?).await?;
        let _turn = self.store.write_turn().await;
        store::set_password(self.store.db(), id, &hash, false).await?;
        store::append(self.store.db(), AuditEntry::new(by, "user.change_password", "user", id)).await?;
        Ok(())
    }

    /// Issues an API token for a user (administrators only); the secret is returned once.
    pub async fn issue_token(&self, by: &Actor, user_id: i64, label: &str, days: i64) -> Result<IssuedToken, ServiceError> {
        require(by, account::Permission::Administer)?;
        if !(1..=MAX_TOKEN_DAYS).contains(&days) {
            return Err(ServiceError::Invalid(format!("有效期应为 1 到 {MAX_TOKEN_DAYS} 天")));
        }
        let label: String = label.trim().chars().take(100).collect();
        let user = store::user(self.store.db(), user_id).await?;
        if user.disabled {
            return Err(ServiceError::Invalid("该用户已停用".into()));
        }
        let secret = account::new_secret("ft_t_");
        let _turn = self.store.write_turn().await;
        let view = store::insert_token(
            self.store.db(),
            user_id,
            store::API,
            &account::secret_hash(&secret),
            &label,
            Utc::now() + Duration::days(days),
        )
        .await?;
        let mut e = AuditEntry::new(by, "token.issue", "token", view.id);
        e.after = Some(serde_json::json!({"user": user.username, "label": view.label, "expires_at": view.expires_at}));
        store::append(self.store.db(), e).await?;
        Ok(IssuedToken { token: secret, view })
    }

    /// Every API token (administrators only).
    pub async fn tokens(&self, by: &Actor) -> Result<Vec<TokenView>, ServiceError> {
        require(by, account::Permission::Administer)?;
        Ok(store::api_tokens(self.store.db()).await?)
    }

    /// Revokes an API token (administrators only).
    pub async fn revoke_token(&self, by: &Actor, token_id: i64) -> Result<TokenView, ServiceError> {
        require(by, account::Permission::Administer)?;
        let _turn = self.store.write_turn().await;
        let t = store::revoke_token(self.store.db(), token_id).await?;
        store::append(self.store.db(), AuditEntry::new(by, "token.revoke", "token", token_id)).await?;
        Ok(t)
    }
}

/// Refuses an actor without `permission` (the HTTP route table refuses earlier; this keeps
/// the CLI and any other caller to the same rule).
pub(crate) fn require(by: &Actor, permission: account::Permission) -> Result<(), ServiceError> {
    if by.may(permission) {
        Ok(())
    } else {
        Err(ServiceError::Forbidden("the role does not allow this"))
    }
}

async fn hash_blocking(p: NewPassword) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || p.hash()).await.map_err(|e| ServiceError::Task(e.to_string()))?.map_err(Into::into)
}

/// A valid Argon2id hash of a random string, computed once: logins for unknown users verify
/// against it so that they take as long as real ones.
fn dummy_hash() -> &'static str {
    static HASH: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    HASH.get_or_init(|| {
        NewPassword::parse(&account::one_time_password()).and_then(|p| p.hash()).unwrap_or_default()
    })
}
