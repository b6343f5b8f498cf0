package sounds

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// A new version of a prompt is made on the server with the tools the build uses:
// espeak-ng and sox speak typed text as generate.sh does, ffmpeg decodes what phones and
// browsers record. Either way the result is what Asterisk plays: an 8 kHz, mono, 16-bit
// WAV.

// MaxLength is the longest a prompt may play; a recording longer than this (after its
// silence is trimmed) is refused.
const MaxLength = 3 * time.Minute

// MaxText is the longest text the server speaks.
const MaxText = 2000

// Why a recording or a text was not turned into a prompt.
var (
	ErrNotAudio = errors.New("not a recording ffmpeg can read")
	ErrSilent   = errors.New("the recording holds no sound")
	ErrTooLong  = errors.New("the recording is too long")
	ErrNoText   = errors.New("no text to speak")
	ErrTextLong = errors.New("the text is too long to speak")
)

// voices are espeak-ng's voices for the hotline's languages: the Central Vietnamese
// voice, as spoken in Huế, and English.
var voices = map[string]string{"vi": "vi-vn-x-central", "en": "en"}

// Speak says text in a language with espeak-ng, slowly enough for elderly callers, and
// returns it as Asterisk plays it, normalised and ending with a short pause, as
// generate.sh makes the embedded prompts.
func Speak(ctx context.Context, lang, text string) ([]byte, error) {
	voice, ok := voices[lang]
	if !ok {
		return nil, fmt.Errorf("speak: no voice for %q", lang)
	}
	text = strings.TrimSpace(text)
	switch {
	case text == "":
		return nil, ErrNoText
	case utf8.RuneCountInString(text) > MaxText:
		return nil, ErrTextLong
	}
	dir, err := os.MkdirTemp("", "hotline-speak-")
	if err != nil {
		return nil, fmt.Errorf("speak: %w", err)
	}
	defer os.RemoveAll(dir)
	raw, out := filepath.Join(dir, "raw.wav"), filepath.Join(dir, "out.wav")
	speak := exec.CommandContext(ctx, "espeak-ng", "-v", voice, "-s", "150", "-w", raw, "--stdin")
	speak.Stdin = strings.NewReader(text)
	if b, err := speak.CombinedOutput(); err != nil {
		return nil, fmt.Errorf("speak with espeak-ng: %w: %s", err, bytes.TrimSpace(b))
	}
	if b, err := exec.CommandContext(ctx, "sox", "-D", raw, "-r", "8000", "-c", "1", "-b", "16", out, "norm", "-3", "pad", "0", "0.2").CombinedOutput(); err != nil {
		return nil, fmt.Errorf("convert with sox: %w: %s", err, bytes.TrimSpace(b))
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("speak: %w", err)
	}
	if d := wavLength(wav); d > MaxLength {
		return nil, ErrTextLong
	}
	return wav, nil
}

// Convert turns a recording in what phones and laptops record (WAV, MP3, M4A/AAC,
// OGG/Opus, WebM from a browser's recorder) into a prompt with ffmpeg: its silence at
// the start and the end trimmed, its loudness normalised (EBU R128, as broadcasters
// do), 8 kHz mono 16-bit. A file that is not audio, holds no sound or plays longer than
// MaxLength once trimmed is refused with ErrNotAudio, ErrSilent or ErrTooLong.
func Convert(ctx context.Context, recording []byte) ([]byte, error) {
	if len(recording) == 0 {
		return nil, ErrNotAudio
	}
	dir, err := os.MkdirTemp("", "hotline-convert-")
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "in"), filepath.Join(dir, "out.wav")
	if err := os.WriteFile(in, recording, 0o600); err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	// Is there sound in it at all, and how long is it (m4a keeps its index at the end:
	// ffmpeg reads files, not pipes)?
	probe, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "a:0",
		"-show_entries", "stream=codec_type:format=duration", "-of", "default=noprint_wrappers=1", in).Output()
	if err != nil || !bytes.Contains(probe, []byte("codec_type=audio")) {
		return nil, ErrNotAudio
	}
	for _, line := range strings.Split(string(probe), "\n") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(line), "duration="); ok {
			if secs, err := strconv.ParseFloat(v, 64); err == nil && secs > (MaxLength+time.Minute).Seconds() {
				return nil, ErrTooLong // longer than trimming could ever bring it to
			}
		}
	}
	trim := "silenceremove=start_periods=1:start_threshold=-45dB:start_silence=0.05"
	filter := strings.Join([]string{trim, "areverse", trim, "areverse", "loudnorm=I=-16:TP=-2:LRA=11", "apad=pad_dur=0.2"}, ",")
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", in, "-vn", "-af", filter,
		"-ar", "8000", "-ac", "1", "-c:a", "pcm_s16le", "-bitexact", "-map_metadata", "-1", "-f", "wav", out)
	if b, err := cmd.CombinedOutput(); err != nil {
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: %s", ErrNotAudio, bytes.TrimSpace(b))
	}
	wav, err := os.ReadFile(out)
	if err != nil {
		return nil, fmt.Errorf("convert: %w", err)
	}
	switch d := wavLength(wav); {
	case d > MaxLength:
		return nil, ErrTooLong
	case d < 400*time.Millisecond || peakDBFS(wav) < -40:
		return nil, ErrSilent
	}
	return wav, nil
}

// wavLength is how long an 8 kHz mono 16-bit WAV plays (its data chunk).
func wavLength(wav []byte) time.Duration {
	data := dataChunk(wav)
	return time.Duration(len(data)/2) * time.Second / 8000
}

// dataChunk returns the samples of a WAV.
func dataChunk(wav []byte) []byte {
	for off := 12; off+8 <= len(wav); {
		size := int(binary.LittleEndian.Uint32(wav[off+4 : off+8]))
		body := off + 8
		if size < 0 || body+size > len(wav) {
			size = len(wav) - body
		}
		if string(wav[off:off+4]) == "data" {
			return wav[body : body+size]
		}
		off = body + size + size%2
	}
	return nil
}

// peakDBFS is the loudest sample of a 16-bit WAV, in dB below full scale.
func peakDBFS(wav []byte) float64 {
	data := dataChunk(wav)
	peak := 0
	for i := 0; i+1 < len(data); i += 2 {
		v := int(int16(binary.LittleEndian.Uint16(data[i:])))
		if v < 0 {
			v = -v
		}
		peak = max(peak, v)
	}
	if peak == 0 {
		return math.Inf(-1)
	}
	return 20 * math.Log10(float64(peak)/32768)
}
