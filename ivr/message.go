package ivr

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/CyCoreSystems/ari/v5"

	"github.com/huehotline/hotline/ivr/asterisk"
	"github.com/huehotline/hotline/tickets"
)

// messageSilence is how much silence ends a voice message, as # does.
const messageSilence = 5 * time.Second

// minSpeech is how much sound above the line's hiss a voice message needs to count: less
// is a caller who said nothing, and is asked again.
const minSpeech = 700 * time.Millisecond

// recordMessage records a voice message after a beep and keeps it in the hotline's
// storage. It reports whether the caller said something. When the caller hangs up while
// speaking, or the call is cut from outside, what was recorded is kept all the same and
// the error returned with got set. A message that cannot be fetched (Asterisk gone)
// stays in Asterisk and is imported when it is back (App.importStored).
func (c *call) recordMessage(max time.Duration) (got bool, err error) {
	c.recSeq++
	name := fmt.Sprintf("%s-m%d", c.rec.ID, c.recSeq)
	ctx, cancel := asterisk.CommandContext()
	err = c.env.cfg.REST.Record(ctx, c.channelID, name, max, messageSilence)
	cancel()
	if err != nil {
		if asterisk.IsNotFound(err) {
			return false, errHungUp
		}
		return false, fmt.Errorf("record %s: %w", name, err)
	}
	// Asterisk ends the recording itself (# or silence or the longest message); the
	// limit only guards against a lost event.
	limit := time.NewTimer(max + 30*time.Second)
	defer limit.Stop()
	var ended error            // why the call ends, once it does
	var grace <-chan time.Time // after that: how long to wait for the recording to close
	stopRecording := func() {
		sctx, scancel := asterisk.CommandContext()
		c.env.cfg.REST.StopRecording(sctx, name)
		scancel()
	}
wait:
	for {
		select {
		case <-limit.C:
			stopRecording()
			break wait
		case <-grace:
			break wait
		case o := <-c.aborted:
			// The call is being ended from outside: keep what was said so far.
			if ended == nil {
				ended = &abortedError{o}
				if !o.keepChannel {
					stopRecording()
				}
				grace = time.After(3 * time.Second)
			}
		case e := <-c.events:
			switch v := e.(type) {
			case *ari.RecordingFinished:
				if v.Recording.Name == name {
					c.log.Debug("recording finished", "state", v.Recording.State, "cause", v.Recording.Cause, "duration", v.Recording.Duration)
					break wait
				}
			case *ari.RecordingFailed:
				if v.Recording.Name == name {
					c.log.Warn("voice message failed", "cause", v.Recording.Cause)
					return false, ended
				}
			case *ari.ChannelDtmfReceived:
				// # ends the recording inside Asterisk; no key here may reach the next menu.
			default:
				if _, err := c.keyOrHangup(e); err != nil && ended == nil {
					ended = err
					grace = time.After(3 * time.Second)
				}
			}
		}
	}
	got, err = c.keepMessage(name)
	if err != nil {
		c.log.Error("keep voice message", "err", err)
	}
	return got, ended
}

// keepMessage copies a finished recording from Asterisk into the hotline's storage and
// files it under the call, unless it holds no speech. Asterisk's copy is deleted only
// once the hotline's is in place.
func (c *call) keepMessage(name string) (bool, error) {
	r, err := c.env.fetchRecording(name, c.rec.ID)
	if err != nil || r == nil {
		return false, err
	}
	if err := c.addRecording(r); err != nil {
		return true, fmt.Errorf("file recording %s: %w", r.Path, err)
	}
	c.env.deleteStored(c.log, name)
	c.log.Info("voice message kept", "recording", r.ID, "length", r.Duration().Round(time.Millisecond))
	return true, nil
}

// fetchRecording copies a stored recording from Asterisk into the hotline's storage,
// named after callID's recording, and measures it. It returns nil (and deletes
// Asterisk's copy) when the recording holds no speech.
func (sv *services) fetchRecording(name, callID string) (*tickets.Recording, error) {
	dir := sv.cfg.Recordings
	if dir == "" {
		return nil, errors.New("no folder for recordings is configured")
	}
	day := time.Now().In(tickets.Local)
	base := strings.ReplaceAll(name, "/", "-")
	rel := filepath.Join(day.Format("2006"), day.Format("01"), day.Format("02"), base+".wav")
	full := filepath.Join(dir, rel)
	if err := os.MkdirAll(filepath.Dir(full), 0o750); err != nil {
		return nil, err
	}
	tmp, err := os.CreateTemp(filepath.Dir(full), base+".*.part")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	err = tickets.Retry(3, func(ctx context.Context) error {
		if _, err := tmp.Seek(0, 0); err != nil {
			return err
		}
		if err := tmp.Truncate(0); err != nil {
			return err
		}
		_, err := sv.cfg.REST.FetchStoredRecording(ctx, name, tmp)
		return err
	})
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("fetch recording %s: %w", name, err)
	}
	length, speech, err := measureWAV(tmp.Name())
	if err != nil {
		return nil, fmt.Errorf("recording %s: %w", name, err)
	}
	if speech < minSpeech {
		sv.cfg.Log.Info("voice message without speech", "length", length.Round(time.Millisecond), "speech", speech.Round(time.Millisecond))
		sv.deleteStored(sv.cfg.Log, name)
		return nil, nil
	}
	if err := os.Chmod(tmp.Name(), 0o600); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp.Name(), full); err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(full)); err != nil {
		return nil, err
	}
	id := callID
	return &tickets.Recording{CallID: &id, Kind: tickets.RecordingVoiceMessage, Path: filepath.ToSlash(rel), DurationMS: length.Milliseconds()}, nil
}

// deleteStored deletes a recording from Asterisk once the hotline has its own copy.
func (sv *services) deleteStored(log *slog.Logger, name string) {
	ctx, cancel := asterisk.CommandContext()
	defer cancel()
	if err := sv.cfg.REST.DeleteStoredRecording(ctx, name); err != nil {
		log.Warn("delete recording from asterisk", "err", err)
	}
}

// measureWAV reads a 16-bit PCM WAV file and returns its length and how much of it is
// louder than a quiet line (20 ms frames above -40 dBFS).
func measureWAV(path string) (length, speech time.Duration, err error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, 0, err
	}
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		return 0, 0, errors.New("not a WAV file")
	}
	rate, bits, data := 0, 0, []byte(nil)
	for off := 12; off+8 <= len(b); {
		id, size := string(b[off:off+4]), int(binary.LittleEndian.Uint32(b[off+4:off+8]))
		body := b[off+8 : min(len(b), off+8+size)]
		switch id {
		case "fmt ":
			if len(body) >= 16 {
				rate, bits = int(binary.LittleEndian.Uint32(body[4:8])), int(binary.LittleEndian.Uint16(body[14:16]))
			}
		case "data":
			data = body
		}
		off += 8 + size + size%2
	}
	if rate == 0 || bits != 16 {
		return 0, 0, fmt.Errorf("want 16-bit PCM, got %d bits at %d Hz", bits, rate)
	}
	samples := len(data) / 2
	length = time.Duration(samples) * time.Second / time.Duration(rate)
	frame := rate / 50
	loud := 0
	for i := 0; i+frame <= samples; i += frame {
		var sum float64
		for j := i; j < i+frame; j++ {
			v := float64(int16(binary.LittleEndian.Uint16(data[2*j:])))
			sum += v * v
		}
		if math.Sqrt(sum/float64(frame)) > 327 { // -40 dBFS
			loud++
		}
	}
	return length, time.Duration(loud) * 20 * time.Millisecond, nil
}
