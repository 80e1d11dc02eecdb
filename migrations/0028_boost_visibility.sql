-- A boost takes the audience of a followers-only (or direct) post it boosts: boosts written
-- before this rule as public or unlisted become followers-only, so they no longer count as
-- public (outbox, counts) nor route to public streams. Read paths also check the boosted
-- post for every viewer, so this only tidies the rows.
UPDATE statuses SET visibility = 'private'
WHERE reblog_of_id IS NOT NULL
  AND visibility IN ('public', 'unlisted')
  AND reblog_of_id IN (SELECT o.id FROM statuses o WHERE o.visibility IN ('private', 'direct'));
