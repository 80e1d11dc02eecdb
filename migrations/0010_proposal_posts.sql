-- Proposals posted in the social timeline: a poll vote finds its proposal by the poll.
CREATE INDEX proposals_poll ON proposals (poll_id);
