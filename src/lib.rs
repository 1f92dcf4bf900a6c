//! Probity: case management for a police Professional Standards Department.
//!
//! Layers: `http` (routes, extractors), `domain` (rules and validated types, no HTTP or SQL),
//! `db` (diesel schema and queries), `auth` (who is calling, what they may do), `audit` (the
//! tamper-evident log), `config` (settings), `error` (the one API error type).

pub mod audit;
pub mod auth;
pub mod casework;
pub mod cli;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod state;
pub mod storage;
pub mod telemetry;
