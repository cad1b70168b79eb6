-- 0003: an outbox item may wait for one more lane of its case (handlers.effects.Effect.after:
-- a DM waits for its case's card, which it links to). Items written before it wait for
-- nothing more, as before.

ALTER TABLE outbox ADD COLUMN after_lane text;
