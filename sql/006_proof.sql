-- 006_proof.sql - who proved a report, and the mail it came in
--
-- A report is the same report when organization-name, report-id and the
-- start of its date range match AND it is proven by the same party: the
-- registrable DKIM d= domain (proof), or none for HTTPS and files.
-- Anyone can sign with their own domain and claim Google's
-- organization-name and report-id, so two copies proven by different
-- domains are two reports, each shown with the domain that proved it;
-- a proven copy supersedes an unauthenticated one (the row keeps its id).
--
-- slot makes that one unique index: the first report of a key takes slot
-- '' (whether proven or not); a report of the same key proven by another
-- domain than the one in slot '' takes its proof domain as slot.  So an
-- unauthenticated copy and a proven one arriving at the same time meet in
-- slot '' (one waits for the other: no double count), and the hot path's
-- insert stays one ON CONFLICT DO NOTHING.  Existing rows take slot ''
-- and proof NULL (unauthenticated) without a table rewrite.
--
-- arrival_flags are facts of how this copy arrived, not of its content
-- (so "tlsrpt reparse" keeps them): what the mail's headers said against
-- the report, an expired DKIM x=, a release from the quarantine by hand.

ALTER TABLE report
	ADD COLUMN proof text,
	ADD COLUMN slot text NOT NULL DEFAULT '',
	ADD COLUMN arrival_flags text[] NOT NULL DEFAULT '{}';

ALTER TABLE report DROP CONSTRAINT report_dedup;
ALTER TABLE report ADD CONSTRAINT report_dedup
	UNIQUE (organization_name, report_id, start_raw, slot);

-- The mail a report came in, whole, gzip-compressed, with the DKIM
-- gate's result: the gate can be run again on it.  Only mailed copies
-- have one; a superseded or replaced copy's mail moves with its content.
CREATE TABLE report_message (
	report_id		bigint PRIMARY KEY
				REFERENCES report (id) ON DELETE CASCADE,
	message_gz		bytea NOT NULL,
	message_sha256		bytea NOT NULL
				CHECK (octet_length(message_sha256) = 32),
	dkim			text NOT NULL,
	message_id		text,
	mail_from		text
);

ALTER TABLE report_conflict
	ADD COLUMN proof text,
	ADD COLUMN arrival_flags text[] NOT NULL DEFAULT '{}',
	ADD COLUMN message_gz bytea,
	ADD COLUMN dkim text,
	-- "quarantine release --replace" made this copy the counted one
	-- and the report's former content this conflicting copy
	ADD COLUMN replaced_by_hand timestamptz;

-- A quarantined mail is the whole message (raw), with the gate's result.
ALTER TABLE quarantine
	ADD COLUMN dkim text,
	ADD COLUMN message_id text,
	ADD COLUMN mail_from text;
