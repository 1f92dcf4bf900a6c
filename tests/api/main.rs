//! Probity as its users see it: the real application, in-process, against a real PostgreSQL.
//! Every test has a database of its own (cloned from a migrated template) and drops it.

mod attack_audit_stats;
mod attack_flags;
mod attack_intake;
mod attack_subject_links;
mod audit_log;
mod audit_secrets;
mod auth;
mod bad_input;
mod casework;
mod cli;
mod documents;
mod health;
mod http_methods;
mod lists;
mod logs;
mod matrix;
mod openapi;
mod permissions;
mod proceedings;
mod row_security;
mod staying_up;
mod support;
mod tasks;
mod users;
mod visibility;
mod walkthrough;
