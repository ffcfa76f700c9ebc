-- Letters with a registration link are rendered when they are sent (issue 12: a bulk
-- invitation of 50,000 people returns at once): the queue keeps the link's token, sealed
-- (AES-256-GCM, `sealing::Kind::MailBody`), and when the link expires, instead of two sealed
-- bodies. Other letters keep their sealed bodies. A letter has one or the other.
ALTER TABLE mail_queue ALTER COLUMN body_text DROP NOT NULL;
ALTER TABLE mail_queue ALTER COLUMN body_html DROP NOT NULL;
ALTER TABLE mail_queue ADD COLUMN link_token TEXT;
ALTER TABLE mail_queue ADD COLUMN link_expires_at BIGINT;
ALTER TABLE mail_queue ADD CONSTRAINT mail_queue_body CHECK (
    (body_text IS NOT NULL AND body_html IS NOT NULL AND link_token IS NULL)
    OR (body_text IS NULL AND body_html IS NULL AND link_token IS NOT NULL
        AND link_expires_at IS NOT NULL AND account_id IS NOT NULL));
