DROP TABLE idempotency_keys;
DROP TABLE rate_limit_buckets;
DROP TABLE public_reports;
