/*
 * aws_config.c
 *		The AWS CLI's config and credentials files: a configparser-compatible
 *		INI reader, and the profile lookups botocore makes on the two merged.
 *
 * Pure C, no PostgreSQL headers.  Everything is malloc'd; the text of the
 * credentials file holds secrets, so every value is wiped when freed.
 */
#include "aws_config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pwd.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws_keys.h"

#define CONFIG_FILE_MAX		(1024 * 1024)

typedef struct AwsConfigValue
{
	char	   *key;			/* lower case, as configparser folds it */
	char	   *subkey;			/* inside a nested block, else NULL */
	char	   *value;
} AwsConfigValue;

typedef struct AwsConfigSection
{
	AwsSectionKind kind;
	bool		credentials_file;
	char	   *header;			/* as written, for duplicates */
	char	   *name;			/* the profile's, sso-session's, ... */
	AwsConfigValue *values;
	int			nvalues;
	int			cap;
} AwsConfigSection;

struct AwsConfig
{
	AwsConfigSection *sections;
	int			nsections;
	int			cap;
	char	   *paths[2];		/* config, credentials */
};

AwsConfig *
aws_config_new(void)
{
	return calloc(1, sizeof(AwsConfig));
}

static void
value_free(AwsConfigValue *v)
{
	free(v->key);
	free(v->subkey);
	aws_secret_free(v->value);
}

void
aws_config_free(AwsConfig *config)
{
	int			i;
	int			j;

	if (config == NULL)
		return;
	for (i = 0; i < config->nsections; i++)
	{
		AwsConfigSection *s = &config->sections[i];

		for (j = 0; j < s->nvalues; j++)
			value_free(&s->values[j]);
		free(s->values);
		free(s->header);
		free(s->name);
	}
	free(config->sections);
	free(config->paths[0]);
	free(config->paths[1]);
	free(config);
}

const char *
aws_config_path(const AwsConfig *config, bool credentials_file)
{
	return config->paths[credentials_file ? 1 : 0];
}

static bool
			parse_fail(char *errbuf, size_t errlen, const char *path, int line,
					   const char *fmt,...)
			__attribute__((format(printf, 5, 6)));

static bool
parse_fail(char *errbuf, size_t errlen, const char *path, int line,
		   const char *fmt,...)
{
	va_list		ap;
	int			n;

	n = snprintf(errbuf, errlen, "\"%s\" line %d: ", path, line);
	if (n >= 0 && (size_t) n < errlen)
	{
		va_start(ap, fmt);
		vsnprintf(errbuf + n, errlen - n, fmt, ap);
		va_end(ap);
	}
	return false;
}

static char *
strip(char *s)
{
	char	   *end;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\f' || *s == '\v')
		s++;
	end = s + strlen(s);
	while (end > s && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r' ||
					   end[-1] == '\f' || end[-1] == '\v'))
		*--end = '\0';
	return s;
}

/*
 * What a section header means, as botocore's build_profile_map reads it:
 * in the config file "profile NAME", "sso-session NAME", "services NAME"
 * (exactly two words) and "default"; in the credentials file the header is
 * the profile's name.
 */
static void
classify(AwsConfigSection *s, bool credentials_file)
{
	static const struct
	{
		const char *word;
		AwsSectionKind kind;
	}			prefixes[] = {
		{"profile", AWS_SECTION_PROFILE},
		{"sso-session", AWS_SECTION_SSO_SESSION},
		{"services", AWS_SECTION_SERVICES},
	};
	char	   *copy;
	char	   *first;
	char	   *second;
	char	   *save = NULL;
	size_t		i;

	s->kind = AWS_SECTION_OTHER;
	if (credentials_file)
	{
		s->kind = AWS_SECTION_PROFILE;
		s->name = strdup(s->header);
		return;
	}
	if (strcmp(s->header, "default") == 0)
	{
		s->kind = AWS_SECTION_PROFILE;
		s->name = strdup("default");
		return;
	}
	copy = strdup(s->header);
	if (copy == NULL)
		return;
	first = strtok_r(copy, " \t", &save);
	second = first ? strtok_r(NULL, " \t", &save) : NULL;
	if (second != NULL && strtok_r(NULL, " \t", &save) == NULL)
	{
		for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		{
			if (strcmp(first, prefixes[i].word) == 0)
			{
				s->kind = prefixes[i].kind;
				s->name = strdup(second);
			}
		}
	}
	free(copy);
}

static AwsConfigSection *
add_section(AwsConfig *config, const char *header, bool credentials_file)
{
	AwsConfigSection *s;

	if (config->nsections == config->cap)
	{
		int			cap = config->cap ? config->cap * 2 : 8;
		AwsConfigSection *grown = realloc(config->sections,
										  cap * sizeof(AwsConfigSection));

		if (grown == NULL)
			return NULL;
		config->sections = grown;
		config->cap = cap;
	}
	s = &config->sections[config->nsections];
	memset(s, 0, sizeof(*s));
	s->credentials_file = credentials_file;
	s->header = strdup(header);
	if (s->header == NULL)
		return NULL;
	classify(s, credentials_file);
	if (s->kind != AWS_SECTION_OTHER && s->name == NULL)
	{
		free(s->header);
		return NULL;
	}
	config->nsections++;
	return s;
}

static AwsConfigValue *
add_value(AwsConfigSection *s, const char *key, const char *subkey,
		  const char *value)
{
	AwsConfigValue *v;

	if (s->nvalues == s->cap)
	{
		int			cap = s->cap ? s->cap * 2 : 8;
		AwsConfigValue *grown = realloc(s->values, cap * sizeof(AwsConfigValue));

		if (grown == NULL)
			return NULL;
		s->values = grown;
		s->cap = cap;
	}
	v = &s->values[s->nvalues];
	v->key = strdup(key);
	v->subkey = subkey ? strdup(subkey) : NULL;
	v->value = strdup(value);
	if (v->key == NULL || v->value == NULL || (subkey && v->subkey == NULL))
	{
		value_free(v);
		return NULL;
	}
	s->nvalues++;
	return v;
}

static AwsConfigValue *
find_value(const AwsConfigSection *s, const char *key, const char *subkey)
{
	int			i;

	for (i = 0; i < s->nvalues; i++)
	{
		AwsConfigValue *v = &s->values[i];

		if (strcmp(v->key, key) == 0 &&
			((subkey == NULL && v->subkey == NULL) ||
			 (subkey != NULL && v->subkey != NULL &&
			  strcmp(v->subkey, subkey) == 0)))
			return v;
	}
	return NULL;
}

/* Appends "\n" and more to a value (configparser's continuation line). */
static bool
append_line(AwsConfigValue *v, const char *more)
{
	size_t		len = strlen(v->value);
	char	   *grown = malloc(len + strlen(more) + 2);

	if (grown == NULL)
		return false;
	memcpy(grown, v->value, len);
	grown[len] = '\n';
	strcpy(grown + len + 1, more);
	aws_secret_free(v->value);
	v->value = grown;
	return true;
}

bool
aws_config_parse(AwsConfig *config, const char *text, const char *path,
				 bool credentials_file, char *errbuf, size_t errlen)
{
	char	   *copy = strdup(text);
	size_t		copy_len = strlen(text);
	char	   *line;
	char	   *next;
	int			lineno = 0;
	int			first_section = config->nsections;
	AwsConfigSection *section = NULL;
	int			current = -1;	/* the value continuation lines extend */
	size_t		key_indent = 0;
	bool		nested = false;
	bool		ok = false;

	if (copy == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return false;
	}
	for (line = copy; line != NULL; line = next)
	{
		char	   *s;
		size_t		indent;
		char	   *delim;
		char	   *key;
		char	   *value;
		char	   *k;

		next = strchr(line, '\n');
		if (next != NULL)
			*next++ = '\0';
		lineno++;
		indent = strspn(line, " \t");
		s = strip(line);
		if (*s == '\0' || *s == '#' || *s == ';')
			continue;

		/* an indented line under a key continues its value */
		if (current >= 0 && indent > key_indent)
		{
			AwsConfigValue *v = &section->values[current];

			if (nested)
			{
				/* botocore's _parse_nested: "k = v" on every line */
				char	   *eq = strchr(s, '=');

				if (eq == NULL)
				{
					parse_fail(errbuf, errlen, path, lineno,
							   "a line of the nested block under \"%s\" is not \"key = value\"",
							   v->key);
					goto done;
				}
				*eq = '\0';
				if (add_value(section, v->key, strip(s), strip(eq + 1)) == NULL)
					goto oom;
			}
			else if (!append_line(v, s))
				goto oom;
			continue;
		}
		current = -1;

		if (*s == '[')
		{
			char	   *close = strrchr(s, ']');
			int			i;

			if (close == NULL || close == s + 1)
			{
				parse_fail(errbuf, errlen, path, lineno,
						   "a section header is not \"[name]\"");
				goto done;
			}
			*close = '\0';
			for (i = first_section; i < config->nsections; i++)
			{
				if (strcmp(config->sections[i].header, s + 1) == 0)
				{
					parse_fail(errbuf, errlen, path, lineno,
							   "section [%s] appears a second time", s + 1);
					goto done;
				}
			}
			section = add_section(config, s + 1, credentials_file);
			if (section == NULL)
				goto oom;
			continue;
		}
		if (section == NULL)
		{
			parse_fail(errbuf, errlen, path, lineno,
					   "a line before the first [section] header");
			goto done;
		}
		delim = strpbrk(s, "=:");
		if (delim == NULL)
		{
			parse_fail(errbuf, errlen, path, lineno,
					   "a line that is neither \"[section]\", \"key = value\" nor a comment");
			goto done;
		}
		*delim = '\0';
		key = strip(s);
		value = strip(delim + 1);
		if (*key == '\0')
		{
			parse_fail(errbuf, errlen, path, lineno, "a value without a key");
			goto done;
		}
		for (k = key; *k; k++)
			*k = tolower((unsigned char) *k);
		if (find_value(section, key, NULL) != NULL)
		{
			parse_fail(errbuf, errlen, path, lineno,
					   "key \"%s\" appears a second time in section [%s]",
					   key, section->header);
			goto done;
		}
		if (add_value(section, key, NULL, value) == NULL)
			goto oom;
		current = section->nvalues - 1;
		key_indent = indent;
		nested = *value == '\0';
	}
	ok = true;
	goto done;

oom:
	snprintf(errbuf, errlen, "out of memory");
done:
	explicit_bzero(copy, copy_len);
	free(copy);
	return ok;
}

/* The last section of this kind and name in one file: it is the one used. */
static const AwsConfigSection *
find_section(const AwsConfig *config, AwsSectionKind kind, bool credentials_file,
			 const char *name)
{
	int			i;

	for (i = config->nsections - 1; i >= 0; i--)
	{
		const AwsConfigSection *s = &config->sections[i];

		if (s->kind == kind && s->credentials_file == credentials_file &&
			strcmp(s->name, name) == 0)
			return s;
	}
	return NULL;
}

bool
aws_config_has_profile(const AwsConfig *config, const char *profile)
{
	return find_section(config, AWS_SECTION_PROFILE, true, profile) != NULL ||
		find_section(config, AWS_SECTION_PROFILE, false, profile) != NULL;
}

static const char *
section_get(const AwsConfigSection *s, const char *key, const char *subkey)
{
	AwsConfigValue *v = s ? find_value(s, key, subkey) : NULL;

	return v ? v->value : NULL;
}

const char *
aws_config_get_in(const AwsConfig *config, bool credentials_file,
				  const char *profile, const char *key)
{
	return section_get(find_section(config, AWS_SECTION_PROFILE,
									credentials_file, profile), key, NULL);
}

const char *
aws_config_get(const AwsConfig *config, const char *profile, const char *key,
			   const char *subkey)
{
	const AwsConfigSection *creds = find_section(config, AWS_SECTION_PROFILE,
												 true, profile);

	/* botocore updates the config's profile with the credentials file's */
	if (creds != NULL && find_value(creds, key, NULL) != NULL)
		return section_get(creds, key, subkey);
	return section_get(find_section(config, AWS_SECTION_PROFILE, false, profile),
					   key, subkey);
}

bool
aws_config_has_section(const AwsConfig *config, AwsSectionKind kind,
					   const char *name)
{
	return find_section(config, kind, false, name) != NULL;
}

const char *
aws_config_section_get(const AwsConfig *config, AwsSectionKind kind,
					   const char *name, const char *key, const char *subkey)
{
	return section_get(find_section(config, kind, false, name), key, subkey);
}

char *
aws_expand_home(const char *path)
{
	const char *rest;
	const char *home = NULL;
	char	   *out;

	if (path[0] != '~')
		return strdup(path);
	rest = path + 1 + strcspn(path + 1, "/");
	if (rest == path + 1)
	{
		home = getenv("HOME");
		if (home == NULL || *home == '\0')
		{
			struct passwd *pw = getpwuid(geteuid());

			home = pw ? pw->pw_dir : NULL;
		}
	}
	else
	{
		char	   *user = strndup(path + 1, rest - path - 1);
		struct passwd *pw;

		if (user == NULL)
			return NULL;
		pw = getpwnam(user);
		free(user);
		home = pw ? pw->pw_dir : NULL;
	}
	/* as Python does: an unknown user leaves the path as it is */
	if (home == NULL)
		return strdup(path);
	out = malloc(strlen(home) + strlen(rest) + 1);
	if (out != NULL)
		sprintf(out, "%s%s", home, rest);
	return out;
}

char *
aws_read_small_file(const char *path, size_t max)
{
	int			fd = open(path, O_RDONLY | O_CLOEXEC);
	char	   *buf;
	size_t		len = 0;
	ssize_t		n;
	int			saved;

	if (fd < 0)
		return NULL;
	buf = malloc(max + 1);
	if (buf == NULL)
	{
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	while ((n = read(fd, buf + len, max + 1 - len)) > 0)
	{
		len += n;
		if (len > max)
			break;
	}
	saved = errno;
	close(fd);
	if (n < 0 || len > max)
	{
		explicit_bzero(buf, len);
		free(buf);
		errno = n < 0 ? saved : EFBIG;
		return NULL;
	}
	buf[len] = '\0';
	if (strlen(buf) != len)
	{
		explicit_bzero(buf, len);
		free(buf);
		errno = EINVAL;
		return NULL;
	}
	return buf;
}

/* The file's name: the variable (with ~ expanded), else under ~/.aws. */
static char *
file_path(const char *variable, const char *default_name)
{
	const char *v = getenv(variable);
	char	   *home;
	char	   *out;

	if (v != NULL && *v != '\0')
		return aws_expand_home(v);
	home = aws_expand_home("~");
	if (home == NULL || strcmp(home, "~") == 0)
	{
		free(home);
		return NULL;
	}
	out = malloc(strlen(home) + strlen(default_name) + 8);
	if (out != NULL)
		sprintf(out, "%s/.aws/%s", home, default_name);
	free(home);
	return out;
}

static bool
load_file(AwsConfig *config, bool credentials_file, char *errbuf, size_t errlen)
{
	const char *path = config->paths[credentials_file ? 1 : 0];
	char	   *text;
	bool		ok;

	if (path == NULL)
		return true;
	text = aws_read_small_file(path, CONFIG_FILE_MAX);
	if (text == NULL)
	{
		if (errno == ENOENT || errno == ENOTDIR)
			return true;
		snprintf(errbuf, errlen, "could not read \"%s\": %s", path,
				 errno == EINVAL ? "it holds a NUL byte" : strerror(errno));
		return false;
	}
	ok = aws_config_parse(config, text, path, credentials_file, errbuf, errlen);
	aws_secret_free(text);
	return ok;
}

AwsConfig *
aws_config_load(char *errbuf, size_t errlen)
{
	AwsConfig  *config = aws_config_new();

	if (config == NULL)
	{
		snprintf(errbuf, errlen, "out of memory");
		return NULL;
	}
	config->paths[0] = file_path("AWS_CONFIG_FILE", "config");
	config->paths[1] = file_path("AWS_SHARED_CREDENTIALS_FILE", "credentials");
	if (!load_file(config, false, errbuf, errlen) ||
		!load_file(config, true, errbuf, errlen))
	{
		aws_config_free(config);
		return NULL;
	}
	return config;
}
