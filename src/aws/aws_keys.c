/*
 * aws_keys.c
 *		Credentials in memory: copied in checked, wiped on the way out, and
 *		when they are due for renewal.
 */
#include "aws_keys.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "safe_value.h"

void
aws_secret_free(char *secret)
{
	if (secret != NULL)
	{
		explicit_bzero(secret, strlen(secret));
		free(secret);
	}
}

void
aws_credentials_clear(AwsCredentials *creds)
{
	aws_secret_free(creds->access_key_id);
	aws_secret_free(creds->secret_access_key);
	aws_secret_free(creds->session_token);
	memset(creds, 0, sizeof(*creds));
}

const char *
aws_credentials_set(AwsCredentials *creds, const char *access_key_id,
					const char *secret_access_key, const char *session_token,
					time_t expiration)
{
	memset(creds, 0, sizeof(*creds));
	if (!aws_cstring_is_clean(access_key_id) ||
		!aws_cstring_is_clean(secret_access_key) ||
		!aws_cstring_is_clean(session_token))
		return "a key or the session token holds a control character";
	creds->access_key_id = strdup(access_key_id);
	creds->secret_access_key = strdup(secret_access_key);
	if (session_token != NULL)
		creds->session_token = strdup(session_token);
	creds->expiration = expiration;
	if (creds->access_key_id == NULL || creds->secret_access_key == NULL ||
		(session_token != NULL && creds->session_token == NULL))
	{
		aws_credentials_clear(creds);
		return "out of memory";
	}
	return NULL;
}

void
aws_credentials_renewal(time_t expiration, time_t obtained,
						time_t *advisory_at, time_t *mandatory_at)
{
	time_t		life = expiration > obtained ? expiration - obtained : 0;
	time_t		advisory = life / 2 < AWS_ADVISORY_REFRESH_SECONDS ?
	life / 2 : AWS_ADVISORY_REFRESH_SECONDS;
	time_t		mandatory = life / 3 < AWS_MANDATORY_REFRESH_SECONDS ?
	life / 3 : AWS_MANDATORY_REFRESH_SECONDS;

	*advisory_at = expiration - advisory;
	*mandatory_at = expiration - mandatory;
}

void
aws_credential_error_free(AwsCredentialError *err)
{
	if (err->has_aws_error)
		aws_error_free(&err->aws);
	err->has_aws_error = false;
}

bool
aws_parse_iso8601(const char *text, time_t *out)
{
	struct tm	tm;
	int			n = 0;
	const char *p;

	memset(&tm, 0, sizeof(tm));
	if (sscanf(text, "%4d-%2d-%2dT%2d:%2d:%2d%n", &tm.tm_year, &tm.tm_mon,
			   &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec, &n) != 6 ||
		n != 19)
		return false;
	p = text + n;
	if (*p == '.')
	{
		p++;
		if (!isdigit((unsigned char) *p))
			return false;
		while (isdigit((unsigned char) *p))
			p++;
	}
	if (!(strcmp(p, "Z") == 0 || strcmp(p, "+00:00") == 0))
		return false;
	if (tm.tm_mon < 1 || tm.tm_mon > 12 || tm.tm_mday < 1 || tm.tm_mday > 31 ||
		tm.tm_hour > 23 || tm.tm_min > 59 || tm.tm_sec > 60 ||
		tm.tm_year < 1970)
		return false;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	*out = timegm(&tm);
	return *out != (time_t) -1;
}
