//! Accounts: who may use the service, in which role, for which agencies; what each role may
//! do ([`Permission`], one table in [`Role::may`]); and which stored data a user sees
//! ([`Scope`]). Passwords are hashed with Argon2id; session and API tokens are random and
//! stored only as their SHA-256.

use crate::core::vocab::vocabulary;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

vocabulary!(
    /// What a user does in the service (see "Users" in the domain README).
    Role {
        /// 采购经办人: prepares and uploads the procurement documents of their own agency (事前).
        Officer = "officer", "采购人员" | "经办人" | "采购经办人";
        /// 审查人员: decides the findings of the agencies assigned to them and approves (事前/事中).
        Reviewer = "reviewer", "审查人员" | "审查员";
        /// 监督检查人员: reads everything published, runs inspections and random draws (事后).
        Inspector = "inspector", "监督检查人员" | "检查人员";
        /// 系统管理员: users, agencies, tokens, registers; sees everything.
        Admin = "admin", "系统管理员" | "管理员";
    }
);

/// What a request wants to do. Every endpoint maps to exactly one permission (the HTTP
/// adapter's route table), and [`Role::may`] is the only place that says who has it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// Read projects, documents, clauses, findings and reports within the scope.
    Read,
    /// Full-text search within the scope.
    Search,
    /// Create projects and upload document versions.
    Prepare,
    /// Submit a project for review, publish or award an approved project; request a dismissal.
    Submit,
    /// Decide findings, flag clauses by hand, approve or return a project.
    Decide,
    /// Register statistics over the scope (metrics, overdue checks).
    Statistics,
    /// Link challenges to clauses.
    LinkChallenges,
    /// Create inspections, draw samples, record conclusions.
    Inspect,
    /// Import registers, manage users, tokens and agencies, read the audit log of everything.
    Administer,
    /// Read the audit log of objects in the scope.
    Audit,
}

impl Role {
    /// Whether this role holds `permission`: the whole authorisation policy by role.
    /// (Which records a permitted request reaches is the [`Scope`]'s part.)
    pub fn may(self, permission: Permission) -> bool {
        use Permission::*;
        match self {
            Role::Admin => true,
            Role::Officer => matches!(permission, Read | Search | Prepare | Submit | Statistics),
            Role::Reviewer => matches!(permission, Read | Search | Decide | Statistics | LinkChallenges | Audit),
            Role::Inspector => matches!(permission, Read | Search | Statistics | Inspect | Audit),
        }
    }
}

/// Which stored records a request reaches. Records outside the scope are answered as absent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// The operator (the CLI on the machine) and administrators: every agency.
    All,
    /// One agency (an officer's own): its drafts included.
    Agency(String),
    /// Several agencies (a reviewer's assignments).
    Agencies(Vec<String>),
    /// Every agency's published projects only (inspectors: drafts are confidential).
    Published,
}

impl Scope {
    /// The agencies the scope is restricted to (`None`: any agency).
    pub fn agencies(&self) -> Option<Vec<&str>> {
        match self {
            Scope::All | Scope::Published => None,
            Scope::Agency(a) => Some(vec![a.as_str()]),
            Scope::Agencies(v) => Some(v.iter().map(String::as_str).collect()),
        }
    }

    /// Whether records of `agency` may be visible (drafts aside).
    pub fn sees(&self, agency: &str) -> bool {
        self.agencies().is_none_or(|v| v.contains(&agency))
    }

    /// Whether only published projects are visible.
    pub fn published_only(&self) -> bool {
        matches!(self, Scope::Published)
    }

    /// Whether the scope reaches every record (the operator's and administrators' view).
    pub fn is_all(&self) -> bool {
        matches!(self, Scope::All)
    }
}

/// An authenticated user as the service sees them for one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
pub struct Actor {
    /// `None` for the operator working on the machine (CLI).
    pub user_id: Option<i64>,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// The officer's agency or the reviewer's assigned agencies (empty for others).
    pub agencies: Vec<String>,
    /// A first password (or one an administrator reset) must be changed before anything else.
    pub must_change_password: bool,
}

impl Actor {
    /// The operator on the machine: the CLI's actor, with every permission.
    pub fn operator() -> Actor {
        Actor {
            user_id: None,
            username: "operator".into(),
            display_name: "本机操作员".into(),
            role: Role::Admin,
            agencies: Vec::new(),
            must_change_password: false,
        }
    }

    /// The records this actor reaches.
    pub fn scope(&self) -> Scope {
        match self.role {
            Role::Admin => Scope::All,
            Role::Inspector => Scope::Published,
            Role::Officer | Role::Reviewer => Scope::Agencies(self.agencies.clone()),
        }
    }

    /// Whether the actor holds `permission`.
    pub fn may(&self, permission: Permission) -> bool {
        self.role.may(permission)
    }
}

/// Why a username or password is refused (Chinese for the user via [`AccountError::message_zh`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AccountError {
    #[error("username must be 3-32 characters of letters, digits, '.', '_' or '-'")]
    BadUsername,
    #[error("password must be {MIN_PASSWORD}-{MAX_PASSWORD} characters and not only digits or only letters")]
    WeakPassword,
    #[error("password hashing failed: {0}")]
    Hash(String),
}

impl AccountError {
    /// The message for the user.
    pub fn message_zh(&self) -> String {
        match self {
            AccountError::BadUsername => "用户名应为 3 到 32 个字母、数字或 . _ - 字符".into(),
            AccountError::WeakPassword => {
                format!("密码应为 {MIN_PASSWORD} 到 {MAX_PASSWORD} 个字符，且不能只含数字或只含字母")
            }
            AccountError::Hash(_) => "密码处理失败".into(),
        }
    }
}

/// Shortest password accepted.
pub const MIN_PASSWORD: usize = 10;
/// Longest password accepted (Argon2 would take more, but a bound keeps requests cheap).
pub const MAX_PASSWORD: usize = 128;

/// A login name: 3–32 of `[A-Za-z0-9._-]`, kept as typed and compared case-insensitively.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    /// Parses a login name (surrounding spaces are ignored; stored lower-case).
    pub fn parse(raw: &str) -> Result<Username, AccountError> {
        let s = raw.trim();
        let ok = (3..=32).contains(&s.chars().count())
            && s.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'));
        if ok {
            Ok(Username(s.to_ascii_lowercase()))
        } else {
            Err(AccountError::BadUsername)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// A new password that meets the policy (length, not a single character class).
pub struct NewPassword(String);

impl NewPassword {
    pub fn parse(raw: &str) -> Result<NewPassword, AccountError> {
        let n = raw.chars().count();
        let all_digits = raw.chars().all(|c| c.is_ascii_digit());
        let all_letters = raw.chars().all(|c| c.is_alphabetic());
        if !(MIN_PASSWORD..=MAX_PASSWORD).contains(&n) || all_digits || all_letters {
            return Err(AccountError::WeakPassword);
        }
        Ok(NewPassword(raw.to_string()))
    }

    /// The Argon2id PHC string to store.
    pub fn hash(&self) -> Result<String, AccountError> {
        use argon2::password_hash::{rand_core::OsRng, PasswordHasher, SaltString};
        let salt = SaltString::generate(&mut OsRng);
        argon2::Argon2::default()
            .hash_password(self.0.as_bytes(), &salt)
            .map(|h| h.to_string())
            .map_err(|e| AccountError::Hash(e.to_string()))
    }
}

/// Whether `password` matches the stored PHC string (a malformed hash never matches).
pub fn verify_password(password: &str, phc: &str) -> bool {
    use argon2::password_hash::{PasswordHash, PasswordVerifier};
    if password.len() > MAX_PASSWORD * 4 {
        return false;
    }
    PasswordHash::new(phc).is_ok_and(|h| argon2::Argon2::default().verify_password(password.as_bytes(), &h).is_ok())
}

/// A fresh random secret (session or API token, one-time password): 32 random bytes as hex,
/// with a prefix that says what it is (`ft_s_` session, `ft_t_` API token).
pub fn new_secret(prefix: &str) -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    let mut bytes = [0u8; 32];
    OsRng.fill_bytes(&mut bytes);
    format!("{prefix}{}", hex::encode(bytes))
}

/// A one-time password for a new account: 16 characters from an alphabet without look-alikes,
/// always with letters and digits (so it meets [`NewPassword`]'s policy).
pub fn one_time_password() -> String {
    use argon2::password_hash::rand_core::{OsRng, RngCore};
    const LETTERS: &[u8] = b"abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ";
    const DIGITS: &[u8] = b"23456789";
    let mut out = String::new();
    for i in 0..16 {
        let alphabet = if i % 4 == 3 { DIGITS } else { LETTERS };
        out.push(alphabet[(OsRng.next_u32() as usize) % alphabet.len()] as char);
    }
    out
}

/// What is stored of a secret: its SHA-256 as hex (a stolen database yields no usable token).
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

/// Failed logins allowed per account within [`THROTTLE_WINDOW_MINUTES`] before refusing.
pub const MAX_FAILURES_PER_ACCOUNT: u64 = 5;
/// Failed logins allowed per client address within the window.
pub const MAX_FAILURES_PER_ADDRESS: u64 = 20;
/// The window over which failures count.
pub const THROTTLE_WINDOW_MINUTES: i64 = 15;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_gives_each_role_its_stage() {
        use Permission::*;
        assert!(Role::Officer.may(Prepare) && Role::Officer.may(Submit));
        assert!(!Role::Officer.may(Decide) && !Role::Officer.may(Inspect) && !Role::Officer.may(Administer));
        assert!(Role::Reviewer.may(Decide) && !Role::Reviewer.may(Prepare) && !Role::Reviewer.may(Administer));
        assert!(Role::Inspector.may(Inspect) && !Role::Inspector.may(Decide) && !Role::Inspector.may(Prepare));
        assert!(Role::Admin.may(Administer));
    }

    #[test]
    fn scopes_follow_roles() {
        let mut a = Actor::operator();
        assert_eq!(a.scope(), Scope::All);
        a.role = Role::Inspector;
        assert!(a.scope().published_only());
        a.role = Role::Reviewer;
        a.agencies = vec!["甲".into(), "乙".into()];
        assert!(a.scope().sees("乙") && !a.scope().sees("丙"));
    }

    #[test]
    fn usernames_and_passwords_are_checked() {
        assert_eq!(Username::parse(" Li.Ming ").unwrap().as_str(), "li.ming");
        assert!(Username::parse("ab").is_err());
        assert!(Username::parse("李明").is_err());
        assert!(NewPassword::parse("1234567890").is_err());
        assert!(NewPassword::parse("abcdefghijk").is_err());
        assert!(NewPassword::parse("short1").is_err());
        let p = NewPassword::parse("correct-horse-7").unwrap();
        let phc = p.hash().unwrap();
        assert!(phc.starts_with("$argon2id$"));
        assert!(verify_password("correct-horse-7", &phc));
        assert!(!verify_password("correct-horse-8", &phc));
        assert!(!verify_password("x", "not a hash"));
        let otp = one_time_password();
        assert!(NewPassword::parse(&otp).is_ok(), "{otp}");
        assert_ne!(new_secret("ft_s_"), new_secret("ft_s_"));
        assert_eq!(secret_hash("a").len(), 64);
    }
}
