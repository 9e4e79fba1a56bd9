/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The commit archive on disk: revisions written and read back, rotation at
 * the limit, damaged files, a directory that cannot be used or is locked. */
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <sys/stat.h>
#include <time.h>

#include "control/archive.h"
#include "helpers.h"

static char dir[64], adir[128];

static void setup(void)
{
	snprintf(dir, sizeof(dir), "/tmp/brink-test-XXXXXX");
	cr_assert_not_null(mkdtemp(dir));
	snprintf(adir, sizeof(adir), "%s/archive", dir);
}

static void teardown(void)
{
	remove_tree(dir);
}

TestSuite(archive, .init = setup, .fini = teardown);

/* TEST_CONF plus a route 10.N.0.0/16: one configuration per N. */
static struct cfg_node *config_n(int n)
{
	struct cfg_errors e;
	struct cfg_error ce;
	struct cfg_node *t = cfg_load_string(TEST_CONF, "test", &e);
	char prefix[32];

	cr_assert_not_null(t);
	snprintf(prefix, sizeof(prefix), "10.%d.0.0/16", n);
	const char *words[] = {"protocols", "static", "route", prefix, "blackhole"};
	cr_assert_eq(cfg_set(t, 5, words, &ce), 0, "%s", ce.msg);
	return t;
}

static void add_n(struct archive *a, int n, const char *comment)
{
	struct sbuf err = {0};
	struct cfg_node *t = config_n(n);

	cr_assert_eq(archive_add(a, t, "alice", "cli", comment, &err), 0, "%s", sbuf_str(&err));
	archive_poll(a, true); /* the file is written by a child */
	cfg_free(t);
	sbuf_free(&err);
}

static void assert_rev_is(struct archive *a, unsigned k, int n)
{
	struct sbuf err = {0};
	struct cfg_node *t = archive_tree(a, k, &err), *want = config_n(n);

	cr_assert_not_null(t, "revision %u: %s", k, sbuf_str(&err));
	cr_assert(cfg_equal(t, want), "revision %u is not configuration %d", k, n);
	cfg_free(t);
	cfg_free(want);
	sbuf_free(&err);
}

static bool exists(const char *name)
{
	char path[160];
	struct stat st;

	snprintf(path, sizeof(path), "%s/%s", adir, name);
	return stat(path, &st) == 0;
}

static unsigned count_revision_files(void)
{
	DIR *dh = opendir(adir);
	struct dirent *de;
	unsigned n = 0;

	cr_assert_not_null(dh);
	/* One thread reads this directory stream: readdir() is safe here. */
	// cppcheck-suppress readdirCalled
	while ((de = readdir(dh)))
		n += strncmp(de->d_name, "revision-", 9) == 0 &&
		     strcmp(de->d_name + strlen(de->d_name) - 8, ".conf.gz") == 0;
	closedir(dh);
	return n;
}

static void write_in_archive(const char *name, const char *text)
{
	char path[160];
	FILE *fp;

	snprintf(path, sizeof(path), "%s/%s", adir, name);
	cr_assert_not_null(fp = fopen(path, "w"));
	fputs(text, fp);
	fclose(fp);
}

Test(archive, default_directory_is_next_to_the_configuration)
{
	char d[64];

	archive_default_dir("/etc/brink/brink.conf", d, sizeof(d));
	cr_assert_str_eq(d, "/etc/brink/archive");
	archive_default_dir("brink.conf", d, sizeof(d));
	cr_assert_str_eq(d, "archive");
}

Test(archive, written_and_read_back)
{
	struct archive a;
	time_t now = time(NULL);

	archive_open(&a, adir);
	cr_assert_eq(a.n, 0);
	cr_assert_geq(a.lock_fd, 0, "the directory was created and locked");
	add_n(&a, 1, NULL);
	add_n(&a, 2, "a \"quoted\"\nsecond line");
	add_n(&a, 3, "third");
	archive_close(&a);

	archive_open(&a, adir);
	cr_assert_eq(a.n, 3);
	for (unsigned k = 0; k < 3; k++) {
		cr_assert_eq(a.rev[k].id, 3 - k, "newest first");
		cr_assert_null(a.rev[k].tree, "read from disk, not held in memory");
		cr_assert_str_eq(a.rev[k].user, "alice");
		cr_assert_str_eq(a.rev[k].via, "cli");
		cr_assert(a.rev[k].time >= now - 5 && a.rev[k].time <= now + 5);
		assert_rev_is(&a, k, 3 - (int)k);
	}
	cr_assert_str_eq(a.rev[0].comment, "third");
	cr_assert_str_eq(a.rev[1].comment, "a \"quoted\"\nsecond line");
	cr_assert_str_eq(a.rev[2].comment, "");

	/* a revision is a brink.conf, compressed, that a load takes as it is */
	char path[160];
	struct cfg_errors e;
	uint8_t magic[2] = {0};
	snprintf(path, sizeof(path), "%s/revision-000002.conf.gz", adir);
	FILE *fp = fopen(path, "rb");
	cr_assert_not_null(fp);
	cr_assert_eq(fread(magic, 1, 2, fp), 2);
	fclose(fp);
	cr_assert(magic[0] == 0x1f && magic[1] == 0x8b, "a gzip file");
	struct cfg_node *loaded = cfg_load_file(path, &e), *want = config_n(2);
	cr_assert_not_null(loaded);
	cr_assert(cfg_equal(loaded, want));
	cfg_free(loaded);
	cfg_free(want);
	archive_close(&a);
}

Test(archive, an_uncompressed_revision_of_an_older_brinkd_is_read_too)
{
	struct archive a;
	struct sbuf err = {0};
	struct cfg_node *want = config_n(4);
	char *text = cfg_render(want), head[256];

	snprintf(head, sizeof(head),
		 "# brink revision {\"id\":9,\"time\":0,\"user\":\"x\",\"via\":\"cli\",\"comment\":\"old\"}\n");
	char *file = malloc(strlen(head) + strlen(text) + 1);
	cr_assert_not_null(file);
	strcpy(file, head);
	strcat(file, text);
	archive_open(&a, adir);
	archive_close(&a);
	write_in_archive("revision-000009.conf", file);
	archive_open(&a, adir);
	cr_assert_eq(a.n, 1);
	cr_assert_str_eq(a.rev[0].comment, "old");
	assert_rev_is(&a, 0, 4);
	add_n(&a, 5, NULL);
	cr_assert(exists("revision-000010.conf.gz"), "new ones are compressed");
	cr_assert(exists("revision-000009.conf"));
	archive_close(&a);
	free(file);
	free(text);
	cfg_free(want);
	sbuf_free(&err);
}

Test(archive, keeps_the_last_100)
{
	struct archive a;

	archive_open(&a, adir);
	for (int i = 1; i <= ARCHIVE_KEEP + 5; i++)
		add_n(&a, i, NULL);
	cr_assert_eq(a.n, ARCHIVE_KEEP);
	cr_assert_eq(a.rev[0].id, ARCHIVE_KEEP + 5);
	cr_assert_eq(a.rev[ARCHIVE_KEEP - 1].id, 6);
	cr_assert_eq(count_revision_files(), ARCHIVE_KEEP, "the files of dropped revisions are deleted");
	cr_assert_not(exists("revision-000005.conf.gz"));
	cr_assert(exists("revision-000006.conf.gz"));
	archive_close(&a);

	archive_open(&a, adir);
	cr_assert_eq(a.n, ARCHIVE_KEEP);
	cr_assert_eq(a.rev[ARCHIVE_KEEP - 1].id, 6);
	assert_rev_is(&a, ARCHIVE_KEEP - 1, 6);
	assert_rev_is(&a, 0, ARCHIVE_KEEP + 5);
	archive_close(&a);
}

Test(archive, damaged_files_are_set_aside)
{
	struct archive a;
	struct sbuf err = {0};

	archive_open(&a, adir);
	for (int i = 1; i <= 3; i++)
		add_n(&a, i, NULL);
	archive_close(&a);
	write_in_archive("revision-000002.conf.gz", "not a revision\n");
	write_in_archive("revision-000004.conf",
			 "# brink revision {\"id\":9,\"time\":0,\"user\":\"x\",\"via\":\"cli\",\"comment\":\"\"}\n");
	write_in_archive("revision-000005.conf", "# brink revision {\"id\":5,\"time\":\n");
	write_in_archive(".revision-Ab12Cd", "half a write");

	archive_open(&a, adir);
	cr_assert_eq(a.n, 2);
	cr_assert_eq(a.rev[0].id, 3);
	cr_assert_eq(a.rev[1].id, 1);
	cr_assert(exists("revision-000002.conf.gz.damaged"));
	cr_assert(exists("revision-000004.conf.damaged"));
	cr_assert(exists("revision-000005.conf.damaged"));
	cr_assert_not(exists(".revision-Ab12Cd"), "a temporary file left by a crash is removed");
	add_n(&a, 6, NULL);
	cr_assert_eq(a.rev[0].id, 6, "ids go on past the damaged files, which stay as they are");
	assert_rev_is(&a, 0, 6);
	archive_close(&a);

	/* a readable header over a configuration that is not */
	write_in_archive("revision-000006.conf.gz",
			 "# brink revision {\"id\":6,\"time\":0,\"user\":\"x\",\"via\":\"cli\","
			 "\"comment\":\"\"}\ninterfaces: { dataplane = (\n");
	archive_open(&a, adir);
	cr_assert_eq(a.n, 3);
	cr_assert_null(archive_tree(&a, 0, &err));
	assert_has(sbuf_str(&err), "revision 0 cannot be read back from ");
	assert_has(sbuf_str(&err), "revision-000006.conf");
	assert_rev_is(&a, 1, 3);
	archive_close(&a);
	sbuf_free(&err);
}

Test(archive, a_directory_that_cannot_be_created_keeps_revisions_in_memory)
{
	struct archive a;
	char file[80];

	snprintf(file, sizeof(file), "%s/file", dir);
	snprintf(adir, sizeof(adir), "%s/archive", file);
	FILE *fp = fopen(file, "w");
	cr_assert_not_null(fp);
	fclose(fp);
	archive_open(&a, adir);
	cr_assert_eq(a.lock_fd, -1);
	add_n(&a, 1, "kept");
	add_n(&a, 2, NULL);
	cr_assert_eq(a.n, 2);
	cr_assert_not_null(a.rev[1].tree);
	assert_rev_is(&a, 1, 1);
	assert_rev_is(&a, 0, 2);
	archive_close(&a);
}

Test(archive, a_write_that_fails_keeps_the_revision_in_memory)
{
	struct archive a;

	archive_open(&a, adir);
	add_n(&a, 1, NULL);
	cr_assert_null(a.rev[0].tree, "written: on disk only");
	remove_tree(adir);
	add_n(&a, 2, NULL);
	cr_assert_eq(a.n, 2);
	cr_assert_not_null(a.rev[0].tree, "not written: kept in memory");
	assert_rev_is(&a, 0, 2);
	archive_close(&a);
}

Test(archive, a_revision_stays_in_memory_until_its_file_is_written)
{
	struct archive a;
	struct sbuf err = {0};
	struct cfg_node *t = config_n(3);

	archive_open(&a, adir);
	cr_assert_eq(archive_add(&a, t, "alice", "cli", NULL, &err), 0, "%s", sbuf_str(&err));
	cr_assert_not_null(a.rev[0].tree, "the writer is a child: until it is reaped the tree is kept");
	assert_rev_is(&a, 0, 3);
	archive_poll(&a, true);
	cr_assert_null(a.rev[0].tree);
	cr_assert(exists("revision-000001.conf.gz"));
	assert_rev_is(&a, 0, 3);
	cfg_free(t);
	sbuf_free(&err);
	archive_close(&a);
}

Test(archive, one_owner_at_a_time)
{
	struct archive a, b;

	archive_open(&a, adir);
	add_n(&a, 1, NULL);
	archive_open(&b, adir);
	cr_assert_eq(b.lock_fd, -1, "the second one does not get the lock");
	cr_assert_eq(b.n, 0, "nor the first one's revisions");
	add_n(&b, 7, NULL);
	cr_assert_not_null(b.rev[0].tree);
	cr_assert_eq(count_revision_files(), 1, "the second one writes nothing");
	archive_close(&b);
	add_n(&a, 2, NULL);
	cr_assert_eq(count_revision_files(), 2);
	archive_close(&a);
}
