/* replay: runs a libFuzzer target over every file of its seed corpus
 * without libFuzzer, so that `make test` (and `make check`, under the
 * sanitizers) replays the corpora.  Prints TAP. */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

int main(int argc, char **argv)
{
	struct dirent **names;
	char path[4096];
	int n, i, count = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: %s CORPUS_DIR\n", argv[0]);
		return 2;
	}
	n = scandir(argv[1], &names, NULL, by_name);
	if (n < 0) {
		printf("not ok 1 - %s: no corpus\n1..1\n", argv[1]);
		return 1;
	}
	for (i = 0; i < n; i++) {
		FILE *f;
		unsigned char *buf;
		long len;

		if (names[i]->d_name[0] == '.') {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof path, "%s/%s", argv[1], names[i]->d_name);
		free(names[i]);
		f = fopen(path, "rb");
		if (!f || fseek(f, 0, SEEK_END) < 0 || (len = ftell(f)) < 0) {
			printf("not ok %d - %s: unreadable\n", ++count, path);
			if (f)
				fclose(f);
			continue;
		}
		rewind(f);
		buf = malloc((size_t)len + 1);
		if (!buf || fread(buf, 1, (size_t)len, f) != (size_t)len) {
			printf("not ok %d - %s: unreadable\n", ++count, path);
		} else {
			LLVMFuzzerTestOneInput(buf, (size_t)len);
			printf("ok %d - replayed %s\n", ++count, path);
		}
		free(buf);
		fclose(f);
	}
	free(names);
	printf("1..%d\n", count);
	return 0;
}
