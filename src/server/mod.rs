//! The adapters around the core: [`store`] (database and blobs), [`service`] (the application
//! service — the only door to storage and the index), [`http`] (the JSON API) and [`app`]
//! (binding and serving). Adapters depend on the core, never the reverse.

pub mod app;
pub mod demo;
pub mod http;
pub mod service;
pub mod store;
pub mod web;
