//! `user add|list|disable|enable|token`: account administration from the machine (the
//! operator). Opens the data without the index writer, so it works beside a running
//! `fairtender serve` (the database must have been upgraded by starting the service once).

use super::args::UserAction;
use super::CliError;
use crate::core::account::Actor;
use crate::server::service::{Config, Service, UserRequest};

/// Runs one `user` action.
pub async fn run(cfg: &Config, action: UserAction) -> Result<i32, CliError> {
    let service = Service::open_read_only(cfg).await?;
    let op = Actor::operator();
    match action {
        UserAction::Add { username, role, agency, name } => {
            let req = UserRequest { username, display_name: name, role, agencies: agency, password: None };
            let created = service.create_user(&op, &req).await?;
            println!("created {} ({}), agencies: {}", created.user.username, created.user.role.as_str(), created.user.agencies.join(", "));
            if let Some(p) = created.one_time_password {
                println!("one-time password (shown once; must be changed at first login): {p}");
            }
        }
        UserAction::List => {
            for u in service.users(&op).await? {
                println!(
                    "{}\t{}\t{}\t{}\t{}",
                    u.id,
                    u.username,
                    u.role.as_str(),
                    if u.disabled { "disabled" } else { "active" },
                    u.agencies.join(",")
                );
            }
        }
        UserAction::Disable { username } => {
            let u = service.user_named(&op, &username).await?;
            service.set_user_disabled(&op, u.id, true).await?;
            println!("disabled {} (sessions and tokens revoked)", u.username);
        }
        UserAction::Enable { username } => {
            let u = service.user_named(&op, &username).await?;
            service.set_user_disabled(&op, u.id, false).await?;
            println!("enabled {}", u.username);
        }
        UserAction::Token { username, days, label } => {
            let u = service.user_named(&op, &username).await?;
            let t = service.issue_token(&op, u.id, &label, days).await?;
            println!("token for {} (expires {}; shown once): {}", u.username, t.view.expires_at.format("%Y-%m-%d"), t.token);
        }
    }
    Ok(0)
}
