//! Password hashing (argon2id in production).

use crate::ports::tokens::Secret;

/// A password hash in PHC string format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PasswordHash(pub String);

/// Hashing failed (resource limits, bad parameters).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("password hashing failed: {0}")]
pub struct HashError(pub String);

/// Password hashing (argon2id in production).
pub trait PasswordHasher: Send + Sync {
    /// Hashes with a fresh salt.
    fn hash(&self, password: &Secret) -> Result<PasswordHash, HashError>;
    /// Whether `password` matches `hash`, in time independent of where they differ.
    fn verify(&self, password: &Secret, hash: &PasswordHash) -> bool;
}
