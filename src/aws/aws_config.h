/*
 * aws_config.h
 *		The AWS CLI's two files, read as botocore reads them: the config file
 *		(AWS_CONFIG_FILE, else ~/.aws/config) with its [default], [profile
 *		NAME], [sso-session NAME] and [services NAME] sections, and the shared
 *		credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *		~/.aws/credentials) whose sections are profile names.  A profile is
 *		the two merged: the credentials file wins key by key.
 *
 * Pure C, no PostgreSQL headers.  The syntax is Python's configparser
 * (which botocore uses): "key = value" or "key: value", full-line comments
 * with # or ;, indented lines continuing a value, and a key with an empty
 * value followed by indented "k = v" lines is a nested block (s3 = ...).
 * What configparser refuses is an error here too, naming the file and the
 * line, never its text (a line of the credentials file may hold a secret).
 * Values are wiped when the configuration is freed.
 */
#ifndef ATHENA_AWS_CONFIG_H
#define ATHENA_AWS_CONFIG_H

#include <stdbool.h>
#include <stddef.h>

typedef enum AwsSectionKind
{
	AWS_SECTION_PROFILE,
	AWS_SECTION_SSO_SESSION,
	AWS_SECTION_SERVICES,
	AWS_SECTION_OTHER			/* configparser reads it; nothing uses it */
} AwsSectionKind;

typedef struct AwsConfig AwsConfig;

/* An empty configuration (NULL when out of memory). */
extern AwsConfig *aws_config_new(void);

/*
 * Adds the sections of one file's text.  path names the file in errors;
 * credentials_file: sections are profile names as they stand.  False with
 * errbuf filled ("\"PATH\" line N: ...") when the text is malformed.
 */
extern bool aws_config_parse(AwsConfig *config, const char *text,
							 const char *path, bool credentials_file,
							 char *errbuf, size_t errlen);

/*
 * Reads both files of the server process's environment; a file that does
 * not exist is empty.  NULL with errbuf filled when one cannot be read or
 * is malformed.
 */
extern AwsConfig *aws_config_load(char *errbuf, size_t errlen);

extern void aws_config_free(AwsConfig *config);

/* The file names used (for messages); NULL when no home directory. */
extern const char *aws_config_path(const AwsConfig *config,
								   bool credentials_file);

/* Whether either file has the profile. */
extern bool aws_config_has_profile(const AwsConfig *config, const char *profile);

/*
 * A profile's key (lower case), the credentials file's value first; NULL
 * when absent.  subkey: a key inside a nested block (key = ... indented
 * lines), or NULL for a plain value.
 */
extern const char *aws_config_get(const AwsConfig *config, const char *profile,
								  const char *key, const char *subkey);

/* The same, in one file only. */
extern const char *aws_config_get_in(const AwsConfig *config,
									 bool credentials_file,
									 const char *profile, const char *key);

/* Whether the config file has an [sso-session NAME] or [services NAME]. */
extern bool aws_config_has_section(const AwsConfig *config, AwsSectionKind kind,
								   const char *name);

/* A key of an [sso-session NAME] or [services NAME] section of the config file. */
extern const char *aws_config_section_get(const AwsConfig *config,
										  AwsSectionKind kind, const char *name,
										  const char *key, const char *subkey);

/*
 * ~ and ~user at the start of path expanded as os.path.expanduser does
 * ($HOME, else the password database); malloc'd, NULL when out of memory.
 */
extern char *aws_expand_home(const char *path);

/*
 * Reads a whole small file into a malloc'd NUL-terminated buffer.  Returns
 * NULL with errno set (ENOENT, EFBIG for one over max bytes, EINVAL for a
 * NUL inside, ...).  Free it with aws_secret_free when it may hold a secret.
 */
extern char *aws_read_small_file(const char *path, size_t max);

#endif							/* ATHENA_AWS_CONFIG_H */
