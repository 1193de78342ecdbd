/*
 * aws_endpoints.h
 *		Where a service is, as the SDKs' endpoint rules say: the partition a
 *		region belongs to (aws, aws-cn, aws-us-gov, the ISO partitions, ...)
 *		and the service's URL template for plain, FIPS, dual-stack or both.
 *
 * Pure C, no PostgreSQL headers.  The tables are generated from botocore's
 * data (scripts/gen_partitions.py writes aws_partitions.c); this file only
 * reads them.
 */
#ifndef ATHENA_AWS_ENDPOINTS_H
#define ATHENA_AWS_ENDPOINTS_H

#include <stdbool.h>
#include <stddef.h>

typedef struct AwsPartition
{
	const char *id;				/* "aws", "aws-cn", ... */
	const char *region_regex;	/* POSIX extended */
	const char *regions;		/* its known regions, blank-separated */
	const char *dns_suffix;		/* "amazonaws.com" */
	const char *dualstack_dns_suffix;	/* "api.aws" */
	bool		supports_fips;
	bool		supports_dualstack;
} AwsPartition;

/* One service's URL templates ({Region}, {PartitionResult#dnsSuffix}, ...) */
typedef struct AwsServiceTemplates
{
	const char *service;
	const char *plain;
	const char *fips;
	const char *dualstack;
	const char *fips_dualstack;
	const char *fips_partition; /* a partition whose FIPS URL differs, or NULL */
	const char *fips_partition_url;
} AwsServiceTemplates;

extern const AwsPartition aws_partitions[];
extern const int aws_npartitions;
extern const AwsServiceTemplates aws_service_templates[];
extern const int aws_nservice_templates;

/*
 * The partition of region, as the rules' aws.partition does it: a region
 * a partition lists, else the first whose pattern matches, else "aws".
 */
extern const AwsPartition *aws_partition_for_region(const char *region);

/*
 * The service's URL (malloc'd) for region; NULL with errbuf filled when the
 * partition supports no FIPS or dual-stack endpoint (the rules' messages),
 * the service is not in the table, or memory ran out.
 */
extern char *aws_endpoint_url(const char *service, const char *region,
							  bool use_fips, bool use_dualstack,
							  char *errbuf, size_t errlen);

/* Whether host is a partition's domain or under it (either suffix). */
extern bool aws_host_in_partitions(const char *host);

#endif							/* ATHENA_AWS_ENDPOINTS_H */
