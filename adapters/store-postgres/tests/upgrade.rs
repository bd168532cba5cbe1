//! Upgrading a database keeps what it held: the rows of an older version, written in its own
//! column layout, read back through the store after the later migrations (on a scratch
//! database, dropped after).

use std::borrow::Cow;

use booking_store_postgres::scratch::ScratchDatabase;
use sqlx::migrate::Migrator;

/// The migrations before open meeting services (0015).
fn before_0015(all: &Migrator) -> Migrator {
    Migrator {
        migrations: Cow::Owned(all.migrations.iter().filter(|m| m.version < 15).cloned().collect()),
        ignore_missing: false,
        locking: true,
        no_tx: false,
    }
}

#[tokio::test]
async fn zoom_accounts_and_meetings_survive_the_opening_of_meeting_services() {
    let Some(db) = ScratchDatabase::for_test().await else { return };
    let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
    before_0015(&booking_store_postgres::MIGRATOR).run(&pool).await.unwrap();
    for statement in booking_testkit::upgrade::ZOOM_ROWS_BEFORE_0015 {
        sqlx::query(statement).execute(&pool).await.unwrap();
    }
    let store = booking_store_postgres::on(pool).await.unwrap();
    booking_testkit::upgrade::zoom_rows_read_as_zoom_s(&store).await;
    let bad = sqlx::query(
        "INSERT INTO video_accounts (business_id, owner, kind, provider) VALUES (1, 5, 'meetings', 'Not An Id')",
    )
    .execute(store.database().pool())
    .await;
    assert!(bad.is_err(), "a provider id's shape is checked");
}
