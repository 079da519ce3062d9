-- 003_home_domain.sql - whose report it is: the home domain, the door's
-- hint, and the policies that are DANE MX hosts of the home domain
--
-- The home domain (ingest/report_domain.c) is the recipient domain as best
-- the report tells: the policy-domain of its first sts policy, else the
-- domain that ends its report-id, else the hint its door passed (the mail
-- intake's TLS-Report-Domain header, kept in domain_hint so that "tlsrpt
-- reparse" decides alike), else its first policy-domain, else
-- '(unknown)'.  policy.domain stays the policy's group (its policy-domain,
-- else the home domain); dane_mx marks the groups of only tlsa policies
-- for another name than the home domain: DANE MX hosts whose sessions
-- count for the home domain (store/query.c).
--
-- Rows stored before this migration have home_domain NULL and dane_mx
-- false, and count as before (each policy for its own policy-domain)
-- until "tlsrpt reparse" applies the rules to them; "db migrate" says so.
-- Adding columns with a constant default rewrites no table.

ALTER TABLE report
	ADD COLUMN home_domain text,
	ADD COLUMN domain_hint text;

ALTER TABLE policy
	ADD COLUMN dane_mx boolean NOT NULL DEFAULT false;
