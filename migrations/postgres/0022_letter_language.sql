-- The language a queued letter with a registration link is rendered in when it is sent
-- (issue 17): its recipient's pick, or the page it was queued from. NULL: English (letters
-- queued before this, and letters rendered when queued, which keep their bodies).
ALTER TABLE mail_queue ADD COLUMN language TEXT;
