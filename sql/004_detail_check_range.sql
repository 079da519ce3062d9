-- 004_detail_check_range.sql - the failure_detail -> policy check reads
-- only the policies of the rows just inserted
--
-- 001's statement trigger checked every new failure_detail row against
-- policy with an anti-join the planner ran as a scan of the whole policy
-- table (sorted or hashed) while the table is small: 47 ms for a batch of
-- 10,000 details against 30,000 policies, a fifth of the database's time
-- in "make bench", and more as the table grows until the planner switches
-- to index probes, one per detail.  Now each distinct (report_id,
-- policy_idx) is checked once, against the policies inside the id range of
-- the new rows, which an index range scan of policy_pkey reads: a batch's
-- report ids come from one block of the sequence (store/batch.c), so the
-- range holds little more than the batch.  7 ms for the same batch.
CREATE OR REPLACE FUNCTION failure_detail_has_policy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM (SELECT DISTINCT report_id, policy_idx
	    FROM new_rows) n WHERE NOT EXISTS (
	    SELECT 1 FROM policy p
	    WHERE p.report_id = n.report_id AND p.idx = n.policy_idx
	    AND p.report_id BETWEEN (SELECT min(report_id) FROM new_rows)
	    AND (SELECT max(report_id) FROM new_rows))) THEN
		RAISE EXCEPTION 'failure_detail row without its policy row'
		    USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END
$$;
