-- The booking that replaced a rescheduled one (issue 18): an old email's cancel link follows
-- the move to the booking that holds now, and invitations keep one UID for the whole chain.
-- Only moved bookings are indexed.
CREATE INDEX bookings_successor ON bookings (rescheduled_from) WHERE rescheduled_from IS NOT NULL;
