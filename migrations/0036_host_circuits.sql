-- Federation host health shared by every node on one database (DESIGN §11): the circuit
-- breaker's consecutive failures and the time until which deliveries to the host are skipped
-- (epoch microseconds). A host with a row may have failures recorded; a delivery that
-- succeeds deletes its row with its `delivery_failures`.
CREATE TABLE host_circuits (
    host TEXT PRIMARY KEY,
    failures BIGINT NOT NULL,
    open_until BIGINT NOT NULL
);

-- Hosts with failures recorded before this table existed get a closed circuit, so their next
-- success clears those failures too.
INSERT INTO host_circuits (host, failures, open_until)
SELECT DISTINCT domain, 0, 0 FROM delivery_failures;
