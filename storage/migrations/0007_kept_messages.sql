-- 0007: messages a platform sent of a client channel that were no case business (Teams
-- sends every one and cannot be asked for one later), kept for a short time so that a
-- later flag can open a case on one (Store.keep_message, storage/base.py).

CREATE TABLE kept_messages (
    platform    text NOT NULL,
    channel     text NOT NULL,
    message_id  text NOT NULL,
    author      text NOT NULL,
    body        jsonb NOT NULL,
    kept_at     timestamptz NOT NULL,
    PRIMARY KEY (platform, channel, message_id)
);

CREATE INDEX kept_messages_kept_at ON kept_messages (kept_at);
CREATE INDEX kept_messages_author ON kept_messages (platform, author);
