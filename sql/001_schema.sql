-- 001_schema.sql - the normalised report store (RFC 8460 reports)
--
-- Applied by "tlsrpt db migrate" (store/migrate.c store_migrate): every
-- sql/NNN_name.sql is compiled into the binary (store/sqlembed.sh) and the
-- missing ones run in order in one transaction, each recorded in
-- schema_version (which store_migrate creates itself, so this file and
-- every later one must not contain BEGIN/COMMIT).  Never edit a migration
-- that has shipped: add the next number.
--
-- Tables:
--   report          one row per distinct report (dedup key R24), with the
--                   raw bytes exactly as received so "tlsrpt reparse" can
--                   rebuild everything below after a parser fix
--   policy          the policies of a report (idx = position in the JSON
--                   policies array, from 0)
--   failure_detail  the failure-details of a policy (idx from 0)
--
-- Types follow RFC8460-RECEIVER.md R17.  result_type and policy_type are
-- free text on purpose: the registries grow (R33, R34) and an unknown value
-- must be kept, never refused by the database.
--
-- Partitioning (DESIGN.md "Scale"), for a later migration: report can be
-- partitioned by range of day (month partitions).  A unique constraint on
-- a partitioned table must contain the partition key; day is a function
-- of start_raw (the UTC day of the parsed start), so adding day to the
-- dedup key and to the primary key (id, day) does not change what counts
-- as a duplicate.  policy and failure_detail would then carry day as well.

CREATE SEQUENCE report_id_seq AS bigint;

CREATE TABLE report (
	-- store_batch() takes ids with nextval() before it inserts, so rows of
	-- one batch can be written with COPY without a round trip per report
	id			bigint PRIMARY KEY DEFAULT nextval('report_id_seq'),
	-- the dedup key (R24): byte-exact strings as sent
	organization_name	text NOT NULL,
	report_id		text NOT NULL,
	start_raw		text NOT NULL,
	end_raw			text NOT NULL,
	-- normalised half-open range [start_time, end_time) (R19: an end at
	-- :59 is inclusive in the report and got +1 s)
	start_time		timestamptz NOT NULL,
	end_time		timestamptz NOT NULL,
	-- the UTC day of start_time: the day a report counts for
	day			date NOT NULL,
	contact_info		text,
	-- 'accepted', or 'foreign' when no policy names one of our domains
	-- (R56): stored so nothing is lost, never counted
	verdict			text NOT NULL
				CHECK (verdict IN ('accepted', 'foreign')),
	transport		text NOT NULL,		-- file, https, mail
	source			text,			-- file name, client IP, ...
	flags			text[] NOT NULL DEFAULT '{}',	-- report_flag_name()s
	-- Authentication of this copy, NULL when unauthenticated (HTTPS, a
	-- file).  Room for the mail intake: a DKIM-proven copy of a report
	-- (e.g. 'dkim d=google.com s=20230601') replaces an unauthenticated
	-- copy with the same dedup key, never the other way round.  That
	-- replacement is meant as an UPDATE of this row (raw, raw_sha256,
	-- transport, source, authenticated, then a reparse of its children)
	-- so that its id stays stable.
	authenticated		text,
	raw			bytea NOT NULL,		-- exactly as received
	raw_sha256		bytea NOT NULL CHECK (octet_length(raw_sha256) = 32),
	received_at		timestamptz NOT NULL DEFAULT now(),
	parsed_at		timestamptz NOT NULL DEFAULT now(),
	CONSTRAINT report_dedup UNIQUE (organization_name, report_id, start_raw)
);
ALTER SEQUENCE report_id_seq OWNED BY report.id;

-- the summary selects accepted reports of a day range
CREATE INDEX report_day_verdict ON report (day, verdict);

CREATE TABLE policy (
	report_id		bigint NOT NULL REFERENCES report (id) ON DELETE CASCADE,
	idx			integer NOT NULL CHECK (idx >= 0),
	policy_type		text NOT NULL,		-- sts, tlsa, no-policy-found, ...
	policy_domain		text,			-- as sent (lower-cased), NULL if absent
	-- the effective domain this policy counts for: policy_domain, else
	-- the report's domain (report_assign_domains)
	domain			text NOT NULL,
	policy_string		text[],
	mx_host			text[],
	total_successful	bigint NOT NULL CHECK (total_successful >= 0),
	total_failure		bigint NOT NULL CHECK (total_failure >= 0),
	PRIMARY KEY (report_id, idx)
);

-- the summary for one domain; report_id lets it find the reports
CREATE INDEX policy_domain ON policy (domain, report_id);

CREATE TABLE failure_detail (
	report_id		bigint NOT NULL,
	policy_idx		integer NOT NULL,
	idx			integer NOT NULL CHECK (idx >= 0),
	result_type		text NOT NULL,
	-- inet only when the address parses (inet_pton); the text as sent is
	-- always kept in *_raw (R25)
	sending_mta_ip		inet,
	sending_mta_ip_raw	text,
	receiving_mx_hostname	text,
	receiving_mx_helo	text,
	receiving_ip		inet,
	receiving_ip_raw	text,
	failed_session_count	bigint NOT NULL CHECK (failed_session_count >= 0),
	additional_information	text,			-- never dereferenced (R28)
	failure_reason_code	text,			-- at most 4 KiB (R31)
	PRIMARY KEY (report_id, policy_idx, idx)
);

-- failure_detail (report_id, policy_idx) belongs to policy (report_id,
-- idx), with ON DELETE CASCADE semantics, enforced by the two statement
-- triggers below instead of a FOREIGN KEY.  Why: a foreign key checks
-- every inserted row on its own (one SPI query and a row lock per row);
-- with about ten details per report that alone cost a third of
-- store_batch()'s time (7,900 against 11,800 reports/s in batches of
-- 1,000 on two cores).  The insert check here runs once per statement
-- over all new rows.  It takes no lock on the policy rows: store_batch()
-- writes both in one transaction, so no one else can see, let alone
-- delete, those policies before the details exist.  TRUNCATE policy does
-- not reach failure_detail: truncate both.
CREATE FUNCTION failure_detail_has_policy() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	IF EXISTS (SELECT 1 FROM new_rows n WHERE NOT EXISTS (
	    SELECT 1 FROM policy p
	    WHERE p.report_id = n.report_id AND p.idx = n.policy_idx)) THEN
		RAISE EXCEPTION 'failure_detail row without its policy row'
		    USING ERRCODE = 'foreign_key_violation';
	END IF;
	RETURN NULL;
END
$$;

CREATE TRIGGER failure_detail_has_policy AFTER INSERT ON failure_detail
    REFERENCING NEW TABLE AS new_rows
    FOR EACH STATEMENT EXECUTE FUNCTION failure_detail_has_policy();

CREATE FUNCTION policy_delete_details() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	DELETE FROM failure_detail f USING old_rows o
	    WHERE f.report_id = o.report_id AND f.policy_idx = o.idx;
	RETURN NULL;
END
$$;

CREATE TRIGGER policy_delete_details AFTER DELETE ON policy
    REFERENCING OLD TABLE AS old_rows
    FOR EACH STATEMENT EXECUTE FUNCTION policy_delete_details();
