#!/usr/bin/env bash
# Checks that every GDExtension interface function the binding looks up
# (GD_PROC(field, "<name>") in bindings/godot/src) exists in the dumped
# gdextension_interface.h and is documented "@since" 4.3 or older, so the
# extension keeps working on Godot 4.3 (its compatibility_minimum).
# Usage: check_interface.sh HEADER SRC_DIR
set -euo pipefail
header=$1
src=$2
max_minor=3
status=0
names=$(grep -ho 'GD_PROC([a-z0-9_]*, "[a-z0-9_]*")' "$src"/*.c | sed 's/.*"\(.*\)")/\1/' | sort -u)
[[ -n "$names" ]] || { echo "check_interface: no GD_PROC lookups found in $src" >&2; exit 1; }
for name in $names; do
  since=$(awk -v n="$name" '$0 ~ "@name "n"$" {found=1; next} found && /@since/ {print $3; exit}' "$header")
  if [[ -z "$since" ]]; then
    echo "check_interface: '$name' is not in $header" >&2
    status=1
    continue
  fi
  major=${since%%.*}
  minor=${since#*.}
  if [[ "$major" != 4 || "$minor" -gt $max_minor ]]; then
    echo "check_interface: '$name' is @since $since, newer than 4.$max_minor" >&2
    status=1
  fi
done
# The class registration struct must also exist in 4.3.
grep -q 'GDExtensionClassCreationInfo3;' "$header" || { echo "check_interface: GDExtensionClassCreationInfo3 missing" >&2; status=1; }
[[ $status -eq 0 ]] && echo "check_interface: $(echo "$names" | wc -l) interface functions, all since Godot 4.$max_minor or older"
exit $status
