-- Fenced job leases (DESIGN §11): each claim writes a fresh token; finishing, retrying or
-- extending a job checks it, so a node whose lease ran out (and whose job another node has
-- claimed since) cannot finish that job a second time. `locked_until` is now on the
-- database's clock.
ALTER TABLE jobs ADD COLUMN claim_token BIGINT;
