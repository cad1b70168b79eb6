-- 0005: where each platform user can be written to (Teams' conversation reference from the
-- app's installation for them), the latest one kept.

CREATE TABLE addresses (
    platform    text NOT NULL,
    user_id     text NOT NULL,
    reference   jsonb NOT NULL,
    saved_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (platform, user_id)
);
