package main_test

import (
	"context"
	le "encoding/binary"
	"io"
	"math"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/huehotline/hotline/tickets"
)

// voiceMessage checks that a ticket has one voice message, that the console serves it
// from the hotline's storage as a WAV file, and that it holds at least minSound of the
// caller's voice (the test caller's tone). It returns the recording.
func voiceMessage(t *testing.T, h *hotline, s *tickets.Store, tk *tickets.Ticket, minSound time.Duration) *tickets.Recording {
	t.Helper()
	recs, err := s.TicketRecordings(context.Background(), tickets.ActorSystem, tk.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 1 || recs[0].Kind != tickets.RecordingVoiceMessage {
		t.Fatalf("ticket %s recordings = %+v, want one voice message", tk.Ref, recs)
	}
	r := recs[0]
	resp, err := h.consoleUser("test-agent", tickets.RoleAgent, "").Get("http://" + h.addr + "/recordings/" + strconv.FormatInt(r.ID, 10))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "audio/wav" {
		t.Fatalf("GET recording: %s %s", resp.Status, resp.Header.Get("Content-Type"))
	}
	length, sound := wavSound(t, body)
	if sound < minSound || length < sound || time.Duration(r.DurationMS)*time.Millisecond != length {
		t.Errorf("voice message %d: %v long (%d ms recorded), %v of sound; want at least %v of sound", r.ID, length, r.DurationMS, sound, minSound)
	}
	t.Logf("voice message %d: %v long, %v of sound", r.ID, length, sound)
	return r
}

// wavSound reads a 16-bit mono WAV file at 8 kHz and returns its length and how much of
// it is louder than -30 dBFS.
func wavSound(t *testing.T, b []byte) (length, sound time.Duration) {
	t.Helper()
	if len(b) < 44 || string(b[:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a WAV file (%d bytes)", len(b))
	}
	var data []byte
	for off := 12; off+8 <= len(b); {
		size := int(le.LittleEndian.Uint32(b[off+4:]))
		if string(b[off:off+4]) == "data" {
			data = b[off+8 : min(len(b), off+8+size)]
		}
		off += 8 + size + size%2
	}
	const rate, frame = 8000, 160
	for i := 0; i+2*frame <= len(data); i += 2 * frame {
		var sum float64
		for j := 0; j < frame; j++ {
			v := float64(int16(le.LittleEndian.Uint16(data[i+2*j:])))
			sum += v * v
		}
		if math.Sqrt(sum/frame) > 1036 {
			sound += 20 * time.Millisecond
		}
	}
	return time.Duration(len(data)/2) * time.Second / rate, sound
}
