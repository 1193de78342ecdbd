/*
 * aws_endpoints.c
 *		The SDKs' endpoint rules for the services athena_fdw calls, over the
 *		generated partition table (aws_partitions.c).
 *
 * Pure C, no PostgreSQL headers.
 */
#include "aws_endpoints.h"

#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool
listed(const char *regions, const char *region)
{
	size_t		len = strlen(region);
	const char *p = regions;

	while ((p = strstr(p, region)) != NULL)
	{
		if ((p == regions || p[-1] == ' ') && (p[len] == ' ' || p[len] == '\0'))
			return true;
		p += len;
	}
	return false;
}

static bool
matches(const char *pattern, const char *region)
{
	regex_t		re;
	bool		ok;

	if (regcomp(&re, pattern, REG_EXTENDED | REG_NOSUB) != 0)
		return false;
	ok = regexec(&re, region, 0, NULL, 0) == 0;
	regfree(&re);
	return ok;
}

const AwsPartition *
aws_partition_for_region(const char *region)
{
	int			i;

	for (i = 0; i < aws_npartitions; i++)
		if (listed(aws_partitions[i].regions, region))
			return &aws_partitions[i];
	for (i = 0; i < aws_npartitions; i++)
		if (matches(aws_partitions[i].region_regex, region))
			return &aws_partitions[i];
	for (i = 0; i < aws_npartitions; i++)
		if (strcmp(aws_partitions[i].id, "aws") == 0)
			return &aws_partitions[i];
	return &aws_partitions[0];
}

/* Expands a template's {Region} and {PartitionResult#...} references. */
static char *
expand(const char *template, const char *region, const AwsPartition *p)
{
	static const char region_ref[] = "{Region}";
	static const char dns_ref[] = "{PartitionResult#dnsSuffix}";
	static const char dual_ref[] = "{PartitionResult#dualStackDnsSuffix}";
	size_t		cap = strlen(template) + strlen(region) +
	strlen(p->dns_suffix) + strlen(p->dualstack_dns_suffix) + 1;
	char	   *out = malloc(cap);
	char	   *o = out;
	const char *t = template;

	if (out == NULL)
		return NULL;
	while (*t)
	{
		const char *value = NULL;
		size_t		skip = 0;

		if (strncmp(t, region_ref, sizeof(region_ref) - 1) == 0)
			value = region, skip = sizeof(region_ref) - 1;
		else if (strncmp(t, dns_ref, sizeof(dns_ref) - 1) == 0)
			value = p->dns_suffix, skip = sizeof(dns_ref) - 1;
		else if (strncmp(t, dual_ref, sizeof(dual_ref) - 1) == 0)
			value = p->dualstack_dns_suffix, skip = sizeof(dual_ref) - 1;
		if (value != NULL)
		{
			o += sprintf(o, "%s", value);
			t += skip;
		}
		else
			*o++ = *t++;
	}
	*o = '\0';
	return out;
}

char *
aws_endpoint_url(const char *service, const char *region, bool use_fips,
				 bool use_dualstack, char *errbuf, size_t errlen)
{
	const AwsServiceTemplates *s = NULL;
	const AwsPartition *p = aws_partition_for_region(region);
	const char *template;
	char	   *url;
	int			i;

	for (i = 0; i < aws_nservice_templates; i++)
		if (strcmp(aws_service_templates[i].service, service) == 0)
			s = &aws_service_templates[i];
	if (s == NULL)
	{
		snprintf(errbuf, errlen, "no endpoint rules for service \"%s\"", service);
		return NULL;
	}
	if (use_fips && use_dualstack &&
		!(p->supports_fips && p->supports_dualstack))
	{
		snprintf(errbuf, errlen,
				 "FIPS and DualStack are enabled, but partition %s does not support one or both",
				 p->id);
		return NULL;
	}
	if (use_fips && !p->supports_fips)
	{
		snprintf(errbuf, errlen,
				 "FIPS is enabled but partition %s does not support FIPS", p->id);
		return NULL;
	}
	if (use_dualstack && !p->supports_dualstack)
	{
		snprintf(errbuf, errlen,
				 "DualStack is enabled but partition %s does not support DualStack",
				 p->id);
		return NULL;
	}
	if (use_fips && use_dualstack)
		template = s->fips_dualstack;
	else if (use_fips)
		template = s->fips_partition && strcmp(s->fips_partition, p->id) == 0
			? s->fips_partition_url : s->fips;
	else if (use_dualstack)
		template = s->dualstack;
	else
		template = s->plain;
	url = expand(template, region, p);
	if (url == NULL)
		snprintf(errbuf, errlen, "out of memory");
	return url;
}

static bool
under(const char *host, const char *suffix)
{
	size_t		h = strlen(host);
	size_t		s = strlen(suffix);

	/* the domain itself or a name under it, never "evilamazonaws.com" */
	return (h == s && strcasecmp(host, suffix) == 0) ||
		(h > s + 1 && host[h - s - 1] == '.' &&
		 strcasecmp(host + h - s, suffix) == 0);
}

bool
aws_host_in_partitions(const char *host)
{
	int			i;

	for (i = 0; i < aws_npartitions; i++)
		if (under(host, aws_partitions[i].dns_suffix) ||
			under(host, aws_partitions[i].dualstack_dns_suffix))
			return true;
	return false;
}
