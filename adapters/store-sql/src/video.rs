//! The video port (`VideoStore`): accounts, custom links, meetings.

use async_trait::async_trait;
use booking_core::ids::{BookingId, BusinessId, EventId, ResourceId};
use booking_core::ports::store::StoreError;

use crate::bookings::enqueue;
use crate::exec::{Database, Executor, Query, SqlStore, Transaction, all, one, query, unavailable};
use crate::{Cells, micros, read};

/// After a change of a business's video set-up, in its transaction: the `video_meetings`
/// flag (an account at a meeting service exists), then the jobs the core decides
/// ([`booking_core::video::jobs_after_change`]) for the bookings of the `affected` scope that end
/// after `at`.
async fn video_changed(
    conn: &mut impl Executor,
    business: BusinessId,
    affected: &booking_core::video::Affected,
    at: jiff::Timestamp,
    notify: bool,
) -> Result<(), StoreError> {
    use booking_core::video::{Affected, Concerned, jobs_after_change};
    query(
        "UPDATE businesses SET video_meetings = NOT video_meetings, revision = revision + 1 \
         WHERE id = $1 AND video_meetings <> EXISTS \
         (SELECT 1 FROM video_accounts WHERE business_id = $1 AND kind = 'meetings')",
    )
    .bind(business.get())
    .execute(&mut *conn)
    .await
    .map_err(unavailable)?;
    let (scope, id, key) = match affected {
        Affected::Business => ("TRUE", 0, ""),
        Affected::Staff(r) => ("(b.resource_id = $3 OR s.leader_id = $3)", r.get(), ""),
        Affected::Course(e) => ("s.event_id = $3", e.get(), ""),
        Affected::Occasion(key) => {
            ("('booking-' || b.id = $4 OR 'session-' || b.session_id = $4)", 0, key.as_str())
        }
    };
    // Every scope's statement binds the same four parameters (`$3 = $3` and `$4 = $4` keep
    // the ones a scope does not use typed and bound).
    let sql = format!(
        "SELECT b.id, b.status, COALESCE(b.slot_end_us, s.end_us) AS end_us \
         FROM bookings b LEFT JOIN sessions s ON s.id = b.session_id \
         WHERE b.business_id = $1 AND COALESCE(b.slot_end_us, s.end_us) > $2 AND {scope} \
         AND $3 = $3 AND $4 = $4 ORDER BY b.id"
    );
    let rows = query(&sql)
        .bind(business.get())
        .bind(micros(at))
        .bind(id)
        .bind(key)
        .fetch_all(&mut *conn)
        .await
        .map_err(unavailable)?;
    let concerned = all(&rows, |row| {
        Ok(Concerned {
            booking: BookingId::new(row.int("id")?),
            status: read::status(&row.text("status")?)?,
            end: crate::instant(row.int("end_us")?)?,
        })
    })?;
    let meetings = query(
        "SELECT (EXISTS (SELECT 1 FROM businesses WHERE id = $1 AND video_meetings) \
         OR EXISTS (SELECT 1 FROM video_meetings WHERE business_id = $1)) AS meetings",
    )
    .bind(business.get())
    .fetch_one(&mut *conn)
    .await
    .map_err(unavailable)?
    .flag("meetings")?;
    let jobs = jobs_after_change(business, &concerned, meetings, notify, at);
    enqueue(conn, &jobs).await.map_err(unavailable)
}

#[async_trait]
impl<D: Database> booking_core::ports::video::VideoStore for SqlStore<D> {
    async fn put_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        account: &booking_core::video::StoredAccount,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        use booking_core::video::{Affected, StoredAccount};
        let (kind, app, link) = match account {
            StoredAccount::Meetings(app) => ("meetings", Some(app), None),
            StoredAccount::Custom(link) => ("custom", None, Some(link)),
            StoredAccount::Calendar => ("calendar", None, None),
        };
        let mut w = self.db.write().await?;
        query(
            "INSERT INTO video_accounts (business_id, owner, kind, provider, app_account_id, \
             app_client_id, app_sealed_secret, app_user, url, password, description) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (business_id, owner) \
             DO UPDATE SET kind = excluded.kind, provider = excluded.provider, \
             app_account_id = excluded.app_account_id, app_client_id = excluded.app_client_id, \
             app_sealed_secret = excluded.app_sealed_secret, app_user = excluded.app_user, \
             url = excluded.url, password = excluded.password, description = excluded.description",
        )
        .bind(business.get())
        .bind(owner.map_or(0, booking_core::ids::ResourceId::get))
        .bind(kind)
        .bind(app.map(|a| a.provider.code().to_owned()))
        .bind(app.map(|a| a.account_id.as_str()))
        .bind(app.map(|a| a.client_id.as_str()))
        .bind(app.map(|a| a.sealed_secret.as_str()))
        .bind(app.map(|a| a.user.as_str()))
        .bind(link.map(|l| l.url.as_str()))
        .bind(link.and_then(|l| l.password.as_deref()))
        .bind(link.and_then(|l| l.description.as_deref()))
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        let affected = owner.map_or(Affected::Business, Affected::Staff);
        video_changed(&mut w, business, &affected, at, false).await?;
        w.commit().await
    }

    async fn delete_video_account(
        &self,
        business: BusinessId,
        owner: Option<ResourceId>,
        at: jiff::Timestamp,
    ) -> Result<bool, StoreError> {
        use booking_core::video::Affected;
        let mut w = self.db.write().await?;
        let done = query("DELETE FROM video_accounts WHERE business_id = $1 AND owner = $2")
            .bind(business.get())
            .bind(owner.map_or(0, booking_core::ids::ResourceId::get))
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        let affected = owner.map_or(Affected::Business, Affected::Staff);
        video_changed(&mut w, business, &affected, at, false).await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn video_accounts(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(Option<ResourceId>, booking_core::video::StoredAccount)>, StoreError> {
        let rows = query("SELECT * FROM video_accounts WHERE business_id = $1 ORDER BY owner")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::video_account)
    }

    async fn put_course_link(
        &self,
        business: BusinessId,
        course: EventId,
        link: Option<&booking_core::video::CustomLink>,
        at: jiff::Timestamp,
        notify: bool,
    ) -> Result<bool, StoreError> {
        use booking_core::video::Affected;
        let mut w = self.db.write().await?;
        let done = match link {
            Some(link) => query(
                "INSERT INTO course_links (business_id, event_id, url, password, description) \
                 VALUES ($1, $2, $3, $4, $5) ON CONFLICT (business_id, event_id) DO UPDATE SET \
                 url = excluded.url, password = excluded.password, description = excluded.description",
            )
            .bind(business.get())
            .bind(course.get())
            .bind(&link.url)
            .bind(link.password.as_deref())
            .bind(link.description.as_deref())
            .execute(&mut w)
            .await,
            None => query("DELETE FROM course_links WHERE business_id = $1 AND event_id = $2")
                .bind(business.get())
                .bind(course.get())
                .execute(&mut w)
                .await,
        }
        .map_err(unavailable)?;
        video_changed(&mut w, business, &Affected::Course(course), at, notify).await?;
        w.commit().await?;
        Ok(done.rows_affected() == 1)
    }

    async fn course_links(
        &self,
        business: BusinessId,
    ) -> Result<Vec<(EventId, booking_core::video::CustomLink)>, StoreError> {
        let rows = query("SELECT * FROM course_links WHERE business_id = $1 ORDER BY event_id")
            .bind(business.get())
            .fetch_all(&mut self.db.read().await?)
            .await
            .map_err(unavailable)?;
        all(&rows, read::course_link)
    }

    async fn set_online(
        &self,
        business: BusinessId,
        key: &str,
        online: Option<bool>,
        at: jiff::Timestamp,
    ) -> Result<(), StoreError> {
        use booking_core::video::Affected;
        let mut w = self.db.write().await?;
        match online {
            Some(online) => query(
                "INSERT INTO video_occasions (business_id, occasion_key, online) VALUES ($1, $2, $3) \
                 ON CONFLICT (business_id, occasion_key) DO UPDATE SET online = excluded.online",
            )
            .bind(business.get())
            .bind(key)
            .bind(online)
            .execute(&mut w)
            .await,
            None => query("DELETE FROM video_occasions WHERE business_id = $1 AND occasion_key = $2")
                .bind(business.get())
                .bind(key)
                .execute(&mut w)
                .await,
        }
        .map_err(unavailable)?;
        video_changed(&mut w, business, &Affected::Occasion(key.to_owned()), at, false).await?;
        w.commit().await
    }

    async fn online_override(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<bool>, StoreError> {
        let row = query(
            "SELECT online FROM video_occasions WHERE business_id = $1 AND occasion_key = $2",
        )
        .bind(business.get())
        .bind(key)
        .fetch_optional(&mut self.db.read().await?)
        .await
        .map_err(unavailable)?;
        one(row.as_ref(), |c| crate::Cells::flag(c, "online"))
    }

    async fn meeting(
        &self,
        business: BusinessId,
        key: &str,
    ) -> Result<Option<booking_core::video::MeetingRecord>, StoreError> {
        let row =
            query("SELECT * FROM video_meetings WHERE business_id = $1 AND occasion_key = $2")
                .bind(business.get())
                .bind(key)
                .fetch_optional(&mut self.db.read().await?)
                .await
                .map_err(unavailable)?;
        one(row.as_ref(), read::meeting_record)
    }

    async fn insert_meeting(
        &self,
        r: &booking_core::video::MeetingRecord,
    ) -> Result<bool, StoreError> {
        let mut w = self.db.single().await?;
        let done = bind_meeting(query(
            "INSERT INTO video_meetings (business_id, occasion_key, account, meeting_id, join_url, \
             start_url, password, app_account_id, app_client_id, app_sealed_secret, app_user, \
             start_us, end_us, made_at_us, provider) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15) ON CONFLICT (business_id, occasion_key) DO NOTHING",
        ), r)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(done.rows_affected() == 1)
    }

    async fn put_meeting(&self, r: &booking_core::video::MeetingRecord) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        bind_meeting(query(
            "INSERT INTO video_meetings (business_id, occasion_key, account, meeting_id, join_url, \
             start_url, password, app_account_id, app_client_id, app_sealed_secret, app_user, \
             start_us, end_us, made_at_us, provider) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, \
             $10, $11, $12, $13, $14, $15) ON CONFLICT (business_id, occasion_key) DO UPDATE SET \
             account = excluded.account, meeting_id = excluded.meeting_id, \
             join_url = excluded.join_url, start_url = excluded.start_url, \
             password = excluded.password, app_account_id = excluded.app_account_id, \
             app_client_id = excluded.app_client_id, app_sealed_secret = excluded.app_sealed_secret, \
             app_user = excluded.app_user, start_us = excluded.start_us, end_us = excluded.end_us, \
             made_at_us = excluded.made_at_us, provider = excluded.provider",
        ), r)
        .execute(&mut w)
        .await
        .map_err(unavailable)?;
        Ok(())
    }

    async fn delete_meeting(&self, business: BusinessId, key: &str) -> Result<(), StoreError> {
        let mut w = self.db.single().await?;
        query("DELETE FROM video_meetings WHERE business_id = $1 AND occasion_key = $2")
            .bind(business.get())
            .bind(key)
            .execute(&mut w)
            .await
            .map_err(unavailable)?;
        Ok(())
    }
}

/// Binds a meeting record's 15 columns as `$1`…`$15`. The meeting's service and the app's
/// are one: `provider` is the app's, and the stored account key is the app's host there.
fn bind_meeting<'q>(query: Query<'q>, r: &'q booking_core::video::MeetingRecord) -> Query<'q> {
    query
        .bind(r.business.get())
        .bind(&r.key)
        .bind(&r.meeting.host.account)
        .bind(&r.meeting.meeting_id)
        .bind(&r.join_url)
        .bind(r.start_url.as_deref())
        .bind(r.password.as_deref())
        .bind(&r.app.account_id)
        .bind(&r.app.client_id)
        .bind(&r.app.sealed_secret)
        .bind(&r.app.user)
        .bind(micros(r.interval.start()))
        .bind(micros(r.interval.end()))
        .bind(micros(r.made_at))
        .bind(r.meeting.host.provider.code().to_owned())
}
