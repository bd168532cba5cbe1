//! The email template port (`TemplateStore`).

use async_trait::async_trait;
use booking_core::ids::BusinessId;
use booking_core::notify::{EmailTemplate, Trigger};
use booking_core::ports::store::{StoreError, TemplateStore};
use booking_core::settings::Locale;

use crate::exec::{Database, SqlStore, all, one, query, unavailable};
use crate::read;

#[async_trait]
impl<D: Database> TemplateStore for SqlStore<D> {
    async fn email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<Option<EmailTemplate>, StoreError> {
        let row = query(
            "SELECT * FROM email_templates WHERE business_id = $1 AND trigger_code = $2 \
             AND locale = $3",
        )
        .bind(business.get())
        .bind(trigger.code())
        .bind(locale.code())
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        one(row.as_ref(), read::email_template)
    }

    async fn email_templates(
        &self,
        business: BusinessId,
    ) -> Result<Vec<EmailTemplate>, StoreError> {
        let rows = query(
            "SELECT * FROM email_templates WHERE business_id = $1 ORDER BY trigger_code, locale",
        )
        .bind(business.get())
        .fetch_all(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        all(&rows, read::email_template)
    }

    async fn save_email_template(&self, t: &EmailTemplate) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query(
            "INSERT INTO email_templates (business_id, trigger_code, locale, subject, body) \
             VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_id, trigger_code, locale) \
             DO UPDATE SET subject = excluded.subject, body = excluded.body",
        )
        .bind(t.business.get())
        .bind(t.trigger.code())
        .bind(t.locale.code())
        .bind(&t.subject)
        .bind(&t.text)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn delete_email_template(
        &self,
        business: BusinessId,
        trigger: Trigger,
        locale: Locale,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = query(
            "DELETE FROM email_templates WHERE business_id = $1 AND trigger_code = $2 \
             AND locale = $3",
        )
        .bind(business.get())
        .bind(trigger.code())
        .bind(locale.code())
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }
}
