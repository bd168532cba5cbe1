//! Upgrade cases every SQL store runs: rows written in an older version's column layout, and
//! what the store must read back once the later migrations ran.

/// The rows a database of the version before open meeting services held: a business with a
/// Zoom default account and a Zoom meeting made for a booking.
pub const ZOOM_ROWS_BEFORE_0015: [&str; 3] = [
    "INSERT INTO businesses (id, name, zone, locale, settings) \
     VALUES (1, 'Mairie', 'Europe/Paris', 'fr', '{}')",
    "INSERT INTO video_accounts (business_id, owner, kind, zoom_account_id, zoom_client_id, \
     zoom_sealed_secret, zoom_user) VALUES (1, 0, 'zoom', 'acc-1', 'cid', 'sealed:x', 'host')",
    "INSERT INTO video_meetings (business_id, occasion_key, account, meeting_id, join_url, \
     zoom_account_id, zoom_client_id, zoom_sealed_secret, zoom_user, start_us, end_us, \
     made_at_us) VALUES (1, 'booking-7', 'acc-1/host', '85746065', 'https://zoom.us/j/1', \
     'acc-1', 'cid', 'sealed:x', 'host', 1, 2, 3)",
];

/// After the upgrade, the Zoom account and meeting read back as the `zoom` meeting service's,
/// with the same host key, so no meeting is made again.
///
/// # Panics
/// When they do not.
pub async fn zoom_rows_read_as_zoom_s(store: &dyn booking_core::ports::store::Store) {
    use booking_core::ids::BusinessId;
    use booking_core::video::StoredAccount;
    let accounts = store.video_accounts(BusinessId::new(1)).await.unwrap();
    let [(None, StoredAccount::Meetings(app))] = accounts.as_slice() else {
        panic!("the default account is an app: {accounts:?}")
    };
    assert_eq!(
        (app.provider.code(), app.account_id.as_str(), app.user.as_str()),
        ("zoom", "acc-1", "host")
    );
    let meeting = store.meeting(BusinessId::new(1), "booking-7").await.unwrap().unwrap();
    assert_eq!(meeting.meeting.host, app.host(), "the same host: its meeting is kept, not remade");
    assert_eq!(meeting.meeting.meeting_id, "85746065");
    assert_eq!(meeting.app, *app);
}
