/*
 * credentials.c
 *		The AWS keys a query signs with.
 *
 * Only the keys of the user mapping are used.  They are never formatted
 * into any message.
 */
#include "postgres.h"

#include "athena_fdw.h"

void
fdw_get_credentials(ForeignServer *server, const FdwOptions *options,
					AthenaCredentials *credentials)
{
	memset(credentials, 0, sizeof(*credentials));
	credentials->access_key_id = options->aws_access_key_id;
	credentials->secret_access_key = options->aws_secret_access_key;
	credentials->session_token = options->aws_session_token;

	if (credentials->access_key_id == NULL ||
		credentials->secret_access_key == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no AWS credentials for server \"%s\"",
						server->servername),
				 errhint("Set \"aws_access_key_id\" and \"aws_secret_access_key\" in the user mapping for this user.")));
}
