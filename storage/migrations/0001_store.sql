-- 0001: the store contract of the event path (storage/base.py): cases with a unique
-- source, their timelines, platform refs, recorded delivery ids, the inbox and the outbox.

CREATE SEQUENCE case_numbers;

CREATE TABLE cases (
    id          text PRIMARY KEY,
    number      integer NOT NULL UNIQUE,
    source_key  text NOT NULL UNIQUE,  -- one case per source message, settled by the index
    status      text NOT NULL,
    version     integer NOT NULL,      -- save_case writes only over the expected version
    body        jsonb NOT NULL         -- handlers.model.case_to_dict
);

CREATE TABLE events (
    id       bigserial PRIMARY KEY,   -- the order events were recorded
    case_id  text NOT NULL REFERENCES cases (id),
    body     jsonb NOT NULL
);
CREATE INDEX events_of_case ON events (case_id, id);

CREATE TABLE refs (
    case_id  text NOT NULL REFERENCES cases (id),
    name     text NOT NULL,
    value    text NOT NULL,
    PRIMARY KEY (case_id, name)
);
CREATE INDEX refs_client_thread ON refs (value) WHERE name = 'client_thread';

-- A delivery id is recorded with the change it caused (settled) or when its trigger
-- waits in the inbox (not settled yet); either way a repeat is recognised here.
CREATE TABLE deliveries (
    id           text PRIMARY KEY,
    recorded_at  timestamptz NOT NULL,
    settled      boolean NOT NULL,
    dropped      text                 -- why an inbox item was settled without a case
);
CREATE INDEX deliveries_settled ON deliveries (recorded_at) WHERE settled;

CREATE TABLE inbox (
    seq              bigserial UNIQUE,  -- the order accepted, among equal received_at
    delivery_id      text PRIMARY KEY REFERENCES deliveries (id),
    kind             text NOT NULL,
    payload          jsonb NOT NULL,
    received_at      timestamptz NOT NULL,
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz,      -- NULL: due at once
    errors           jsonb NOT NULL DEFAULT '[]'
);

CREATE TABLE outbox (
    id               bigserial PRIMARY KEY,  -- within a case, the order its effects were made
    case_id          text NOT NULL REFERENCES cases (id),
    lane             text NOT NULL,          -- handlers.effects.Effect.lane
    kind             text NOT NULL,
    effect           jsonb NOT NULL,         -- handlers.effects.effect_to_dict
    attempts         integer NOT NULL DEFAULT 0,
    next_attempt_at  timestamptz NOT NULL,
    maybe_sent       boolean NOT NULL DEFAULT false,
    leased_until     timestamptz,
    lease_owner      text,                   -- the store (replica) holding the lease
    failed           boolean NOT NULL DEFAULT false,
    errors           jsonb NOT NULL DEFAULT '[]'
);
CREATE INDEX outbox_lanes ON outbox (case_id, lane, id) WHERE NOT failed;
