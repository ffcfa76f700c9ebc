-- Issue 18: an audit append is one statement when the appender knows the head. It inserts
-- the entry only while the head is the entry just before it (inside its write transaction),
-- and this second trigger then moves the head's seq and hash to the entry. The first trigger
-- (0025) still moves the hash for an append that raised the head's seq itself (the locking
-- append, and older binaries); each matches only its own case, whichever fires first. Rows
-- restored or copied in another order leave the head alone.
CREATE TRIGGER audit_log_moves_head_after AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_head SET seq = NEW.seq, hash = NEW.hash WHERE id = 1 AND seq = NEW.seq - 1;
END;
