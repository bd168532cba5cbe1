-- The core no longer keeps an HTTP status with an idempotent answer (issue 17): the HTTP adapter
-- writes it at the head of the answer's subject (`201 booking:7`). Answers settled before keep
-- theirs the same way; reservations still running (status 0) keep their subject.
UPDATE idempotency_keys SET subject = status || ' ' || subject WHERE status <> 0;
ALTER TABLE idempotency_keys DROP COLUMN status;
