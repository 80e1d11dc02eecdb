-- Rate limits shared by every node on one database (DESIGN §11): a count per key and fixed
-- window (start, epoch microseconds on the app's clock). The sign-in limit lives here, so N
-- nodes allow the same number of guesses as one.
CREATE TABLE rate_counters (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    n BIGINT NOT NULL,
    PRIMARY KEY (key, window_start)
);
CREATE INDEX rate_counters_window ON rate_counters (window_start);
