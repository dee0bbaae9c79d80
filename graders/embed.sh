#!/bin/sh
# embed.sh FILE NAME: print a C file defining NAME[] (the bytes of FILE,
# NUL-terminated) and NAME_len, so Lua sources ship inside the binary.
set -eu
printf '/* generated from %s by graders/embed.sh; do not edit */\n' "$1"
printf '#include <stddef.h>\n'
printf 'extern const char %s[];\nextern const size_t %s_len;\n' "$2" "$2"
printf 'const char %s[] = {\n' "$2"
od -An -v -tx1 "$1" | sed -e 's/ *$//' -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g'
printf '0x00};\nconst size_t %s_len = sizeof %s - 1;\n' "$2" "$2"
