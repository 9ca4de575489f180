-- claim_parent: one page (ARGV[1], its owner) may open an incident's thread
-- while its claim (KEYS[1]) lasts, ARGV[2] ms: SET NX, or true anyway for
-- the page that holds the claim (its own retries keep it).
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then return 1 end
return 0
