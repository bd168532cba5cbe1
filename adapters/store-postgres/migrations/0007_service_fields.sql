-- §F1 The questions a service asks when booking (custom fields), as a JSON list.
ALTER TABLE services ADD COLUMN fields TEXT NOT NULL DEFAULT '[]';
