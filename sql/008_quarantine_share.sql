-- 008_quarantine_share.sql - whose share of the quarantine a body uses
--
-- The quarantine is bounded (quarantine_max_bytes).  Trimmed oldest
-- first, a flood of invalid bodies from one place pushed out every other
-- sender's kept bodies, which are exactly what a parser fix would want
-- back.  Each body now names the source it counts against (share): the
-- client's network for HTTPS (a /24 or a /64: one host can hold many
-- addresses of its network), the registrable domain of the From for mail.
-- One source holds at most quarantine_source_share percent of the bound
-- (its own oldest go first), and when the whole is full the source
-- holding most gives way first (store/quarantine.c).
--
-- Rows kept before this migration count against their transport and
-- source as they were recorded (one address, not its network).

ALTER TABLE quarantine ADD COLUMN share text NOT NULL DEFAULT '';
UPDATE quarantine SET share = transport || ' ' || coalesce(source, '');
CREATE INDEX quarantine_share ON quarantine (share, id);
