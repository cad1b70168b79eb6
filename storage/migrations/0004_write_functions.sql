-- 0004: a unit of work in one round trip. A case's write (its delivery id, the case row,
-- its timeline events and its outbox items) was a transaction of seven statements, each a
-- round trip holding a pooled connection while the ack waited; these functions do the same
-- steps in the same order, server side, in the one statement that calls them (atomic by
-- itself). The refusals are errors the store turns back into the core's exceptions:
--   CB001 the delivery id was recorded with a change already    -> DuplicateDelivery
--   CB002 the source message has a case (DETAIL: its id)         -> DuplicateSource
--   CB003 a case with this id exists                             -> StorageError
--   CB004 the case is not at the expected version                -> Conflict
-- events: a JSON array of event bodies; effects: a JSON array of
-- {"lane", "after", "kind", "effect"} objects; both in the order they were made.

CREATE FUNCTION complaintbot_record_delivery(p_delivery text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    waited boolean;
BEGIN
    IF p_delivery IS NULL THEN
        RETURN;
    END IF;
    -- A repeat is refused before anything else; an inbox item waiting under the id is
    -- settled by this write (xmax <> 0: the row was there, unsettled).
    INSERT INTO deliveries (id, recorded_at, settled) VALUES (p_delivery, now(), true)
        ON CONFLICT (id) DO UPDATE SET settled = true, recorded_at = now()
        WHERE NOT deliveries.settled
        RETURNING xmax <> 0 INTO waited;
    IF NOT FOUND THEN
        RAISE EXCEPTION USING ERRCODE = 'CB001', MESSAGE = p_delivery;
    END IF;
    IF waited THEN
        DELETE FROM inbox WHERE delivery_id = p_delivery;
    END IF;
END $$;

CREATE FUNCTION complaintbot_add(
    p_case text, p_events jsonb, p_effects jsonb, p_due timestamptz, p_collapse boolean
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    waiting boolean := false;
BEGIN
    INSERT INTO events (case_id, body)
        SELECT p_case, item FROM jsonb_array_elements(p_events) WITH ORDINALITY AS t (item, n)
        ORDER BY n;
    -- A card update waiting unleased draws the card as it is when it is sent: a new one
    -- is not needed. Locked until commit, so no replica leases it meanwhile.
    IF p_collapse AND p_effects @> '[{"kind": "card_update"}]' THEN
        PERFORM 1 FROM outbox WHERE case_id = p_case AND kind = 'card_update'
            AND NOT failed AND leased_until IS NULL LIMIT 1 FOR UPDATE;
        waiting := FOUND;
    END IF;
    INSERT INTO outbox (case_id, lane, after_lane, kind, effect, next_attempt_at)
        SELECT p_case, item ->> 'lane', item ->> 'after', item ->> 'kind', item -> 'effect', p_due
        FROM jsonb_array_elements(p_effects) WITH ORDINALITY AS t (item, n)
        WHERE NOT (waiting AND item ->> 'kind' = 'card_update')
        ORDER BY n;
END $$;

CREATE FUNCTION complaintbot_create_case(
    p_delivery text, p_id text, p_number bigint, p_source text, p_status text,
    p_version integer, p_body jsonb, p_client text, p_created timestamptz, p_people text[],
    p_events jsonb, p_effects jsonb, p_due timestamptz
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    existing text;
BEGIN
    PERFORM complaintbot_record_delivery(p_delivery);
    INSERT INTO cases (id, number, source_key, status, version, body, client_id, created_at, people)
        VALUES (p_id, p_number, p_source, p_status, p_version, p_body, p_client, p_created, p_people)
        ON CONFLICT DO NOTHING;
    IF NOT FOUND THEN
        SELECT id INTO existing FROM cases WHERE source_key = p_source;
        IF existing IS NOT NULL THEN
            RAISE EXCEPTION USING ERRCODE = 'CB002', MESSAGE = p_source, DETAIL = existing;
        END IF;
        RAISE EXCEPTION USING ERRCODE = 'CB003', MESSAGE = p_id;
    END IF;
    PERFORM complaintbot_add(p_id, p_events, p_effects, p_due, false);
END $$;

CREATE FUNCTION complaintbot_save_case(
    p_delivery text, p_id text, p_expected integer, p_status text, p_version integer,
    p_body jsonb, p_client text, p_created timestamptz, p_people text[],
    p_events jsonb, p_effects jsonb, p_due timestamptz
) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    stored integer;
BEGIN
    PERFORM complaintbot_record_delivery(p_delivery);
    SELECT version INTO stored FROM cases WHERE id = p_id FOR UPDATE;
    IF stored IS DISTINCT FROM p_expected THEN
        RAISE EXCEPTION USING ERRCODE = 'CB004', MESSAGE = p_id;
    END IF;
    UPDATE cases SET status = p_status, version = p_version, body = p_body,
        client_id = p_client, created_at = p_created, people = p_people
        WHERE id = p_id;
    PERFORM complaintbot_add(p_id, p_events, p_effects, p_due, true);
END $$;
