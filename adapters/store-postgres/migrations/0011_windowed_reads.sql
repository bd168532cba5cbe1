-- Windowed reads cost what they return, not the stored history (issue 25): a business's
-- sessions by their end, so the sessions overlapping a window are found without reading the
-- past ones.
CREATE INDEX sessions_business_end ON sessions (business_id, end_us);
