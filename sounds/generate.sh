#!/usr/bin/env bash
# generate.sh: regenerate the hotline's prompts from prompts.tsv (id, Vietnamese, English).
#
# Vietnamese is spoken with espeak-ng's Central Vietnamese voice (vi-vn-x-central, as spoken
# in Huế), English with its English voice; sox turns both into what the telephone network
# carries: 8 kHz, mono, 16-bit WAV. The WAVs are committed, so running the hotline needs
# neither tool; only changing a prompt does (apt-get install espeak-ng sox).
set -euo pipefail
cd "$(dirname "$0")"
for tool in espeak-ng sox; do
	command -v "$tool" >/dev/null || { echo "generate.sh: $tool is missing (apt-get install espeak-ng sox)" >&2; exit 1; }
done
rm -rf vi en moh
mkdir -p vi en
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
speak() { # voice speed text out
	espeak-ng -v "$1" -s "$2" -w "$tmp/raw.wav" "$3"
	# -D: no dither, so the same text always makes the same file.
	sox -D "$tmp/raw.wav" -r 8000 -c 1 -b 16 "$4" norm -3 pad 0 0.2
}
# Columns are split by hand: read with IFS=tab would merge an empty column into the next.
tail -n +2 prompts.tsv | while IFS= read -r line; do
	id=${line%%$'\t'*}
	rest=${line#*$'\t'}
	vi=${rest%%$'\t'*}
	en=${rest#*$'\t'}
	[ -n "$id" ] || continue
	# Slow enough for elderly callers on a phone line.
	[ -z "$vi" ] || speak vi-vn-x-central 150 "$vi" "vi/$id.wav"
	[ -z "$en" ] || speak en 150 "$en" "en/$id.wav"
	echo "generate.sh: $id"
done

# Music on hold for the agent queue: a quiet plucked arpeggio, made here so that it is free
# to use. Asterisk plays it from its own disk (musiconhold.conf, class default); the
# sandbox copies it there.
mkdir -p moh
notes=(C4 E4 G4 C5 G4 E4 A3 C4 E4 A4 E4 C4 F3 A3 C4 F4 C4 A3 G3 B3 D4 G4 D4 B3)
parts=()
for i in "${!notes[@]}"; do
	sox -D -n -r 8000 -c 1 -b 16 "$tmp/n$i.wav" synth 0.45 pluck "${notes[$i]}" fade 0 0.45 0.1
	parts+=("$tmp/n$i.wav")
done
sox -D "${parts[@]}" "$tmp/bar.wav"
sox -D "$tmp/bar.wav" "$tmp/bar.wav" moh/hold.wav norm -12
echo "generate.sh: moh/hold"
