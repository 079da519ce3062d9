-- 005_conflicts.sql - copies that differ are kept, never dropped; a
-- policy-domain that is no host name counts for no one
--
-- A report is the same report when organization-name, report-id and the
-- start of its date range match (R24).  A copy whose decoded content is
-- the same is a duplicate: nothing is written.  A copy whose content
-- differs (report ids are predictable: anyone can post a forged copy
-- first) is kept here as a conflicting copy of the report, with its raw
-- bytes, transport, source and time, and never counts: the first copy
-- keeps counting.  content_sha256 is the digest of a canonical form of the
-- decoded report (lib/report.c report_digest), so a copy re-compressed
-- by its sender is still the same report.  At most max_conflicts_per_report
-- copies are kept per report (store/conflict.c); further ones only count
-- in conflicts_dropped.  Rows stored before this migration have no digest
-- until "tlsrpt reparse": until then a copy of them is a duplicate.

ALTER TABLE report
	ADD COLUMN content_sha256 bytea
	    CHECK (octet_length(content_sha256) = 32),
	ADD COLUMN conflicts integer NOT NULL DEFAULT 0,
	ADD COLUMN conflicts_dropped bigint NOT NULL DEFAULT 0;

CREATE TABLE report_conflict (
	id			bigserial PRIMARY KEY,
	report_id		bigint NOT NULL
				REFERENCES report (id) ON DELETE CASCADE,
	received_at		timestamptz NOT NULL DEFAULT now(),
	transport		text NOT NULL,
	source			text,
	authenticated		text,
	domain_hint		text,
	raw			bytea NOT NULL,
	raw_sha256		bytea NOT NULL
				CHECK (octet_length(raw_sha256) = 32),
	content_sha256		bytea NOT NULL
				CHECK (octet_length(content_sha256) = 32),
	-- the same differing content twice is one conflicting copy
	UNIQUE (report_id, content_sha256)
);

-- R23: a policy whose policy-domain is no host name belongs to no group
-- (ingest/report_domain.c) and counts for no domain
ALTER TABLE policy ALTER COLUMN domain DROP NOT NULL;
