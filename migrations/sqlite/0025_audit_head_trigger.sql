-- Issue 18: an audit append is two statements instead of three. The entry's insert moves the
-- chain's head to it (the head row was locked and its seq raised by the append's first
-- statement); an older binary still sets the same hash itself, so this is an expand step.
-- Only the entry the head's seq names moves it: rows restored or copied in another order
-- leave the head alone.
CREATE TRIGGER audit_log_moves_head AFTER INSERT ON audit_log
BEGIN
    UPDATE audit_head SET hash = NEW.hash WHERE id = 1 AND seq = NEW.seq;
END;
