//! Append-only migrations.
