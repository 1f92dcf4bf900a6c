//! Who is calling and what they may do: password hashing, tokens, sessions, permissions.

pub mod access;
pub mod accounts;
pub mod hasher;
pub mod jwt;
pub mod permissions;
pub mod sessions;

pub use hasher::PasswordHasher;
pub use jwt::TokenKeys;
pub use permissions::Permission;
