DROP TABLE list_reports;
DROP TABLE outcomes;
DROP TABLE proceedings;
