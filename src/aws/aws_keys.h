/*
 * aws_keys.h
 *		AWS credentials held in memory, and why they could not be had: the
 *		type the credential chain, STS and the signer share.
 *
 * Pure C, no PostgreSQL headers.  Secrets are malloc'd and wiped with
 * explicit_bzero before they are freed (aws_secret_free, the one wipe), and
 * never written into an error.
 */
#ifndef ATHENA_AWS_KEYS_H
#define ATHENA_AWS_KEYS_H

#include <stdbool.h>
#include <time.h>

#include "aws_error.h"

/* Owned credentials; clear them with aws_credentials_clear. */
typedef struct AwsCredentials
{
	char	   *access_key_id;
	char	   *secret_access_key;
	char	   *session_token;	/* NULL for long-term keys */
	time_t		expiration;		/* 0 when they do not expire */
} AwsCredentials;

/* Why credentials could not be had; holds no secret. */
typedef struct AwsCredentialError
{
	const char *source;			/* static: "STS AssumeRole", ... */
	bool		has_aws_error;	/* the service answered with an error */
	AwsError	aws;			/* then: code, message, status, request id */
	char		text[512];		/* otherwise: what went wrong */
	const char *hint;			/* static: what to do about it, or NULL */
	int			attempts;		/* requests made for the failing call */
	bool		interrupted;	/* should_stop said stop */
} AwsCredentialError;

/*
 * When credentials that expire are renewed, as botocore renews them: from
 * 15 minutes before they expire (advisory: a failed renewal keeps them),
 * and at the latest 10 minutes before (mandatory).  Credentials that live
 * less than 30 minutes get windows of half and a third of their life, so
 * that a 15-minute role is not assumed again for every query (botocore
 * would).  obtained: when they were had; times in seconds since the epoch.
 */
#define AWS_ADVISORY_REFRESH_SECONDS	(15 * 60)
#define AWS_MANDATORY_REFRESH_SECONDS	(10 * 60)

extern void aws_credentials_renewal(time_t expiration, time_t obtained,
									time_t *advisory_at, time_t *mandatory_at);

/*
 * Copies the strings (token may be NULL).  NULL on success; otherwise *creds
 * is empty and the result says why, in words that hold no secret: "out of
 * memory", or that a value holds a control character (safe_value.h), which
 * would end a header early.
 */
extern const char *aws_credentials_set(AwsCredentials *creds,
									   const char *access_key_id,
									   const char *secret_access_key,
									   const char *session_token,
									   time_t expiration);

/* Wipes and frees the strings, and zeroes *creds. */
extern void aws_credentials_clear(AwsCredentials *creds);

/* Wipes and frees a string that held a secret (NULL is fine). */
extern void aws_secret_free(char *secret);

extern void aws_credential_error_free(AwsCredentialError *err);

/*
 * An Expiration as AWS writes it, "2026-11-26T05:40:00Z", optionally with
 * fractions; false if malformed.
 */
extern bool aws_parse_iso8601(const char *text, time_t *out);

#endif							/* ATHENA_AWS_KEYS_H */
