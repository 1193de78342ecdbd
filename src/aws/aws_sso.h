/*
 * aws_sso.h
 *		An SSO profile's credentials, as botocore's SSOProvider gets them:
 *		the access token `aws sso login` cached under ~/.aws/sso/cache (the
 *		file named by the SHA-1 of the sso_session's name, or of the start
 *		URL for the legacy sso_* keys), then the SSO portal's
 *		GetRoleCredentials (GET /federation/credentials, unsigned, the token
 *		in x-amz-sso_bearer_token).
 *
 * Pure C, no PostgreSQL headers.  The token is never refreshed here (that
 * needs the SSO-OIDC client registration the CLI keeps): an expired token
 * is an error whose hint says to log in again.
 */
#ifndef ATHENA_AWS_SSO_H
#define ATHENA_AWS_SSO_H

#include <stdbool.h>
#include <stddef.h>

#include "aws_keys.h"
#include "aws_request.h"

typedef struct AwsSsoSettings
{
	const char *profile;		/* for messages */
	const char *session_name;	/* sso_session, or NULL (legacy keys) */
	const char *start_url;
	const char *region;			/* sso_region */
	const char *account_id;
	const char *role_name;
} AwsSsoSettings;

/* The cache file's name for the settings (malloc'd; NULL: out of memory). */
extern char *aws_sso_cache_path(const AwsSsoSettings *settings);

/* The portal's answer (exposed for the unit tests). */
extern bool aws_sso_parse_credentials(const char *body, size_t len,
									  AwsCredentials *out, char *errbuf,
									  size_t errlen);

/*
 * Reads the cached token and calls GetRoleCredentials at the SSO portal of
 * the settings' region (AWS_ENDPOINT_URL_SSO or AWS_ENDPOINT_URL when set,
 * else the endpoint rules).  On failure fills err; an absent or expired
 * token sets err->hint.
 */
extern bool aws_sso_credentials(HttpClient *client, const HttpOptions *http,
								const AwsSsoSettings *settings,
								AwsStopFn should_stop, void *arg,
								AwsCredentials *out, AwsCredentialError *err);

#endif							/* ATHENA_AWS_SSO_H */
