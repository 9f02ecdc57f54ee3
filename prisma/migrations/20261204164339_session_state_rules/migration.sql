-- Written by hand: Prisma's schema language cannot express these rules.
-- They repeat, in the database, the state machine of
-- src/sessions/session-status.ts, so that no code path, script or manual
-- UPDATE can skip a state; test/sessions/session-state-rules.test.ts checks
-- that both agree.

-- A session is created pending and then moves only along the allowed
-- transitions. An UPDATE that leaves the status unchanged passes.
CREATE FUNCTION "session_status_transition_check"() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF TG_OP = 'INSERT' THEN
    IF NEW."status" <> 'pending' THEN
      RAISE EXCEPTION 'session % must be created pending, not %', NEW."id", NEW."status"
        USING ERRCODE = 'check_violation';
    END IF;
  ELSIF NEW."status" IS DISTINCT FROM OLD."status" AND NOT (
       (OLD."status" = 'pending' AND NEW."status" IN ('started', 'start_failed', 'expired'))
    OR (OLD."status" = 'started' AND NEW."status" = 'closing')
    OR (OLD."status" = 'closing' AND NEW."status" IN ('closed', 'close_failed'))
    OR (OLD."status" = 'close_failed' AND NEW."status" = 'closing')
  ) THEN
    RAISE EXCEPTION 'session % cannot move from % to %', OLD."id", OLD."status", NEW."status"
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;

CREATE TRIGGER "Session_status_transition"
BEFORE INSERT OR UPDATE OF "status" ON "Session"
FOR EACH ROW EXECUTE FUNCTION "session_status_transition_check"();

-- At most one live ticket per session: the start ticket while pending, then
-- the latest close ticket. A new close ticket can only be inserted once the
-- previous one is superseded, so two browser round trips can never both be
-- waiting for SENCE.
CREATE UNIQUE INDEX "Ticket_one_issued_per_session" ON "Ticket" ("sessionId") WHERE "status" = 'issued';
