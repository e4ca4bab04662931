//! The HTTP application: bind, build the router, serve until stopped (zero2prod style).

use crate::server::http::{router, AppState};
use crate::server::service::{Config, Service, ServiceError};
use std::net::SocketAddr;
use tokio::net::TcpListener;

/// A bound, ready-to-run server.
pub struct Application {
    listener: TcpListener,
    router: axum::Router,
    service: Service,
}

impl Application {
    /// Opens the service (database, migrations, index catch-up) and binds `addr`
    /// (`127.0.0.1:0` picks a free port; see [`Application::port`]).
    pub async fn build(config: &Config, addr: SocketAddr) -> Result<Application, ServiceError> {
        let service = Service::open(config).await?;
        let listener = TcpListener::bind(addr)
            .await
            .map_err(|source| ServiceError::Bind { addr, source })?;
        let router = router(AppState { service: service.clone() });
        Ok(Application { listener, router, service })
    }

    /// The port actually bound.
    pub fn port(&self) -> u16 {
        self.listener.local_addr().map(|a| a.port()).unwrap_or(0)
    }

    /// The router (for in-process tests with `tower::ServiceExt::oneshot`).
    pub fn router(&self) -> axum::Router {
        self.router.clone()
    }

    /// The service behind the server (e.g. to load demo data before serving).
    pub fn service(&self) -> &Service {
        &self.service
    }

    /// Serves until Ctrl-C / SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        axum::serve(self.listener, self.router.into_make_service_with_connect_info::<SocketAddr>())
            .with_graceful_shutdown(shutdown_signal())
            .await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
