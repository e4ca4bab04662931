//! Users, their agencies, session and API tokens, failed logins, and the audit log.
//! Secrets never reach the database: tokens are stored as their SHA-256 and passwords as
//! Argon2id PHC strings (both computed in `core::account`).

use super::{agency_id, is_unique_violation, now, Page, Paged, StoreError};
use crate::core::account::{Actor, Role, Username};
use chrono::{DateTime, Utc};
use entity::{agency, audit_event, auth_token, login_failure, user_account, user_agency};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder,
};
use serde::Serialize;

/// A user as shown to administrators (never the password hash).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UserView {
    pub id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The officer's agency or the reviewer's assigned agencies.
    pub agencies: Vec<String>,
    pub disabled: bool,
    pub must_change_password: bool,
    pub created_at: DateTime<Utc>,
}

/// A user to create.
pub struct NewUser {
    pub username: Username,
    pub display_name: String,
    pub role: Role,
    /// Officer: exactly one; reviewer: any number; inspector and admin: none.
    pub agencies: Vec<String>,
    pub password_hash: String,
    pub must_change_password: bool,
}

/// An API token as listed (never the secret).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub username: String,
    pub label: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The kinds of `auth_token` row.
pub const SESSION: &str = "session";
pub const API: &str = "api";

async fn agency_names(db: &impl ConnectionTrait, u: &user_account::Model) -> Result<Vec<String>, StoreError> {
    let mut ids: Vec<i64> = u.agency_id.into_iter().collect();
    ids.extend(
        user_agency::Entity::find()
            .filter(user_agency::Column::UserId.eq(u.id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.agency_id),
    );
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut names: Vec<String> =
        agency::Entity::find().filter(agency::Column::Id.is_in(ids)).all(db).await?.into_iter().map(|a| a.name).collect();
    names.sort();
    Ok(names)
}

async fn view(db: &impl ConnectionTrait, u: user_account::Model) -> Result<UserView, StoreError> {
    let agencies = agency_names(db, &u).await?;
    Ok(UserView {
        id: u.id,
        role: Role::parse(&u.role).unwrap_or(Role::Officer),
        username: u.username,
        display_name: u.display_name,
        agencies,
        disabled: u.disabled,
        must_change_password: u.must_change_password,
        created_at: u.created_at,
    })
}

fn actor_of(v: UserView) -> Actor {
    Actor {
        user_id: Some(v.id),
        username: v.username,
        display_name: v.display_name,
        role: v.role,
        agencies: v.agencies,
        must_change_password: v.must_change_password,
    }
}

/// Creates a user (a taken username is [`StoreError::DuplicateUser`]).
pub async fn create_user(db: &DatabaseConnection, u: &NewUser) -> Result<UserView, StoreError> {
    use sea_orm::TransactionTrait;
    let txn = db.begin().await?;
    if user_account::Entity::find().filter(user_account::Column::Username.eq(u.username.as_str())).one(&txn).await?.is_some() {
        return Err(StoreError::DuplicateUser(u.username.as_str().to_string()));
    }
    let own = match (u.role, u.agencies.first()) {
        (Role::Officer, Some(a)) => Some(agency_id(&txn, a).await?),
        _ => None,
    };
    let row = user_account::ActiveModel {
        username: Set(u.username.as_str().to_string()),
        display_name: Set(u.display_name.clone()),
        role: Set(u.role.as_str().to_string()),
        agency_id: Set(own),
        password_hash: Set(u.password_hash.clone()),
        must_change_password: Set(u.must_change_password),
        disabled: Set(false),
        created_at: Set(now()),
        ..Default::default()
    }
    .insert(&txn)
    .await
    .map_err(|e| if is_unique_violation(&e) { StoreError::DuplicateUser(u.username.as_str().to_string()) } else { e.into() })?;
    if u.role == Role::Reviewer {
        for a in &u.agencies {
            let agency = agency_id(&txn, a).await?;
            user_agency::Entity::insert(user_agency::ActiveModel { user_id: Set(row.id), agency_id: Set(agency) })
                .on_conflict_do_nothing_on([user_agency::Column::UserId, user_agency::Column::AgencyId])
                .exec_without_returning(&txn)
                .await?;
        }
    }
    let v = view(&txn, row).await?;
    txn.commit().await?;
    Ok(v)
}

/// Every user, by username.
pub async fn users(db: &DatabaseConnection) -> Result<Vec<UserView>, StoreError> {
    let mut out = Vec::new();
    for u in user_account::Entity::find().order_by_asc(user_account::Column::Username).all(db).await? {
        out.push(view(db, u).await?);
    }
    Ok(out)
}

/// How many users exist.
pub async fn user_count(db: &DatabaseConnection) -> Result<u64, StoreError> {
    Ok(user_account::Entity::find().count(db).await?)
}

/// A user by login name with the stored password hash (`None`: no such user).
pub async fn user_for_login(db: &DatabaseConnection, username: &str) -> Result<Option<(UserView, String)>, StoreError> {
    let Some(u) = user_account::Entity::find().filter(user_account::Column::Username.eq(username)).one(db).await? else {
        return Ok(None);
    };
    let hash = u.password_hash.clone();
    Ok(Some((view(db, u).await?, hash)))
}

/// A user by id.
pub async fn user(db: &DatabaseConnection, id: i64) -> Result<UserView, StoreError> {
    let u = user_account::Entity::find_by_id(id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::User))?;
    view(db, u).await
}

/// Sets a user's password hash; `must_change` marks it as one to replace at the next login.
pub async fn set_password(db: &DatabaseConnection, user_id: i64, hash: &str, must_change: bool) -> Result<(), StoreError> {
    let u = user_account::Entity::find_by_id(user_id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::User))?;
    let mut row: user_account::ActiveModel = u.into();
    row.password_hash = Set(hash.to_string());
    row.must_change_password = Set(must_change);
    row.update(db).await?;
    Ok(())
}

/// Disables (or re-enables) a user; disabling also revokes every session and token.
pub async fn set_disabled(db: &DatabaseConnection, user_id: i64, disabled: bool) -> Result<UserView, StoreError> {
    let u = user_account::Entity::find_by_id(user_id).one(db).await?.ok_or(StoreError::NotFound(super::Missing::User))?;
    let mut row: user_account::ActiveModel = u.into();
    row.disabled = Set(disabled);
    let u = row.update(db).await?;
    if disabled {
        revoke_all(db, user_id).await?;
    }
    view(db, u).await
}

/// Revokes every session and token of a user.
pub async fn revoke_all(db: &DatabaseConnection, user_id: i64) -> Result<(), StoreError> {
    use sea_orm::sea_query::Expr;
    auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now()))
        .filter(auth_token::Column::UserId.eq(user_id))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}

/// Stores a session or API token's hash.
pub async fn insert_token(
    db: &DatabaseConnection,
    user_id: i64,
    kind: &str,
    token_hash: &str,
    label: &str,
    expires_at: DateTime<Utc>,
) -> Result<TokenView, StoreError> {
    let row = auth_token::ActiveModel {
        user_id: Set(user_id),
        kind: Set(kind.to_string()),
        token_hash: Set(token_hash.to_string()),
        label: Set(label.to_string()),
        created_at: Set(now()),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let username = user(db, user_id).await?.username;
    Ok(TokenView { id: row.id, username, label: row.label, created_at: row.created_at, expires_at: row.expires_at, revoked_at: None })
}

/// The actor a live (unexpired, unrevoked) token of an enabled user stands for.
pub async fn actor_for_token(db: &DatabaseConnection, token_hash: &str) -> Result<Option<Actor>, StoreError> {
    let Some(t) = auth_token::Entity::find().filter(auth_token::Column::TokenHash.eq(token_hash)).one(db).await? else {
        return Ok(None);
    };
    if t.revoked_at.is_some() || t.expires_at <= now() {
        return Ok(None);
    }
    let Some(u) = user_account::Entity::find_by_id(t.user_id).one(db).await? else { return Ok(None) };
    if u.disabled {
        return Ok(None);
    }
    let mut actor = actor_of(view(db, u).await?);
    // An API token was issued by an administrator for a program: the first-password rule is
    // about logging in with a password, so it does not hold the token back.
    if t.kind == API {
        actor.must_change_password = false;
    }
    Ok(Some(actor))
}

/// Revokes the token with this hash (logout). Returns whether one was live.
pub async fn revoke_token_hash(db: &DatabaseConnection, token_hash: &str) -> Result<bool, StoreError> {
    let Some(t) = auth_token::Entity::find().filter(auth_token::Column::TokenHash.eq(token_hash)).one(db).await? else {
        return Ok(false);
    };
    if t.revoked_at.is_some() {
        return Ok(false);
    }
    let mut row: auth_token::ActiveModel = t.into();
    row.revoked_at = Set(Some(now()));
    row.update(db).await?;
    Ok(true)
}

/// Revokes an API token by id.
pub async fn revoke_token(db: &DatabaseConnection, id: i64) -> Result<TokenView, StoreError> {
    let t = auth_token::Entity::find_by_id(id)
        .filter(auth_token::Column::Kind.eq(API))
        .one(db)
        .await?
        .ok_or(StoreError::NotFound(super::Missing::Token))?;
    let user_id = t.user_id;
    let mut row: auth_token::ActiveModel = t.into();
    if row.revoked_at.as_ref().is_none() {
        row.revoked_at = Set(Some(now()));
    }
    let t = row.update(db).await?;
    let username = user(db, user_id).await?.username;
    Ok(TokenView { id: t.id, username, label: t.label, created_at: t.created_at, expires_at: t.expires_at, revoked_at: t.revoked_at })
}

/// Every API token (never sessions), newest first.
pub async fn api_tokens(db: &DatabaseConnection) -> Result<Vec<TokenView>, StoreError> {
    let names: std::collections::HashMap<i64, String> =
        user_account::Entity::find().all(db).await?.into_iter().map(|u| (u.id, u.username)).collect();
    Ok(auth_token::Entity::find()
        .filter(auth_token::Column::Kind.eq(API))
        .order_by_desc(auth_token::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|t| TokenView {
            id: t.id,
            username: names.get(&t.user_id).cloned().unwrap_or_default(),
            label: t.label,
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
        })
        .collect())
}

/// Records a failed login.
pub async fn record_failure(db: &DatabaseConnection, username: &str, address: &str) -> Result<(), StoreError> {
    login_failure::ActiveModel {
        username: Set(username.chars().take(64).collect()),
        address: Set(address.chars().take(64).collect()),
        at: Set(now()),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(())
}

/// Failed logins since `since`: (for this username, from this address).
pub async fn failures_since(
    db: &DatabaseConnection,
    username: &str,
    address: &str,
    since: DateTime<Utc>,
) -> Result<(u64, u64), StoreError> {
    let recent = || login_failure::Entity::find().filter(login_failure::Column::At.gt(since));
    let by_user = recent().filter(login_failure::Column::Username.eq(username)).count(db).await?;
    let by_address = recent().filter(login_failure::Column::Address.eq(address)).count(db).await?;
    Ok((by_user, by_address))
}

/// Forgets the failures of a username (after a successful login).
pub async fn clear_failures(db: &DatabaseConnection, username: &str) -> Result<(), StoreError> {
    login_failure::Entity::delete_many().filter(login_failure::Column::Username.eq(username)).exec(db).await?;
    Ok(())
}

/// One change of state to log.
#[derive(Debug, Clone, Default)]
pub struct AuditEntry {
    pub actor_id: Option<i64>,
    pub actor: String,
    /// What happened, e.g. `finding.confirm`, `project.approve`, `user.create`, `login.failed`.
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    /// The agency the object belongs to (so an agency's reviewers see their events).
    pub agency: Option<String>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

impl AuditEntry {
    /// An entry by `actor` about `kind`/`id`.
    pub fn new(actor: &Actor, action: &str, kind: &str, id: impl ToString) -> AuditEntry {
        AuditEntry {
            actor_id: actor.user_id,
            actor: actor.username.clone(),
            action: action.to_string(),
            object_kind: kind.to_string(),
            object_id: id.to_string(),
            ..Default::default()
        }
    }
}

/// A logged event as returned by the API.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub agency: Option<String>,
    #[schema(value_type = Option<Object>)]
    pub before: Option<serde_json::Value>,
    #[schema(value_type = Option<Object>)]
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// Appends an event (on `conn`, which may be the transaction of the change it records).
pub async fn append(conn: &impl ConnectionTrait, e: AuditEntry) -> Result<(), StoreError> {
    let json = |v: Option<serde_json::Value>| v.map(|v| v.to_string());
    audit_event::ActiveModel {
        at: Set(now()),
        actor_id: Set(e.actor_id),
        actor: Set(e.actor),
        action: Set(e.action),
        object_kind: Set(e.object_kind),
        object_id: Set(e.object_id),
        agency: Set(e.agency),
        before: Set(json(e.before)),
        after: Set(json(e.after)),
        reason: Set(e.reason),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    Ok(())
}

/// What to list of the audit log.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub object_kind: Option<String>,
    pub object_ids: Option<Vec<String>>,
    pub actor: Option<String>,
    pub action: Option<String>,
    /// Restrict to events of these agencies (a scoped reader).
    pub agencies: Option<Vec<String>>,
}

/// Events matching `f`, oldest first.
pub async fn events(db: &DatabaseConnection, f: &AuditFilter, page: Page) -> Result<Paged<AuditView>, StoreError> {
    let mut q = audit_event::Entity::find();
    if let Some(k) = &f.object_kind {
        q = q.filter(audit_event::Column::ObjectKind.eq(k.as_str()));
    }
    if let Some(ids) = &f.object_ids {
        q = q.filter(audit_event::Column::ObjectId.is_in(ids.clone()));
    }
    if let Some(a) = &f.actor {
        q = q.filter(audit_event::Column::Actor.eq(a.as_str()));
    }
    if let Some(a) = &f.action {
        q = q.filter(audit_event::Column::Action.eq(a.as_str()));
    }
    if let Some(agencies) = &f.agencies {
        q = q.filter(audit_event::Column::Agency.is_in(agencies.clone()));
    }
    let total = q.clone().count(db).await?;
    let rows = page.apply(q.order_by_asc(audit_event::Column::Id)).all(db).await?;
    let parse = |s: Option<String>| s.and_then(|s| serde_json::from_str(&s).ok());
    Ok(Paged {
        items: rows
            .into_iter()
            .map(|r| AuditView {
                id: r.id,
                at: r.at,
                actor: r.actor,
                action: r.action,
                object_kind: r.object_kind,
                object_id: r.object_id,
                agency: r.agency,
                before: parse(r.before),
                after: parse(r.after),
                reason: r.reason,
            })
            .collect(),
        total,
    })
}
