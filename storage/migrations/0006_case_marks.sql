-- 0006: what the review reads of each case's timeline (handlers.fit.marks: how often it was
-- reopened, when it was last resolved), kept on the case row, so a portfolio of 100k cases
-- reads no timeline (Store.case_history). A trigger on the events keeps them whatever
-- writes the events; cases written before are filled in from their timelines.

ALTER TABLE cases
    ADD COLUMN reopens      integer NOT NULL DEFAULT 0,
    ADD COLUMN resolved_at  timestamptz;

UPDATE cases SET reopens = marks.reopens, resolved_at = marks.resolved_at
FROM (
    SELECT case_id,
        count(*) FILTER (WHERE body ->> 'kind' = 'reopened') AS reopens,
        (array_agg((body ->> 'at')::timestamptz ORDER BY id DESC)
            FILTER (WHERE body ->> 'kind' = 'resolved'))[1] AS resolved_at
    FROM events WHERE body ->> 'kind' IN ('reopened', 'resolved')
    GROUP BY case_id
) AS marks
WHERE cases.id = marks.case_id;

CREATE FUNCTION complaintbot_mark_case() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.body ->> 'kind' = 'reopened' THEN
        UPDATE cases SET reopens = reopens + 1 WHERE id = NEW.case_id;
    ELSE
        UPDATE cases SET resolved_at = (NEW.body ->> 'at')::timestamptz WHERE id = NEW.case_id;
    END IF;
    RETURN NULL;
END $$;

-- Events of one write are inserted in the order they were made, so the last resolution wins.
CREATE TRIGGER events_mark_case AFTER INSERT ON events FOR EACH ROW
    WHEN (NEW.body ->> 'kind' IN ('reopened', 'resolved'))
    EXECUTE FUNCTION complaintbot_mark_case();
