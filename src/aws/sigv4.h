/*
 * sigv4.h
 *		AWS Signature Version 4 signing, on OpenSSL's libcrypto.
 *
 * Pure C: no PostgreSQL headers, so the unit tests, the fuzzer and the
 * benchmarks can use it without a server.  Strings returned are malloc'd and
 * belong to the caller; NULL means out of memory, a libcrypto failure or an
 * invalid argument (for example an amz_date not shaped like X-Amz-Date).
 * Nothing here ever prints, and no returned string contains the secret.
 */
#ifndef ATHENA_SIGV4_H
#define ATHENA_SIGV4_H

#include <stdbool.h>
#include <stddef.h>
#include <time.h>

/*
 * One request header, in the order it was given; names may repeat, and the
 * values of a repeated name are joined with ',' in that order.  Every header
 * given is signed: leave out the ones a proxy may rewrite.
 */
typedef struct SigV4Header
{
	const char *name;
	const char *value;
} SigV4Header;

typedef struct SigV4Request
{
	const char *method;			/* "POST" */
	const char *path;			/* raw, not yet URI-encoded: "/" or "/a b/" */
	const char *query;			/* query string without '?', or NULL; %XX
								 * escapes are decoded then re-encoded, so raw
								 * and escaped forms sign alike */
	const SigV4Header *headers;
	size_t		nheaders;
	const void *payload;
	size_t		payload_len;
	bool		normalize_path; /* true for every service except S3 */
} SigV4Request;

typedef struct SigV4Params
{
	const char *access_key_id;
	const char *secret_access_key;
	const char *region;
	const char *service;		/* "athena" */
	const char *amz_date;		/* YYYYMMDD'T'HHMMSS'Z', as in X-Amz-Date */
} SigV4Params;

/*
 * The derived signing key depends only on secret, date, region and service,
 * so it is computed once and reused until one of them changes.  The secret
 * itself is not kept: only its SHA-256, to notice a change.  Zero it before
 * first use; it has no lock, so keep one per thread.  Region or service names
 * of 64 bytes or more bypass it.
 */
typedef struct SigV4KeyCache
{
	bool		valid;
	char		date[9];
	char		region[64];
	char		service[64];
	unsigned char secret_digest[32];
	unsigned char key[32];
} SigV4KeyCache;

/*
 * Formats t (UTC) as an X-Amz-Date value into buf (at least 17 bytes); buf
 * is left empty when t cannot be expressed, which the signer then refuses.
 */
extern void sigv4_format_amz_date(time_t t, char *buf);

/* Hex SHA-256 of data into hex (65 bytes, NUL-terminated; "" on failure). */
extern void sigv4_sha256_hex(const void *data, size_t len, char *hex);

/* The canonical request (AWS's step 1). */
extern char *sigv4_canonical_request(const SigV4Request *req);

/* The string to sign for a canonical request (step 2). */
extern char *sigv4_string_to_sign(const SigV4Params *params,
								  const char *canonical_request);

/*
 * The Authorization header value (without "Authorization: ").  cache may be
 * NULL.  When creq_out / sts_out are not NULL they receive the intermediate
 * strings (for tests); the caller frees them.
 */
extern char *sigv4_authorization(const SigV4Request *req,
								 const SigV4Params *params,
								 SigV4KeyCache *cache,
								 char **creq_out, char **sts_out);

#endif							/* ATHENA_SIGV4_H */
