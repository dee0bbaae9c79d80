/* version: labrun's version, recorded in every evidence bundle (as
 * runner_version) and printed by `labrun --version`. */
#ifndef LABRUN_VERSION_H
#define LABRUN_VERSION_H

#define LABRUN_VERSION "0.1.0"

#endif
