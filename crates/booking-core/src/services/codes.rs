//! The codes service (§I): issues codes (their text shown once, stored as a keyed digest),
//! finds one from what its holder typed, adjusts and revokes them.

use std::sync::Arc;

use jiff::Timestamp;
use sha2::{Digest as _, Sha256};

use crate::codes::{CodeDigest, CodeRefusal, CodeText, FindError, NewCode, StoredCode, Value};
use crate::ids::{BusinessId, CodeId, CustomerId};
use crate::ports::clock::Clock;
use crate::ports::store::{Store, StoreError};
use crate::ports::tokens::TokenSource;

/// The codes use cases (§I): issue a code (its text shown once), find one from what its
/// holder typed.
#[derive(Clone)]
pub struct CodeBook {
    store: Arc<dyn Store>,
    clock: Arc<dyn Clock>,
    tokens: Arc<dyn TokenSource>,
    key: [u8; 32],
}

impl CodeBook {
    /// The use cases over the engine's ports, digesting under a key derived from the server's
    /// `secret`.
    #[must_use]
    pub fn new(ports: &crate::Ports, secret: &[u8; 32]) -> Self {
        let mut hasher = Sha256::new();
        hasher.update(b"booking.codes.key.v1\0");
        hasher.update(secret);
        Self {
            store: ports.store.clone(),
            clock: ports.clock.clone(),
            tokens: ports.tokens.clone(),
            key: hasher.finalize().into(),
        }
    }

    /// Issues a code: a fresh text (drawn again in the astronomically rare case its digest is
    /// taken), stored as its digest. The text is returned once, to be shown to staff.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn issue(
        &self,
        business: BusinessId,
        value: Value,
        customer: Option<CustomerId>,
        note: String,
        expires_at: Option<Timestamp>,
    ) -> Result<(StoredCode, CodeText), StoreError> {
        let mut last = None;
        for _ in 0..3 {
            let mut bytes = [0u8; 8];
            self.tokens.fill(&mut bytes);
            let text = CodeText::from_random(bytes);
            let new = NewCode {
                business,
                digest: CodeDigest::of(&self.key, &text),
                tail: text.tail(),
                customer,
                note: note.clone(),
                value: value.clone(),
                issued_at: self.clock.now(),
                expires_at,
            };
            match self.store.issue_code(&new).await {
                Ok(code) => return Ok((code, text)),
                Err(e @ StoreError::Duplicate(_)) => last = Some(e),
                Err(e) => return Err(e),
            }
        }
        Err(last.unwrap_or_else(|| StoreError::Unavailable("no code drawn".into())))
    }

    /// Revokes a code now: it pays for nothing more, and what it paid stays paid. `None`: no
    /// such code in this business.
    ///
    /// # Errors
    /// Storage errors.
    pub async fn revoke(
        &self,
        business: BusinessId,
        id: CodeId,
    ) -> Result<Option<StoredCode>, StoreError> {
        if !self.store.revoke_code(business, id, self.clock.now()).await? {
            return Ok(None);
        }
        self.store.code(business, id).await
    }

    /// Adds `delta` (sessions or minor units; negative takes) to a code's balance, in a
    /// transaction on the locked code: refused when it would go below zero (§I: a balance never
    /// goes negative, even with a redemption at the same moment). `None`: no such code.
    ///
    /// # Errors
    /// [`CodeRefusal::Exhausted`] (as a store refusal) or storage errors.
    pub async fn adjust(
        &self,
        business: BusinessId,
        id: CodeId,
        delta: i64,
    ) -> Result<Option<StoredCode>, crate::ports::store::TxError> {
        use crate::ports::store::{TxScope, TxView, Write};
        let now = self.clock.now();
        let scope = TxScope { codes: vec![id], ..TxScope::new(business) };
        let mut exists = false;
        let mut decide = |view: &TxView| {
            let Some(found) = view.codes.iter().find(|c| c.id == id) else {
                return Ok(Vec::new());
            };
            exists = true;
            let left = found.ledger.balance(now).amount();
            if left.saturating_add(delta) < 0 {
                return Err(CodeRefusal::Exhausted.into());
            }
            Ok(vec![Write::Adjust { code: id, delta }])
        };
        self.store.transact(&scope, &mut decide).await?;
        if !exists {
            return Ok(None);
        }
        Ok(self.store.code(business, id).await?)
    }

    /// The code its holder typed (any case, spaces or hyphens).
    ///
    /// # Errors
    /// [`FindError`].
    pub async fn find(&self, business: BusinessId, typed: &str) -> Result<StoredCode, FindError> {
        let text = CodeText::parse(typed)?;
        let digest = CodeDigest::of(&self.key, &text);
        self.store.code_by_digest(business, &digest).await?.ok_or(FindError::Unknown)
    }
}
