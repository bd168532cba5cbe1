-- The language a customer booked in (issue 18): their emails about the booking are written in
-- it. NULL: the business's language (every booking made before this migration).
ALTER TABLE bookings ADD COLUMN locale TEXT CHECK (locale IN ('fr', 'en'));
