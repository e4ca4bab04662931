//! The one integration-test binary (zero2prod style): every test starts its own app with
//! `spawn_app()` on a fresh data directory and a fresh database. The backend is chosen by
//! `FAIRTENDER_TEST_DATABASE_URL`: unset = SQLite in the temp dir; a postgres:// URL = a new
//! database created on that server for each test.

mod helpers;

mod access;
mod cli;
mod demo;
mod documents;
mod load;
mod projects;
mod records;
mod review;
mod runs;
mod search;
mod web;
mod workflow;
