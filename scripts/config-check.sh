#!/usr/bin/env bash
# Verify that every option requested by the fragments has the requested value in CONFIG.
# Usage: config-check.sh CONFIG FRAGMENT...   Exit 1 naming every option that did not survive.
set -euo pipefail
config=$1; shift
missing=()
while IFS= read -r line; do
	case "$line" in
	CONFIG_*=*) opt=${line%%=*}; val=${line#*=}
		got=$(sed -n "s/^$opt=//p" "$config")
		[ "$got" = "$val" ] || missing+=("$opt=$val (got: ${got:-not set})") ;;
	"# CONFIG_"*" is not set") opt=${line#\# }; opt=${opt%% *}
		! grep -q "^$opt=" "$config" || missing+=("$opt unset (got: $(sed -n "s/^$opt=//p" "$config"))") ;;
	esac
done < <(cat "$@")
if [ ${#missing[@]} -gt 0 ]; then
	printf 'ERROR: config options that did not survive olddefconfig: %s\n' "${missing[*]}" >&2
	exit 1
fi
