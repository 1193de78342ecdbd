/* athena_fdw--1.0--1.1.sql: counters per server and API operation */

-- complain if script is sourced in psql, rather than via ALTER EXTENSION
\echo Use "ALTER EXTENSION athena_fdw UPDATE TO '1.1'" to load this file. \quit

-- Cluster-wide (scope 'cluster') when the library is in
-- shared_preload_libraries, else this backend's own (scope 'backend').
CREATE FUNCTION athena_fdw_stats(
    OUT database name,
    OUT server name,
    OUT operation text,
    OUT calls bigint,
    OUT retries bigint,
    OUT throttled bigint,
    OUT errors_not_found bigint,
    OUT errors_transient bigint,
    OUT errors_auth bigint,
    OUT errors_access_denied bigint,
    OUT errors_validation bigint,
    OUT errors_other bigint,
    OUT errors_network bigint,
    OUT errors_timeout bigint,
    OUT errors_bad_response bigint,
    OUT bytes_received bigint,
    OUT time_ms double precision,
    OUT since timestamptz,
    OUT scope text)
RETURNS SETOF record
AS 'MODULE_PATHNAME', 'athena_fdw_stats'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

CREATE VIEW athena_fdw_stats AS SELECT * FROM athena_fdw_stats();
GRANT SELECT ON athena_fdw_stats TO PUBLIC;

CREATE FUNCTION athena_fdw_stats_reset()
RETURNS void
AS 'MODULE_PATHNAME', 'athena_fdw_stats_reset'
LANGUAGE C STRICT VOLATILE PARALLEL RESTRICTED;

-- superusers only (the function checks it too)
REVOKE ALL ON FUNCTION athena_fdw_stats_reset() FROM PUBLIC;
