//! Probity as its users see it: the real application, in-process, against a real PostgreSQL.
//! Every test has a database of its own (cloned from a migrated template) and drops it.

mod audit_log;
mod auth;
mod bad_input;
mod case_matrix;
mod casework;
mod cli;
mod documents;
mod health;
mod logs;
mod openapi;
mod permissions;
mod proceedings;
mod row_security;
mod support;
mod tasks;
mod users;
mod visibility;
