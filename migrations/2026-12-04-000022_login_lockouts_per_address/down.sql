REVOKE SELECT, INSERT, UPDATE, DELETE ON rate_limit_buckets FROM probity_runtime;
DROP TABLE login_lockouts;
