/* platform_record: agentd's fault record, read back after a session
 * (platform_record.h).  jansson is used here. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "base/err.h"
#include "base/util.h"
#include "runner/evidence.h"
#include "runner/platform_record.h"
#include "runner/scenario.h"

void platform_record(int root_fd, const struct scenario *sc,
		     struct ev_fault *out)
{
	struct buf text = BUF_INIT;
	json_t *rec = NULL, *r;
	size_t i, k;
	int dfd;

	if (!sc->platform_faults || root_fd < 0)
		return;
	dfd = open_dir_beneath(root_fd, PLATFORM_RECORD_DIR);
	if (dfd >= 0 && read_file_at(dfd, PLATFORM_RECORD_FILE,
				     PLATFORM_RECORD_MAX, &text, NULL) == 0)
		rec = json_loadb((char *)text.data, text.len, 0, NULL);
	if (dfd >= 0)
		close(dfd);
	buf_release(&text);
	for (i = 0; i < sc->nfaults; i++) {
		if (sc->faults[i].kind != FAULT_PLATFORM)
			continue;
		if (!json_is_array(rec)) {
			snprintf(out[i].detail, sizeof out[i].detail,
				 "no record from agentd: the platform did not run, or could not write it");
			continue;
		}
		json_array_foreach(rec, k, r) {
			const char *id = json_string_value(json_object_get(r, "id"));
			json_t *at = json_object_get(r, "at");

			if (!id || strcmp(id, sc->faults[i].id) != 0)
				continue;
			if (!json_is_true(json_object_get(r, "fired"))) {
				snprintf(out[i].detail, sizeof out[i].detail,
					 "not reached: the platform's clock never got to it");
				break;
			}
			out[i].triggered = (unsigned)json_integer_value(json_object_get(r, "count"));
			if (out[i].triggered == 0)
				out[i].triggered = 1;
			snprintf(out[i].when, sizeof out[i].when, "at %lld s of platform time",
				 (long long)json_integer_value(json_object_get(r, "at_s")));
			snprintf(out[i].detail, sizeof out[i].detail,
				 "in force from %.40s (platform clock); %lld effects counted",
				 json_is_string(at) ? json_string_value(at) : "?",
				 (long long)json_integer_value(json_object_get(r, "count")));
			break;
		}
	}
	json_decref(rec);
}
