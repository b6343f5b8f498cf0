package sounds_test

import (
	"context"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/huehotline/hotline/sounds"
)

// needTools fails a test that needs the converters when they are missing (make deps
// installs them).
func needTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"ffmpeg", "ffprobe", "espeak-ng", "sox"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("this test needs %s (make deps installs it): %v", tool, err)
		}
	}
}

// asterisk checks that a WAV is what Asterisk plays and returns how long it is.
func asterisk(t *testing.T, wav []byte) time.Duration {
	t.Helper()
	if len(wav) < 44 || string(wav[:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		t.Fatalf("not a WAV: % x", wav[:min(len(wav), 16)])
	}
	if rate, ch, bits := binary.LittleEndian.Uint32(wav[24:]), binary.LittleEndian.Uint16(wav[22:]), binary.LittleEndian.Uint16(wav[34:]); rate != 8000 || ch != 1 || bits != 16 {
		t.Fatalf("WAV of %d Hz, %d channels, %d bits; want 8000, 1, 16", rate, ch, bits)
	}
	return time.Duration(len(wav)-44) * time.Second / 16000
}

// Recordings in what phones and browsers make (made here with ffmpeg from speech) become
// 8 kHz mono WAVs, their silence trimmed; what is not audio, is silent or too long is
// refused with its reason.
func TestConvert(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	dir := t.TempDir()
	speech := filepath.Join(dir, "speech.wav")
	// Two seconds of silence, speech, two seconds of silence, at 22 kHz.
	say := exec.Command("espeak-ng", "-v", "vi-vn-x-central", "-w", filepath.Join(dir, "raw.wav"), "Xin chào, đây là đường dây nóng")
	if out, err := say.CombinedOutput(); err != nil {
		t.Fatalf("espeak-ng: %v %s", err, out)
	}
	if out, err := exec.Command("sox", filepath.Join(dir, "raw.wav"), speech, "pad", "2", "2").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	spoken := map[string][]string{
		"wav 44.1 kHz stereo": {"-ar", "44100", "-ac", "2", "x.wav"},
		"mp3":                 {"-c:a", "libmp3lame", "-b:a", "64k", "x.mp3"},
		"m4a (aac)":           {"-c:a", "aac", "-b:a", "64k", "x.m4a"},
		"ogg (opus)":          {"-c:a", "libopus", "-b:a", "32k", "x.ogg"},
		"webm (opus)":         {"-c:a", "libopus", "-b:a", "32k", "x.webm"},
	}
	raw, _ := os.ReadFile(filepath.Join(dir, "raw.wav"))
	rawLength := time.Duration(len(raw)-44) * time.Second / 44100 // espeak-ng writes 22,050 Hz 16-bit
	for name, args := range spoken {
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, args[len(args)-1])
			cmd := exec.Command("ffmpeg", append([]string{"-nostdin", "-v", "error", "-y", "-i", speech}, args[:len(args)-1]...)...)
			cmd.Args = append(cmd.Args, out)
			if b, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("make the %s: %v %s", name, err, b)
			}
			in, _ := os.ReadFile(out)
			wav, err := sounds.Convert(ctx, in)
			if err != nil {
				t.Fatalf("convert: %v", err)
			}
			// The 4 s of silence are trimmed: what is left is the speech and a short pause.
			if d := asterisk(t, wav); d < rawLength-time.Second || d > rawLength+time.Second {
				t.Errorf("%s: %v long, want about the %v spoken", name, d, rawLength.Round(10*time.Millisecond))
			}
		})
	}
	t.Run("ErrNotAudio", func(t *testing.T) {
		for name, b := range map[string][]byte{"a text renamed .mp3": []byte("Quy định ra vào Huế từ ngày 12/08\n"), "nothing": nil,
			"a PNG": {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13}} {
			if _, err := sounds.Convert(ctx, b); !errors.Is(err, sounds.ErrNotAudio) {
				t.Errorf("%s: %v, want ErrNotAudio", name, err)
			}
		}
	})
	t.Run("ErrSilent", func(t *testing.T) {
		out := filepath.Join(dir, "silence.webm")
		if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono", "-t", "3", "-c:a", "libopus", out).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, b)
		}
		in, _ := os.ReadFile(out)
		if _, err := sounds.Convert(ctx, in); !errors.Is(err, sounds.ErrSilent) {
			t.Errorf("three seconds of silence: %v, want ErrSilent", err)
		}
	})
	t.Run("ErrTooLong", func(t *testing.T) {
		out := filepath.Join(dir, "long.mp3")
		if b, err := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-y", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=8000", "-t", "200", "-c:a", "libmp3lame", "-b:a", "16k", out).CombinedOutput(); err != nil {
			t.Fatalf("ffmpeg: %v %s", err, b)
		}
		in, _ := os.ReadFile(out)
		if _, err := sounds.Convert(ctx, in); !errors.Is(err, sounds.ErrTooLong) {
			t.Errorf("3 min 20 s of sound: %v, want ErrTooLong", err)
		}
	})
}

// Typed text is spoken in the Central Vietnamese voice or in English, as Asterisk plays.
func TestSpeak(t *testing.T) {
	needTools(t)
	ctx := context.Background()
	for lang, text := range map[string]string{"vi": "Từ 00:00 ngày 12/08, người vào Huế phải khai báo y tế.", "en": "From midnight on 12 August, everyone entering Hue must declare."} {
		wav, err := sounds.Speak(ctx, lang, text)
		if err != nil {
			t.Fatalf("%s: %v", lang, err)
		}
		if d := asterisk(t, wav); d < 2*time.Second || d > 20*time.Second {
			t.Errorf("%s: %v long", lang, d)
		}
	}
	if _, err := sounds.Speak(ctx, "vi", "   "); !errors.Is(err, sounds.ErrNoText) {
		t.Errorf("no text: %v", err)
	}
	long := make([]byte, sounds.MaxText+1)
	for i := range long {
		long[i] = 'a'
	}
	if _, err := sounds.Speak(ctx, "vi", string(long)); !errors.Is(err, sounds.ErrTextLong) {
		t.Errorf("a long text: %v", err)
	}
}

// The catalog is prompts.tsv: every prompt an embedded WAV exists for, with its text.
func TestCatalog(t *testing.T) {
	cat := sounds.Catalog()
	if len(cat) < 100 || cat[0].ID != "welcome" || cat[0].Text["vi"] == "" || cat[0].Text["en"] == "" {
		t.Fatalf("catalog: %d entries, first %+v", len(cat), cat[0])
	}
	for _, e := range cat {
		for lang := range e.Text {
			if !sounds.Has(lang, e.ID) {
				t.Errorf("%s/%s has text but no WAV", lang, e.ID)
			}
		}
	}
}
