-- 0002: what the review and several replicas need: indexed columns for the read side
-- (per client over a period, open cases by age, per person), leased inbox claims, and
-- scheduled job runs. Cases written by 0001 are filled in from their body.

ALTER TABLE cases
    ADD COLUMN client_id   text,
    ADD COLUMN created_at  timestamptz,
    ADD COLUMN people      text[];       -- handlers.model.Case.included

UPDATE cases SET
    client_id = body ->> 'client_id',
    created_at = (body ->> 'created_at')::timestamptz,
    people = ARRAY(
        SELECT jsonb_array_elements_text(body -> 'affected')
        UNION SELECT jsonb_array_elements_text(body -> 'managers')
        UNION SELECT body ->> 'account_manager' WHERE body ->> 'account_manager' IS NOT NULL
    );

ALTER TABLE cases
    ALTER COLUMN client_id SET NOT NULL,
    ALTER COLUMN created_at SET NOT NULL,
    ALTER COLUMN people SET NOT NULL;

CREATE INDEX cases_of_client ON cases (client_id, created_at);
CREATE INDEX cases_by_created ON cases (created_at, number);
CREATE INDEX cases_open ON cases (created_at, number) WHERE status NOT IN ('closed', 'withdrawn');
CREATE INDEX cases_of_person ON cases USING gin (people);

ALTER TABLE inbox
    ADD COLUMN leased_until  timestamptz,
    ADD COLUMN lease_owner   text;

CREATE TABLE job_runs (
    name          text NOT NULL,
    slot          text NOT NULL,
    leased_until  timestamptz,
    lease_owner   text,
    done_at       timestamptz,           -- set once: the run is never handed out again
    PRIMARY KEY (name, slot)
);
