-- 002_quarantine.sql - raw bodies of reports we could not accept
--
-- "tlsrpt serve" answers 400 to an undecodable or invalid report, but
-- Postfix's reporter (and others) never retry after any answer: the body
-- is kept here with the reason, so that a parser fix can recover it with
-- "tlsrpt reparse" (which moves every quarantined body that now parses
-- into report).  Bounded by quarantine_max_bytes: the oldest rows go
-- first (store_quarantine).  The same bytes are kept once.

CREATE TABLE quarantine (
	id			bigserial PRIMARY KEY,
	received_at		timestamptz NOT NULL DEFAULT now(),
	transport		text NOT NULL,		-- https, mail, spool
	source			text,			-- client IP, ...
	reason			text NOT NULL,
	raw			bytea NOT NULL,
	raw_sha256		bytea NOT NULL UNIQUE
				CHECK (octet_length(raw_sha256) = 32)
);
