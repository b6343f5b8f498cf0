-- The phone an agent answered a call on (PJSIP/agent101). Agents are a configured list of
-- phones until the console lets them sign in for a shift; agent_id links the user then.
ALTER TABLE calls ADD COLUMN agent_endpoint TEXT NOT NULL DEFAULT '';
