/*
 * credentials.c
 *		The AWS keys a query signs with.
 *
 * Only the keys of the user mapping are used.  The values are copied into
 * the caller's memory context and never formatted into any message.
 */
#include "postgres.h"

#include "commands/defrem.h"
#include "utils/lsyscache.h"

#include "athena_fdw.h"

void
athena_get_credentials(UserMapping *user, AthenaCredentials *credentials)
{
	ListCell   *lc;

	memset(credentials, 0, sizeof(*credentials));
	foreach(lc, user->options)
	{
		DefElem    *opt = (DefElem *) lfirst(lc);

		if (strcmp(opt->defname, "aws_access_key_id") == 0)
			credentials->access_key_id = pstrdup(defGetString(opt));
		else if (strcmp(opt->defname, "aws_secret_access_key") == 0)
			credentials->secret_access_key = pstrdup(defGetString(opt));
		else if (strcmp(opt->defname, "aws_session_token") == 0)
			credentials->session_token = pstrdup(defGetString(opt));
	}

	if (credentials->access_key_id == NULL ||
		credentials->secret_access_key == NULL)
	{
		ForeignServer *server = GetForeignServer(user->serverid);

		ereport(ERROR,
				(errcode(ERRCODE_FDW_UNABLE_TO_ESTABLISH_CONNECTION),
				 errmsg("no AWS credentials for server \"%s\"",
						server->servername),
				 errhint("Set \"aws_access_key_id\" and \"aws_secret_access_key\" in the user mapping for this user.")));
	}
}
